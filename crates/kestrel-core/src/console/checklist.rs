//! The console's pre-flight checklist: judges every aircraft's checklist at each publication
//! ([`crate::checklist`]), takes the crew's ticks, and sets the station's arming gate so that
//! with "enforce" on the core itself refuses to arm an aircraft whose checklist is open
//! (audited with what was open). When an aircraft arms, the checklist as it stood goes to the
//! audit trail and to the sortie the aircraft flies.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crate::checklist::{
    ArmingRecord, ChecklistBook, ChecklistReport, ChecklistSettings, ItemId, Observation,
};
use crate::crew::CrewStore;
use crate::fleet::FleetSnapshot;
use crate::security::SigningState;
use crate::station::Station;

use super::core::TrafficShare;
use super::published::EventSink;
use super::{ConsoleConfig, ConsoleError, Core, Service};

/// What the window asks of the checklist.
#[derive(Debug, Clone, PartialEq)]
pub enum ChecklistIntent {
    /// Tick (or untick) a manual item of an aircraft's checklist.
    Tick {
        /// The aircraft.
        aircraft: u8,
        /// The item.
        item: ItemId,
        /// Ticked or not.
        checked: bool,
    },
    /// Run the checklist by these settings from now on (refused when they make no sense).
    SetSettings(ChecklistSettings),
}

/// What the checklist tells the window.
#[derive(Debug, Clone, PartialEq)]
pub enum ChecklistEvent {
    /// A tick or the settings were taken (the view already shows them).
    Changed,
    /// A tick or the settings were refused, and why.
    Refused(String),
    /// The core refused to arm an aircraft because its checklist is open (the window shows the
    /// checklist).
    ArmingRefused {
        /// The aircraft.
        aircraft: u8,
        /// What is open.
        reason: String,
    },
    /// An aircraft armed; its checklist then is in the audit trail ("complete" or what was
    /// open).
    Armed {
        /// The aircraft.
        aircraft: u8,
        /// The audit trail's result.
        result: String,
    },
}

/// The checklists as the window shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChecklistView {
    /// The settings in use.
    pub settings: ChecklistSettings,
    /// Each aircraft's checklist, by system id.
    pub reports: Arc<Vec<ChecklistReport>>,
}

impl ChecklistView {
    /// The checklist of one aircraft.
    pub fn report(&self, sysid: u8) -> Option<&ChecklistReport> {
        self.reports.iter().find(|r| r.sysid == sysid)
    }
}

/// The pre-flight checklists of the console.
pub struct ChecklistService {
    book: Arc<Mutex<ChecklistBook>>,
    station: Station,
    events: EventSink,
    traffic: TrafficShare,
    person: String,
    data_dir: Option<PathBuf>,
}

fn lock(book: &Mutex<ChecklistBook>) -> MutexGuard<'_, ChecklistBook> {
    book.lock().unwrap_or_else(|e| e.into_inner())
}

impl ChecklistService {
    /// Judges every aircraft of `fleet` and writes down each that just armed.
    fn judge(&self, fleet: &FleetSnapshot) -> ChecklistView {
        let signing: BTreeMap<u8, SigningState> = self
            .station
            .signing_status()
            .into_iter()
            .map(|r| (r.sysid, r.state))
            .collect();
        let traffic = self.traffic.get();
        let now = Instant::now();
        let mut book = lock(&self.book);
        for a in &fleet.aircraft {
            let armed = book.update(&Observation {
                aircraft: a,
                signing: Some(signing.get(&a.sysid).copied().unwrap_or(SigningState::Off)),
                traffic: &traffic,
                now,
            });
            if let Some(record) = armed {
                self.write_down(record);
            }
        }
        ChecklistView {
            settings: book.settings().clone(),
            reports: Arc::new(book.reports().cloned().collect()),
        }
    }

