//! The patrol route tab: tick key areas, pick the pattern, altitude and aircraft, plan the route
//! (drawn on the map, waypoints draggable, broken rules in red), and upload a sortie of it to the
//! selected aircraft for a team.

use eframe::egui::{self, vec2, RichText, Sense};

use super::layer::sortie_colour;
use super::strings::S;
use super::{pattern_name, show_message, PlanningPanel, WARN};
use crate::context::{Actions, ViewCtx};
use crate::i18n::S as Base;
use crate::theme;
use kestrel_core::console::planning::{
    PlanningIntent, PlanningOutcome, PlanningTask, PlanningView, RouteSpec,
};
use kestrel_core::geo::GeoPoint;
use kestrel_core::plan::areas::KeyArea;
use kestrel_core::plan::routes::Pattern;

impl PlanningPanel {
    /// Where routes start and end: the selected aircraft's home (or position), else any
    /// aircraft's, else the middle of the key areas.
    pub(super) fn route_home(cx: &ViewCtx) -> Option<GeoPoint> {
        let home = |a: &kestrel_core::fleet::Aircraft| a.home.map(|h| h.position).or(a.position);
        cx.primary()
            .and_then(home)
            .or_else(|| cx.view.fleet.aircraft.iter().find_map(|a| home(a)))
            .or_else(|| {
                let pts: Vec<GeoPoint> = cx
                    .view
                    .planning
                    .areas
                    .iter()
                    .flat_map(|a| a.shape.points())
                    .collect();
                (!pts.is_empty()).then(|| GeoPoint {
                    lat: pts.iter().map(|p| p.lat).sum::<f64>() / pts.len() as f64,
                    lon: pts.iter().map(|p| p.lon).sum::<f64>() / pts.len() as f64,
                })
            })
    }

