//! The carrier of seat-to-seat messages: MAVLink TUNNEL frames (message 385, "arbitrary data from
//! one component to another") over the links the seats already share, so they pass through any
//! MAVLink router — Kestrel's own, MAVProxy, mavlink-router — like the rest of the traffic.
//!
//! Layout of the TUNNEL payload (payload_type 0, "unknown", as no type is registered for it): the
//! magic `KSEA`, a version byte (1), a kind byte, then the kind's fields (little-endian ids).
//! Frames without the magic are someone else's tunnel and are ignored. Loss is survived by
//! [`super::desk::SeatDesk`]: everything but the periodic announcement is resent until the other
//! seat answers with a receipt, and repeats are recognised by their id.

use mavlink::dialects::ardupilotmega::{MavMessage, MavTunnelPayloadType, TUNNEL_DATA};

use super::{CallOutKind, Seat};

const MAGIC: &[u8; 4] = b"KSEA";
const VERSION: u8 = 1;
const HEADER: usize = 6;
/// The most aircraft one announcement lists as commanded.
pub const MAX_COMMANDED: usize = 16;
/// The longest person name carried (bytes of UTF-8; longer names are cut at a character).
pub const MAX_PERSON: usize = 64;

/// One seat-to-seat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeatMessage {
    /// Sent every second by every seat: who sits here, and which aircraft it commands.
    Announce {
        /// This console's seat.
        seat: Seat,
        /// The aircraft this seat commands (pilot seats only).
        commands: Vec<u8>,
        /// The member of the team sitting here (from the roster).
        person: String,
    },
    /// An observer's call-out for the pilot of `aircraft`.
    CallOut {
        /// Sender's id, to match the receipt and the acknowledgement.
        id: u32,
        /// What is called out.
        kind: CallOutKind,
        /// The aircraft concerned.
        aircraft: u8,
        /// Who calls out (carried along, so the banner names the caller even if its
        /// announcement was lost).
        person: String,
    },
    /// The pilot acknowledged call-out `id`.
    CallOutAck {
        /// This message's own id.
        id: u32,
        /// The call-out acknowledged.
        call_out: u32,
    },
    /// Pilot seat offers command of `aircraft` to the seat it is addressed to.
    Offer {
        /// Id of the offer.
        id: u32,
        /// The aircraft.
        aircraft: u8,
    },
    /// The offered seat accepts.
    Accept {
        /// Id of this message.
        id: u32,
        /// The offer accepted.
        offer: u32,
        /// The aircraft.
        aircraft: u8,
    },
    /// The offered seat declines.
    Decline {
        /// Id of this message.
        id: u32,
        /// The offer declined.
        offer: u32,
        /// The aircraft.
        aircraft: u8,
    },
    /// The old pilot seat has handed command of `aircraft` over (the aircraft now follows the
    /// new pilot seat's heartbeat).
    Released {
        /// Id of this message.
        id: u32,
        /// The aircraft.
        aircraft: u8,
    },
    /// "Got it": answers every message with an id, so the sender stops resending.
    Receipt {
        /// The id received.
        id: u32,
    },
}

/// Why a tunnel payload is not a seat message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Not ours (no magic) or not a TUNNEL.
    #[error("not a seat message")]
    Foreign,
    /// A later version of the carrier.
    #[error("seat message version {0} is not understood (this console speaks {VERSION}); update Kestrel on every seat")]
    Version(u8),
    /// Ours but cut short or with a bad field.
    #[error("damaged seat message: {0}")]
    Damaged(&'static str),
}

impl SeatMessage {
    /// The id of a message that wants a receipt.
    pub fn reliable_id(&self) -> Option<u32> {
        match self {
            SeatMessage::Announce { .. } | SeatMessage::Receipt { .. } => None,
            SeatMessage::CallOut { id, .. }
            | SeatMessage::CallOutAck { id, .. }
            | SeatMessage::Offer { id, .. }
            | SeatMessage::Accept { id, .. }
            | SeatMessage::Decline { id, .. }
            | SeatMessage::Released { id, .. } => Some(*id),
        }
    }

