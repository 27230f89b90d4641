//! Alerts: what the pilot must not miss, derived from successive fleet snapshots — a link that
//! degrades or is lost, a low battery, a failsafe (a mode change to RTL or LAND that nobody here
//! commanded, or the autopilot reporting itself critical), a geofence breach, and the autopilot's
//! own warnings and errors (STATUSTEXT). Each alert has a time, an aircraft, a severity and a text;
//! the operator acknowledges it; all of them stay in a time-stamped log ([`log`]).
//!
//! No I/O here: the console bridge (or `kestrel alerts`) feeds snapshots in and writes the log.

mod airspace;
pub mod log;

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use crate::fleet::modes::{self, copter_mode_name};
use crate::fleet::{Aircraft, FleetSnapshot, LinkState};

/// How urgent an alert is. Ordered: `Critical` is the most urgent.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; nothing to do.
    Info,
    /// Needs attention soon.
    Warning,
    /// Needs attention now.
    Critical,
}

impl Severity {
    /// The name used in logs and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// What an alert is about. The console translates these; [`Alert::text`] gives English.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum AlertKind {
    /// Heartbeats late or heavy packet loss on every link to the aircraft.
    LinkDegraded,
    /// Nothing heard from the aircraft for several seconds.
    LinkLost,
    /// Battery at or below the low threshold.
    LowBattery {
        /// Charge left, in percent.
        percent: f32,
    },
    /// Battery at or below the critical threshold.
    CriticalBattery {
        /// Charge left, in percent.
        percent: f32,
    },
    /// The aircraft switched to a return or landing mode that the station did not command.
    Failsafe {
        /// The mode the aircraft switched to (e.g. RTL, LAND).
        mode: String,
    },
    /// The autopilot reports MAV_STATE critical or emergency.
    SystemCritical,
    /// The autopilot reported a geofence breach.
    Geofence {
        /// The autopilot's own words about the breach.
        text: String,
    },
    /// A warning or error message from the autopilot.
    StatusText {
        /// MAV_SEVERITY (0 emergency … 4 warning).
        severity: u8,
        /// The message as the autopilot sent it.
        text: String,
    },
    /// Frames from (or addressed to) a signing aircraft were refused: someone without its key is
    /// sending as it or trying to command it. One alert per episode; `count` grows with it.
    FramesRefused {
        /// Unsigned, wrongly signed or replayed.
        refusal: Refusal,
        /// Frames refused so far in this episode.
        count: u64,
    },
    /// Two different autopilots use the same system id on different links.
    SysidConflict {
        /// Which links and what differs, as the fleet state reported it.
        text: String,
    },
    /// Manned traffic inside this aircraft's advisory or warning box, now or at the closest
    /// approach within the look-ahead; the figures follow the conflict while it lasts.
    Traffic {
        /// The conflict as last evaluated.
        conflict: crate::traffic::Conflict,
    },
    /// The aircraft itself reports a collision threat (COLLISION from its avoidance).
    Collision {
        /// The aircraft's report.
        report: crate::traffic::CollisionReport,
    },
}

/// Why frames were refused, for [`AlertKind::FramesRefused`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Not signed.
    Unsigned,
    /// Signed with another key, or altered.
    BadSignature,
    /// Replayed or too old.
    Replayed,
}

impl Refusal {
    /// The refusal in English words ("unsigned", "wrongly signed", "replayed").
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Unsigned => "unsigned",
            Refusal::BadSignature => "wrongly signed",
            Refusal::Replayed => "replayed",
        }
    }
}

/// One alert about one aircraft.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Alert {
    /// Unique within a session; used to acknowledge it.
    pub id: u64,
    /// When it was raised (wall clock).
    #[serde(with = "crate::time::unix_time")]
    pub at: SystemTime,
    /// The aircraft it is about.
    pub sysid: u8,
    /// How urgent.
    pub severity: Severity,
    /// What happened.
    pub kind: AlertKind,
    /// When the operator acknowledged it.
    #[serde(with = "crate::time::unix_time::option", default)]
    pub acknowledged_at: Option<SystemTime>,
    /// When the condition went away (link back, battery swapped), if it did.
    #[serde(with = "crate::time::unix_time::option", default)]
    pub cleared_at: Option<SystemTime>,
}

