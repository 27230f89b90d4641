//! What a sighting is: who saw what, where and when, how sure the position is, and an optional
//! snapshot. The same types travel in the local queue, over MQTT to dispatch and into dispatch's
//! own database, so validation lives here once.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::timestamp::Timestamp;

/// Longest note accepted, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;
/// Longest callsign, sortie or crew name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Largest snapshot JPEG accepted, in bytes (it travels inside one MQTT message).
pub const MAX_SNAPSHOT_BYTES: usize = 8 * 1024 * 1024;

/// What was seen. The set is fixed so dispatch can route on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A person (missing, suspect, in the water…).
    Person,
    /// A vehicle.
    Vehicle,
    /// A crowd or gathering.
    Crowd,
    /// A traffic accident or obstruction.
    TrafficIncident,
    /// Fire or smoke.
    Fire,
    /// Someone who needs rescue.
    Rescue,
    /// Anything else; the note says what.
    Other,
}

impl Category {
    /// Every category, in the order the console offers them.
    pub const ALL: [Category; 7] = [
        Category::Person,
        Category::Vehicle,
        Category::Crowd,
        Category::TrafficIncident,
        Category::Fire,
        Category::Rescue,
        Category::Other,
    ];

    /// The name used on the command line, in JSON and in SQLite.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Person => "person",
            Category::Vehicle => "vehicle",
            Category::Crowd => "crowd",
            Category::TrafficIncident => "traffic_incident",
            Category::Fire => "fire",
            Category::Rescue => "rescue",
            Category::Other => "other",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Category {
    type Err = SightingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == norm || (norm == "traffic" && *c == Category::TrafficIncident))
            .ok_or_else(|| SightingError::UnknownCategory(s.to_string()))
    }
}

/// How urgently dispatch should look at a sighting.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// For the record.
    Low,
    /// The usual.
    #[default]
    Normal,
    /// Needs attention soon.
    High,
    /// Life or safety at stake now.
    Urgent,
}

impl Priority {
    /// The name used on the command line, in JSON and in SQLite.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Priority {
    type Err = SightingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(Priority::Low),
            "normal" => Ok(Priority::Normal),
            "high" => Ok(Priority::High),
            "urgent" => Ok(Priority::Urgent),
            _ => Err(SightingError::UnknownPriority(s.to_string())),
        }
    }
}

/// How the position was found, which says how far to trust it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum LocatedBy {
    /// The aircraft's own position when the sighting was marked.
    #[default]
    Aircraft,
    /// A point picked on the map.
    Map,
    /// A pixel picked in the video, projected to the ground.
    Video,
    /// Typed in (command line, radio report).
    Manual,
}

impl LocatedBy {
    /// The name used in JSON and SQLite.
    pub fn as_str(self) -> &'static str {
        match self {
            LocatedBy::Aircraft => "aircraft",
            LocatedBy::Map => "map",
            LocatedBy::Video => "video",
            LocatedBy::Manual => "manual",
        }
    }
}

impl FromStr for LocatedBy {
    type Err = SightingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "aircraft" => Ok(LocatedBy::Aircraft),
            "map" => Ok(LocatedBy::Map),
            "video" => Ok(LocatedBy::Video),
            "manual" => Ok(LocatedBy::Manual),
            _ => Err(SightingError::Invalid(format!(
                "unknown position source '{s}'"
            ))),
        }
    }
}

/// Where the thing seen is, with how sure we are.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// Latitude, degrees north (WGS84).
    pub lat: f64,
    /// Longitude, degrees east (WGS84).
    pub lon: f64,
    /// Altitude above mean sea level, metres, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_m: Option<f64>,
    /// Horizontal accuracy: radius in metres that likely (about 95 %) contains the true position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
}

impl Position {
    /// A position without altitude or accuracy.
    pub fn new(lat: f64, lon: f64) -> Self {
        Self {
            lat,
            lon,
            alt_m: None,
            accuracy_m: None,
        }
    }

