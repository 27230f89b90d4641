//! Kestrel's headless core: links to aircraft over MAVLink 2, the fleet state, the command and
//! mission protocols, plan files, video, sightings and dispatch. The console window
//! (`kestrel-ui`) only observes and commands this core, and the command line (`kestrel`) calls
//! it; nothing here depends on a window — the crate has no egui in its dependencies.
//!
//! Data flows one way: [`link`] → [`station`] → [`fleet`] (state) → readers take snapshots;
//! commands go back through [`protocol`] methods on [`station::Station`].
#![warn(missing_docs)]

pub mod alerts;
pub mod audit;
pub mod checklist;
pub mod conformance;
pub mod console;
pub mod crew;
pub mod db;
pub mod disk_space;
pub mod dispatch;
pub mod fleet;
pub mod geo;
pub mod link;
pub mod paths;
pub mod payload;
pub mod plan;
pub mod process;
pub mod protocol;
pub mod remote_id;
pub mod router;
pub mod seat;
pub mod security;
pub mod sightings;
pub mod sound;
pub mod station;
pub mod storage;
pub mod tasking;
pub mod terrain;
pub mod tiles;
pub mod time;
pub mod traffic;
pub mod video;