    /// The checklist of an aircraft that armed: to the sortie it flies (if the crew database
    /// has one) and to the audit trail, off the core's threads.
    fn write_down(&self, record: ArmingRecord) {
        let (station, events, data_dir) = (
            self.station.clone(),
            self.events.clone(),
            self.data_dir.clone(),
        );
        tokio::task::spawn_blocking(move || {
            let summary = record.report.summary();
            let sortie = data_dir.and_then(|d| sortie_of(&d, record.sysid, &summary));
            let of = match sortie {
                Some(id) => format!(" for sortie {id}"),
                None => String::new(),
            };
            let result = record.result();
            station.audit(
                Some(record.sysid),
                "checklist",
                format!(
                    "pre-flight checklist ({}){of} when it armed: {summary}",
                    record.report.kind.name()
                ),
                result.clone(),
            );
            events.emit(ChecklistEvent::Armed {
                aircraft: record.sysid,
                result,
            });
        });
    }
}

/// Records the checklist on the sortie aircraft `sysid` flies, and says which sortie it was.
fn sortie_of(data_dir: &std::path::Path, sysid: u8, summary: &str) -> Option<i64> {
    CrewStore::record_on_active_sortie(data_dir, sysid, |store, id| {
        store.record_checklist(id, summary)
    })
    .unwrap_or_else(|e| {
        eprintln!("kestrel: checklist not recorded on the sortie: {e}");
        None
    })
}

impl Service for ChecklistService {
    type Intent = ChecklistIntent;
    type Event = ChecklistEvent;
    type View = ChecklistView;

    async fn start(core: &Core, config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        let mut book = ChecklistBook::default();
        if let Err(e) = book.set_settings(config.checklist.clone()) {
            eprintln!("kestrel: checklist settings not used ({e}); using the defaults");
        }
        let book = Arc::new(Mutex::new(book));
        let (gate, events) = (book.clone(), core.events.clone());
        core.station.set_arming_gate(Some(Arc::new(move |sysid| {
            let allowed = lock(&gate).arming_allowed(sysid);
            if let Err(reason) = &allowed {
                events.emit(ChecklistEvent::ArmingRefused {
                    aircraft: sysid,
                    reason: reason.clone(),
                });
            }
            allowed
        })));
        let person = if config.person.is_empty() {
            config.operator.clone()
        } else {
            config.person.clone()
        };
        Ok(Self {
            book,
            station: core.station.clone(),
            events: core.events.clone(),
            traffic: core.traffic.clone(),
            person,
            data_dir: core.data_dir.clone(),
        })
    }

    async fn handle(&mut self, intent: ChecklistIntent) {
        let done = match intent {
            ChecklistIntent::Tick {
                aircraft,
                item,
                checked,
            } => {
                let by = self.person.clone();
                let r =
                    lock(&self.book).tick(aircraft, item, checked, &by, crate::time::now_unix());
                if r.is_ok() {
                    self.station.audit(
                        Some(aircraft),
                        "checklist",
                        format!("{item} {}", if checked { "ticked" } else { "unticked" }),
                        by,
                    );
                }
                r
            }
            ChecklistIntent::SetSettings(s) => {
                let enforce = s.enforce;
                let r = lock(&self.book).set_settings(s);
                if r.is_ok() {
                    let how = if enforce { "enforced" } else { "not enforced" };
                    self.station
                        .audit(None, "checklist", "settings".into(), how.into());
                }
                r
            }
        };
        match done {
            // Judged again at once, so an arm sent right after the tick sees it.
            Ok(()) => {
                let view = self.judge(&self.station.snapshot());
                self.events
                    .emit_with_view(ChecklistEvent::Changed, |v| v.checklist = view);
            }
            Err(why) => self.events.emit(ChecklistEvent::Refused(why)),
        }
    }

    fn publish(&mut self, fleet: &FleetSnapshot) -> ChecklistView {
        self.judge(fleet)
    }

    async fn shutdown(&mut self) {
        self.station.set_arming_gate(None);
    }
}
