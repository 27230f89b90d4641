//! Remote ID from the ground station's side: an aircraft whose Remote ID transponder reports
//! itself (OPEN_DRONE_ID_ARM_STATUS) needs the operator's location and ID from its ground station
//! before it may arm — ArduPilot refuses with "OpenDroneID: operator location must be set" and
//! wants the location no older than 3 s. [`RemoteIdSender`] sends each such aircraft
//! OPEN_DRONE_ID_SYSTEM once a second (the operator's position: the one configured, else the
//! aircraft's take-off position) and OPEN_DRONE_ID_OPERATOR_ID every three seconds, and keeps each
//! aircraft's Remote ID state for the pilot.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use mavlink::dialects::ardupilotmega::{
    MavMessage, MavOdidArmStatus, MavOdidOperatorIdType, MavOdidOperatorLocationType,
    OPEN_DRONE_ID_OPERATOR_ID_DATA, OPEN_DRONE_ID_SYSTEM_DATA,
};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::AbortHandle;

use crate::geo::GeoPoint;
use crate::station::Station;

/// How often the operator's location goes out (ArduPilot wants it no older than 3 s).
pub const SYSTEM_EVERY: Duration = Duration::from_secs(1);
/// How often the operator ID goes out (static data).
pub const OPERATOR_ID_EVERY: Duration = Duration::from_secs(3);
/// An aircraft's transponder counts as present while its ARM_STATUS is this fresh.
pub const STATUS_FRESH: Duration = Duration::from_secs(5);

/// Who operates and from where, as Remote ID broadcasts it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct OperatorSettings {
    /// The operator's registration number (e.g. the CAAC or EASA operator ID); at most 20
    /// characters.
    pub operator_id: String,
    /// Where the operator stands; without it, each aircraft's take-off position is sent.
    pub position: Option<GeoPoint>,
    /// The operator's altitude above the WGS84 ellipsoid, metres, when known.
    pub altitude_m: Option<f32>,
}

/// Why operator settings cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OperatorError {
    /// Longer than the 20 characters the message carries.
    #[error("operator ID '{0}' is longer than 20 characters")]
    TooLong(String),
    /// Not printable ASCII.
    #[error("operator ID '{0}' must be printable ASCII (letters, digits, '-')")]
    NotAscii(String),
}

impl OperatorSettings {
    /// Checks the operator ID fits the message.
    pub fn validate(&self) -> Result<(), OperatorError> {
        let id = &self.operator_id;
        if id.len() > 20 {
            return Err(OperatorError::TooLong(id.clone()));
        }
        if !id.chars().all(|c| c.is_ascii_graphic()) {
            return Err(OperatorError::NotAscii(id.clone()));
        }
        Ok(())
    }
}

/// One aircraft's Remote ID as the pilot sees it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RemoteIdStatus {
    /// System id.
    pub sysid: u8,
    /// The transponder says it is good to arm.
    pub ready: bool,
    /// What it says is missing, when it is not.
    pub error: Option<String>,
    /// OPEN_DRONE_ID_SYSTEM messages sent to it.
    pub system_sent: u64,
    /// OPEN_DRONE_ID_OPERATOR_ID messages sent to it.
    pub operator_id_sent: u64,
    /// Why nothing could be sent (no operator position and no take-off position yet).
    pub blocked: Option<String>,
}

#[derive(Debug)]
struct Known {
    status: RemoteIdStatus,
    heard_at: Instant,
    last_operator_id: Option<Instant>,
}

/// Sends what every aircraft with Remote ID needs from its ground station, in the background.
/// Must be started inside a tokio runtime; dropping it stops sending.
pub struct RemoteIdSender {
    known: Arc<Mutex<BTreeMap<u8, Known>>>,
    settings: Arc<Mutex<OperatorSettings>>,
    tasks: Vec<AbortHandle>,
}

impl Drop for RemoteIdSender {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn operator_id_message(sysid: u8, id: &str) -> MavMessage {
    let mut b = [0u8; 20];
    for (d, s) in b.iter_mut().zip(id.bytes()) {
        *d = s;
    }
    MavMessage::OPEN_DRONE_ID_OPERATOR_ID(OPEN_DRONE_ID_OPERATOR_ID_DATA {
        target_system: sysid,
        target_component: 0,
        id_or_mac: [0; 20],
        operator_id_type: MavOdidOperatorIdType::MAV_ODID_OPERATOR_ID_TYPE_CAA,
        operator_id: b.into(),
    })
}

fn system_message(sysid: u8, at: GeoPoint, alt: Option<f32>, fixed: bool) -> MavMessage {
    // Seconds since 2019-01-01 00:00:00 UTC, as the Remote ID standard counts.
    const EPOCH_2019: u64 = 1_546_300_800;
    let ts = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs().saturating_sub(EPOCH_2019))
        .unwrap_or(0);
    MavMessage::OPEN_DRONE_ID_SYSTEM(OPEN_DRONE_ID_SYSTEM_DATA {
        target_system: sysid,
        target_component: 0,
        operator_latitude: (at.lat * 1e7).round() as i32,
        operator_longitude: (at.lon * 1e7).round() as i32,
        operator_altitude_geo: alt.unwrap_or(-1000.0),
        operator_location_type: if fixed {
            MavOdidOperatorLocationType::MAV_ODID_OPERATOR_LOCATION_TYPE_FIXED
        } else {
            MavOdidOperatorLocationType::MAV_ODID_OPERATOR_LOCATION_TYPE_TAKEOFF
        },
        area_count: 1,
        area_ceiling: -1000.0,
        area_floor: -1000.0,
        timestamp: ts as u32,
        ..Default::default()
    })
}

