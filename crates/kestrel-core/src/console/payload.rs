//! The payload operator's service: asks every aircraft it sees for its gimbal and camera (again
//! a few times while they stay unknown), sends gimbal and camera requests in the background (each answered by a
//! [`PayloadEvent`]), and publishes every aircraft's payload state with its ground footprint.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::fleet::FleetSnapshot;
use crate::payload::control::{self, PayloadWatcher};
use crate::payload::{
    footprint, CameraRequest, Footprint, GimbalRequest, PayloadOutcome, PayloadState,
};
use crate::seat::Seat;
use crate::station::Station;

use super::published::EventSink;
use super::{ConsoleConfig, ConsoleError, Core, Service};

/// A gimbal older than this no longer gives a footprint.
const ATTITUDE_FRESH: Duration = Duration::from_secs(3);

/// What the window asks of the payload.
#[derive(Debug, Clone, PartialEq)]
pub enum PayloadIntent {
    /// Ask aircraft `sysid` which gimbal and camera it has (once is enough).
    Discover(u8),
    /// A gimbal request to an aircraft.
    Gimbal(u8, GimbalRequest),
    /// A camera request to an aircraft.
    Camera(u8, CameraRequest),
}

/// How a payload request ended.
#[derive(Debug, Clone, PartialEq)]
pub enum PayloadEvent {
    /// The aircraft answered.
    Done(PayloadOutcome),
    /// Not sent: why (e.g. "aircraft 3 reports no gimbal", an angle outside the limits).
    Refused {
        /// The aircraft.
        sysid: u8,
        /// What was asked, in words.
        request: String,
        /// Why not.
        reason: String,
    },
}

/// One aircraft's payload as the window draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct PayloadEntry {
    /// What the gimbal and camera reported.
    pub state: PayloadState,
    /// Where the camera's picture is on the ground now, when the gimbal and the field of view
    /// are fresh and the aircraft flies.
    pub footprint: Option<Footprint>,
    /// The gimbal is controlled by the aircraft's own mission: taking control interrupts it.
    pub mission_controls: bool,
    /// The gimbal is controlled by this station.
    pub we_control: bool,
}

/// Every aircraft's payload.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PayloadView {
    /// By system id.
    pub aircraft: Arc<BTreeMap<u8, PayloadEntry>>,
    /// Aircraft whose discovery or request is under way.
    pub busy: Arc<std::collections::BTreeSet<u8>>,
}

impl PayloadView {
    /// Aircraft `sysid`'s payload, if it reported anything.
    pub fn get(&self, sysid: u8) -> Option<&PayloadEntry> {
        self.aircraft.get(&sysid)
    }
}

/// The payload service.
pub struct PayloadService {
    station: Station,
    events: EventSink,
    watcher: PayloadWatcher,
    busy: Arc<std::sync::Mutex<std::collections::BTreeSet<u8>>>,
    discovered: std::collections::BTreeSet<u8>,
    /// When each aircraft was last asked for its payload, and how many times.
    asked: BTreeMap<u8, (Instant, u32)>,
    /// This console's crew seat: an observer seat works no payload; a pilot seat takes
    /// secondary control of the gimbal of each aircraft it commands.
    seat: Option<Seat>,
    /// Aircraft whose gimbal this pilot seat asked for secondary control while commanding it.
    secondary_asked: std::collections::BTreeSet<u8>,
}

impl PayloadService {
    /// As the pilot seat: takes secondary control of the gimbal of each aircraft this seat
    /// commands, once per taking of command, beside the payload seat's primary control.
    fn take_secondary(&mut self, book: &crate::payload::PayloadBook) {
        for (sysid, s) in book.iter() {
            let commands = self.station.check_flight(sysid).is_ok();
            if !commands {
                self.secondary_asked.remove(&sysid);
                continue;
            }
            if s.gimbal.is_none() || s.control.is_none() || !self.secondary_asked.insert(sysid) {
                continue;
            }
            let (station, watcher, events) = (
                self.station.clone(),
                self.watcher.clone(),
                self.events.clone(),
            );
            tokio::spawn(async move {
                let request = GimbalRequest::TakeSecondary;
                events.emit(
                    match control::gimbal(&station, &watcher, sysid, request).await {
                        Ok(o) => PayloadEvent::Done(o),
                        Err(e) => PayloadEvent::Refused {
                            sysid,
                            request: request.describe(),
                            reason: e.to_string(),
                        },
                    },
                );
            });
        }
    }
}

/// How often an aircraft whose gimbal or camera is still unknown is asked again.
const ASK_AGAIN: Duration = Duration::from_secs(10);
/// How many times an aircraft is asked before it is taken to have no payload.
const ASK_TIMES: u32 = 3;

