//! Kestrel's headless core: links to aircraft over MAVLink 2, the fleet state, the command and
//! mission protocols, plan files, and the command line over them. The console (UI) only observes
//! and commands this core; nothing here depends on a window.
//!
//! Data flows one way: [`link`] → [`station`] → [`fleet`] (state) → readers take snapshots;
//! commands go back through [`protocol`] methods on [`station::Station`].
#![warn(missing_docs)]

pub mod alerts;
pub mod audit;
pub mod cli;
pub mod console;
pub mod crew;
pub mod dispatch;
pub mod fleet;
pub mod link;
pub mod paths;
pub mod plan;
pub mod protocol;
pub mod security;
pub mod sightings;
pub mod station;
pub mod tiles;
pub mod ui;
pub mod util;
pub mod video;
