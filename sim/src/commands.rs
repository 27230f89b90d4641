//! COMMAND_LONG / COMMAND_INT handling: decodes each MAV_CMD the simulator supports into an
//! autopilot action and answers the sender with COMMAND_ACK. Repeated COMMAND_LONGs (confirmation
//! > 0, same command and parameters) are answered from memory instead of being run twice.

use mavlink::dialects::ardupilotmega::{
    MavCmd, MavMessage, MavResult, COMMAND_ACK_DATA, COMMAND_INT_DATA, COMMAND_LONG_DATA,
};

use crate::autopilot::{Env, Mode};
use crate::config::HOME_ALT_AMSL_M;
use crate::mission::frame;
use crate::outbox::{Dest, Outbox, Peer};
use crate::streams::{self, Stream};
use crate::vehicle::Vehicle;

/// A retransmitted command is recognised for this long after the first, simulated s.
const REPEAT_WINDOW_S: f64 = 5.0;
/// Magic param2 of COMPONENT_ARM_DISARM that skips the checks.
const FORCE_MAGIC: f32 = 21196.0;

/// The last COMMAND_LONG executed, to answer retransmissions idempotently.
#[derive(Clone, Debug, PartialEq)]
pub struct CommandMemo {
    from: Peer,
    command: MavCmd,
    params: [u32; 7],
    result: MavResult,
    at: f64,
}

/// Who sent a command.
#[derive(Clone, Copy, Debug)]
pub struct Sender {
    /// Link peer.
    pub peer: Peer,
    /// System id.
    pub sysid: u8,
    /// Component id.
    pub compid: u8,
}

/// A command with its arguments normalised: positions in degrees, altitude with its frame.
#[derive(Clone, Copy, Debug)]
struct Args {
    command: MavCmd,
    p: [f32; 4],
    lat: f64,
    lon: f64,
    alt: f32,
    /// Altitude frame number (COMMAND_LONG: relative to home).
    frame: u8,
    /// param1..param7 as sent (COMMAND_INT: x and y as numbers, z).
    raw: [f32; 7],
}

/// Handles a COMMAND_LONG and acknowledges it.
pub fn command_long(
    v: &mut Vehicle,
    now: f64,
    from: Sender,
    c: &COMMAND_LONG_DATA,
    out: &mut Outbox,
) {
    let params = [
        c.param1, c.param2, c.param3, c.param4, c.param5, c.param6, c.param7,
    ]
    .map(f32::to_bits);
    if c.confirmation > 0 {
        if let Some(m) = &v.last_command {
            if m.from == from.peer
                && m.command == c.command
                && m.params == params
                && now - m.at < REPEAT_WINDOW_S
            {
                ack(out, from, c.command, m.result);
                return;
            }
        }
    }
    // Latitude/longitude 0,0 means "no position given" (keep the present one).
    let (lat, lon) = if c.param5 == 0.0 && c.param6 == 0.0 {
        (f64::NAN, f64::NAN)
    } else {
        (f64::from(c.param5), f64::from(c.param6))
    };
    let args = Args {
        command: c.command,
        p: [c.param1, c.param2, c.param3, c.param4],
        lat,
        lon,
        alt: c.param7,
        frame: frame::GLOBAL_RELATIVE_ALT,
        raw: [
            c.param1, c.param2, c.param3, c.param4, c.param5, c.param6, c.param7,
        ],
    };
    let result = execute(v, now, from, &args, out);
    v.last_command = Some(CommandMemo {
        from: from.peer,
        command: c.command,
        params,
        result,
        at: now,
    });
    ack(out, from, c.command, result);
}

/// Handles a COMMAND_INT and acknowledges it.
pub fn command_int(
    v: &mut Vehicle,
    now: f64,
    from: Sender,
    c: &COMMAND_INT_DATA,
    out: &mut Outbox,
) {
    let (lat, lon) = if c.x == 0 && c.y == 0 || c.x == i32::MAX || c.y == i32::MAX {
        (f64::NAN, f64::NAN)
    } else {
        (f64::from(c.x) * 1e-7, f64::from(c.y) * 1e-7)
    };
    let args = Args {
        command: c.command,
        p: [c.param1, c.param2, c.param3, c.param4],
        lat,
        lon,
        alt: c.z,
        frame: c.frame as u8,
        raw: [
            c.param1, c.param2, c.param3, c.param4, c.x as f32, c.y as f32, c.z,
        ],
    };
    let result = execute(v, now, from, &args, out);
    ack(out, from, c.command, result);
}

