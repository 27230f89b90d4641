//! The crews tab: the roster and the registry ([`super::roster`]), teams (form one, disband),
//! today's sorties following telemetry, the shift schedule (event mode, timeline, recording its
//! sorties) and the sortie log.

use std::path::PathBuf;

use eframe::egui::{self, vec2, Color32, RichText, Sense, Stroke};

use super::strings::S;
use super::{show_message, state_colour, state_name, PlanningPanel, WARN};
use crate::context::{Actions, ViewCtx};
use crate::i18n::Tr;
use crate::theme;
use kestrel_core::console::planning::{
    PlanningIntent, PlanningOutcome, PlanningTask, PlanningView,
};
use kestrel_core::plan::schedule::EventOverride;
use kestrel_core::time::{parse_utc, DateTime};

impl PlanningPanel {
    pub(super) fn crews_tab(
        &mut self,
        ui: &mut egui::Ui,
        view: &PlanningView,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let tr = cx.tr;
        self.roster_section(ui, view, cx, actions);
        ui.separator();
        ui.label(RichText::new(tr.s(S::PlanTeams)).strong());
        if view.teams.is_empty() {
            ui.label(tr.s(S::PlanNoTeams));
        }
        let mut disband = None;
        egui::Grid::new("kestrel-teams")
            .striped(true)
            .num_columns(5)
            .show(ui, |ui| {
                for t in view.teams.iter() {
                    ui.label(RichText::new(&t.name).strong());
                    ui.label(&t.officer);
                    ui.label(t.auxiliaries.join(", "));
                    let ac = view.aircraft.iter().find(|a| a.callsign == t.aircraft);
                    match ac.and_then(|a| a.maintenance.as_ref()) {
                        Some(n) => ui.label(
                            RichText::new(format!(
                                "{} ({}: {n})",
                                t.aircraft,
                                tr.s(S::PlanMaintenance)
                            ))
                            .color(theme::BAD),
                        ),
                        None => ui.label(&t.aircraft),
                    };
                    if ui.small_button(tr.s(S::RosterDisband)).clicked() {
                        disband = Some(t.name.clone());
                    }
                    ui.end_row();
                }
            });
        if let Some(t) = disband {
            self.ask_disband(&t);
        }
        show_message(ui, self.message(PlanningTask::Disband));
        self.team_form(ui, view, cx, actions);
        ui.separator();
        ui.label(RichText::new(tr.s(S::PlanSorties)).strong());
        if view.sorties.is_empty() {
            ui.label(tr.s(S::PlanNoSorties));
        }
        egui::Grid::new("kestrel-sorties")
            .striped(true)
            .num_columns(4)
            .show(ui, |ui| {
                for s in view.sorties.iter().rev().take(30) {
                    ui.label(format!("#{}", s.id));
                    ui.label(format!(
                        "{} {}",
                        DateTime::from_unix_secs(s.start).hm(),
                        s.team.name
                    ));
                    ui.label(&s.route_name);
                    ui.label(
                        RichText::new(state_name(tr, s.state()))
                            .color(state_colour(s.state()))
                            .strong(),
                    );
                    ui.end_row();
                }
            });
        ui.horizontal(|ui| {
            let l = ui.label(tr.s(S::PlanPath));
            ui.add(egui::TextEdit::singleline(&mut self.log_path).desired_width(160.0))
                .labelled_by(l.id);
            if ui.button(tr.s(S::PlanExportLog)).clicked() {
                actions.send(PlanningIntent::ExportLog(PathBuf::from(
                    self.log_path.trim(),
                )));
            }
        });
        show_message(ui, self.message(PlanningTask::Log));
        ui.separator();
        ui.label(RichText::new(tr.s(S::PlanSchedule)).strong());
        ui.horizontal(|ui| {
            let l = ui.label(tr.s(S::PlanShiftFrom));
            ui.add(egui::TextEdit::singleline(&mut self.shift.0).desired_width(120.0))
                .labelled_by(l.id);
            let l = ui.label(tr.s(S::PlanShiftTo));
            ui.add(egui::TextEdit::singleline(&mut self.shift.1).desired_width(120.0))
                .labelled_by(l.id);
        });
        ui.horizontal_wrapped(|ui| {
            let l = ui.label(tr.s(S::PlanEventMode));
            let shown = self.event_area.clone().unwrap_or_else(|| "—".into());
            egui::ComboBox::from_id_salt("kestrel-event-area")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    for a in view.areas.iter().filter(|a| a.category.is_patrolled()) {
                        ui.selectable_value(&mut self.event_area, Some(a.name.clone()), &a.name);
                    }
                })
                .response
                .labelled_by(l.id);
            ui.add(
                egui::DragValue::new(&mut self.event_min)
                    .range(1.0..=600.0)
                    .suffix(" min"),
            );
            if ui.button(tr.s(S::PlanAddEvent)).clicked() {
                if let Some(a) = self.event_area.clone() {
                    self.events.retain(|(n, _)| *n != a);
                    self.events.push((a, self.event_min));
                }
            }
        });
        let mut drop = None;
        for (i, (a, m)) in self.events.iter().enumerate() {
            ui.horizontal(|ui| {
                ui.label(tr.f(S::PlanEventFmt, &[a, &format!("{m:.0}")]));
                if ui.small_button("x").clicked() {
                    drop = Some(i);
                }
            });
        }
        if let Some(i) = drop {
            self.events.remove(i);
        }
        if ui.button(tr.s(S::PlanRunSchedule)).clicked() {
            let parsed = parse_utc(&self.shift.0)
                .and_then(|s| parse_utc(&self.shift.1).map(|e| (s, e)))
                .map_err(|e| e.to_string())
                .and_then(|w| {
                    Self::route_home(cx)
                        .map(|home| (w, home))
                        .ok_or_else(|| tr.s(S::PlanNoHome).to_string())
                });
            match parsed {
                Ok(((start, end), home)) => actions.send(PlanningIntent::Schedule {
                    start,
                    end,
                    home,
                    events: self
                        .events
                        .iter()
                        .map(|(a, m)| EventOverride {
                            area: a.clone(),
                            revisit_min: *m,
                            from: None,
                            until: None,
                        })
                        .collect(),
                }),
                Err(e) => self.outcome(&PlanningOutcome {
                    task: PlanningTask::Schedule,
                    result: Err(e),
                }),
            }
        }
        show_message(ui, self.message(PlanningTask::Schedule));
        if let Some(shift) = &view.shift {
            timeline(ui, tr, shift);
            if ui.button(tr.s(S::PlanCreateSorties)).clicked() {
                actions.send(PlanningIntent::CreateScheduledSorties);
            }
        }
    }
}

