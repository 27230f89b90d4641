//! The versioned JSON envelope every Kestrel MQTT message travels in:
//! `{"v":1,"kind":"sighting"|"ack"|"fleet","console":"…","sent_at":"…",…}`. Readers ignore
//! fields they do not know (additions keep `v` at 1); a different `v` is refused. Decoding checks
//! everything a remote party could get wrong and says what was wrong, so a bad message is
//! rejected and logged rather than stored or crashed on.

use base64::Engine;
use uuid::Uuid;

use crate::sightings::model::{sha256_hex, Sighting, MAX_SNAPSHOT_BYTES};
use crate::sightings::timestamp::Timestamp;

/// The envelope version this Kestrel writes and reads.
pub const VERSION: u32 = 1;

/// Largest message accepted, bytes: a maximal snapshot in base64 plus the sighting.
pub const MAX_MESSAGE_BYTES: usize = MAX_SNAPSHOT_BYTES / 3 * 4 + 64 * 1024;

/// Most acknowledgements in one ack message.
pub const MAX_ACKS: usize = 10_000;

/// A sighting, console → dispatch.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SightingMessage {
    /// Envelope version.
    pub v: u32,
    /// Always "sighting".
    pub kind: String,
    /// The sending console.
    pub console: String,
    /// When this copy was sent (a resend has a later time).
    pub sent_at: Timestamp,
    /// The sighting's position in the console's queue.
    pub seq: i64,
    /// The sighting.
    pub sighting: Sighting,
    /// The snapshot JPEG, base64, when the sighting has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_jpeg: Option<String>,
}

/// One acknowledged sighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ack {
    /// The sighting.
    pub id: Uuid,
    /// The revision dispatch now holds.
    pub revision: u32,
}

/// Acknowledgements, dispatch → console: these sightings are stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AckMessage {
    /// Envelope version.
    pub v: u32,
    /// Always "ack".
    pub kind: String,
    /// The console the acknowledged sightings came from.
    pub console: String,
    /// When dispatch sent it.
    pub sent_at: Timestamp,
    /// What was stored.
    pub acks: Vec<Ack>,
    /// Sightings a dispatcher has acknowledged in the command centre's page: seen by a person,
    /// not only stored. Absent in messages from older dispatch servers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dispatcher: Vec<DispatcherAck>,
    /// Task steps dispatch has applied, by the console's step numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task_steps: Vec<i64>,
}

/// A dispatcher's acknowledgement of one sighting, dispatch → console.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DispatcherAck {
    /// The sighting.
    pub id: Uuid,
    /// The dispatcher's account name.
    pub by: String,
    /// When they acknowledged it (dispatch's clock).
    pub at: Timestamp,
}

/// One aircraft on a console's fleet report.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FleetAircraft {
    /// MAVLink system id.
    pub sysid: u8,
    /// Radio callsign, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callsign: Option<String>,
    /// Latitude, degrees (absent before the aircraft has a position).
    #[serde(default)]
    pub lat: Option<f64>,
    /// Longitude, degrees.
    #[serde(default)]
    pub lon: Option<f64>,
    /// Altitude above mean sea level, metres.
    #[serde(default)]
    pub alt_amsl_m: f32,
    /// Altitude above home, metres.
    #[serde(default)]
    pub alt_rel_m: f32,
    /// Heading, degrees.
    #[serde(default)]
    pub heading_deg: f32,
    /// Ground speed, m/s.
    #[serde(default)]
    pub ground_speed_ms: f32,
    /// Flight mode.
    #[serde(default)]
    pub mode: String,
    /// Motors armed.
    #[serde(default)]
    pub armed: bool,
    /// Battery, percent.
    #[serde(default)]
    pub battery_pct: Option<f32>,
    /// Link state: connected, degraded or lost.
    #[serde(default)]
    pub link: String,
}

