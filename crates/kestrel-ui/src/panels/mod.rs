//! The console's panels and windows, each an `impl ConsoleApp` block drawing one part of the
//! window from the published view.

pub mod aircraft;
pub mod alerts;
pub mod confirm;
pub mod connections;
pub mod fleet;
pub mod planning; // --- planning ---
pub mod settings;
pub mod status;
// --- video ---
pub mod video;
// --- sightings ---
pub mod sightings;
pub mod signing; // --- signing ---

// --- roster ---
pub mod roster;
