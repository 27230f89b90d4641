//! Manned traffic as the station knows it: one [`Target`] per ICAO 24-bit address, merged from
//! every source that reports it (ADSB_VEHICLE forwarded by any aircraft, any SBS-1 feed), with
//! the newest value of each field winning. Targets that stop reporting fade and then go.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::geo::GeoPoint;

/// Mean Earth radius used for the short distances of traffic geometry, metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// What kind of aircraft a transponder says it is (the ADS-B emitter category, simplified to
/// what changes the icon and the observer's expectations).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Emitter {
    /// Not reported.
    #[default]
    Unknown,
    /// Light aircraft (< 7 t), e.g. a Cessna.
    Light,
    /// Small to heavy fixed-wing aircraft (airliners, business jets).
    Large,
    /// Helicopter: the police or medical helicopter that lands near the patrol area.
    Rotorcraft,
    /// Glider, ultralight, balloon or parachutist: slow and hard to see.
    Sport,
    /// Another unmanned aircraft.
    Uav,
    /// A vehicle on the ground or a fixed obstacle.
    Surface,
}

impl Emitter {
    /// From MAVLink's ADSB_EMITTER_TYPE number.
    pub fn from_adsb(n: u32) -> Self {
        match n {
            1 => Emitter::Light,
            2..=6 => Emitter::Large,
            7 => Emitter::Rotorcraft,
            9..=12 => Emitter::Sport,
            14 => Emitter::Uav,
            17..=19 => Emitter::Surface,
            _ => Emitter::Unknown,
        }
    }

    /// The name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Emitter::Unknown => "unknown",
            Emitter::Light => "light",
            Emitter::Large => "large",
            Emitter::Rotorcraft => "rotorcraft",
            Emitter::Sport => "sport",
            Emitter::Uav => "uav",
            Emitter::Surface => "surface",
        }
    }
}

/// Where a report came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum TrafficSource {
    /// ADSB_VEHICLE forwarded by our aircraft with this system id (its ADS-B receiver).
    Aircraft(u8),
    /// An SBS-1 (BaseStation, port 30003) feed, by its connection string.
    Feed(String),
}

impl std::fmt::Display for TrafficSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrafficSource::Aircraft(s) => write!(f, "aircraft {s}"),
            TrafficSource::Feed(n) => f.write_str(n),
        }
    }
}

/// One report about one target: every field is optional because SBS-1 splits a target's state
/// over several message types (identity, position, velocity).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrafficUpdate {
    /// ICAO 24-bit address, the target's identity.
    pub icao: u32,
    /// Flight id or registration, trimmed.
    pub callsign: Option<String>,
    /// Emitter category.
    pub emitter: Option<Emitter>,
    /// Position.
    pub position: Option<GeoPoint>,
    /// Altitude above mean sea level, metres (barometric from SBS-1; the source's own from
    /// ADSB_VEHICLE).
    pub alt_amsl_m: Option<f64>,
    /// Track over ground, degrees true.
    pub track_deg: Option<f64>,
    /// Ground speed, m/s.
    pub speed_ms: Option<f64>,
    /// Vertical rate, m/s (positive up).
    pub climb_ms: Option<f64>,
    /// Transponder code.
    pub squawk: Option<u16>,
    /// Reported on the ground.
    pub on_ground: Option<bool>,
}

/// A manned aircraft (or other transponder) near the patrol area.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Target {
    /// ICAO 24-bit address.
    pub icao: u32,
    /// Flight id or registration, when reported.
    pub callsign: Option<String>,
    /// Emitter category.
    pub emitter: Emitter,
    /// Last reported position.
    pub position: GeoPoint,
    /// Altitude above mean sea level, metres, when reported.
    pub alt_amsl_m: Option<f64>,
    /// Track over ground, degrees true.
    pub track_deg: Option<f64>,
    /// Ground speed, m/s.
    pub speed_ms: Option<f64>,
    /// Vertical rate, m/s.
    pub climb_ms: Option<f64>,
    /// Transponder code.
    pub squawk: Option<u16>,
    /// Reported on the ground.
    pub on_ground: bool,
    /// Every source that reported it, in first-heard order.
    pub sources: Vec<TrafficSource>,
    /// Seconds since the position was last reported.
    pub age_s: f64,
    /// Older than the fade age: shown faded, not trusted for conflicts.
    pub stale: bool,
    #[serde(skip)]
    position_at: Instant,
}

