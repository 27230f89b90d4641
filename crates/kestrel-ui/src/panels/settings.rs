//! Settings: language, units, map tile source (OpenStreetMap, any XYZ template such as Tianditu,
//! an offline MBTiles/PMTiles pack, or no map), take-off altitude, battery alert thresholds,
//! callsigns and the crew seat the console takes at its next start. Changes are applied and
//! saved when the pilot presses Apply.

use std::path::PathBuf;

use eframe::egui::{self, RichText};

use crate::context::{Actions, ViewCtx};
use crate::i18n::S;
use crate::panel::Panel;
use crate::theme;
use kestrel_core::alerts::AlertThresholds;
use kestrel_core::console::{Language, Settings, Units};
use kestrel_core::seat::Seat;
use kestrel_core::tiles::TileSourceConfig;

use crate::panels::seat::seat_name;

/// Which kind of tile source the pilot picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TileChoice {
    Osm,
    Custom,
    Pack,
    Grid,
}

/// The settings being edited, applied on Apply.
#[derive(Debug, Clone)]
struct Draft {
    language: Language,
    units: Units,
    tiles: TileChoice,
    custom_url: String,
    pack_path: String,
    takeoff_alt_m: f32,
    thresholds: AlertThresholds,
    callsigns: Vec<(u8, String)>,
    seat: Option<Seat>,
    person: String,
    sysid: String,
    error: Option<String>,
}

/// The Settings window.
#[derive(Debug, Default)]
pub struct SettingsWindow {
    open: bool,
    draft: Option<Draft>,
    /// Where the settings are saved, to tell the pilot.
    path: Option<PathBuf>,
}

impl SettingsWindow {
    /// A window that says settings are saved to `path`.
    pub fn new(path: Option<PathBuf>) -> Self {
        Self {
            path,
            ..Default::default()
        }
    }
}

impl Panel for SettingsWindow {
    fn top_bar(&mut self, ui: &mut egui::Ui, cx: &ViewCtx, _actions: &mut Actions) {
        if ui.button(cx.tr.s(S::Settings)).clicked() {
            self.open = !self.open;
            self.draft = None;
        }
    }

    fn windows(&mut self, ctx: &egui::Context, cx: &ViewCtx, actions: &mut Actions) {
        self.window(ctx, cx, actions);
    }
}

impl SettingsWindow {
    fn draft_from_settings(cx: &ViewCtx) -> Draft {
        let s = cx.settings;
        let (tiles, pack_path) = match &s.tile_source {
            TileSourceConfig::OpenStreetMap => (TileChoice::Osm, String::new()),
            TileSourceConfig::Xyz { .. } => (TileChoice::Custom, String::new()),
            TileSourceConfig::MbTiles { path } | TileSourceConfig::PmTiles { path } => {
                (TileChoice::Pack, path.display().to_string())
            }
            TileSourceConfig::Grid => (TileChoice::Grid, String::new()),
        };
        let custom_url = match &s.tile_source {
            TileSourceConfig::Xyz { url, .. } => url.clone(),
            _ => s.custom_tile_url.clone(),
        };
        let mut callsigns: Vec<(u8, String)> = cx
            .view
            .fleet
            .aircraft
            .iter()
            .map(|a| {
                (
                    a.sysid,
                    s.callsigns.get(&a.sysid).cloned().unwrap_or_default(),
                )
            })
            .collect();
        for (k, v) in &s.callsigns {
            if !callsigns.iter().any(|(s, _)| s == k) {
                callsigns.push((*k, v.clone()));
            }
        }
        callsigns.sort();
        Draft {
            language: s.language,
            units: s.units,
            tiles,
            custom_url,
            pack_path,
            takeoff_alt_m: s.takeoff_alt_m,
            thresholds: s.alert_thresholds,
            callsigns,
            seat: s.crew_seat.seat,
            person: s.crew_seat.person.clone(),
            sysid: s.crew_seat.sysid.map(|n| n.to_string()).unwrap_or_default(),
            error: None,
        }
    }

