//! MAVLink 2 message signing on the station's side: per-aircraft 32-byte keys, signing outgoing
//! frames with strictly increasing timestamps, and checking inbound signatures (bad, unsigned and
//! replayed frames are rejected and counted). Signing is what stops anyone else on the radio
//! network from commanding a police aircraft.
//!
//! The signature and the replay rules live in the `kestrel_signing` crate, shared with the
//! simulator; this module adds the station's secret key type and re-exports the rest.

use std::fmt;

use mavlink::MavHeader;

pub use kestrel_signing::{
    timestamp_now, Rejection, SigningClock, Verifier, VerifyCounts, KEY_LEN, SIGNATURE_LEN,
};

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

/// Encodes `msg` as a MAVLink 2 frame signed with `key`, sent on `link_id` at `timestamp`.
pub fn encode_signed(
    header: MavHeader,
    msg: &mavlink::dialects::ardupilotmega::MavMessage,
    key: &SigningKey,
    link_id: u8,
    timestamp: u64,
) -> Vec<u8> {
    kestrel_signing::encode_signed(header, msg, &key.0, link_id, timestamp)
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
    fn signed_frames_pass_the_links_decoder_and_verify() {
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
        let mut v = Verifier::new(*key.bytes());
        assert_eq!(v.check(&frame), Ok(()));
        // The same frame again is a replay.
        assert_eq!(v.check(&frame), Err(Rejection::Replayed));
    }

    #[test]
    fn wrong_key_unsigned_and_old_frames_are_refused() {
        let key = SigningKey::generate().unwrap();
        let other = SigningKey::generate().unwrap();
        let mut v = Verifier::new(*key.bytes());
        let forged = encode_signed(header(), &cmd(), &other, 0, timestamp_now());
        assert_eq!(v.check(&forged), Err(Rejection::BadSignature));
        let plain = crate::link::frame::encode_v2(header(), &cmd());
        assert_eq!(v.check(&plain), Err(Rejection::Unsigned));
        let long_ago = timestamp_now() - 10 * kestrel_signing::NEW_STREAM_MAX_AGE;
        let old = encode_signed(header(), &cmd(), &key, 0, long_ago);
        assert_eq!(v.check(&old), Err(Rejection::TooOld));
    }

    #[test]
    fn hex_round_trips_and_debug_hides_the_key() {
        let k = SigningKey::generate().unwrap();
        assert_eq!(SigningKey::from_hex(&k.to_hex()), Some(k.clone()));
        assert_eq!(SigningKey::from_hex(&k.to_hex()[1..]), None);
        assert_eq!(SigningKey::from_hex(&"zz".repeat(KEY_LEN)), None);
        assert!(!format!("{k:?}").contains(&k.to_hex()[..8]));
    }
}
