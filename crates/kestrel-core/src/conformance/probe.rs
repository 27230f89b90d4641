//! What a scenario works with: the station and the aircraft under test, a notebook of what the
//! autopilot did, and the waits a scenario needs (on telemetry, on one message).

use std::sync::Arc;
use std::time::Duration;

use mavlink::dialects::ardupilotmega::MavMessage;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;

use crate::fleet::Aircraft;
use crate::geo::GeoPoint;
use crate::protocol::command::{Command, CommandOutcome};
use crate::station::{Inbound, Station};

/// Why a scenario ended before passing.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// The autopilot did not do what ArduPilot does: what differed.
    Fail(String),
    /// The scenario could not be tried here (the aircraft lacks the feature, or is not in a state
    /// to try it): why.
    Skip(String),
}

/// How long an autopilot may take to pass its pre-arm checks after boot (ArduPilot's EKF waits
/// for GPS, its gyros settle: some tens of seconds).
pub const READY_WITHIN: Duration = Duration::from_secs(90);

/// A scenario's view of the aircraft under test.
pub struct Probe<'a> {
    /// The station the aircraft is heard on.
    pub station: &'a Station,
    /// The aircraft's system id.
    pub sysid: u8,
    observed: Vec<String>,
}

/// ArduCopter's flight modes the suite uses.
pub mod mode {
    /// GUIDED: flown by the ground station.
    pub const GUIDED: u32 = 4;
    /// RTL: return to launch and land.
    pub const RTL: u32 = 6;
    /// LAND: land where it is.
    pub const LAND: u32 = 9;
}

impl<'a> Probe<'a> {
    /// A probe of aircraft `sysid` on `station`.
    pub fn new(station: &'a Station, sysid: u8) -> Self {
        Self {
            station,
            sysid,
            observed: Vec::new(),
        }
    }

    /// Notes something the autopilot did (or what the suite did to it).
    pub fn saw(&mut self, line: impl Into<String>) {
        self.observed.push(line.into());
    }

    /// What was noted, in order.
    pub fn into_observed(self) -> Vec<String> {
        self.observed
    }

    /// The aircraft as last heard.
    pub fn aircraft(&self) -> Result<Arc<Aircraft>, Stop> {
        let snap = self.station.snapshot();
        snap.aircraft
            .iter()
            .find(|a| a.sysid == self.sysid)
            .cloned()
            .ok_or_else(|| Stop::Fail(format!("aircraft {} is no longer heard", self.sysid)))
    }

    /// Sends `command` and notes its outcome; a command that could not be sent at all fails the
    /// scenario.
    pub async fn command(&mut self, what: &str, command: &Command) -> Result<CommandOutcome, Stop> {
        let outcome = self
            .station
            .command(self.sysid, command)
            .await
            .map_err(|e| Stop::Fail(format!("{what}: not sent: {e}")))?;
        self.saw(format!("{what}: {outcome}"));
        Ok(outcome)
    }

    /// Sends `command` and fails the scenario unless the autopilot accepts it.
    pub async fn accepted(&mut self, what: &str, command: &Command) -> Result<(), Stop> {
        match self.command(what, command).await? {
            CommandOutcome::Accepted => Ok(()),
            other => Err(Stop::Fail(format!("{what}: {other}"))),
        }
    }