impl PlanningPanel {
    /// Forming a team from the roster and the registry; the planner says why it refuses one.
    fn team_form(
        &mut self,
        ui: &mut egui::Ui,
        view: &PlanningView,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let tr = cx.tr;
        egui::CollapsingHeader::new(tr.s(S::PlanFormTeam))
            .id_salt("kestrel-form-team")
            .show(ui, |ui| {
                let (name, members, aircraft) = &mut self.new_team;
                ui.horizontal(|ui| {
                    let l = ui.label(tr.s(S::PlanName));
                    ui.add(egui::TextEdit::singleline(name).desired_width(140.0))
                        .labelled_by(l.id);
                });
                for (i, m) in members.iter_mut().enumerate() {
                    ui.horizontal(|ui| {
                        let l = ui.label(tr.f(S::PlanMemberFmt, &[&(i + 1)]));
                        egui::ComboBox::from_id_salt(("kestrel-team-member", i))
                            .selected_text(m.clone().unwrap_or_else(|| "—".into()))
                            .show_ui(ui, |ui| {
                                for p in view.people.iter() {
                                    let role = match p.role {
                                        kestrel_core::crew::Role::Officer => {
                                            tr.s(S::PlanRoleOfficer)
                                        }
                                        kestrel_core::crew::Role::Auxiliary => tr.s(S::PlanRoleAux),
                                    };
                                    ui.selectable_value(
                                        m,
                                        Some(p.name.clone()),
                                        format!("{} ({role})", p.name),
                                    );
                                }
                            })
                            .response
                            .labelled_by(l.id);
                    });
                }
                ui.horizontal(|ui| {
                    let l = ui.label(tr.s(S::PlanAircraft));
                    egui::ComboBox::from_id_salt("kestrel-team-aircraft")
                        .selected_text(aircraft.clone().unwrap_or_else(|| "—".into()))
                        .show_ui(ui, |ui| {
                            for a in view.aircraft.iter() {
                                ui.selectable_value(
                                    aircraft,
                                    Some(a.callsign.clone()),
                                    &a.callsign,
                                );
                            }
                        })
                        .response
                        .labelled_by(l.id);
                });
                if ui.button(tr.s(S::PlanFormTeam)).clicked() {
                    let intent = PlanningIntent::FormTeam {
                        name: name.trim().to_string(),
                        members: members.iter().flatten().cloned().collect(),
                        aircraft: aircraft.clone().unwrap_or_default(),
                    };
                    actions.send(intent);
                }
                show_message(ui, self.message(PlanningTask::Team));
            });
    }
}

