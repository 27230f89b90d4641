//! The console's panels and windows: each a struct with its own state, drawing from a
//! [`crate::context::ViewCtx`] and returning [`crate::context::Actions`].

pub mod aircraft;
pub mod alerts;
pub mod checklist;
pub mod connections;
pub mod fleet;
pub mod payload;
pub mod planning;
pub mod remote_id;
pub mod seat;
pub mod settings;
pub mod sightings;
pub mod signing;
pub mod sound;
pub mod status;
pub mod storage;
pub mod tasks;
pub mod terrain;
pub mod traffic;
pub mod video;
