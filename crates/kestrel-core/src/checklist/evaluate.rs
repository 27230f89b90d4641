//! Judging each checklist item against what the aircraft reports: a pure function of the
//! aircraft's state, its signing state, the manned traffic around and the ticks made.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mavlink::dialects::ardupilotmega::MavSysStatusSensor;

use super::items::{items_for, AircraftKind, ItemId};
use super::reading::{FenceReading, Reading};
use super::ChecklistSettings;
use crate::fleet::{Aircraft, LinkState};
use crate::plan::geo::haversine_m;
use crate::security::SigningState;
use crate::traffic::Target;

/// A manual item ticked by a member of the crew.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Tick {
    /// Who ticked it.
    pub by: String,
    /// When (Unix seconds).
    pub at_unix: f64,
}

/// What the checklist is judged on.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    /// The aircraft.
    pub aircraft: &'a Aircraft,
    /// Its signing state as this station sees it; `None` when not known.
    pub signing: Option<SigningState>,
    /// Manned traffic with a position.
    pub traffic: &'a [Target],
    /// Now.
    pub now: Instant,
}

/// Where one item stands.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ItemState {
    /// Checked from telemetry and good; `measured` is what was read (e.g. 96 %).
    Passed {
        /// What telemetry said.
        measured: Reading,
    },
    /// Checked from telemetry and not good.
    Failed {
        /// What telemetry said.
        measured: Reading,
        /// What is wrong and what to do, in words.
        reason: String,
    },
    /// Not decided yet: a manual item nobody ticked, or telemetry that has not arrived.
    Waiting {
        /// What it waits for.
        reason: String,
    },
    /// A manual item ticked by a member of the crew.
    Ticked(Tick),
    /// The autopilot does not report this (e.g. no pre-arm bit): nothing to hold arming on.
    NotReported,
}

impl ItemState {
    /// Whether the item lets the aircraft arm.
    pub fn is_done(&self) -> bool {
        matches!(
            self,
            ItemState::Passed { .. } | ItemState::Ticked(_) | ItemState::NotReported
        )
    }
}

/// One item as judged.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ItemResult {
    /// The item.
    pub item: ItemId,
    /// Where it stands.
    #[serde(flatten)]
    pub state: ItemState,
}

impl ItemResult {
    /// The item and its state in a few words ("gps: 3D fix, 10 satellites" …).
    pub fn describe(&self) -> String {
        match &self.state {
            ItemState::Passed { measured } => format!("{}: {measured}", self.item),
            ItemState::Failed { reason, .. } => format!("{}: {reason}", self.item),
            ItemState::Waiting { reason } => format!("{}: {reason}", self.item),
            ItemState::Ticked(t) => format!("{}: ticked by {}", self.item, t.by),
            ItemState::NotReported => format!("{}: not reported by the autopilot", self.item),
        }
    }
}

/// The checklist of one aircraft as judged at one instant.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChecklistReport {
    /// The aircraft.
    pub sysid: u8,
    /// Its kind (which checklist it has).
    pub kind: AircraftKind,
    /// Each item, in order.
    pub items: Vec<ItemResult>,
}

impl ChecklistReport {
    /// Every item is done.
    pub fn complete(&self) -> bool {
        self.items.iter().all(|i| i.state.is_done())
    }

    /// Items done, and items in all.
    pub fn progress(&self) -> (usize, usize) {
        let done = self.items.iter().filter(|i| i.state.is_done()).count();
        (done, self.items.len())
    }

    /// The item's result, if the checklist has it.
    pub fn item(&self, item: ItemId) -> Option<&ItemResult> {
        self.items.iter().find(|i| i.item == item)
    }

    /// Why arming is refused while the checklist is not complete; `None` when it is.
    pub fn refusal(&self) -> Option<String> {
        let open: Vec<String> = self
            .items
            .iter()
            .filter(|i| !i.state.is_done())
            .map(ItemResult::describe)
            .collect();
        (!open.is_empty()).then(|| {
            format!(
                "the pre-flight checklist is not complete ({} of {} open): {}",
                open.len(),
                self.items.len(),
                open.join("; ")
            )
        })
    }

