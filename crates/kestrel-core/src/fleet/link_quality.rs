//! How well an aircraft is heard on one link: message rate, packet loss from sequence-number gaps,
//! heartbeat age, and the resulting connected / degraded / lost state.

use std::time::{Duration, Instant};

use crate::link::LinkId;

/// An aircraft is lost on a link after this long without any frame.
pub const LOST_AFTER: Duration = Duration::from_secs(5);
/// An aircraft is degraded when its heartbeat is older than this...
pub const DEGRADED_HEARTBEAT_AGE: Duration = Duration::from_millis(2500);
/// ...or when more than this fraction of its packets go missing.
pub const DEGRADED_LOSS: f32 = 0.15;
/// Rates and loss are averaged over this many one-second windows.
const WINDOWS: usize = 5;

/// What the pilot sees of a link to an aircraft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Heartbeats arrive on time and little is lost.
    Connected,
    /// Heartbeats late or heavy loss: commands may be slow.
    Degraded,
    /// Nothing heard for [`LOST_AFTER`].
    Lost,
}

impl LinkState {
    /// Lower is healthier; used to pick the link to command an aircraft over and to sort alerts.
    pub fn rank(self) -> u8 {
        match self {
            LinkState::Connected => 0,
            LinkState::Degraded => 1,
            LinkState::Lost => 2,
        }
    }

    /// The state's name as shown in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Connected => "connected",
            LinkState::Degraded => "degraded",
            LinkState::Lost => "lost",
        }
    }
}

/// One aircraft as heard on one link.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkPresence {
    /// The link this presence is about.
    pub link: LinkId,
    /// When any frame from the aircraft last arrived on this link.
    pub last_heard: Instant,
    /// When its last HEARTBEAT arrived on this link.
    pub last_heartbeat: Option<Instant>,
    /// Messages per second over the last few seconds.
    pub msg_rate_hz: f32,
    /// Fraction of packets lost (0..1) over the last few seconds, from sequence gaps.
    pub loss: f32,
    /// Frames received in total.
    pub received: u64,
    /// Frames missing in total, judged by sequence gaps.
    pub lost: u64,
    /// Arrival time minus the autopilot's boot clock (ms), from the last time-stamped message:
    /// the same autopilot heard on two links has the same offset, two autopilots do not.
    pub boot_offset_ms: Option<i64>,
    last_seq: Option<u8>,
    window_received: u32,
    window_lost: u32,
    history: [(u32, u32); WINDOWS],
    history_at: usize,
    window_started: Instant,
}

impl LinkPresence {
    /// A presence first heard now.
    pub fn new(link: LinkId, now: Instant) -> Self {
        Self {
            link,
            last_heard: now,
            last_heartbeat: None,
            msg_rate_hz: 0.0,
            loss: 0.0,
            received: 0,
            lost: 0,
            boot_offset_ms: None,
            last_seq: None,
            window_received: 0,
            window_lost: 0,
            history: [(0, 0); WINDOWS],
            history_at: 0,
            window_started: now,
        }
    }

    /// Records one frame from the aircraft's autopilot component with its sequence number.
    #[inline]
    pub fn on_frame(&mut self, seq: u8, now: Instant) {
        self.last_heard = now;
        self.received += 1;
        self.window_received += 1;
        if let Some(prev) = self.last_seq {
            let gap = seq.wrapping_sub(prev).wrapping_sub(1);
            // A large "gap" is a reordered or duplicated frame, or a reboot: not loss.
            if gap < 128 {
                self.lost += u64::from(gap);
                self.window_lost += u32::from(gap);
            }
        }
        self.last_seq = Some(seq);
        if now.duration_since(self.window_started) >= Duration::from_secs(1) {
            self.roll_window(now);
        }
    }

    /// Closes the current one-second window and recomputes rate and loss.
    pub fn roll_window(&mut self, now: Instant) {
        let elapsed = now
            .duration_since(self.window_started)
            .as_secs_f32()
            .max(0.001);
        // A window that spans a silence counts the silence as zero traffic.
        let slots = (elapsed.round() as usize).clamp(1, WINDOWS);
        for i in 0..slots {
            self.history_at = (self.history_at + 1) % WINDOWS;
            self.history[self.history_at] = if i + 1 == slots {
                (self.window_received, self.window_lost)
            } else {
                (0, 0)
            };
        }
        self.window_received = 0;
        self.window_lost = 0;
        self.window_started = now;
        let (rx, lost) = self
            .history
            .iter()
            .fold((0u32, 0u32), |(a, b), (r, l)| (a + r, b + l));
        self.msg_rate_hz = rx as f32 / WINDOWS as f32;
        self.loss = if rx + lost == 0 {
            0.0
        } else {
            lost as f32 / (rx + lost) as f32
        };
    }

    /// The link state at `now`.
    pub fn state(&self, now: Instant) -> LinkState {
        let silent = now.saturating_duration_since(self.last_heard);
        if silent >= LOST_AFTER {
            return LinkState::Lost;
        }
        let hb_age = self
            .last_heartbeat
            .map(|t| now.saturating_duration_since(t))
            .unwrap_or(Duration::MAX);
        if hb_age > DEGRADED_HEARTBEAT_AGE || self.loss > DEGRADED_LOSS {
            LinkState::Degraded
        } else {
            LinkState::Connected
        }
    }

    /// Seconds since the last heartbeat on this link (`None` if never).
    pub fn heartbeat_age(&self, now: Instant) -> Option<Duration> {
        self.last_heartbeat
            .map(|t| now.saturating_duration_since(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_from_sequence_gaps() {
        let t0 = Instant::now();
        let mut p = LinkPresence::new(LinkId(0), t0);
        // 80 frames over one second, every 5th missing.
        let mut seq = 0u8;
        for i in 0..100u32 {
            if i % 5 != 4 {
                p.on_frame(seq, t0 + Duration::from_millis(u64::from(i) * 10));
            }
            seq = seq.wrapping_add(1);
        }
        p.roll_window(t0 + Duration::from_millis(1000));
        assert!((p.loss - 0.2).abs() < 0.02, "loss {}", p.loss);
        assert_eq!(p.lost, 19);
    }

    #[test]
    fn states_follow_silence() {
        let t0 = Instant::now();
        let mut p = LinkPresence::new(LinkId(0), t0);
        p.last_heartbeat = Some(t0);
        assert_eq!(p.state(t0 + Duration::from_secs(1)), LinkState::Connected);
        assert_eq!(p.state(t0 + Duration::from_secs(3)), LinkState::Degraded);
        assert_eq!(p.state(t0 + Duration::from_secs(6)), LinkState::Lost);
    }
}
