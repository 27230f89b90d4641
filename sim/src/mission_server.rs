//! Vehicle side of the MAVLink mission protocol for MISSION, FENCE and RALLY, the way ArduCopter
//! does it: uploads are pulled item by item with the legacy MISSION_REQUEST (re-requested after
//! 500 ms of silence, cancelled after 8 s), downloads are answered statelessly with
//! MISSION_ITEM_INT, and mission item 0 is always the current home.

use mavlink::dialects::ardupilotmega::{
    MavMessage, MavMissionResult, MavMissionType, MISSION_ACK_DATA, MISSION_COUNT_DATA,
    MISSION_REQUEST_DATA,
};

use crate::geo::Origin;
use crate::mission::{self, frame, Item, MissionStore};
use crate::outbox::{Dest, Outbox, Peer};

/// Re-request the expected item after this much silence, simulated s.
pub const REREQUEST_S: f64 = 0.5;
/// Give up an upload after this much silence, simulated s.
pub const UPLOAD_TIMEOUT_S: f64 = 8.0;

/// Who sent the message being handled and when.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// Simulated time, s.
    pub now: f64,
    /// Link peer the message came from.
    pub from: Peer,
    /// Sender system id.
    pub sysid: u8,
    /// Sender component id.
    pub compid: u8,
    /// The home item served as mission item 0 (None before the position estimate is ready).
    pub home: Option<Item>,
}

/// A change to the stores the autopilot must react to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Change {
    /// The list of this type was replaced (upload finished or cleared).
    Replaced(MavMissionType),
    /// The GCS set the current mission item.
    SetCurrent(u16),
}

#[derive(Clone, Debug)]
struct Upload {
    mission_type: MavMissionType,
    count: u16,
    items: Vec<Item>,
    peer: Peer,
    gcs: (u8, u8),
    last_rx: f64,
    last_req: f64,
}

impl Upload {
    fn next(&self) -> u16 {
        self.items.len() as u16
    }
}

/// Upload state of one aircraft (downloads need none).
#[derive(Clone, Debug, Default)]
pub struct MissionServer {
    upload: Option<Upload>,
    /// The last completed upload (type, count, peer, gcs ids), to re-ACK a repeated last item.
    last_done: Option<(MavMissionType, u16, Peer, (u8, u8))>,
}

impl MissionServer {
    /// Whether an upload is in progress.
    pub fn uploading(&self) -> bool {
        self.upload.is_some()
    }

    /// Handles a MISSION_* message. Returns what changed in `store`, if anything.
    pub fn handle(
        &mut self,
        ctx: &Ctx,
        msg: &MavMessage,
        store: &mut MissionStore,
        origin: &Origin,
        out: &mut Outbox,
    ) -> Option<Change> {
        match msg {
            MavMessage::MISSION_COUNT(c) => self.on_count(ctx, c, store, origin, out),
            MavMessage::MISSION_ITEM_INT(i) => self.on_item(ctx, i.clone(), store, origin, out),
            MavMessage::MISSION_ITEM(i) => {
                self.on_item(ctx, mission::item_from_float(i), store, origin, out)
            }
            MavMessage::MISSION_REQUEST_LIST(r) => {
                let count = served_count(store, r.mission_type, ctx.home.is_some());
                out.send(
                    Dest::To(ctx.from),
                    MavMessage::MISSION_COUNT(MISSION_COUNT_DATA {
                        count,
                        target_system: ctx.sysid,
                        target_component: ctx.compid,
                        mission_type: r.mission_type,
                        opaque_id: 0,
                    }),
                );
                None
            }
            MavMessage::MISSION_REQUEST_INT(r) => {
                serve_item(ctx, store, r.mission_type, r.seq, out);
                None
            }
            MavMessage::MISSION_REQUEST(r) => {
                serve_item(ctx, store, r.mission_type, r.seq, out);
                None
            }
            MavMessage::MISSION_CLEAR_ALL(c) => {
                if self
                    .upload
                    .as_ref()
                    .is_some_and(|u| u.mission_type == c.mission_type || c.mission_type == ALL)
                {
                    self.upload = None;
                }
                store.replace(c.mission_type, Vec::new(), origin);
                ack(
                    ctx.from,
                    (ctx.sysid, ctx.compid),
                    c.mission_type,
                    ACCEPTED,
                    out,
                );
                Some(Change::Replaced(c.mission_type))
            }
            MavMessage::MISSION_SET_CURRENT(s) => {
                ((s.seq as usize) < store.mission.len()).then_some(Change::SetCurrent(s.seq))
            }
            MavMessage::MISSION_ACK(a) => {
                // A GCS may cancel its own upload with an error ACK.
                if self.upload.as_ref().is_some_and(|u| {
                    u.peer == ctx.from && u.mission_type == a.mission_type && a.mavtype != ACCEPTED
                }) {
                    self.upload = None;
                }
                None
            }
            _ => None,
        }
    }