impl Alert {
    /// The alert as one English sentence (for logs and the command line).
    pub fn text(&self) -> String {
        match &self.kind {
            AlertKind::LinkDegraded => "link degraded (late heartbeats or heavy loss)".into(),
            AlertKind::LinkLost => "link lost: nothing heard from the aircraft".into(),
            AlertKind::LowBattery { percent } => format!("low battery: {percent:.0}%"),
            AlertKind::CriticalBattery { percent } => {
                format!("critical battery: {percent:.0}%, land now")
            }
            AlertKind::Failsafe { mode } => {
                format!("failsafe: switched to {mode} without a command from this station")
            }
            AlertKind::SystemCritical => "autopilot reports a critical state".into(),
            AlertKind::Geofence { text } => format!("geofence: {text}"),
            AlertKind::StatusText { text, .. } => text.clone(),
            AlertKind::FramesRefused { refusal, count } => format!(
                "{count} {} frames refused — another station may be trying to command or spoof this aircraft",
                refusal.as_str()
            ),
            AlertKind::SysidConflict { text } => text.clone(),
            AlertKind::Traffic { conflict } => airspace::conflict_text(conflict),
            AlertKind::Collision { report } => airspace::collision_text(report),
        }
    }

    /// Whether the operator has acknowledged it.
    pub fn is_acknowledged(&self) -> bool {
        self.acknowledged_at.is_some()
    }

    /// Whether its condition still holds (a lost link not yet back).
    pub fn is_active(&self) -> bool {
        self.cleared_at.is_none()
    }

    /// Whether it still demands the operator's attention: not acknowledged yet.
    pub fn needs_attention(&self) -> bool {
        !self.is_acknowledged()
    }
}

/// Thresholds of the alert engine.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AlertThresholds {
    /// Battery percent at or below which a low-battery warning is raised.
    pub low_battery_pct: f32,
    /// Battery percent at or below which a critical-battery alert is raised.
    pub critical_battery_pct: f32,
}

/// Where a battery percentage stands against the alert thresholds: what the window colours a
/// battery by, so that it turns amber and red exactly where the alerts are raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatteryLevel {
    /// Above the low-battery threshold.
    Ok,
    /// At or below the low-battery threshold.
    Low,
    /// At or below the critical-battery threshold.
    Critical,
}

impl AlertThresholds {
    /// Classifies a battery percentage: critical at or below `critical_battery_pct`, low at or
    /// below `low_battery_pct`, otherwise ok.
    pub fn battery_level(&self, pct: f32) -> BatteryLevel {
        if pct <= self.critical_battery_pct {
            BatteryLevel::Critical
        } else if pct <= self.low_battery_pct {
            BatteryLevel::Low
        } else {
            BatteryLevel::Ok
        }
    }
}

impl Default for AlertThresholds {
    fn default() -> Self {
        Self {
            low_battery_pct: 30.0,
            critical_battery_pct: 15.0,
        }
    }
}

/// A mode change the station commanded is not a failsafe if it shows up within this long.
const COMMANDED_MODE_GRACE: Duration = Duration::from_secs(20);
/// The same STATUSTEXT from the same aircraft within this long is not raised again.
const STATUS_TEXT_REPEAT: Duration = Duration::from_secs(60);
/// A degraded link must be healthy this long before a new degraded alert may be raised.
const LINK_SETTLE: Duration = Duration::from_secs(5);
/// Battery must rise this far above a threshold before crossing it again raises a new alert.
const BATTERY_HYSTERESIS: f32 = 5.0;
/// How many alerts are kept in memory (the log file keeps them all).
pub const ALERTS_KEPT: usize = 2000;

/// Modes an autopilot switches to by itself in a failsafe.
const FAILSAFE_MODES: &[u32] = &[modes::RTL, modes::LAND, modes::SMART_RTL, modes::AUTO_RTL];

/// What the engine remembers of one aircraft between snapshots.
#[derive(Debug, Default)]
struct Watch {
    link_alert: Option<u64>,
    link_healthy_since: Option<Instant>,
    low_battery_alert: Option<u64>,
    critical_battery_alert: Option<u64>,
    critical_alert: Option<u64>,
    last_mode: Option<u32>,
    expected_mode: Option<(u32, Instant)>,
    last_text: Option<(SystemTime, String)>,
    recent_texts: Vec<(String, Instant)>,
    conflict_alert: Option<u64>,
}

/// A change the engine made, for the log and for the console to react to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum AlertEvent {
    /// A new alert.
    Raised(Alert),
    /// An alert's condition went away.
    Cleared(Alert),
    /// The operator acknowledged an alert.
    Acknowledged(Alert),
}

