//! What a pilot asks for (take off, return, hold, fly here…) turned into the MAVLink commands that
//! do it, in order. The command line and the console both go through here, so "take off" means
//! the same steps everywhere.

use crate::fleet::modes::{self, copter_mode_number, COPTER_MODES};
use crate::fleet::Aircraft;

use super::Command;

/// A pilot's request to one aircraft, before it is turned into commands.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum PilotAction {
    /// Arm the motors.
    Arm,
    /// Disarm the motors.
    Disarm,
    /// Switch to GUIDED, arm if needed, and climb to `alt_m` above home.
    Takeoff {
        /// Target altitude above home, metres.
        alt_m: f32,
    },
    /// Land where it is.
    Land,
    /// Return to launch.
    ReturnToLaunch,
    /// Hold position (LOITER).
    Hold,
    /// Resume the uploaded mission (AUTO).
    ResumeMission,
    /// Change to an ArduCopter flight mode by number.
    SetMode {
        /// The ArduCopter mode number (e.g. 6 = RTL).
        custom_mode: u32,
    },
    /// Fly to a point in GUIDED and hold there.
    Goto {
        /// Latitude, degrees.
        lat: f64,
        /// Longitude, degrees.
        lon: f64,
        /// Altitude above home, metres.
        alt_rel_m: f32,
    },
}

impl PilotAction {
    /// A mode change by name (STABILIZE, LOITER, ...), with the list of known names on error.
    pub fn mode_by_name(name: &str) -> Result<PilotAction, String> {
        copter_mode_number(name)
            .map(|custom_mode| PilotAction::SetMode { custom_mode })
            .ok_or_else(|| {
                let names: Vec<&str> = COPTER_MODES.iter().map(|(_, n)| *n).collect();
                format!("unknown mode '{name}'; known modes: {}", names.join(", "))
            })
    }

    /// Whether the action changes what a flying aircraft does in a way the pilot must confirm
    /// (it cannot be undone by pressing another button a second later).
    pub fn is_destructive(&self) -> bool {
        matches!(
            self,
            PilotAction::Disarm
                | PilotAction::Land
                | PilotAction::ReturnToLaunch
                | PilotAction::Takeoff { .. }
                | PilotAction::Arm
        )
    }

    /// Whether the console asks the pilot before sending it: actions that cannot be taken back a
    /// second later ([`PilotAction::is_destructive`]), and mode changes that end a flight (RTL,
    /// LAND).
    pub fn needs_confirmation(&self) -> bool {
        self.is_destructive()
            || matches!(
                self,
                PilotAction::SetMode { custom_mode } if [modes::RTL, modes::LAND].contains(custom_mode)
            )
    }

    /// The flight mode the aircraft is expected to end up in, so that the change is not mistaken
    /// for a failsafe.
    pub fn expected_mode(&self) -> Option<u32> {
        match self {
            PilotAction::Takeoff { .. } | PilotAction::Goto { .. } => Some(modes::GUIDED),
            PilotAction::Land => Some(modes::LAND),
            PilotAction::ReturnToLaunch => Some(modes::RTL),
            PilotAction::Hold => Some(modes::LOITER),
            PilotAction::ResumeMission => Some(modes::AUTO),
            PilotAction::SetMode { custom_mode } => Some(*custom_mode),
            PilotAction::Arm | PilotAction::Disarm => None,
        }
    }

    /// A short English description for logs and the command line.
    pub fn describe(&self) -> String {
        match self {
            PilotAction::Arm => "arm".into(),
            PilotAction::Disarm => "disarm".into(),
            PilotAction::Takeoff { alt_m } => format!("take off to {alt_m} m"),
            PilotAction::Land => "land".into(),
            PilotAction::ReturnToLaunch => "return to launch".into(),
            PilotAction::Hold => "hold".into(),
            PilotAction::ResumeMission => "resume mission".into(),
            PilotAction::SetMode { custom_mode } => {
                format!(
                    "mode {}",
                    crate::fleet::modes::copter_mode_name(*custom_mode)
                )
            }
            PilotAction::Goto {
                lat,
                lon,
                alt_rel_m,
            } => {
                format!("go to {lat:.6}, {lon:.6} at {alt_rel_m} m")
            }
        }
    }

