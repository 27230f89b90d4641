//! The console under test: its core started on its own, on the demo, or joined to a simulator
//! over loopback MAVLink; the window (a kittest harness over `ConsoleApp`, with the CJK font
//! installed) built around a core; and frames pumped in real time until the window shows what a
//! test waits for. The console's API is used here rather than in each test file, so a change to
//! it is adapted in one place.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use kestrel::console::{ConsoleConfig, ConsoleHandle, Event, Language, Settings};
use kestrel::link::LinkSpec;
use kestrel::tiles::TileSourceConfig;
use kestrel::ui::{install_fonts, AppOptions, ConsoleApp};
use kestrel_sim::{Endpoint, SimConfig, Simulator};

use super::sim::free_udp_addr;
use super::wait::{self, Deadline, WAIT};

/// Where the demo fleet is based, and where the tests' simulated aircraft start.
pub use kestrel::console::demo::HOME;

/// The console window under test.
pub type Window = Harness<'static, ConsoleApp>;

/// How often frames are run while waiting on the window.
const FRAME_POLL: Duration = Duration::from_millis(30);

/// Starts the console core with `config`. Its sounds play through a real pipeline into a
/// sink that keeps time but makes no noise (the test machine has no speaker).
pub fn start_core(mut config: ConsoleConfig) -> ConsoleHandle {
    config.sound.output = "fakesink sync=true".into();
    ConsoleHandle::start(config).expect("the console core starts")
}

/// Starts the console core with its data (stores, logs, keys) in `dir`.
pub fn core_in(dir: &std::path::Path) -> ConsoleHandle {
    start_core(ConsoleConfig {
        data_dir: Some(dir.to_path_buf()),
        ..Default::default()
    })
}

/// Starts the console core flying the in-process demo fleet of `aircraft` aircraft.
pub fn start_demo(aircraft: usize) -> ConsoleHandle {
    start_core(ConsoleConfig {
        demo: Some(aircraft),
        ..Default::default()
    })
}

/// `n` simulated aircraft flying in real time from the demo's home (the endpoint is filled in by
/// [`core_with_simulator`]).
pub fn aircraft(n: usize) -> SimConfig {
    SimConfig {
        vehicles: n,
        home: HOME,
        speedup: 1.0,
        ..Default::default()
    }
}

/// A console core listening on a free loopback UDP port (added to `config`'s links) and a
/// simulator flying `sim` that sends to it. Returns the core, the simulator and the address the
/// core listens on.
pub fn core_with_simulator(
    mut config: ConsoleConfig,
    sim: SimConfig,
) -> (ConsoleHandle, Simulator, SocketAddr) {
    let addr = free_udp_addr();
    config.links.push(LinkSpec::UdpIn(addr));
    let handle = start_core(config);
    let sim = Simulator::start(SimConfig {
        endpoint: Endpoint::Udp(addr),
        ..sim
    })
    .expect("the simulator starts");
    (handle, sim, addr)
}

/// English, and a grid instead of map tiles (nothing fetched from the network).
pub fn english() -> Settings {
    Settings {
        language: Language::English,
        tile_source: TileSourceConfig::Grid,
        ..Default::default()
    }
}

/// Further set-up of the window before its first frame.
type AppSetup = Box<dyn FnOnce(&mut ConsoleApp)>;

/// Builds the window around a console core: settings that save nothing, a 1280×800 screen.
pub struct WindowBuilder {
    handle: ConsoleHandle,
    settings: Settings,
    clock: bool,
    rendered: bool,
    step_dt: Option<f32>,
    select: Option<u8>,
    setup: Option<AppSetup>,
}

impl WindowBuilder {
    /// A window over `handle` with [`english`] settings and the clock shown.
    pub fn new(handle: ConsoleHandle) -> Self {
        Self {
            handle,
            settings: english(),
            clock: true,
            rendered: false,
            step_dt: None,
            select: None,
            setup: None,
        }
    }

    /// Starts with `settings` instead.
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// Hides the wall clock, for pictures that do not change from run to run.
    pub fn without_clock(mut self) -> Self {
        self.clock = false;
        self
    }

    /// Renders with wgpu (lavapipe), for snapshots.
    pub fn rendered(mut self) -> Self {
        self.rendered = true;
        self
    }

    /// Each frame advances egui's clock by `dt` seconds.
    pub fn step_dt(mut self, dt: f32) -> Self {
        self.step_dt = Some(dt);
        self
    }

