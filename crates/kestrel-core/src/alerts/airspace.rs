//! Alerts about the airspace: conflicts with manned traffic (one alert per pair of our aircraft
//! and a target, escalated from advisory to warning, its figures kept current while it lasts,
//! cleared once the pair has been clear for a moment) and the threats an aircraft reports itself
//! (COLLISION).

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use super::{AlertEngine, AlertEvent, AlertKind, Severity};
use crate::traffic::{CollisionReport, Conflict, ConflictLevel};

/// A pair must be clear this long before its alert is cleared (targets report about once a
/// second; a box edge must not make the alert flicker).
const CLEAR_AFTER: Duration = Duration::from_secs(3);
/// Figures of an open alert are refreshed when they moved by this much, metres.
const REFRESH_M: f64 = 10.0;

#[derive(Debug, Clone, Copy)]
struct Open {
    id: u64,
    level: u8,
    last_seen: SystemTime,
}

/// What the engine remembers of airspace alerts between updates.
#[derive(Debug, Default)]
pub(super) struct AirspaceWatch {
    traffic: HashMap<(u8, u32), Open>,
    collisions: HashMap<(u8, u32), Open>,
}

fn severity_of(level: ConflictLevel) -> Severity {
    match level {
        ConflictLevel::Advisory => Severity::Warning,
        ConflictLevel::Warning => Severity::Critical,
    }
}

/// A conflict in one English sentence.
pub(super) fn conflict_text(c: &Conflict) -> String {
    let v = c.now.vertical_m;
    let above = if v >= 0.0 { "above" } else { "below" };
    format!(
        "traffic {}: {} ({}) {:.0} m away at {:.0}°, {:.0} m {above}; closest {:.0} m in {:.0} s — {}",
        c.level.as_str(),
        c.label(),
        crate::traffic::target::icao_hex(c.icao),
        c.now.horizontal_m,
        c.bearing_deg,
        v.abs(),
        c.cpa.horizontal_m,
        c.cpa_in_s,
        c.action.as_str()
    )
}

/// A COLLISION report in one English sentence.
pub(super) fn collision_text(r: &CollisionReport) -> String {
    let level = if r.threat_level >= 2 { "high" } else { "low" };
    format!(
        "aircraft reports a {level} collision threat from {}: {:.0} m horizontal, {:.0} m vertical in {:.0} s; its action: {}",
        crate::traffic::target::icao_hex(r.id),
        r.horizontal_minimum_m,
        r.altitude_minimum_m,
        r.time_to_minimum_s,
        r.action
    )
}