impl Target {
    /// The ICAO address as the six hex digits everyone writes it as.
    pub fn icao_hex(&self) -> String {
        icao_hex(self.icao)
    }

    /// The name to show: callsign, else the ICAO address.
    pub fn label(&self) -> String {
        self.callsign.clone().unwrap_or_else(|| self.icao_hex())
    }

    /// Velocity over ground (east, north), m/s; zero when not reported.
    pub fn velocity_en(&self) -> [f64; 2] {
        match (self.track_deg, self.speed_ms) {
            (Some(t), Some(s)) => {
                let r = t.to_radians();
                [s * r.sin(), s * r.cos()]
            }
            _ => [0.0, 0.0],
        }
    }

    /// Where the target is now if it kept its velocity since its last report (dead reckoning
    /// over the report's age).
    pub fn position_now(&self) -> GeoPoint {
        let [ve, vn] = self.velocity_en();
        offset(self.position, ve * self.age_s, vn * self.age_s)
    }

    /// When the position was last reported.
    pub fn position_at(&self) -> Instant {
        self.position_at
    }
}

/// `icao` as six upper-case hex digits.
pub fn icao_hex(icao: u32) -> String {
    format!("{icao:06X}")
}

/// `p` moved `east_m` east and `north_m` north (flat Earth: traffic distances are kilometres).
pub fn offset(p: GeoPoint, east_m: f64, north_m: f64) -> GeoPoint {
    let lat = p.lat + (north_m / EARTH_RADIUS_M).to_degrees();
    let coslat = p.lat.to_radians().cos().max(1e-6);
    let lon = p.lon + (east_m / (EARTH_RADIUS_M * coslat)).to_degrees();
    GeoPoint { lat, lon }
}

/// How long targets stay on the picture without a new position.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Aging {
    /// After this many seconds a target is shown faded and left out of conflict checks.
    pub fade_after_s: f64,
    /// After this many seconds a target is dropped.
    pub drop_after_s: f64,
}