    /// Refuses positions that cannot be on Earth.
    pub fn validate(&self) -> Result<(), SightingError> {
        if !self.lat.is_finite() || !(-90.0..=90.0).contains(&self.lat) {
            return Err(SightingError::Invalid(format!(
                "latitude {} is outside -90..90 degrees",
                self.lat
            )));
        }
        if !self.lon.is_finite() || !(-180.0..=180.0).contains(&self.lon) {
            return Err(SightingError::Invalid(format!(
                "longitude {} is outside -180..180 degrees",
                self.lon
            )));
        }
        if let Some(a) = self.alt_m {
            if !a.is_finite() || !(-500.0..=10_000.0).contains(&a) {
                return Err(SightingError::Invalid(format!(
                    "altitude {a} m is outside -500..10000 m"
                )));
            }
        }
        if let Some(a) = self.accuracy_m {
            if !a.is_finite() || a < 0.0 {
                return Err(SightingError::Invalid(format!(
                    "accuracy {a} m must be a non-negative number of metres"
                )));
            }
        }
        Ok(())
    }
}

/// The aircraft a sighting was made from.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AircraftRef {
    /// MAVLink system id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sysid: Option<u8>,
    /// Radio callsign, when the crew roster gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callsign: Option<String>,
}

/// The snapshot attached to a sighting: its name, size and SHA-256 (the JPEG itself is stored next
/// to the sighting and sent with it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SnapshotInfo {
    /// File name, for people (e.g. the original file's name).
    pub file_name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the JPEG, lowercase hex.
    pub sha256: String,
}

/// A snapshot JPEG to attach: the bytes and a name.
#[derive(Clone, PartialEq, Eq)]
pub struct SnapshotData {
    /// File name shown to people.
    pub file_name: String,
    /// The JPEG.
    pub jpeg: Vec<u8>,
}

impl fmt::Debug for SnapshotData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapshotData")
            .field("file_name", &self.file_name)
            .field("bytes", &self.jpeg.len())
            .finish()
    }
}

impl SnapshotData {
    /// Reads and checks a JPEG file.
    pub fn from_file(path: &Path) -> Result<Self, SightingError> {
        let jpeg = std::fs::read(path).map_err(|e| {
            SightingError::Snapshot(format!("cannot read photo {}: {e}", path.display()))
        })?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "snapshot.jpg".into());
        Self::from_jpeg(file_name, jpeg)
    }

    /// Checks JPEG bytes (e.g. a video snapshot) and names them.
    pub fn from_jpeg(file_name: impl Into<String>, jpeg: Vec<u8>) -> Result<Self, SightingError> {
        let file_name = file_name.into();
        if !jpeg.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Err(SightingError::Snapshot(format!(
                "{file_name} is not a JPEG (it does not start with the JPEG marker FF D8 FF)"
            )));
        }
        if jpeg.len() > MAX_SNAPSHOT_BYTES {
            return Err(SightingError::Snapshot(format!(
                "{file_name} is {} bytes; snapshots may be at most {MAX_SNAPSHOT_BYTES} bytes",
                jpeg.len()
            )));
        }
        Ok(Self { file_name, jpeg })
    }

    /// Its name, size and hash.
    pub fn info(&self) -> SnapshotInfo {
        SnapshotInfo {
            file_name: self.file_name.clone(),
            bytes: self.jpeg.len() as u64,
            sha256: sha256_hex(&self.jpeg),
        }
    }
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A sighting: the record the crew makes and dispatch receives. Identified by a UUID that never
/// changes, so dispatch stores it exactly once however often it is sent.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sighting {
    /// Identity, unique across every console (UUID v7: time-ordered).
    pub id: Uuid,
    /// Bumped by each edit made before the sighting was sent; dispatch keeps the highest.
    #[serde(default)]
    pub revision: u32,
    /// When it was seen.
    pub time: Timestamp,
    /// The aircraft it was seen from.
    #[serde(default)]
    pub aircraft: AircraftRef,
    /// The sortie (patrol flight) it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sortie: Option<String>,
    /// The crew that made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crew: Option<String>,
    /// Where.
    pub position: Position,
    /// How the position was found.
    #[serde(default)]
    pub located_by: LocatedBy,
    /// What.
    pub category: Category,
    /// How urgent.
    #[serde(default)]
    pub priority: Priority,
    /// Free text from the crew.
    #[serde(default)]
    pub note: String,
    /// The attached snapshot, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotInfo>,
    /// The sighting this one corrects (corrections are new records; sent sightings never change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrects: Option<Uuid>,
}

