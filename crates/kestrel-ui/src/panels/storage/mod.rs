//! The disk in the status bar: free space of the data directory, and before it is full a
//! warning in colour ("recordings stop in about N minutes at this rate"). The measuring runs in
//! the console's core ([`kestrel_core::console::storage`]); this only draws its view.

mod strings;

use eframe::egui::{self, RichText};

use crate::context::ViewCtx;
use crate::panel::Panel;
use crate::theme;
use kestrel_core::alerts::Severity;
use kestrel_core::storage::space::human_bytes;
use kestrel_core::storage::DiskWarning;
use strings::S;

/// The disk's part of the status bar.
#[derive(Debug, Default)]
pub struct StoragePanel;

impl Panel for StoragePanel {
    fn status(&mut self, ui: &mut egui::Ui, cx: &ViewCtx) {
        let tr = cx.tr;
        let view = &cx.view.storage;
        if let Some(e) = &view.error {
            ui.separator();
            ui.label(RichText::new(tr.f(S::DiskUnmeasuredFmt, &[e])).color(theme::BAD));
            return;
        }
        let Some(disk) = view.disk else {
            return;
        };
        ui.separator();
        let (text, colour) = match view.warning {
            Some(DiskWarning::Full) => (tr.s(S::DiskFull).to_string(), Some(theme::BAD)),
            Some(DiskWarning::StopsIn(d)) => {
                let minutes = d.as_secs().div_ceil(60).max(1);
                // The bar says it short; the hover says it whole.
                let text = format!(
                    "{} · {}",
                    tr.f(S::DiskFreeFmt, &[&human_bytes(disk.available)]),
                    tr.f(S::DiskStopsShortFmt, &[&minutes])
                );
                (text, Some(theme::BAD))
            }
            Some(DiskWarning::MostlyUsed(used)) => {
                let percent = (used * 100.0).floor() as u32;
                let text = format!(
                    "{} · {}",
                    tr.f(S::DiskFreeFmt, &[&human_bytes(disk.available)]),
                    tr.f(S::DiskMostlyUsedFmt, &[&percent])
                );
                (text, Some(theme::severity_colour(Severity::Warning)))
            }
            None => (tr.f(S::DiskFreeFmt, &[&human_bytes(disk.available)]), None),
        };
        let mut label = RichText::new(text);
        if let Some(c) = colour {
            label = label.color(c);
        }
        let dir = view
            .data_dir
            .as_ref()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        let mut hover = tr.f(
            S::DiskHoverFmt,
            &[&human_bytes(disk.available), &human_bytes(disk.total), &dir],
        );
        if let Some(rate) = view.bytes_per_second {
            hover.push('\n');
            hover.push_str(&tr.f(S::DiskFillingFmt, &[&human_bytes(rate as u64)]));
        }
        if let Some(DiskWarning::StopsIn(d)) = view.warning {
            hover.push('\n');
            let minutes = d.as_secs().div_ceil(60).max(1);
            hover.push_str(&tr.f(S::DiskStopsInFmt, &[&minutes]));
        }
        if view.warning.is_some() {
            hover.push('\n');
            hover.push_str(tr.s(S::DiskPruneHint));
        }
        ui.label(label).on_hover_text(hover);
    }
}
