//! The MAVLink command protocol, ground side: send COMMAND_LONG / COMMAND_INT, wait for the
//! matching COMMAND_ACK, resend on timeout, and report plainly what happened.

use std::time::Duration;

use mavlink::dialects::ardupilotmega::{
    MavCmd, MavFrame, MavMessage, MavModeFlag, MavResult, COMMAND_INT_DATA, COMMAND_LONG_DATA,
};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use crate::station::{SendError, Station};

/// What the pilot (or a script) asks an aircraft to do.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "command")]
pub enum Command {
    /// Arm the motors.
    Arm,
    /// Disarm the motors (refused in flight by the autopilot).
    Disarm,
    /// Take off to an altitude above home (the aircraft must be armed in GUIDED).
    Takeoff {
        /// Target altitude above home, metres.
        alt_m: f32,
    },
    /// Land where it is.
    Land,
    /// Return to launch.
    ReturnToLaunch,
    /// Change flight mode (ArduCopter custom mode number).
    SetMode {
        /// The ArduCopter mode number (e.g. 6 = RTL).
        custom_mode: u32,
    },
    /// Fly to a point and hold there (GUIDED).
    Goto {
        /// Latitude, degrees.
        lat: f64,
        /// Longitude, degrees.
        lon: f64,
        /// Altitude above home, metres.
        alt_rel_m: f32,
    },
    /// Start (or resume) the uploaded mission.
    MissionStart,
    /// Set a message's stream interval (µs; -1 stops it).
    SetMessageInterval {
        /// The MAVLink message id.
        message_id: u32,
        /// Microseconds between messages; -1 stops the stream.
        interval_us: f32,
    },
    /// Ask for one message once.
    RequestMessage {
        /// The MAVLink message id.
        message_id: u32,
    },
    /// Zoom the payload camera to a percentage of its range (MAV_CMD_SET_CAMERA_ZOOM,
    /// ZOOM_TYPE_RANGE): the payload seat's, not a flight command.
    CameraZoom {
        /// 0 (widest) to 100 (full zoom).
        percent: f32,
    },
    /// A command another feature builds itself (the payload's gimbal and camera commands).
    Raw(RawCommand),
}

/// A command as its feature built it: sent as COMMAND_INT when it carries a position frame,
/// otherwise as COMMAND_LONG, to one component of the aircraft.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RawCommand {
    /// The MAV_CMD.
    pub command: MavCmd,
    /// param1..param7 (for COMMAND_INT, param5 and param6 are unused and param7 is z).
    pub params: [f32; 7],
    /// COMMAND_INT only: latitude, longitude in degrees × 10⁷ and their frame.
    pub position: Option<(i32, i32, MavFrame)>,
    /// The component it is for (1: the autopilot, which is the gimbal manager and the camera
    /// on ArduPilot).
    pub component: u8,
    /// What it does, in words (logs, the audit trail).
    pub description: String,
}
impl Command {
    /// Whether the command flies the aircraft (arms it, moves it, changes its mode): only the
    /// crew's pilot seat may send these.
    pub fn is_flight(&self) -> bool {
        match self {
            Command::SetMessageInterval { .. }
            | Command::RequestMessage { .. }
            | Command::CameraZoom { .. } => false,
            // The payload's gimbal and camera commands are the payload seat's; a raw command
            // that flies the aircraft is still a flight command.
            Command::Raw(r) => is_flight_cmd(r.command),
            _ => true,
        }
    }

    /// Whether the command arms the motors (the pre-flight checklist's gate applies).
    pub fn is_arming(&self) -> bool {
        match self {
            Command::Arm => true,
            Command::Raw(r) => {
                r.command == MavCmd::MAV_CMD_COMPONENT_ARM_DISARM && r.params[0] == 1.0
            }
            _ => false,
        }
    }

    /// The MAV_CMD this command is sent as.
    pub fn mav_cmd(&self) -> MavCmd {
        match self {
            Command::Arm | Command::Disarm => MavCmd::MAV_CMD_COMPONENT_ARM_DISARM,
            Command::Takeoff { .. } => MavCmd::MAV_CMD_NAV_TAKEOFF,
            Command::Land => MavCmd::MAV_CMD_NAV_LAND,
            Command::ReturnToLaunch => MavCmd::MAV_CMD_NAV_RETURN_TO_LAUNCH,
            Command::SetMode { .. } => MavCmd::MAV_CMD_DO_SET_MODE,
            Command::Goto { .. } => MavCmd::MAV_CMD_DO_REPOSITION,
            Command::MissionStart => MavCmd::MAV_CMD_MISSION_START,
            Command::SetMessageInterval { .. } => MavCmd::MAV_CMD_SET_MESSAGE_INTERVAL,
            Command::RequestMessage { .. } => MavCmd::MAV_CMD_REQUEST_MESSAGE,
            Command::CameraZoom { .. } => MavCmd::MAV_CMD_SET_CAMERA_ZOOM,
            Command::Raw(r) => r.command,
        }
    }

