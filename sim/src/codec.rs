//! MAVLink framing: encodes outgoing items as MAVLink 2 frames, and decodes MAVLink 1 and 2
//! frames from UDP datagrams or a TCP byte stream, reporting every frame with a bad checksum or
//! an undecodable payload instead of failing (the counts feed `SimStats`).

use mavlink::dialects::ardupilotmega::{MavMessage, COMMAND_ACK_DATA};
use mavlink::error::ParserError;
use mavlink::{
    calculate_crc, MAVLinkV2MessageRaw, MavHeader, MavlinkVersion, Message, MessageData,
};

use crate::outbox::Outgoing;

const STX_V1: u8 = 0xFE;
const STX_V2: u8 = 0xFD;
const HEADER_V1: usize = 6;
const HEADER_V2: usize = 10;
const SIGNATURE_LEN: usize = 13;
const IFLAG_SIGNED: u8 = 0x01;
/// Largest MAVLink 2 frame, bytes.
pub const MAX_FRAME: usize = HEADER_V2 + 255 + 2 + SIGNATURE_LEN;

/// A frame that decoded to something the aircraft can act on.
// Boxing the message would cost an allocation per frame; these values are moved, not stored.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Decoded {
    /// A dialect message.
    Msg(MavHeader, MavMessage),
    /// A COMMAND_LONG/COMMAND_INT with a command id the dialect does not know.
    UnknownCommand {
        /// Sender.
        header: MavHeader,
        /// Raw command id.
        command: u16,
        /// Addressed system.
        target_system: u8,
        /// Addressed component.
        target_component: u8,
    },
}

/// What the decoder found.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Event {
    /// A valid frame.
    Frame(Decoded),
    /// A frame candidate with a bad checksum or truncated (rejected).
    BadCrc,
    /// A CRC-valid frame (or unknown message id) that does not decode into the dialect.
    Undecodable,
}

/// Encodes outgoing items for one aircraft, keeping its sequence number.
#[derive(Default)]
pub struct Encoder {
    raw: MAVLinkV2MessageRaw,
    bytes: Vec<u8>,
    seq: u8,
}

impl Encoder {
    /// Encodes `item` from system `sysid`, component `compid` as one MAVLink 2 frame.
    pub fn encode(&mut self, sysid: u8, compid: u8, item: &Outgoing) -> &[u8] {
        let header = MavHeader {
            system_id: u32::from(sysid),
            component_id: compid,
            sequence: self.seq,
        };
        self.seq = self.seq.wrapping_add(1);
        match item {
            Outgoing::Msg(_, msg) => {
                self.raw.serialize_message(header, msg);
                self.raw.raw_bytes()
            }
            Outgoing::RawCommandAck {
                command,
                result,
                target_system,
                target_component,
                ..
            } => {
                let c = command.to_le_bytes();
                let payload = [
                    c[0],
                    c[1],
                    *result as u8,
                    0,
                    0,
                    0,
                    0,
                    0,
                    *target_system,
                    *target_component,
                ];
                write_v2(
                    &mut self.bytes,
                    header,
                    COMMAND_ACK_DATA::ID,
                    &payload,
                    COMMAND_ACK_DATA::EXTRA_CRC,
                );
                &self.bytes
            }
        }
    }
}

/// Writes a MAVLink 2 frame with `payload` (trailing zeros trimmed as the protocol requires).
fn write_v2(out: &mut Vec<u8>, h: MavHeader, msgid: u32, payload: &[u8], extra_crc: u8) {
    let len = payload.iter().rposition(|b| *b != 0).map_or(1, |i| i + 1);
    let id = msgid.to_le_bytes();
    out.clear();
    out.extend_from_slice(&[
        STX_V2,
        len as u8,
        0,
        0,
        h.sequence,
        h.system_id as u8,
        h.component_id,
        id[0],
        id[1],
        id[2],
    ]);
    out.extend_from_slice(&payload[..len]);
    let crc = calculate_crc(&out[1..], extra_crc);
    out.extend_from_slice(&crc.to_le_bytes());
}

/// Decodes every frame in one UDP datagram.
pub fn decode_datagram(data: &[u8], mut f: impl FnMut(Event)) {
    scan(data, false, &mut |e, _| f(e));
}

/// Decodes every frame in one UDP datagram, also handing over each frame's bytes (empty for a
/// rejected candidate), for signature checks.
pub fn decode_datagram_raw(data: &[u8], mut f: impl FnMut(Event, &[u8])) {
    scan(data, false, &mut f);
}

