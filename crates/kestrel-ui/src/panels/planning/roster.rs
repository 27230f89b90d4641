//! The roster and the aircraft registry in the planning panel's crews tab: the flight-team lead
//! adds and deletes officers and auxiliaries, registers and edits aircraft, takes them in and out
//! of maintenance and disbands teams without the command line. Every change goes to the planning
//! worker as a [`PlanningIntent`]; deletions wait for a confirmation, and the core's answer (done,
//! or refused with its reason) is shown where the change was asked for.

use eframe::egui::{self, Color32, RichText};

use super::strings::S;
use super::{show_message, PlanningPanel};
use crate::context::{Actions, ViewCtx};
use crate::i18n::Tr;
use crate::theme;
use crate::widgets::confirm::confirm_dialog;
use kestrel_core::console::planning::{
    PlanningIntent, PlanningOutcome, PlanningTask, PlanningView,
};
use kestrel_core::crew::{AircraftRecord, Person, Role};

/// Rows of an aircraft under maintenance are drawn in this colour (it cannot be planned).
const OUT_OF_SERVICE: Color32 = Color32::from_gray(140);

/// Something the lead asked to delete, waiting for the confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterDelete {
    /// A person, by name.
    Person(String),
    /// An aircraft, by callsign.
    Aircraft(String),
    /// A team to disband, by name.
    Team(String),
}

/// The aircraft form, while registering or editing one.
#[derive(Debug, Clone, PartialEq)]
pub struct AircraftForm {
    /// Registering a new aircraft (the callsign can be typed) rather than editing one.
    pub new: bool,
    /// Callsign.
    pub callsign: String,
    /// Make and model.
    pub model: String,
    /// Serial number.
    pub serial: String,
    /// Endurance, minutes.
    pub endurance_min: f64,
    /// Cruise speed, m/s.
    pub cruise_ms: f64,
    /// Camera horizontal field of view, degrees.
    pub hfov_deg: f64,
    /// MAVLink system id as typed (empty: none).
    pub sysid: String,
    /// The maintenance state, kept as it is by an edit.
    pub maintenance: Option<String>,
    /// Saved, waiting for the core's answer (the form closes when it is done).
    pub sent: bool,
}

impl AircraftForm {
    fn blank() -> Self {
        Self {
            new: true,
            callsign: String::new(),
            model: String::new(),
            serial: String::new(),
            endurance_min: 30.0,
            cruise_ms: 10.0,
            hfov_deg: 70.0,
            sysid: String::new(),
            maintenance: None,
            sent: false,
        }
    }

    fn of(a: &AircraftRecord) -> Self {
        Self {
            new: false,
            callsign: a.callsign.clone(),
            model: a.model.clone(),
            serial: a.serial.clone(),
            endurance_min: a.endurance_min,
            cruise_ms: a.cruise_ms,
            hfov_deg: a.hfov_deg,
            sysid: a.sysid.map(|s| s.to_string()).unwrap_or_default(),
            maintenance: a.maintenance.clone(),
            sent: false,
        }
    }

    fn record(&self, tr: Tr) -> Result<AircraftRecord, String> {
        let sysid = match self.sysid.trim() {
            "" => None,
            t => match t.parse::<u8>() {
                Ok(n) if n >= 1 => Some(n),
                _ => return Err(tr.s(S::RosterSysidBad).to_string()),
            },
        };
        Ok(AircraftRecord {
            callsign: self.callsign.trim().to_string(),
            model: self.model.trim().to_string(),
            serial: self.serial.trim().to_string(),
            endurance_min: self.endurance_min,
            cruise_ms: self.cruise_ms,
            hfov_deg: self.hfov_deg,
            sysid,
            maintenance: self.maintenance.clone(),
        })
    }
}

/// The roster and registry's state between frames.
#[derive(Debug, Clone, Default)]
pub struct RosterUi {
    /// The person selected in the roster.
    pub person: Option<String>,
    /// Name of the person being added.
    pub new_name: String,
    /// The person being added is an auxiliary (else an officer).
    pub new_aux: bool,
    /// The aircraft selected in the registry.
    pub aircraft: Option<String>,
    /// The aircraft form, while open.
    pub form: Option<AircraftForm>,
    /// Note for putting the selected aircraft under maintenance.
    pub maint_note: String,
    /// A deletion waiting for the confirmation.
    pub confirm: Option<RosterDelete>,
}

