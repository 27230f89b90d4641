//! Crew seats: one aircraft, several consoles. The team's officer flies it from the **pilot**
//! seat; the **payload** operator works the camera, gimbal, video, recordings and sightings; the
//! **observer** watches the map, traffic and alerts and calls out what the pilot must know at
//! once. Each seat is its own ground station with its own MAVLink system id, sharing the
//! aircraft through a router ([`crate::router`]).
//!
//! The core enforces the roles, not only the window: [`Seat::may_fly`] decides whether the
//! station's flight gate lets a flight command out. Only one pilot seat commands an aircraft at a
//! time; handing command over is an offer accepted by the other pilot seat, after which the
//! aircraft's SYSID_MYGCS (ArduPilot: the station its GCS failsafe and RC overrides follow) is
//! set to the new pilot seat's system id. Seat-to-seat messages travel in MAVLink TUNNEL frames
//! over the links the seats already share ([`wire`]); [`desk`] keeps the state and resends what
//! was not answered.

pub mod callout;
pub mod desk;
pub mod wire;

use std::fmt;
use std::str::FromStr;

pub use callout::CallOutKind;
pub use desk::{SeatDesk, SeatPeer};
pub use wire::SeatMessage;

/// Where a member of the crew sits, and so what they may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Seat {
    /// The pilot in command: flight controls, arming, modes, missions.
    Pilot,
    /// The payload operator: camera, gimbal, video, recording, sightings; no flight commands.
    Payload,
    /// The visual observer: map, traffic, alerts, sightings and call-outs to the pilot.
    Observer,
}

impl Seat {
    /// Every seat, in the order shown.
    pub const ALL: [Seat; 3] = [Seat::Pilot, Seat::Payload, Seat::Observer];

    /// The name used on the command line and in settings.
    pub fn name(self) -> &'static str {
        match self {
            Seat::Pilot => "pilot",
            Seat::Payload => "payload",
            Seat::Observer => "observer",
        }
    }

    /// The system id a console in this seat uses unless told otherwise: each seat its own, at
    /// the top of the range as ground stations do (the pilot keeps 255, which is ArduPilot's
    /// default SYSID_MYGCS).
    pub fn default_sysid(self) -> u8 {
        match self {
            Seat::Pilot => 255,
            Seat::Payload => 254,
            Seat::Observer => 253,
        }
    }

    /// Whether the seat may ever send flight commands (the pilot seat, and only while it holds
    /// command of the aircraft).
    pub fn may_fly(self) -> bool {
        self == Seat::Pilot
    }

    /// Whether the seat works the payload (camera zoom, gimbal).
    pub fn may_work_payload(self) -> bool {
        matches!(self, Seat::Pilot | Seat::Payload)
    }

    /// Whether the seat makes call-outs to the pilot.
    pub fn makes_call_outs(self) -> bool {
        matches!(self, Seat::Observer | Seat::Payload)
    }

    fn code(self) -> u8 {
        match self {
            Seat::Pilot => 1,
            Seat::Payload => 2,
            Seat::Observer => 3,
        }
    }

    fn from_code(c: u8) -> Option<Seat> {
        Seat::ALL.into_iter().find(|s| s.code() == c)
    }
}

impl fmt::Display for Seat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A seat name that is not one of the three.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown seat '{0}'; use pilot, payload or observer")]
pub struct UnknownSeat(pub String);

impl FromStr for Seat {
    type Err = UnknownSeat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pilot" | "pic" => Ok(Seat::Pilot),
            "payload" | "camera" => Ok(Seat::Payload),
            "observer" | "vo" => Ok(Seat::Observer),
            _ => Err(UnknownSeat(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_parse_and_only_the_pilot_flies() {
        assert_eq!("Pilot".parse::<Seat>(), Ok(Seat::Pilot));
        assert_eq!("observer".parse::<Seat>(), Ok(Seat::Observer));
        let e = "driver".parse::<Seat>().unwrap_err().to_string();
        assert!(e.contains("pilot, payload or observer"), "{e}");
        assert!(Seat::Pilot.may_fly());
        assert!(!Seat::Payload.may_fly() && !Seat::Observer.may_fly());
        assert!(Seat::Payload.may_work_payload() && !Seat::Observer.may_work_payload());
        let ids: std::collections::HashSet<u8> =
            Seat::ALL.iter().map(|s| s.default_sysid()).collect();
        assert_eq!(ids.len(), 3, "each seat its own system id");
    }
}
