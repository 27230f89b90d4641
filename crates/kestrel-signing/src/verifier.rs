//! Checking inbound frames against one key: a frame is accepted only when it is signed, the
//! signature is the key's, and its timestamp passes the stream rules ([`crate::streams`]).

use crate::{timestamp_now, Rejection, SignatureTrailer, StreamId, StreamTimestamps, KEY_LEN};

/// Checks the signatures and timestamps of frames that must be signed with one key.
#[derive(Clone)]
pub struct Verifier {
    key: [u8; KEY_LEN],
    streams: StreamTimestamps,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier(<key redacted>)")
    }
}

impl Verifier {
    /// A verifier for frames signed with `key`, its local timestamp following the wall clock.
    pub fn new(key: [u8; KEY_LEN]) -> Self {
        Self::with_local_timestamp(key, 0)
    }

    /// A verifier whose local timestamp starts at `local_timestamp` (SETUP_SIGNING's initial
    /// timestamp, or one kept in storage) even when the wall clock is behind it.
    pub fn with_local_timestamp(key: [u8; KEY_LEN], local_timestamp: u64) -> Self {
        Self {
            key,
            streams: StreamTimestamps::new(local_timestamp),
        }
    }

    /// The secret key (for whoever must store it).
    pub fn key(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// The newest timestamp accepted, or the starting one.
    pub fn newest(&self) -> u64 {
        self.streams.newest()
    }

    /// Accepts a correctly signed, fresh frame (`frame` is the whole frame as received).
    pub fn check(&mut self, frame: &[u8]) -> Result<(), Rejection> {
        self.check_at(frame, timestamp_now())
    }

    /// [`Verifier::check`] with the wall clock at `now` (signing timestamp units).
    pub fn check_at(&mut self, frame: &[u8], now: u64) -> Result<(), Rejection> {
        let trailer = SignatureTrailer::of(frame).ok_or(Rejection::Unsigned)?;
        if !trailer.matches(&self.key, frame) {
            return Err(Rejection::BadSignature);
        }
        let stream = StreamId {
            link_id: trailer.link_id,
            system_id: frame[5],
            component_id: frame[6],
        };
        self.streams.admit(stream, trailer.timestamp, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{encode_signed, NEW_STREAM_MAX_AGE};
    use mavlink::dialects::ardupilotmega::{MavMessage, COMMAND_LONG_DATA};
    use mavlink::MavHeader;

    const KEY: [u8; KEY_LEN] = [7u8; KEY_LEN];

    fn frame(key: &[u8; KEY_LEN], link_id: u8, timestamp: u64) -> Vec<u8> {
        encode_signed(
            MavHeader {
                system_id: 255,
                component_id: 190,
                sequence: 3,
            },
            &MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
                target_system: 1,
                target_component: 1,
                ..Default::default()
            }),
            key,
            link_id,
            timestamp,
        )
    }

    #[test]
    fn a_good_fresh_frame_passes_once() {
        let mut v = Verifier::new(KEY);
        let f = frame(&KEY, 0, timestamp_now());
        assert_eq!(v.check(&f), Ok(()));
        assert_eq!(v.check(&f), Err(Rejection::Replayed));
        assert_eq!(v.check(&frame(&KEY, 0, timestamp_now() + 1)), Ok(()));
    }

    #[test]
    fn unsigned_forged_altered_and_old_frames_are_told_apart() {
        let now = timestamp_now();
        let mut v = Verifier::new(KEY);
        let signed = frame(&KEY, 0, now);
        let unsigned = &signed[..signed.len() - crate::SIGNATURE_LEN];
        let mut unsigned = unsigned.to_vec();
        unsigned[2] &= !crate::IFLAG_SIGNED;
        assert_eq!(v.check_at(&unsigned, now), Err(Rejection::Unsigned));
        assert_eq!(v.check_at(&[], now), Err(Rejection::Unsigned));
        assert_eq!(v.check_at(&[0xFD, 1, 1], now), Err(Rejection::Unsigned));
        assert_eq!(
            v.check_at(&frame(&[8u8; KEY_LEN], 0, now), now),
            Err(Rejection::BadSignature)
        );
        let mut altered = signed.clone();
        altered[12] ^= 0x40;
        assert_eq!(v.check_at(&altered, now), Err(Rejection::BadSignature));
        let old = frame(&KEY, 0, now - 10 * NEW_STREAM_MAX_AGE);
        assert_eq!(v.check_at(&old, now), Err(Rejection::TooOld));
        assert_eq!(v.check_at(&signed, now), Ok(()));
        assert_eq!(v.check_at(&signed, now), Err(Rejection::Replayed));
    }

    #[test]
    fn a_starting_timestamp_ahead_of_the_clock_still_refuses_old_recordings() {
        let ahead = timestamp_now() + 100 * NEW_STREAM_MAX_AGE;
        let mut v = Verifier::with_local_timestamp(KEY, ahead);
        assert_eq!(
            v.check(&frame(&KEY, 0, timestamp_now())),
            Err(Rejection::TooOld)
        );
        assert_eq!(v.check(&frame(&KEY, 0, ahead + 1)), Ok(()));
        assert_eq!(v.newest(), ahead + 1);
        assert_eq!(v.key(), &KEY);
        assert!(!format!("{v:?}").contains('7'));
    }
}
