//! What the window asks of the sightings service (mark, edit, correct a sighting; reconfigure
//! dispatch) and what it answers.

use std::sync::Arc;

use uuid::Uuid;

use super::DispatchSettings;
use crate::sightings::{Category, Priority, Sighting, SightingEdit};
use crate::video::frame::VideoFrame;

/// Where a new sighting is.
#[derive(Debug, Clone, PartialEq)]
pub enum SightingPlace {
    /// At the aircraft's current position (what the crew sees below).
    Aircraft(u8),
    /// At a point picked on the map, seen from `sysid` when one is selected.
    Map {
        /// Latitude, degrees.
        lat: f64,
        /// Longitude, degrees.
        lon: f64,
        /// How precisely the point was picked, metres (from the map's scale).
        accuracy_m: Option<f64>,
        /// The aircraft the crew was watching from.
        sysid: Option<u8>,
    },
    /// At a pixel of `sysid`'s video, normalised 0..1 from the picture's top-left corner,
    /// projected to the ground.
    Video {
        /// The aircraft whose camera it is.
        sysid: u8,
        /// 0 left … 1 right.
        x: f64,
        /// 0 top … 1 bottom.
        y: f64,
    },
}

/// The video frame on screen when the sighting was marked; the core encodes it as a geotagged
/// JPEG off the window's thread and attaches it.
#[derive(Clone)]
pub struct VideoSnapshot(pub Arc<VideoFrame>);

impl std::fmt::Debug for VideoSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "VideoSnapshot({}x{} #{})",
            self.0.width, self.0.height, self.0.seq
        )
    }
}

impl PartialEq for VideoSnapshot {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// What the crew marked.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkRequest {
    /// Where.
    pub place: SightingPlace,
    /// What.
    pub category: Category,
    /// How urgent.
    pub priority: Priority,
    /// Free text.
    pub note: String,
    /// A JPEG to attach (e.g. a photo), when one is at hand.
    pub snapshot_jpeg: Option<Vec<u8>>,
    /// The video frame to attach as a JPEG (ignored when `snapshot_jpeg` is given).
    pub video_frame: Option<VideoSnapshot>,
}

impl MarkRequest {
    /// A sighting of `category` at `place`, normal priority, no note.
    pub fn new(place: SightingPlace, category: Category) -> Self {
        Self {
            place,
            category,
            priority: Priority::Normal,
            note: String::new(),
            snapshot_jpeg: None,
            video_frame: None,
        }
    }
}

/// What the window asks the sightings service.
#[derive(Debug, Clone)]
pub enum SightingIntent {
    /// Save a new sighting (answered by [`SightingEvent::Saved`] once it is on disk).
    Mark {
        /// From [`crate::console::ConsoleHandle::next_command_id`], to match the answer.
        id: u64,
        /// The sighting.
        request: MarkRequest,
    },
    /// Change a sighting that is still queued (answered by [`SightingEvent::Edited`]).
    Edit {
        /// The sighting.
        id: Uuid,
        /// The changes.
        edit: SightingEdit,
    },
    /// Append a correction to a sighting already sent (answered by [`SightingEvent::Edited`]).
    Correct {
        /// The sighting corrected.
        id: Uuid,
        /// The changes.
        edit: SightingEdit,
    },
    /// Use new dispatch settings (restarts the sync worker and CoT export).
    Configure(Box<DispatchSettings>),
}

/// What the sightings service tells the window.
#[derive(Debug, Clone, PartialEq)]
pub enum SightingEvent {
    /// A marked sighting is durably saved (or why not).
    Saved {
        /// The request's id.
        request: u64,
        /// The saved sighting, or an actionable reason.
        result: Result<Sighting, String>,
    },
    /// An edit or correction is saved (the correction is a new sighting), or why not.
    Edited {
        /// The sighting edited or corrected.
        id: Uuid,
        /// The edited sighting or the correction.
        result: Result<Sighting, String>,
    },
}