    fn window(&mut self, ctx: &egui::Context, cx: &ViewCtx, actions: &mut Actions) {
        if !self.open {
            return;
        }
        if self.draft.is_none() {
            self.draft = Some(Self::draft_from_settings(cx));
        }
        let tr = cx.tr;
        let mut open = true;
        let mut apply = false;
        let Some(mut d) = self.draft.take() else {
            return;
        };
        egui::Window::new(tr.s(S::Settings))
            .open(&mut open)
            .default_width(520.0)
            .show(ctx, |ui| {
                egui::Grid::new("settings-grid")
                    .num_columns(2)
                    .spacing([16.0, 8.0])
                    .show(ui, |ui| {
                        ui.label(tr.s(S::Language));
                        ui.horizontal(|ui| {
                            for l in [Language::Chinese, Language::English] {
                                ui.radio_value(&mut d.language, l, l.native_name());
                            }
                        });
                        ui.end_row();
                        ui.label(tr.s(S::Units));
                        ui.horizontal(|ui| {
                            ui.radio_value(&mut d.units, Units::Metric, tr.s(S::UnitsMetric));
                            ui.radio_value(&mut d.units, Units::Imperial, tr.s(S::UnitsImperial));
                        });
                        ui.end_row();
                        ui.label(tr.s(S::MapTiles));
                        ui.vertical(|ui| {
                            ui.radio_value(&mut d.tiles, TileChoice::Osm, "OpenStreetMap");
                            ui.radio_value(&mut d.tiles, TileChoice::Custom, tr.s(S::TilesCustom));
                            ui.add_enabled(
                                d.tiles == TileChoice::Custom,
                                egui::TextEdit::singleline(&mut d.custom_url)
                                    .hint_text("https://t{s:01234567}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=KEY")
                                    .desired_width(360.0),
                            );
                            ui.radio_value(&mut d.tiles, TileChoice::Pack, tr.s(S::TilesPack));
                            ui.add_enabled(
                                d.tiles == TileChoice::Pack,
                                egui::TextEdit::singleline(&mut d.pack_path)
                                    .hint_text("/data/maps/liaocheng.mbtiles")
                                    .desired_width(360.0),
                            );
                            ui.radio_value(&mut d.tiles, TileChoice::Grid, tr.s(S::TilesNone));
                        });
                        ui.end_row();
                        ui.label(tr.s(S::TakeoffAltitude));
                        ui.add(
                            egui::DragValue::new(&mut d.takeoff_alt_m)
                                .range(2.0..=500.0)
                                .suffix(" m"),
                        );
                        ui.end_row();
                        ui.label(tr.s(S::LowBatteryAt));
                        ui.add(
                            egui::DragValue::new(&mut d.thresholds.low_battery_pct)
                                .range(5.0..=80.0)
                                .suffix(" %"),
                        );
                        ui.end_row();
                        ui.label(tr.s(S::CriticalBatteryAt));
                        ui.add(
                            egui::DragValue::new(&mut d.thresholds.critical_battery_pct)
                                .range(1.0..=60.0)
                                .suffix(" %"),
                        );
                        ui.end_row();
                    });
                if !d.callsigns.is_empty() {
                    ui.separator();
                    ui.label(RichText::new(tr.s(S::Callsigns)).strong());
                    egui::Grid::new("callsigns").num_columns(2).show(ui, |ui| {
                        for (sysid, name) in &mut d.callsigns {
                            ui.label(tr.f(S::SysidFmt, &[sysid]));
                            ui.add(
                                egui::TextEdit::singleline(name)
                                    .hint_text(tr.f(S::TeamFmt, &[sysid]))
                                    .desired_width(160.0),
                            );
                            ui.end_row();
                        }
                    });
                }
                ui.separator();
                ui.label(RichText::new(tr.s(S::CrewSeat)).strong());
                egui::Grid::new("crew-seat").num_columns(2).show(ui, |ui| {
                    ui.label("");
                    ui.horizontal_wrapped(|ui| {
                        ui.radio_value(&mut d.seat, None, tr.s(S::SeatNone));
                        for seat in Seat::ALL {
                            ui.radio_value(&mut d.seat, Some(seat), seat_name(tr, seat));
                        }
                    });
                    ui.end_row();
                    let l = ui.label(tr.s(S::SeatPerson));
                    ui.add(egui::TextEdit::singleline(&mut d.person).desired_width(160.0))
                        .labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label(tr.s(S::SeatSysid));
                    let hint = d.seat.map_or(255, Seat::default_sysid).to_string();
                    ui.add(
                        egui::TextEdit::singleline(&mut d.sysid)
                            .hint_text(hint)
                            .desired_width(60.0),
                    )
                    .labelled_by(l.id);
                    ui.end_row();
                });
                ui.separator();
                if let Some(e) = &d.error {
                    ui.label(RichText::new(e).color(theme::BAD));
                }
                ui.horizontal(|ui| {
                    if ui.button(RichText::new(tr.s(S::Apply)).strong()).clicked() {
                        apply = true;
                    }
                    if let Some(p) = &self.path {
                        ui.label(
                            RichText::new(tr.f(S::SavedToFmt, &[&p.display()]))
                                .weak()
                                .small(),
                        );
                    }
                });
            });
        if apply {
            match apply_draft(&d, cx) {
                Ok(change) => {
                    actions.settings(change);
                    // Shown again from the settings once they are applied.
                    self.draft = None;
                    self.open = open;
                    return;
                }
                Err(e) => d.error = Some(e),
            }
        }
        self.draft = Some(d);
        self.open = open;
    }
}

