//! Stream statistics for the stats overlay and `kestrel video probe`: frame rate, resolution,
//! bitrate, dropped frames, lost packets and receive latency. Streaming threads bump atomic
//! [`Counters`]; the supervisor turns them into a [`StreamStats`] snapshot every tick.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Raw counters shared with GStreamer's streaming threads (cumulative over reconnects).
#[derive(Debug, Default)]
pub struct Counters {
    /// Encoded (compressed) bytes that reached the parser output.
    pub encoded_bytes: AtomicU64,
    /// Pictures that came out of the decoder.
    pub frames_decoded: AtomicU64,
    /// Pictures handed to [`super::LatestFrame`].
    pub frames_delivered: AtomicU64,
    /// Width of the last delivered picture.
    pub width: AtomicU32,
    /// Height of the last delivered picture.
    pub height: AtomicU32,
    /// Smoothed receive latency in microseconds (0 = not measured yet).
    pub latency_us: AtomicU64,
    /// RTP packets the jitter buffer gave up on (current pipeline).
    pub packets_lost: AtomicU64,
}

impl Counters {
    /// Folds one latency sample (microseconds) into the smoothed value.
    pub fn add_latency_sample(&self, us: u64) {
        let old = self.latency_us.load(Ordering::Relaxed);
        let new = if old == 0 { us } else { (old * 7 + us) / 8 };
        self.latency_us.store(new.max(1), Ordering::Relaxed);
    }
}

/// What the stats overlay shows.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct StreamStats {
    /// Frames per second delivered over the last second or so.
    pub fps: f32,
    /// Picture width in pixels (0 before the first frame).
    pub width: u32,
    /// Picture height in pixels.
    pub height: u32,
    /// Encoded bitrate over the last second or so, bits per second.
    pub bitrate_bps: u64,
    /// Pictures delivered since the stream started.
    pub frames: u64,
    /// Pictures decoded but not delivered (the display side was busy), since the start.
    pub frames_dropped: u64,
    /// RTP packets lost on the network (jitter buffer gave up on them), current connection.
    pub packets_lost: u64,
    /// Time from a frame's packets arriving to its RGBA picture being ready, milliseconds
    /// (smoothed); `None` until measured.
    pub latency_ms: Option<f32>,
}

/// Turns cumulative counters into rates over a sliding window.
#[derive(Debug)]
pub struct RateMeter {
    last_at: Instant,
    last_frames: u64,
    last_bytes: u64,
    fps: f32,
    bitrate_bps: u64,
}

impl RateMeter {
    /// Starts measuring from the counters' current values.
    pub fn new(c: &Counters) -> Self {
        Self {
            last_at: Instant::now(),
            last_frames: c.frames_delivered.load(Ordering::Relaxed),
            last_bytes: c.encoded_bytes.load(Ordering::Relaxed),
            fps: 0.0,
            bitrate_bps: 0,
        }
    }

    /// Updates the rates when at least `window` has passed and returns the current stats.
    pub fn sample(&mut self, c: &Counters, window: Duration) -> StreamStats {
        let now = Instant::now();
        let frames = c.frames_delivered.load(Ordering::Relaxed);
        let bytes = c.encoded_bytes.load(Ordering::Relaxed);
        let dt = now.duration_since(self.last_at);
        if dt >= window {
            let secs = dt.as_secs_f64();
            self.fps = (frames.saturating_sub(self.last_frames) as f64 / secs) as f32;
            self.bitrate_bps = (bytes.saturating_sub(self.last_bytes) as f64 * 8.0 / secs) as u64;
            self.last_at = now;
            self.last_frames = frames;
            self.last_bytes = bytes;
        }
        let decoded = c.frames_decoded.load(Ordering::Relaxed);
        let latency_us = c.latency_us.load(Ordering::Relaxed);
        StreamStats {
            fps: self.fps,
            width: c.width.load(Ordering::Relaxed),
            height: c.height.load(Ordering::Relaxed),
            bitrate_bps: self.bitrate_bps,
            frames,
            frames_dropped: decoded.saturating_sub(frames),
            packets_lost: c.packets_lost.load(Ordering::Relaxed),
            latency_ms: (latency_us > 0).then(|| latency_us as f32 / 1000.0),
        }
    }

    /// Forgets the rates (after the stream stopped delivering).
    pub fn reset_rates(&mut self, c: &Counters) {
        *self = Self::new(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_come_from_counter_deltas() {
        let c = Counters::default();
        let mut m = RateMeter::new(&c);
        c.frames_delivered.store(30, Ordering::Relaxed);
        c.frames_decoded.store(31, Ordering::Relaxed);
        c.encoded_bytes.store(250_000, Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(50));
        let s = m.sample(&c, Duration::from_millis(10));
        assert!(s.fps > 30.0, "{s:?}"); // 30 frames in ~50 ms
        assert!(s.bitrate_bps > 2_000_000, "{s:?}");
        assert_eq!(s.frames, 30);
        assert_eq!(s.frames_dropped, 1);
        assert_eq!(s.latency_ms, None);
        c.add_latency_sample(8000);
        c.add_latency_sample(16000);
        let s = m.sample(&c, Duration::from_secs(100));
        assert!((s.latency_ms.unwrap() - 9.0).abs() < 0.01, "{s:?}");
    }
}
