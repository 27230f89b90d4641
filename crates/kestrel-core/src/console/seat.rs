//! The console's crew seat: which seat this console is (pilot, payload, observer), the other
//! seats around the same aircraft, call-outs and hand-overs of command. It feeds the
//! [`SeatDesk`] the seat messages the station hears, sends what the desk answers (TUNNEL frames
//! over the shared links), and sets the station's flight gate so that the core itself refuses
//! a flight command from a seat that does not command the aircraft (audited with the reason).
//! A console started without a seat is a station of its own: nothing is gated or announced.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::broadcast;

use crate::crew::CrewStore;
use crate::fleet::{ArmingChange, ArmingWatch, FleetSnapshot};
use crate::seat::desk::{CallOut, CallOutState, DeskEvent, OfferIn, OfferOut, Outbound};
use crate::seat::{CallOutKind, Seat, SeatDesk, SeatMessage, SeatPeer};
use crate::station::{Inbound, Station};

use super::published::EventSink;
use super::{ConsoleConfig, ConsoleError, Core, Service};

/// How often the desk announces, resends and claims.
const TICK: Duration = Duration::from_millis(100);

/// What the window asks of the seat.
#[derive(Debug, Clone, PartialEq)]
pub enum SeatIntent {
    /// Call out `kind` for the pilot of `aircraft` (the selected one; the only one if `None`).
    CallOut {
        /// What is called out.
        kind: CallOutKind,
        /// The aircraft concerned.
        aircraft: Option<u8>,
    },
    /// The pilot acknowledges a call-out (made by seat `from`, id `id`).
    Acknowledge {
        /// The calling seat's system id.
        from: u8,
        /// The call-out's id.
        id: u32,
    },
    /// Offer command of `aircraft` to the pilot seat at system id `to`.
    Offer {
        /// The aircraft.
        aircraft: u8,
        /// The other pilot seat.
        to: u8,
    },
    /// Zoom the payload camera of `aircraft` (payload and pilot seats).
    Zoom {
        /// The aircraft.
        aircraft: u8,
        /// 0 (widest) to 100 (full zoom), percent.
        percent: f32,
    },
    /// Take command of an aircraft no seat commands (its pilot seat is gone); audited.
    TakeCommand {
        /// The aircraft.
        aircraft: u8,
    },
    /// Answer an offer made to this seat.
    Answer {
        /// The offer's id.
        offer: u32,
        /// Accept (take command) or decline.
        accept: bool,
    },
}

/// What the seat tells the window.
#[derive(Debug, Clone, PartialEq)]
pub enum SeatEvent {
    /// A call-out arrived (the pilot seat shows a banner and plays a sound until acknowledged).
    CallOut(CallOut),
    /// A call-out made here changed state (shown on the pilot's screen, acknowledged, lost).
    CallOutState {
        /// Its id.
        id: u32,
        /// Its state.
        state: CallOutState,
    },
    /// Another pilot seat offers this one command of an aircraft.
    Offered(OfferIn),
    /// This seat now commands an aircraft.
    CommandTaken {
        /// The aircraft.
        aircraft: u8,
    },
    /// This seat handed command of an aircraft to another.
    CommandHandedOver {
        /// The aircraft.
        aircraft: u8,
        /// The new pilot seat's system id.
        to: u8,
    },
    /// The payload camera answered a zoom.
    Zoomed {
        /// The aircraft.
        aircraft: u8,
        /// How it ended, in words.
        outcome: String,
    },
    /// What was asked cannot be done, and why.
    Refused(String),
}

/// The seat as the window shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeatView {
    /// This console's seat; `None` for a console without one.
    pub seat: Option<Seat>,
    /// Its system id.
    pub sysid: u8,
    /// Who sits here.
    pub person: String,
    /// The aircraft this seat commands.
    pub commands: Vec<u8>,
    /// The other seats heard.
    pub peers: Arc<Vec<SeatPeer>>,
    /// Call-outs made and received, newest last.
    pub call_outs: Arc<Vec<CallOut>>,
    /// Offers of command waiting for this seat's answer.
    pub offers_in: Arc<Vec<OfferIn>>,
    /// The offer this seat made, if any.
    pub offer_out: Option<OfferOut>,
}

impl SeatView {
    /// Call-outs for this pilot seat not acknowledged yet (the banner).
    pub fn banners(&self) -> Vec<&CallOut> {
        if self.seat != Some(Seat::Pilot) {
            return Vec::new();
        }
        self.call_outs
            .iter()
            .filter(|c| c.from != self.sysid && c.state == CallOutState::Shown)
            .collect()
    }

    /// Whether this console may fly `aircraft` (no seat: always).
    pub fn may_fly(&self, aircraft: u8) -> bool {
        match self.seat {
            None => true,
            Some(Seat::Pilot) => self.commands.contains(&aircraft),
            Some(_) => false,
        }
    }
}