    /// The TUNNEL that carries it to `target` (0: every seat).
    pub fn to_tunnel(&self, target: u8) -> MavMessage {
        let mut p = Vec::with_capacity(32);
        p.extend_from_slice(MAGIC);
        p.push(VERSION);
        let id2 = |p: &mut Vec<u8>, a: u32, b: u32| {
            p.extend_from_slice(&a.to_le_bytes());
            p.extend_from_slice(&b.to_le_bytes());
        };
        match self {
            SeatMessage::Announce {
                seat,
                commands,
                person,
            } => {
                p.push(1);
                p.push(seat.code());
                let n = commands.len().min(MAX_COMMANDED);
                p.push(n as u8);
                p.extend_from_slice(&commands[..n]);
                let name = cut(person, MAX_PERSON);
                p.push(name.len() as u8);
                p.extend_from_slice(name.as_bytes());
            }
            SeatMessage::CallOut {
                id,
                kind,
                aircraft,
                person,
            } => {
                p.push(2);
                p.extend_from_slice(&id.to_le_bytes());
                p.push(kind.code());
                p.push(*aircraft);
                let name = cut(person, MAX_PERSON);
                p.push(name.len() as u8);
                p.extend_from_slice(name.as_bytes());
            }
            SeatMessage::CallOutAck { id, call_out } => {
                p.push(3);
                id2(&mut p, *id, *call_out);
            }
            SeatMessage::Offer { id, aircraft } => {
                p.push(4);
                p.extend_from_slice(&id.to_le_bytes());
                p.push(*aircraft);
            }
            SeatMessage::Accept {
                id,
                offer,
                aircraft,
            } => {
                p.push(5);
                id2(&mut p, *id, *offer);
                p.push(*aircraft);
            }
            SeatMessage::Decline {
                id,
                offer,
                aircraft,
            } => {
                p.push(6);
                id2(&mut p, *id, *offer);
                p.push(*aircraft);
            }
            SeatMessage::Released { id, aircraft } => {
                p.push(7);
                p.extend_from_slice(&id.to_le_bytes());
                p.push(*aircraft);
            }
            SeatMessage::Receipt { id } => {
                p.push(8);
                p.extend_from_slice(&id.to_le_bytes());
            }
        }
        let mut payload = [0u8; 128];
        payload[..p.len()].copy_from_slice(&p);
        MavMessage::TUNNEL(TUNNEL_DATA {
            payload_type: MavTunnelPayloadType::MAV_TUNNEL_PAYLOAD_TYPE_UNKNOWN,
            target_system: target,
            target_component: 0,
            payload_length: p.len() as u8,
            payload,
        })
    }

    /// Reads a seat message out of a received MAVLink message; [`WireError::Foreign`] for
    /// anything else.
    pub fn from_message(msg: &MavMessage) -> Result<SeatMessage, WireError> {
        let MavMessage::TUNNEL(t) = msg else {
            return Err(WireError::Foreign);
        };
        let len = usize::from(t.payload_length).min(t.payload.len());
        let p = &t.payload[..len];
        if p.len() < HEADER || &p[..4] != MAGIC {
            return Err(WireError::Foreign);
        }
        if p[4] != VERSION {
            return Err(WireError::Version(p[4]));
        }
        let mut r = Reader { rest: &p[HEADER..] };
        let m = match p[5] {
            1 => {
                let seat = Seat::from_code(r.u8()?).ok_or(WireError::Damaged("seat"))?;
                let n = usize::from(r.u8()?);
                let commands = r.take(n)?.to_vec();
                let l = usize::from(r.u8()?);
                let person = String::from_utf8_lossy(r.take(l)?).into_owned();
                SeatMessage::Announce {
                    seat,
                    commands,
                    person,
                }
            }
            2 => {
                let id = r.u32()?;
                let kind = CallOutKind::from_code(r.u8()?).ok_or(WireError::Damaged("call-out"))?;
                let aircraft = r.u8()?;
                let l = usize::from(r.u8()?);
                let person = String::from_utf8_lossy(r.take(l)?).into_owned();
                SeatMessage::CallOut {
                    id,
                    kind,
                    aircraft,
                    person,
                }
            }
            3 => SeatMessage::CallOutAck {
                id: r.u32()?,
                call_out: r.u32()?,
            },
            4 => SeatMessage::Offer {
                id: r.u32()?,
                aircraft: r.u8()?,
            },
            5 => SeatMessage::Accept {
                id: r.u32()?,
                offer: r.u32()?,
                aircraft: r.u8()?,
            },
            6 => SeatMessage::Decline {
                id: r.u32()?,
                offer: r.u32()?,
                aircraft: r.u8()?,
            },
            7 => SeatMessage::Released {
                id: r.u32()?,
                aircraft: r.u8()?,
            },
            8 => SeatMessage::Receipt { id: r.u32()? },
            _ => return Err(WireError::Damaged("kind")),
        };
        Ok(m)
    }
}