    /// A short human description, for logs and the console.
    pub fn describe(&self) -> String {
        match self {
            Command::Arm => "arm".into(),
            Command::Disarm => "disarm".into(),
            Command::Takeoff { alt_m } => format!("take off to {alt_m} m"),
            Command::Land => "land".into(),
            Command::ReturnToLaunch => "return to launch".into(),
            Command::SetMode { custom_mode } => {
                format!(
                    "mode {}",
                    crate::fleet::modes::copter_mode_name(*custom_mode)
                )
            }
            Command::Goto {
                lat,
                lon,
                alt_rel_m,
            } => {
                format!("go to {lat:.6}, {lon:.6} at {alt_rel_m} m")
            }
            Command::MissionStart => "start mission".into(),
            Command::SetMessageInterval { message_id, .. } => {
                format!("set interval of message {message_id}")
            }
            Command::RequestMessage { message_id } => format!("request message {message_id}"),
            Command::CameraZoom { percent } => format!("zoom the camera to {percent} %"),
            Command::Raw(r) => r.description.clone(),
        }
    }

    /// The wire message, with `confirmation` counting retransmissions.
    pub fn to_message(&self, sysid: u8, confirmation: u8) -> MavMessage {
        let long = |p: [f32; 7]| {
            MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
                param1: p[0],
                param2: p[1],
                param3: p[2],
                param4: p[3],
                param5: p[4],
                param6: p[5],
                param7: p[6],
                command: self.mav_cmd(),
                target_system: sysid,
                target_component: 1,
                confirmation,
            })
        };
        match self {
            Command::Arm => long([1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
            Command::Disarm => long([0.0; 7]),
            Command::Takeoff { alt_m } => long([0.0, 0.0, 0.0, f32::NAN, 0.0, 0.0, *alt_m]),
            Command::Land => long([0.0, 0.0, 0.0, f32::NAN, 0.0, 0.0, 0.0]),
            Command::ReturnToLaunch | Command::MissionStart => long([0.0; 7]),
            Command::SetMode { custom_mode } => long([
                MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED.bits() as f32,
                *custom_mode as f32,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
            ]),
            Command::SetMessageInterval {
                message_id,
                interval_us,
            } => long([*message_id as f32, *interval_us, 0.0, 0.0, 0.0, 0.0, 0.0]),
            Command::RequestMessage { message_id } => {
                long([*message_id as f32, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
            }
            // ZOOM_TYPE_RANGE (2): param2 is the zoom in percent.
            Command::CameraZoom { percent } => long([2.0, *percent, 0.0, 0.0, 0.0, 0.0, 0.0]),
            Command::Raw(r) => match r.position {
                None => MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
                    param1: r.params[0],
                    param2: r.params[1],
                    param3: r.params[2],
                    param4: r.params[3],
                    param5: r.params[4],
                    param6: r.params[5],
                    param7: r.params[6],
                    command: r.command,
                    target_system: sysid,
                    target_component: r.component,
                    confirmation,
                }),
                Some((x, y, frame)) => MavMessage::COMMAND_INT(COMMAND_INT_DATA {
                    param1: r.params[0],
                    param2: r.params[1],
                    param3: r.params[2],
                    param4: r.params[3],
                    x,
                    y,
                    z: r.params[6],
                    command: r.command,
                    target_system: sysid,
                    target_component: r.component,
                    frame,
                    current: 0,
                    autocontinue: 0,
                }),
            },
            Command::Goto {
                lat,
                lon,
                alt_rel_m,
            } => MavMessage::COMMAND_INT(COMMAND_INT_DATA {
                param1: -1.0, // default speed
                param2: 1.0,  // MAV_DO_REPOSITION_FLAGS_CHANGE_MODE: switch to GUIDED
                param3: 0.0,
                param4: f32::NAN, // keep yaw behaviour
                x: (lat * 1e7).round() as i32,
                y: (lon * 1e7).round() as i32,
                z: *alt_rel_m,
                command: MavCmd::MAV_CMD_DO_REPOSITION,
                target_system: sysid,
                target_component: 1,
                frame: MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
                current: 0,
                autocontinue: 0,
            }),
        }
    }

    /// Refuses values no aircraft should be sent (NaN altitude, latitude 500°).
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Command::Takeoff { alt_m }
                if !(alt_m.is_finite() && *alt_m > 0.0 && *alt_m <= 1000.0) =>
            {
                Err(format!(
                    "takeoff altitude {alt_m} m must be between 0 and 1000 m"
                ))
            }
            Command::Goto {
                lat,
                lon,
                alt_rel_m,
            } => {
                if !(lat.is_finite() && (-90.0..=90.0).contains(lat)) {
                    Err(format!("latitude {lat} is outside -90..90"))
                } else if !(lon.is_finite() && (-180.0..=180.0).contains(lon)) {
                    Err(format!("longitude {lon} is outside -180..180"))
                } else if !(alt_rel_m.is_finite() && *alt_rel_m >= 0.0 && *alt_rel_m <= 1000.0) {
                    Err(format!(
                        "altitude {alt_rel_m} m must be between 0 and 1000 m"
                    ))
                } else {
                    Ok(())
                }
            }
            Command::CameraZoom { percent }
                if !(percent.is_finite() && (0.0..=100.0).contains(percent)) =>
            {
                Err(format!("zoom {percent} % must be between 0 and 100 %"))
            }
            _ => Ok(()),
        }
    }
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum CommandOutcome {
    /// The aircraft accepted and is doing it.
    Accepted,
    /// The aircraft refused (MAV_RESULT name and, if it said why, its STATUSTEXT).
    Denied {
        /// The MAV_RESULT name, e.g. `TEMPORARILY_REJECTED`.
        result: String,
        /// The aircraft's own explanation (a STATUSTEXT sent with the refusal), if any.
        reason: Option<String>,
    },
    /// The aircraft does not support this command.
    Unsupported,
    /// No acknowledgement after every attempt.
    TimedOut {
        /// How many times the command was sent.
        attempts: u32,
    },
}