    /// Every item in one line, for the audit trail and the sortie.
    pub fn summary(&self) -> String {
        let items: Vec<String> = self
            .items
            .iter()
            .map(|i| {
                let mark = if i.state.is_done() { "ok" } else { "OPEN" };
                format!("[{mark}] {}", i.describe())
            })
            .collect();
        items.join("; ")
    }
}

/// How long since the last SYS_STATUS before its bits no longer count (ArduPilot sends it at
/// 1-2 Hz).
const LINK_FRESH: Duration = Duration::from_secs(3);

/// Judges the checklist of `obs.aircraft` with the ticks made for it.
pub fn evaluate(
    settings: &ChecklistSettings,
    obs: &Observation<'_>,
    ticks: &BTreeMap<ItemId, Tick>,
) -> ChecklistReport {
    let a = obs.aircraft;
    let kind = AircraftKind::from_mav_type(a.vehicle_type);
    let items = items_for(kind, &settings.omit)
        .into_iter()
        .map(|item| ItemResult {
            item,
            state: if item.is_manual() {
                match ticks.get(&item) {
                    Some(t) => ItemState::Ticked(t.clone()),
                    None => ItemState::Waiting {
                        reason: "not ticked yet".into(),
                    },
                }
            } else {
                judge(item, settings, obs)
            },
        })
        .collect();
    ChecklistReport {
        sysid: a.sysid,
        kind,
        items,
    }
}

fn waiting(reason: &str) -> ItemState {
    ItemState::Waiting {
        reason: reason.into(),
    }
}

fn judged(ok: bool, measured: Reading, reason: impl FnOnce(&Reading) -> String) -> ItemState {
    if ok {
        ItemState::Passed { measured }
    } else {
        ItemState::Failed {
            reason: reason(&measured),
            measured,
        }
    }
}