impl Sighting {
    /// Checks every field a user or a remote console could get wrong.
    pub fn validate(&self) -> Result<(), SightingError> {
        if self.id.is_nil() {
            return Err(SightingError::Invalid(
                "the sighting id is the nil UUID".into(),
            ));
        }
        self.position.validate()?;
        if self.aircraft.sysid == Some(0) {
            return Err(SightingError::Invalid(
                "aircraft system id 0 is the broadcast id, not an aircraft (use 1-255)".into(),
            ));
        }
        check_text("note", &self.note, MAX_NOTE_CHARS)?;
        for (what, v) in [
            ("callsign", &self.aircraft.callsign),
            ("sortie", &self.sortie),
            ("crew", &self.crew),
        ] {
            if let Some(v) = v {
                check_text(what, v, MAX_NAME_CHARS)?;
            }
        }
        if let Some(s) = &self.snapshot {
            check_text("snapshot file name", &s.file_name, 255)?;
            if s.sha256.len() != 64 || !s.sha256.bytes().all(|c| c.is_ascii_hexdigit()) {
                return Err(SightingError::Invalid(
                    "snapshot sha256 must be 64 hex digits".into(),
                ));
            }
        }
        if self.corrects == Some(self.id) {
            return Err(SightingError::Invalid(
                "a sighting cannot correct itself".into(),
            ));
        }
        Ok(())
    }
}

fn check_text(what: &str, v: &str, max: usize) -> Result<(), SightingError> {
    let n = v.chars().count();
    if n > max {
        return Err(SightingError::Invalid(format!(
            "{what} is {n} characters long; at most {max} are allowed"
        )));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(SightingError::Invalid(format!(
            "{what} contains control characters"
        )));
    }
    Ok(())
}

/// What the crew enters to make a sighting; the queue fills in the id and time.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSighting {
    /// When it was seen (default: now).
    pub time: Option<Timestamp>,
    /// The aircraft it was seen from.
    pub aircraft: AircraftRef,
    /// The sortie.
    pub sortie: Option<String>,
    /// The crew.
    pub crew: Option<String>,
    /// Where.
    pub position: Position,
    /// How the position was found.
    pub located_by: LocatedBy,
    /// What.
    pub category: Category,
    /// How urgent.
    pub priority: Priority,
    /// Free text.
    pub note: String,
    /// A JPEG to attach.
    pub snapshot: Option<SnapshotData>,
}

impl NewSighting {
    /// A sighting of `category` at `position` with defaults for everything else.
    pub fn new(category: Category, position: Position) -> Self {
        Self {
            time: None,
            aircraft: AircraftRef::default(),
            sortie: None,
            crew: None,
            position,
            located_by: LocatedBy::Manual,
            category,
            priority: Priority::Normal,
            note: String::new(),
            snapshot: None,
        }
    }

    /// Sets the note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }

    /// Turns the entry into a sighting with a fresh UUID v7.
    pub fn into_sighting(self) -> (Sighting, Option<SnapshotData>) {
        let sighting = Sighting {
            id: Uuid::now_v7(),
            revision: 0,
            time: self.time.unwrap_or_else(Timestamp::now),
            aircraft: self.aircraft,
            sortie: self.sortie,
            crew: self.crew,
            position: self.position,
            located_by: self.located_by,
            category: self.category,
            priority: self.priority,
            note: self.note,
            snapshot: self.snapshot.as_ref().map(SnapshotData::info),
            corrects: None,
        };
        (sighting, self.snapshot)
    }
}

