//! The console's alerts: the [`AlertDesk`] that every service feeds (the fleet at each
//! publication, the modes commands expect, signing refusals), which writes each alert event to
//! the alert log (`DATA_DIR/alerts.jsonl`) and tells the window; and the [`AlertService`] that
//! takes the pilot's acknowledgements and threshold changes and publishes the session's alerts.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use crate::alerts::log::AlertLog;
use crate::alerts::{Alert, AlertEngine, AlertEvent, AlertThresholds};
use crate::fleet::FleetSnapshot;
use crate::security::SigningRow;

use super::published::lock;
use super::published::EventSink;
use super::{ConsoleConfig, ConsoleError, Core, Service};

/// The alert engine of the console and its log, shared by the services that feed it.
#[derive(Clone)]
pub struct AlertDesk {
    desk: Arc<Mutex<Desk>>,
    events: EventSink,
}

struct Desk {
    engine: AlertEngine,
    log: Option<AlertLog>,
}

impl AlertDesk {
    /// An engine with the configured thresholds, logging to the data directory's alert log
    /// (alerts are still shown when the log cannot be opened).
    pub(crate) fn open(config: &ConsoleConfig, events: EventSink) -> Self {
        let log = config.data_dir.as_ref().and_then(|dir| {
            let path = dir.join(crate::alerts::log::FILE_NAME);
            match AlertLog::open(&path) {
                Ok(log) => Some(log),
                Err(e) => {
                    eprintln!("kestrel: {e}; alerts are shown but not logged to disk");
                    None
                }
            }
        });
        Self {
            desk: Arc::new(Mutex::new(Desk {
                engine: AlertEngine::new(config.alert_thresholds),
                log,
            })),
            events,
        }
    }

    /// The station commanded `sysid` into `custom_mode`: that mode change is no failsafe.
    pub fn expect_mode(&self, sysid: u8, custom_mode: u32) {
        lock(&self.desk)
            .engine
            .expect_mode(sysid, custom_mode, Instant::now());
    }

    /// Raises and clears alerts from the fleet as it is now.
    pub fn update(&self, fleet: &FleetSnapshot) {
        self.run(|engine| engine.update(fleet, SystemTime::now()));
    }

    /// Raises and clears refused-frame alerts; aircraft in `settling` are having their signing
    /// changed, so their refusals are expected.
    pub fn update_signing(&self, rows: &[SigningRow], settling: &[u8]) {
        self.run(|engine| engine.update_signing(rows, settling, Instant::now(), SystemTime::now()));
    }

    /// Raises, updates and clears traffic conflict and collision alerts.
    pub fn update_traffic(
        &self,
        conflicts: &[crate::traffic::Conflict],
        collisions: &[crate::traffic::CollisionReport],
    ) {
        self.run(|engine| engine.update_traffic(conflicts, collisions, SystemTime::now()));
    }

    /// Where the alert log is written, if anywhere.
    pub fn log_path(&self) -> Option<PathBuf> {
        lock(&self.desk)
            .log
            .as_ref()
            .map(|l| l.path().to_path_buf())
    }

    /// Runs `f` on the engine, logs what it produced, then tells the window.
    fn run(&self, f: impl FnOnce(&mut AlertEngine) -> Vec<AlertEvent>) {
        let events = {
            let mut desk = lock(&self.desk);
            let events = f(&mut desk.engine);
            if let Some(log) = &mut desk.log {
                for e in &events {
                    if let Err(err) = log.append(e) {
                        eprintln!("kestrel: cannot write the alert log: {err}");
                    }
                }
            }
            events
        };
        for e in events {
            self.events.emit(e);
        }
    }
}

/// What the pilot does with alerts.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertIntent {
    /// Acknowledge one alert.
    Acknowledge(u64),
    /// Acknowledge every alert.
    AcknowledgeAll,
    /// Change the battery thresholds.
    SetThresholds(AlertThresholds),
}

/// The session's alerts as the window shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertsView {
    /// Every alert of the session, oldest first.
    pub list: Arc<Vec<Alert>>,
    /// Where the alert log is written, if anywhere.
    pub log: Option<PathBuf>,
}

/// Acknowledgements, thresholds, and the alert list at each publication.
pub struct AlertService {
    desk: AlertDesk,
    sound: crate::sound::Chime,
    revision: u64,
    view: AlertsView,
}

impl Service for AlertService {
    type Intent = AlertIntent;
    type Event = AlertEvent;
    type View = AlertsView;

    async fn start(core: &Core, _config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        Ok(Self {
            desk: core.alerts.clone(),
            sound: core.sound.clone(),
            revision: u64::MAX,
            view: AlertsView {
                list: Arc::default(),
                log: core.alerts.log_path(),
            },
        })
    }

    async fn handle(&mut self, intent: AlertIntent) {
        let wall = SystemTime::now();
        match intent {
            AlertIntent::Acknowledge(id) => self
                .desk
                .run(|engine| engine.acknowledge(id, wall).into_iter().collect()),
            AlertIntent::AcknowledgeAll => self.desk.run(|engine| engine.acknowledge_all(wall)),
            AlertIntent::SetThresholds(t) => lock(&self.desk.desk).engine.set_thresholds(t),
        }
    }

    fn publish(&mut self, fleet: &FleetSnapshot) -> AlertsView {
        self.desk.update(fleet);
        let desk = lock(&self.desk.desk);
        if desk.engine.revision() != self.revision {
            self.revision = desk.engine.revision();
            self.view.list = Arc::new(desk.engine.alerts().to_vec());
            // A warning or critical alert sounds until it is acknowledged or clears.
            let waiting = self.view.list.iter().any(|a| {
                a.severity != crate::alerts::Severity::Info
                    && a.acknowledged_at.is_none()
                    && a.cleared_at.is_none()
            });
            self.sound
                .hold("alerts", waiting.then_some(crate::sound::Cue::Alert));
        }
        self.view.clone()
    }
}
