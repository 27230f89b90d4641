//! MAVLink services, ground side: commands with acknowledgement, the mission transfer protocol
//! and a whole plan's upload on top of it. Each is a set of async methods on
//! [`crate::station::Station`].

pub mod command;
pub mod mission;
pub mod param;
pub mod pilot;
pub mod plan_upload;
pub mod rtt;
pub mod signing;

pub use command::{Command, CommandOutcome, CommandPolicy, RawCommand};
pub use mission::{TransferError, TransferPolicy, TransferStats};
pub use pilot::PilotAction;
pub use plan_upload::{ListUpload, PlanUpload, PlanUploadError};