/// Changes to a sighting: an edit (before it is sent) or a correction (after). `None` keeps a field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SightingEdit {
    /// New position.
    pub position: Option<Position>,
    /// New position source.
    pub located_by: Option<LocatedBy>,
    /// New category.
    pub category: Option<Category>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New note.
    pub note: Option<String>,
}

impl SightingEdit {
    /// Whether the edit changes nothing.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// Applies the edit to `s`.
    pub fn apply(&self, s: &mut Sighting) {
        if let Some(p) = self.position {
            s.position = p;
        }
        if let Some(l) = self.located_by {
            s.located_by = l;
        }
        if let Some(c) = self.category {
            s.category = c;
        }
        if let Some(p) = self.priority {
            s.priority = p;
        }
        if let Some(n) = &self.note {
            s.note = n.clone();
        }
    }
}

/// Why a sighting was refused; each message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SightingError {
    /// Not one of the categories dispatch knows.
    #[error("unknown category '{0}'; use person, vehicle, crowd, traffic_incident, fire, rescue or other")]
    UnknownCategory(String),
    /// Not one of the priorities dispatch knows.
    #[error("unknown priority '{0}'; use low, normal, high or urgent")]
    UnknownPriority(String),
    /// A field out of range (e.g. latitude 500°, a note too long); says which.
    #[error("{0}")]
    Invalid(String),
    /// The attached snapshot cannot be read or is not a JPEG.
    #[error("{0}")]
    Snapshot(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Sighting {
        NewSighting::new(Category::Fire, Position::new(52.5, 13.4))
            .note("smoke behind the depot")
            .into_sighting()
            .0
    }

    #[test]
    fn categories_parse_leniently_and_refuse_unknown_names() {
        assert_eq!(
            "Traffic-Incident".parse::<Category>(),
            Ok(Category::TrafficIncident)
        );
        assert_eq!("traffic".parse::<Category>(), Ok(Category::TrafficIncident));
        assert_eq!("FIRE".parse::<Category>(), Ok(Category::Fire));
        let e = "ufo".parse::<Category>().unwrap_err().to_string();
        assert!(e.contains("ufo") && e.contains("rescue"), "{e}");
    }

    #[test]
    fn json_uses_snake_case_names_and_round_trips() {
        let mut s = sample();
        s.category = Category::TrafficIncident;
        let j = serde_json::to_value(&s).unwrap();
        assert_eq!(j["category"], "traffic_incident");
        assert_eq!(j["priority"], "normal");
        let back: Sighting = serde_json::from_value(j).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn validation_names_the_bad_field() {
        let mut s = sample();
        s.position.lat = 91.0;
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("latitude 91"));
        let mut s = sample();
        s.position.lon = f64::NAN;
        assert!(s.validate().unwrap_err().to_string().contains("longitude"));
        let mut s = sample();
        s.note = "x".repeat(MAX_NOTE_CHARS + 1);
        assert!(s.validate().unwrap_err().to_string().contains("note"));
        let mut s = sample();
        s.note = "bell\u{7}".into();
        assert!(s.validate().is_err());
        assert!(sample().validate().is_ok());
    }

    #[test]
    fn snapshot_must_be_a_jpeg_and_is_hashed() {
        assert!(SnapshotData::from_jpeg("x.png", b"\x89PNG....".to_vec()).is_err());
        let snap = SnapshotData::from_jpeg("x.jpg", vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2]).unwrap();
        let info = snap.info();
        assert_eq!(info.bytes, 6);
        assert_eq!(info.sha256, sha256_hex(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2]));
        // SHA-256 of "abc" from FIPS 180-2.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn ids_are_time_ordered_v7() {
        let a = sample();
        let b = sample();
        assert_eq!(a.id.get_version_num(), 7);
        assert!(b.id > a.id);
    }
}