impl AlertEvent {
    /// The alert the event is about.
    pub fn alert(&self) -> &Alert {
        match self {
            AlertEvent::Raised(a) | AlertEvent::Cleared(a) | AlertEvent::Acknowledged(a) => a,
        }
    }
}

/// Turns successive fleet snapshots into alerts. Feed it every snapshot (a few per second).
#[derive(Debug)]
pub struct AlertEngine {
    refusals: HashMap<u8, RefusalWatch>,
    airspace: airspace::AirspaceWatch,
    thresholds: AlertThresholds,
    watches: HashMap<u8, Watch>,
    alerts: Vec<Alert>,
    next_id: u64,
    revision: u64,
}

impl Default for AlertEngine {
    fn default() -> Self {
        Self::new(AlertThresholds::default())
    }
}

impl AlertEngine {
    /// An engine with these thresholds and no alerts.
    pub fn new(thresholds: AlertThresholds) -> Self {
        Self {
            refusals: HashMap::new(),
            airspace: Default::default(),
            thresholds,
            watches: HashMap::new(),
            alerts: Vec::new(),
            next_id: 1,
            revision: 0,
        }
    }

    /// Changes the thresholds from now on.
    pub fn set_thresholds(&mut self, thresholds: AlertThresholds) {
        self.thresholds = thresholds;
    }

    /// Every alert of the session (up to [`ALERTS_KEPT`]), oldest first.
    pub fn alerts(&self) -> &[Alert] {
        &self.alerts
    }

    /// Changes whenever an alert is raised, cleared or acknowledged: cheap change detection.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Tells the engine that the station commanded `sysid` into `custom_mode`, so that the change
    /// is not taken for a failsafe.
    pub fn expect_mode(&mut self, sysid: u8, custom_mode: u32, now: Instant) {
        self.watches.entry(sysid).or_default().expected_mode = Some((custom_mode, now));
    }

    /// Acknowledges one alert; `None` if there is no such alert or it was acknowledged already.
    pub fn acknowledge(&mut self, id: u64, wall: SystemTime) -> Option<AlertEvent> {
        let a = self.alerts.iter_mut().find(|a| a.id == id)?;
        if a.acknowledged_at.is_some() {
            return None;
        }
        a.acknowledged_at = Some(wall);
        self.revision += 1;
        Some(AlertEvent::Acknowledged(a.clone()))
    }

    /// Acknowledges every alert not yet acknowledged.
    pub fn acknowledge_all(&mut self, wall: SystemTime) -> Vec<AlertEvent> {
        let ids: Vec<u64> = self
            .alerts
            .iter()
            .filter(|a| a.acknowledged_at.is_none())
            .map(|a| a.id)
            .collect();
        ids.into_iter()
            .filter_map(|id| self.acknowledge(id, wall))
            .collect()
    }

    /// Compares the snapshot with what was seen before and returns what changed.
    pub fn update(&mut self, snap: &FleetSnapshot, wall: SystemTime) -> Vec<AlertEvent> {
        let now = snap.taken_at;
        let mut events = Vec::new();
        for a in &snap.aircraft {
            let mut watch = self.watches.remove(&a.sysid).unwrap_or_default();
            self.check_link(a, now, wall, &mut watch, &mut events);
            self.check_battery(a, wall, &mut watch, &mut events);
            self.check_mode(a, now, wall, &mut watch, &mut events);
            self.check_status(a, wall, &mut watch, &mut events);
            self.check_texts(a, now, wall, &mut watch, &mut events);
            self.check_conflict(a, wall, &mut watch, &mut events);
            self.watches.insert(a.sysid, watch);
        }
        if self.alerts.len() > ALERTS_KEPT {
            // Drop the oldest alerts that no longer need anyone.
            let excess = self.alerts.len() - ALERTS_KEPT;
            let mut dropped = 0;
            self.alerts.retain(|a| {
                if dropped < excess && a.is_acknowledged() && !a.is_active() {
                    dropped += 1;
                    false
                } else {
                    true
                }
            });
        }
        events
    }

