//! One MAVLink frame on the wire, and the incremental decoder that finds frames in a byte stream.
//!
//! The decoder is ours rather than the mavlink crate's reader because a ground station must count
//! what it throws away (bad CRCs, garbage, unknown messages) per link, and must keep the exact bytes
//! of every frame for the telemetry log.

use mavlink::dialects::ardupilotmega::MavMessage;
use mavlink::{MavHeader, MavlinkVersion, Message as _};

/// MAVLink 1 start byte.
pub const STX_V1: u8 = 0xFE;
/// MAVLink 2 start byte.
pub const STX_V2: u8 = 0xFD;
const V1_HEADER: usize = 6;
const V2_HEADER: usize = 10;
const CHECKSUM: usize = 2;
const SIGNATURE: usize = 13;
/// MAVLink 2 incompatibility flag: the frame carries a 13-byte signature.
pub const IFLAG_SIGNED: u8 = 0x01;
/// The largest possible frame (MAVLink 2, 255-byte payload, signed).
pub const MAX_FRAME_LEN: usize = V2_HEADER + 255 + CHECKSUM + SIGNATURE;

/// A borrowed, CRC-checked frame: the exact bytes as received.
#[derive(Clone, Copy, Debug)]
pub struct FrameRef<'a> {
    bytes: &'a [u8],
}

impl<'a> FrameRef<'a> {
    /// All bytes of the frame, start byte to signature.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// MAVLink protocol version of this frame.
    pub fn version(&self) -> MavlinkVersion {
        if self.bytes[0] == STX_V2 {
            MavlinkVersion::V2
        } else {
            MavlinkVersion::V1
        }
    }

    /// Sender system id.
    pub fn system_id(&self) -> u8 {
        match self.version() {
            MavlinkVersion::V2 => self.bytes[5],
            MavlinkVersion::V1 => self.bytes[3],
        }
    }

    /// Sender component id.
    pub fn component_id(&self) -> u8 {
        match self.version() {
            MavlinkVersion::V2 => self.bytes[6],
            MavlinkVersion::V1 => self.bytes[4],
        }
    }

    /// Sender's packet sequence number, used to measure packet loss.
    pub fn sequence(&self) -> u8 {
        match self.version() {
            MavlinkVersion::V2 => self.bytes[4],
            MavlinkVersion::V1 => self.bytes[2],
        }
    }

    /// Message id.
    pub fn message_id(&self) -> u32 {
        match self.version() {
            MavlinkVersion::V2 => {
                u32::from_le_bytes([self.bytes[7], self.bytes[8], self.bytes[9], 0])
            }
            MavlinkVersion::V1 => u32::from(self.bytes[5]),
        }
    }

    /// Whether the frame carries a MAVLink 2 signature.
    pub fn is_signed(&self) -> bool {
        self.version() == MavlinkVersion::V2 && self.bytes[2] & IFLAG_SIGNED != 0
    }

    /// The message payload (MAVLink 2 payloads may be truncated of trailing zeros).
    pub fn payload(&self) -> &'a [u8] {
        let len = self.bytes[1] as usize;
        match self.version() {
            MavlinkVersion::V2 => &self.bytes[V2_HEADER..V2_HEADER + len],
            MavlinkVersion::V1 => &self.bytes[V1_HEADER..V1_HEADER + len],
        }
    }

    /// The header fields the mavlink crate uses.
    pub fn header(&self) -> MavHeader {
        MavHeader {
            system_id: u32::from(self.system_id()),
            component_id: self.component_id(),
            sequence: self.sequence(),
        }
    }

    /// Decodes the payload into a typed message of the ArduPilot dialect.
    pub fn decode(&self) -> Result<MavMessage, mavlink::error::ParserError> {
        MavMessage::parse(self.version(), self.message_id(), self.payload())
    }
}

