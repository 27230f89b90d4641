//! One simulated aircraft as a MAVLink system: it routes each incoming message to the service
//! that owns it (commands, mission, params, streams, GCS heartbeat), steps the autopilot and
//! physics on a simulated clock, and emits its telemetry streams. No I/O: the caller supplies
//! time and drains the [`Outbox`], which keeps unit tests fast and deterministic.

use mavlink::dialects::ardupilotmega::{
    MavMessage, MavMissionType, MavModeFlag, MavResult, TIMESYNC_DATA,
};
use mavlink::{MavHeader, Message};

use crate::autopilot::{Autopilot, Env, Mode};
use crate::battery::Battery;
use crate::commands::{self, CommandMemo, Sender};
use crate::config::HOME_ALT_AMSL_M;
use crate::geo::{deg_to_e7, Origin};
use crate::mission::MissionStore;
use crate::mission_server::{self, Change, MissionServer};
use crate::outbox::{Dest, Outbox, Peer};
use crate::params::{ParamServer, Params, P};
use crate::physics::GpsNoise;
use crate::streams::{self, Stream, Streams, Telemetry};

/// Longest physics step, simulated s (larger steps are split).
const MAX_STEP_S: f64 = 0.05;
/// Message id of SET_MODE, which ArduPilot puts in the COMMAND_ACK answering it.
const SET_MODE_MSG_ID: u16 = 11;
/// MAV_COMP_ID_AUTOPILOT1.
pub const COMPONENT_ID: u8 = 1;

/// Where and how an aircraft starts.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    /// Index in the fleet (system id is index + 1).
    pub index: usize,
    /// Local frame origin (the fleet home).
    pub origin: Origin,
    /// Start position, metres north/east of the origin.
    pub start: [f64; 2],
    /// Seed for this aircraft's wind and GPS noise.
    pub seed: u64,
    /// Seconds before the position estimate is ready.
    pub gps_warmup_s: f64,
}

/// A public, cloneable picture of one aircraft for tests and the console's demo mode.
#[derive(Clone, Debug)]
pub struct VehicleState {
    /// MAVLink system id.
    pub sysid: u8,
    /// Mode name ("GUIDED", "AUTO", ...).
    pub mode: String,
    /// ArduCopter custom_mode number.
    pub custom_mode: u32,
    /// Motors armed.
    pub armed: bool,
    /// True latitude, degrees (without GPS noise; the start position during GPS warm-up).
    pub lat: f64,
    /// True longitude, degrees.
    pub lon: f64,
    /// Altitude above home, m.
    pub rel_alt_m: f64,
    /// Horizontal ground speed, m/s.
    pub ground_speed: f64,
    /// Heading, degrees.
    pub heading_deg: f64,
    /// Remaining battery, %.
    pub battery_pct: f64,
    /// Battery voltage, V.
    pub voltage: f64,
    /// Stored mission items, home slot included (0 when no mission was uploaded).
    pub mission_count: usize,
    /// Current mission item.
    pub mission_current: u16,
    /// Stored fence items.
    pub fence_count: usize,
    /// Stored rally points.
    pub rally_count: usize,
    /// On the ground.
    pub landed: bool,
    /// Home (lat, lon) once the position estimate is ready.
    pub home: Option<(f64, f64)>,
    /// Low-battery failsafe has triggered.
    pub battery_failsafe: bool,
    /// GCS failsafe is active.
    pub gcs_failsafe: bool,
    /// Outside the fence now.
    pub fence_breached: bool,
    /// Every parameter, (name, value) in index order.
    pub params: Vec<(String, f32)>,
    /// MAVLink 2 signing is on (a key was installed with SETUP_SIGNING).
    pub signing: bool,
    /// Incoming frames ignored for being unsigned, wrongly signed or replayed.
    pub signing_rejected: u64,
    /// Ground height under the aircraft from the terrain the ground station sent (terrain
    /// following on and the sub-grids arrived), metres AMSL.
    pub terrain_height_m: Option<f64>,
    /// The operator's location its Remote ID last received (degrees), when it has one.
    pub remote_id_operator: Option<(f64, f64)>,
    /// The payload camera's zoom, percent of its range.
    pub zoom_pct: f32,
}