    fn raise(
        &mut self,
        sysid: u8,
        severity: Severity,
        kind: AlertKind,
        wall: SystemTime,
        events: &mut Vec<AlertEvent>,
    ) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let alert = Alert {
            id,
            at: wall,
            sysid,
            severity,
            kind,
            acknowledged_at: None,
            cleared_at: None,
        };
        events.push(AlertEvent::Raised(alert.clone()));
        self.alerts.push(alert);
        self.revision += 1;
        id
    }

    fn clear(&mut self, id: u64, wall: SystemTime, events: &mut Vec<AlertEvent>) {
        if let Some(a) = self.alerts.iter_mut().find(|a| a.id == id) {
            if a.cleared_at.is_none() {
                a.cleared_at = Some(wall);
                self.revision += 1;
                events.push(AlertEvent::Cleared(a.clone()));
            }
        }
    }

    fn alert_kind(&self, id: u64) -> Option<&AlertKind> {
        self.alerts.iter().find(|a| a.id == id).map(|a| &a.kind)
    }

    fn check_link(
        &mut self,
        a: &Aircraft,
        now: Instant,
        wall: SystemTime,
        w: &mut Watch,
        events: &mut Vec<AlertEvent>,
    ) {
        let state = a.link_state(now);
        match state {
            LinkState::Connected => {
                let since = *w.link_healthy_since.get_or_insert(now);
                if let Some(id) = w.link_alert {
                    // A lost link that is back is cleared at once; a degraded one once it settles.
                    let was_lost = matches!(self.alert_kind(id), Some(AlertKind::LinkLost));
                    if was_lost || now.saturating_duration_since(since) >= LINK_SETTLE {
                        self.clear(id, wall, events);
                        w.link_alert = None;
                    }
                }
            }
            LinkState::Degraded | LinkState::Lost => {
                w.link_healthy_since = None;
                let current = w.link_alert.and_then(|id| self.alert_kind(id).cloned());
                let wanted = if state == LinkState::Lost {
                    AlertKind::LinkLost
                } else {
                    AlertKind::LinkDegraded
                };
                match current {
                    // Lost after degraded: escalate. Degraded after lost: still a live problem,
                    // keep the lost alert until the link is fully back.
                    Some(AlertKind::LinkDegraded) if wanted == AlertKind::LinkLost => {
                        if let Some(id) = w.link_alert {
                            self.clear(id, wall, events);
                        }
                        w.link_alert =
                            Some(self.raise(a.sysid, Severity::Critical, wanted, wall, events));
                    }
                    Some(_) => {}
                    None => {
                        let severity = if wanted == AlertKind::LinkLost {
                            Severity::Critical
                        } else {
                            Severity::Warning
                        };
                        w.link_alert = Some(self.raise(a.sysid, severity, wanted, wall, events));
                    }
                }
            }
        }
    }

    fn check_battery(
        &mut self,
        a: &Aircraft,
        wall: SystemTime,
        w: &mut Watch,
        events: &mut Vec<AlertEvent>,
    ) {
        let Some(pct) = a.battery.percent else {
            return;
        };
        let t = self.thresholds;
        if pct <= t.critical_battery_pct {
            if w.critical_battery_alert.is_none() {
                let kind = AlertKind::CriticalBattery { percent: pct };
                w.critical_battery_alert =
                    Some(self.raise(a.sysid, Severity::Critical, kind, wall, events));
            }
        } else if pct > t.critical_battery_pct + BATTERY_HYSTERESIS {
            if let Some(id) = w.critical_battery_alert.take() {
                self.clear(id, wall, events);
            }
        }
        if pct <= t.low_battery_pct {
            if w.low_battery_alert.is_none() && w.critical_battery_alert.is_none() {
                let kind = AlertKind::LowBattery { percent: pct };
                w.low_battery_alert =
                    Some(self.raise(a.sysid, Severity::Warning, kind, wall, events));
            }
        } else if pct > t.low_battery_pct + BATTERY_HYSTERESIS {
            if let Some(id) = w.low_battery_alert.take() {
                self.clear(id, wall, events);
            }
        }
    }

    fn check_mode(
        &mut self,
        a: &Aircraft,
        now: Instant,
        wall: SystemTime,
        w: &mut Watch,
        events: &mut Vec<AlertEvent>,
    ) {
        // No heartbeat yet means no mode yet.
        if a.vehicle_type == 0 {
            return;
        }
        let mode_now = a.custom_mode;
        let changed = w.last_mode.is_some_and(|m| m != mode_now);
        w.last_mode = Some(mode_now);
        if !changed || !FAILSAFE_MODES.contains(&mode_now) {
            return;
        }
        let commanded = w.expected_mode.is_some_and(|(m, at)| {
            m == mode_now && now.saturating_duration_since(at) <= COMMANDED_MODE_GRACE
        });
        if !commanded {
            let kind = AlertKind::Failsafe {
                mode: copter_mode_name(mode_now),
            };
            self.raise(a.sysid, Severity::Critical, kind, wall, events);
        }
    }

    fn check_status(
        &mut self,
        a: &Aircraft,
        wall: SystemTime,
        w: &mut Watch,
        events: &mut Vec<AlertEvent>,
    ) {
        if a.is_critical() {
            if w.critical_alert.is_none() {
                w.critical_alert = Some(self.raise(
                    a.sysid,
                    Severity::Critical,
                    AlertKind::SystemCritical,
                    wall,
                    events,
                ));
            }
        } else if let Some(id) = w.critical_alert.take() {
            self.clear(id, wall, events);
        }
    }

    fn check_texts(
        &mut self,
        a: &Aircraft,
        now: Instant,
        wall: SystemTime,
        w: &mut Watch,
        events: &mut Vec<AlertEvent>,
    ) {
        let texts = &a.status_texts;
        let start = match &w.last_text {
            None => 0,
            Some((at, text)) => texts
                .iter()
                .rposition(|t| t.at == *at && t.text == *text)
                .map(|i| i + 1)
                .unwrap_or(0),
        };
        if let Some(last) = texts.back() {
            w.last_text = Some((last.at, last.text.clone()));
        }
        w.recent_texts
            .retain(|(_, at)| now.saturating_duration_since(*at) < STATUS_TEXT_REPEAT);
        for t in texts.iter().skip(start) {
            // MAV_SEVERITY: 0 emergency, 1 alert, 2 critical, 3 error, 4 warning.
            if t.severity > 4 {
                continue;
            }
            if w.recent_texts.iter().any(|(s, _)| *s == t.text) {
                continue;
            }
            w.recent_texts.push((t.text.clone(), now));
            let lower = t.text.to_ascii_lowercase();
            let (severity, kind) = if lower.contains("fence") {
                (
                    Severity::Critical,
                    AlertKind::Geofence {
                        text: t.text.clone(),
                    },
                )
            } else {
                let sev = if t.severity <= 2 {
                    Severity::Critical
                } else {
                    Severity::Warning
                };
                (
                    sev,
                    AlertKind::StatusText {
                        severity: t.severity,
                        text: t.text.clone(),
                    },
                )
            };
            self.raise(a.sysid, severity, kind, wall, events);
        }
    }
}

