//! Widgets of the console: flight instruments drawn with egui's painter (an attitude indicator
//! and vertical tapes) and the one confirmation dialog.

pub mod attitude;
pub mod confirm;
pub mod tape;