/// The crew seat as the settings file keeps it; `kestrel console --seat/--person/--sysid/--forward`
/// win over it. Read at start: a console changes seat by restarting.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SeatSettings {
    /// The seat this console takes; none for a console of its own.
    pub seat: Option<Seat>,
    /// Who sits here (a member of the roster).
    pub person: String,
    /// The console's MAVLink system id; by default its seat's.
    pub sysid: Option<u8>,
    /// Forwarding endpoints (connection strings) opened at start.
    pub forwards: Vec<String>,
}

/// The crew seat of this console.
pub struct SeatService {
    inner: Option<Live>,
}

struct Live {
    station: Station,
    events: EventSink,
    desk: Arc<Mutex<SeatDesk>>,
    inbound: broadcast::Receiver<Arc<Inbound>>,
    last_tick: Option<Instant>,
    aircraft: Vec<u8>,
    arming: ArmingWatch,
    data_dir: Option<std::path::PathBuf>,
    sound: crate::sound::Chime,
}

fn lock(desk: &Mutex<SeatDesk>) -> std::sync::MutexGuard<'_, SeatDesk> {
    desk.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sends what the desk returned: to one seat over the link it was heard on, or to every seat.
fn send(station: &Station, out: Vec<Outbound>) {
    for (to, msg) in out {
        let tunnel = msg.to_tunnel(to);
        let _ = if to == 0 {
            station.broadcast(tunnel)
        } else {
            station.send_to_system(to, tunnel)
        };
    }
}

impl Service for SeatService {
    type Intent = SeatIntent;
    type Event = SeatEvent;
    type View = SeatView;

    async fn start(core: &Core, config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        let Some(seat) = config.seat else {
            return Ok(Self { inner: None });
        };
        let person = if config.person.is_empty() {
            config.operator.clone()
        } else {
            config.person.clone()
        };
        let desk = Arc::new(Mutex::new(SeatDesk::new(
            seat,
            core.station.config().gcs_sysid,
            &person,
            Instant::now(),
        )));
        let gate = desk.clone();
        core.station.set_flight_gate(Some(Arc::new(move |sysid| {
            lock(&gate).flight_allowed(sysid, Instant::now())
        })));
        core.station.audit(
            None,
            "seat",
            format!(
                "{person} takes the {seat} seat (system {})",
                core.station.config().gcs_sysid
            ),
            "seated".into(),
        );
        Ok(Self {
            inner: Some(Live {
                inbound: core.station.subscribe(),
                station: core.station.clone(),
                events: core.events.clone(),
                desk,
                last_tick: None,
                aircraft: Vec::new(),
                arming: ArmingWatch::default(),
                data_dir: core.data_dir.clone(),
                sound: core.sound.clone(),
            }),
        })
    }