/// The shift timeline: one row per team, a bar per sortie (hover: its areas).
fn timeline(ui: &mut egui::Ui, tr: Tr, shift: &kestrel_core::console::planning::ShiftPlan) {
    let (start, end) = shift.window;
    let span = (end - start).max(1) as f32;
    let mut teams: Vec<&str> = shift
        .schedule
        .sorties
        .iter()
        .map(|s| s.team.as_str())
        .collect();
    teams.sort();
    teams.dedup();
    let row = 20.0;
    let label_w = 80.0;
    let width = ui.available_width().max(200.0);
    let height = row * (teams.len() as f32 + 1.0);
    let (resp, painter) = ui.allocate_painter(vec2(width, height), Sense::hover());
    let r = resp.rect;
    let x_of = |t: i64| r.left() + label_w + (t - start) as f32 / span * (r.width() - label_w);
    // Hour ticks.
    let mut h = start - start.rem_euclid(3600) + 3600;
    while h < end {
        let x = x_of(h);
        painter.line_segment(
            [egui::pos2(x, r.top()), egui::pos2(x, r.bottom())],
            Stroke::new(1.0, Color32::from_gray(200)),
        );
        painter.text(
            egui::pos2(x + 2.0, r.bottom() - 2.0),
            egui::Align2::LEFT_BOTTOM,
            DateTime::from_unix_secs(h).hm(),
            egui::FontId::proportional(10.0),
            Color32::from_gray(90),
        );
        h += 3600;
    }
    let pointer = resp.hover_pos();
    let mut tip = None;
    for (i, team) in teams.iter().enumerate() {
        let y = r.top() + i as f32 * row;
        painter.text(
            egui::pos2(r.left(), y + row / 2.0),
            egui::Align2::LEFT_CENTER,
            *team,
            egui::FontId::proportional(11.0),
            ui.visuals().text_color(),
        );
        for s in shift.schedule.sorties.iter().filter(|s| s.team == *team) {
            let bar = egui::Rect::from_min_max(
                egui::pos2(x_of(s.start), y + 3.0),
                egui::pos2(x_of(s.end).max(x_of(s.start) + 2.0), y + row - 3.0),
            );
            painter.rect_filled(bar, 2.0, theme::team_colour(i as u8 + 1));
            if pointer.is_some_and(|p| bar.contains(p)) {
                tip = Some(format!(
                    "{}–{} {}",
                    DateTime::from_unix_secs(s.start).hm(),
                    DateTime::from_unix_secs(s.end).hm(),
                    s.areas().join(", ")
                ));
            }
        }
    }
    if let Some(t) = tip {
        resp.on_hover_text(t);
    }
    for c in &shift.schedule.coverage {
        let text = tr.f(
            S::PlanCoverageFmt,
            &[
                &c.area,
                &c.visits,
                &format!("{:.0}", c.max_gap_min),
                &format!("{:.0}", c.event_min.unwrap_or(c.interval_min)),
            ],
        );
        let colour = if c.met { theme::GOOD } else { theme::BAD };
        ui.label(RichText::new(text).color(colour));
    }
    for u in &shift.schedule.uncovered {
        ui.label(RichText::new(format!("{}: {}", u.area, u.reason)).color(theme::BAD));
    }
    for n in &shift.notes {
        ui.label(RichText::new(n).color(WARN));
    }
}
