//! Colours with a meaning: one per patrol team, one per alert severity and link state, so that a
//! glance at the map or the fleet table tells who is who and what is wrong.

use eframe::egui::Color32;

use kestrel_core::alerts::{BatteryLevel, Severity};
use kestrel_core::fleet::LinkState;

/// Team colours, distinct on the map and in the table; team N gets colour (N-1) mod 8.
const TEAM_COLOURS: [Color32; 8] = [
    Color32::from_rgb(0x1f, 0x77, 0xb4), // blue
    Color32::from_rgb(0xe6, 0x7e, 0x22), // orange
    Color32::from_rgb(0x2c, 0xa0, 0x2c), // green
    Color32::from_rgb(0x94, 0x67, 0xbd), // purple
    Color32::from_rgb(0x17, 0xbe, 0xcf), // cyan
    Color32::from_rgb(0xe3, 0x77, 0xc2), // pink
    Color32::from_rgb(0x8c, 0x56, 0x4b), // brown
    Color32::from_rgb(0xbc, 0xbd, 0x22), // olive
];

/// The colour of the team flying aircraft `sysid`.
pub fn team_colour(sysid: u8) -> Color32 {
    TEAM_COLOURS[(sysid.wrapping_sub(1) as usize) % TEAM_COLOURS.len()]
}

/// Critical: red; warning: amber; info: blue.
pub fn severity_colour(s: Severity) -> Color32 {
    match s {
        Severity::Critical => Color32::from_rgb(0xd3, 0x2f, 0x2f),
        Severity::Warning => Color32::from_rgb(0xf5, 0x9e, 0x0b),
        Severity::Info => Color32::from_rgb(0x3b, 0x82, 0xf6),
    }
}

/// Connected: green; degraded: amber; lost: red.
pub fn link_colour(s: LinkState) -> Color32 {
    match s {
        LinkState::Connected => Color32::from_rgb(0x22, 0xa5, 0x4a),
        LinkState::Degraded => Color32::from_rgb(0xf5, 0x9e, 0x0b),
        LinkState::Lost => Color32::from_rgb(0xd3, 0x2f, 0x2f),
    }
}

/// Battery colour by its level against the alert thresholds
/// ([`kestrel_core::alerts::AlertThresholds::battery_level`]): red, amber or green.
pub fn battery_colour(level: BatteryLevel) -> Color32 {
    match level {
        BatteryLevel::Critical => severity_colour(Severity::Critical),
        BatteryLevel::Low => severity_colour(Severity::Warning),
        BatteryLevel::Ok => link_colour(LinkState::Connected),
    }
}

/// Good (accepted) and bad (denied, timed out) command results.
pub const GOOD: Color32 = Color32::from_rgb(0x22, 0xa5, 0x4a);
/// See [`GOOD`].
pub const BAD: Color32 = Color32::from_rgb(0xd3, 0x2f, 0x2f);
/// Waiting for someone (a new task to answer).
pub const WARN: Color32 = Color32::from_rgb(0xd9, 0x77, 0x06);