impl Default for Aging {
    fn default() -> Self {
        Self {
            fade_after_s: 10.0,
            drop_after_s: 30.0,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Merged {
    update: TrafficUpdate,
    position_at: Option<Instant>,
    heard_at: Option<Instant>,
    sources: Vec<TrafficSource>,
}

/// Every target heard, merged by ICAO address. No I/O: reports come in with their arrival time.
#[derive(Debug, Clone, Default)]
pub struct TrafficPicture {
    targets: HashMap<u32, Merged>,
    aging: Aging,
    revision: u64,
}

impl TrafficPicture {
    /// An empty picture that ages targets as `aging` says.
    pub fn new(aging: Aging) -> Self {
        Self {
            aging,
            ..Default::default()
        }
    }

    /// Changes how targets age from now on.
    pub fn set_aging(&mut self, aging: Aging) {
        self.aging = aging;
    }

    /// Changes whenever a report arrives or a target goes.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Merges one report: each field it carries replaces the one known.
    pub fn apply(&mut self, u: TrafficUpdate, source: TrafficSource, at: Instant) {
        let m = self.targets.entry(u.icao).or_default();
        let known = &mut m.update;
        known.icao = u.icao;
        if u.callsign.is_some() {
            known.callsign = u.callsign;
        }
        if u.emitter.is_some_and(|e| e != Emitter::Unknown) || known.emitter.is_none() {
            known.emitter = u.emitter.or(known.emitter);
        }
        if u.position.is_some() {
            known.position = u.position;
            m.position_at = Some(at);
        }
        macro_rules! take {
            ($($f:ident),*) => { $( if u.$f.is_some() { known.$f = u.$f; } )* };
        }
        take!(alt_amsl_m, track_deg, speed_ms, climb_ms, squawk, on_ground);
        m.heard_at = Some(at);
        if !m.sources.contains(&source) {
            m.sources.push(source);
        }
        self.revision += 1;
    }

    /// Drops targets not heard for the drop age.
    pub fn expire(&mut self, now: Instant) {
        let drop = Duration::from_secs_f64(self.aging.drop_after_s.max(0.0));
        let before = self.targets.len();
        self.targets.retain(|_, m| {
            let last = m.position_at.or(m.heard_at);
            last.is_some_and(|t| now.saturating_duration_since(t) < drop)
        });
        if self.targets.len() != before {
            self.revision += 1;
        }
    }

    /// Number of targets held (with or without a position).
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// The targets with a position, as of `now`, sorted by ICAO address.
    pub fn targets(&self, now: Instant) -> Vec<Target> {
        let mut out: Vec<Target> = self
            .targets
            .values()
            .filter_map(|m| {
                let position = m.update.position?;
                let at = m.position_at?;
                let age_s = now.saturating_duration_since(at).as_secs_f64();
                if age_s >= self.aging.drop_after_s {
                    return None;
                }
                let u = &m.update;
                Some(Target {
                    icao: u.icao,
                    callsign: u.callsign.clone(),
                    emitter: u.emitter.unwrap_or_default(),
                    position,
                    alt_amsl_m: u.alt_amsl_m,
                    track_deg: u.track_deg,
                    speed_ms: u.speed_ms,
                    climb_ms: u.climb_ms,
                    squawk: u.squawk,
                    on_ground: u.on_ground.unwrap_or(false),
                    sources: m.sources.clone(),
                    age_s,
                    stale: age_s >= self.aging.fade_after_s,
                    position_at: at,
                })
            })
            .collect();
        out.sort_by_key(|t| t.icao);
        out
    }
}

/// A target as a test or benchmark builds it: fresh, at `position`, flying `track_deg` at
/// `speed_ms`.
pub fn target_at(
    icao: u32,
    position: GeoPoint,
    alt_amsl_m: f64,
    track_deg: f64,
    speed_ms: f64,
) -> Target {
    Target {
        icao,
        callsign: None,
        emitter: Emitter::Unknown,
        position,
        alt_amsl_m: Some(alt_amsl_m),
        track_deg: Some(track_deg),
        speed_ms: Some(speed_ms),
        climb_ms: Some(0.0),
        squawk: None,
        on_ground: false,
        sources: Vec::new(),
        age_s: 0.0,
        stale: false,
        position_at: Instant::now(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: GeoPoint = GeoPoint {
        lat: 36.456,
        lon: 115.985,
    };

    #[test]
    fn reports_from_two_sources_merge_by_icao() {
        let mut pic = TrafficPicture::new(Aging::default());
        let t0 = Instant::now();
        pic.apply(
            TrafficUpdate {
                icao: 0x7C1A2B,
                callsign: Some("HELI1".into()),
                ..Default::default()
            },
            TrafficSource::Feed("sbs://a:30003".into()),
            t0,
        );
        assert!(pic.targets(t0).is_empty(), "no position yet");
        pic.apply(
            TrafficUpdate {
                icao: 0x7C1A2B,
                position: Some(P),
                alt_amsl_m: Some(150.0),
                emitter: Some(Emitter::Rotorcraft),
                ..Default::default()
            },
            TrafficSource::Aircraft(1),
            t0,
        );
        let t = pic.targets(t0 + Duration::from_secs(2));
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].callsign.as_deref(), Some("HELI1"));
        assert_eq!(t[0].emitter, Emitter::Rotorcraft);
        assert_eq!(t[0].sources.len(), 2);
        assert!((t[0].age_s - 2.0).abs() < 1e-6);
        assert!(!t[0].stale);
    }

    #[test]
    fn silent_targets_fade_then_go() {
        let mut pic = TrafficPicture::new(Aging {
            fade_after_s: 5.0,
            drop_after_s: 10.0,
        });
        let t0 = Instant::now();
        pic.apply(
            TrafficUpdate {
                icao: 1,
                position: Some(P),
                ..Default::default()
            },
            TrafficSource::Aircraft(1),
            t0,
        );
        assert!(pic.targets(t0 + Duration::from_secs(6))[0].stale);
        assert!(pic.targets(t0 + Duration::from_secs(11)).is_empty());
        pic.expire(t0 + Duration::from_secs(11));
        assert!(pic.is_empty());
    }

    #[test]
    fn dead_reckoning_moves_along_the_track() {
        let mut t = target_at(1, P, 100.0, 90.0, 50.0);
        t.age_s = 2.0;
        let now = t.position_now();
        let east = (now.lon - P.lon).to_radians() * EARTH_RADIUS_M * P.lat.to_radians().cos();
        assert!((east - 100.0).abs() < 0.5, "{east}");
        assert!((now.lat - P.lat).abs() < 1e-9);
    }
}