impl AlertEngine {
    /// Raises, updates and clears traffic and collision alerts from the current conflicts and
    /// the aircraft's current COLLISION reports (both from `crate::traffic`).
    pub fn update_traffic(
        &mut self,
        conflicts: &[Conflict],
        collisions: &[CollisionReport],
        wall: SystemTime,
    ) -> Vec<AlertEvent> {
        let mut events = Vec::new();
        let mut watch = std::mem::take(&mut self.airspace);
        for c in conflicts {
            let key = (c.sysid, c.icao);
            let level = c.level as u8;
            let kind = AlertKind::Traffic {
                conflict: c.clone(),
            };
            match watch.traffic.get_mut(&key) {
                Some(open) if level <= open.level => {
                    open.last_seen = wall;
                    let id = open.id;
                    if let Some(a) = self.alerts.iter_mut().find(|a| a.id == id) {
                        if let AlertKind::Traffic { conflict: old } = &a.kind {
                            let moved = (old.now.horizontal_m - c.now.horizontal_m).abs()
                                + (old.now.vertical_m - c.now.vertical_m).abs()
                                + (old.cpa.horizontal_m - c.cpa.horizontal_m).abs();
                            if moved >= REFRESH_M {
                                a.kind = AlertKind::Traffic {
                                    conflict: Conflict {
                                        level: old.level,
                                        action: old.action,
                                        ..c.clone()
                                    },
                                };
                                self.revision += 1;
                            }
                        }
                    }
                }
                Some(open) => {
                    // Escalated: the warning replaces the advisory.
                    let old = open.id;
                    self.clear(old, wall, &mut events);
                    let id = self.raise(c.sysid, severity_of(c.level), kind, wall, &mut events);
                    *open = Open {
                        id,
                        level,
                        last_seen: wall,
                    };
                }
                None => {
                    let id = self.raise(c.sysid, severity_of(c.level), kind, wall, &mut events);
                    watch.traffic.insert(
                        key,
                        Open {
                            id,
                            level,
                            last_seen: wall,
                        },
                    );
                }
            }
        }
        for r in collisions {
            let key = (r.sysid, r.id);
            match watch.collisions.get_mut(&key) {
                Some(open) if r.threat_level <= open.level => open.last_seen = wall,
                other => {
                    if let Some(open) = other {
                        let old = open.id;
                        self.clear(old, wall, &mut events);
                    }
                    let severity = if r.threat_level >= 2 {
                        Severity::Critical
                    } else {
                        Severity::Warning
                    };
                    let kind = AlertKind::Collision { report: r.clone() };
                    let id = self.raise(r.sysid, severity, kind, wall, &mut events);
                    watch.collisions.insert(
                        key,
                        Open {
                            id,
                            level: r.threat_level,
                            last_seen: wall,
                        },
                    );
                }
            }
        }
        for map in [&mut watch.traffic, &mut watch.collisions] {
            let gone: Vec<(u8, u32)> = map
                .iter()
                .filter(|(_, o)| {
                    wall.duration_since(o.last_seen).unwrap_or_default() >= CLEAR_AFTER
                })
                .map(|(k, _)| *k)
                .collect();
            for k in gone {
                if let Some(o) = map.remove(&k) {
                    self.clear(o.id, wall, &mut events);
                }
            }
        }
        self.airspace = watch;
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::conflict::{Separation, SuggestedAction};

    fn conflict(level: ConflictLevel, h: f64) -> Conflict {
        Conflict {
            sysid: 1,
            icao: 0x7C1A2B,
            callsign: Some("HELI1".into()),
            level,
            now: Separation {
                horizontal_m: h,
                vertical_m: 40.0,
            },
            cpa: Separation {
                horizontal_m: 5.0,
                vertical_m: 40.0,
            },
            cpa_in_s: 12.0,
            bearing_deg: 270.0,
            action: SuggestedAction::Descend,
        }
    }

    #[test]
    fn a_conflict_is_raised_escalated_followed_and_cleared() {
        let mut e = AlertEngine::default();
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let ev = e.update_traffic(&[conflict(ConflictLevel::Advisory, 280.0)], &[], t0);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].alert().severity, Severity::Warning);
        assert!(ev[0]
            .alert()
            .text()
            .starts_with("traffic advisory: HELI1 (7C1A2B) 280 m away"));
        // Still an advisory: no new alert.
        let t1 = t0 + Duration::from_secs(1);
        assert!(e
            .update_traffic(&[conflict(ConflictLevel::Advisory, 250.0)], &[], t1)
            .is_empty());
        // Escalates: the advisory is cleared and a critical warning raised.
        let ev = e.update_traffic(&[conflict(ConflictLevel::Warning, 90.0)], &[], t1);
        assert!(matches!(&ev[0], AlertEvent::Cleared(a) if a.severity == Severity::Warning));
        assert!(matches!(&ev[1], AlertEvent::Raised(a) if a.severity == Severity::Critical));
        assert!(
            ev[1].alert().text().ends_with("— descend now"),
            "{}",
            ev[1].alert().text()
        );
        // Figures follow the conflict in the open alert.
        e.update_traffic(&[conflict(ConflictLevel::Warning, 40.0)], &[], t1);
        let open = e.alerts().iter().find(|a| a.is_active()).unwrap();
        assert!(open.text().contains("40 m away"), "{}", open.text());
        // Clear for a moment: the alert is cleared.
        assert!(e
            .update_traffic(&[], &[], t1 + Duration::from_secs(1))
            .is_empty());
        let ev = e.update_traffic(&[], &[], t1 + Duration::from_secs(4));
        assert!(matches!(&ev[..], [AlertEvent::Cleared(_)]));
        assert!(e.alerts().iter().all(|a| !a.is_active()));
    }

    #[test]
    fn a_reported_collision_threat_is_an_alert() {
        let mut e = AlertEngine::default();
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let r = CollisionReport {
            sysid: 2,
            id: 0xABCDEF,
            threat_level: 2,
            action: "rtl".into(),
            time_to_minimum_s: 8.0,
            altitude_minimum_m: 20.0,
            horizontal_minimum_m: 60.0,
        };
        let ev = e.update_traffic(&[], std::slice::from_ref(&r), t0);
        assert_eq!(ev[0].alert().severity, Severity::Critical);
        assert_eq!(ev[0].alert().sysid, 2);
        assert!(ev[0]
            .alert()
            .text()
            .contains("high collision threat from ABCDEF"));
        assert!(e.update_traffic(&[], &[r], t0).is_empty());
    }
}