/// A console's fleet, console → dispatch, once a second.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FleetMessage {
    /// Envelope version.
    pub v: u32,
    /// Always "fleet".
    pub kind: String,
    /// The sending console.
    pub console: String,
    /// When the positions were taken.
    pub sent_at: Timestamp,
    /// The aircraft.
    pub aircraft: Vec<FleetAircraft>,
}

/// Why a message was rejected; the text goes to the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Larger than any legitimate message (a flood or a mistake).
    #[error("message of {0} bytes exceeds the {MAX_MESSAGE_BYTES}-byte limit")]
    TooLarge(usize),
    /// Not parseable as a JSON object.
    #[error("not a JSON object: {0}")]
    NotJson(String),
    /// JSON without the envelope's version field.
    #[error("no envelope version \"v\"")]
    NoVersion,
    /// From a newer (or unknown) envelope version.
    #[error("envelope version {0} is not supported (this Kestrel speaks version {VERSION})")]
    UnsupportedVersion(u64),
    /// A message of one kind on another kind's topic.
    #[error("a \"{found}\" message on a topic for \"{expected}\" messages")]
    WrongKind {
        /// The kind this topic carries.
        expected: &'static str,
        /// The kind the message says it is.
        found: String,
    },
    /// The body does not have the fields its kind requires.
    #[error("malformed {kind} message: {reason}")]
    Malformed {
        /// The message kind (sighting, ack, fleet).
        kind: &'static str,
        /// What is wrong, for the log.
        reason: String,
    },
    /// A console publishing as another console.
    #[error(
        "message says it is from console '{inner}' but arrived on the topic of console '{topic}'"
    )]
    ConsoleMismatch {
        /// The console id in the topic.
        topic: String,
        /// The console id in the message.
        inner: String,
    },
    /// Well-formed but with values out of range (e.g. latitude 500°).
    #[error("invalid {kind} message: {reason}")]
    Invalid {
        /// The message kind (sighting, ack, fleet).
        kind: &'static str,
        /// Which value is out of range, for the log.
        reason: String,
    },
}

#[derive(serde::Deserialize)]
struct Header {
    v: Option<serde_json::Value>,
    kind: Option<serde_json::Value>,
}

pub(crate) fn check_header(payload: &[u8], expected: &'static str) -> Result<(), EnvelopeError> {
    if payload.len() > MAX_MESSAGE_BYTES {
        return Err(EnvelopeError::TooLarge(payload.len()));
    }
    if payload.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        let start = String::from_utf8_lossy(&payload[..payload.len().min(16)]).into_owned();
        return Err(EnvelopeError::NotJson(format!("starts with {start:?}")));
    }
    let h: Header =
        serde_json::from_slice(payload).map_err(|e| EnvelopeError::NotJson(e.to_string()))?;
    match h.v {
        None => return Err(EnvelopeError::NoVersion),
        Some(v) => match v.as_u64() {
            Some(n) if n == u64::from(VERSION) => {}
            Some(n) => return Err(EnvelopeError::UnsupportedVersion(n)),
            None => {
                return Err(EnvelopeError::Malformed {
                    kind: expected,
                    reason: format!("version {v} is not a number"),
                })
            }
        },
    }
    let kind = h.kind.as_ref().and_then(|k| k.as_str()).unwrap_or("");
    if kind != expected {
        return Err(EnvelopeError::WrongKind {
            expected,
            found: match h.kind {
                Some(serde_json::Value::String(k)) => k,
                Some(other) => other.to_string(),
                None => "(none)".into(),
            },
        });
    }
    Ok(())
}

pub(crate) fn malformed(kind: &'static str) -> impl Fn(serde_json::Error) -> EnvelopeError {
    move |e| EnvelopeError::Malformed {
        kind,
        reason: e.to_string(),
    }
}

pub(crate) fn check_console(topic_console: &str, inner: &str) -> Result<(), EnvelopeError> {
    if topic_console != inner {
        return Err(EnvelopeError::ConsoleMismatch {
            topic: topic_console.to_string(),
            inner: inner.to_string(),
        });
    }
    Ok(())
}