    /// Re-requests a late item, or cancels an upload that went silent.
    pub fn tick(&mut self, now: f64, out: &mut Outbox) {
        let Some(up) = &mut self.upload else { return };
        if now - up.last_rx > UPLOAD_TIMEOUT_S {
            ack(
                up.peer,
                up.gcs,
                up.mission_type,
                MavMissionResult::MAV_MISSION_OPERATION_CANCELLED,
                out,
            );
            self.upload = None;
        } else if now - up.last_req >= REREQUEST_S {
            up.last_req = now;
            request(up, out);
        }
    }

    fn on_count(
        &mut self,
        ctx: &Ctx,
        c: &MISSION_COUNT_DATA,
        store: &mut MissionStore,
        origin: &Origin,
        out: &mut Outbox,
    ) -> Option<Change> {
        let gcs = (ctx.sysid, ctx.compid);
        let t = c.mission_type;
        if t == ALL {
            ack(ctx.from, gcs, t, MavMissionResult::MAV_MISSION_INVALID, out);
            return None;
        }
        // A new count always restarts (or replaces) a transfer of that type.
        self.upload = None;
        if usize::from(c.count) > mission::capacity(t) {
            ack(
                ctx.from,
                gcs,
                t,
                MavMissionResult::MAV_MISSION_NO_SPACE,
                out,
            );
            return None;
        }
        if c.count == 0 {
            store.replace(t, Vec::new(), origin);
            ack(ctx.from, gcs, t, ACCEPTED, out);
            self.last_done = None;
            return Some(Change::Replaced(t));
        }
        let up = Upload {
            mission_type: t,
            count: c.count,
            items: Vec::with_capacity(usize::from(c.count)),
            peer: ctx.from,
            gcs,
            last_rx: ctx.now,
            last_req: ctx.now,
        };
        request(&up, out);
        self.upload = Some(up);
        None
    }

    fn on_item(
        &mut self,
        ctx: &Ctx,
        item: Item,
        store: &mut MissionStore,
        origin: &Origin,
        out: &mut Outbox,
    ) -> Option<Change> {
        let Some(up) = &mut self.upload else {
            // The GCS repeats the last item when our final ACK was lost: ACK again.
            if let Some((t, count, peer, gcs)) = self.last_done {
                if t == item.mission_type && item.seq + 1 == count {
                    ack(peer, gcs, t, ACCEPTED, out);
                }
            }
            return None;
        };
        if item.mission_type != up.mission_type {
            return None;
        }
        up.last_rx = ctx.now;
        if item.seq != up.next() {
            // Duplicate or out of order: ask again for the one we need.
            up.last_req = ctx.now;
            request(up, out);
            return None;
        }
        let home_slot =
            up.mission_type == MavMissionType::MAV_MISSION_TYPE_MISSION && item.seq == 0;
        if !home_slot {
            if let Err(e) = mission::validate(up.mission_type, &item) {
                ack(up.peer, up.gcs, up.mission_type, e, out);
                let up = self.upload.take()?;
                // Like ArduPilot, a mission keeps what was written before the refusal: the
                // items stored so far replace the old ones at their places, the rest of the old
                // mission stays (fence and rally lists are only replaced whole).
                if up.mission_type == MavMissionType::MAV_MISSION_TYPE_MISSION && up.items.len() > 1
                {
                    // ArduPilot cuts the old mission to the new count when the upload starts.
                    let mut held = store.list(up.mission_type).to_vec();
                    held.truncate(usize::from(up.count));
                    let mut items = up.items.into_iter();
                    let slot0 = items.next()?;
                    if held.is_empty() {
                        held.push(match &ctx.home {
                            Some(home) => Item {
                                seq: 0,
                                mission_type: up.mission_type,
                                ..home.clone()
                            },
                            None => slot0,
                        });
                    }
                    for it in items {
                        let at = it.seq as usize;
                        if at < held.len() {
                            held[at] = it;
                        } else {
                            held.push(it);
                        }
                    }
                    store.replace(up.mission_type, held, origin);
                    return Some(Change::Replaced(up.mission_type));
                }
                return None;
            }
        }
        up.items.push(if home_slot {
            item
        } else {
            mission::normalised(item)
        });
        if up.next() < up.count {
            up.last_req = ctx.now;
            request(up, out);
            return None;
        }
        let up = self.upload.take()?;
        let t = up.mission_type;
        let mut items = up.items;
        if let (true, Some(home)) = (t == MavMissionType::MAV_MISSION_TYPE_MISSION, &ctx.home) {
            items[0] = Item {
                seq: 0,
                mission_type: t,
                ..home.clone()
            };
        }
        store.replace(t, items, origin);
        ack(up.peer, up.gcs, t, ACCEPTED, out);
        self.last_done = Some((t, up.count, up.peer, up.gcs));
        Some(Change::Replaced(t))
    }
}

