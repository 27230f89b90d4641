//! The seat desk: what one console knows of the crew around the aircraft and does about it — its
//! own seat, the other seats heard (from their announcements), which aircraft this seat
//! commands, call-outs made and received, hand-overs offered and accepted. No I/O: the console's
//! seat service feeds it what arrived and sends what it returns; time comes in as arguments.
//!
//! Reliability: every message but the announcement is resent every [`RESEND`] until the other
//! seat answers with a receipt (at most [`MAX_TRIES`] times); repeats are recognised by sender and
//! id and answered again, so a lost receipt costs nothing but a resend.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use super::{CallOutKind, Seat, SeatMessage};

/// How often a seat announces itself.
pub const ANNOUNCE_EVERY: Duration = Duration::from_secs(1);
/// A seat not heard for this long is gone (its console closed or its link lost).
pub const SEAT_LOST_AFTER: Duration = Duration::from_secs(3);
/// How long a pilot seat listens for another pilot seat before taking command of an aircraft
/// nobody commands.
pub const CLAIM_GRACE: Duration = Duration::from_millis(2500);
/// Unanswered messages are resent this often…
pub const RESEND: Duration = Duration::from_millis(300);
/// …this many times at most.
pub const MAX_TRIES: u32 = 30;

/// Another seat as heard from its announcements.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SeatPeer {
    /// Its ground station's system id.
    pub sysid: u8,
    /// Its seat.
    pub seat: Seat,
    /// Who sits there.
    pub person: String,
    /// The aircraft it commands.
    pub commands: Vec<u8>,
    /// Seconds since last heard.
    #[serde(skip)]
    pub last_heard: Instant,
}

/// Where a call-out stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutState {
    /// Sent, no receipt yet.
    Sent,
    /// On the pilot's screen (receipt came back), not acknowledged yet.
    Shown,
    /// The pilot acknowledged it.
    Acknowledged,
    /// No answer after every resend.
    NotDelivered,
}

/// One call-out, made here or received here.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CallOut {
    /// The maker's id for it.
    pub id: u32,
    /// The seat's system id that made it.
    pub from: u8,
    /// Who made it and from which seat.
    pub from_person: String,
    /// What is called out.
    pub kind: CallOutKind,
    /// The aircraft concerned.
    pub aircraft: u8,
    /// Where it stands.
    pub state: CallOutState,
    /// When it was made or arrived.
    #[serde(skip)]
    pub at: Instant,
}

/// A hand-over of command offered to this seat, waiting for its answer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OfferIn {
    /// The offer's id.
    pub id: u32,
    /// The pilot seat offering.
    pub from: u8,
    /// Who offers.
    pub from_person: String,
    /// The aircraft.
    pub aircraft: u8,
}

/// A hand-over this seat offered.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OfferOut {
    /// The offer's id.
    pub id: u32,
    /// The seat offered to.
    pub to: u8,
    /// The aircraft.
    pub aircraft: u8,
    /// The other seat accepted; command passes once the aircraft follows it.
    pub accepted: bool,
}

/// Something the seat service must act on or tell the window (and the audit trail).
#[derive(Debug, Clone, PartialEq)]
pub enum DeskEvent {
    /// A call-out for this pilot seat arrived (banner and sound).
    CallOutArrived(CallOut),
    /// A call-out made here changed state.
    CallOutChanged {
        /// Its id.
        id: u32,
        /// Its new state.
        state: CallOutState,
    },
    /// A hand-over was offered to this seat.
    Offered(OfferIn),
    /// The seat offered command accepted: the service points the aircraft's SYSID_MYGCS at it,
    /// then calls [`SeatDesk::release`].
    OfferAccepted {
        /// The aircraft.
        aircraft: u8,
        /// The new pilot seat.
        to: u8,
    },
    /// The seat offered command declined.
    OfferDeclined {
        /// The aircraft.
        aircraft: u8,
        /// The seat that declined.
        by: u8,
    },
    /// This seat now commands the aircraft.
    CommandTaken {
        /// The aircraft.
        aircraft: u8,
        /// From which seat (none: nobody commanded it).
        from: Option<u8>,
    },
    /// This seat no longer commands the aircraft.
    CommandReleased {
        /// The aircraft.
        aircraft: u8,
        /// To which seat.
        to: u8,
    },
    /// Another pilot seat also claims an aircraft this one commands.
    Conflict {
        /// The aircraft.
        aircraft: u8,
        /// The other seat.
        other: u8,
        /// Whether this seat gave way (the higher system id keeps command).
        yielded: bool,
    },
    /// A message with an id got no receipt after every resend.
    Undelivered(SeatMessage),
}