/// `s` cut to at most `max` bytes at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if self.rest.len() < n {
            return Err(WireError::Damaged("cut short"));
        }
        let (a, b) = self.rest.split_at(n);
        self.rest = b;
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, WireError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_survives_the_wire_through_a_real_frame() {
        use crate::link::frame::{encode_v2, FrameDecoder};
        let msgs = vec![
            SeatMessage::Announce {
                seat: Seat::Observer,
                commands: vec![],
                person: "王伟 (auxiliary)".into(),
            },
            SeatMessage::Announce {
                seat: Seat::Pilot,
                commands: vec![1, 7],
                person: "Sgt. Li".into(),
            },
            SeatMessage::CallOut {
                id: 7,
                kind: CallOutKind::PeopleBelow,
                aircraft: 1,
                person: "赵 Zhao".into(),
            },
            SeatMessage::CallOutAck { id: 9, call_out: 7 },
            SeatMessage::Offer { id: 3, aircraft: 1 },
            SeatMessage::Accept {
                id: 4,
                offer: 3,
                aircraft: 1,
            },
            SeatMessage::Decline {
                id: 5,
                offer: 3,
                aircraft: 1,
            },
            SeatMessage::Released { id: 6, aircraft: 1 },
            SeatMessage::Receipt { id: u32::MAX },
        ];
        for m in msgs {
            let header = mavlink::MavHeader {
                system_id: 253,
                component_id: 190,
                sequence: 0,
            };
            let bytes = encode_v2(header, &m.to_tunnel(255));
            let mut dec = FrameDecoder::new();
            let mut got = None;
            dec.feed(&bytes, |f| got = f.decode().ok());
            let back = SeatMessage::from_message(&got.expect("decodes")).expect("ours");
            assert_eq!(back, m);
        }
    }

    #[test]
    fn foreign_cut_and_newer_tunnels_are_told_apart() {
        let mut t = SeatMessage::Receipt { id: 1 }.to_tunnel(0);
        if let MavMessage::TUNNEL(d) = &mut t {
            d.payload_length = 7;
        }
        assert_eq!(
            SeatMessage::from_message(&t),
            Err(WireError::Damaged("cut short"))
        );
        let mut t = SeatMessage::Receipt { id: 1 }.to_tunnel(0);
        if let MavMessage::TUNNEL(d) = &mut t {
            d.payload[4] = 2;
        }
        assert!(SeatMessage::from_message(&t)
            .unwrap_err()
            .to_string()
            .contains("update Kestrel"));
        let mut t = SeatMessage::Receipt { id: 1 }.to_tunnel(0);
        if let MavMessage::TUNNEL(d) = &mut t {
            d.payload[0] = b'X';
        }
        assert_eq!(SeatMessage::from_message(&t), Err(WireError::Foreign));
        let long = "x".repeat(300);
        let a = SeatMessage::Announce {
            seat: Seat::Pilot,
            commands: (1..=40).collect(),
            person: long,
        };
        match SeatMessage::from_message(&a.to_tunnel(0)).unwrap() {
            SeatMessage::Announce {
                commands, person, ..
            } => {
                assert_eq!(commands.len(), MAX_COMMANDED);
                assert_eq!(person.len(), MAX_PERSON);
            }
            other => panic!("{other:?}"),
        }
    }
}