fn judge(item: ItemId, s: &ChecklistSettings, obs: &Observation<'_>) -> ItemState {
    let a = obs.aircraft;
    match item {
        ItemId::Battery => match a.battery.percent {
            None => waiting("no battery charge reported yet"),
            Some(p) => judged(p >= s.battery_min_pct, Reading::Charge(p), |m| {
                format!(
                    "{m}, {:.0} % needed: fit a charged battery",
                    s.battery_min_pct
                )
            }),
        },
        ItemId::Gps => {
            let g = &a.gps;
            let measured = Reading::Gnss {
                fix_type: g.fix_type,
                satellites: g.satellites,
                hdop: g.hdop,
            };
            let ok = g.fix_type >= 3
                && g.satellites >= s.gps_min_satellites
                && g.hdop.is_none_or(|h| h <= s.gps_max_hdop);
            judged(ok, measured, |m| {
                format!(
                    "{m}: a 3D fix with {} satellites and HDOP {:.1} or less is needed",
                    s.gps_min_satellites, s.gps_max_hdop
                )
            })
        }
        ItemId::Link => match a.best_link(obs.now) {
            None => waiting("not heard on any link"),
            Some(l) => {
                let state = l.state(obs.now);
                let ok = state == LinkState::Connected && l.loss <= s.link_max_loss;
                judged(
                    ok,
                    Reading::Link {
                        state,
                        loss: l.loss,
                    },
                    |m| {
                        format!(
                            "{m}: the link must be connected with {:.0} % loss or less",
                            s.link_max_loss * 100.0
                        )
                    },
                )
            }
        },
        ItemId::Signing => match obs.signing {
            None => waiting("signing state not known yet"),
            Some(state) => {
                judged(
                    state == SigningState::On,
                    Reading::Signing(state),
                    |_| match state {
                        SigningState::Unconfirmed => {
                            "a key is stored but no signed frame from the aircraft checked out yet"
                                .into()
                        }
                        SigningState::SignedWithoutKey => {
                            "the aircraft signs with a key this station does not hold".into()
                        }
                        _ => {
                            "the aircraft does not sign: set up signing, or leave this item out of \
                          the unit's checklist"
                                .into()
                        }
                    },
                )
            }
        },
        ItemId::Geofence => match fresh_sensors(a, obs.now) {
            None => waiting("no SYS_STATUS from the autopilot yet"),
            Some(st) => {
                let bit = MavSysStatusSensor::MAV_SYS_STATUS_GEOFENCE.bits();
                let fence = if !st.is_enabled(bit) {
                    FenceReading::Off
                } else if !st.is_healthy(bit) {
                    FenceReading::Breached
                } else {
                    FenceReading::On
                };
                judged(fence == FenceReading::On, Reading::Fence(fence), |_| {
                    if fence == FenceReading::Off {
                        "no geofence is switched on in the aircraft (ArduPilot: FENCE_ENABLE 1, \
                         and upload the key area's fence)"
                            .into()
                    } else {
                        "the aircraft is outside its geofence".into()
                    }
                })
            }
        },
        ItemId::Prearm => match fresh_sensors(a, obs.now) {
            None => waiting("no SYS_STATUS from the autopilot yet"),
            Some(st) => {
                let bit = MavSysStatusSensor::MAV_SYS_STATUS_PREARM_CHECK.bits();
                if st.present & bit == 0 {
                    return ItemState::NotReported;
                }
                judged(
                    st.is_healthy(bit),
                    Reading::Prearm(st.is_healthy(bit)),
                    |_| {
                        let said = a
                            .status_texts
                            .iter()
                            .rev()
                            .find(|t| t.text.starts_with("PreArm"))
                            .map(|t| format!(" (\"{}\")", t.text))
                            .unwrap_or_default();
                        format!("the autopilot's own pre-arm checks fail{said}")
                    },
                )
            }
        },
        ItemId::Traffic => match a.position {
            None => waiting("no position yet"),
            Some(here) => {
                let nearest = obs
                    .traffic
                    .iter()
                    .filter(|t| !t.on_ground && !t.stale)
                    .map(|t| (haversine_m(here, t.position_now()), t))
                    .min_by(|x, y| x.0.total_cmp(&y.0));
                let km = nearest.map(|(d, _)| d / 1000.0);
                let clear = nearest.is_none_or(|(d, _)| d > s.traffic_clear_m);
                judged(clear, Reading::Traffic(km), |_| match nearest {
                    Some((d, t)) => format!(
                        "manned aircraft {} is {:.1} km away (none within {:.1} km)",
                        t.label(),
                        d / 1000.0,
                        s.traffic_clear_m / 1000.0
                    ),
                    None => String::new(),
                })
            }
        },
        _ => waiting("not ticked yet"),
    }
}

