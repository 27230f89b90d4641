//! The signature itself: the first 48 bits of SHA-256 over the secret key followed by the frame
//! up to and including the signature's timestamp, and the signing of an unsigned MAVLink 2 frame
//! (set the signed flag, which the checksum covers, checksum again, append link id, timestamp
//! and signature).

use mavlink::dialects::ardupilotmega::MavMessage;
use mavlink::{calculate_crc, MavHeader, Message as _};
use sha2::{Digest, Sha256};

use crate::{CHECKSUM_LEN, HEADER_V2_LEN, IFLAG_SIGNED, KEY_LEN, SIGNATURE_LEN, STX_V2};

/// The signature of a frame's signed part (everything up to and including the timestamp).
pub fn signature(key: &[u8; KEY_LEN], signed_part: &[u8]) -> [u8; 6] {
    let mut h = Sha256::new();
    h.update(key);
    h.update(signed_part);
    let digest = h.finalize();
    let mut s = [0u8; 6];
    s.copy_from_slice(&digest[..6]);
    s
}

/// Why a frame could not be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignError {
    /// Not a MAVLink 2 frame (MAVLink 1 has no signatures).
    NotMavlink2,
    /// The frame is shorter than its header says.
    Truncated,
}

impl std::fmt::Display for SignError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignError::NotMavlink2 => "only MAVLink 2 frames can be signed",
            SignError::Truncated => "the frame is shorter than its header says",
        })
    }
}

impl std::error::Error for SignError {}

/// Writes `frame` (a MAVLink 2 frame; a signature it already carries is dropped) into `out` as a
/// frame signed with `key`, sent on `link_id` at `timestamp`. On an error `out` holds the frame
/// unchanged, so a caller may still send it unsigned.
pub fn sign_frame(
    frame: &[u8],
    key: &[u8; KEY_LEN],
    link_id: u8,
    timestamp: u64,
    out: &mut Vec<u8>,
) -> Result<(), SignError> {
    out.clear();
    out.extend_from_slice(frame);
    if frame.len() < HEADER_V2_LEN + CHECKSUM_LEN || frame[0] != STX_V2 {
        return Err(SignError::NotMavlink2);
    }
    let crc_at = HEADER_V2_LEN + usize::from(frame[1]);
    if frame.len() < crc_at + CHECKSUM_LEN {
        return Err(SignError::Truncated);
    }
    out.truncate(crc_at + CHECKSUM_LEN);
    append_signature(out, crc_at, key, link_id, timestamp);
    Ok(())
}

/// Signs the whole, unsigned MAVLink 2 frame in `out` whose checksum starts at `crc_at`.
fn append_signature(
    out: &mut Vec<u8>,
    crc_at: usize,
    key: &[u8; KEY_LEN],
    link_id: u8,
    timestamp: u64,
) {
    out[2] |= IFLAG_SIGNED;
    let msgid = u32::from_le_bytes([out[7], out[8], out[9], 0]);
    let crc = calculate_crc(&out[1..crc_at], MavMessage::extra_crc(msgid));
    out[crc_at..crc_at + CHECKSUM_LEN].copy_from_slice(&crc.to_le_bytes());
    out.push(link_id);
    out.extend_from_slice(&timestamp.to_le_bytes()[..6]);
    let sig = signature(key, out);
    out.extend_from_slice(&sig);
}

/// Encodes `msg` as a MAVLink 2 frame signed with `key`, sent on `link_id` at `timestamp`.
pub fn encode_signed(
    header: MavHeader,
    msg: &MavMessage,
    key: &[u8; KEY_LEN],
    link_id: u8,
    timestamp: u64,
) -> Vec<u8> {
    let mut raw = mavlink::MAVLinkV2MessageRaw::new();
    raw.serialize_message(header, msg);
    let bytes = raw.raw_bytes();
    let mut out = Vec::with_capacity(bytes.len() + SIGNATURE_LEN);
    out.extend_from_slice(bytes);
    // Freshly serialised: a whole, unsigned MAVLink 2 frame ending in its checksum.
    append_signature(
        &mut out,
        bytes.len() - CHECKSUM_LEN,
        key,
        link_id,
        timestamp,
    );
    out
}

/// The 13 bytes a signed frame ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureTrailer {
    /// The sender's link id (the "channel" the frame was sent on).
    pub link_id: u8,
    /// The sender's signing timestamp (10 µs units since 2015-01-01).
    pub timestamp: u64,
    /// The 48-bit signature.
    pub signature: [u8; 6],
}