/// What a decoder threw away, so a link can show how clean it is.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DecodeStats {
    /// Frames that passed the checksum.
    pub frames: u64,
    /// Frames whose checksum did not match (corruption on the wire).
    pub crc_errors: u64,
    /// Frames with a message id this dialect does not know (skipped whole).
    pub unknown_messages: u64,
    /// Bytes skipped while looking for a start byte.
    pub garbage_bytes: u64,
}

/// Incremental frame decoder for one byte stream (one TCP connection, one UDP peer, one serial port).
#[derive(Debug, Default)]
pub struct FrameDecoder {
    pending: Vec<u8>,
    stats: DecodeStats,
}

enum Step {
    /// A valid frame of this many bytes starts at the cursor.
    Frame(usize),
    /// Skip this many bytes (unknown message or garbage).
    Skip(usize, SkipReason),
    /// Need more bytes.
    Incomplete,
}

enum SkipReason {
    Garbage,
    Crc,
    Unknown,
}

impl FrameDecoder {
    /// A decoder with empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counters of what this decoder has seen.
    pub fn stats(&self) -> DecodeStats {
        self.stats
    }

    /// Feeds bytes and calls `on_frame` for every complete, checksum-valid frame, in order.
    pub fn feed(&mut self, data: &[u8], mut on_frame: impl FnMut(FrameRef<'_>)) {
        if self.pending.is_empty() {
            let used = self.scan(data, &mut on_frame);
            self.pending.extend_from_slice(&data[used..]);
        } else {
            let mut buf = std::mem::take(&mut self.pending);
            buf.extend_from_slice(data);
            let used = self.scan(&buf, &mut on_frame);
            buf.drain(..used);
            self.pending = buf;
        }
        if self.pending.len() > 4 * MAX_FRAME_LEN {
            // Cannot happen with a correct scan; guards memory against a logic error.
            self.stats.garbage_bytes += self.pending.len() as u64;
            self.pending.clear();
        }
    }

    /// Scans `buf`, returns how many bytes were consumed.
    fn scan(&mut self, buf: &[u8], on_frame: &mut impl FnMut(FrameRef<'_>)) -> usize {
        let mut at = 0;
        while at < buf.len() {
            match classify(&buf[at..]) {
                Step::Frame(len) => {
                    self.stats.frames += 1;
                    on_frame(FrameRef {
                        bytes: &buf[at..at + len],
                    });
                    at += len;
                }
                Step::Skip(n, reason) => {
                    match reason {
                        SkipReason::Garbage => self.stats.garbage_bytes += n as u64,
                        SkipReason::Crc => self.stats.crc_errors += 1,
                        SkipReason::Unknown => self.stats.unknown_messages += 1,
                    }
                    at += n;
                }
                Step::Incomplete => break,
            }
        }
        at
    }
}

fn classify(buf: &[u8]) -> Step {
    match buf[0] {
        STX_V2 => classify_v2(buf),
        STX_V1 => classify_v1(buf),
        _ => {
            let skip = buf
                .iter()
                .position(|b| *b == STX_V2 || *b == STX_V1)
                .unwrap_or(buf.len());
            Step::Skip(skip, SkipReason::Garbage)
        }
    }
}

fn classify_v2(buf: &[u8]) -> Step {
    if buf.len() < V2_HEADER {
        return Step::Incomplete;
    }
    let payload_len = buf[1] as usize;
    let incompat = buf[2];
    if incompat & !IFLAG_SIGNED != 0 {
        // Unknown incompatibility flags: per spec the frame must be dropped. Resync.
        return Step::Skip(1, SkipReason::Garbage);
    }
    let signed = incompat & IFLAG_SIGNED != 0;
    let len = V2_HEADER + payload_len + CHECKSUM + if signed { SIGNATURE } else { 0 };
    if buf.len() < len {
        return Step::Incomplete;
    }
    let msg_id = u32::from_le_bytes([buf[7], buf[8], buf[9], 0]);
    let crc_end = V2_HEADER + payload_len;
    check_crc(buf, crc_end, msg_id, len)
}

fn classify_v1(buf: &[u8]) -> Step {
    if buf.len() < V1_HEADER {
        return Step::Incomplete;
    }
    let payload_len = buf[1] as usize;
    let len = V1_HEADER + payload_len + CHECKSUM;
    if buf.len() < len {
        return Step::Incomplete;
    }
    let crc_end = V1_HEADER + payload_len;
    check_crc(buf, crc_end, u32::from(buf[5]), len)
}

fn check_crc(buf: &[u8], crc_end: usize, msg_id: u32, len: usize) -> Step {
    let extra = MavMessage::extra_crc(msg_id);
    let wire = u16::from_le_bytes([buf[crc_end], buf[crc_end + 1]]);
    if crc16(&buf[1..crc_end], extra) == wire {
        Step::Frame(len)
    } else if extra == 0 {
        // The dialect does not know this message: its checksum cannot be checked. Skip it whole.
        Step::Skip(len, SkipReason::Unknown)
    } else {
        Step::Skip(1, SkipReason::Crc)
    }
}

/// CRC-16/MCRF4XX (X.25) over `data` followed by the message's CRC_EXTRA byte, as MAVLink defines it.
pub fn crc16(data: &[u8], extra: u8) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in data.iter().chain(std::iter::once(&extra)) {
        let mut tmp = b ^ (crc as u8);
        tmp ^= tmp << 4;
        crc = (crc >> 8) ^ (u16::from(tmp) << 8) ^ (u16::from(tmp) << 3) ^ (u16::from(tmp) >> 4);
    }
    crc
}

/// Encodes one message as a MAVLink 2 frame (unsigned).
pub fn encode_v2(header: MavHeader, msg: &MavMessage) -> Vec<u8> {
    let mut raw = mavlink::MAVLinkV2MessageRaw::new();
    raw.serialize_message(header, msg);
    raw.raw_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mavlink::dialects::ardupilotmega::{
        MavAutopilot, MavModeFlag, MavState, MavType, HEARTBEAT_DATA,
    };

    fn heartbeat(seq: u8) -> Vec<u8> {
        encode_v2(
            MavHeader {
                system_id: 7,
                component_id: 1,
                sequence: seq,
            },
            &MavMessage::HEARTBEAT(HEARTBEAT_DATA {
                custom_mode: 4,
                mavtype: MavType::MAV_TYPE_QUADROTOR,
                autopilot: MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA,
                base_mode: MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED,
                system_status: MavState::MAV_STATE_STANDBY,
                mavlink_version: 3,
            }),
        )
    }

    #[test]
    fn finds_frames_split_across_chunks_and_among_garbage() {
        let mut stream = vec![0x00, 0x13, 0x37];
        stream.extend(heartbeat(1));
        stream.extend([0xAA; 5]);
        stream.extend(heartbeat(2));
        let mut dec = FrameDecoder::new();
        let mut seqs = vec![];
        for chunk in stream.chunks(7) {
            dec.feed(chunk, |f| {
                assert_eq!(f.system_id(), 7);
                assert!(matches!(f.decode().unwrap(), MavMessage::HEARTBEAT(_)));
                seqs.push(f.sequence());
            });
        }
        assert_eq!(seqs, vec![1, 2]);
        assert_eq!(dec.stats().garbage_bytes, 8);
    }

    #[test]
    fn corrupted_frame_is_counted_and_the_next_one_still_decodes() {
        let mut bad = heartbeat(1);
        bad[12] ^= 0xFF;
        bad.extend(heartbeat(2));
        let mut dec = FrameDecoder::new();
        let mut n = 0;
        dec.feed(&bad, |f| {
            assert_eq!(f.sequence(), 2);
            n += 1;
        });
        assert_eq!(n, 1);
        assert_eq!(dec.stats().crc_errors, 1);
    }

    #[test]
    fn crc_matches_the_mavlink_crate() {
        let frame = heartbeat(9);
        let mut dec = FrameDecoder::new();
        let mut ok = false;
        dec.feed(&frame, |_| ok = true);
        assert!(ok);
    }
}