    pub(super) fn route_tab(
        &mut self,
        ui: &mut egui::Ui,
        view: &PlanningView,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let tr = cx.tr;
        ui.label(RichText::new(tr.s(S::PlanRouteAreas)).strong());
        let patrolled: Vec<&KeyArea> = view
            .areas
            .iter()
            .filter(|a| a.category.is_patrolled())
            .collect();
        if patrolled.is_empty() {
            ui.label(tr.s(S::PlanNoAreas));
        }
        for a in patrolled {
            let mut on = self.route_areas.contains(&a.name);
            if ui.checkbox(&mut on, &a.name).changed() {
                if on {
                    self.route_areas.insert(a.name.clone());
                } else {
                    self.route_areas.remove(&a.name);
                }
            }
        }
        egui::Grid::new("kestrel-route-form")
            .num_columns(2)
            .show(ui, |ui| {
                let l = ui.label(tr.s(S::PlanPattern));
                egui::ComboBox::from_id_salt("kestrel-route-pattern")
                    .selected_text(pattern_name(tr, self.pattern))
                    .show_ui(ui, |ui| {
                        for p in Pattern::ALL {
                            ui.selectable_value(&mut self.pattern, p, pattern_name(tr, p));
                        }
                    })
                    .response
                    .labelled_by(l.id);
                ui.end_row();
                ui.label(tr.s(S::PlanAltitude));
                ui.add(
                    egui::DragValue::new(&mut self.alt_m)
                        .range(5.0..=500.0)
                        .suffix(" m"),
                );
                ui.end_row();
                let l = ui.label(tr.s(S::PlanAircraft));
                let shown = self
                    .aircraft
                    .clone()
                    .unwrap_or_else(|| tr.s(S::PlanDefaultAircraft).to_string());
                egui::ComboBox::from_id_salt("kestrel-route-aircraft")
                    .selected_text(shown)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.aircraft, None, tr.s(S::PlanDefaultAircraft));
                        for a in view.aircraft.iter() {
                            let text = match &a.maintenance {
                                Some(n) => {
                                    format!("{} ({}: {n})", a.callsign, tr.s(S::PlanMaintenance))
                                }
                                None => format!(
                                    "{} · {:.0} min · {:.0} m/s · {:.0}°",
                                    a.callsign, a.endurance_min, a.cruise_ms, a.hfov_deg
                                ),
                            };
                            ui.selectable_value(&mut self.aircraft, Some(a.callsign.clone()), text);
                        }
                    })
                    .response
                    .labelled_by(l.id);
                ui.end_row();
            });
        ui.horizontal(|ui| {
            if ui.button(tr.s(S::PlanGenerate)).clicked() {
                match Self::route_home(cx) {
                    Some(home) => actions.send(PlanningIntent::GenerateRoute(RouteSpec {
                        areas: self.route_areas.iter().cloned().collect(),
                        pattern: self.pattern,
                        alt_m: self.alt_m,
                        aircraft: self.aircraft.clone(),
                        home,
                    })),
                    None => self.outcome(&PlanningOutcome {
                        task: PlanningTask::Route,
                        result: Err(tr.s(S::PlanNoHome).into()),
                    }),
                }
            }
            if view.route.is_some() && ui.button(tr.s(S::PlanClearRoute)).clicked() {
                actions.send(PlanningIntent::ClearRoute);
            }
        });
        show_message(ui, self.message(PlanningTask::Route));
        let Some(plan) = &view.route else { return };
        let route = &plan.route;
        ui.separator();
        let t = route.totals();
        ui.label(
            RichText::new(tr.f(
                S::PlanRouteTotalsFmt,
                &[
                    &pattern_name(tr, route.pattern),
                    &format!("{:.2}", t.length_m / 1000.0),
                    &format!("{:.1}", t.flight_time_s / 60.0),
                    &format!("{:.0}", t.battery_pct),
                ],
            ))
            .strong(),
        );
        if route.sorties.len() > 1 {
            ui.label(tr.f(S::PlanSplitFmt, &[&route.sorties.len()]));
        }
        for (i, s) in route.sorties.iter().enumerate() {
            ui.horizontal(|ui| {
                let (r, p) = ui.allocate_painter(vec2(14.0, 4.0), Sense::hover());
                p.rect_filled(r.rect, 1.0, sortie_colour(i));
                ui.label(tr.f(
                    S::PlanSortieStatsFmt,
                    &[
                        &(i + 1),
                        &format!("{:.2}", s.stats.length_m / 1000.0),
                        &format!("{:.1}", s.stats.flight_time_s / 60.0),
                        &format!("{:.0}", s.stats.battery_pct),
                    ],
                ));
            });
        }
        for w in &route.warnings {
            ui.label(RichText::new(w).color(WARN));
        }
        for i in &plan.issues {
            ui.label(RichText::new(i.to_string()).color(theme::BAD).strong());
        }
        ui.label(RichText::new(tr.s(S::PlanDragWaypoints)).italics());
        ui.separator();
        // Upload to the selected aircraft.
        let target = cx.selection.primary;
        match target {
            Some(sysid) => {
                ui.label(tr.f(S::PlanUploadToFmt, &[&cx.callsign(sysid)]));
            }
            None => {
                ui.label(tr.s(Base::SelectAircraftHint));
            }
        }
        if route.sorties.len() > 1 {
            ui.horizontal(|ui| {
                ui.label(tr.s(S::PlanSortie));
                for i in 0..route.sorties.len() {
                    ui.selectable_value(&mut self.upload_sortie, i, format!("{}", i + 1));
                }
            });
        }
        self.upload_sortie = self.upload_sortie.min(route.sorties.len() - 1);
        ui.horizontal(|ui| {
            let l = ui.label(tr.s(S::PlanTeam));
            let shown = self
                .upload_team
                .clone()
                .unwrap_or_else(|| tr.s(S::PlanAircraftTeam).to_string());
            egui::ComboBox::from_id_salt("kestrel-upload-team")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.upload_team, None, tr.s(S::PlanAircraftTeam));
                    for t in view.teams.iter() {
                        ui.selectable_value(&mut self.upload_team, Some(t.name.clone()), &t.name);
                    }
                })
                .response
                .labelled_by(l.id);
        });
        if ui
            .add_enabled(target.is_some(), egui::Button::new(tr.s(S::PlanUpload)))
            .clicked()
        {
            if let Some(sysid) = target {
                actions.send(PlanningIntent::Upload {
                    sortie: self.upload_sortie,
                    sysid,
                    team: self.upload_team.clone(),
                });
            }
        }
        show_message(ui, self.message(PlanningTask::Upload));
    }
}