fn role_name(tr: Tr, r: Role) -> &'static str {
    match r {
        Role::Officer => tr.s(S::PlanRoleOfficer),
        Role::Auxiliary => tr.s(S::PlanRoleAux),
    }
}

impl PlanningPanel {
    /// Sends a roster change, dropping the last answer of its kind so the next one shown is its.
    fn roster_send(&mut self, task: PlanningTask, intent: PlanningIntent, actions: &mut Actions) {
        self.messages.retain(|(t, _)| *t != task);
        actions.send(intent);
    }

    /// Asks for the confirmation to disband a team (from the team list).
    pub(super) fn ask_disband(&mut self, team: &str) {
        self.roster.confirm = Some(RosterDelete::Team(team.to_string()));
    }

    /// The roster and the registry, at the top of the crews tab.
    pub(super) fn roster_section(
        &mut self,
        ui: &mut egui::Ui,
        view: &PlanningView,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        self.people_list(ui, view, cx, actions);
        ui.separator();
        self.registry_list(ui, view, cx, actions);
    }

    fn people_list(
        &mut self,
        ui: &mut egui::Ui,
        view: &PlanningView,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let tr = cx.tr;
        ui.label(RichText::new(tr.s(S::RosterPeople)).strong());
        if view.people.is_empty() {
            ui.label(tr.s(S::RosterNoPeople));
        }
        let r = &mut self.roster;
        egui::Grid::new("kestrel-roster")
            .striped(true)
            .num_columns(2)
            .show(ui, |ui| {
                for p in view.people.iter() {
                    let selected = r.person.as_deref() == Some(p.name.as_str());
                    let text = format!("{} ({})", p.name, role_name(tr, p.role));
                    if ui.selectable_label(selected, text).clicked() {
                        r.person = Some(p.name.clone());
                    }
                    match view
                        .teams
                        .iter()
                        .find(|t| t.members().contains(&p.name.as_str()))
                    {
                        Some(t) => ui.label(&t.name),
                        None => ui.label(RichText::new(tr.s(S::RosterNoTeam)).weak()),
                    };
                    ui.end_row();
                }
            });
        ui.horizontal_wrapped(|ui| {
            let l = ui.label(tr.s(S::RosterPersonName));
            // A stable id: rows added to the roster above must not move the focus out of the field.
            ui.add(
                egui::TextEdit::singleline(&mut r.new_name)
                    .id_salt("kestrel-roster-new-person")
                    .desired_width(120.0),
            )
            .labelled_by(l.id);
            ui.radio_value(&mut r.new_aux, false, tr.s(S::RosterAsOfficer));
            ui.radio_value(&mut r.new_aux, true, tr.s(S::RosterAsAux));
        });
        let mut send = None;
        ui.horizontal(|ui| {
            if ui.button(tr.s(S::RosterAddPerson)).clicked() {
                let person = Person {
                    name: r.new_name.trim().to_string(),
                    role: if r.new_aux {
                        Role::Auxiliary
                    } else {
                        Role::Officer
                    },
                    badge: None,
                };
                r.new_name.clear();
                send = Some(PlanningIntent::AddPerson(person));
            }
            let known = r
                .person
                .as_ref()
                .filter(|n| view.people.iter().any(|p| &p.name == *n));
            if ui
                .add_enabled(
                    known.is_some(),
                    egui::Button::new(tr.s(S::RosterDeletePerson)),
                )
                .clicked()
            {
                r.confirm = known.cloned().map(RosterDelete::Person);
            }
        });
        if let Some(i) = send {
            self.roster_send(PlanningTask::Roster, i, actions);
        }
        show_message(ui, self.message(PlanningTask::Roster));
    }