    /// Starts with aircraft `sysid` selected.
    pub fn select(mut self, sysid: u8) -> Self {
        self.select = Some(sysid);
        self
    }

    /// Sets the window up further before its first frame (e.g. a video layout).
    pub fn with_app(mut self, setup: impl FnOnce(&mut ConsoleApp) + 'static) -> Self {
        self.setup = Some(Box::new(setup));
        self
    }

    /// The window, before its first frame.
    pub fn build(self) -> Window {
        let mut options = AppOptions::ephemeral(self.settings);
        options.show_clock = self.clock;
        let mut app = ConsoleApp::new(self.handle, options);
        if let Some(sysid) = self.select {
            app.select(sysid);
        }
        if let Some(setup) = self.setup {
            setup(&mut app);
        }
        let mut builder = Harness::builder().with_size([1280.0, 800.0]);
        if let Some(dt) = self.step_dt {
            builder = builder.with_step_dt(dt);
        }
        if self.rendered {
            builder = builder.wgpu();
        }
        builder
            .with_context_setup(|ctx| {
                install_fonts(ctx);
            })
            .build_ui_state(|ui, app: &mut ConsoleApp| app.show(ui), app)
    }
}

/// The window over `handle`, in English, with the clock shown.
pub fn window(handle: ConsoleHandle) -> Window {
    WindowBuilder::new(handle).build()
}

/// Runs frames (in real time) until `done` holds; after [`WAIT`], fails naming `what` and the
/// labels the window shows.
pub fn wait_until(h: &mut Window, what: &str, mut done: impl FnMut(&mut Window) -> bool) {
    let deadline = Deadline::after(WAIT, what);
    loop {
        h.step();
        if done(h) {
            return;
        }
        if deadline.passed() {
            deadline.fail(Some(format!("the window shows {:?}", labels(h))));
        }
        std::thread::sleep(FRAME_POLL);
    }
}

/// Runs frames in real time for `span`: time that is part of a scenario (the pilot looking at a
/// dialog), during which the window keeps drawing and reacting.
pub fn run_for(h: &mut Window, span: Duration) {
    let end = Instant::now() + span;
    while Instant::now() < end {
        h.step();
        std::thread::sleep(FRAME_POLL);
    }
}

/// The labels of everything the window shows (for failure messages).
pub fn labels(h: &Window) -> Vec<String> {
    let mut seen: Vec<String> = h
        .query_all_by_label_contains("")
        .filter_map(|n| n.accesskit_node().label())
        .filter(|l| !l.is_empty())
        .collect();
    seen.dedup();
    seen.truncate(80);
    seen
}

/// Whether some widget's label is `label`.
pub fn shows(h: &Window, label: &str) -> bool {
    h.query_all_by_label(label).next().is_some()
}

/// Whether some widget's label contains `text`.
pub fn contains(h: &Window, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

/// Clicks `label` once the window draws it (the core's view may be a frame ahead of the window).
pub fn click_when_shown(h: &mut Window, label: &str) {
    wait_until(h, label, |h| shows(h, label));
    h.get_all_by_label(label)
        .next()
        .expect("shown a moment ago")
        .click();
}

/// [`click_when_shown`], then two frames for the click to take effect.
pub fn click(h: &mut Window, label: &str) {
    click_when_shown(h, label);
    h.run_steps(2);
}

/// Focuses the text field `field` and types `text` into it.
pub fn type_into(h: &mut Window, field: &str, text: &str) {
    h.get_by_label(field).focus();
    h.run_steps(1);
    h.get_by_label(field).type_text(text);
    h.run_steps(1);
}

/// Waits for the first event from the core that `matches` (events before it are dropped).
pub fn wait_event(
    handle: &ConsoleHandle,
    what: &str,
    mut matches: impl FnMut(&Event) -> bool,
) -> Event {
    wait::until(what, WAIT, || handle.events().find(|e| matches(e)))
}

/// Sends a pilot action for aircraft 1 and waits for the core's answer.
pub fn command(
    handle: &ConsoleHandle,
    action: kestrel::protocol::PilotAction,
) -> kestrel::console::CommandReport {
    let id = handle.next_command_id();
    handle.send(kestrel::console::CommandIntent {
        id,
        targets: vec![1],
        action,
    });
    match wait_event(
        handle,
        "the command's answer",
        |e| matches!(e, Event::Commands(r) if r.id == id),
    ) {
        Event::Commands(report) => report,
        _ => unreachable!("only the command's answer is waited for"),
    }
}
