//! Sightings: what the crew marks — a person, a vehicle, a crowd, a traffic incident, a fire,
//! someone to rescue — with where, when, from which aircraft, and an optional snapshot.
//!
//! - [`model`]: the sighting record and its validation (shared with dispatch).
//! - [`store`]: the console's SQLite database, which is also the send queue (queued → delivered →
//!   acknowledged); edits until sent, corrections appended after. Its writer thread (in
//!   [`crate::db`]) makes every save durable at a thousand a second.
//! - [`feed`]: the live list the console shows, reloaded in the background on every change.
//! - [`projection`]: a pixel picked in the video → a point on the ground, with an error estimate.
//! - [`timestamp`]: UTC instants as RFC 3339 text.
//! - [`audited`]: no sighting change stands without its audit entry.
//!
//! The sync worker that sends the queue to dispatch lives in [`crate::dispatch`].

pub mod audited;
pub mod feed;
pub mod from_video;
pub mod model;
pub mod projection;
pub mod store;
pub mod timestamp;

pub use audited::{keep_with_audit, AuditedError};
pub use model::{
    AircraftRef, Category, LocatedBy, NewSighting, Position, Priority, Sighting, SightingEdit,
    SightingError, SnapshotData, SnapshotInfo,
};
pub use store::{
    DeliveryState, DispatcherAcknowledgement, QueueCounts, SightingRecord, SightingStore,
    StoreError,
};
pub use timestamp::Timestamp;

use crate::fleet::Aircraft;

impl NewSighting {
    /// A sighting at `aircraft`'s current position (the crew marks "here"), with the accuracy
    /// taken from its GNSS fix, and the aircraft recorded. `None` if it has no position yet.
    pub fn at_aircraft(aircraft: &Aircraft, category: Category) -> Option<Self> {
        let p = aircraft.position?;
        // HDOP times a typical 5 m range error gives a ~95 % horizontal radius.
        let accuracy = aircraft
            .gps
            .hdop
            .map(|h| f64::from(h) * 5.0)
            .unwrap_or(10.0);
        let mut s = Self::new(
            category,
            Position {
                lat: p.lat,
                lon: p.lon,
                alt_m: Some(f64::from(aircraft.alt_amsl_m - aircraft.alt_rel_m)),
                accuracy_m: Some(accuracy),
            },
        );
        s.located_by = LocatedBy::Aircraft;
        s.aircraft.sysid = Some(aircraft.sysid);
        Some(s)
    }
}