/// Refuses an aircraft entry a console could not have meant: the broadcast id, altitudes and
/// speeds that are not finite numbers (e.g. 1e39, which overflows to infinity), a battery beyond
/// 0-100 %.
fn check_fleet_values(a: &FleetAircraft) -> Result<(), String> {
    let id = a.sysid;
    if id == 0 {
        return Err("aircraft system id 0 is the broadcast id, not an aircraft".into());
    }
    for (what, v) in [
        ("altitude above sea level", a.alt_amsl_m),
        ("altitude above home", a.alt_rel_m),
        ("heading", a.heading_deg),
        ("ground speed", a.ground_speed_ms),
    ] {
        if !v.is_finite() {
            return Err(format!("aircraft {id}: {what} is not a finite number"));
        }
    }
    if let Some(b) = a.battery_pct {
        if !(0.0..=100.0).contains(&b) {
            return Err(format!("aircraft {id}: battery {b} % is outside 0-100"));
        }
    }
    Ok(())
}

impl SightingMessage {
    /// Wraps a sighting (and its snapshot bytes) for sending.
    pub fn new(console: &str, seq: i64, sighting: Sighting, jpeg: Option<&[u8]>) -> Self {
        Self {
            v: VERSION,
            kind: "sighting".into(),
            console: console.to_string(),
            sent_at: Timestamp::now(),
            seq,
            sighting,
            snapshot_jpeg: jpeg.map(|j| base64::engine::general_purpose::STANDARD.encode(j)),
        }
    }

    /// The JSON bytes.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Decodes and checks a sighting message that arrived on `topic_console`'s topic; returns it
    /// with the decoded snapshot bytes (checked against the sighting's SHA-256).
    pub fn decode(
        topic_console: &str,
        payload: &[u8],
    ) -> Result<(Self, Option<Vec<u8>>), EnvelopeError> {
        const KIND: &str = "sighting";
        check_header(payload, KIND)?;
        let msg: Self = serde_json::from_slice(payload).map_err(malformed(KIND))?;
        check_console(topic_console, &msg.console)?;
        let invalid = |reason: String| EnvelopeError::Invalid { kind: KIND, reason };
        msg.sighting
            .validate()
            .map_err(|e| invalid(e.to_string()))?;
        let jpeg = match (&msg.sighting.snapshot, &msg.snapshot_jpeg) {
            (None, None) => None,
            (Some(_), None) => None,
            (None, Some(_)) => {
                return Err(invalid("snapshot bytes without snapshot details".into()))
            }
            (Some(info), Some(b64)) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|e| invalid(format!("snapshot is not base64: {e}")))?;
                if bytes.len() as u64 != info.bytes {
                    return Err(invalid(format!(
                        "snapshot is {} bytes, the sighting says {}",
                        bytes.len(),
                        info.bytes
                    )));
                }
                if !sha256_hex(&bytes).eq_ignore_ascii_case(&info.sha256) {
                    return Err(invalid("snapshot does not match its SHA-256".into()));
                }
                Some(bytes)
            }
        };
        Ok((msg, jpeg))
    }
}

impl AckMessage {
    /// Acknowledgements for `console`.
    pub fn new(console: &str, acks: Vec<Ack>) -> Self {
        Self {
            v: VERSION,
            kind: "ack".into(),
            console: console.to_string(),
            sent_at: Timestamp::now(),
            acks,
            dispatcher: Vec::new(),
            task_steps: Vec::new(),
        }
    }

    /// Acknowledgements of a console's task steps.
    pub fn for_task_steps(console: &str, task_steps: Vec<i64>) -> Self {
        Self {
            task_steps,
            ..Self::new(console, Vec::new())
        }
    }

    /// Dispatcher acknowledgements for `console`.
    pub fn from_dispatchers(console: &str, dispatcher: Vec<DispatcherAck>) -> Self {
        Self {
            dispatcher,
            ..Self::new(console, Vec::new())
        }
    }

