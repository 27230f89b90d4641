//! MAVLink 2 signing on the aircraft side, as ArduPilot does it: SETUP_SIGNING installs a 32-byte
//! key (an all-zero key with timestamp 0 removes it); with a key, every outgoing frame is signed
//! and every incoming frame must carry a good signature with a timestamp newer than the last one of
//! its stream (link id, system, component), or it is ignored and counted.
//!
//! Like ArduPilot, RADIO_STATUS and RADIO (sent unsigned by radio modems) are accepted without a
//! signature. ArduPilot also accepts everything on its channel 0 (USB, assumed physically secure);
//! every simulated link is a network socket, so none is exempt here.
//!
//! This is a small copy of the signing rules the ground station implements in `kestrel::security`
//! (the simulator must not depend on the station's crate); `kestrel`'s tests check that both agree.

use std::collections::HashMap;

use mavlink::dialects::ardupilotmega::MavMessage;
use mavlink::{calculate_crc, Message};
use sha2::{Digest, Sha256};

/// Messages accepted unsigned even when signing is on (ArduPilot's list: radio modem status).
pub const ACCEPT_UNSIGNED: [u32; 2] = [109, 166];
/// A new stream's first frame may be at most this old relative to the newest seen (one minute,
/// in 10 µs units).
const MAX_AGE: u64 = 60 * 100_000;
/// Unix time of the signing epoch, 2015-01-01 00:00:00 UTC.
const EPOCH_2015: u64 = 1_420_070_400;
const HEADER_V2: usize = 10;
const SIGNATURE_LEN: usize = 13;
const IFLAG_SIGNED: u8 = 0x01;

/// What the aircraft did with signed and unsigned frames.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigningCounts {
    /// Frames with a good, fresh signature.
    pub accepted: u64,
    /// Unsigned frames ignored.
    pub unsigned: u64,
    /// Frames signed with another key, or altered, ignored.
    pub bad_signature: u64,
    /// Frames whose timestamp was not newer than the stream's last one (replays), ignored.
    pub replayed: u64,
}

impl SigningCounts {
    /// Every frame ignored for signing reasons.
    pub fn rejected(&self) -> u64 {
        self.unsigned + self.bad_signature + self.replayed
    }
}

/// Why a frame was ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not signed.
    Unsigned,
    /// Wrong key or altered.
    BadSignature,
    /// Not newer than the stream's last timestamp, or a new stream's first frame too old.
    Replayed,
}

/// The signing timestamp now: 10 µs units since 2015-01-01.
pub fn timestamp_now() -> u64 {
    let us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0);
    us.saturating_sub(EPOCH_2015 * 1_000_000) / 10
}

/// The signature of a frame's signed part (everything up to and including the timestamp).
pub fn signature(key: &[u8; 32], signed_part: &[u8]) -> [u8; 6] {
    let mut h = Sha256::new();
    h.update(key);
    h.update(signed_part);
    let d = h.finalize();
    let mut s = [0u8; 6];
    s.copy_from_slice(&d[..6]);
    s
}

/// One aircraft's signing state: its key, outgoing clock and the last timestamp per stream.
#[derive(Clone)]
pub struct AircraftSigning {
    key: [u8; 32],
    link_id: u8,
    last_sent: u64,
    streams: HashMap<(u8, u8, u8), u64>,
    newest: u64,
}

impl std::fmt::Debug for AircraftSigning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AircraftSigning(<key redacted>)")
    }
}

impl AircraftSigning {
    /// The state SETUP_SIGNING asks for, or None when it removes signing (all-zero key and
    /// timestamp, as ArduPilot treats it).
    pub fn from_setup(key: [u8; 32], initial_timestamp: u64) -> Option<Self> {
        if initial_timestamp == 0 && key.iter().all(|b| *b == 0) {
            return None;
        }
        Some(Self {
            key,
            link_id: 0,
            last_sent: initial_timestamp,
            streams: HashMap::new(),
            newest: initial_timestamp,
        })
    }