    async fn handle(&mut self, intent: SeatIntent) {
        let Some(live) = &mut self.inner else {
            return;
        };
        let now = Instant::now();
        if let SeatIntent::Zoom { aircraft, percent } = intent {
            let seat = lock(&live.desk).seat();
            if !seat.may_work_payload() {
                let why = format!("the {seat} seat does not work the camera");
                live.station.audit(
                    Some(aircraft),
                    "command",
                    format!("zoom the camera to {percent} %"),
                    format!("refused: {why}"),
                );
                live.events.emit(SeatEvent::Refused(why));
                return;
            }
            let (station, events) = (live.station.clone(), live.events.clone());
            tokio::spawn(async move {
                let outcome = match station
                    .command(aircraft, &crate::protocol::Command::CameraZoom { percent })
                    .await
                {
                    Ok(o) => o.to_string(),
                    Err(e) => e.to_string(),
                };
                events.emit(SeatEvent::Zoomed { aircraft, outcome });
            });
            return;
        }
        let result = {
            let mut desk = lock(&live.desk);
            match &intent {
                SeatIntent::Zoom { .. } => Err("handled above".to_string()),
                SeatIntent::CallOut { kind, aircraft } => {
                    match aircraft.or_else(|| live.aircraft.first().copied()) {
                        None => Err("no aircraft to call out for".to_string()),
                        Some(a) => desk
                            .call_out(*kind, a, now)
                            .map(|(_, o)| (vec![o], Some(a), format!("call-out: {kind}")))
                            .map_err(|e| e.to_string()),
                    }
                }
                SeatIntent::Acknowledge { from, id } => {
                    let what = desk
                        .call_outs()
                        .iter()
                        .find(|c| c.from == *from && c.id == *id)
                        .map(|c| (c.aircraft, format!("acknowledged call-out: {}", c.kind)));
                    desk.acknowledge(*from, *id, now)
                        .map(|o| {
                            let (a, w) = what.unwrap_or((0, "acknowledged call-out".into()));
                            (vec![o], Some(a), w)
                        })
                        .map_err(|e| e.to_string())
                }
                SeatIntent::Offer { aircraft, to } => desk
                    .offer(*aircraft, *to, now)
                    .map(|o| {
                        (
                            vec![o],
                            Some(*aircraft),
                            format!("offers command to the pilot seat at system {to}"),
                        )
                    })
                    .map_err(|e| e.to_string()),
                SeatIntent::TakeCommand { aircraft } => desk
                    .take_command(*aircraft, now)
                    .map(|o| {
                        (
                            vec![o],
                            Some(*aircraft),
                            "takes command (no seat commanded it)".to_string(),
                        )
                    })
                    .map_err(|e| e.to_string()),
                SeatIntent::Answer { offer, accept } => {
                    let aircraft = desk
                        .offers_in()
                        .iter()
                        .find(|o| o.id == *offer)
                        .map(|o| o.aircraft);
                    desk.answer(*offer, *accept, now)
                        .map(|o| {
                            let w = if *accept {
                                "accepts the hand-over of command"
                            } else {
                                "declines the hand-over of command"
                            };
                            (vec![o], aircraft, w.to_string())
                        })
                        .map_err(|e| e.to_string())
                }
            }
        };
        match result {
            Ok((out, aircraft, what)) => {
                send(&live.station, out);
                live.station
                    .audit(aircraft.filter(|a| *a != 0), "seat", what, "sent".into());
                if let SeatIntent::TakeCommand { aircraft } = intent {
                    on_event(
                        live,
                        DeskEvent::CommandTaken {
                            aircraft,
                            from: None,
                        },
                    );
                }
            }
            Err(why) => live.events.emit(SeatEvent::Refused(why)),
        }
    }

    fn poll(&mut self) {
        let Some(live) = &mut self.inner else {
            return;
        };
        let now = Instant::now();
        let mut events = Vec::new();
        loop {
            match live.inbound.try_recv() {
                Ok(msg) => {
                    let Ok(seat_msg) = SeatMessage::from_message(&msg.message) else {
                        continue;
                    };
                    let (out, ev) = lock(&live.desk).on_message(msg.sysid(), seat_msg, now);
                    send(&live.station, out);
                    events.extend(ev);
                }
                Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                Err(_) => break,
            }
        }
        if live.last_tick.is_none_or(|t| now.duration_since(t) >= TICK) {
            live.last_tick = Some(now);
            let (out, ev) = lock(&live.desk).tick(&live.aircraft, now);
            send(&live.station, out);
            events.extend(ev);
        }
        for e in events {
            on_event(live, e);
        }
    }

    fn publish(&mut self, fleet: &FleetSnapshot) -> SeatView {
        let Some(live) = &mut self.inner else {
            return SeatView::default();
        };
        live.aircraft = fleet.aircraft.iter().map(|a| a.sysid).collect();
        let desk = lock(&live.desk);
        let now = Instant::now();
        for a in &fleet.aircraft {
            if live.arming.observe(a.sysid, a.armed) == Some(ArmingChange::Armed) {
                write_down_seats(live, &desk, a.sysid, now);
            }
        }
        let view = SeatView {
            seat: Some(desk.seat()),
            sysid: desk.sysid(),
            person: desk.person().to_string(),
            commands: desk.commands(),
            peers: Arc::new(desk.peers(now)),
            call_outs: Arc::new(desk.call_outs().to_vec()),
            offers_in: Arc::new(desk.offers_in().to_vec()),
            offer_out: desk.offer_out().cloned(),
        };
        // A call-out sounds on the pilot's seat until the pilot acknowledges it.
        let banners = view.banners();
        let cue = if banners.is_empty() {
            None
        } else if banners.iter().any(|c| c.kind.is_urgent()) {
            Some(crate::sound::Cue::UrgentCallOut)
        } else {
            Some(crate::sound::Cue::CallOut)
        };
        live.sound.hold("call-outs", cue);
        view
    }
}