/// The aircraft's subsystem bits, if a SYS_STATUS arrived and the aircraft is still heard.
fn fresh_sensors(a: &Aircraft, now: Instant) -> Option<crate::fleet::SensorState> {
    let heard = a
        .links
        .iter()
        .map(|l| l.last_heard)
        .max()
        .is_some_and(|t| now.saturating_duration_since(t) <= LINK_FRESH);
    a.sensors.filter(|_| heard)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::SensorState;
    use crate::geo::GeoPoint;
    use crate::link::LinkId;

    fn ready_aircraft(now: Instant) -> Aircraft {
        let mut a = Aircraft::new(1, 1, now);
        a.vehicle_type = 2;
        a.battery.percent = Some(96.0);
        a.gps.fix_type = 3;
        a.gps.satellites = 12;
        a.gps.hdop = Some(0.8);
        a.position = Some(GeoPoint {
            lat: 36.0,
            lon: 115.0,
        });
        let mut link = crate::fleet::LinkPresence::new(LinkId(0), now);
        link.last_heartbeat = Some(now);
        a.links.push(link);
        let fence = MavSysStatusSensor::MAV_SYS_STATUS_GEOFENCE.bits();
        let prearm = MavSysStatusSensor::MAV_SYS_STATUS_PREARM_CHECK.bits();
        a.sensors = Some(SensorState {
            present: fence | prearm,
            enabled: fence | prearm,
            health: fence | prearm,
        });
        a
    }

    fn report(a: &Aircraft, ticks: &BTreeMap<ItemId, Tick>, traffic: &[Target]) -> ChecklistReport {
        evaluate(
            &ChecklistSettings::default(),
            &Observation {
                aircraft: a,
                signing: Some(SigningState::On),
                traffic,
                now: Instant::now(),
            },
            ticks,
        )
    }

    fn all_ticked() -> BTreeMap<ItemId, Tick> {
        [ItemId::Airframe, ItemId::AreaClear, ItemId::CrewBriefed]
            .into_iter()
            .map(|i| {
                (
                    i,
                    Tick {
                        by: "wang".into(),
                        at_unix: 0.0,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn a_ready_aircraft_with_every_manual_item_ticked_is_complete() {
        let a = ready_aircraft(Instant::now());
        let r = report(&a, &all_ticked(), &[]);
        assert!(r.complete(), "{}", r.summary());
        assert_eq!(r.refusal(), None);
        assert_eq!(r.progress(), (10, 10));
    }

    #[test]
    fn what_is_open_is_named_with_its_figure_in_the_refusal() {
        let mut a = ready_aircraft(Instant::now());
        a.gps.satellites = 5;
        a.battery.percent = Some(41.0);
        let mut ticks = all_ticked();
        ticks.remove(&ItemId::CrewBriefed);
        let r = report(&a, &ticks, &[]);
        assert!(!r.complete());
        let why = r.refusal().unwrap();
        assert!(why.contains("3 of 10 open"), "{why}");
        assert!(why.contains("5 satellites"), "{why}");
        assert!(why.contains("41 %"), "{why}");
        assert!(why.contains("crew-briefed: not ticked yet"), "{why}");
    }

    #[test]
    fn a_fence_switched_off_or_breached_fails_and_a_missing_prearm_bit_does_not_hold_arming() {
        let mut a = ready_aircraft(Instant::now());
        a.sensors = Some(SensorState::default());
        let r = report(&a, &all_ticked(), &[]);
        assert!(matches!(
            r.item(ItemId::Geofence).unwrap().state,
            ItemState::Failed { .. }
        ));
        assert_eq!(
            r.item(ItemId::Prearm).unwrap().state,
            ItemState::NotReported
        );
        let fence = MavSysStatusSensor::MAV_SYS_STATUS_GEOFENCE.bits();
        a.sensors = Some(SensorState {
            present: fence,
            enabled: fence,
            health: 0,
        });
        let r = report(&a, &all_ticked(), &[]);
        assert!(r.refusal().unwrap().contains("outside its geofence"));
    }

    #[test]
    fn manned_traffic_near_the_aircraft_holds_the_checklist() {
        let a = ready_aircraft(Instant::now());
        let mut heli = crate::traffic::target::target_at(
            0x780A1B,
            GeoPoint {
                lat: 36.01,
                lon: 115.0,
            },
            300.0,
            0.0,
            0.0,
        );
        heli.callsign = Some("B7321".into());
        let r = report(&a, &all_ticked(), std::slice::from_ref(&heli));
        let why = r.refusal().unwrap();
        assert!(why.contains("B7321 is 1.1 km away"), "{why}");
        let far = crate::traffic::target::target_at(
            0x780A1C,
            GeoPoint {
                lat: 36.2,
                lon: 115.0,
            },
            300.0,
            0.0,
            0.0,
        );
        assert!(report(&a, &all_ticked(), &[far]).complete());
    }
}