    /// The commands to send, in order, given what is known of the aircraft (`None` if it has not
    /// been heard). Bad values (NaN altitude, latitude 500°) are refused here, before anything
    /// is sent.
    pub fn steps(&self, aircraft: Option<&Aircraft>) -> Result<Vec<Command>, String> {
        let steps = match self {
            PilotAction::Arm => vec![Command::Arm],
            PilotAction::Disarm => vec![Command::Disarm],
            PilotAction::Takeoff { alt_m } => {
                let mut steps = Vec::new();
                if aircraft.is_none_or(|a| a.custom_mode != modes::GUIDED) {
                    steps.push(Command::SetMode {
                        custom_mode: modes::GUIDED,
                    });
                }
                if aircraft.is_none_or(|a| !a.armed) {
                    steps.push(Command::Arm);
                }
                steps.push(Command::Takeoff { alt_m: *alt_m });
                steps
            }
            PilotAction::Land => vec![Command::Land],
            PilotAction::ReturnToLaunch => vec![Command::ReturnToLaunch],
            PilotAction::Hold => vec![Command::SetMode {
                custom_mode: modes::LOITER,
            }],
            PilotAction::ResumeMission => vec![Command::MissionStart],
            PilotAction::SetMode { custom_mode } => vec![Command::SetMode {
                custom_mode: *custom_mode,
            }],
            PilotAction::Goto {
                lat,
                lon,
                alt_rel_m,
            } => {
                // ArduPilot accepts a reposition on the ground and nothing moves: say so instead.
                if let Some(a) = aircraft.filter(|a| !a.armed) {
                    return Err(format!(
                        "aircraft {} is disarmed: a goto would be accepted but it would not move; arm and take off first",
                        a.sysid
                    ));
                }
                vec![Command::Goto {
                    lat: *lat,
                    lon: *lon,
                    alt_rel_m: *alt_rel_m,
                }]
            }
        };
        for s in &steps {
            s.validate()?;
        }
        Ok(steps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn actions_that_cannot_be_taken_back_or_end_a_flight_need_confirmation() {
        for action in [
            PilotAction::Arm,
            PilotAction::Disarm,
            PilotAction::Takeoff { alt_m: 20.0 },
            PilotAction::Land,
            PilotAction::ReturnToLaunch,
            PilotAction::SetMode {
                custom_mode: modes::RTL,
            },
            PilotAction::SetMode {
                custom_mode: modes::LAND,
            },
        ] {
            assert!(action.needs_confirmation(), "{action:?}");
        }
        for action in [
            PilotAction::Hold,
            PilotAction::ResumeMission,
            PilotAction::SetMode {
                custom_mode: modes::LOITER,
            },
            PilotAction::SetMode {
                custom_mode: modes::SMART_RTL,
            },
            PilotAction::Goto {
                lat: 48.1,
                lon: 11.5,
                alt_rel_m: 30.0,
            },
        ] {
            assert!(!action.needs_confirmation(), "{action:?}");
        }
    }

    #[test]
    fn a_goto_for_a_disarmed_aircraft_is_refused_with_the_reason() {
        let goto = PilotAction::Goto {
            lat: 36.45,
            lon: 115.98,
            alt_rel_m: 30.0,
        };
        let mut a = Aircraft::new(1, 1, Instant::now());
        let why = goto.steps(Some(&a)).unwrap_err();
        assert!(
            why.contains("aircraft 1 is disarmed") && why.contains("arm and take off first"),
            "{why}"
        );
        a.armed = true;
        assert_eq!(goto.steps(Some(&a)).unwrap().len(), 1);
        // Not heard yet: nothing is known, so nothing is refused here.
        assert_eq!(goto.steps(None).unwrap().len(), 1);
    }

    #[test]
    fn takeoff_from_the_ground_switches_to_guided_and_arms_first() {
        let a = Aircraft::new(1, 1, Instant::now());
        let steps = PilotAction::Takeoff { alt_m: 30.0 }
            .steps(Some(&a))
            .unwrap();
        assert_eq!(
            steps,
            vec![
                Command::SetMode {
                    custom_mode: modes::GUIDED
                },
                Command::Arm,
                Command::Takeoff { alt_m: 30.0 }
            ]
        );
        let mut flying = a.clone();
        flying.custom_mode = modes::GUIDED;
        flying.armed = true;
        assert_eq!(
            PilotAction::Takeoff { alt_m: 30.0 }
                .steps(Some(&flying))
                .unwrap(),
            vec![Command::Takeoff { alt_m: 30.0 }]
        );
    }

    #[test]
    fn bad_values_are_refused_before_sending() {
        assert!(PilotAction::Takeoff { alt_m: f32::NAN }
            .steps(None)
            .is_err());
        let err = PilotAction::Goto {
            lat: 500.0,
            lon: 0.0,
            alt_rel_m: 10.0,
        }
        .steps(None)
        .unwrap_err();
        assert!(err.contains("latitude"), "{err}");
        assert!(PilotAction::mode_by_name("warp")
            .unwrap_err()
            .contains("LOITER"));
        assert_eq!(
            PilotAction::mode_by_name("rtl").unwrap().expected_mode(),
            Some(modes::RTL)
        );
    }
}
