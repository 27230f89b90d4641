//! Manned traffic in the window: conflict and collision alerts in the pilot's language.

mod strings;

use crate::i18n::Tr;
use kestrel_core::traffic::{CollisionReport, Conflict, ConflictLevel, SuggestedAction};
use strings::S;

/// A traffic conflict alert in the pilot's language.
pub fn conflict_text(tr: Tr, c: &Conflict) -> String {
    let level = match c.level {
        ConflictLevel::Advisory => tr.s(S::ConflictAdvisory),
        ConflictLevel::Warning => tr.s(S::ConflictWarning),
    };
    let action = match c.action {
        SuggestedAction::Monitor => tr.s(S::ActionMonitor),
        SuggestedAction::Descend => tr.s(S::ActionDescend),
        SuggestedAction::Climb => tr.s(S::ActionClimb),
    };
    let side = if c.now.vertical_m >= 0.0 {
        tr.s(S::Above)
    } else {
        tr.s(S::Below)
    };
    let f0 = |v: f64| format!("{v:.0}");
    tr.f(
        S::ConflictFmt,
        &[
            &level,
            &c.label(),
            &f0(c.now.horizontal_m),
            &f0(c.bearing_deg),
            &f0(c.now.vertical_m.abs()),
            &side,
            &f0(c.cpa.horizontal_m),
            &f0(c.cpa_in_s),
            &action,
        ],
    )
}

/// A collision threat the aircraft reported, in the pilot's language.
pub fn collision_text(tr: Tr, r: &CollisionReport) -> String {
    let level = if r.threat_level >= 2 {
        tr.s(S::CollisionHigh)
    } else {
        tr.s(S::CollisionLow)
    };
    tr.f(
        S::CollisionFmt,
        &[
            &level,
            &format!("{:06X}", r.id),
            &format!("{:.0}", r.horizontal_minimum_m),
            &format!("{:.0}", r.altitude_minimum_m),
            &format!("{:.0}", r.time_to_minimum_s),
            &r.action,
        ],
    )
}
