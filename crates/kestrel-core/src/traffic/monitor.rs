//! The running traffic picture of a station: ADSB_VEHICLE and COLLISION frames from every
//! aircraft, every SBS-1 feed, merged by ICAO address; at each call of [`TrafficMonitor::report`]
//! the targets as of now, the conflicts with our aircraft and the threats the aircraft report.
//! The console's traffic service and `kestrel traffic watch` are both thin layers over it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mavlink::dialects::ardupilotmega::MavMessage;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::AbortHandle;

use super::adsb::{self, CollisionReport};
use super::conflict::{self, Conflict, ConflictSettings, Own};
use super::feed::{self, FeedSpec, FeedStatus};
use super::target::{Aging, Target, TrafficPicture, TrafficSource};
use crate::fleet::FleetSnapshot;
use crate::station::Station;

/// A COLLISION report counts as current this long after it arrived (ArduPilot repeats it while
/// the threat lasts).
pub const COLLISION_FRESH: Duration = Duration::from_secs(5);

/// Everything about traffic the user can set: the conflict boxes and how targets age.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct TrafficSettings {
    /// Advisory and warning boxes, look-ahead.
    pub conflict: ConflictSettings,
    /// When silent targets fade and go.
    pub aging: Aging,
}

/// The traffic picture as of one instant.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TrafficReport {
    /// Every target with a position, by ICAO address.
    pub targets: Vec<Target>,
    /// Conflicts between our aircraft and the targets, most urgent first.
    pub conflicts: Vec<Conflict>,
    /// Threats our aircraft reported themselves (COLLISION), current ones only.
    pub collisions: Vec<CollisionReport>,
    /// How each SBS-1 feed is doing.
    pub feeds: Vec<FeedStatus>,
}

struct State {
    picture: TrafficPicture,
    collisions: HashMap<(u8, u32), (CollisionReport, Instant)>,
    settings: TrafficSettings,
}

/// The traffic picture kept current in the background. Must be started inside a tokio runtime;
/// dropping it stops the feeds and the frame watch.
pub struct TrafficMonitor {
    state: Arc<Mutex<State>>,
    feeds: Vec<Arc<Mutex<FeedStatus>>>,
    tasks: Vec<AbortHandle>,
}

impl Drop for TrafficMonitor {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl TrafficMonitor {
    /// Watches the station's frames for ADSB_VEHICLE and COLLISION, and connects to every feed.
    pub fn start(station: &Station, feeds: &[FeedSpec], settings: TrafficSettings) -> Self {
        let state = Arc::new(Mutex::new(State {
            picture: TrafficPicture::new(settings.aging),
            collisions: HashMap::new(),
            settings,
        }));
        let mut tasks = Vec::new();
        let mut rx = station.subscribe();
        let watch = state.clone();
        tasks.push(
            tokio::spawn(async move {
                loop {
                    let frame = match rx.recv().await {
                        Ok(f) => f,
                        Err(RecvError::Lagged(_)) => continue,
                        Err(RecvError::Closed) => return,
                    };
                    match &frame.message {
                        MavMessage::ADSB_VEHICLE(m) => {
                            if let Some(u) = adsb::from_adsb_vehicle(m) {
                                lock(&watch).picture.apply(
                                    u,
                                    TrafficSource::Aircraft(frame.sysid()),
                                    frame.at,
                                );
                            }
                        }
                        MavMessage::COLLISION(m) => {
                            let r = CollisionReport::from_collision(frame.sysid(), m);
                            lock(&watch)
                                .collisions
                                .insert((r.sysid, r.id), (r, frame.at));
                        }
                        _ => {}
                    }
                }
            })
            .abort_handle(),
        );
        let mut statuses = Vec::new();
        for spec in feeds {
            let status = Arc::new(Mutex::new(FeedStatus {
                name: spec.to_string(),
                ..Default::default()
            }));
            statuses.push(status.clone());
            let into = state.clone();
            let source = TrafficSource::Feed(spec.to_string());
            let sink: feed::Sink = Arc::new(move |u, at| {
                lock(&into).picture.apply(u, source.clone(), at);
            });
            tasks.push(tokio::spawn(feed::run(spec.clone(), sink, status)).abort_handle());
        }
        Self {
            state,
            feeds: statuses,
            tasks,
        }
    }

    /// Changes the conflict boxes and aging from now on.
    pub fn set_settings(&self, settings: TrafficSettings) {
        let mut s = lock(&self.state);
        s.picture.set_aging(settings.aging);
        s.settings = settings;
    }

    /// The settings in use.
    pub fn settings(&self) -> TrafficSettings {
        lock(&self.state).settings
    }

    /// Changes whenever a report arrives or a target goes (cheap change detection).
    pub fn revision(&self) -> u64 {
        lock(&self.state).picture.revision()
    }

    /// The picture as of the fleet snapshot: targets, conflicts with the armed aircraft in it,
    /// current COLLISION reports, feed states. Old targets and reports are dropped on the way.
    pub fn report(&self, fleet: &FleetSnapshot) -> TrafficReport {
        let now = fleet.taken_at.max(Instant::now());
        let (targets, collisions, settings) = {
            let mut s = lock(&self.state);
            s.picture.expire(now);
            s.collisions
                .retain(|_, (_, at)| now.saturating_duration_since(*at) < COLLISION_FRESH);
            let mut collisions: Vec<CollisionReport> = s
                .collisions
                .values()
                .filter(|(r, _)| r.threat_level > 0)
                .map(|(r, _)| r.clone())
                .collect();
            collisions.sort_by_key(|r| (r.sysid, r.id));
            (s.picture.targets(now), collisions, s.settings)
        };
        let own: Vec<Own> = fleet
            .aircraft
            .iter()
            .filter_map(|a| Own::from_aircraft(a))
            .collect();
        let conflicts = conflict::evaluate(&own, &targets, &settings.conflict);
        TrafficReport {
            targets,
            conflicts,
            collisions,
            feeds: self.feeds.iter().map(|f| lock(f).clone()).collect(),
        }
    }
}
