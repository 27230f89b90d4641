//! The newest decoded picture of a stream, handed from GStreamer's streaming thread to whoever
//! displays it. One slot, newest frame wins: a slow reader never builds up a queue, it just
//! sees fewer frames (and can count the ones it skipped from [`VideoFrame::seq`]).

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Pixel bytes of a frame: tightly packed RGBA rows, `width * 4` bytes each.
pub enum FrameData {
    /// GStreamer's buffer itself, mapped for reading (no copy), and how many of its bytes
    /// are pixels.
    Mapped(gstreamer::MappedBuffer<gstreamer::buffer::Readable>, usize),
    /// An owned copy (used when GStreamer's rows were padded, or for frames made by hand).
    Owned(Vec<u8>),
}

impl FrameData {
    fn bytes(&self) -> &[u8] {
        match self {
            FrameData::Mapped(m, len) => &m.as_slice()[..*len],
            FrameData::Owned(v) => v,
        }
    }
}

/// One decoded RGBA picture with when it arrived.
pub struct VideoFrame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Presentation time stamp in the stream's running time, if the pipeline gave one.
    pub pts: Option<Duration>,
    /// When the frame became available (monotonic; compare with `Instant::now()`).
    pub received_at: Instant,
    /// When the frame became available (wall clock; for metadata and display).
    pub received_wall: SystemTime,
    /// Frame counter of this stream, from 1; a gap means frames were not seen by this reader.
    pub seq: u64,
    data: FrameData,
}

impl VideoFrame {
    /// Builds a frame from owned RGBA bytes; `None` if the length is not `width * height * 4`.
    pub fn from_rgba(width: u32, height: u32, rgba: Vec<u8>) -> Option<Self> {
        if rgba.len() != width as usize * height as usize * 4 {
            return None;
        }
        Some(Self::new(width, height, None, FrameData::Owned(rgba)))
    }

    pub(crate) fn new(width: u32, height: u32, pts: Option<Duration>, data: FrameData) -> Self {
        Self {
            width,
            height,
            pts,
            received_at: Instant::now(),
            received_wall: SystemTime::now(),
            seq: 0,
            data,
        }
    }

    /// The pixels: `height` rows of `width * 4` bytes (R, G, B, A), top row first.
    pub fn rgba(&self) -> &[u8] {
        self.data.bytes()
    }

    /// Red, green, blue, alpha of pixel (x, y), or `None` outside the picture.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 4;
        let p = self.rgba().get(i..i + 4)?;
        Some([p[0], p[1], p[2], p[3]])
    }

    /// How long ago the frame arrived.
    pub fn age(&self) -> Duration {
        self.received_at.elapsed()
    }
}

impl std::fmt::Debug for VideoFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoFrame")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("pts", &self.pts)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

type Notify = Box<dyn Fn() + Send + Sync>;

struct Slot {
    frame: Option<Arc<VideoFrame>>,
    seq: u64,
}

struct Shared {
    slot: Mutex<Slot>,
    cond: Condvar,
    notify: Mutex<Option<Notify>>,
}

/// A cheap-to-clone handle on a stream's newest frame. The console reads it every repaint and
/// uploads a texture only when [`LatestFrame::newer_than`] returns something; it can register
/// [`LatestFrame::set_notify`] to request a repaint when a frame arrives.
#[derive(Clone)]
pub struct LatestFrame {
    shared: Arc<Shared>,
}

/// Two handles are equal when they are the same slot (the frames in it do not count: a new
/// frame is not a change of the published view; the frame's own notifier asks for the repaint).
impl PartialEq for LatestFrame {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl Default for LatestFrame {
    fn default() -> Self {
        Self::new()
    }
}

impl LatestFrame {
    /// An empty slot.
    pub fn new() -> Self {
        Self {
            shared: Arc::new(Shared {
                slot: Mutex::new(Slot {
                    frame: None,
                    seq: 0,
                }),
                cond: Condvar::new(),
                notify: Mutex::new(None),
            }),
        }
    }

