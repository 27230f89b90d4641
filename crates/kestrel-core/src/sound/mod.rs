//! The console's sounds: what calls the crew when their eyes are on the aircraft, not the
//! screen — an observer's call-out until the pilot acknowledges it, a new task from dispatch,
//! an alert. [`cue`] is what each sounds like; [`player`] plays them through GStreamer.

pub mod cue;
pub mod player;

pub use cue::Cue;
pub use player::{Chime, ChimeStatus, SoundSettings};