impl VehicleState {
    /// The value of parameter `name`.
    pub fn param(&self, name: &str) -> Option<f32> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

/// One aircraft: autopilot, parameters, stores and protocol servers.
#[derive(Clone, Debug)]
pub struct Vehicle {
    sysid: u8,
    /// Flight logic, airframe and battery.
    pub ap: Autopilot,
    /// Parameters and the PARAM protocol.
    pub params: ParamServer,
    /// Mission, fence, rally.
    pub store: MissionStore,
    /// Mission protocol (uploads).
    pub missions: MissionServer,
    /// Telemetry rates.
    pub streams: Streams,
    /// The last COMMAND_LONG, for idempotent retransmissions.
    pub(crate) last_command: Option<CommandMemo>,
    /// The aircraft's camera, when the simulator streams video.
    pub camera: Option<crate::camera::CameraLink>,
    /// The terrain it holds and asks the ground station for, when terrain following is on.
    pub terrain: Option<crate::terrain::TerrainFollow>,
    /// Its Remote ID transponder, when it has one.
    pub remote_id: Option<crate::remote_id::RemoteId>,
    /// The gimbal and zoom camera (gimbal protocol v2, camera protocol).
    pub payload: crate::payload::Payload,
    gps: GpsNoise,
    rng: fastrand::Rng,
    gps_warmup_s: f64,
    now: f64,
}

impl Vehicle {
    /// An aircraft on the ground, disarmed, in STABILIZE, with full battery.
    pub fn new(setup: Setup) -> Self {
        let sysid = (setup.index + 1).min(255) as u8;
        let mut rng = fastrand::Rng::with_seed(
            setup
                .seed
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(setup.index as u64),
        );
        let wind_speed = 1.0 + 2.0 * rng.f64();
        let wind_from = 360.0 * rng.f64();
        let params = Params::new(sysid, wind_speed as f32, wind_from as f32);
        let battery = Battery::new(params.f(P::BattCapacity));
        let mut ap = Autopilot::new(setup.origin, setup.start[0], setup.start[1], battery);
        ap.body.set_wind(wind_speed, wind_from);
        if setup.gps_warmup_s <= 0.0 {
            // No warm-up: ready before the first tick, so an immediate arm is not refused.
            ap.position_ready(&mut Outbox::default());
        }
        Self {
            sysid,
            ap,
            params: ParamServer::new(params),
            store: MissionStore::default(),
            missions: MissionServer::default(),
            streams: Streams::new(setup.index as f64 * 0.0137),
            last_command: None,
            camera: None,
            terrain: None,
            remote_id: None,
            payload: crate::payload::Payload::new(sysid, setup.origin),
            gps: GpsNoise::default(),
            rng,
            gps_warmup_s: setup.gps_warmup_s,
            now: 0.0,
        }
    }

    /// MAVLink system id.
    pub fn sysid(&self) -> u8 {
        self.sysid
    }

    /// Simulated time of the last step, s.
    pub fn now(&self) -> f64 {
        self.now
    }

