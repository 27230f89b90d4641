//! Flight instruments drawn with egui's painter: an attitude indicator and vertical tapes.

pub mod attitude;
pub mod tape;
