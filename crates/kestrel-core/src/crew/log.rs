//! The sortie log kept for compliance: one row per sortie with its crew, aircraft, takeoff and
//! landing times, distance, maximum altitude, alerts and sightings, who sat in which crew seat
//! and the pre-flight checklist when it armed, exported as CSV (RFC 4180) for the unit's records.

use super::{AircraftRecord, Sortie};
use crate::time::DateTime;

/// One sortie as a log row.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LogRow {
    /// Sortie number.
    pub sortie: i64,
    /// Team name.
    pub team: String,
    /// Pilot in command.
    pub officer: String,
    /// First auxiliary.
    pub auxiliary_1: String,
    /// Second auxiliary.
    pub auxiliary_2: String,
    /// Aircraft callsign.
    pub aircraft: String,
    /// Aircraft serial number (empty when no longer registered).
    pub serial: String,
    /// Route name.
    pub route: String,
    /// Planned start, UTC.
    pub planned_start: String,
    /// State.
    pub state: String,
    /// Takeoff, UTC (empty if it did not fly).
    pub takeoff: String,
    /// Landing, UTC.
    pub landing: String,
    /// Minutes in the air.
    pub flight_min: Option<f64>,
    /// Ground distance flown, metres.
    pub distance_m: f64,
    /// Highest altitude above home, metres.
    pub max_alt_m: f64,
    /// Alerts in flight.
    pub alerts: u32,
    /// Sightings reported.
    pub sightings: u32,
    /// How it ended.
    pub note: String,
    /// Who sat in which crew seat.
    pub seats: String,
    /// The pre-flight checklist when the aircraft armed.
    pub checklist: String,
}

/// Log rows for sorties; `registry` supplies the serial numbers.
pub fn rows(sorties: &[Sortie], registry: &[AircraftRecord]) -> Vec<LogRow> {
    let time = |t: Option<f64>| {
        t.map(|t| DateTime::from_unix_secs(t.round() as i64).rfc3339())
            .unwrap_or_default()
    };
    sorties
        .iter()
        .map(|s| {
            let p = &s.progress;
            LogRow {
                sortie: s.id,
                team: s.team.name.clone(),
                officer: s.team.officer.clone(),
                auxiliary_1: s.team.auxiliaries[0].clone(),
                auxiliary_2: s.team.auxiliaries[1].clone(),
                aircraft: s.team.aircraft.clone(),
                serial: registry
                    .iter()
                    .find(|a| a.callsign == s.team.aircraft)
                    .map(|a| a.serial.clone())
                    .unwrap_or_default(),
                route: s.route_name.clone(),
                planned_start: DateTime::from_unix_secs(s.start).rfc3339(),
                state: s.state().to_string(),
                takeoff: time(p.takeoff_at),
                landing: time(p.landed_at),
                flight_min: match (p.takeoff_at, p.landed_at) {
                    (Some(a), Some(b)) => Some(((b - a) / 60.0 * 10.0).round() / 10.0),
                    _ => None,
                },
                distance_m: p.distance_m.round(),
                max_alt_m: (p.max_alt_m * 10.0).round() / 10.0,
                alerts: p.alerts,
                sightings: p.sightings,
                note: p.note.clone().unwrap_or_default(),
                seats: p.seats.clone().unwrap_or_default(),
                checklist: p.checklist.clone().unwrap_or_default(),
            }
        })
        .collect()
}

/// Column names of the CSV.
pub const HEADER: [&str; 20] = [
    "sortie",
    "team",
    "officer",
    "auxiliary_1",
    "auxiliary_2",
    "aircraft",
    "serial",
    "route",
    "planned_start_utc",
    "state",
    "takeoff_utc",
    "landing_utc",
    "flight_min",
    "distance_m",
    "max_alt_m",
    "alerts",
    "sightings",
    "note",
    "seats",
    "checklist",
];

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The rows as CSV text with a header line.
pub fn to_csv(rows: &[LogRow]) -> String {
    let mut out = HEADER.join(",");
    out.push_str("\r\n");
    for r in rows {
        let cols = [
            r.sortie.to_string(),
            field(&r.team),
            field(&r.officer),
            field(&r.auxiliary_1),
            field(&r.auxiliary_2),
            field(&r.aircraft),
            field(&r.serial),
            field(&r.route),
            r.planned_start.clone(),
            r.state.clone(),
            r.takeoff.clone(),
            r.landing.clone(),
            r.flight_min.map(|m| m.to_string()).unwrap_or_default(),
            r.distance_m.to_string(),
            r.max_alt_m.to_string(),
            r.alerts.to_string(),
            r.sightings.to_string(),
            field(&r.note),
            field(&r.seats),
            field(&r.checklist),
        ];
        out.push_str(&cols.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_and_quotes_are_quoted() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