const ALL: MavMissionType = MavMissionType::MAV_MISSION_TYPE_ALL;
const ACCEPTED: MavMissionResult = MavMissionResult::MAV_MISSION_ACCEPTED;

/// Number of items a download of `t` reports: a mission always has the home slot once home is
/// known (ArduPilot reports 1 for an empty mission).
fn served_count(store: &MissionStore, t: MavMissionType, home_known: bool) -> u16 {
    let n = store.list(t).len();
    let n = if t == MavMissionType::MAV_MISSION_TYPE_MISSION && home_known {
        n.max(1)
    } else {
        n
    };
    n as u16
}

fn serve_item(ctx: &Ctx, store: &MissionStore, t: MavMissionType, seq: u16, out: &mut Outbox) {
    let list = store.list(t);
    let is_mission = t == MavMissionType::MAV_MISSION_TYPE_MISSION;
    let item = match (is_mission && seq == 0, &ctx.home) {
        (true, Some(home)) => Some(home.clone()),
        _ => list.get(usize::from(seq)).cloned(),
    };
    let Some(mut item) = item else {
        ack(
            ctx.from,
            (ctx.sysid, ctx.compid),
            t,
            MavMissionResult::MAV_MISSION_INVALID_SEQUENCE,
            out,
        );
        return;
    };
    item.seq = seq;
    item.mission_type = t;
    item.target_system = ctx.sysid;
    item.target_component = ctx.compid;
    if let Some(f) = num_frame(frame::as_downloaded(mission::frame_of(&item))) {
        item.frame = f;
    }
    out.send(Dest::To(ctx.from), MavMessage::MISSION_ITEM_INT(item));
}

/// `MavFrame` from its number, for the few global frames the store holds.
fn num_frame(f: u8) -> Option<mavlink::dialects::ardupilotmega::MavFrame> {
    use mavlink::dialects::ardupilotmega::MavFrame::*;
    Some(match f {
        0 => MAV_FRAME_GLOBAL,
        2 => MAV_FRAME_MISSION,
        3 => MAV_FRAME_GLOBAL_RELATIVE_ALT,
        10 => MAV_FRAME_GLOBAL_TERRAIN_ALT,
        _ => return None,
    })
}

fn request(up: &Upload, out: &mut Outbox) {
    out.send(
        Dest::To(up.peer),
        MavMessage::MISSION_REQUEST(MISSION_REQUEST_DATA {
            seq: up.next(),
            target_system: up.gcs.0,
            target_component: up.gcs.1,
            mission_type: up.mission_type,
        }),
    );
}