    /// Waits until the aircraft's telemetry satisfies `done`, polling what the station heard;
    /// fails with `what` and the last state after `timeout`.
    pub async fn until(
        &self,
        what: &str,
        timeout: Duration,
        mut done: impl FnMut(&Aircraft) -> bool,
    ) -> Result<Duration, Stop> {
        let started = Instant::now();
        let deadline = started + timeout;
        loop {
            let a = self.aircraft()?;
            if done(&a) {
                return Ok(started.elapsed());
            }
            if Instant::now() >= deadline {
                return Err(Stop::Fail(format!(
                    "{what}: not within {:.0} s ({})",
                    timeout.as_secs_f64(),
                    state_of(&a)
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A subscription to everything the station hears, taken before sending a request so that
    /// its answer cannot be missed.
    pub fn listen(&self) -> broadcast::Receiver<Arc<Inbound>> {
        self.station.subscribe()
    }

    /// The first message from the aircraft that `pick` takes within `timeout`.
    pub async fn first<T>(
        &self,
        rx: &mut broadcast::Receiver<Arc<Inbound>>,
        timeout: Duration,
        mut pick: impl FnMut(&MavMessage) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Err(_) | Ok(Err(RecvError::Closed)) => return None,
                Ok(Err(RecvError::Lagged(_))) => continue,
                Ok(Ok(m)) if m.sysid() == self.sysid => {
                    if let Some(v) = pick(&m.message) {
                        return Some(v);
                    }
                }
                Ok(Ok(_)) => {}
            }
        }
    }

    /// Sends ARM until `settled` takes the answer (an acceptance, or the refusal the scenario
    /// waits for), retrying every 2 s while the autopilot's own checks refuse, for at most
    /// [`READY_WITHIN`]; notes each new answer and returns the last.
    pub async fn arm_until(
        &mut self,
        what: &str,
        settled: impl Fn(&CommandOutcome) -> bool,
    ) -> Result<CommandOutcome, Stop> {
        let started = Instant::now();
        let mut last = String::new();
        loop {
            let outcome = self
                .station
                .command(self.sysid, &Command::Arm)
                .await
                .map_err(|e| Stop::Fail(format!("{what}: not sent: {e}")))?;
            let said = outcome.to_string();
            if said != last {
                self.saw(format!("{what}: {said}"));
                last = said;
            }
            let refused = matches!(outcome, CommandOutcome::Denied { .. });
            if !refused || settled(&outcome) || started.elapsed() >= READY_WITHIN {
                return Ok(outcome);
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }

    /// Asks for message `message_id` with REQUEST_MESSAGE (`name` in the report) and returns
    /// what `pick` takes from the answer within three seconds; fails the scenario otherwise.
    pub async fn request<T>(
        &mut self,
        name: &str,
        message_id: u32,
        pick: impl FnMut(&MavMessage) -> Option<T>,
    ) -> Result<T, Stop> {
        let mut rx = self.listen();
        self.accepted(
            &format!("REQUEST_MESSAGE {name}"),
            &Command::RequestMessage { message_id },
        )
        .await?;
        self.first(&mut rx, Duration::from_secs(3), pick)
            .await
            .ok_or_else(|| Stop::Fail(format!("no {name} within 3 s of the request")))
    }

    /// Requires the aircraft disarmed with a position (the suite's starting state).
    pub fn on_the_ground(&self) -> Result<Arc<Aircraft>, Stop> {
        let a = self.aircraft()?;
        if a.armed {
            return Err(Stop::Skip(
                "the aircraft is armed; the suite starts from an aircraft disarmed on the ground"
                    .into(),
            ));
        }
        if a.position.is_none() {
            return Err(Stop::Skip("the aircraft reports no position yet".into()));
        }
        Ok(a)
    }
}

/// A short account of the aircraft's state for failure messages.
pub fn state_of(a: &Aircraft) -> String {
    format!(
        "mode {}, {}, {:.1} m above home{}",
        a.custom_mode,
        if a.armed { "armed" } else { "disarmed" },
        a.alt_rel_m,
        a.status_texts
            .back()
            .map(|t| format!(", last message \"{}\"", t.text))
            .unwrap_or_default()
    )
}

/// The point `north_m`, `east_m` metres from `from` (flat-earth; fine for the suite's hundreds
/// of metres).
pub fn offset(from: GeoPoint, north_m: f64, east_m: f64) -> GeoPoint {
    const M_PER_DEG: f64 = 111_320.0;
    GeoPoint {
        lat: from.lat + north_m / M_PER_DEG,
        lon: from.lon + east_m / (M_PER_DEG * from.lat.to_radians().cos()),
    }
}
