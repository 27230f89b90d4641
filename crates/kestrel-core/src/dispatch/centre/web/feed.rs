//! What the page shows live: the receiver hands every stored sighting and fleet report to a
//! [`WebFeed`] (it is one of the receiver's outputs, like CoT to TAK); the feed keeps the
//! latest report of every aircraft with the time dispatch *heard* it (the console's own clock
//! may be wrong), and fans events out to every open page.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use crate::dispatch::centre::output::DispatchOutput;
use crate::dispatch::centre::store::FleetEntry;
use crate::dispatch::envelope::FleetAircraft;
use crate::sightings::model::Sighting;
use crate::sightings::timestamp::Timestamp;

/// A console that sent nothing for this long is shown as quiet, at its last known positions.
pub const QUIET_AFTER: Duration = Duration::from_secs(10);

/// Events a page may miss under load: a lagging page reloads the list instead.
const EVENT_BACKLOG: usize = 1024;

/// One aircraft as the page shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WebAircraft {
    /// The console flying it.
    pub console: String,
    /// When the console sent its last report (the console's clock).
    pub sent_at: Timestamp,
    /// Seconds since dispatch heard of it (since it started, for positions from its database).
    pub age_s: f64,
    /// Whether its console has gone quiet.
    pub quiet: bool,
    /// The report.
    #[serde(flatten)]
    pub aircraft: FleetAircraft,
}

/// The fleet as the page shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WebFleet {
    /// Dispatch's time.
    pub now: Timestamp,
    /// Every aircraft of every console.
    pub aircraft: Vec<WebAircraft>,
}

/// Something for the open pages.
#[derive(Debug, Clone, PartialEq)]
pub enum WebEvent {
    /// A sighting to insert or replace (new, newer revision, or acknowledged).
    Sighting(Uuid),
    /// A task to insert or replace (created, or moved on).
    Task(Uuid),
}

struct Heard {
    entry: FleetEntry,
    /// When dispatch heard it; `None` for what it read back from its database at start.
    at: Option<Instant>,
}

/// The live picture for the page.
pub struct WebFeed {
    started: Instant,
    fleet: Mutex<BTreeMap<(String, u8), Heard>>,
    fleet_changed: watch::Sender<u64>,
    events: broadcast::Sender<WebEvent>,
}

impl WebFeed {
    /// A feed that starts from the last known positions dispatch's database holds.
    pub fn new(known: Vec<FleetEntry>) -> Arc<Self> {
        let fleet = known
            .into_iter()
            .map(|e| {
                (
                    (e.console.clone(), e.aircraft.sysid),
                    Heard { entry: e, at: None },
                )
            })
            .collect();
        Arc::new(Self {
            started: Instant::now(),
            fleet: Mutex::new(fleet),
            fleet_changed: watch::channel(0).0,
            events: broadcast::channel(EVENT_BACKLOG).0,
        })
    }

    /// The fleet now.
    pub fn fleet(&self) -> WebFleet {
        let now = Instant::now();
        let fleet = self.fleet.lock().unwrap_or_else(|p| p.into_inner());
        WebFleet {
            now: Timestamp::now(),
            aircraft: fleet
                .values()
                .map(|h| {
                    let age = now.duration_since(h.at.unwrap_or(self.started));
                    WebAircraft {
                        console: h.entry.console.clone(),
                        sent_at: h.entry.sent_at,
                        age_s: (age.as_secs_f64() * 10.0).round() / 10.0,
                        quiet: h.at.is_none() || age >= QUIET_AFTER,
                        aircraft: h.entry.aircraft.clone(),
                    }
                })
                .collect(),
        }
    }

    /// Whether dispatch has heard of `console`'s aircraft `sysid`.
    pub fn knows(&self, console: &str, sysid: u8) -> bool {
        self.fleet
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(&(console.to_string(), sysid))
    }

    /// Changes whenever a fleet report arrives.
    pub fn fleet_changes(&self) -> watch::Receiver<u64> {
        self.fleet_changed.subscribe()
    }

    /// Events for one page.
    pub fn subscribe(&self) -> broadcast::Receiver<WebEvent> {
        self.events.subscribe()
    }

    /// Tells the pages a sighting changed (the web server calls it after an acknowledgement).
    pub fn sighting_changed(&self, id: Uuid) {
        let _ = self.events.send(WebEvent::Sighting(id));
    }

    /// Tells the pages a task changed.
    pub fn task_changed(&self, id: Uuid) {
        let _ = self.events.send(WebEvent::Task(id));
    }
}

impl DispatchOutput for WebFeed {
    fn sighting_stored(&self, _console: &str, sighting: &Sighting) {
        self.sighting_changed(sighting.id);
    }

    fn task_changed(&self, id: Uuid) {
        WebFeed::task_changed(self, id);
    }

    fn fleet_update(&self, console: &str, sent_at: Timestamp, aircraft: &[FleetAircraft]) {
        let now = Instant::now();
        {
            let mut fleet = self.fleet.lock().unwrap_or_else(|p| p.into_inner());
            for a in aircraft {
                let key = (console.to_string(), a.sysid);
                let newer = fleet
                    .get(&key)
                    .is_none_or(|h| h.at.is_none() || h.entry.sent_at <= sent_at);
                if newer {
                    fleet.insert(
                        key,
                        Heard {
                            entry: FleetEntry {
                                console: console.to_string(),
                                sent_at,
                                aircraft: a.clone(),
                            },
                            at: Some(now),
                        },
                    );
                }
            }
        }
        self.fleet_changed.send_modify(|n| *n += 1);
    }
}

/// The feed shared with the receiver, which owns its outputs as boxes.
pub struct SharedFeed(pub Arc<WebFeed>);

impl DispatchOutput for SharedFeed {
    fn sighting_stored(&self, console: &str, sighting: &Sighting) {
        self.0.sighting_stored(console, sighting);
    }

    fn fleet_update(&self, console: &str, sent_at: Timestamp, aircraft: &[FleetAircraft]) {
        self.0.fleet_update(console, sent_at, aircraft);
    }

    fn task_changed(&self, id: Uuid) {
        self.0.task_changed(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aircraft(sysid: u8, lat: f64) -> FleetAircraft {
        FleetAircraft {
            sysid,
            callsign: Some(format!("K{sysid}")),
            lat: Some(lat),
            lon: Some(121.0),
            alt_amsl_m: 60.0,
            alt_rel_m: 50.0,
            heading_deg: 90.0,
            ground_speed_ms: 5.0,
            mode: "AUTO".into(),
            armed: true,
            battery_pct: Some(80.0),
            link: "connected".into(),
        }
    }

    #[test]
    fn positions_from_the_database_are_quiet_until_heard_and_older_reports_do_not_win() {
        let known = FleetEntry {
            console: "team-1".into(),
            sent_at: Timestamp(1_000),
            aircraft: aircraft(1, 31.0),
        };
        let feed = WebFeed::new(vec![known]);
        let f = feed.fleet();
        assert!(f.aircraft[0].quiet, "{f:?}");
        let changes = feed.fleet_changes();
        feed.fleet_update("team-1", Timestamp(5_000), &[aircraft(1, 31.1)]);
        assert!(changes.has_changed().unwrap());
        let f = feed.fleet();
        assert!(!f.aircraft[0].quiet);
        assert_eq!(f.aircraft[0].aircraft.lat, Some(31.1));
        feed.fleet_update("team-1", Timestamp(4_000), &[aircraft(1, 31.05)]);
        assert_eq!(feed.fleet().aircraft[0].aircraft.lat, Some(31.1));
    }
}