/// Why a seat action is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeatError {
    /// The seat does not do this.
    #[error("the {seat} seat cannot {what}")]
    NotThisSeat {
        /// This seat.
        seat: Seat,
        /// What was asked, in words.
        what: &'static str,
    },
    /// Only the pilot seat commanding the aircraft may hand it over.
    #[error("this seat does not command aircraft {0}")]
    NotInCommand(u8),
    /// The other seat is not a pilot seat heard recently.
    #[error("no pilot seat with system id {0} is connected")]
    NoSuchPilot(u8),
    /// Another pilot seat commands the aircraft: ask it for a hand-over.
    #[error("the pilot seat at system {0} commands this aircraft; ask it for a hand-over")]
    CommandedBy(u8),
    /// No such offer waiting.
    #[error("no hand-over offer {0} is waiting")]
    NoSuchOffer(u32),
    /// No such call-out on this seat.
    #[error("no call-out {0} is waiting for acknowledgement")]
    NoSuchCallOut(u32),
}

struct Pending {
    to: u8,
    msg: SeatMessage,
    next: Instant,
    tries: u32,
}

/// The state of one console's seat among the crew.
pub struct SeatDesk {
    seat: Seat,
    sysid: u8,
    person: String,
    started: Instant,
    commands: BTreeSet<u8>,
    /// Aircraft another seat has commanded: never taken without an explicit hand-over.
    commanded_elsewhere: BTreeSet<u8>,
    /// When this seat first heard each aircraft: the claim grace counts from then, so a
    /// console slow to hear its link still hears the other pilot seats first.
    heard_since: BTreeMap<u8, Instant>,
    peers: BTreeMap<u8, SeatPeer>,
    next_id: u32,
    pending: Vec<Pending>,
    received: VecDeque<(u8, u32)>,
    call_outs: Vec<CallOut>,
    offers_in: Vec<OfferIn>,
    offer_out: Option<OfferOut>,
    last_announce: Option<Instant>,
}

/// A message to send: to one seat's system id, or 0 for every seat.
pub type Outbound = (u8, SeatMessage);