    /// Stores `frame` as the newest one (numbering it), wakes waiters and calls the notifier.
    /// Called on GStreamer's streaming thread; never blocks for long.
    pub fn publish(&self, mut frame: VideoFrame) -> u64 {
        let seq = {
            let mut slot = self.shared.slot.lock().unwrap_or_else(|p| p.into_inner());
            slot.seq += 1;
            frame.seq = slot.seq;
            slot.frame = Some(Arc::new(frame));
            slot.seq
        };
        self.shared.cond.notify_all();
        if let Some(n) = self
            .shared
            .notify
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            n();
        }
        seq
    }

    /// Forgets the current frame (e.g. when the source changes), keeping the counter.
    pub fn clear(&self) {
        let mut slot = self.shared.slot.lock().unwrap_or_else(|p| p.into_inner());
        slot.frame = None;
    }

    /// The newest frame, if any.
    pub fn get(&self) -> Option<Arc<VideoFrame>> {
        self.shared
            .slot
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .frame
            .clone()
    }

    /// The newest frame if its sequence number is above `seq` (pass the last one you showed,
    /// 0 at first).
    pub fn newer_than(&self, seq: u64) -> Option<Arc<VideoFrame>> {
        let slot = self.shared.slot.lock().unwrap_or_else(|p| p.into_inner());
        match &slot.frame {
            Some(f) if f.seq > seq => Some(f.clone()),
            _ => None,
        }
    }

    /// How many frames have been published so far.
    pub fn count(&self) -> u64 {
        self.shared
            .slot
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .seq
    }

    /// Blocks up to `timeout` for a frame newer than `seq`. For tools and tests, not for the
    /// UI thread.
    pub fn wait_newer(&self, seq: u64, timeout: Duration) -> Option<Arc<VideoFrame>> {
        let deadline = Instant::now() + timeout;
        let mut slot = self.shared.slot.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(f) = &slot.frame {
                if f.seq > seq {
                    return Some(f.clone());
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            slot = self
                .shared
                .cond
                .wait_timeout(slot, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Calls `f` (on the streaming thread) after each new frame, e.g. `ctx.request_repaint()`.
    /// Replaces any earlier notifier.
    pub fn set_notify(&self, f: impl Fn() + Send + Sync + 'static) {
        *self.shared.notify.lock().unwrap_or_else(|p| p.into_inner()) = Some(Box::new(f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn frame(v: u8) -> VideoFrame {
        VideoFrame::from_rgba(2, 1, vec![v; 8]).unwrap()
    }

    #[test]
    fn newest_frame_wins_and_is_numbered() {
        let l = LatestFrame::new();
        assert!(l.get().is_none());
        assert_eq!(l.publish(frame(1)), 1);
        assert_eq!(l.publish(frame(2)), 2);
        let f = l.newer_than(0).unwrap();
        assert_eq!(f.seq, 2);
        assert_eq!(f.pixel(1, 0), Some([2, 2, 2, 2]));
        assert_eq!(f.pixel(2, 0), None);
        assert!(l.newer_than(2).is_none());
        assert_eq!(l.count(), 2);
    }

    #[test]
    fn waiters_wake_and_notifier_runs() {
        let l = LatestFrame::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        l.set_notify(move || {
            c.fetch_add(1, Ordering::SeqCst);
        });
        let l2 = l.clone();
        let t = std::thread::spawn(move || l2.wait_newer(0, Duration::from_secs(10)));
        std::thread::sleep(Duration::from_millis(20));
        l.publish(frame(7));
        let got = t.join().unwrap().unwrap();
        assert_eq!(got.seq, 1);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(l.wait_newer(1, Duration::from_millis(10)).is_none());
    }

    #[test]
    fn wrong_sized_pixels_are_refused() {
        assert!(VideoFrame::from_rgba(2, 2, vec![0; 8]).is_none());
    }
}
