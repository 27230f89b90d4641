//! The console's core side, headless: a background thread running a tokio runtime that owns the
//! [`crate::station::Station`], takes the pilot's [`Intent`]s from the window over a
//! crossbeam channel (add or remove a link, command one or many aircraft, acknowledge alerts, save
//! settings), sends [`Event`]s back (command results, link changes, alerts), and publishes a
//! [`ConsoleView`] — fleet snapshot, links, alerts, missions — ten times a second for the window
//! to read. The window never waits on anything here: if it stalls, the core keeps flying, raising
//! alerts and logging.
//!
//! [`demo`] starts the simulator in-process and flies a patrol fleet for `kestrel` with no
//! aircraft configured; [`settings`] are the console's persisted preferences.

mod bridge;
pub mod demo;
pub mod planning; // --- planning ---
pub mod settings;
pub mod synthetic;
// --- video ---
pub mod video;
// --- end video ---
// --- sightings ---
pub mod dispatch_settings;
pub mod sightings;
pub use dispatch_settings::DispatchSettings;
pub use sightings::{
    DispatchConnection, DispatchState, MarkRequest, SightingEvent, SightingIntent, SightingPlace,
};
// --- end sightings ---

// --- signing ---
pub mod signing;
pub use signing::{SigningIntent, SigningOp, SigningOutcome};
// --- end signing ---

pub use bridge::{
    CommandReport, ConsoleConfig, ConsoleError, ConsoleHandle, ConsoleView, Event, Intent,
    PUBLISH_INTERVAL,
};
pub use settings::{Language, Settings, Units};
