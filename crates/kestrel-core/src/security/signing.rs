//! MAVLink 2 message signing: per-aircraft 32-byte keys, signing outgoing frames with strictly
//! increasing timestamps, and checking inbound signatures (bad, unsigned and replayed frames are
//! rejected and counted). Signing is what stops anyone else on the radio network from commanding a
//! police aircraft.
//!
//! A signature is the first 48 bits of SHA-256(key ‖ frame up to and including the timestamp);
//! timestamps count 10 µs units since 2015-01-01 00:00 UTC.

use std::collections::HashMap;
use std::fmt;

use mavlink::MavHeader;
use sha2::{Digest, Sha256};

use crate::link::frame::{crc16, IFLAG_SIGNED, STX_V2};

/// Bytes in a signing key.
pub const KEY_LEN: usize = 32;
/// Bytes a signature adds to a frame (link id, 6-byte timestamp, 6-byte signature).
pub const SIGNATURE_LEN: usize = 13;
/// Unix time of the signing epoch, 2015-01-01 00:00:00 UTC.
const EPOCH_2015: u64 = 1_420_070_400;
/// A first frame from a stream may be at most this old (one minute, in 10 µs units).
const MAX_AGE: u64 = 60 * 100_000;

/// A secret signing key. Its `Debug` output never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey([u8; KEY_LEN]);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

impl SigningKey {
    /// A fresh random key from the operating system's secure generator.
    pub fn generate() -> std::io::Result<Self> {
        let mut k = [0u8; KEY_LEN];
        getrandom::fill(&mut k).map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(Self(k))
    }

    /// A key from its bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(bytes)
    }

    /// The key's bytes, for SETUP_SIGNING only.
    pub fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// Parses 64 hex digits.
    pub fn from_hex(text: &str) -> Option<Self> {
        let t = text.trim();
        if t.len() != 2 * KEY_LEN {
            return None;
        }
        let mut k = [0u8; KEY_LEN];
        for (i, byte) in k.iter_mut().enumerate() {
            *byte = u8::from_str_radix(t.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Self(k))
    }

    /// 64 hex digits (for the owner-only key file).
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The signing clock now: 10 µs units since 2015-01-01.
pub fn timestamp_now() -> u64 {
    let us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0);
    us.saturating_sub(EPOCH_2015 * 1_000_000) / 10
}

fn signature(key: &SigningKey, signed_part: &[u8]) -> [u8; 6] {
    let mut h = Sha256::new();
    h.update(key.0);
    h.update(signed_part);
    let d = h.finalize();
    let mut s = [0u8; 6];
    s.copy_from_slice(&d[..6]);
    s
}

/// Encodes `msg` as a signed MAVLink 2 frame.
pub fn encode_signed(
    header: MavHeader,
    msg: &mavlink::dialects::ardupilotmega::MavMessage,
    key: &SigningKey,
    link_id: u8,
    timestamp: u64,
) -> Vec<u8> {
    let mut frame = crate::link::frame::encode_v2(header, msg);
    // Set the signed flag, which the checksum covers, then re-checksum and append the signature.
    frame[2] |= IFLAG_SIGNED;
    let crc_at = frame.len() - 2;
    let extra = <mavlink::dialects::ardupilotmega::MavMessage as mavlink::Message>::extra_crc(
        u32::from_le_bytes([frame[7], frame[8], frame[9], 0]),
    );
    let crc = crc16(&frame[1..crc_at], extra);
    frame[crc_at..].copy_from_slice(&crc.to_le_bytes());
    frame.push(link_id);
    frame.extend_from_slice(&timestamp.to_le_bytes()[..6]);
    let sig = signature(key, &frame);
    frame.extend_from_slice(&sig);
    frame
}

/// Why an inbound frame was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    /// Not signed, but this aircraft's frames must be.
    Unsigned,
    /// Signed with another key, or altered.
    BadSignature,
    /// A timestamp not newer than one already seen on this stream: a replay.
    Replayed,
    /// The first frame of a stream, but older than a minute: a replay of an old recording.
    TooOld,
}

/// Counts of what a verifier accepted and refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct VerifyCounts {
    /// Frames with a good signature.
    pub accepted: u64,
    /// Unsigned frames refused.
    pub unsigned: u64,
    /// Frames with a wrong signature.
    pub bad_signature: u64,
    /// Replayed or too old frames.
    pub replayed: u64,
}

impl VerifyCounts {
    /// All refused frames.
    pub fn rejected(&self) -> u64 {
        self.unsigned + self.bad_signature + self.replayed
    }
}

/// Checks the signatures of one aircraft's frames.
#[derive(Debug)]
pub struct Verifier {
    key: SigningKey,
    streams: HashMap<(u8, u8, u8), u64>,
    newest: u64,
    /// What was accepted and refused so far.
    pub counts: VerifyCounts,
}

impl Verifier {
    /// A verifier for frames signed with `key`.
    pub fn new(key: SigningKey) -> Self {
        Self {
            key,
            streams: HashMap::new(),
            newest: 0,
            counts: VerifyCounts::default(),
        }
    }

    /// Accepts a correctly signed, fresh frame; refuses anything else.
    pub fn check(&mut self, frame: &[u8]) -> Result<(), Rejection> {
        let result = self.check_inner(frame);
        match result {
            Ok(()) => self.counts.accepted += 1,
            Err(Rejection::Unsigned) => self.counts.unsigned += 1,
            Err(Rejection::BadSignature) => self.counts.bad_signature += 1,
            Err(Rejection::Replayed | Rejection::TooOld) => self.counts.replayed += 1,
        }
        result
    }