/// An episode of refused frames ends after this long without a new refusal (its alert is cleared;
/// refusals after that raise a new one).
pub const REFUSAL_EPISODE_QUIET: Duration = Duration::from_secs(60);

/// What the engine remembers of one aircraft's refused frames.
#[derive(Debug, Clone, Copy)]
struct RefusalWatch {
    /// Counts (unsigned, bad signature, replayed) last seen.
    last: [u64; 3],
    /// Counts when the current episode began, its alert, and the last rise.
    episode: Option<([u64; 3], u64, Instant)>,
}

impl AlertEngine {
    /// Compares each aircraft's refused-frame counts with the last ones and raises one
    /// [`AlertKind::FramesRefused`] per episode (its count follows the episode as it grows),
    /// clearing it after [`REFUSAL_EPISODE_QUIET`] without new refusals. Aircraft in `settling`
    /// (signing being set up or revoked here, when refusals are expected) only update the baseline.
    pub fn update_signing(
        &mut self,
        rows: &[crate::security::SigningRow],
        settling: &[u8],
        now: Instant,
        wall: SystemTime,
    ) -> Vec<AlertEvent> {
        let mut events = Vec::new();
        for r in rows {
            let counts = [r.unsigned, r.bad_signature, r.replayed];
            let w = self.refusals.entry(r.sysid).or_insert(RefusalWatch {
                last: counts,
                episode: None,
            });
            let mut w = *w;
            // Counts start again from zero when a key is installed or removed.
            let reset = counts.iter().zip(w.last).any(|(c, l)| *c < l);
            let rose = !reset && counts.iter().zip(w.last).any(|(c, l)| *c > l);
            let before = w.last;
            w.last = counts;
            if reset || settling.contains(&r.sysid) {
                if let Some((_, id, _)) = w.episode.take() {
                    self.clear(id, wall, &mut events);
                }
            } else if rose {
                match &mut w.episode {
                    Some((start, id, at)) => {
                        *at = now;
                        let (refusal, count) = dominant(start, &counts);
                        let id = *id;
                        if let Some(a) = self.alerts.iter_mut().find(|a| a.id == id) {
                            a.kind = AlertKind::FramesRefused { refusal, count };
                            self.revision += 1;
                        }
                    }
                    None => {
                        let start = before;
                        let (refusal, count) = dominant(&start, &counts);
                        let kind = AlertKind::FramesRefused { refusal, count };
                        let id = self.raise(r.sysid, Severity::Critical, kind, wall, &mut events);
                        w.episode = Some((start, id, now));
                    }
                }
            } else if let Some((_, id, at)) = w.episode {
                if now.saturating_duration_since(at) >= REFUSAL_EPISODE_QUIET {
                    self.clear(id, wall, &mut events);
                    w.episode = None;
                }
            }
            self.refusals.insert(r.sysid, w);
        }
        events
    }