/// Reassembles frames from a byte stream (TCP).
#[derive(Default)]
pub struct StreamDecoder {
    buf: Vec<u8>,
}

impl StreamDecoder {
    /// Feeds received bytes, calling `f` for each complete frame.
    pub fn push(&mut self, data: &[u8], mut f: impl FnMut(Event)) {
        self.push_raw(data, |e, _| f(e));
    }

    /// Like [`StreamDecoder::push`], also handing over each frame's bytes (empty for a rejected
    /// candidate), for signature checks.
    pub fn push_raw(&mut self, data: &[u8], mut f: impl FnMut(Event, &[u8])) {
        self.buf.extend_from_slice(data);
        let used = scan(&self.buf, true, &mut f);
        self.buf.drain(..used);
        if self.buf.len() > 64 * 1024 {
            // Cannot happen with valid frames (max 280 bytes); drop runaway garbage.
            self.buf.clear();
            f(Event::BadCrc, &[]);
        }
    }
}

/// Scans `buf` for frames; returns the number of bytes consumed. In stream mode an incomplete
/// frame at the end is left for later; in datagram mode it is rejected.
fn scan(buf: &[u8], stream: bool, f: &mut impl FnMut(Event, &[u8])) -> usize {
    let mut i = 0;
    while i < buf.len() {
        let stx = buf[i];
        if stx != STX_V1 && stx != STX_V2 {
            i += 1;
            continue;
        }
        let rest = &buf[i..];
        let v2 = stx == STX_V2;
        let hdr = if v2 { HEADER_V2 } else { HEADER_V1 };
        if rest.len() < hdr {
            if stream {
                return i;
            }
            f(Event::BadCrc, &[]);
            return buf.len();
        }
        if v2 && rest[2] & !IFLAG_SIGNED != 0 {
            // Unsupported incompatibility flags: not a frame we can read.
            f(Event::BadCrc, &[]);
            i += 1;
            continue;
        }
        let len = usize::from(rest[1]);
        let signed = v2 && rest[2] & IFLAG_SIGNED != 0;
        let total = hdr + len + 2 + if signed { SIGNATURE_LEN } else { 0 };
        if rest.len() < total {
            if stream {
                return i;
            }
            f(Event::BadCrc, &[]);
            i += 1;
            continue;
        }
        let frame = &rest[..total];
        let msgid = if v2 {
            u32::from_le_bytes([frame[7], frame[8], frame[9], 0])
        } else {
            u32::from(frame[5])
        };
        let crc = u16::from_le_bytes([frame[hdr + len], frame[hdr + len + 1]]);
        if calculate_crc(&frame[1..hdr + len], MavMessage::extra_crc(msgid)) != crc {
            if MavMessage::default_message_from_id(msgid).is_none() {
                // Unknown message: its CRC cannot be checked; skip the whole frame.
                f(Event::Undecodable, frame);
                i += total;
            } else {
                f(Event::BadCrc, &[]);
                i += 1;
            }
            continue;
        }
        let (header, version) = if v2 {
            (
                MavHeader {
                    sequence: frame[4],
                    system_id: u32::from(frame[5]),
                    component_id: frame[6],
                },
                MavlinkVersion::V2,
            )
        } else {
            (
                MavHeader {
                    sequence: frame[2],
                    system_id: u32::from(frame[3]),
                    component_id: frame[4],
                },
                MavlinkVersion::V1,
            )
        };
        let payload = &frame[hdr..hdr + len];
        match MavMessage::parse(version, msgid, payload) {
            Ok(m) => f(Event::Frame(Decoded::Msg(header, m)), frame),
            Err(ParserError::InvalidEnum { enum_type, value })
                if enum_type == "MavCmd" && (msgid == 75 || msgid == 76) =>
            {
                let mut p = [0u8; 33];
                let n = payload.len().min(33);
                p[..n].copy_from_slice(&payload[..n]);
                f(
                    Event::Frame(Decoded::UnknownCommand {
                        header,
                        command: value as u16,
                        target_system: p[30],
                        target_component: p[31],
                    }),
                    frame,
                );
            }
            Err(_) => f(Event::Undecodable, frame),
        }
        i += total;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::Dest;
    use mavlink::dialects::ardupilotmega::{MavCmd, MavResult, COMMAND_LONG_DATA, HEARTBEAT_DATA};

    fn frames(data: &[u8]) -> (Vec<(MavHeader, MavMessage)>, usize, usize) {
        let (mut ok, mut bad, mut undec) = (Vec::new(), 0, 0);
        decode_datagram(data, |e| match e {
            Event::Frame(Decoded::Msg(h, m)) => ok.push((h, m)),
            Event::Frame(Decoded::UnknownCommand { .. }) => {}
            Event::BadCrc => bad += 1,
            Event::Undecodable => undec += 1,
        });
        (ok, bad, undec)
    }

    #[test]
    fn round_trip_v2_with_sequence() {
        let mut enc = Encoder::default();
        let hb = Outgoing::Msg(Dest::All, MavMessage::HEARTBEAT(HEARTBEAT_DATA::default()));
        let mut data = enc.encode(3, 1, &hb).to_vec();
        assert_eq!(data[0], STX_V2);
        data.extend_from_slice(enc.encode(3, 1, &hb));
        let (ok, bad, _) = frames(&data);
        assert_eq!(bad, 0);
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].0.system_id, 3);
        assert_eq!(ok[1].0.sequence, ok[0].0.sequence.wrapping_add(1));
    }

    #[test]
    fn garbage_and_corruption_are_counted_not_fatal() {
        let mut enc = Encoder::default();
        let hb = Outgoing::Msg(Dest::All, MavMessage::HEARTBEAT(HEARTBEAT_DATA::default()));
        let good = enc.encode(1, 1, &hb).to_vec();
        let mut corrupt = good.clone();
        let last = corrupt.len() - 3;
        corrupt[last] ^= 0xff;
        let mut data = vec![0x00, 0x11, STX_V2]; // junk and a truncated start
        data.extend_from_slice(&corrupt);
        data.extend_from_slice(&good);
        let (ok, bad, _) = frames(&data);
        assert_eq!(ok.len(), 1);
        assert!(bad >= 1);
        // random bytes never panic
        let mut rng = fastrand::Rng::with_seed(9);
        for _ in 0..2000 {
            let n = rng.usize(0..600);
            let mut junk: Vec<u8> = (0..n).map(|_| rng.u8(..)).collect();
            if n > 0 {
                junk[0] = STX_V2;
            }
            let _ = frames(&junk);
            let mut s = StreamDecoder::default();
            s.push(&junk, |_| {});
        }
    }

    #[test]
    fn stream_reassembles_split_frames() {
        let mut enc = Encoder::default();
        let hb = Outgoing::Msg(Dest::All, MavMessage::HEARTBEAT(HEARTBEAT_DATA::default()));
        let data = enc.encode(1, 1, &hb).to_vec();
        let mut s = StreamDecoder::default();
        let mut n = 0;
        for chunk in data.chunks(3) {
            s.push(chunk, |e| {
                if matches!(e, Event::Frame(_)) {
                    n += 1
                }
            });
        }
        assert_eq!(n, 1);
    }

    #[test]
    fn raw_ack_and_unknown_command_ids() {
        let mut enc = Encoder::default();
        let item = Outgoing::RawCommandAck {
            dest: Dest::All,
            command: 11,
            result: MavResult::MAV_RESULT_ACCEPTED,
            target_system: 255,
            target_component: 190,
        };
        let frame = enc.encode(1, 1, &item).to_vec();
        // 11 is not a MavCmd: the standard decoder rejects the enum, ours reports it.
        let mut got = None;
        decode_datagram(&frame, |e| got = Some(e));
        assert!(matches!(got, Some(Event::Undecodable)), "{got:?}");

        // A COMMAND_LONG with command id 60000 (unknown) is surfaced with its id.
        let known = Outgoing::Msg(
            Dest::All,
            MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
                command: MavCmd::MAV_CMD_NAV_WAYPOINT,
                target_system: 1,
                target_component: 1,
                ..Default::default()
            }),
        );
        let mut f = enc.encode(255, 190, &known).to_vec();
        // patch command field (payload offset 10 + 28) and fix the CRC
        let len = usize::from(f[1]);
        f[38..40].copy_from_slice(&60000u16.to_le_bytes());
        let crc = calculate_crc(&f[1..10 + len], COMMAND_LONG_DATA::EXTRA_CRC);
        f[10 + len..12 + len].copy_from_slice(&crc.to_le_bytes());
        let mut got = None;
        decode_datagram(&f, |e| got = Some(e));
        match got {
            Some(Event::Frame(Decoded::UnknownCommand {
                command,
                target_system,
                ..
            })) => {
                assert_eq!(command, 60000);
                assert_eq!(target_system, 1);
            }
            other => panic!("{other:?}"),
        }
    }
}
