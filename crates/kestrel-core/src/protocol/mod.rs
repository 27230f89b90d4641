//! MAVLink services, ground side: commands with acknowledgement and the mission transfer
//! protocol. Each is a set of async methods on [`crate::station::Station`].

pub mod command;
pub mod mission;
pub mod pilot;
pub mod rtt;
pub mod signing;

pub use command::{Command, CommandOutcome, CommandPolicy};
pub use mission::{TransferError, TransferPolicy, TransferStats};
pub use pilot::PilotAction;