fn ack(peer: Peer, gcs: (u8, u8), t: MavMissionType, result: MavMissionResult, out: &mut Outbox) {
    out.send(
        Dest::To(peer),
        MavMessage::MISSION_ACK(MISSION_ACK_DATA {
            target_system: gcs.0,
            target_component: gcs.1,
            mavtype: result,
            mission_type: t,
            opaque_id: 0,
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mission::item;
    use mavlink::dialects::ardupilotmega::{
        MavCmd, MavFrame, MISSION_CLEAR_ALL_DATA, MISSION_REQUEST_INT_DATA,
        MISSION_REQUEST_LIST_DATA,
    };

    const MISSION: MavMissionType = MavMissionType::MAV_MISSION_TYPE_MISSION;

    struct Rig {
        server: MissionServer,
        store: MissionStore,
        origin: Origin,
        out: Outbox,
        now: f64,
    }

    impl Rig {
        fn new() -> Self {
            Self {
                server: MissionServer::default(),
                store: MissionStore::default(),
                origin: Origin::new(36.456, 115.985),
                out: Outbox::default(),
                now: 0.0,
            }
        }
        fn ctx(&self) -> Ctx {
            Ctx {
                now: self.now,
                from: Peer(1),
                sysid: 255,
                compid: 190,
                home: Some(item(
                    0,
                    MavCmd::MAV_CMD_NAV_WAYPOINT,
                    MavFrame::MAV_FRAME_GLOBAL,
                    364_560_000,
                    1_159_850_000,
                    35.0,
                )),
            }
        }
        fn send(&mut self, msg: MavMessage) -> Option<Change> {
            let ctx = self.ctx();
            self.server
                .handle(&ctx, &msg, &mut self.store, &self.origin, &mut self.out)
        }
        fn tick(&mut self, dt: f64) {
            self.now += dt;
            self.server.tick(self.now, &mut self.out);
        }
        /// Sequence numbers requested (and acks) since the last call.
        fn take(&mut self) -> (Vec<u16>, Vec<MavMissionResult>) {
            let mut reqs = Vec::new();
            let mut acks = Vec::new();
            for m in self.out.messages() {
                match m {
                    MavMessage::MISSION_REQUEST(r) => reqs.push(r.seq),
                    MavMessage::MISSION_ACK(a) => acks.push(a.mavtype),
                    MavMessage::MISSION_REQUEST_INT(_) => panic!("ArduCopter uses MISSION_REQUEST"),
                    _ => {}
                }
            }
            self.out.clear();
            (reqs, acks)
        }
    }

    fn count(n: u16, t: MavMissionType) -> MavMessage {
        MavMessage::MISSION_COUNT(MISSION_COUNT_DATA {
            count: n,
            target_system: 1,
            target_component: 1,
            mission_type: t,
            opaque_id: 0,
        })
    }

    fn wp(seq: u16) -> MavMessage {
        let mut it = item(
            seq,
            MavCmd::MAV_CMD_NAV_WAYPOINT,
            MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
            364_560_000 + i32::from(seq) * 1000,
            1_159_850_000,
            20.0,
        );
        it.target_system = 1;
        it.target_component = 1;
        MavMessage::MISSION_ITEM_INT(it)
    }

    #[test]
    fn clean_upload_requests_each_item_then_acks() {
        let mut r = Rig::new();
        assert_eq!(r.send(count(3, MISSION)), None);
        assert_eq!(r.take(), (vec![0], vec![]));
        r.send(wp(0));
        assert_eq!(r.take(), (vec![1], vec![]));
        r.send(wp(1));
        assert_eq!(r.take(), (vec![2], vec![]));
        assert_eq!(r.send(wp(2)), Some(Change::Replaced(MISSION)));
        assert_eq!(r.take(), (vec![], vec![ACCEPTED]));
        assert_eq!(r.store.mission.len(), 3);
        // home slot overwritten with the real home
        assert_eq!(r.store.mission[0].z, 35.0);
        assert_eq!(r.store.mission[0].frame, MavFrame::MAV_FRAME_GLOBAL);
        assert_eq!(r.store.mission[2].x, 364_562_000);
    }

    #[test]
    fn duplicates_and_out_of_order_items_are_rerequested() {
        let mut r = Rig::new();
        r.send(count(3, MISSION));
        r.send(wp(0));
        r.take();
        r.send(wp(0)); // duplicate
        assert_eq!(r.take(), (vec![1], vec![]));
        r.send(wp(2)); // skipped ahead
        assert_eq!(r.take(), (vec![1], vec![]));
        r.send(wp(1));
        r.send(wp(2));
        assert_eq!(r.take(), (vec![2], vec![ACCEPTED]));
        assert_eq!(r.store.mission.len(), 3);
        // the GCS missed our ACK and repeats the last item: ACK again, nothing changes
        assert_eq!(r.send(wp(2)), None);
        assert_eq!(r.take(), (vec![], vec![ACCEPTED]));
    }

    #[test]
    fn lost_item_is_rerequested_after_500ms_and_upload_cancelled_after_8s() {
        let mut r = Rig::new();
        r.send(count(2, MISSION));
        r.take();
        r.tick(0.3);
        assert_eq!(r.take(), (vec![], vec![]));
        r.tick(0.25);
        assert_eq!(r.take(), (vec![0], vec![]), "re-request after 500 ms");
        r.send(wp(0));
        r.take();
        for _ in 0..100 {
            r.tick(0.1);
        }
        let (reqs, acks) = r.take();
        assert!(reqs.iter().all(|&s| s == 1) && reqs.len() >= 14, "{reqs:?}");
        assert_eq!(
            acks,
            vec![MavMissionResult::MAV_MISSION_OPERATION_CANCELLED]
        );
        assert!(!r.server.uploading());
        assert!(r.store.mission.is_empty(), "nothing committed");
    }

    #[test]
    fn new_count_restarts_and_limits_are_enforced() {
        let mut r = Rig::new();
        r.send(count(3, MISSION));
        r.send(wp(0));
        r.send(wp(1));
        r.take();
        r.send(count(2, MISSION));
        assert_eq!(r.take(), (vec![0], vec![]));
        r.send(wp(0));
        r.send(wp(1));
        assert_eq!(r.take(), (vec![1], vec![ACCEPTED]));
        assert_eq!(r.store.mission.len(), 2);
        r.send(count(701, MISSION));
        assert_eq!(
            r.take(),
            (vec![], vec![MavMissionResult::MAV_MISSION_NO_SPACE])
        );
    }

    #[test]
    fn bad_command_is_rejected_with_reason() {
        let mut r = Rig::new();
        r.send(count(2, MISSION));
        r.send(wp(0));
        let mut bad = item(
            1,
            MavCmd::MAV_CMD_NAV_WAYPOINT,
            MavFrame::MAV_FRAME_LOCAL_NED,
            0,
            0,
            0.0,
        );
        bad.seq = 1;
        r.take();
        r.send(MavMessage::MISSION_ITEM_INT(bad));
        assert_eq!(
            r.take(),
            (
                vec![],
                vec![MavMissionResult::MAV_MISSION_UNSUPPORTED_FRAME]
            )
        );
        assert!(!r.server.uploading());
    }

    #[test]
    fn download_serves_home_and_frame_3_for_frame_6() {
        let mut r = Rig::new();
        r.send(count(2, MISSION));
        r.send(wp(0));
        r.send(wp(1));
        r.take();
        r.send(MavMessage::MISSION_REQUEST_LIST(
            MISSION_REQUEST_LIST_DATA {
                target_system: 1,
                target_component: 1,
                mission_type: MISSION,
            },
        ));
        for seq in [0, 1, 1] {
            r.send(MavMessage::MISSION_REQUEST_INT(MISSION_REQUEST_INT_DATA {
                seq,
                target_system: 1,
                target_component: 1,
                mission_type: MISSION,
            }));
        }
        let msgs: Vec<MavMessage> = r.out.messages().cloned().collect();
        let MavMessage::MISSION_COUNT(c) = &msgs[0] else {
            panic!()
        };
        assert_eq!(c.count, 2);
        let items: Vec<&Item> = msgs[1..]
            .iter()
            .map(|m| match m {
                MavMessage::MISSION_ITEM_INT(i) => i,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(items.len(), 3, "duplicate requests answered again");
        assert_eq!(items[0].frame, MavFrame::MAV_FRAME_GLOBAL);
        assert_eq!(items[1].frame, MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT);
        assert_eq!(items[1].target_system, 255);
    }

    #[test]
    fn fence_and_rally_have_no_home_slot_and_clear_all_empties() {
        let mut r = Rig::new();
        let fence = MavMissionType::MAV_MISSION_TYPE_FENCE;
        r.send(count(1, fence));
        let mut c = item(
            0,
            MavCmd::MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION,
            MavFrame::MAV_FRAME_GLOBAL,
            364_560_000,
            1_159_850_000,
            0.0,
        );
        c.param1 = 300.0;
        c.mission_type = fence;
        r.send(MavMessage::MISSION_ITEM_INT(c));
        assert_eq!(r.take(), (vec![0], vec![ACCEPTED]));
        assert_eq!(r.store.fence[0].param1, 300.0);
        assert_eq!(r.store.zones.len(), 1);
        r.send(MavMessage::MISSION_CLEAR_ALL(MISSION_CLEAR_ALL_DATA {
            target_system: 1,
            target_component: 1,
            mission_type: ALL,
        }));
        assert_eq!(r.take(), (vec![], vec![ACCEPTED]));
        assert!(r.store.fence.is_empty() && r.store.zones.is_empty());
    }
}