impl Service for PayloadService {
    type Intent = PayloadIntent;
    type Event = PayloadEvent;
    type View = PayloadView;

    async fn start(core: &Core, config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        Ok(Self {
            station: core.station.clone(),
            events: core.events.clone(),
            watcher: PayloadWatcher::start(&core.station),
            busy: Default::default(),
            discovered: Default::default(),
            asked: BTreeMap::new(),
            seat: config.seat,
            secondary_asked: Default::default(),
        })
    }

    async fn handle(&mut self, intent: PayloadIntent) {
        let (station, watcher, events, busy) = (
            self.station.clone(),
            self.watcher.clone(),
            self.events.clone(),
            self.busy.clone(),
        );
        let sysid = match &intent {
            PayloadIntent::Discover(s)
            | PayloadIntent::Gimbal(s, _)
            | PayloadIntent::Camera(s, _) => *s,
        };
        if let PayloadIntent::Discover(s) = intent {
            if !self.discovered.insert(s) {
                return;
            }
        }
        // The core, not only the window, keeps the observer seat off the camera and gimbal.
        let works = matches!(intent, PayloadIntent::Discover(_))
            || self.seat.is_none_or(|s| s.may_work_payload());
        if let (false, Some(seat)) = (works, self.seat) {
            let request = match &intent {
                PayloadIntent::Gimbal(_, r) => r.describe(),
                PayloadIntent::Camera(_, r) => r.describe(),
                PayloadIntent::Discover(_) => String::new(),
            };
            let reason = format!("the {seat} seat does not work the camera or gimbal");
            station.audit(
                Some(sysid),
                "command",
                request.clone(),
                format!("refused: {reason}"),
            );
            events.emit(PayloadEvent::Refused {
                sysid,
                request,
                reason,
            });
            return;
        }
        busy.lock().unwrap_or_else(|e| e.into_inner()).insert(sysid);
        tokio::spawn(async move {
            let event = match intent {
                PayloadIntent::Discover(s) => {
                    let _ = control::discover(&station, &watcher, s).await;
                    None
                }
                PayloadIntent::Gimbal(s, r) => {
                    Some(match control::gimbal(&station, &watcher, s, r).await {
                        Ok(o) => PayloadEvent::Done(o),
                        Err(e) => PayloadEvent::Refused {
                            sysid: s,
                            request: r.describe(),
                            reason: e.to_string(),
                        },
                    })
                }
                PayloadIntent::Camera(s, r) => {
                    Some(match control::camera(&station, &watcher, s, r).await {
                        Ok(o) => PayloadEvent::Done(o),
                        Err(e) => PayloadEvent::Refused {
                            sysid: s,
                            request: r.describe(),
                            reason: e.to_string(),
                        },
                    })
                }
            };
            busy.lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&sysid);
            if let Some(e) = event {
                events.emit(e);
            }
        });
    }

    fn publish(&mut self, fleet: &FleetSnapshot) -> PayloadView {
        let now = Instant::now();
        let me = (
            self.station.config().gcs_sysid,
            self.station.config().gcs_compid,
        );
        let book = self.watcher.book();
        for a in fleet.aircraft.iter() {
            let known = book
                .get(a.sysid)
                .is_some_and(|s| s.gimbal.is_some() && s.camera.is_some());
            let due = match self.asked.get(&a.sysid) {
                None => true,
                Some((at, n)) => !known && *n < ASK_TIMES && now.duration_since(*at) >= ASK_AGAIN,
            };
            if due && control::ask(&self.station, a.sysid).is_ok() {
                let n = self.asked.get(&a.sysid).map_or(0, |x| x.1);
                self.asked.insert(a.sysid, (now, n + 1));
            }
        }
        if self.seat == Some(Seat::Pilot) {
            self.take_secondary(&book);
        }
        let aircraft = book
            .iter()
            .map(|(sysid, s)| {
                let fp = fleet.get(sysid).and_then(|a| {
                    let g = s
                        .attitude
                        .filter(|_| s.fresh("GIMBAL_DEVICE_ATTITUDE_STATUS", now))
                        .or_else(|| a.gimbal_within(now, ATTITUDE_FRESH))?;
                    footprint(a, &g, &s.fov_within(now)?)
                });
                let control = s.control;
                (
                    sysid,
                    PayloadEntry {
                        state: s.clone(),
                        footprint: fp,
                        mission_controls: control.is_some_and(|c| c.primary_sysid == sysid),
                        we_control: control
                            .is_some_and(|c| (c.primary_sysid, c.primary_compid) == me),
                    },
                )
            })
            .collect();
        PayloadView {
            aircraft: Arc::new(aircraft),
            busy: Arc::new(self.busy.lock().unwrap_or_else(|e| e.into_inner()).clone()),
        }
    }
}
