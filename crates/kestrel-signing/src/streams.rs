//! The timestamp rules for correctly signed frames, per stream (link id, system, component):
//! each frame must be newer than the last one accepted on its stream, and the first frame of a
//! stream must not be more than a minute behind the local timestamp (the newest of the wall
//! clock and every timestamp accepted so far), or a recording made long ago could be played
//! back as a new stream.

use std::collections::HashMap;

use crate::Rejection;

/// How far (10 µs units: one minute) a new stream's first timestamp may be behind the local one.
pub const NEW_STREAM_MAX_AGE: u64 = 60 * 100_000;

/// One sender's stream of signed frames: timestamps increase along it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StreamId {
    /// The link id in the signature.
    pub link_id: u8,
    /// The sender's system id.
    pub system_id: u8,
    /// The sender's component id.
    pub component_id: u8,
}

/// The last timestamp accepted on each stream, and the newest accepted on any.
#[derive(Debug, Clone, Default)]
pub struct StreamTimestamps {
    last: HashMap<StreamId, u64>,
    newest: u64,
}

impl StreamTimestamps {
    /// No stream seen yet; `local_timestamp` is where the local timestamp starts (the initial
    /// timestamp of SETUP_SIGNING, or one kept in storage).
    pub fn new(local_timestamp: u64) -> Self {
        Self {
            last: HashMap::new(),
            newest: local_timestamp,
        }
    }

    /// Judges the timestamp of a correctly signed frame on `stream`, with the wall clock at
    /// `now`; an accepted one becomes the stream's last.
    pub fn admit(&mut self, stream: StreamId, timestamp: u64, now: u64) -> Result<(), Rejection> {
        let local = now.max(self.newest);
        match self.last.get(&stream) {
            Some(last) if timestamp <= *last => return Err(Rejection::Replayed),
            None if timestamp.saturating_add(NEW_STREAM_MAX_AGE) < local => {
                return Err(Rejection::TooOld)
            }
            _ => {}
        }
        self.last.insert(stream, timestamp);
        self.newest = self.newest.max(timestamp);
        Ok(())
    }

    /// The newest timestamp accepted (or the starting one): a restart must not go back on it.
    pub fn newest(&self) -> u64 {
        self.newest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_000 * NEW_STREAM_MAX_AGE;

    fn stream(link_id: u8, component_id: u8) -> StreamId {
        StreamId {
            link_id,
            system_id: 255,
            component_id,
        }
    }

    #[test]
    fn timestamps_must_increase_along_a_stream() {
        let mut t = StreamTimestamps::new(0);
        assert_eq!(t.admit(stream(0, 190), NOW, NOW), Ok(()));
        assert_eq!(t.admit(stream(0, 190), NOW, NOW), Err(Rejection::Replayed));
        assert_eq!(
            t.admit(stream(0, 190), NOW - 1, NOW),
            Err(Rejection::Replayed)
        );
        assert_eq!(t.admit(stream(0, 190), NOW + 1, NOW), Ok(()));
        assert_eq!(t.newest(), NOW + 1);
    }

    #[test]
    fn streams_are_judged_apart() {
        let mut t = StreamTimestamps::new(0);
        assert_eq!(t.admit(stream(0, 190), NOW, NOW), Ok(()));
        // Another link id, or another component, is another stream with its own last timestamp.
        assert_eq!(t.admit(stream(1, 190), NOW - 10, NOW), Ok(()));
        assert_eq!(t.admit(stream(0, 191), NOW - 10, NOW), Ok(()));
        assert_eq!(
            t.admit(stream(1, 190), NOW - 10, NOW),
            Err(Rejection::Replayed)
        );
    }

    #[test]
    fn a_new_stream_may_start_up_to_a_minute_back_but_not_more() {
        let mut t = StreamTimestamps::new(0);
        assert_eq!(t.admit(stream(0, 1), NOW - NEW_STREAM_MAX_AGE, NOW), Ok(()));
        assert_eq!(
            t.admit(stream(0, 2), NOW - NEW_STREAM_MAX_AGE - 1, NOW),
            Err(Rejection::TooOld)
        );
        // A refused frame leaves no trace: the stream is still new.
        assert_eq!(t.admit(stream(0, 2), NOW, NOW), Ok(()));
    }

    #[test]
    fn the_local_timestamp_is_the_newest_of_the_clock_and_what_was_accepted() {
        // The wall clock is far behind (no RTC yet), but a stored timestamp or a frame accepted
        // earlier moved the local timestamp on: old recordings stay too old.
        let mut t = StreamTimestamps::new(NOW);
        assert_eq!(
            t.admit(stream(0, 1), NOW - 2 * NEW_STREAM_MAX_AGE, 0),
            Err(Rejection::TooOld)
        );
        assert_eq!(
            t.admit(stream(0, 1), NOW + 5 * NEW_STREAM_MAX_AGE, 0),
            Ok(())
        );
        assert_eq!(t.admit(stream(0, 2), NOW, 0), Err(Rejection::TooOld));
        assert_eq!(t.newest(), NOW + 5 * NEW_STREAM_MAX_AGE);
    }
}