impl RemoteIdSender {
    /// Watches for Remote ID transponders and starts sending to them.
    pub fn start(station: &Station, settings: OperatorSettings) -> Self {
        let known: Arc<Mutex<BTreeMap<u8, Known>>> = Arc::default();
        let settings = Arc::new(Mutex::new(settings));
        let mut tasks = Vec::new();
        let mut rx = station.subscribe();
        let k = known.clone();
        tasks.push(
            tokio::spawn(async move {
                loop {
                    let f = match rx.recv().await {
                        Ok(f) => f,
                        Err(RecvError::Lagged(_)) => continue,
                        Err(RecvError::Closed) => return,
                    };
                    let MavMessage::OPEN_DRONE_ID_ARM_STATUS(s) = &f.message else {
                        continue;
                    };
                    let sysid = f.sysid();
                    let ready = s.status == MavOdidArmStatus::MAV_ODID_ARM_STATUS_GOOD_TO_ARM;
                    let error = s
                        .error
                        .to_str()
                        .ok()
                        .map(|e| e.trim_end_matches('\0').trim().to_string())
                        .filter(|e| !e.is_empty() && !ready);
                    let mut k = lock(&k);
                    let e = k.entry(sysid).or_insert_with(|| Known {
                        status: RemoteIdStatus {
                            sysid,
                            ready,
                            error: None,
                            system_sent: 0,
                            operator_id_sent: 0,
                            blocked: None,
                        },
                        heard_at: f.at,
                        last_operator_id: None,
                    });
                    e.status.ready = ready;
                    e.status.error = error;
                    e.heard_at = f.at;
                }
            })
            .abort_handle(),
        );
        let (k, s, stn) = (known.clone(), settings.clone(), station.clone());
        tasks.push(
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(SYSTEM_EVERY);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    let fleet = stn.snapshot();
                    let op = lock(&s).clone();
                    let mut k = lock(&k);
                    k.retain(|_, e| e.heard_at.elapsed() < STATUS_FRESH);
                    for (sysid, e) in k.iter_mut() {
                        let home = fleet.get(*sysid).and_then(|a| a.home.map(|h| h.position));
                        let (at, fixed) = match (op.position, home) {
                            (Some(p), _) => (p, true),
                            (None, Some(h)) => (h, false),
                            (None, None) => {
                                e.status.blocked = Some(
                                    "no operator position set and no take-off position reported yet"
                                        .into(),
                                );
                                continue;
                            }
                        };
                        e.status.blocked = None;
                        if stn
                            .send_to(*sysid, system_message(*sysid, at, op.altitude_m, fixed))
                            .is_ok()
                        {
                            e.status.system_sent += 1;
                        }
                        let due = e.last_operator_id.is_none_or(|t| {
                            t.elapsed() + Duration::from_millis(100) >= OPERATOR_ID_EVERY
                        });
                        if due && !op.operator_id.is_empty() {
                            if stn
                                .send_to(*sysid, operator_id_message(*sysid, &op.operator_id))
                                .is_ok()
                            {
                                e.status.operator_id_sent += 1;
                            }
                            e.last_operator_id = Some(Instant::now());
                        }
                    }
                }
            })
            .abort_handle(),
        );
        Self {
            known,
            settings,
            tasks,
        }
    }

    /// Uses these operator settings from now on.
    pub fn set_settings(&self, settings: OperatorSettings) {
        *lock(&self.settings) = settings;
    }

    /// Every aircraft with a Remote ID transponder heard lately, by system id.
    pub fn status(&self) -> Vec<RemoteIdStatus> {
        lock(&self.known)
            .values()
            .map(|k| k.status.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_ids_must_fit_the_message() {
        let ok = OperatorSettings {
            operator_id: "CHN-OP-0042".into(),
            ..Default::default()
        };
        assert!(ok.validate().is_ok());
        let long = OperatorSettings {
            operator_id: "X".repeat(21),
            ..Default::default()
        };
        assert!(matches!(long.validate(), Err(OperatorError::TooLong(_))));
        let bad = OperatorSettings {
            operator_id: "操作员".into(),
            ..Default::default()
        };
        assert!(matches!(bad.validate(), Err(OperatorError::NotAscii(_))));
    }

    #[test]
    fn messages_carry_the_operator() {
        let p = GeoPoint {
            lat: 36.456,
            lon: 115.985,
        };
        let MavMessage::OPEN_DRONE_ID_SYSTEM(s) = system_message(3, p, None, true) else {
            unreachable!()
        };
        assert_eq!((s.target_system, s.operator_latitude), (3, 364_560_000));
        assert_eq!(
            s.operator_location_type,
            MavOdidOperatorLocationType::MAV_ODID_OPERATOR_LOCATION_TYPE_FIXED
        );
        let MavMessage::OPEN_DRONE_ID_OPERATOR_ID(o) = operator_id_message(3, "CHN-OP-0042") else {
            unreachable!()
        };
        assert_eq!(
            o.operator_id.to_str().unwrap().trim_end_matches('\0'),
            "CHN-OP-0042"
        );
    }
}