impl CommandOutcome {
    /// Whether the command took effect.
    pub fn is_accepted(&self) -> bool {
        matches!(self, CommandOutcome::Accepted)
    }
}

impl std::fmt::Display for CommandOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommandOutcome::Accepted => write!(f, "accepted"),
            CommandOutcome::Denied { result, reason } => match reason {
                Some(r) => write!(f, "denied ({result}): {r}"),
                None => write!(f, "denied ({result})"),
            },
            CommandOutcome::Unsupported => write!(f, "unsupported by the aircraft"),
            CommandOutcome::TimedOut { attempts } => {
                write!(
                    f,
                    "timed out (no acknowledgement after {attempts} attempts)"
                )
            }
        }
    }
}

/// Whether a MAV_CMD arms, moves or changes the mode of the aircraft (or stops it flying).
fn is_flight_cmd(cmd: MavCmd) -> bool {
    use MavCmd::*;
    matches!(
        cmd,
        MAV_CMD_COMPONENT_ARM_DISARM
            | MAV_CMD_NAV_TAKEOFF
            | MAV_CMD_NAV_LAND
            | MAV_CMD_NAV_RETURN_TO_LAUNCH
            | MAV_CMD_NAV_LOITER_UNLIM
            | MAV_CMD_NAV_WAYPOINT
            | MAV_CMD_DO_SET_MODE
            | MAV_CMD_DO_REPOSITION
            | MAV_CMD_DO_CHANGE_SPEED
            | MAV_CMD_DO_PAUSE_CONTINUE
            | MAV_CMD_DO_SET_HOME
            | MAV_CMD_DO_FLIGHTTERMINATION
            | MAV_CMD_DO_MOTOR_TEST
            | MAV_CMD_DO_SET_MISSION_CURRENT
            | MAV_CMD_MISSION_START
            | MAV_CMD_DO_FENCE_ENABLE
            | MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN
    )
}

/// Timeouts of the command protocol.
#[derive(Debug, Clone, Copy)]
pub struct CommandPolicy {
    /// Wait this long for COMMAND_ACK before resending.
    pub ack_timeout: Duration,
    /// Send at most this many times.
    pub attempts: u32,
}

impl Default for CommandPolicy {
    fn default() -> Self {
        Self {
            ack_timeout: Duration::from_millis(1500),
            attempts: 4,
        }
    }
}

impl Station {
    /// Sends a command to an aircraft and waits for its acknowledgement, resending on timeout.
    /// Every command and its outcome goes to the audit trail.
    pub async fn command(&self, sysid: u8, command: &Command) -> Result<CommandOutcome, SendError> {
        self.command_with(sysid, command, CommandPolicy::default())
            .await
    }

