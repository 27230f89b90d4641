//! Counts the frames the window draws and what they cost, so that "the console rests when
//! nothing changes" is a figure, not a hope: `kestrel console --frame-report SECS` draws for SECS
//! seconds, prints frames per second, CPU and memory, and closes the window.

use std::time::{Duration, Instant};

use kestrel_core::process::ProcessStats;

/// What the window cost over one measured stretch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameReport {
    /// How long was measured.
    pub elapsed: Duration,
    /// Frames drawn in that time.
    pub frames: u64,
    /// CPU time the whole process used in that time (every thread, the renderer's included).
    pub cpu: Duration,
    /// Resident memory at the end, bytes.
    pub rss_bytes: u64,
}

impl FrameReport {
    /// Frames drawn per second.
    pub fn frames_per_second(&self) -> f64 {
        self.frames as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// CPU used as a share of one core (1.0 = one core busy all the time).
    pub fn cores(&self) -> f64 {
        self.cpu.as_secs_f64() / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl std::fmt::Display for FrameReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "frames: {} in {:.1} s ({:.1}/s), cpu {:.0} % of one core, rss {} MB",
            self.frames,
            self.elapsed.as_secs_f64(),
            self.frames_per_second(),
            self.cores() * 100.0,
            self.rss_bytes / 1_000_000
        )
    }
}

/// Counts frames from a start after a warm-up (start-up draws are not idle draws) until the
/// measured stretch has passed.
#[derive(Debug)]
pub struct FrameMeter {
    warm_up_until: Instant,
    length: Duration,
    started: Option<(Instant, Duration)>,
    frames: u64,
    report: Option<FrameReport>,
}

impl FrameMeter {
    /// A meter that waits `warm_up`, then measures for `length`.
    pub fn new(warm_up: Duration, length: Duration) -> Self {
        Self {
            warm_up_until: Instant::now() + warm_up,
            length,
            started: None,
            frames: 0,
            report: None,
        }
    }

    /// Call once per drawn frame; returns the report once, when the stretch is over.
    pub fn frame(&mut self) -> Option<FrameReport> {
        let now = Instant::now();
        if self.report.is_some() || now < self.warm_up_until {
            return None;
        }
        let cpu_now = || ProcessStats::now().map(|s| s.cpu).unwrap_or_default();
        let Some((start, cpu_start)) = self.started else {
            self.started = Some((now, cpu_now()));
            return None;
        };
        self.frames += 1;
        if now.duration_since(start) < self.length {
            return None;
        }
        let stats = ProcessStats::now();
        let report = FrameReport {
            elapsed: now.duration_since(start),
            frames: self.frames,
            cpu: stats
                .map(|s| s.cpu.saturating_sub(cpu_start))
                .unwrap_or_default(),
            rss_bytes: stats.map(|s| s.rss_bytes).unwrap_or_default(),
        };
        self.report = Some(report);
        Some(report)
    }

    /// When the measured stretch ends (the window must draw then even if nothing changed).
    pub fn due_in(&self) -> Option<Duration> {
        if self.report.is_some() {
            return None;
        }
        let now = Instant::now();
        Some(match self.started {
            None => self.warm_up_until.saturating_duration_since(now),
            Some((start, _)) => (start + self.length).saturating_duration_since(now),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_counted_only_after_the_warm_up_and_reported_once() {
        let mut meter = FrameMeter::new(Duration::ZERO, Duration::from_millis(30));
        assert!(
            meter.frame().is_none(),
            "the first frame starts the stretch"
        );
        let mut report = None;
        while report.is_none() {
            report = meter.frame();
        }
        let report = report.unwrap();
        assert!(report.frames >= 1);
        assert!(report.elapsed >= Duration::from_millis(30));
        assert!(meter.frame().is_none(), "reported once");
        assert_eq!(meter.due_in(), None);
    }
}
