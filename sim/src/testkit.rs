//! Unit-test rig: one [`Vehicle`] driven by a fake clock, with a GCS that sends it messages and a
//! log of everything it answered. No sockets, no sleeping: minutes of flight take milliseconds.

use mavlink::dialects::ardupilotmega::*;
use mavlink::MavHeader;

use crate::geo::{deg_to_e7, Origin};
use crate::mission::Item;
use crate::outbox::{Outbox, Peer};
use crate::vehicle::{Setup, Vehicle};

/// Test home (Liaocheng).
pub const HOME: (f64, f64) = (36.4560, 115.9850);
/// Fake-clock step, s.
pub const DT: f64 = 0.1;

pub struct Rig {
    pub v: Vehicle,
    pub out: Outbox,
    pub now: f64,
    /// Every message the vehicle sent, oldest first.
    pub log: Vec<MavMessage>,
    /// Send a GCS heartbeat every simulated second while running.
    pub heartbeats: bool,
    last_hb: f64,
}

impl Rig {
    /// One aircraft at home with its position estimate ready.
    pub fn new() -> Self {
        Self::with_warmup(0.0)
    }

    pub fn with_warmup(gps_warmup_s: f64) -> Self {
        let v = Vehicle::new(Setup {
            index: 0,
            origin: Origin::new(HOME.0, HOME.1),
            start: [0.0, 0.0],
            seed: 1,
            gps_warmup_s,
        });
        let mut r = Self {
            v,
            out: Outbox::default(),
            now: 0.0,
            log: Vec::new(),
            heartbeats: false,
            last_hb: -1.0,
        };
        r.run(DT);
        r
    }

    pub fn origin(&self) -> Origin {
        Origin::new(HOME.0, HOME.1)
    }

    fn collect(&mut self) {
        self.log.extend(self.out.messages().cloned());
        self.out.clear();
    }

    /// Sends `msg` from the GCS (system 255, component 190).
    pub fn send(&mut self, msg: MavMessage) {
        self.send_from(255, msg);
    }

    pub fn send_from(&mut self, sysid: u32, msg: MavMessage) {
        let h = MavHeader {
            system_id: sysid,
            component_id: 190,
            sequence: 0,
        };
        self.v.handle(self.now, Peer(0), &h, &msg, &mut self.out);
        self.collect();
    }

    /// Sends a COMMAND_LONG and returns the result of its COMMAND_ACK.
    pub fn cmd(&mut self, command: MavCmd, p: [f32; 7]) -> MavResult {
        self.cmd_with(command, p, 0)
    }