    fn registry_list(
        &mut self,
        ui: &mut egui::Ui,
        view: &PlanningView,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let tr = cx.tr;
        ui.label(RichText::new(tr.s(S::RosterRegistry)).strong());
        if view.aircraft.is_empty() {
            ui.label(tr.s(S::RosterNoAircraft));
        }
        let r = &mut self.roster;
        egui::Grid::new("kestrel-registry")
            .striped(true)
            .num_columns(6)
            .show(ui, |ui| {
                for a in view.aircraft.iter() {
                    let selected = r.aircraft.as_deref() == Some(a.callsign.as_str());
                    let cell = |t: String| match a.maintenance {
                        Some(_) => RichText::new(t).color(OUT_OF_SERVICE),
                        None => RichText::new(t),
                    };
                    if ui
                        .selectable_label(selected, cell(a.callsign.clone()).strong())
                        .clicked()
                    {
                        r.aircraft = Some(a.callsign.clone());
                    }
                    ui.label(cell(a.model.clone()));
                    let endurance = format!("{:.0}", a.endurance_min);
                    ui.label(cell(tr.f(S::RosterEnduranceFmt, &[&endurance])));
                    ui.label(cell(format!("{:.1} m/s", a.cruise_ms)));
                    let fov = format!("{:.0}", a.hfov_deg);
                    ui.label(cell(tr.f(S::RosterFovFmt, &[&fov])));
                    match &a.maintenance {
                        Some(n) => ui.label(
                            RichText::new(tr.f(S::RosterMaintFmt, &[n]))
                                .color(theme::BAD)
                                .strong(),
                        ),
                        None => {
                            ui.label(RichText::new(tr.s(S::RosterInService)).color(theme::GOOD))
                        }
                    };
                    ui.end_row();
                }
            });
        let sel = r
            .aircraft
            .as_ref()
            .and_then(|c| view.aircraft.iter().find(|a| &a.callsign == c))
            .cloned();
        let mut send = None;
        ui.horizontal_wrapped(|ui| {
            if ui.button(tr.s(S::RosterNewAircraft)).clicked() {
                r.form = Some(AircraftForm::blank());
            }
            if ui
                .add_enabled(
                    sel.is_some(),
                    egui::Button::new(tr.s(S::RosterEditAircraft)),
                )
                .clicked()
            {
                r.form = sel.as_ref().map(AircraftForm::of);
            }
            if ui
                .add_enabled(
                    sel.is_some(),
                    egui::Button::new(tr.s(S::RosterDeleteAircraft)),
                )
                .clicked()
            {
                r.confirm = sel
                    .as_ref()
                    .map(|a| RosterDelete::Aircraft(a.callsign.clone()));
            }
        });
        if let Some(a) = &sel {
            ui.horizontal_wrapped(|ui| {
                if a.in_service() {
                    let l = ui.label(tr.s(S::RosterMaintNote));
                    ui.add(
                        egui::TextEdit::singleline(&mut r.maint_note)
                            .id_salt("kestrel-roster-maint-note")
                            .desired_width(160.0),
                    )
                    .labelled_by(l.id);
                    if ui.button(tr.s(S::RosterToMaint)).clicked() {
                        let note = match r.maint_note.trim() {
                            "" => tr.s(S::RosterMaintDefault).to_string(),
                            n => n.to_string(),
                        };
                        r.maint_note.clear();
                        send = Some(PlanningIntent::SetMaintenance {
                            callsign: a.callsign.clone(),
                            note: Some(note),
                        });
                    }
                } else if ui.button(tr.s(S::RosterToService)).clicked() {
                    send = Some(PlanningIntent::SetMaintenance {
                        callsign: a.callsign.clone(),
                        note: None,
                    });
                }
            });
        }
        if let Some(i) = send {
            self.roster_send(PlanningTask::Registry, i, actions);
        }
        self.aircraft_form(ui, cx, actions);
        show_message(ui, self.message(PlanningTask::Registry));
    }