/// Who sat in which seat when aircraft `sysid` armed: this seat and every other heard, to the
/// audit trail and the sortie the aircraft flies, off the core's threads.
fn write_down_seats(live: &Live, desk: &SeatDesk, sysid: u8, now: Instant) {
    let mut seats = vec![(desk.seat(), desk.person().to_string(), desk.sysid())];
    seats.extend(
        desk.peers(now)
            .into_iter()
            .map(|p| (p.seat, p.person, p.sysid)),
    );
    seats.sort_by_key(|(seat, _, id)| (Seat::ALL.iter().position(|s| s == seat), *id));
    let text = seats
        .iter()
        .map(|(seat, person, id)| format!("{seat} {person} (system {id})"))
        .collect::<Vec<_>>()
        .join("; ");
    let (station, data_dir) = (live.station.clone(), live.data_dir.clone());
    tokio::task::spawn_blocking(move || {
        let sortie = data_dir.and_then(|d| {
            CrewStore::record_on_active_sortie(&d, sysid, |store, id| store.record_seats(id, &text))
                .unwrap_or_else(|e| {
                    eprintln!("kestrel: crew seats not recorded on the sortie: {e}");
                    None
                })
        });
        let result = match sortie {
            Some(id) => format!("recorded on sortie {id}"),
            None => "no sortie".into(),
        };
        station.audit(
            Some(sysid),
            "seat",
            format!("crew seats when it armed: {text}"),
            result,
        );
    });
}

/// Acts on what the desk reported: tells the window, audits, and carries out hand-overs.
fn on_event(live: &Live, e: DeskEvent) {
    let station = &live.station;
    match e {
        DeskEvent::CallOutArrived(c) => {
            station.audit(
                Some(c.aircraft),
                "seat",
                format!("call-out from {}: {}", c.from_person, c.kind),
                "shown".into(),
            );
            live.events.emit(SeatEvent::CallOut(c));
        }
        DeskEvent::CallOutChanged { id, state } => {
            live.events.emit(SeatEvent::CallOutState { id, state })
        }
        DeskEvent::Offered(o) => live.events.emit(SeatEvent::Offered(o)),
        DeskEvent::OfferDeclined { aircraft, by } => {
            station.audit(
                Some(aircraft),
                "seat",
                format!("hand-over to system {by}"),
                "declined".into(),
            );
            live.events.emit(SeatEvent::Refused(format!(
                "the pilot seat at system {by} declined command of aircraft {aircraft}"
            )));
        }
        DeskEvent::CommandTaken { aircraft, from } => {
            let own = station.config().gcs_sysid;
            station.audit(
                Some(aircraft),
                "seat",
                match from {
                    Some(f) => format!("takes command from the pilot seat at system {f}"),
                    None => "takes command (no other pilot seat)".into(),
                },
                "in command".into(),
            );
            live.events.emit(SeatEvent::CommandTaken { aircraft });
            if from.is_none() {
                // The aircraft's GCS failsafe follows the pilot seat's heartbeat.
                let station = station.clone();
                let events = live.events.clone();
                tokio::spawn(async move {
                    if let Err(e) = station
                        .set_param(aircraft, "SYSID_MYGCS", f32::from(own))
                        .await
                    {
                        events.emit(SeatEvent::Refused(format!(
                            "aircraft {aircraft} does not follow this pilot seat's heartbeat yet: {e}"
                        )));
                    }
                });
            }
        }
        DeskEvent::OfferAccepted { aircraft, to } => {
            // Point the aircraft at the new pilot seat first; only then give up command.
            let station = station.clone();
            let events = live.events.clone();
            let desk = live.desk.clone();
            tokio::spawn(async move {
                match station
                    .set_param(aircraft, "SYSID_MYGCS", f32::from(to))
                    .await
                {
                    Ok(()) => {
                        let out = lock(&desk).release(aircraft, to, Instant::now());
                        send(&station, out);
                        station.audit(
                            Some(aircraft),
                            "seat",
                            format!("hands command to the pilot seat at system {to}"),
                            "handed over".into(),
                        );
                        events.emit(SeatEvent::CommandHandedOver { aircraft, to });
                    }
                    Err(e) => {
                        lock(&desk).cancel_offer();
                        station.audit(
                            Some(aircraft),
                            "seat",
                            format!("hand-over to system {to}"),
                            format!("failed: {e}"),
                        );
                        events.emit(SeatEvent::Refused(format!(
                            "hand-over of aircraft {aircraft} failed, command stays here: {e}"
                        )));
                    }
                }
            });
        }
        DeskEvent::CommandReleased { aircraft, to } => live
            .events
            .emit(SeatEvent::CommandHandedOver { aircraft, to }),
        DeskEvent::Conflict {
            aircraft,
            other,
            yielded,
        } => {
            let what = if yielded {
                format!("gives way to the pilot seat at system {other}")
            } else {
                format!("keeps command; the pilot seat at system {other} also claimed it")
            };
            station.audit(Some(aircraft), "seat", what.clone(), "conflict".into());
            live.events.emit(SeatEvent::Refused(format!(
                "two pilot seats claimed aircraft {aircraft}: this seat {what}"
            )));
        }
        DeskEvent::Undelivered(m) => {
            live.events.emit(SeatEvent::Refused(format!(
                "a seat message got no answer (is the other seat connected?): {m:?}"
            )));
        }
    }
}
