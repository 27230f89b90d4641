//! The SBS-1 / BaseStation text format (port 30003 of dump1090, readsb, PiAware and most ADS-B
//! receivers): one comma-separated line per message, `MSG,<type>,…` with 22 fields. Identity
//! (type 1), position (2, 3), velocity (4) and altitude/squawk (5-8) arrive as separate lines;
//! [`parse_line`] turns each into a [`TrafficUpdate`] carrying only what that line says, and the
//! picture merges them. Anything from the network is untrusted: a bad line is an error naming the
//! field, never a panic.

use super::target::TrafficUpdate;
use crate::geo::GeoPoint;

/// The longest line accepted; real lines are about 120 bytes.
pub const MAX_LINE: usize = 512;

const FEET: f64 = 0.3048;
const KNOTS: f64 = 0.514_444;

/// Why a line is not a usable SBS-1 message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SbsError {
    /// Not a BaseStation line at all (wrong port? a Beast or raw feed?).
    #[error("not an SBS-1 line (expected MSG,…; is this the port 30003 BaseStation output?)")]
    NotSbs,
    /// Longer than any real message.
    #[error("line longer than {MAX_LINE} bytes")]
    TooLong,
    /// Fewer fields than a MSG line must have.
    #[error("MSG line with {0} fields (at least 11 expected)")]
    TooShort(usize),
    /// The ICAO address is not six hex digits.
    #[error("bad ICAO address '{0}' (six hex digits expected)")]
    BadIcao(String),
    /// A field that cannot be read.
    #[error("bad {field} '{value}'")]
    BadField {
        /// Which field.
        field: &'static str,
        /// What it held.
        value: String,
    },
}

fn field<T: std::str::FromStr>(
    fields: &[&str],
    i: usize,
    name: &'static str,
) -> Result<Option<T>, SbsError> {
    match fields.get(i).map(|s| s.trim()) {
        None | Some("") => Ok(None),
        Some(v) => v.parse::<T>().map(Some).map_err(|_| SbsError::BadField {
            field: name,
            value: v.chars().take(40).collect(),
        }),
    }
}

fn finite(v: Option<f64>, name: &'static str, lo: f64, hi: f64) -> Result<Option<f64>, SbsError> {
    match v {
        Some(x) if !(x.is_finite() && (lo..=hi).contains(&x)) => Err(SbsError::BadField {
            field: name,
            value: x.to_string(),
        }),
        other => Ok(other),
    }
}

fn flag(fields: &[&str], i: usize) -> Option<bool> {
    match fields.get(i).map(|s| s.trim()) {
        Some("-1") | Some("1") => Some(true),
        Some("0") => Some(false),
        _ => None,
    }
}

/// Reads one line. `Ok(None)` for valid lines that say nothing about a target (SEL, ID, AIR,
/// STA and CLK records, or a MSG with only timestamps).
pub fn parse_line(line: &str) -> Result<Option<TrafficUpdate>, SbsError> {
    if line.len() > MAX_LINE {
        return Err(SbsError::TooLong);
    }
    let line = line.trim_end_matches(['\r', '\n']);
    let fields: Vec<&str> = line.split(',').collect();
    match fields.first().map(|s| s.trim()) {
        Some("MSG") => {}
        Some("SEL" | "ID" | "AIR" | "STA" | "CLK") => return Ok(None),
        _ => return Err(SbsError::NotSbs),
    }
    if fields.len() < 11 {
        return Err(SbsError::TooShort(fields.len()));
    }
    let hex = fields[4].trim();
    let icao = (hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u32::from_str_radix(hex, 16).ok())
        .flatten()
        .ok_or_else(|| SbsError::BadIcao(hex.chars().take(12).collect()))?;
    let callsign = fields
        .get(10)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .take(8)
                .collect::<String>()
        })
        .filter(|s| !s.is_empty());
    let alt_ft = finite(
        field(&fields, 11, "altitude")?,
        "altitude",
        -2000.0,
        100_000.0,
    )?;
    let speed_kt = finite(
        field(&fields, 12, "ground speed")?,
        "ground speed",
        0.0,
        2000.0,
    )?;
    let track = finite(field(&fields, 13, "track")?, "track", -360.0, 360.0)?;
    let lat = finite(field(&fields, 14, "latitude")?, "latitude", -90.0, 90.0)?;
    let lon = finite(field(&fields, 15, "longitude")?, "longitude", -180.0, 180.0)?;
    let vr_fpm = finite(
        field(&fields, 16, "vertical rate")?,
        "vertical rate",
        -60_000.0,
        60_000.0,
    )?;
    let squawk: Option<u16> = field(&fields, 17, "squawk")?;
    let position = match (lat, lon) {
        (Some(lat), Some(lon)) if !(lat == 0.0 && lon == 0.0) => Some(GeoPoint { lat, lon }),
        _ => None,
    };
    let u = TrafficUpdate {
        icao,
        callsign,
        emitter: None,
        position,
        alt_amsl_m: alt_ft.map(|f| f * FEET),
        track_deg: track.map(|t| t.rem_euclid(360.0)),
        speed_ms: speed_kt.map(|k| k * KNOTS),
        climb_ms: vr_fpm.map(|f| f * FEET / 60.0),
        squawk,
        on_ground: flag(&fields, 21),
    };
    let says_something = u.callsign.is_some()
        || u.position.is_some()
        || u.alt_amsl_m.is_some()
        || u.speed_ms.is_some()
        || u.track_deg.is_some()
        || u.climb_ms.is_some()
        || u.squawk.is_some();
    Ok(says_something.then_some(u))
}