/// Acknowledges a command id the dialect cannot express (unknown commands get UNSUPPORTED).
pub fn raw_ack(from: Sender, command: u16, result: MavResult, out: &mut Outbox) {
    out.push(crate::outbox::Outgoing::RawCommandAck {
        dest: Dest::To(from.peer),
        command,
        result,
        target_system: from.sysid,
        target_component: from.compid,
    });
}

fn ack(out: &mut Outbox, from: Sender, command: MavCmd, result: MavResult) {
    out.send(
        Dest::To(from.peer),
        MavMessage::COMMAND_ACK(COMMAND_ACK_DATA {
            command,
            result,
            progress: 0,
            result_param2: 0,
            target_system: from.sysid,
            target_component: from.compid,
        }),
    );
}

fn to_result(r: Result<(), MavResult>) -> MavResult {
    match r {
        Ok(()) => MavResult::MAV_RESULT_ACCEPTED,
        Err(e) => e,
    }
}

fn execute(v: &mut Vehicle, now: f64, from: Sender, a: &Args, out: &mut Outbox) -> MavResult {
    use MavCmd::*;
    use MavResult::*;
    let [p1, p2, _p3, _p4] = a.p;
    // The gimbal and the camera answer as the autopilot, as ArduPilot's do.
    let payload_args = crate::payload::CommandArgs {
        command: a.command,
        raw: a.raw,
        lat: a.lat,
        lon: a.lon,
        alt: a.alt,
        frame: a.frame,
    };
    if let Some(r) = v.payload.execute(from, &payload_args, out) {
        return r;
    }
    // Commands that only read the aircraft or change its streams.
    match a.command {
        MAV_CMD_SET_MESSAGE_INTERVAL => {
            return match Stream::from_msg_id(p1 as u32) {
                Some(s) if v.streams.set_interval_us(s, p2, now) => MAV_RESULT_ACCEPTED,
                Some(_) => MAV_RESULT_DENIED,
                None => MAV_RESULT_FAILED,
            };
        }
        #[allow(deprecated)]
        MAV_CMD_GET_MESSAGE_INTERVAL => {
            // As ArduPilot: MESSAGE_INTERVAL with the interval in µs, -1 when it is off; an
            // unknown message is refused.
            let Some(s) = Stream::from_msg_id(p1 as u32) else {
                return MAV_RESULT_FAILED;
            };
            let secs = v.streams.interval(s);
            let interval_us = if secs > 0.0 {
                (secs * 1e6).round() as i32
            } else {
                -1
            };
            out.send(
                Dest::To(from.peer),
                MavMessage::MESSAGE_INTERVAL(
                    mavlink::dialects::ardupilotmega::MESSAGE_INTERVAL_DATA {
                        interval_us,
                        message_id: p1 as u16,
                    },
                ),
            );
            return MAV_RESULT_ACCEPTED;
        }
        MAV_CMD_REQUEST_MESSAGE
        | MAV_CMD_REQUEST_AUTOPILOT_CAPABILITIES
        | MAV_CMD_REQUEST_VIDEO_STREAM_INFORMATION => {
            let id = match a.command {
                MAV_CMD_REQUEST_MESSAGE => p1 as u32,
                MAV_CMD_REQUEST_VIDEO_STREAM_INFORMATION => VIDEO_STREAM_INFORMATION_ID,
                _ => AUTOPILOT_VERSION_ID,
            };
            let msg = if id == AUTOPILOT_VERSION_ID {
                Some(streams::autopilot_version(v.sysid()))
            } else if id == VIDEO_STREAM_INFORMATION_ID {
                // Only aircraft with a camera (`--video`) describe a stream.
                v.camera.as_ref().and_then(|c| c.stream_information())
            } else {
                Stream::from_msg_id(id).and_then(|s| streams::build(s, &v.telemetry(now)))
            };
            return match msg {
                Some(m) => {
                    out.send(Dest::To(from.peer), m);
                    MAV_RESULT_ACCEPTED
                }
                None => MAV_RESULT_FAILED,
            };
        }
        MAV_CMD_VIDEO_START_STREAMING => {
            return match &v.camera {
                Some(c) if c.request_stream() => MAV_RESULT_ACCEPTED,
                _ => MAV_RESULT_UNSUPPORTED,
            };
        }
        _ => {}
    }

    let Vehicle {
        ap,
        params,
        store,
        remote_id,
        ..
    } = v;
    let origin = ap.origin();
    let mut env = Env {
        now,
        params: &params.params,
        store,
        out,
    };
    match a.command {
        MAV_CMD_COMPONENT_ARM_DISARM => {
            let force = (p2 - FORCE_MAGIC).abs() < 0.5;
            let checks = params.params.get(crate::params::P::ArmingCheck) != 0.0;
            if let Some(why) = remote_id
                .as_ref()
                .filter(|_| p1 >= 0.5 && !force && !ap.armed && checks)
                .and_then(|r| r.failure(now))
            {
                env.out.text(
                    mavlink::dialects::ardupilotmega::MavSeverity::MAV_SEVERITY_CRITICAL,
                    &format!("PreArm: OpenDroneID: {why}"),
                );
                return MAV_RESULT_FAILED;
            }
            to_result(if p1 >= 0.5 {
                ap.arm(force, &mut env)
            } else {
                ap.disarm(force, &mut env)
            })
        }
        MAV_CMD_NAV_TAKEOFF => to_result(ap.takeoff(f64::from(a.alt), &mut env)),
        MAV_CMD_NAV_LAND => to_result(ap.set_mode(Mode::Land, &mut env)),
        MAV_CMD_NAV_RETURN_TO_LAUNCH => to_result(ap.set_mode(Mode::Rtl, &mut env)),
        MAV_CMD_DO_SET_MODE => {
            if (p1 as u32) & 1 == 0 {
                return MAV_RESULT_DENIED;
            }
            match Mode::from_custom(p2 as u32) {
                Some(m) => to_result(ap.set_mode(m, &mut env)),
                None => MAV_RESULT_DENIED,
            }
        }
        MAV_CMD_DO_REPOSITION => {
            if ap.mode != Mode::Guided {
                // Only with MAV_DO_REPOSITION_FLAGS_CHANGE_MODE, as ArduCopter.
                if (p2 as i32) & 1 == 0 {
                    return MAV_RESULT_DENIED;
                }
                if let Err(e) = ap.set_mode(Mode::Guided, &mut env) {
                    return e;
                }
            }
            let target = if a.lat.is_finite() && a.lon.is_finite() {
                let (n, e) = origin.to_local(a.lat, a.lon);
                [n, e]
            } else {
                ap.body.stopping_point(1.0)
            };
            let speed = (p1 > 0.0).then_some(f64::from(p1));
            to_result(ap.goto(target, altitude(a.alt, a.frame), speed))
        }
        MAV_CMD_MISSION_START => to_result(ap.mission_start(&mut env)),
        MAV_CMD_DO_SET_MISSION_CURRENT => {
            if p1 >= 0.0 && ap.set_mission_current(p1 as u16, &mut env) {
                MAV_RESULT_ACCEPTED
            } else {
                MAV_RESULT_DENIED
            }
        }
        MAV_CMD_DO_CHANGE_SPEED => {
            if ap.set_speed(f64::from(p2)) {
                MAV_RESULT_ACCEPTED
            } else {
                MAV_RESULT_DENIED
            }
        }
        MAV_CMD_DO_SET_HOME => {
            if p1 >= 0.5 {
                ap.set_home([ap.body.pos[0], ap.body.pos[1]]);
                MAV_RESULT_ACCEPTED
            } else if a.lat.is_finite() && a.lon.is_finite() && (a.lat != 0.0 || a.lon != 0.0) {
                let (n, e) = origin.to_local(a.lat, a.lon);
                ap.set_home([n, e]);
                MAV_RESULT_ACCEPTED
            } else {
                MAV_RESULT_DENIED
            }
        }
        _ => MAV_RESULT_UNSUPPORTED,
    }
}

const AUTOPILOT_VERSION_ID: u32 = 148;
const VIDEO_STREAM_INFORMATION_ID: u32 = 269;

/// Altitude above home from a command altitude in `frame` (NaN keeps the present altitude).
fn altitude(z: f32, f: u8) -> Option<f64> {
    if !z.is_finite() {
        return None;
    }
    let z = f64::from(z);
    Some(if frame::is_amsl(f) {
        z - HOME_ALT_AMSL_M
    } else {
        z
    })
}