impl SignatureTrailer {
    /// The trailer of `frame` (a whole frame as received), or `None` when it is not a signed
    /// MAVLink 2 frame.
    pub fn of(frame: &[u8]) -> Option<Self> {
        if frame.len() < HEADER_V2_LEN + CHECKSUM_LEN + SIGNATURE_LEN
            || frame[0] != STX_V2
            || frame[2] & IFLAG_SIGNED == 0
        {
            return None;
        }
        let at = frame.len() - SIGNATURE_LEN;
        let mut ts = [0u8; 8];
        ts[..6].copy_from_slice(&frame[at + 1..at + 7]);
        let mut signature = [0u8; 6];
        signature.copy_from_slice(&frame[at + 7..]);
        Some(Self {
            link_id: frame[at],
            timestamp: u64::from_le_bytes(ts),
            signature,
        })
    }

    /// Whether the trailer's signature is `key`'s over `frame` (the frame it was read from).
    pub fn matches(&self, key: &[u8; KEY_LEN], frame: &[u8]) -> bool {
        let signed_part = &frame[..frame.len().saturating_sub(6)];
        signature(key, signed_part) == self.signature
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mavlink::dialects::ardupilotmega::HEARTBEAT_DATA;

    fn header() -> MavHeader {
        MavHeader {
            system_id: 255,
            component_id: 190,
            sequence: 4,
        }
    }

    fn unsigned() -> Vec<u8> {
        let mut raw = mavlink::MAVLinkV2MessageRaw::new();
        raw.serialize_message(header(), &MavMessage::HEARTBEAT(HEARTBEAT_DATA::default()));
        raw.raw_bytes().to_vec()
    }

    #[test]
    fn a_signed_frame_carries_link_id_timestamp_and_a_matching_signature() {
        let key = [3u8; KEY_LEN];
        let frame = encode_signed(
            header(),
            &MavMessage::HEARTBEAT(HEARTBEAT_DATA::default()),
            &key,
            9,
            0x0000_1234_5678_9abc,
        );
        assert_eq!(frame.len(), unsigned().len() + SIGNATURE_LEN);
        let t = SignatureTrailer::of(&frame).expect("signed");
        assert_eq!(t.link_id, 9);
        assert_eq!(t.timestamp, 0x0000_1234_5678_9abc);
        assert!(t.matches(&key, &frame));
        assert!(!t.matches(&[4u8; KEY_LEN], &frame));
        // Signing an already signed frame replaces its signature rather than stacking one.
        let mut again = Vec::new();
        sign_frame(&frame, &key, 1, 7, &mut again).unwrap();
        assert_eq!(again.len(), frame.len());
        assert_eq!(SignatureTrailer::of(&again).unwrap().timestamp, 7);
    }

    #[test]
    fn the_checksum_covers_the_signed_flag() {
        let mut out = Vec::new();
        sign_frame(&unsigned(), &[1u8; KEY_LEN], 0, 1, &mut out).unwrap();
        let crc_at = out.len() - SIGNATURE_LEN - CHECKSUM_LEN;
        let extra = MavMessage::extra_crc(0);
        let crc = calculate_crc(&out[1..crc_at], extra);
        assert_eq!(out[crc_at..crc_at + 2], crc.to_le_bytes());
        assert_ne!(out[crc_at..crc_at + 2], unsigned()[crc_at..crc_at + 2]);
    }

    #[test]
    fn what_cannot_be_signed_is_refused_without_a_panic_and_left_as_it_was() {
        let mut out = Vec::new();
        let v1 = [0xFE, 9, 0, 1, 1, 0, 0, 0];
        assert_eq!(
            sign_frame(&v1, &[0u8; KEY_LEN], 0, 1, &mut out),
            Err(SignError::NotMavlink2)
        );
        assert_eq!(out, v1);
        let cut = &unsigned()[..14];
        assert_eq!(
            sign_frame(cut, &[0u8; KEY_LEN], 0, 1, &mut out),
            Err(SignError::Truncated)
        );
        assert_eq!(out, cut);
        assert_eq!(
            sign_frame(&[], &[0u8; KEY_LEN], 0, 1, &mut out),
            Err(SignError::NotMavlink2)
        );
        assert!(SignatureTrailer::of(&unsigned()).is_none());
        assert!(SignatureTrailer::of(&[0xFD, 0, 1]).is_none());
    }

    #[test]
    fn agrees_with_the_mavlink_crate() {
        let key = [42u8; KEY_LEN];
        let frame = encode_signed(
            header(),
            &MavMessage::HEARTBEAT(HEARTBEAT_DATA::default()),
            &key,
            7,
            crate::timestamp_now(),
        );
        let mut raw = mavlink::MAVLinkV2MessageRaw::new();
        raw.as_mut_slice()[..frame.len()].copy_from_slice(&frame);
        let theirs =
            mavlink::SigningData::from_config(mavlink::SigningConfig::new(key, 0, false, false));
        assert!(theirs.verify_signature(&raw));
        let wrong = mavlink::SigningData::from_config(mavlink::SigningConfig::new(
            [43u8; KEY_LEN],
            0,
            false,
            false,
        ));
        assert!(!wrong.verify_signature(&raw));
    }
}
