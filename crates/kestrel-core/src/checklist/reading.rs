//! What telemetry said of a checklist item, as data: the window words it in the crew's
//! language; the command line, the audit trail and the sortie write it in English
//! ([`std::fmt::Display`]).

use std::fmt;

use crate::fleet::LinkState;
use crate::security::SigningState;

/// A geofence as SYS_STATUS reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FenceReading {
    /// Switched on, and the aircraft inside it.
    On,
    /// Not switched on.
    Off,
    /// Switched on, and the aircraft outside it.
    Breached,
}

/// What telemetry said of one item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    /// Battery charge, percent.
    Charge(f32),
    /// GNSS fix (GPS_RAW_INT fix type), satellites, HDOP.
    Gnss {
        /// 0-1 none, 2 2D, 3 3D, 4 DGPS, 5 RTK float, 6 RTK fixed.
        fix_type: u8,
        /// Satellites in view.
        satellites: u8,
        /// Horizontal dilution of precision, when reported.
        hdop: Option<f32>,
    },
    /// The best link's state and loss (0..1).
    Link {
        /// Its state.
        state: LinkState,
        /// Fraction of frames lost.
        loss: f32,
    },
    /// Signing with the aircraft.
    Signing(SigningState),
    /// The geofence.
    Fence(FenceReading),
    /// The autopilot's own pre-arm checks pass.
    Prearm(bool),
    /// The nearest manned aircraft, km; `None`: none at all.
    Traffic(Option<f64>),
}

impl Reading {
    /// The fix type in words.
    pub fn fix_name(fix_type: u8) -> &'static str {
        match fix_type {
            0 | 1 => "no fix",
            2 => "2D fix",
            3 => "3D fix",
            4 => "DGPS fix",
            5 => "RTK float",
            _ => "RTK fixed",
        }
    }
}

impl fmt::Display for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reading::Charge(p) => write!(f, "{p:.0} %"),
            Reading::Gnss {
                fix_type,
                satellites,
                hdop,
            } => {
                write!(
                    f,
                    "{}, {satellites} satellites",
                    Reading::fix_name(*fix_type)
                )?;
                if let Some(h) = hdop {
                    write!(f, ", HDOP {h:.1}")?;
                }
                Ok(())
            }
            Reading::Link { state, loss } => {
                write!(f, "{}, {:.0} % loss", state.as_str(), loss * 100.0)
            }
            Reading::Signing(s) => write!(f, "{s}"),
            Reading::Fence(FenceReading::On) => f.write_str("on"),
            Reading::Fence(FenceReading::Off) => f.write_str("off"),
            Reading::Fence(FenceReading::Breached) => f.write_str("breached"),
            Reading::Prearm(true) => f.write_str("pass"),
            Reading::Prearm(false) => f.write_str("fail"),
            Reading::Traffic(None) => f.write_str("none"),
            Reading::Traffic(Some(km)) => write!(f, "nearest {km:.1} km"),
        }
    }
}

impl serde::Serialize for Reading {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