    /// Checks a frame addressed to the aircraft by another station: refusals are counted like the
    /// aircraft's own, but a good signature does not count as the aircraft signing.
    pub fn check_addressed(&mut self, frame: &[u8]) -> Result<(), Rejection> {
        let result = self.check_inner(frame);
        match result {
            Ok(()) => {}
            Err(Rejection::Unsigned) => self.counts.unsigned += 1,
            Err(Rejection::BadSignature) => self.counts.bad_signature += 1,
            Err(Rejection::Replayed | Rejection::TooOld) => self.counts.replayed += 1,
        }
        result
    }

    fn check_inner(&mut self, frame: &[u8]) -> Result<(), Rejection> {
        if frame.len() < 10 + 2 + SIGNATURE_LEN
            || frame[0] != STX_V2
            || frame[2] & IFLAG_SIGNED == 0
        {
            return Err(Rejection::Unsigned);
        }
        let sig_at = frame.len() - 6;
        if signature(&self.key, &frame[..sig_at]) != frame[sig_at..] {
            return Err(Rejection::BadSignature);
        }
        let link_id = frame[sig_at - 7];
        let mut ts = [0u8; 8];
        ts[..6].copy_from_slice(&frame[sig_at - 6..sig_at]);
        let ts = u64::from_le_bytes(ts);
        let stream = (link_id, frame[5], frame[6]);
        let now = timestamp_now().max(self.newest);
        match self.streams.get(&stream) {
            Some(last) if ts <= *last => return Err(Rejection::Replayed),
            None if ts + MAX_AGE < now => return Err(Rejection::TooOld),
            _ => {}
        }
        self.streams.insert(stream, ts);
        self.newest = self.newest.max(ts);
        Ok(())
    }
}

/// Hands out signing timestamps that only ever increase, even across restarts when a floor from
/// the persisted state is given.
#[derive(Debug)]
pub struct SigningClock {
    last: u64,
}

impl SigningClock {
    /// A clock that will never hand out a timestamp at or below `floor`.
    pub fn new(floor: u64) -> Self {
        Self { last: floor }
    }

    /// The next timestamp: now, or one more than the last if the wall clock went backwards.
    pub fn tick(&mut self) -> u64 {
        self.last = timestamp_now().max(self.last + 1);
        self.last
    }

    /// The last timestamp handed out.
    pub fn last(&self) -> u64 {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mavlink::dialects::ardupilotmega::{MavMessage, COMMAND_LONG_DATA};

    fn cmd() -> MavMessage {
        MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
            target_system: 1,
            target_component: 1,
            ..Default::default()
        })
    }

    fn header() -> MavHeader {
        MavHeader {
            system_id: 255,
            component_id: 190,
            sequence: 3,
        }
    }

    #[test]
    fn signed_frames_verify_and_decode() {
        let key = SigningKey::generate().unwrap();
        let mut clock = SigningClock::new(0);
        let frame = encode_signed(header(), &cmd(), &key, 0, clock.tick());
        let mut decoded = 0;
        crate::link::FrameDecoder::new().feed(&frame, |f| {
            assert!(f.is_signed());
            assert!(matches!(f.decode().unwrap(), MavMessage::COMMAND_LONG(_)));
            decoded += 1;
        });
        assert_eq!(decoded, 1);
        let mut v = Verifier::new(key);
        assert_eq!(v.check(&frame), Ok(()));
        // The same frame again is a replay.
        assert_eq!(v.check(&frame), Err(Rejection::Replayed));
    }

    #[test]
    fn wrong_key_unsigned_and_old_frames_are_refused() {
        let key = SigningKey::generate().unwrap();
        let other = SigningKey::generate().unwrap();
        let mut v = Verifier::new(key.clone());
        let forged = encode_signed(header(), &cmd(), &other, 0, timestamp_now());
        assert_eq!(v.check(&forged), Err(Rejection::BadSignature));
        let plain = crate::link::frame::encode_v2(header(), &cmd());
        assert_eq!(v.check(&plain), Err(Rejection::Unsigned));
        let old = encode_signed(header(), &cmd(), &key, 0, timestamp_now() - 10 * MAX_AGE);
        assert_eq!(v.check(&old), Err(Rejection::TooOld));
        assert_eq!(v.counts.rejected(), 3);
    }

    #[test]
    fn agrees_with_the_mavlink_crate() {
        // The simulator verifies with the mavlink crate's implementation; ours must match it.
        let key = SigningKey::generate().unwrap();
        let frame = encode_signed(header(), &cmd(), &key, 7, timestamp_now());
        let mut raw = mavlink::MAVLinkV2MessageRaw::new();
        raw.as_mut_slice()[..frame.len()].copy_from_slice(&frame);
        let data = mavlink::SigningData::from_config(mavlink::SigningConfig::new(
            *key.bytes(),
            0,
            false,
            false,
        ));
        assert!(data.verify_signature(&raw));
    }

    #[test]
    fn clock_never_goes_back_and_hex_round_trips() {
        let mut c = SigningClock::new(u64::MAX / 2);
        let a = c.tick();
        assert!(c.tick() > a);
        let k = SigningKey::generate().unwrap();
        assert_eq!(SigningKey::from_hex(&k.to_hex()), Some(k.clone()));
        assert!(!format!("{k:?}").contains(&k.to_hex()[..8]));
    }
}