    /// The state a signing store kept: the key, and the newest timestamp used or seen, from
    /// which both the outgoing clock and the replay floor continue.
    pub fn restore(key: [u8; 32], timestamp: u64) -> Self {
        Self {
            key,
            link_id: 0,
            last_sent: timestamp,
            streams: HashMap::new(),
            newest: timestamp,
        }
    }

    /// The secret key (for the signing store only).
    pub fn key(&self) -> &[u8; 32] {
        &self.key
    }

    /// The newest timestamp sent or accepted: a restart must not go back on it.
    pub fn timestamp(&self) -> u64 {
        self.last_sent.max(self.newest)
    }

    /// Accepts a correctly signed, fresh frame (`frame` is the whole frame as received).
    pub fn check(&mut self, frame: &[u8]) -> Result<(), Refusal> {
        if frame.len() < HEADER_V2 + 2 + SIGNATURE_LEN
            || frame[0] != 0xFD
            || frame[2] & IFLAG_SIGNED == 0
        {
            return Err(Refusal::Unsigned);
        }
        let sig_at = frame.len() - 6;
        if signature(&self.key, &frame[..sig_at]) != frame[sig_at..] {
            return Err(Refusal::BadSignature);
        }
        let mut ts = [0u8; 8];
        ts[..6].copy_from_slice(&frame[sig_at - 6..sig_at]);
        let ts = u64::from_le_bytes(ts);
        let stream = (frame[sig_at - 7], frame[5], frame[6]);
        let now = timestamp_now().max(self.newest);
        match self.streams.get(&stream) {
            Some(last) if ts <= *last => return Err(Refusal::Replayed),
            None if ts + MAX_AGE < now => return Err(Refusal::Replayed),
            _ => {}
        }
        self.streams.insert(stream, ts);
        self.newest = self.newest.max(ts);
        Ok(())
    }

    /// Writes `frame` (an unsigned MAVLink 2 frame) into `out` as a signed frame with the next
    /// timestamp.
    pub fn sign(&mut self, frame: &[u8], out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(frame);
        if frame.len() < HEADER_V2 + 2 || frame[0] != 0xFD {
            return;
        }
        out[2] |= IFLAG_SIGNED;
        let len = usize::from(out[1]);
        let crc_at = HEADER_V2 + len;
        out.truncate(crc_at + 2);
        let msgid = u32::from_le_bytes([out[7], out[8], out[9], 0]);
        let crc = calculate_crc(&out[1..crc_at], MavMessage::extra_crc(msgid));
        out[crc_at..crc_at + 2].copy_from_slice(&crc.to_le_bytes());
        self.last_sent = timestamp_now().max(self.last_sent + 1);
        out.push(self.link_id);
        out.extend_from_slice(&self.last_sent.to_le_bytes()[..6]);
        let sig = signature(&self.key, out);
        out.extend_from_slice(&sig);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_datagram, Event};
    use mavlink::dialects::ardupilotmega::HEARTBEAT_DATA;
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
        assert_eq!(rx.check(&signed), Err(Refusal::Replayed));
        assert_eq!(rx.check(&heartbeat()), Err(Refusal::Unsigned));
        let mut other = AircraftSigning::from_setup([8u8; 32], 1).unwrap();
        other.sign(&heartbeat(), &mut signed);
        assert_eq!(rx.check(&signed), Err(Refusal::BadSignature));
    }

    #[test]
    fn agrees_with_the_mavlink_crate() {
        let key = [42u8; 32];
        let mut tx = AircraftSigning::from_setup(key, timestamp_now()).unwrap();
        let mut signed = Vec::new();
        tx.sign(&heartbeat(), &mut signed);
        let mut raw = MAVLinkV2MessageRaw::new();
        raw.as_mut_slice()[..signed.len()].copy_from_slice(&signed);
        let data =
            mavlink::SigningData::from_config(mavlink::SigningConfig::new(key, 0, false, false));
        assert!(data.verify_signature(&raw));
    }

    #[test]
    fn zero_key_removes_signing() {
        assert!(AircraftSigning::from_setup([0u8; 32], 0).is_none());
        assert!(AircraftSigning::from_setup([0u8; 32], 5).is_some());
    }
}