impl SeatDesk {
    /// A desk for `seat` at system id `sysid`, with `person` sitting there.
    pub fn new(seat: Seat, sysid: u8, person: &str, now: Instant) -> Self {
        Self {
            seat,
            sysid,
            person: person.to_string(),
            started: now,
            commands: BTreeSet::new(),
            commanded_elsewhere: BTreeSet::new(),
            heard_since: BTreeMap::new(),
            peers: BTreeMap::new(),
            // Ids start from the clock so a restarted console's ids are not taken for repeats.
            next_id: (std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u32)
                .unwrap_or(1))
            .max(1),
            pending: Vec::new(),
            received: VecDeque::new(),
            call_outs: Vec::new(),
            offers_in: Vec::new(),
            offer_out: None,
            last_announce: None,
        }
    }

    /// This console's seat.
    pub fn seat(&self) -> Seat {
        self.seat
    }

    /// This console's system id.
    pub fn sysid(&self) -> u8 {
        self.sysid
    }

    /// Who sits here.
    pub fn person(&self) -> &str {
        &self.person
    }

    /// The aircraft this seat commands.
    pub fn commands(&self) -> Vec<u8> {
        self.commands.iter().copied().collect()
    }

    /// The other seats heard recently.
    pub fn peers(&self, now: Instant) -> Vec<SeatPeer> {
        self.peers
            .values()
            .filter(|p| now.duration_since(p.last_heard) < SEAT_LOST_AFTER)
            .cloned()
            .collect()
    }

    /// Call-outs made or received, newest last.
    pub fn call_outs(&self) -> &[CallOut] {
        &self.call_outs
    }

    /// Hand-overs offered to this seat.
    pub fn offers_in(&self) -> &[OfferIn] {
        &self.offers_in
    }

    /// The hand-over this seat offered, if any.
    pub fn offer_out(&self) -> Option<&OfferOut> {
        self.offer_out.as_ref()
    }

    /// The seat (system id) commanding `aircraft`, as far as this desk knows.
    pub fn commander(&self, aircraft: u8, now: Instant) -> Option<u8> {
        if self.commands.contains(&aircraft) {
            return Some(self.sysid);
        }
        self.peers
            .values()
            .filter(|p| now.duration_since(p.last_heard) < SEAT_LOST_AFTER)
            .find(|p| p.commands.contains(&aircraft))
            .map(|p| p.sysid)
    }

    /// Whether this seat may send a flight command to `aircraft` now; the reason if not.
    pub fn flight_allowed(&self, aircraft: u8, now: Instant) -> Result<(), String> {
        if !self.seat.may_fly() {
            return Err(format!(
                "the {} seat holds no flight controls; only the pilot seat flies aircraft {aircraft}",
                self.seat
            ));
        }
        if self.commands.contains(&aircraft) {
            return Ok(());
        }
        match self.commander(aircraft, now) {
            Some(other) => {
                let who = self
                    .peers
                    .get(&other)
                    .map(|p| p.person.clone())
                    .unwrap_or_default();
                Err(format!(
                    "aircraft {aircraft} is commanded by the pilot seat of {who} (system {other}); ask for a hand-over"
                ))
            }
            None => Err(format!(
                "this pilot seat does not command aircraft {aircraft}; take command first"
            )),
        }
    }

    fn id(&mut self) -> u32 {
        self.next_id = self.next_id.wrapping_add(1).max(1);
        self.next_id
    }

    fn reliable(&mut self, to: u8, msg: SeatMessage, now: Instant) -> Outbound {
        self.pending.push(Pending {
            to,
            msg: msg.clone(),
            next: now + RESEND,
            tries: 1,
        });
        (to, msg)
    }

    /// Calls out `kind` for the pilot of `aircraft`.
    pub fn call_out(
        &mut self,
        kind: CallOutKind,
        aircraft: u8,
        now: Instant,
    ) -> Result<(u32, Outbound), SeatError> {
        if !self.seat.makes_call_outs() {
            return Err(SeatError::NotThisSeat {
                seat: self.seat,
                what: "make call-outs (the pilot receives them)",
            });
        }
        let id = self.id();
        let to = self.commander(aircraft, now).unwrap_or(0);
        self.call_outs.push(CallOut {
            id,
            from: self.sysid,
            from_person: self.person.clone(),
            kind,
            aircraft,
            state: CallOutState::Sent,
            at: now,
        });
        let person = self.person.clone();
        let out = self.reliable(
            to,
            SeatMessage::CallOut {
                id,
                kind,
                aircraft,
                person,
            },
            now,
        );
        Ok((id, out))
    }

    /// The pilot acknowledges a call-out: its banner goes, and the caller learns it was heard.
    pub fn acknowledge(&mut self, from: u8, id: u32, now: Instant) -> Result<Outbound, SeatError> {
        let c = self
            .call_outs
            .iter_mut()
            .find(|c| c.from == from && c.id == id && c.state == CallOutState::Shown)
            .ok_or(SeatError::NoSuchCallOut(id))?;
        c.state = CallOutState::Acknowledged;
        let ack_id = self.id();
        Ok(self.reliable(
            from,
            SeatMessage::CallOutAck {
                id: ack_id,
                call_out: id,
            },
            now,
        ))
    }

    /// Takes command of `aircraft` when no seat heard commands it (its pilot seat's console
    /// closed or lost its link): explicit, never automatic once another seat has commanded it.
    pub fn take_command(&mut self, aircraft: u8, now: Instant) -> Result<Outbound, SeatError> {
        if !self.seat.may_fly() {
            return Err(SeatError::NotThisSeat {
                seat: self.seat,
                what: "take command of an aircraft",
            });
        }
        if let Some(other) = self.commander(aircraft, now).filter(|s| *s != self.sysid) {
            return Err(SeatError::CommandedBy(other));
        }
        self.commands.insert(aircraft);
        self.last_announce = Some(now);
        Ok((0, self.announcement()))
    }

    /// Offers command of `aircraft` to the pilot seat at `to`.
    pub fn offer(&mut self, aircraft: u8, to: u8, now: Instant) -> Result<Outbound, SeatError> {
        if !self.commands.contains(&aircraft) {
            return Err(SeatError::NotInCommand(aircraft));
        }
        let live_pilot = self.peers.get(&to).is_some_and(|p| {
            p.seat == Seat::Pilot && now.duration_since(p.last_heard) < SEAT_LOST_AFTER
        });
        if !live_pilot {
            return Err(SeatError::NoSuchPilot(to));
        }
        let id = self.id();
        self.offer_out = Some(OfferOut {
            id,
            to,
            aircraft,
            accepted: false,
        });
        Ok(self.reliable(to, SeatMessage::Offer { id, aircraft }, now))
    }

    /// Answers an offer made to this seat.
    pub fn answer(
        &mut self,
        offer: u32,
        accept: bool,
        now: Instant,
    ) -> Result<Outbound, SeatError> {
        let pos = self
            .offers_in
            .iter()
            .position(|o| o.id == offer)
            .ok_or(SeatError::NoSuchOffer(offer))?;
        let o = self.offers_in.remove(pos);
        let id = self.id();
        let msg = if accept {
            SeatMessage::Accept {
                id,
                offer,
                aircraft: o.aircraft,
            }
        } else {
            SeatMessage::Decline {
                id,
                offer,
                aircraft: o.aircraft,
            }
        };
        Ok(self.reliable(o.from, msg, now))
    }

    /// Hands command of `aircraft` to `to` once the aircraft follows it (its SYSID_MYGCS).
    pub fn release(&mut self, aircraft: u8, to: u8, now: Instant) -> Vec<Outbound> {
        self.commands.remove(&aircraft);
        self.commanded_elsewhere.insert(aircraft);
        if self
            .offer_out
            .as_ref()
            .is_some_and(|o| o.aircraft == aircraft)
        {
            self.offer_out = None;
        }
        let id = self.id();
        vec![
            self.reliable(to, SeatMessage::Released { id, aircraft }, now),
            (0, self.announcement()),
        ]
    }

    /// Gives up a hand-over this seat offered (the aircraft did not take the new station).
    pub fn cancel_offer(&mut self) {
        self.offer_out = None;
    }

    fn announcement(&self) -> SeatMessage {
        SeatMessage::Announce {
            seat: self.seat,
            commands: self.commands(),
            person: self.person.clone(),
        }
    }

    /// Whether this pilot seat may take `aircraft` nobody commands: once it has listened for
    /// the claim grace, and, when pilot seats start together, the one with the highest system
    /// id takes it (the others wait one more grace for it), so which seat flies does not depend
    /// on which console happened to tick first.
    fn may_claim(&self, aircraft: u8, now: Instant) -> bool {
        let since = self
            .heard_since
            .get(&aircraft)
            .map_or(self.started, |t| (*t).max(self.started));
        let listened = now.duration_since(since);
        if listened < CLAIM_GRACE {
            return false;
        }
        let higher_pilot = self.peers.values().any(|p| {
            p.seat == Seat::Pilot
                && p.sysid > self.sysid
                && now.duration_since(p.last_heard) < SEAT_LOST_AFTER
        });
        !higher_pilot || listened >= CLAIM_GRACE * 2
    }

    /// Announces, resends, and (pilot seat) takes command of aircraft nobody commands.
    pub fn tick(&mut self, aircraft: &[u8], now: Instant) -> (Vec<Outbound>, Vec<DeskEvent>) {
        let mut out = Vec::new();
        let mut events = Vec::new();
        for a in aircraft {
            self.heard_since.entry(*a).or_insert(now);
        }
        if self.seat == Seat::Pilot {
            for a in aircraft {
                if !self.commands.contains(a)
                    && !self.commanded_elsewhere.contains(a)
                    && self.commander(*a, now).is_none()
                    && self.may_claim(*a, now)
                {
                    self.commands.insert(*a);
                    events.push(DeskEvent::CommandTaken {
                        aircraft: *a,
                        from: None,
                    });
                    self.last_announce = None;
                }
            }
        }
        if self
            .last_announce
            .is_none_or(|t| now.duration_since(t) >= ANNOUNCE_EVERY)
        {
            self.last_announce = Some(now);
            out.push((0, self.announcement()));
        }
        let mut given_up = Vec::new();
        self.pending.retain_mut(|p| {
            if now < p.next {
                return true;
            }
            if p.tries >= MAX_TRIES {
                given_up.push(p.msg.clone());
                return false;
            }
            p.tries += 1;
            p.next = now + RESEND;
            out.push((p.to, p.msg.clone()));
            true
        });
        for m in given_up {
            if let SeatMessage::CallOut { id, .. } = m {
                if let Some(c) = self.call_outs.iter_mut().find(|c| c.id == id) {
                    c.state = CallOutState::NotDelivered;
                    events.push(DeskEvent::CallOutChanged {
                        id,
                        state: CallOutState::NotDelivered,
                    });
                }
            }
            events.push(DeskEvent::Undelivered(m));
        }
        (out, events)
    }

    fn person_of(&self, sysid: u8) -> String {
        self.peers
            .get(&sysid)
            .map(|p| format!("{} ({})", p.person, p.seat))
            .unwrap_or_else(|| format!("system {sysid}"))
    }

    /// Takes a message another seat (`from`) sent.
    pub fn on_message(
        &mut self,
        from: u8,
        msg: SeatMessage,
        now: Instant,
    ) -> (Vec<Outbound>, Vec<DeskEvent>) {
        let mut out = Vec::new();
        let mut events = Vec::new();
        if from == self.sysid {
            return (out, events);
        }
        if let Some(id) = msg.reliable_id() {
            out.push((from, SeatMessage::Receipt { id }));
            if self.received.contains(&(from, id)) {
                return (out, events);
            }
            self.received.push_back((from, id));
            if self.received.len() > 512 {
                self.received.pop_front();
            }
        }
        match msg {
            SeatMessage::Announce {
                seat,
                commands,
                person,
            } => {
                for a in &commands {
                    self.commanded_elsewhere.insert(*a);
                    if self.commands.contains(a) {
                        let yielded = from > self.sysid;
                        if yielded {
                            self.commands.remove(a);
                            self.last_announce = None;
                        }
                        events.push(DeskEvent::Conflict {
                            aircraft: *a,
                            other: from,
                            yielded,
                        });
                    }
                }
                self.peers.insert(
                    from,
                    SeatPeer {
                        sysid: from,
                        seat,
                        person,
                        commands,
                        last_heard: now,
                    },
                );
            }
            SeatMessage::Receipt { id } => {
                // A call-out is on the pilot's screen only when a pilot seat says so; another
                // seat's receipt (of a call-out sent to every seat) does not stop the resends.
                let from_pilot = self.peers.get(&from).is_some_and(|p| p.seat == Seat::Pilot);
                let before = self.pending.len();
                self.pending.retain(|p| {
                    p.msg.reliable_id() != Some(id)
                        || (matches!(p.msg, SeatMessage::CallOut { .. }) && !from_pilot)
                });
                if before != self.pending.len() {
                    if let Some(c) = self
                        .call_outs
                        .iter_mut()
                        .find(|c| c.id == id && c.from == self.sysid)
                    {
                        if c.state == CallOutState::Sent {
                            c.state = CallOutState::Shown;
                            events.push(DeskEvent::CallOutChanged {
                                id,
                                state: CallOutState::Shown,
                            });
                        }
                    }
                }
            }
            SeatMessage::CallOut {
                id,
                kind,
                aircraft,
                person,
            } => {
                let from_person = match (person.is_empty(), self.peers.get(&from)) {
                    (true, _) => self.person_of(from),
                    (false, Some(p)) => format!("{person} ({})", p.seat),
                    (false, None) => person,
                };
                let c = CallOut {
                    id,
                    from,
                    from_person,
                    kind,
                    aircraft,
                    state: CallOutState::Shown,
                    at: now,
                };
                // Every seat keeps it in its list; the pilot's window raises the banner.
                self.call_outs.push(c.clone());
                if self.call_outs.len() > 200 {
                    self.call_outs.remove(0);
                }
                events.push(DeskEvent::CallOutArrived(c));
            }
            SeatMessage::CallOutAck { call_out, .. } => {
                if let Some(c) = self
                    .call_outs
                    .iter_mut()
                    .find(|c| c.id == call_out && c.from == self.sysid)
                {
                    c.state = CallOutState::Acknowledged;
                    events.push(DeskEvent::CallOutChanged {
                        id: call_out,
                        state: CallOutState::Acknowledged,
                    });
                }
            }
            SeatMessage::Offer { id, aircraft } => {
                if self.seat == Seat::Pilot {
                    let o = OfferIn {
                        id,
                        from,
                        from_person: self.person_of(from),
                        aircraft,
                    };
                    self.offers_in.push(o.clone());
                    events.push(DeskEvent::Offered(o));
                } else {
                    let did = self.id();
                    out.push(self.reliable(
                        from,
                        SeatMessage::Decline {
                            id: did,
                            offer: id,
                            aircraft,
                        },
                        now,
                    ));
                }
            }
            SeatMessage::Accept {
                offer, aircraft, ..
            } => {
                if let Some(o) = self.offer_out.as_mut().filter(|o| o.id == offer) {
                    o.accepted = true;
                    events.push(DeskEvent::OfferAccepted { aircraft, to: from });
                }
            }
            SeatMessage::Decline {
                offer, aircraft, ..
            } => {
                if self.offer_out.as_ref().is_some_and(|o| o.id == offer) {
                    self.offer_out = None;
                    events.push(DeskEvent::OfferDeclined { aircraft, by: from });
                }
            }
            SeatMessage::Released { aircraft, .. } => {
                if self.seat == Seat::Pilot {
                    self.commands.insert(aircraft);
                    if let Some(p) = self.peers.get_mut(&from) {
                        p.commands.retain(|a| *a != aircraft);
                    }
                    // Tell every seat at once who commands it now.
                    self.last_announce = Some(now);
                    out.push((0, self.announcement()));
                    events.push(DeskEvent::CommandTaken {
                        aircraft,
                        from: Some(from),
                    });
                }
            }
        }
        (out, events)
    }

    /// Records that this seat gave up command (for the event the service reports).
    pub fn released_event(aircraft: u8, to: u8) -> DeskEvent {
        DeskEvent::CommandReleased { aircraft, to }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Delivers everything `out` holds between the desks (by system id), until quiet.
    fn exchange(
        desks: &mut [&mut SeatDesk],
        mut out: Vec<(u8, Outbound)>,
        now: Instant,
    ) -> Vec<(u8, DeskEvent)> {
        let mut events = Vec::new();
        while let Some((from, (to, msg))) = out.pop() {
            for d in desks.iter_mut() {
                if d.sysid() != from && (to == 0 || to == d.sysid()) {
                    let (o, e) = d.on_message(from, msg.clone(), now);
                    out.extend(o.into_iter().map(|m| (d.sysid(), m)));
                    events.extend(e.into_iter().map(|e| (d.sysid(), e)));
                }
            }
        }
        events
    }

    fn tick_all(
        desks: &mut [&mut SeatDesk],
        aircraft: &[u8],
        now: Instant,
    ) -> Vec<(u8, DeskEvent)> {
        let mut out = Vec::new();
        let mut events = Vec::new();
        for d in desks.iter_mut() {
            let (o, e) = d.tick(aircraft, now);
            out.extend(o.into_iter().map(|m| (d.sysid(), m)));
            events.extend(e.into_iter().map(|e| (d.sysid(), e)));
        }
        events.extend(exchange(desks, out, now));
        events
    }

    #[test]
    fn the_pilot_takes_command_others_are_refused_and_call_outs_reach_the_pilot() {
        let t0 = Instant::now();
        let mut pilot = SeatDesk::new(Seat::Pilot, 255, "Sgt. Li", t0);
        let mut payload = SeatDesk::new(Seat::Payload, 254, "Wang", t0);
        let mut observer = SeatDesk::new(Seat::Observer, 253, "Zhao", t0);
        tick_all(&mut [&mut pilot, &mut payload, &mut observer], &[1], t0);
        assert!(pilot.flight_allowed(1, t0).is_err(), "not before the grace");
        let t1 = t0 + CLAIM_GRACE;
        tick_all(&mut [&mut pilot, &mut payload, &mut observer], &[1], t1);
        assert_eq!(pilot.commands(), vec![1]);
        assert!(pilot.flight_allowed(1, t1).is_ok());
        let why = payload.flight_allowed(1, t1).unwrap_err();
        assert!(
            why.contains("payload seat holds no flight controls"),
            "{why}"
        );
        assert_eq!(observer.commander(1, t1), Some(255));

        let (id, out) = observer.call_out(CallOutKind::PeopleBelow, 1, t1).unwrap();
        assert_eq!(out.0, 255, "addressed to the pilot in command");
        let ev = exchange(
            &mut [&mut pilot, &mut payload, &mut observer],
            vec![(253, out)],
            t1,
        );
        assert!(ev.iter().any(|(s, e)| *s == 255
            && matches!(e, DeskEvent::CallOutArrived(c) if c.kind == CallOutKind::PeopleBelow)));
        assert_eq!(observer.call_outs()[0].state, CallOutState::Shown);
        let ack = pilot.acknowledge(253, id, t1).unwrap();
        exchange(
            &mut [&mut pilot, &mut payload, &mut observer],
            vec![(255, ack)],
            t1,
        );
        assert_eq!(observer.call_outs()[0].state, CallOutState::Acknowledged);
        assert!(pilot.call_out(CallOutKind::Traffic, 1, t1).is_err());
    }

    #[test]
    fn pilot_seats_starting_together_agree_the_highest_system_id_flies() {
        let t0 = Instant::now();
        let mut low = SeatDesk::new(Seat::Pilot, 250, "Chen", t0);
        let mut high = SeatDesk::new(Seat::Pilot, 255, "Li", t0);
        // They hear each other and the aircraft; the lower seat's clock runs ahead a little.
        tick_all(&mut [&mut low, &mut high], &[1], t0);
        let t1 = t0 + CLAIM_GRACE;
        let (out, _) = low.tick(&[1], t1);
        assert!(low.commands().is_empty(), "it waits for the higher seat");
        exchange(
            &mut [&mut low, &mut high],
            out.into_iter().map(|m| (250, m)).collect(),
            t1,
        );
        tick_all(&mut [&mut low, &mut high], &[1], t1);
        assert_eq!(high.commands(), vec![1]);
        tick_all(&mut [&mut low, &mut high], &[1], t1 + CLAIM_GRACE * 2);
        assert!(low.commands().is_empty());
        assert_eq!(low.commander(1, t1 + CLAIM_GRACE * 2), Some(255));
    }

    #[test]
    fn a_lost_call_out_is_resent_until_its_receipt_and_shown_once() {
        let t0 = Instant::now();
        let mut pilot = SeatDesk::new(Seat::Pilot, 255, "Li", t0);
        let mut observer = SeatDesk::new(Seat::Observer, 253, "Zhao", t0);
        // They have heard each other's announcements.
        tick_all(&mut [&mut pilot, &mut observer], &[], t0);
        let (_id, _lost) = observer.call_out(CallOutKind::LandNow, 1, t0).unwrap();
        // First copy lost; the resend arrives, twice (a duplicate on the way).
        let (out, _) = observer.tick(&[], t0 + RESEND);
        let resent: Vec<_> = out
            .into_iter()
            .filter(|(_, m)| matches!(m, SeatMessage::CallOut { .. }))
            .collect();
        assert_eq!(resent.len(), 1);
        let mut arrived = 0;
        for _ in 0..2 {
            let (o, e) = pilot.on_message(253, resent[0].1.clone(), t0 + RESEND);
            arrived += e
                .iter()
                .filter(|e| matches!(e, DeskEvent::CallOutArrived(_)))
                .count();
            for (_, m) in o {
                observer.on_message(255, m, t0 + RESEND);
            }
        }
        assert_eq!(arrived, 1, "a repeat is not a second call-out");
        let (out, _) = observer.tick(&[], t0 + RESEND * 3);
        assert!(
            !out.iter()
                .any(|(_, m)| matches!(m, SeatMessage::CallOut { .. })),
            "no more resends"
        );
    }

    #[test]
    fn hand_over_is_offered_accepted_and_released() {
        let t0 = Instant::now();
        let mut a = SeatDesk::new(Seat::Pilot, 255, "Li", t0);
        let mut b = SeatDesk::new(Seat::Pilot, 250, "Chen", t0 + Duration::from_secs(5));
        let t1 = t0 + CLAIM_GRACE;
        tick_all(&mut [&mut a, &mut b], &[1], t1);
        let t2 = t1 + Duration::from_secs(5);
        tick_all(&mut [&mut a, &mut b], &[1], t2);
        assert_eq!(a.commands(), vec![1]);
        assert!(
            b.commands().is_empty(),
            "the second pilot seat does not grab it"
        );
        assert!(b.flight_allowed(1, t2).unwrap_err().contains("hand-over"));
        assert_eq!(a.offer(1, 77, t2), Err(SeatError::NoSuchPilot(77)));
        let offer = a.offer(1, 250, t2).unwrap();
        let ev = exchange(&mut [&mut a, &mut b], vec![(255, offer)], t2);
        let id = ev
            .iter()
            .find_map(|(_, e)| match e {
                DeskEvent::Offered(o) => Some(o.id),
                _ => None,
            })
            .expect("offered");
        let accept = b.answer(id, true, t2).unwrap();
        let ev = exchange(&mut [&mut a, &mut b], vec![(250, accept)], t2);
        assert!(ev.contains(&(
            255,
            DeskEvent::OfferAccepted {
                aircraft: 1,
                to: 250
            }
        )));
        assert!(a.flight_allowed(1, t2).is_ok(), "still A's until released");
        let out = a.release(1, 250, t2);
        let ev = exchange(
            &mut [&mut a, &mut b],
            out.into_iter().map(|m| (255, m)).collect(),
            t2,
        );
        assert!(ev.contains(&(
            250,
            DeskEvent::CommandTaken {
                aircraft: 1,
                from: Some(255)
            }
        )));
        assert!(b.flight_allowed(1, t2).is_ok());
        assert!(a.flight_allowed(1, t2).unwrap_err().contains("Chen"));
        // A never takes it back on its own, even when B is gone; it may, explicitly.
        assert_eq!(a.take_command(1, t2), Err(SeatError::CommandedBy(250)));
        let t3 = t2 + SEAT_LOST_AFTER * 2;
        a.tick(&[1], t3);
        assert!(a.commands().is_empty());
        assert!(a.take_command(1, t3).is_ok());
        assert!(a.flight_allowed(1, t3).is_ok());
    }
}
