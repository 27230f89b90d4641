//! Shared printing: the aircraft table and its JSON twin.

use std::time::Instant;

use crate::fleet::{Aircraft, FleetSnapshot};
use crate::terrain::Terrain;

/// One aircraft as a flat row for tables and JSON.
#[derive(Debug, serde::Serialize)]
pub struct AircraftRow {
    /// MAVLink system id.
    pub sysid: u8,
    /// Flight mode name.
    pub mode: String,
    /// Motors armed.
    pub armed: bool,
    /// Latitude, degrees (null before a position is known).
    pub lat: Option<f64>,
    /// Longitude, degrees.
    pub lon: Option<f64>,
    /// Altitude above home, metres.
    pub rel_alt_m: f32,
    /// Altitude above mean sea level, metres.
    pub alt_amsl_m: f32,
    /// Height above the ground under the aircraft, metres (from the terrain tiles; null without
    /// a position or a tile).
    pub agl_m: Option<f32>,
    /// Heading, degrees.
    pub heading_deg: f32,
    /// Ground speed, m/s.
    pub ground_speed_ms: f32,
    /// Battery percent.
    pub battery_pct: Option<f32>,
    /// Battery voltage.
    pub battery_v: Option<f32>,
    /// Estimated minutes of flight left.
    pub battery_min_left: Option<f32>,
    /// GPS fix type.
    pub gps_fix: u8,
    /// The fix type as the autopilot names it: no fix, 2D, 3D, DGPS, RTK float, RTK fixed,
    /// static, PPP.
    pub gps_fix_name: &'static str,
    /// Satellites.
    pub satellites: u8,
    /// Home latitude, degrees (null until HOME_POSITION is heard).
    pub home_lat: Option<f64>,
    /// Home longitude, degrees.
    pub home_lon: Option<f64>,
    /// Current mission item.
    pub mission_item: Option<u16>,
    /// Link state: connected, degraded or lost.
    pub link: &'static str,
    /// Messages per second.
    pub msg_rate_hz: f32,
    /// Packet loss percent.
    pub loss_pct: f32,
    /// Seconds since the last heartbeat.
    pub heartbeat_age_s: Option<f64>,
    /// Links this aircraft is heard on.
    pub links: Vec<u32>,
}

impl AircraftRow {
    /// Flattens an aircraft as of `now`.
    pub fn from_aircraft(a: &Aircraft, now: Instant) -> Self {
        let best = a.best_link(now);
        Self {
            sysid: a.sysid,
            mode: a.mode_name(),
            armed: a.armed,
            lat: a.position.map(|p| p.lat),
            lon: a.position.map(|p| p.lon),
            rel_alt_m: a.alt_rel_m,
            alt_amsl_m: a.alt_amsl_m,
            agl_m: None,
            heading_deg: a.heading_deg,
            ground_speed_ms: a.ground_speed_ms,
            battery_pct: a.battery.percent,
            battery_v: a.battery.voltage_v,
            battery_min_left: a.battery.minutes_left,
            gps_fix: a.gps.fix_type,
            gps_fix_name: fix_name(a.gps.fix_type),
            satellites: a.gps.satellites,
            home_lat: a.home.map(|h| h.position.lat),
            home_lon: a.home.map(|h| h.position.lon),
            mission_item: a.mission_current,
            link: a.link_state(now).as_str(),
            msg_rate_hz: best.map(|b| b.msg_rate_hz).unwrap_or(0.0),
            loss_pct: best.map(|b| b.loss * 100.0).unwrap_or(0.0),
            heartbeat_age_s: a.heartbeat_age(now).map(|d| d.as_secs_f64()),
            links: a.links.iter().map(|l| l.link.0).collect(),
        }
    }
}

/// GPS_FIX_TYPE as a pilot reads it (MAVLink common.xml names; 0 and 1 are both "no fix").
pub fn fix_name(fix_type: u8) -> &'static str {
    match fix_type {
        0 | 1 => "no fix",
        2 => "2D",
        3 => "3D",
        4 => "DGPS",
        5 => "RTK float",
        6 => "RTK fixed",
        7 => "static",
        8 => "PPP",
        _ => "unknown",
    }
}

/// Rows for every aircraft in a snapshot.
pub fn rows(snap: &FleetSnapshot) -> Vec<AircraftRow> {
    rows_over(snap, None)
}

/// Rows for every aircraft, with the height above the ground where `terrain` knows it.
pub fn rows_over(snap: &FleetSnapshot, terrain: Option<&dyn Terrain>) -> Vec<AircraftRow> {
    snap.aircraft
        .iter()
        .map(|a| {
            let mut row = AircraftRow::from_aircraft(a, snap.taken_at);
            row.agl_m = terrain.and_then(|t| {
                let p = a.position?;
                let ground = t.height_amsl(p.lat, p.lon).ok()?;
                Some(a.alt_amsl_m - ground as f32)
            });
            row
        })
        .collect()
}

fn opt(v: Option<f32>, digits: usize) -> String {
    v.map(|x| format!("{x:.digits$}"))
        .unwrap_or_else(|| "-".into())
}

/// The aircraft table as text.
pub fn table(snap: &FleetSnapshot) -> String {
    table_over(snap, None)
}

/// The aircraft table with the height above the ground (AGL) where `terrain` knows it.
pub fn table_over(snap: &FleetSnapshot, terrain: Option<&dyn Terrain>) -> String {
    let mut out = format!(
        "{:>5}  {:<10} {:<6} {:>11} {:>11} {:>7} {:>6} {:>5} {:>6} {:>12} {:<23} {:<9} {:>5}\n",
        "SYSID",
        "MODE",
        "ARMED",
        "LAT",
        "LON",
        "REL_ALT",
        "AGL",
        "BATT%",
        "MIN",
        "GPS",
        "HOME",
        "LINK",
        "LOSS%"
    );
    for r in rows_over(snap, terrain) {
        out.push_str(&format!(
            "{:>5}  {:<10} {:<6} {:>11} {:>11} {:>7.1} {:>6} {:>5} {:>6} {:>12} {:<23} {:<9} {:>5.1}\n",
            r.sysid,
            r.mode,
            if r.armed { "yes" } else { "no" },
            r.lat
                .map(|v| format!("{v:.6}"))
                .unwrap_or_else(|| "-".into()),
            r.lon
                .map(|v| format!("{v:.6}"))
                .unwrap_or_else(|| "-".into()),
            r.rel_alt_m,
            opt(r.agl_m, 1),
            opt(r.battery_pct, 0),
            opt(r.battery_min_left, 1),
            format!("{}/{}", r.gps_fix_name, r.satellites),
            match (r.home_lat, r.home_lon) {
                (Some(la), Some(lo)) => format!("{la:.6},{lo:.6}"),
                _ => "-".into(),
            },
            r.link,
            r.loss_pct,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fix_name;

    #[test]
    fn rtk_fixes_are_named_not_folded_into_3d() {
        assert_eq!(fix_name(1), "no fix");
        assert_eq!(fix_name(3), "3D");
        assert_eq!(fix_name(4), "DGPS");
        assert_eq!(fix_name(5), "RTK float");
        assert_eq!(fix_name(6), "RTK fixed");
        assert_eq!(fix_name(7), "static");
        assert_eq!(fix_name(8), "PPP");
    }
}