/// The change `d` makes to the settings, or why it cannot be applied.
fn apply_draft(d: &Draft, cx: &ViewCtx) -> Result<impl FnOnce(&mut Settings) + 'static, String> {
    {
        let tr = cx.tr;
        let source = match d.tiles {
            TileChoice::Osm => TileSourceConfig::OpenStreetMap,
            TileChoice::Grid => TileSourceConfig::Grid,
            TileChoice::Custom => {
                kestrel_core::tiles::XyzTemplate::parse(&d.custom_url)?;
                TileSourceConfig::Xyz {
                    name: String::new(),
                    url: d.custom_url.trim().to_string(),
                }
            }
            TileChoice::Pack => {
                let s = TileSourceConfig::from_user(&d.pack_path)?;
                if !matches!(
                    s,
                    TileSourceConfig::MbTiles { .. } | TileSourceConfig::PmTiles { .. }
                ) {
                    return Err(tr.s(S::PackMustBeFile).to_string());
                }
                s
            }
        };
        if d.thresholds.critical_battery_pct >= d.thresholds.low_battery_pct {
            return Err(tr.s(S::ThresholdOrder).to_string());
        }
        let sysid = match d.sysid.trim() {
            "" => None,
            n => match n.parse::<u8>() {
                Ok(id) if id > 0 => Some(id),
                _ => return Err(tr.s(S::SeatSysidBad).to_string()),
            },
        };
        let d = d.clone();
        Ok(move |s: &mut Settings| {
            s.language = d.language;
            s.units = d.units;
            s.takeoff_alt_m = d.takeoff_alt_m;
            if !d.custom_url.trim().is_empty() {
                s.custom_tile_url = d.custom_url.trim().to_string();
            }
            s.alert_thresholds = d.thresholds;
            s.callsigns = d
                .callsigns
                .iter()
                .filter(|(_, n)| !n.trim().is_empty())
                .map(|(s, n)| (*s, n.trim().to_string()))
                .collect();
            s.tile_source = source;
            s.crew_seat.seat = d.seat;
            s.crew_seat.person = d.person.trim().to_string();
            s.crew_seat.sysid = sysid;
        })
    }
}
