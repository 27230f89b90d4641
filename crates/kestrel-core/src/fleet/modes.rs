//! ArduCopter flight modes: the numbers the autopilot puts in HEARTBEAT.custom_mode and the names
//! pilots use. Other autopilots fall back to `MODE(n)`.

/// ArduCopter custom mode numbers and their names.
pub const COPTER_MODES: &[(u32, &str)] = &[
    (0, "STABILIZE"),
    (1, "ACRO"),
    (2, "ALT_HOLD"),
    (3, "AUTO"),
    (4, "GUIDED"),
    (5, "LOITER"),
    (6, "RTL"),
    (7, "CIRCLE"),
    (9, "LAND"),
    (11, "DRIFT"),
    (13, "SPORT"),
    (14, "FLIP"),
    (15, "AUTOTUNE"),
    (16, "POSHOLD"),
    (17, "BRAKE"),
    (18, "THROW"),
    (19, "AVOID_ADSB"),
    (20, "GUIDED_NOGPS"),
    (21, "SMART_RTL"),
    (22, "FLOWHOLD"),
    (23, "FOLLOW"),
    (24, "ZIGZAG"),
    (25, "SYSTEMID"),
    (26, "AUTOROTATE"),
    (27, "AUTO_RTL"),
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
    }
}