    fn aircraft_form(&mut self, ui: &mut egui::Ui, cx: &ViewCtx, actions: &mut Actions) {
        let tr = cx.tr;
        // A saved form closes once the core has stored it; a refused one stays to be corrected.
        let answer = self.message(PlanningTask::Registry).cloned();
        let Some(form) = self.roster.form.as_mut() else {
            return;
        };
        if form.sent {
            match answer {
                Some(Ok(_)) => {
                    self.roster.form = None;
                    return;
                }
                Some(Err(_)) => form.sent = false,
                None => {}
            }
        }
        let mut save = false;
        let mut close = false;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            let title = if form.new {
                S::RosterNewAircraft
            } else {
                S::RosterEditAircraft
            };
            ui.label(RichText::new(tr.s(title)).strong());
            egui::Grid::new("kestrel-aircraft-form")
                .num_columns(2)
                .show(ui, |ui| {
                    let text = |ui: &mut egui::Ui, key: S, value: &mut String, enabled: bool| {
                        let l = ui.label(tr.s(key));
                        ui.add_enabled(
                            enabled,
                            egui::TextEdit::singleline(value)
                                .id_salt(("kestrel-aircraft-form", key))
                                .desired_width(140.0),
                        )
                        .labelled_by(l.id);
                        ui.end_row();
                    };
                    text(ui, S::RosterCallsign, &mut form.callsign, form.new);
                    text(ui, S::RosterModel, &mut form.model, true);
                    text(ui, S::RosterSerial, &mut form.serial, true);
                    let number =
                        |ui: &mut egui::Ui, key: S, value: &mut f64, max: f64, suffix: &str| {
                            let l = ui.label(tr.s(key));
                            ui.add(egui::DragValue::new(value).range(0.1..=max).suffix(suffix))
                                .labelled_by(l.id);
                            ui.end_row();
                        };
                    number(
                        ui,
                        S::RosterEndurance,
                        &mut form.endurance_min,
                        600.0,
                        " min",
                    );
                    number(ui, S::RosterCruise, &mut form.cruise_ms, 60.0, " m/s");
                    number(ui, S::RosterFov, &mut form.hfov_deg, 179.0, "°");
                    text(ui, S::RosterSysid, &mut form.sysid, true);
                });
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(!form.sent, egui::Button::new(tr.s(S::RosterSaveAircraft)))
                    .clicked()
                {
                    save = true;
                }
                if ui.button(tr.s(S::PlanCancel)).clicked() {
                    close = true;
                }
            });
        });
        if close {
            self.roster.form = None;
            return;
        }
        if save {
            match form.record(tr) {
                Ok(aircraft) => {
                    form.sent = true;
                    let new = form.new;
                    self.roster_send(
                        PlanningTask::Registry,
                        PlanningIntent::SaveAircraft { aircraft, new },
                        actions,
                    );
                }
                Err(e) => self.outcome(&PlanningOutcome {
                    task: PlanningTask::Registry,
                    result: Err(e),
                }),
            }
        }
    }

    /// The confirmation of a deletion, in the same modal as the flight actions' confirmation.
    /// The confirmation of a roster deletion.
    pub(super) fn roster_confirm(
        &mut self,
        ctx: &egui::Context,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let Some(what) = self.roster.confirm.clone() else {
            return;
        };
        let tr = cx.tr;
        let question = match &what {
            RosterDelete::Person(n) => tr.f(S::RosterConfirmPersonFmt, &[n]),
            RosterDelete::Aircraft(c) => tr.f(S::RosterConfirmAircraftFmt, &[c]),
            RosterDelete::Team(t) => tr.f(S::RosterConfirmTeamFmt, &[t]),
        };
        let decision = confirm_dialog(ctx, tr, "kestrel-roster-confirm", &question);
        let Some(go) = decision else {
            return;
        };
        self.roster.confirm = None;
        if !go {
            return;
        }
        let (task, intent) = match what {
            RosterDelete::Person(n) => (PlanningTask::Roster, PlanningIntent::RemovePerson(n)),
            RosterDelete::Aircraft(c) => {
                (PlanningTask::Registry, PlanningIntent::RemoveAircraft(c))
            }
            RosterDelete::Team(t) => (PlanningTask::Disband, PlanningIntent::DisbandTeam(t)),
        };
        self.roster_send(task, intent, actions);
    }
}
