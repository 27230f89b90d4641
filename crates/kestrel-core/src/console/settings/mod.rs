//! The console's settings — language, units, map tile source, the links to open at start, alert
//! thresholds, callsigns — kept as JSON in the platform's config directory. A damaged file is
//! never silently lost: it is set aside as `console.json.bad` and defaults are used.

mod service;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use service::{SettingsEvent, SettingsIntent, SettingsService};

use crate::alerts::AlertThresholds;
use crate::tiles::TileSourceConfig;

/// The settings file's name in the config directory.
pub const FILE_NAME: &str = "console.json";

/// The languages of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Language {
    /// English.
    #[serde(rename = "en")]
    English,
    /// Simplified Chinese.
    #[serde(rename = "zh-CN")]
    Chinese,
}

impl Language {
    /// The language named by the environment (`LANG=zh_CN.UTF-8` → Chinese), English otherwise.
    pub fn from_env() -> Self {
        let lang = std::env::var("LC_ALL")
            .ok()
            .filter(|s| !s.is_empty())
            .or_else(|| std::env::var("LANG").ok())
            .unwrap_or_default();
        if lang.to_ascii_lowercase().starts_with("zh") {
            Language::Chinese
        } else {
            Language::English
        }
    }

    /// The language's own name, as shown in the language selector.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Chinese => "简体中文",
        }
    }
}

/// Units for altitudes, distances and speeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Units {
    /// Metres, kilometres, m/s.
    #[default]
    Metric,
    /// Feet, miles, knots (aviation habit).
    Imperial,
}

impl Units {
    /// An altitude or short distance in metres, converted, with its unit.
    pub fn altitude(self, m: f32) -> (f32, &'static str) {
        match self {
            Units::Metric => (m, "m"),
            Units::Imperial => (m * 3.280_84, "ft"),
        }
    }

    /// A speed in m/s, converted, with its unit.
    pub fn speed(self, ms: f32) -> (f32, &'static str) {
        match self {
            Units::Metric => (ms, "m/s"),
            Units::Imperial => (ms * 1.943_84, "kn"),
        }
    }

    /// A distance in metres as text with a sensible unit (m / km, ft / mi).
    pub fn distance(self, m: f64) -> String {
        match self {
            Units::Metric if m >= 1000.0 => {
                let km = format!("{:.2}", m / 1000.0);
                format!("{} km", km.trim_end_matches('0').trim_end_matches('.'))
            }
            Units::Metric => format!("{m:.0} m"),
            Units::Imperial => {
                let ft = m * 3.280_84;
                if ft >= 5280.0 {
                    format!("{:.2} mi", ft / 5280.0)
                } else {
                    format!("{ft:.0} ft")
                }
            }
        }
    }
}

/// Everything the console remembers between sessions.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Language of every string in the window.
    pub language: Language,
    /// Units shown.
    pub units: Units,
    /// Where map tiles come from.
    pub tile_source: TileSourceConfig,
    /// The last custom XYZ template typed in, kept when switching back to OpenStreetMap.
    pub custom_tile_url: String,
    /// Connection strings opened at start (without `--link` or `--demo`).
    pub links: Vec<String>,
    /// Default altitude of the take-off button, metres above home.
    pub takeoff_alt_m: f32,
    /// Battery thresholds of the alerts.
    pub alert_thresholds: AlertThresholds,
    /// Callsigns by system id; aircraft without one are called by their team number.
    pub callsigns: BTreeMap<u8, String>,
    /// Video source URI by system id (`udp://0.0.0.0:5600`, `rtsp://…`, `mpegts://…`,
    /// `pipeline:…`), overriding what the aircraft announces and the default port.
    #[serde(default)]
    pub video_sources: BTreeMap<u8, String>,

    /// Where sightings and fleet positions go (MQTT broker, CoT) and the payload camera.
    pub dispatch: crate::console::DispatchSettings,
    /// Connection strings of the links the user trusts: signing keys are only ever sent over
    /// these (e.g. a USB cable or a bench radio).
    #[serde(default)]
    pub trusted_links: std::collections::BTreeSet<String>,
    /// SBS-1 feeds of ground ADS-B receivers (`sbs://HOST:30003`) opened at start.
    #[serde(default)]
    pub traffic_feeds: Vec<String>,
    /// Conflict boxes (advisory, warning, look-ahead) and when silent targets fade and go.
    #[serde(default)]
    pub traffic: crate::traffic::TrafficSettings,
    /// The operator's Remote ID: operator ID and, when not the take-off position, where the
    /// operator stands.
    #[serde(default)]
    pub remote_id: crate::remote_id::OperatorSettings,
    /// The crew seat this console takes at start (pilot, payload, observer), who sits there.
    #[serde(default)]
    pub crew_seat: crate::console::seat::SeatSettings,
    /// The pre-flight checklist: enforced or not, items the unit leaves out, limits.
    #[serde(default)]
    pub checklist: crate::checklist::ChecklistSettings,
    /// The console's sound: on or off, volume, output.
    #[serde(default)]
    pub sound: crate::sound::SoundSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            language: Language::from_env(),
            units: Units::Metric,
            tile_source: TileSourceConfig::OpenStreetMap,
            custom_tile_url: String::new(),
            links: Vec::new(),
            takeoff_alt_m: 30.0,
            alert_thresholds: AlertThresholds::default(),
            callsigns: BTreeMap::new(),
            video_sources: BTreeMap::new(),
            dispatch: Default::default(),
            trusted_links: Default::default(),
            traffic_feeds: Vec::new(),
            traffic: Default::default(),
            remote_id: Default::default(),
            crew_seat: Default::default(),
            checklist: Default::default(),
            sound: Default::default(),
        }
    }
}