/// Writes SBS-1 lines (what the simulator's feed and the tests send): identity, airborne
/// position and velocity of one target, each a complete 22-field `MSG` line ending in CRLF.
pub fn format_lines(u: &TrafficUpdate, date: &str, time: &str) -> String {
    let hex = super::target::icao_hex(u.icao);
    let head = |t: u8| format!("MSG,{t},1,1,{hex},1,{date},{time},{date},{time}");
    let mut out = String::new();
    if let Some(cs) = &u.callsign {
        out.push_str(&format!("{},{cs},,,,,,,,,,,0\r\n", head(1)));
    }
    let ground = if u.on_ground.unwrap_or(false) {
        "-1"
    } else {
        "0"
    };
    if let Some(p) = u.position {
        let alt = u
            .alt_amsl_m
            .map(|a| format!("{:.0}", a / FEET))
            .unwrap_or_default();
        out.push_str(&format!(
            "{},,{alt},,,{:.5},{:.5},,,0,0,0,{ground}\r\n",
            head(3),
            p.lat,
            p.lon
        ));
    }
    if u.speed_ms.is_some() || u.track_deg.is_some() || u.climb_ms.is_some() {
        let gs = u
            .speed_ms
            .map(|s| format!("{:.0}", s / KNOTS))
            .unwrap_or_default();
        let trk = u.track_deg.map(|t| format!("{t:.1}")).unwrap_or_default();
        let vr = u
            .climb_ms
            .map(|v| format!("{:.0}", v * 60.0 / FEET))
            .unwrap_or_default();
        out.push_str(&format!(
            "{},,,{gs},{trk},,,{vr},,0,0,0,{ground}\r\n",
            head(4)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Lines as dump1090 writes them.
    const ID: &str = "MSG,1,111,11111,7C1A2B,111111,2026/12/03,05:33:00.123,2026/12/03,05:33:00.123,HELI1   ,,,,,,,,,,,0";
    const POS: &str = "MSG,3,111,11111,7C1A2B,111111,2026/12/03,05:33:00.123,2026/12/03,05:33:00.123,,500,,,36.45600,115.98500,,,0,0,0,0";
    const VEL: &str = "MSG,4,111,11111,7C1A2B,111111,2026/12/03,05:33:00.123,2026/12/03,05:33:00.123,,,97,271.5,,,-640,,0,0,0,0";

    #[test]
    fn reads_identity_position_and_velocity() {
        let id = parse_line(ID).unwrap().unwrap();
        assert_eq!(id.icao, 0x7C1A2B);
        assert_eq!(id.callsign.as_deref(), Some("HELI1"));
        let pos = parse_line(POS).unwrap().unwrap();
        assert!((pos.alt_amsl_m.unwrap() - 152.4).abs() < 0.01);
        assert_eq!(pos.position.unwrap().lat, 36.456);
        assert_eq!(pos.on_ground, Some(false));
        let vel = parse_line(VEL).unwrap().unwrap();
        assert!((vel.speed_ms.unwrap() - 49.9).abs() < 0.1);
        assert_eq!(vel.track_deg, Some(271.5));
        assert!((vel.climb_ms.unwrap() + 3.25).abs() < 0.01);
    }

    #[test]
    fn other_records_are_not_errors_and_garbage_is() {
        assert_eq!(
            parse_line(
                "STA,,5,179,400AE7,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM"
            ),
            Ok(None)
        );
        assert_eq!(
            parse_line("*8D4840D6202CC371C32CE0576098;"),
            Err(SbsError::NotSbs)
        );
        assert_eq!(parse_line("MSG,3,1"), Err(SbsError::TooShort(3)));
        assert!(matches!(
            parse_line(&POS.replace("7C1A2B", "7C1A2")),
            Err(SbsError::BadIcao(_))
        ));
        assert!(matches!(
            parse_line(&POS.replace("36.45600", "96.0")),
            Err(SbsError::BadField {
                field: "latitude",
                ..
            })
        ));
        assert!(matches!(
            parse_line(&POS.replace("500", "NaN")),
            Err(SbsError::BadField {
                field: "altitude",
                ..
            })
        ));
        assert_eq!(parse_line(&"M".repeat(600)), Err(SbsError::TooLong));
    }

    #[test]
    fn what_we_write_reads_back() {
        let u = TrafficUpdate {
            icao: 0xABC123,
            callsign: Some("B2345".into()),
            position: Some(GeoPoint {
                lat: 36.4,
                lon: 116.0,
            }),
            alt_amsl_m: Some(300.0),
            track_deg: Some(90.0),
            speed_ms: Some(60.0),
            climb_ms: Some(0.0),
            on_ground: Some(false),
            ..Default::default()
        };
        let text = format_lines(&u, "2026/12/03", "05:00:00.000");
        let back: Vec<TrafficUpdate> = text
            .lines()
            .filter_map(|l| parse_line(l).unwrap())
            .collect();
        assert_eq!(back.len(), 3);
        assert_eq!(back[0].callsign.as_deref(), Some("B2345"));
        assert!((back[1].alt_amsl_m.unwrap() - 300.0).abs() < 0.2);
        assert!((back[2].speed_ms.unwrap() - 60.0).abs() < 0.3);
        assert!(text.lines().all(|l| l.split(',').count() == 22), "{text}");
    }
}