    /// [`Station::command`] with explicit timeouts.
    pub async fn command_with(
        &self,
        sysid: u8,
        command: &Command,
        policy: CommandPolicy,
    ) -> Result<CommandOutcome, SendError> {
        let gate = match command {
            c if c.is_arming() => self.check_arming(sysid),
            c if c.is_flight() => self.check_flight(sysid),
            _ => Ok(()),
        };
        let result = match gate {
            Err(reason) => Err(SendError::Refused(reason)),
            Ok(()) => self.command_inner(sysid, command, policy).await,
        };
        let action = match command {
            Command::SetMode { .. } => "mode_change",
            _ => "command",
        };
        let outcome = match &result {
            Ok(o) => o.to_string(),
            Err(SendError::Refused(why)) => format!("refused: {why}"),
            Err(e) => format!("not sent: {e}"),
        };
        self.audit(Some(sysid), action, command.describe(), outcome);
        result
    }

    async fn command_inner(
        &self,
        sysid: u8,
        command: &Command,
        policy: CommandPolicy,
    ) -> Result<CommandOutcome, SendError> {
        let mut rx = self.subscribe();
        let wanted = command.mav_cmd();
        let own = self.config().gcs_sysid;
        let mut reason: Option<String> = None;
        for attempt in 0..policy.attempts {
            self.send_to(sysid, command.to_message(sysid, attempt.min(255) as u8))?;
            let mut deadline = Instant::now() + policy.ack_timeout;
            loop {
                let msg = match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Err(_) => break,
                    Ok(Err(RecvError::Lagged(_))) => continue,
                    Ok(Err(RecvError::Closed)) => return Err(SendError::NoLinks),
                    Ok(Ok(m)) => m,
                };
                if msg.sysid() != sysid {
                    continue;
                }
                match &msg.message {
                    MavMessage::STATUSTEXT(t) if (t.severity as u8) <= 4 => {
                        reason = t
                            .text
                            .to_str()
                            .ok()
                            .map(|s| s.trim_end_matches('\0').to_string());
                    }
                    // An answer to another ground station sharing the aircraft is not ours.
                    MavMessage::COMMAND_ACK(ack)
                        if ack.target_system != 0 && ack.target_system != own =>
                    {
                        continue
                    }
                    MavMessage::COMMAND_ACK(ack) if ack.command == wanted => {
                        return Ok(match ack.result {
                            MavResult::MAV_RESULT_ACCEPTED => CommandOutcome::Accepted,
                            MavResult::MAV_RESULT_IN_PROGRESS => {
                                deadline = Instant::now() + policy.ack_timeout * 4;
                                continue;
                            }
                            MavResult::MAV_RESULT_UNSUPPORTED => CommandOutcome::Unsupported,
                            other => {
                                // Give a refusal's STATUSTEXT a moment to arrive.
                                if reason.is_none() {
                                    reason = wait_for_reason(&mut rx, sysid).await;
                                }
                                CommandOutcome::Denied {
                                    result: format!("{other:?}")
                                        .trim_start_matches("MAV_RESULT_")
                                        .to_string(),
                                    reason,
                                }
                            }
                        });
                    }
                    _ => {}
                }
            }
        }
        Ok(CommandOutcome::TimedOut {
            attempts: policy.attempts,
        })
    }
}

async fn wait_for_reason(
    rx: &mut tokio::sync::broadcast::Receiver<std::sync::Arc<crate::station::Inbound>>,
    sysid: u8,
) -> Option<String> {
    let deadline = Instant::now() + Duration::from_millis(200);
    while let Ok(r) = tokio::time::timeout_at(deadline, rx.recv()).await {
        let Ok(msg) = r else { continue };
        if msg.sysid() != sysid {
            continue;
        }
        if let MavMessage::STATUSTEXT(t) = &msg.message {
            if (t.severity as u8) <= 4 {
                return t
                    .text
                    .to_str()
                    .ok()
                    .map(|s| s.trim_end_matches('\0').to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(command: MavCmd, param1: f32) -> Command {
        Command::Raw(RawCommand {
            command,
            params: [param1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            position: None,
            component: 1,
            description: "raw".into(),
        })
    }

    #[test]
    fn the_payload_s_commands_are_not_flight_commands_and_a_raw_arm_is_still_an_arm() {
        let gimbal = raw(MavCmd::MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW, -45.0);
        assert!(!gimbal.is_flight() && !gimbal.is_arming());
        let arm = raw(MavCmd::MAV_CMD_COMPONENT_ARM_DISARM, 1.0);
        assert!(arm.is_flight() && arm.is_arming());
        let disarm = raw(MavCmd::MAV_CMD_COMPONENT_ARM_DISARM, 0.0);
        assert!(disarm.is_flight() && !disarm.is_arming());
        assert!(raw(MavCmd::MAV_CMD_NAV_RETURN_TO_LAUNCH, 0.0).is_flight());
        assert!(Command::Arm.is_arming() && !Command::Takeoff { alt_m: 10.0 }.is_arming());
    }
}
