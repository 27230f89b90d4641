//! The console window (eframe/egui): a thin layer over the headless core in [`kestrel_core::console`].
//! It draws the published [`kestrel_core::console::ConsoleView`] — map, fleet, selected aircraft,
//! alerts, connections, settings — and turns the pilot's clicks into
//! [`kestrel_core::console::Intent`]s. Nothing here waits on I/O.

pub mod app;
pub mod commands;
pub mod context;
mod fonts;
pub mod frame_meter;
pub mod i18n;
pub mod map;
pub mod panel;
pub mod panels;
pub mod theme;
pub mod widgets;

pub use app::{AppOptions, ConsoleApp};
pub use fonts::{install as install_fonts, CjkSource};
pub use panels::video::{VideoClick, VideoLayout};

use eframe::egui;

use kestrel_core::console::{ConsoleConfig, ConsoleHandle};

/// Opens the console window and runs until it is closed.
pub fn run(core: ConsoleConfig, app: AppOptions) -> anyhow::Result<()> {
    let handle = ConsoleHandle::start(core)?;
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Kestrel")
            .with_app_id("kestrel")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([900.0, 560.0]),
        ..Default::default()
    };
    eframe::run_native(
        "Kestrel",
        native,
        Box::new(move |cc| {
            let mut console = ConsoleApp::new(handle, app);
            console.init(&cc.egui_ctx);
            Ok(Box::new(console))
        }),
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot open the console window: {e}. Without a display, use the subcommands (kestrel --help)"
        )
    })
}