    /// The JSON bytes.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Decodes and checks an ack message that arrived on `topic_console`'s ack topic.
    pub fn decode(topic_console: &str, payload: &[u8]) -> Result<Self, EnvelopeError> {
        const KIND: &str = "ack";
        check_header(payload, KIND)?;
        let msg: Self = serde_json::from_slice(payload).map_err(malformed(KIND))?;
        check_console(topic_console, &msg.console)?;
        let n = msg.acks.len() + msg.dispatcher.len() + msg.task_steps.len();
        if n == 0
            || msg.acks.len() > MAX_ACKS
            || msg.dispatcher.len() > MAX_ACKS
            || msg.task_steps.len() > MAX_ACKS
        {
            return Err(EnvelopeError::Invalid {
                kind: KIND,
                reason: format!("{n} acknowledgements (expected 1 to {MAX_ACKS} of each kind)"),
            });
        }
        if let Some(bad) = msg
            .dispatcher
            .iter()
            .find(|d| !valid_dispatcher_name(&d.by))
        {
            return Err(EnvelopeError::Invalid {
                kind: KIND,
                reason: format!("'{}' is not a dispatcher name", bad.by),
            });
        }
        Ok(msg)
    }
}

/// Whether `name` can be a dispatcher's account name: 1 to 64 letters (any script), digits,
/// '.', '-' or '_'. The console shows it as sent, so nothing else gets through.
pub fn valid_dispatcher_name(name: &str) -> bool {
    (1..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

impl FleetMessage {
    /// A fleet report from `console`.
    pub fn new(console: &str, aircraft: Vec<FleetAircraft>) -> Self {
        Self {
            v: VERSION,
            kind: "fleet".into(),
            console: console.to_string(),
            sent_at: Timestamp::now(),
            aircraft,
        }
    }

    /// The JSON bytes.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Decodes and checks a fleet message that arrived on `topic_console`'s fleet topic.
    pub fn decode(topic_console: &str, payload: &[u8]) -> Result<Self, EnvelopeError> {
        const KIND: &str = "fleet";
        check_header(payload, KIND)?;
        let msg: Self = serde_json::from_slice(payload).map_err(malformed(KIND))?;
        check_console(topic_console, &msg.console)?;
        let invalid = |reason: String| EnvelopeError::Invalid { kind: KIND, reason };
        if msg.aircraft.len() > 255 {
            return Err(invalid(format!(
                "{} aircraft (at most 255)",
                msg.aircraft.len()
            )));
        }
        for a in &msg.aircraft {
            check_fleet_values(a).map_err(invalid)?;
            if let (Some(lat), Some(lon)) = (a.lat, a.lon) {
                crate::sightings::Position::new(lat, lon)
                    .validate()
                    .map_err(|e| invalid(format!("aircraft {}: {e}", a.sysid)))?;
            }
            if a.lat.is_some() != a.lon.is_some() {
                return Err(invalid(format!(
                    "aircraft {}: latitude without longitude",
                    a.sysid
                )));
            }
        }
        Ok(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sightings::{Category, NewSighting, Position, SnapshotData};

    fn sighting() -> Sighting {
        NewSighting::new(Category::Crowd, Position::new(48.1, 11.5))
            .note("demo at the square")
            .into_sighting()
            .0
    }

    #[test]
    fn sighting_round_trip_with_snapshot() {
        let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1, 7, 7];
        let mut s = sighting();
        s.snapshot = Some(
            SnapshotData::from_jpeg("a.jpg", jpeg.clone())
                .unwrap()
                .info(),
        );
        let msg = SightingMessage::new("c1", 4, s.clone(), Some(&jpeg));
        let bytes = msg.encode();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["v"], 1);
        assert_eq!(v["kind"], "sighting");
        let (back, got) = SightingMessage::decode("c1", &bytes).unwrap();
        assert_eq!(back.sighting, s);
        assert_eq!(got, Some(jpeg));
    }

    #[test]
    fn bad_messages_are_refused_with_a_reason() {
        let good = SightingMessage::new("c1", 1, sighting(), None);
        let good_json = serde_json::to_value(&good).unwrap();
        let variant = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = good_json.clone();
            f(&mut v);
            serde_json::to_vec(&v).unwrap()
        };
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"not json".to_vec(), "not a JSON object"),
            (b"[1,2]".to_vec(), "not a JSON object"),
            (
                variant(&|v| v.as_object_mut().unwrap().remove("v").map(|_| ()).unwrap()),
                "no envelope version",
            ),
            (
                variant(&|v| v["v"] = 2.into()),
                "version 2 is not supported",
            ),
            (
                variant(&|v| v["kind"] = "fleet".into()),
                "\"fleet\" message",
            ),
            (
                variant(&|v| v["sighting"]["category"] = "ufo".into()),
                "malformed sighting",
            ),
            (
                variant(&|v| v["sighting"]["position"]["lat"] = 123.0.into()),
                "latitude 123",
            ),
            (variant(&|v| v["console"] = "c2".into()), "console 'c1'"),
            (
                variant(&|v| v["sighting"]["id"] = "not-a-uuid".into()),
                "malformed sighting",
            ),
            (
                variant(&|v| v["snapshot_jpeg"] = "AAAA".into()),
                "snapshot bytes without",
            ),
        ];
        for (payload, expect) in cases {
            let err = SightingMessage::decode("c1", &payload)
                .unwrap_err()
                .to_string();
            assert!(err.contains(expect), "expected '{expect}' in '{err}'");
        }
    }

    #[test]
    fn snapshot_hash_mismatch_is_refused() {
        let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1, 7, 7];
        let mut s = sighting();
        s.snapshot = Some(SnapshotData::from_jpeg("a.jpg", jpeg).unwrap().info());
        let tampered = vec![0xFF, 0xD8, 0xFF, 0xE1, 7, 8];
        let msg = SightingMessage::new("c1", 1, s, Some(&tampered));
        let err = SightingMessage::decode("c1", &msg.encode()).unwrap_err();
        assert!(err.to_string().contains("SHA-256"), "{err}");
    }

    #[test]
    fn acks_and_fleet_round_trip_and_check_limits() {
        let ack = AckMessage::new(
            "c1",
            vec![Ack {
                id: Uuid::now_v7(),
                revision: 2,
            }],
        );
        assert_eq!(AckMessage::decode("c1", &ack.encode()).unwrap(), ack);
        let empty = AckMessage::new("c1", vec![]);
        assert!(AckMessage::decode("c1", &empty.encode()).is_err());
        let by_person = AckMessage::from_dispatchers(
            "c1",
            vec![DispatcherAck {
                id: Uuid::now_v7(),
                by: "王伟".into(),
                at: Timestamp(1_700_000_000_000),
            }],
        );
        assert_eq!(
            AckMessage::decode("c1", &by_person.encode()).unwrap(),
            by_person
        );
        let mut forged = by_person.clone();
        forged.dispatcher[0].by = "<script>".into();
        assert!(AckMessage::decode("c1", &forged.encode())
            .unwrap_err()
            .to_string()
            .contains("not a dispatcher name"));
        // An ack from an older dispatch (no "dispatcher" field) still reads.
        let old = br#"{"v":1,"kind":"ack","console":"c1","sent_at":"2026-01-01T00:00:00.000Z","acks":[{"id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","revision":0}]}"#;
        assert!(AckMessage::decode("c1", old).unwrap().dispatcher.is_empty());
        let fleet = FleetMessage::new(
            "c1",
            vec![FleetAircraft {
                sysid: 1,
                callsign: None,
                lat: Some(1.0),
                lon: None,
                alt_amsl_m: 0.0,
                alt_rel_m: 0.0,
                heading_deg: 0.0,
                ground_speed_ms: 0.0,
                mode: "LOITER".into(),
                armed: true,
                battery_pct: None,
                link: "connected".into(),
            }],
        );
        assert!(FleetMessage::decode("c1", &fleet.encode())
            .unwrap_err()
            .to_string()
            .contains("latitude without longitude"));
    }
}
