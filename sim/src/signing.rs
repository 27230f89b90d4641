//! MAVLink 2 signing on the aircraft side, as ArduPilot does it: SETUP_SIGNING installs a 32-byte
//! key (an all-zero key with timestamp 0 removes it); with a key, every outgoing frame is signed
//! and every incoming frame must carry a good signature with a timestamp newer than the last one of
//! its stream (link id, system, component), or it is ignored and counted.
//!
//! Like ArduPilot, RADIO_STATUS and RADIO (sent unsigned by radio modems) are accepted without a
//! signature. ArduPilot also accepts everything on its channel 0 (USB, assumed physically secure);
//! every simulated link is a network socket, so none is exempt here.
//!
//! The signature and the replay rules themselves are `kestrel_signing`'s, the same code the
//! ground station verifies with; this file holds only what is the aircraft's own: SETUP_SIGNING
//! and its outgoing clock.

use kestrel_signing::{sign_frame, Rejection, SigningClock, Verifier};

/// Messages accepted unsigned even when signing is on (ArduPilot's list: radio modem status).
pub const ACCEPT_UNSIGNED: [u32; 2] = [109, 166];

/// One aircraft's signing state: its key with the stream timestamps, and its outgoing clock.
#[derive(Clone, Debug)]
pub struct AircraftSigning {
    verifier: Verifier,
    clock: SigningClock,
    link_id: u8,
}

impl AircraftSigning {
    /// The state SETUP_SIGNING asks for, or None when it removes signing (all-zero key and
    /// timestamp, as ArduPilot treats it).
    pub fn from_setup(key: [u8; 32], initial_timestamp: u64) -> Option<Self> {
        if initial_timestamp == 0 && key.iter().all(|b| *b == 0) {
            return None;
        }
        Some(Self::restore(key, initial_timestamp))
    }

    /// The state a signing store kept: the key, and the newest timestamp used or seen, from
    /// which both the outgoing clock and the replay floor continue.
    pub fn restore(key: [u8; 32], timestamp: u64) -> Self {
        Self {
            verifier: Verifier::with_local_timestamp(key, timestamp),
            clock: SigningClock::new(timestamp),
            link_id: 0,
        }
    }

    /// The secret key (for the signing store only).
    pub fn key(&self) -> &[u8; 32] {
        self.verifier.key()
    }

    /// The newest timestamp sent or accepted: a restart must not go back on it.
    pub fn timestamp(&self) -> u64 {
        self.clock.last().max(self.verifier.newest())
    }

    /// Accepts a correctly signed, fresh frame (`frame` is the whole frame as received).
    pub fn check(&mut self, frame: &[u8]) -> Result<(), Rejection> {
        self.verifier.check(frame)
    }

    /// Writes `frame` (an unsigned MAVLink 2 frame) into `out` as a signed frame with the next
    /// timestamp; a frame that cannot be signed (not MAVLink 2) is copied as it is.
    pub fn sign(&mut self, frame: &[u8], out: &mut Vec<u8>) {
        let timestamp = self.clock.tick();
        // On an error `out` holds the frame unsigned, which is what the aircraft then sends.
        let _ = sign_frame(frame, self.verifier.key(), self.link_id, timestamp, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_datagram, Event};
    use kestrel_signing::timestamp_now;
    use mavlink::dialects::ardupilotmega::{MavMessage, HEARTBEAT_DATA};
    use mavlink::{MAVLinkV2MessageRaw, MavHeader};

    fn heartbeat() -> Vec<u8> {
        let mut raw = MAVLinkV2MessageRaw::new();
        raw.serialize_message(
            MavHeader {
                system_id: 255,
                component_id: 190,
                sequence: 1,
            },
            &MavMessage::HEARTBEAT(HEARTBEAT_DATA::default()),
        );
        raw.raw_bytes().to_vec()
    }

    #[test]
    fn signed_frames_decode_verify_and_cannot_be_replayed() {
        let key = [7u8; 32];
        let mut tx = AircraftSigning::from_setup(key, timestamp_now()).unwrap();
        let mut rx = AircraftSigning::from_setup(key, timestamp_now()).unwrap();
        let mut signed = Vec::new();
        tx.sign(&heartbeat(), &mut signed);
        let mut ok = 0;
        decode_datagram(&signed, |e| ok += matches!(e, Event::Frame(_)) as u32);
        assert_eq!(ok, 1, "a signed frame must still pass the checksum");
        assert_eq!(rx.check(&signed), Ok(()));
        assert_eq!(rx.check(&signed), Err(Rejection::Replayed));
        assert_eq!(rx.check(&heartbeat()), Err(Rejection::Unsigned));
        let mut other = AircraftSigning::from_setup([8u8; 32], 1).unwrap();
        other.sign(&heartbeat(), &mut signed);
        assert_eq!(rx.check(&signed), Err(Rejection::BadSignature));
    }

    #[test]
    fn an_old_recording_is_refused_as_too_old_after_a_restore() {
        let key = [9u8; 32];
        // A frame signed an hour ago (an old recording)...
        let an_hour_ago = timestamp_now() - 60 * kestrel_signing::NEW_STREAM_MAX_AGE;
        let mut recorded = Vec::new();
        sign_frame(&heartbeat(), &key, 0, an_hour_ago, &mut recorded).unwrap();
        // ...played to an aircraft whose stored timestamp is now.
        let mut rx = AircraftSigning::restore(key, timestamp_now());
        assert_eq!(rx.check(&recorded), Err(Rejection::TooOld));
    }

    #[test]
    fn the_stored_timestamp_never_goes_back() {
        let ahead = timestamp_now() + 1_000_000;
        let mut s = AircraftSigning::restore([1u8; 32], ahead);
        assert_eq!(s.timestamp(), ahead);
        let mut out = Vec::new();
        s.sign(&heartbeat(), &mut out);
        assert!(s.timestamp() > ahead);
        assert_eq!(s.key(), &[1u8; 32]);
        assert!(!format!("{s:?}").contains("[1"));
    }

    #[test]
    fn zero_key_removes_signing() {
        assert!(AircraftSigning::from_setup([0u8; 32], 0).is_none());
        assert!(AircraftSigning::from_setup([0u8; 32], 5).is_some());
    }
}
