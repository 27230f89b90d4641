//! ArduCopter flight modes: the numbers the autopilot puts in HEARTBEAT.custom_mode and the names
//! pilots use, in one place for the fleet, the pilot actions, the alerts and the window. Other
//! autopilots fall back to `MODE(n)`.

/// Stabilize: the pilot flies, the autopilot levels.
pub const STABILIZE: u32 = 0;
/// Acro: rate control, no self-levelling.
pub const ACRO: u32 = 1;
/// Altitude hold: the pilot flies, the autopilot holds height.
pub const ALT_HOLD: u32 = 2;
/// Auto: fly the uploaded mission.
pub const AUTO: u32 = 3;
/// Guided: fly to points the ground station gives.
pub const GUIDED: u32 = 4;
/// Loiter: hold position.
pub const LOITER: u32 = 5;
/// Return to launch.
pub const RTL: u32 = 6;
/// Circle around a point.
pub const CIRCLE: u32 = 7;
/// Land where it is.
pub const LAND: u32 = 9;
/// Drift: like a plane, with automatic turn coordination.
pub const DRIFT: u32 = 11;
/// Sport: rate control with self-levelling.
pub const SPORT: u32 = 13;
/// Flip: one automatic flip.
pub const FLIP: u32 = 14;
/// Autotune: tunes its own control loops.
pub const AUTOTUNE: u32 = 15;
/// Position hold, with a direct feel on the sticks.
pub const POSHOLD: u32 = 16;
/// Brake: stop as fast as possible and hold.
pub const BRAKE: u32 = 17;
/// Throw: start the motors after a hand launch.
pub const THROW: u32 = 18;
/// Avoiding manned aircraft heard on ADS-B.
pub const AVOID_ADSB: u32 = 19;
/// Guided without GPS: attitude targets only.
pub const GUIDED_NOGPS: u32 = 20;
/// Smart RTL: return along the path flown.
pub const SMART_RTL: u32 = 21;
/// Position hold on optical flow, without GPS.
pub const FLOWHOLD: u32 = 22;
/// Follow another vehicle.
pub const FOLLOW: u32 = 23;
/// Zigzag: back and forth between two points.
pub const ZIGZAG: u32 = 24;
/// System identification (tuning).
pub const SYSTEMID: u32 = 25;
/// Autorotation (traditional helicopters).
pub const AUTOROTATE: u32 = 26;
/// Auto RTL: the return at the end of a mission (a DO_LAND_START sequence).
pub const AUTO_RTL: u32 = 27;

/// ArduCopter custom mode numbers and their names.
pub const COPTER_MODES: &[(u32, &str)] = &[
    (STABILIZE, "STABILIZE"),
    (ACRO, "ACRO"),
    (ALT_HOLD, "ALT_HOLD"),
    (AUTO, "AUTO"),
    (GUIDED, "GUIDED"),
    (LOITER, "LOITER"),
    (RTL, "RTL"),
    (CIRCLE, "CIRCLE"),
    (LAND, "LAND"),
    (DRIFT, "DRIFT"),
    (SPORT, "SPORT"),
    (FLIP, "FLIP"),
    (AUTOTUNE, "AUTOTUNE"),
    (POSHOLD, "POSHOLD"),
    (BRAKE, "BRAKE"),
    (THROW, "THROW"),
    (AVOID_ADSB, "AVOID_ADSB"),
    (GUIDED_NOGPS, "GUIDED_NOGPS"),
    (SMART_RTL, "SMART_RTL"),
    (FLOWHOLD, "FLOWHOLD"),
    (FOLLOW, "FOLLOW"),
    (ZIGZAG, "ZIGZAG"),
    (SYSTEMID, "SYSTEMID"),
    (AUTOROTATE, "AUTOROTATE"),
    (AUTO_RTL, "AUTO_RTL"),
];

/// Name of an ArduCopter mode number, `MODE(n)` when unknown.
pub fn copter_mode_name(custom_mode: u32) -> String {
    COPTER_MODES
        .iter()
        .find(|(n, _)| *n == custom_mode)
        .map(|(_, name)| (*name).to_string())
        .unwrap_or_else(|| format!("MODE({custom_mode})"))
}

/// Number of an ArduCopter mode by name (case-insensitive), for `kestrel command mode NAME`.
pub fn copter_mode_number(name: &str) -> Option<u32> {
    let upper = name.trim().to_ascii_uppercase().replace('-', "_");
    COPTER_MODES
        .iter()
        .find(|(_, n)| *n == upper)
        .map(|(num, _)| *num)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_agree() {
        assert_eq!(copter_mode_name(6), "RTL");
        assert_eq!(copter_mode_number("guided"), Some(4));
        assert_eq!(copter_mode_number("alt-hold"), Some(2));
        assert_eq!(copter_mode_number("nope"), None);
        assert_eq!(copter_mode_name(99), "MODE(99)");
        assert_eq!(copter_mode_name(SMART_RTL), "SMART_RTL");
        assert_eq!(copter_mode_number("land"), Some(LAND));
    }
}