    fn check_conflict(
        &mut self,
        a: &Aircraft,
        wall: SystemTime,
        w: &mut Watch,
        events: &mut Vec<AlertEvent>,
    ) {
        match (&a.sysid_conflict, w.conflict_alert) {
            (Some(text), None) => {
                let kind = AlertKind::SysidConflict { text: text.clone() };
                w.conflict_alert =
                    Some(self.raise(a.sysid, Severity::Critical, kind, wall, events));
            }
            (None, Some(id)) => {
                self.clear(id, wall, events);
                w.conflict_alert = None;
            }
            _ => {}
        }
    }
}

/// The kind of refusal that grew most since `start`, and by how much.
fn dominant(start: &[u64; 3], counts: &[u64; 3]) -> (Refusal, u64) {
    let kinds = [Refusal::Unsigned, Refusal::BadSignature, Refusal::Replayed];
    (0..3)
        .map(|i| (kinds[i], counts[i].saturating_sub(start[i])))
        .max_by_key(|(_, n)| *n)
        .unwrap_or((Refusal::Unsigned, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::Fleet;
    use crate::link::LinkId;
    use mavlink::dialects::ardupilotmega::*;

    fn heartbeat(mode: u32, status: MavState) -> MavMessage {
        MavMessage::HEARTBEAT(HEARTBEAT_DATA {
            custom_mode: mode,
            mavtype: MavType::MAV_TYPE_QUADROTOR,
            autopilot: MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA,
            base_mode: MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
                | MavModeFlag::MAV_MODE_FLAG_SAFETY_ARMED,
            system_status: status,
            mavlink_version: 3,
        })
    }

    fn battery(pct: i8) -> MavMessage {
        MavMessage::SYS_STATUS(SYS_STATUS_DATA {
            voltage_battery: 15_000,
            current_battery: 1000,
            battery_remaining: pct,
            ..Default::default()
        })
    }

    fn text(severity: MavSeverity, s: &str) -> MavMessage {
        let mut t = STATUSTEXT_DATA {
            severity,
            ..Default::default()
        };
        t.text = s.into();
        MavMessage::STATUSTEXT(t)
    }

    struct Bench {
        fleet: Fleet,
        engine: AlertEngine,
        t0: Instant,
        seq: u8,
    }

    impl Bench {
        fn new() -> Self {
            Self {
                fleet: Fleet::new(),
                engine: AlertEngine::default(),
                t0: Instant::now(),
                seq: 0,
            }
        }
        fn feed(&mut self, at_s: f64, msg: MavMessage) {
            self.seq = self.seq.wrapping_add(1);
            let at = self.t0 + Duration::from_secs_f64(at_s);
            self.fleet.apply(LinkId(0), 1, 1, self.seq, &msg, at);
        }
        fn update(&mut self, at_s: f64) -> Vec<AlertEvent> {
            let at = self.t0 + Duration::from_secs_f64(at_s);
            self.engine
                .update(&self.fleet.snapshot(at), SystemTime::UNIX_EPOCH)
        }
    }

    fn raised(events: &[AlertEvent]) -> Vec<AlertKind> {
        events
            .iter()
            .filter_map(|e| match e {
                AlertEvent::Raised(a) => Some(a.kind.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn lost_link_raises_once_and_clears_when_back() {
        let mut b = Bench::new();
        b.feed(0.0, heartbeat(4, MavState::MAV_STATE_ACTIVE));
        assert!(b.update(0.5).is_empty());
        assert_eq!(raised(&b.update(3.0)), vec![AlertKind::LinkDegraded]);
        assert_eq!(raised(&b.update(6.0)), vec![AlertKind::LinkLost]);
        assert!(raised(&b.update(7.0)).is_empty(), "raised again");
        b.feed(8.0, heartbeat(4, MavState::MAV_STATE_ACTIVE));
        let ev = b.update(8.1);
        assert!(matches!(&ev[..], [AlertEvent::Cleared(a)] if a.kind == AlertKind::LinkLost));
        // The whole story stays in the log.
        assert_eq!(b.engine.alerts().len(), 2);
        assert!(b.engine.alerts().iter().all(|a| !a.is_active()));
    }

    #[test]
    fn battery_thresholds_with_hysteresis() {
        let mut b = Bench::new();
        b.feed(0.0, heartbeat(4, MavState::MAV_STATE_ACTIVE));
        b.feed(0.0, battery(31));
        assert!(b.update(0.1).is_empty());
        b.feed(0.2, battery(30));
        assert_eq!(
            raised(&b.update(0.3)),
            vec![AlertKind::LowBattery { percent: 30.0 }]
        );
        b.feed(0.4, battery(32));
        b.feed(0.5, battery(29));
        assert!(raised(&b.update(0.6)).is_empty(), "flapping raised again");
        b.feed(0.7, battery(14));
        assert_eq!(
            raised(&b.update(0.8)),
            vec![AlertKind::CriticalBattery { percent: 14.0 }]
        );
    }

    #[test]
    fn uncommanded_rtl_is_a_failsafe_but_commanded_is_not() {
        let mut b = Bench::new();
        b.feed(0.0, heartbeat(3, MavState::MAV_STATE_ACTIVE));
        b.update(0.1);
        b.engine.expect_mode(1, modes::RTL, b.t0);
        b.feed(0.2, heartbeat(modes::RTL, MavState::MAV_STATE_ACTIVE));
        assert!(raised(&b.update(0.3)).is_empty());
        b.feed(0.4, heartbeat(3, MavState::MAV_STATE_ACTIVE));
        b.update(0.5);
        b.feed(30.0, heartbeat(modes::LAND, MavState::MAV_STATE_CRITICAL));
        let kinds = raised(&b.update(30.1));
        assert!(kinds.contains(&AlertKind::Failsafe {
            mode: "LAND".into()
        }));
        assert!(kinds.contains(&AlertKind::SystemCritical));
    }

    #[test]
    fn status_texts_warnings_and_fence_once_each() {
        let mut b = Bench::new();
        b.feed(0.0, heartbeat(4, MavState::MAV_STATE_ACTIVE));
        b.feed(0.1, text(MavSeverity::MAV_SEVERITY_INFO, "Mission: 1 WP"));
        b.feed(0.1, text(MavSeverity::MAV_SEVERITY_WARNING, "EKF variance"));
        b.feed(
            0.1,
            text(MavSeverity::MAV_SEVERITY_CRITICAL, "Fence Breach"),
        );
        let kinds = raised(&b.update(0.2));
        assert_eq!(kinds.len(), 2, "{kinds:?}");
        assert!(matches!(kinds[1], AlertKind::Geofence { .. }));
        b.feed(0.3, text(MavSeverity::MAV_SEVERITY_WARNING, "EKF variance"));
        assert!(raised(&b.update(0.4)).is_empty(), "repeat within a minute");
        let id = b.engine.alerts()[0].id;
        assert!(b.engine.acknowledge(id, SystemTime::now()).is_some());
        assert!(b.engine.acknowledge(id, SystemTime::now()).is_none());
        assert_eq!(b.engine.acknowledge_all(SystemTime::now()).len(), 1);
    }

    #[test]
    fn battery_levels_follow_the_thresholds() {
        let t = AlertThresholds::default();
        assert_eq!(t.battery_level(80.0), BatteryLevel::Ok);
        assert_eq!(t.battery_level(30.5), BatteryLevel::Ok);
        assert_eq!(t.battery_level(30.0), BatteryLevel::Low);
        assert_eq!(t.battery_level(27.0), BatteryLevel::Low);
        assert_eq!(t.battery_level(15.0), BatteryLevel::Critical);
        assert_eq!(t.battery_level(0.0), BatteryLevel::Critical);
        let strict = AlertThresholds {
            low_battery_pct: 50.0,
            critical_battery_pct: 40.0,
        };
        assert_eq!(strict.battery_level(45.0), BatteryLevel::Low);
        assert_eq!(strict.battery_level(40.0), BatteryLevel::Critical);
    }

    fn row(sysid: u8, unsigned: u64, bad: u64) -> crate::security::SigningRow {
        crate::security::SigningRow::new(
            sysid,
            true,
            Some(crate::security::VerifyCounts {
                accepted: 10,
                unsigned,
                bad_signature: bad,
                replayed: 0,
            }),
            true,
        )
    }

    #[test]
    fn refused_frames_raise_one_alert_per_episode() {
        let mut e = AlertEngine::default();
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let wall = SystemTime::UNIX_EPOCH;
        // Counts already there when first seen are history, not an episode.
        assert!(e
            .update_signing(&[row(1, 5, 0)], &[], at(0), wall)
            .is_empty());
        let ev = e.update_signing(&[row(1, 8, 0)], &[], at(1), wall);
        assert_eq!(
            raised(&ev),
            vec![AlertKind::FramesRefused {
                refusal: Refusal::Unsigned,
                count: 3
            }]
        );
        // More of the same: no new alert, its count grows.
        for (i, n) in [20u64, 40, 52].into_iter().enumerate() {
            assert!(e
                .update_signing(&[row(1, n, 0)], &[], at(2 + i as u64), wall)
                .is_empty());
        }
        assert_eq!(e.alerts().len(), 1);
        assert_eq!(
            e.alerts()[0].kind,
            AlertKind::FramesRefused {
                refusal: Refusal::Unsigned,
                count: 47
            }
        );
        assert!(e.alerts()[0]
            .text()
            .starts_with("47 unsigned frames refused"));
        // Quiet for a minute: the episode ends and its alert clears.
        let quiet = 4 + REFUSAL_EPISODE_QUIET.as_secs();
        let ev = e.update_signing(&[row(1, 52, 0)], &[], at(quiet), wall);
        assert!(matches!(&ev[..], [AlertEvent::Cleared(_)]), "{ev:?}");
        // A new episode, of forged frames this time, is a new alert.
        let ev = e.update_signing(&[row(1, 52, 4)], &[], at(quiet + 1), wall);
        assert_eq!(
            raised(&ev),
            vec![AlertKind::FramesRefused {
                refusal: Refusal::BadSignature,
                count: 4
            }]
        );
    }

    #[test]
    fn refusals_while_signing_is_changed_here_raise_nothing() {
        let mut e = AlertEngine::default();
        let now = Instant::now();
        let wall = SystemTime::UNIX_EPOCH;
        assert!(e
            .update_signing(&[row(2, 0, 0)], &[2], now, wall)
            .is_empty());
        assert!(e
            .update_signing(&[row(2, 6, 0)], &[2], now, wall)
            .is_empty());
        // Settled: the refusals seen while settling are the baseline.
        assert!(e.update_signing(&[row(2, 6, 0)], &[], now, wall).is_empty());
        // A new key starts the counts again from zero: no alert for that either.
        assert!(e.update_signing(&[row(2, 0, 0)], &[], now, wall).is_empty());
        assert_eq!(
            raised(&e.update_signing(&[row(2, 1, 0)], &[], now, wall)).len(),
            1
        );
    }

    #[test]
    fn one_system_id_on_two_autopilots_is_an_alert_until_resolved() {
        let mut b = Bench::new();
        let att = |boot: u32| {
            MavMessage::ATTITUDE(ATTITUDE_DATA {
                time_boot_ms: boot,
                ..Default::default()
            })
        };
        b.feed(0.0, heartbeat(4, MavState::MAV_STATE_ACTIVE));
        let t = b.t0;
        b.fleet.apply(
            LinkId(1),
            1,
            1,
            0,
            &heartbeat(4, MavState::MAV_STATE_ACTIVE),
            t,
        );
        b.fleet.apply(LinkId(0), 1, 1, 1, &att(600_000), t);
        b.fleet.apply(LinkId(1), 1, 1, 1, &att(5_000), t);
        let ev = b.update(0.1);
        assert!(
            matches!(&raised(&ev)[..], [AlertKind::SysidConflict { text }] if text.contains("system id 1")),
            "{ev:?}"
        );
        assert!(raised(&b.update(0.2)).is_empty(), "raised again");
    }
}