/// The settings file in the platform's config directory.
pub fn default_path() -> PathBuf {
    crate::paths::config_dir().join(FILE_NAME)
}

impl Settings {
    /// Reads settings; a missing file gives defaults, a damaged one gives defaults plus a warning
    /// (and the damaged file is kept next to it as `.bad`).
    pub fn load(path: &Path) -> (Settings, Option<String>) {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (Settings::default(), None)
            }
            Err(e) => {
                return (
                    Settings::default(),
                    Some(format!(
                        "cannot read settings {}: {e}; using defaults",
                        path.display()
                    )),
                )
            }
        };
        match serde_json::from_str::<Settings>(&text) {
            Ok(mut s) => {
                if !(s.takeoff_alt_m.is_finite() && s.takeoff_alt_m > 0.0) {
                    s.takeoff_alt_m = Settings::default().takeoff_alt_m;
                }
                (s, None)
            }
            Err(e) => {
                let bad = path.with_extension("json.bad");
                let kept = std::fs::copy(path, &bad).is_ok();
                (
                    Settings::default(),
                    Some(format!(
                        "settings {} are damaged ({e}); using defaults{}",
                        path.display(),
                        if kept {
                            format!(", the damaged file is kept as {}", bad.display())
                        } else {
                            String::new()
                        }
                    )),
                )
            }
        }
    }

    /// Writes settings atomically (temp file on disk, then rename): on a full disk or a crash
    /// the settings saved before stay whole, and no half-written temp file is left behind.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        use std::io::Write;
        if let Some(dir) = path.parent() {
            crate::paths::ensure_dir(dir)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        let tmp = path.with_extension("json.tmp");
        let written = std::fs::File::create(&tmp)
            .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()));
        written.map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            std::io::Error::new(e.kind(), format!("cannot write {}: {e}", tmp.display()))
        })?;
        std::fs::rename(&tmp, path).map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damaged_file_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg").join(FILE_NAME);
        let (s, warn) = Settings::load(&path);
        assert!(warn.is_none());
        let mut s2 = s.clone();
        s2.language = Language::Chinese;
        s2.tile_source = TileSourceConfig::Xyz {
            name: "Tianditu".into(),
            url: "https://t{s:01}.tianditu.gov.cn/x={x}&y={y}&l={z}&tk=K".into(),
        };
        s2.links.push("udpin:0.0.0.0:14550".into());
        s2.save(&path).unwrap();
        assert_eq!(Settings::load(&path).0, s2);

        std::fs::write(&path, "{ not json").unwrap();
        let (s3, warn) = Settings::load(&path);
        assert_eq!(s3.links, Vec::<String>::new());
        assert!(warn.unwrap().contains("damaged"));
        assert_eq!(
            std::fs::read_to_string(path.with_extension("json.bad")).unwrap(),
            "{ not json"
        );
    }

    #[test]
    fn older_files_with_missing_fields_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, r#"{"language":"zh-CN","units":"imperial"}"#).unwrap();
        let (s, warn) = Settings::load(&path);
        assert!(warn.is_none());
        assert_eq!(s.language, Language::Chinese);
        assert_eq!(s.units, Units::Imperial);
        assert_eq!(s.takeoff_alt_m, 30.0);
    }

    #[test]
    fn units_convert() {
        assert_eq!(Units::Metric.distance(1500.0), "1.5 km");
        assert_eq!(Units::Metric.distance(200.0), "200 m");
        assert_eq!(Units::Imperial.altitude(100.0).1, "ft");
        assert!((Units::Imperial.speed(10.0).0 - 19.4384).abs() < 1e-3);
    }
}