    pub fn cmd_with(&mut self, command: MavCmd, p: [f32; 7], confirmation: u8) -> MavResult {
        let before = self.log.len();
        self.send(MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
            param1: p[0],
            param2: p[1],
            param3: p[2],
            param4: p[3],
            param5: p[4],
            param6: p[5],
            param7: p[6],
            command,
            target_system: 1,
            target_component: 1,
            confirmation,
        }));
        self.acks_since(before)
            .into_iter()
            .find(|a| a.command == command)
            .map(|a| a.result)
            .expect("a COMMAND_ACK")
    }

    pub fn acks_since(&self, from: usize) -> Vec<COMMAND_ACK_DATA> {
        self.log[from..]
            .iter()
            .filter_map(|m| match m {
                MavMessage::COMMAND_ACK(a) => Some(a.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn set_mode(&mut self, custom: u32) -> MavResult {
        self.cmd(
            MavCmd::MAV_CMD_DO_SET_MODE,
            [1.0, custom as f32, 0.0, 0.0, 0.0, 0.0, 0.0],
        )
    }

    pub fn arm(&mut self) -> MavResult {
        self.cmd(
            MavCmd::MAV_CMD_COMPONENT_ARM_DISARM,
            [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        )
    }

    /// Runs the fake clock for `secs`.
    pub fn run(&mut self, secs: f64) {
        let end = self.now + secs;
        while self.now < end - 1e-9 {
            self.tick();
        }
    }

    fn tick(&mut self) {
        self.now += DT;
        if self.heartbeats && self.now - self.last_hb >= 1.0 {
            self.last_hb = self.now;
            self.send(MavMessage::HEARTBEAT(HEARTBEAT_DATA {
                mavtype: MavType::MAV_TYPE_GCS,
                autopilot: MavAutopilot::MAV_AUTOPILOT_INVALID,
                ..Default::default()
            }));
        }
        self.v.step(self.now, &mut self.out);
        self.collect();
    }

    /// Runs until `pred` holds or `max_secs` pass; returns whether it held.
    pub fn run_until(&mut self, max_secs: f64, pred: impl Fn(&Vehicle) -> bool) -> bool {
        let end = self.now + max_secs;
        while self.now < end {
            if pred(&self.v) {
                return true;
            }
            self.tick();
        }
        pred(&self.v)
    }

    /// STATUSTEXTs sent so far.
    pub fn texts(&self) -> Vec<String> {
        self.log
            .iter()
            .filter_map(|m| match m {
                MavMessage::STATUSTEXT(t) => Some(t.text.to_str().unwrap_or("").to_string()),
                _ => None,
            })
            .collect()
    }

    pub fn has_text(&self, needle: &str) -> bool {
        self.texts().iter().any(|t| t.contains(needle))
    }

    /// GUIDED, arm, take off to `alt` and wait until there.
    pub fn takeoff(&mut self, alt: f32) {
        assert_eq!(self.set_mode(4), MavResult::MAV_RESULT_ACCEPTED);
        assert_eq!(self.arm(), MavResult::MAV_RESULT_ACCEPTED);
        assert_eq!(
            self.cmd(
                MavCmd::MAV_CMD_NAV_TAKEOFF,
                [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, alt]
            ),
            MavResult::MAV_RESULT_ACCEPTED
        );
        let target = f64::from(alt);
        assert!(self.run_until(60.0, |v| v.ap.body.alt() > target - 0.2));
    }

    /// Uploads a mission (item 0 placeholder home, then `items`) through the real protocol.
    pub fn upload(&mut self, t: MavMissionType, items: &[Item]) -> MavMissionResult {
        let before = self.log.len();
        self.send(MavMessage::MISSION_COUNT(MISSION_COUNT_DATA {
            count: items.len() as u16,
            target_system: 1,
            target_component: 1,
            mission_type: t,
            opaque_id: 0,
        }));
        let mut scanned = before;
        loop {
            let mut next = None;
            for m in &self.log[scanned..] {
                match m {
                    MavMessage::MISSION_REQUEST(r) => next = Some(r.seq),
                    MavMessage::MISSION_ACK(a) => return a.mavtype,
                    _ => {}
                }
            }
            scanned = self.log.len();
            let seq = next.expect("a MISSION_REQUEST or MISSION_ACK");
            let mut it = items[usize::from(seq)].clone();
            it.seq = seq;
            it.mission_type = t;
            it.target_system = 1;
            it.target_component = 1;
            self.send(MavMessage::MISSION_ITEM_INT(it));
        }
    }

    /// Position of a point `north`, `east` metres from home, degrees * 1e7.
    pub fn at(&self, north: f64, east: f64) -> (i32, i32) {
        let (lat, lon) = self.origin().to_global(north, east);
        (deg_to_e7(lat), deg_to_e7(lon))
    }

    /// A mission item in frame GLOBAL_RELATIVE_ALT_INT at north/east metres from home.
    pub fn item(&self, cmd: MavCmd, north: f64, east: f64, alt: f32, p: [f32; 4]) -> Item {
        let (x, y) = if north == 0.0 && east == 0.0 {
            (0, 0)
        } else {
            self.at(north, east)
        };
        #[allow(deprecated)]
        let frame = MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT_INT;
        Item {
            param1: p[0],
            param2: p[1],
            param3: p[2],
            param4: p[3],
            x,
            y,
            z: alt,
            command: cmd,
            frame,
            autocontinue: 1,
            ..Default::default()
        }
    }

    /// Every MISSION_ITEM_REACHED seq, in order.
    pub fn reached(&self) -> Vec<u16> {
        self.log
            .iter()
            .filter_map(|m| match m {
                MavMessage::MISSION_ITEM_REACHED(r) => Some(r.seq),
                _ => None,
            })
            .collect()
    }

    /// Horizontal distance from home, m.
    pub fn dist_home(&self) -> f64 {
        self.v.ap.body.distance_to(self.v.ap.home)
    }
}
