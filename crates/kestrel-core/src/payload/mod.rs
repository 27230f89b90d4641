//! The payload: each aircraft's gimbal and camera, as a payload operator points, zooms, records,
//! takes stills and tracks with them. [`state`] keeps what they report (pure, fed with
//! messages), [`request`] turns what the operator asks into the gimbal protocol v2 and camera
//! protocol commands ArduPilot accepts (checked against the reported limits first), and
//! [`control`] runs it over a station: discovery, sending with ack and retry, and a plain outcome
//! that says what the payload reported back or cannot confirm.

pub mod control;
pub mod footprint;
pub mod request;
pub mod state;

pub use control::{ControlError, PayloadOutcome, PayloadWatcher};
pub use footprint::{footprint, Footprint};
pub use request::{CameraRequest, GimbalRequest, PayloadError, Zoom};
pub use state::{CameraInfo, CapturedImage, FieldOfView, GimbalInfo, PayloadBook, PayloadState};
