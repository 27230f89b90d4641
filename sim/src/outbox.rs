//! The queue of messages an aircraft wants to send, each tagged with who should get it. The model
//! fills it; the network layer drains it (encoding, fault injection, sockets), and unit tests read
//! it directly.

use mavlink::dialects::ardupilotmega::{MavMessage, MavResult, MavSeverity, STATUSTEXT_DATA};

/// An opaque handle for one remote party of an aircraft's link (a UDP address or a TCP client),
/// assigned by the network layer. Replies go back to the peer a request came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Peer(pub u32);

/// Who an outgoing message is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dest {
    /// Every peer of the link (telemetry, status texts).
    All,
    /// Only this peer (acks, mission and parameter replies).
    To(Peer),
}

/// One outgoing message.
// Boxing the message would cost an allocation per frame; the queue's storage is reused instead.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Outgoing {
    /// A message of the dialect.
    Msg(Dest, MavMessage),
    /// A COMMAND_ACK for a command id the dialect cannot express as a `MavCmd` (an unknown
    /// command, or ArduPilot's ack of SET_MODE with command = 11); the codec writes the raw id.
    RawCommandAck {
        /// Where the command came from.
        dest: Dest,
        /// Raw command id being acknowledged.
        command: u16,
        /// Result.
        result: MavResult,
        /// Sender system of the command.
        target_system: u8,
        /// Sender component of the command.
        target_component: u8,
    },
}

/// Messages queued by the model since the last flush; the allocation is reused.
#[derive(Default, Debug)]
pub struct Outbox {
    items: Vec<Outgoing>,
}

impl Outbox {
    /// Queues a message for every peer.
    pub fn broadcast(&mut self, msg: MavMessage) {
        self.items.push(Outgoing::Msg(Dest::All, msg));
    }

    /// Queues a message for one destination.
    pub fn send(&mut self, dest: Dest, msg: MavMessage) {
        self.items.push(Outgoing::Msg(dest, msg));
    }

    /// Queues a raw outgoing item.
    pub fn push(&mut self, item: Outgoing) {
        self.items.push(item);
    }

    /// Queues a STATUSTEXT for every peer (truncated to MAVLink's 50 characters).
    pub fn text(&mut self, severity: MavSeverity, text: &str) {
        self.broadcast(MavMessage::STATUSTEXT(STATUSTEXT_DATA {
            severity,
            text: text.into(),
            id: 0,
            chunk_seq: 0,
        }));
    }

    /// Takes every queued item, leaving the queue empty but keeping its capacity.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Outgoing> {
        self.items.drain(..)
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The queued items, oldest first.
    pub fn items(&self) -> &[Outgoing] {
        &self.items
    }

    /// The queued dialect messages, oldest first (test and debugging convenience).
    pub fn messages(&self) -> impl Iterator<Item = &MavMessage> {
        self.items.iter().filter_map(|o| match o {
            Outgoing::Msg(_, m) => Some(m),
            Outgoing::RawCommandAck { .. } => None,
        })
    }

    /// The STATUSTEXT strings queued, oldest first (test convenience).
    pub fn texts(&self) -> Vec<String> {
        self.messages()
            .filter_map(|m| match m {
                MavMessage::STATUSTEXT(t) => Some(t.text.to_str().unwrap_or("").to_string()),
                _ => None,
            })
            .collect()
    }

    /// Drops everything queued.
    pub fn clear(&mut self) {
        self.items.clear();
    }
}