    /// Handles one incoming message from `from`.
    pub fn handle(
        &mut self,
        now: f64,
        from: Peer,
        header: &MavHeader,
        msg: &MavMessage,
        out: &mut Outbox,
    ) {
        if !self.addressed_to_me(msg) || header.system_id > 255 {
            return;
        }
        let sender = Sender {
            peer: from,
            sysid: header.system_id as u8,
            compid: header.component_id,
        };
        match msg {
            MavMessage::HEARTBEAT(_) => {
                // As ArduPilot: only the ground station whose system id is SYSID_MYGCS keeps
                // the GCS failsafe at bay (other stations sharing the aircraft do not).
                let mygcs = self.params.params.get(P::SysidMygcs) as u32;
                if header.system_id == mygcs {
                    self.ap.gcs_heartbeat(now, out);
                }
            }
            MavMessage::COMMAND_LONG(c) => commands::command_long(self, now, sender, c, out),
            MavMessage::COMMAND_INT(c) => commands::command_int(self, now, sender, c, out),
            MavMessage::SET_MODE(m) => {
                // ArduPilot acknowledges SET_MODE with a COMMAND_ACK whose command is the
                // message id (11).
                let custom = m
                    .base_mode
                    .contains(MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED);
                let result = match Mode::from_custom(m.custom_mode).filter(|_| custom) {
                    Some(mode) => {
                        let mut env = Env {
                            now,
                            params: &self.params.params,
                            store: &self.store,
                            out,
                        };
                        match self.ap.set_mode(mode, &mut env) {
                            Ok(()) => MavResult::MAV_RESULT_ACCEPTED,
                            Err(e) => e,
                        }
                    }
                    None => MavResult::MAV_RESULT_DENIED,
                };
                commands::raw_ack(sender, SET_MODE_MSG_ID, result, out);
            }
            MavMessage::SET_POSITION_TARGET_GLOBAL_INT(sp) => self.position_target(now, sp),
            MavMessage::OPEN_DRONE_ID_SYSTEM(_) | MavMessage::OPEN_DRONE_ID_OPERATOR_ID(_) => {
                if let Some(r) = &mut self.remote_id {
                    r.handle(now, msg);
                }
            }
            MavMessage::TERRAIN_DATA(d) => {
                if let Some(t) = &mut self.terrain {
                    t.data(d);
                }
            }
            MavMessage::TERRAIN_CHECK(c) => {
                let alt = HOME_ALT_AMSL_M + self.ap.body.alt();
                if let Some(t) = &mut self.terrain {
                    t.check(now, c, alt, from, out);
                }
            }
            MavMessage::GIMBAL_MANAGER_SET_PITCHYAW(_)
            | MavMessage::GIMBAL_MANAGER_SET_MANUAL_CONTROL(_) => {
                self.payload.handle_message(msg);
            }
            MavMessage::REQUEST_DATA_STREAM(r) => {
                for s in Stream::group(r.req_stream_id) {
                    self.streams
                        .set_rate_hz(*s, r.req_message_rate, r.start_stop != 0, now);
                }
            }
            MavMessage::TIMESYNC(t) if t.tc1 == 0 => out.send(
                Dest::To(from),
                MavMessage::TIMESYNC(TIMESYNC_DATA {
                    tc1: (now * 1e9) as i64,
                    ts1: t.ts1,
                    target_system: sender.sysid,
                    target_component: sender.compid,
                }),
            ),
            MavMessage::PARAM_REQUEST_LIST(_)
            | MavMessage::PARAM_REQUEST_READ(_)
            | MavMessage::PARAM_SET(_) => {
                self.params.handle(now, from, msg, out);
            }
            MavMessage::MISSION_COUNT(_)
            | MavMessage::MISSION_ITEM(_)
            | MavMessage::MISSION_ITEM_INT(_)
            | MavMessage::MISSION_REQUEST_LIST(_)
            | MavMessage::MISSION_REQUEST(_)
            | MavMessage::MISSION_REQUEST_INT(_)
            | MavMessage::MISSION_CLEAR_ALL(_)
            | MavMessage::MISSION_SET_CURRENT(_)
            | MavMessage::MISSION_ACK(_) => {
                let ctx = mission_server::Ctx {
                    now,
                    from,
                    sysid: sender.sysid,
                    compid: sender.compid,
                    home: self.ap.home_item(),
                };
                let origin = self.ap.origin();
                let change = self
                    .missions
                    .handle(&ctx, msg, &mut self.store, &origin, out);
                let mut env = Env {
                    now,
                    params: &self.params.params,
                    store: &self.store,
                    out,
                };
                match change {
                    Some(Change::Replaced(
                        MavMissionType::MAV_MISSION_TYPE_MISSION
                        | MavMissionType::MAV_MISSION_TYPE_ALL,
                    )) => {
                        self.ap.mission_replaced(&mut env);
                    }
                    Some(Change::SetCurrent(seq)) => {
                        self.ap.set_mission_current(seq, &mut env);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// Handles a COMMAND_LONG/COMMAND_INT whose command id the dialect does not know.
    pub fn handle_unknown_command(
        &mut self,
        from: Peer,
        header: &MavHeader,
        command: u16,
        target_system: u8,
        target_component: u8,
        out: &mut Outbox,
    ) {
        if header.system_id > 255
            || (target_system != 0 && target_system != self.sysid)
            || (target_component != 0 && target_component != COMPONENT_ID)
        {
            return;
        }
        let sender = Sender {
            peer: from,
            sysid: header.system_id as u8,
            compid: header.component_id,
        };
        commands::raw_ack(sender, command, MavResult::MAV_RESULT_UNSUPPORTED, out);
    }

    /// Advances the aircraft to simulated time `now` and queues the telemetry that is due.
    pub fn step(&mut self, now: f64, out: &mut Outbox) {
        let mut t = self.now;
        let elapsed = now - t;
        while now - t > 1e-9 {
            let dt = (now - t).min(MAX_STEP_S);
            t += dt;
            if !self.ap.gps_ok && t >= self.gps_warmup_s {
                self.ap.position_ready(out);
                self.streams.set_interval_us(Stream::HomePosition, 0.0, t);
            }
            let mut env = Env {
                now: t,
                params: &self.params.params,
                store: &self.store,
                out,
            };
            self.ap.step(dt, &mut env);
            self.gps.step(
                dt,
                self.params.params.f(P::SimGpsNoise).max(0.0),
                &mut self.rng,
            );
            let wind = (
                self.params.params.f(P::SimWindSpd),
                self.params.params.f(P::SimWindDir),
            );
            self.ap.body.set_wind(wind.0, wind.1);
            self.missions.tick(t, out);
        }
        self.now = now;
        self.step_payload(elapsed, out);
        self.params.tick(now, out);
        if let Some(r) = &mut self.remote_id {
            r.step(now, out);
        }
        if self.ap.gps_ok {
            if let Some(t) = &mut self.terrain {
                let (lat, lon) = self
                    .ap
                    .origin()
                    .to_global(self.ap.body.pos[0], self.ap.body.pos[1]);
                t.step(now, lat, lon, HOME_ALT_AMSL_M + self.ap.body.alt(), out);
            }
        }
        let mut due = [None; streams::ALL.len()];
        let mut n = 0;
        self.streams.due(now, |s| {
            due[n] = Some(s);
            n += 1;
        });
        if n > 0 {
            let telemetry = self.telemetry(now);
            for s in due.into_iter().flatten() {
                if let Some(m) = streams::build(s, &telemetry) {
                    out.broadcast(m);
                }
            }
        }
    }

    /// Moves the gimbal and camera on with the aircraft and hands the picture's pose to the
    /// video camera, if any.
    fn step_payload(&mut self, dt: f64, out: &mut Outbox) {
        let b = &self.ap.body;
        let pose = crate::payload::Pose {
            north: b.pos[0],
            east: b.pos[1],
            height: b.alt(),
            heading_deg: b.yaw.to_degrees(),
            t: self.now,
            in_mission: self.ap.mode == Mode::Auto,
        };
        self.payload.step(dt, pose, out);
        if let Some(c) = &self.camera {
            c.set_view(self.payload.view());
        }
    }

    /// What the telemetry streams report now.
    pub fn telemetry(&self, now: f64) -> Telemetry {
        let ap = &self.ap;
        let b = &ap.body;
        let origin = ap.origin();
        let (lat, lon) = origin.to_global(b.pos[0] + self.gps.err[0], b.pos[1] + self.gps.err[1]);
        let (mission_seq, mission_state) = ap.mission_status();
        let alt = b.alt()
            + if ap.landed {
                0.0
            } else {
                self.gps.err[2] * 0.2
            };
        Telemetry {
            time_boot_ms: (now * 1000.0) as u32,
            custom_mode: ap.mode.custom(),
            base_mode: ap.base_mode(),
            system_status: ap.system_status(),
            gps_ok: ap.gps_ok,
            lat_e7: deg_to_e7(lat),
            lon_e7: deg_to_e7(lon),
            alt_amsl: HOME_ALT_AMSL_M + alt,
            rel_alt: alt,
            vel: b.vel,
            heading_deg: b.yaw.to_degrees(),
            attitude: [b.roll, b.pitch, b.yaw],
            rates: [0.0, 0.0, b.yaw_rate],
            airspeed: b.airspeed(),
            throttle: if !ap.armed {
                0
            } else if ap.landed {
                10
            } else {
                (38.0 + 6.0 * b.vel[2] + 1.0 * b.ground_speed()).clamp(0.0, 100.0) as u16
            },
            voltage: ap.battery.voltage,
            current: ap.battery.current_a,
            remaining: ap.battery.remaining_pct(),
            consumed_mah: ap.battery.consumed_mah,
            consumed_j: ap.battery.consumed_j,
            time_remaining_s: ap.battery.time_remaining_s(),
            battery_low: ap.battery_failsafe(),
            home: ap.home_set.then(|| {
                let (hlat, hlon) = origin.to_global(ap.home[0], ap.home[1]);
                (
                    deg_to_e7(hlat),
                    deg_to_e7(hlon),
                    HOME_ALT_AMSL_M,
                    ap.home[0],
                    ap.home[1],
                )
            }),
            mission_seq,
            mission_count: self.store.mission.len() as u16,
            mission_state: mission_state as u8,
            in_auto: ap.mode == Mode::Auto,
            landed_state: ap.landed_state(),
            fence_enabled: self.params.params.get(P::FenceEnable) != 0.0,
            fence_breached: ap.fence_breached(),
            prearm_ok: ap.prearm_failure(&self.params.params).is_none() && ap.mode.armable(),
        }
    }

    /// A public snapshot.
    pub fn state(&self) -> VehicleState {
        let ap = &self.ap;
        let origin = ap.origin();
        let (lat, lon) = origin.to_global(ap.body.pos[0], ap.body.pos[1]);
        VehicleState {
            sysid: self.sysid,
            mode: ap.mode.name().to_string(),
            custom_mode: ap.mode.custom(),
            armed: ap.armed,
            lat,
            lon,
            rel_alt_m: ap.body.alt(),
            ground_speed: ap.body.ground_speed(),
            heading_deg: ap.body.yaw.to_degrees(),
            battery_pct: ap.battery.remaining_pct(),
            voltage: ap.battery.voltage,
            mission_count: self.store.mission.len(),
            mission_current: ap.mission_status().0,
            fence_count: self.store.fence.len(),
            rally_count: self.store.rally.len(),
            landed: ap.landed,
            home: ap
                .home_set
                .then(|| origin.to_global(ap.home[0], ap.home[1])),
            battery_failsafe: ap.battery_failsafe(),
            gcs_failsafe: ap.gcs_failsafe(),
            fence_breached: ap.fence_breached(),
            params: self
                .params
                .params
                .iter()
                .map(|(n, v)| (n.to_string(), v))
                .collect(),
            terrain_height_m: self.terrain.as_ref().and_then(|t| t.height_at(lat, lon)),
            remote_id_operator: self.remote_id.as_ref().and_then(|r| r.operator_location()),
            // Signing lives in the link layer, which fills these in.
            signing: false,
            signing_rejected: 0,
            zoom_pct: self.payload.zoom_pct(),
        }
    }

    fn addressed_to_me(&self, msg: &MavMessage) -> bool {
        let sys_ok = msg
            .target_system_id()
            .is_none_or(|t| t == 0 || t == self.sysid);
        let comp_ok = msg
            .target_component_id()
            .is_none_or(|t| t == 0 || t == COMPONENT_ID);
        sys_ok && comp_ok
    }

    /// SET_POSITION_TARGET_GLOBAL_INT in GUIDED: a position, or a velocity if position is
    /// masked out.
    fn position_target(
        &mut self,
        now: f64,
        sp: &mavlink::dialects::ardupilotmega::SET_POSITION_TARGET_GLOBAL_INT_DATA,
    ) {
        use mavlink::dialects::ardupilotmega::PositionTargetTypemask as M;
        let mask = sp.type_mask;
        let pos_ignored = mask.contains(M::POSITION_TARGET_TYPEMASK_X_IGNORE)
            && mask.contains(M::POSITION_TARGET_TYPEMASK_Y_IGNORE);
        let vel_ignored = mask.contains(M::POSITION_TARGET_TYPEMASK_VX_IGNORE)
            && mask.contains(M::POSITION_TARGET_TYPEMASK_VY_IGNORE);
        if !(pos_ignored || sp.lat_int == 0 && sp.lon_int == 0) {
            let (n, e) = self.ap.origin().to_local_e7(sp.lat_int, sp.lon_int);
            let alt = (!mask.contains(M::POSITION_TARGET_TYPEMASK_Z_IGNORE) && sp.alt.is_finite())
                .then(|| {
                    let z = f64::from(sp.alt);
                    if crate::mission::frame::is_amsl(sp.coordinate_frame as u8) {
                        z - HOME_ALT_AMSL_M
                    } else {
                        z
                    }
                });
            let _ = self.ap.goto([n, e], alt, None);
        } else if !vel_ignored {
            let vz = if mask.contains(M::POSITION_TARGET_TYPEMASK_VZ_IGNORE) {
                0.0
            } else {
                -f64::from(sp.vz)
            };
            let v = [f64::from(sp.vx), f64::from(sp.vy), vz];
            if v.iter().all(|x| x.is_finite()) {
                let _ = self.ap.set_velocity(v, now);
            }
        }
    }
}

#[cfg(test)]
mod tests;
