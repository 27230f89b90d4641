//! Manned traffic: ADS-B targets from our aircraft's receivers (ADSB_VEHICLE) and from SBS-1
//! feeds of ground receivers, merged by ICAO address ([`target`]), the BaseStation line format
//! ([`sbs`]), the MAVLink side ([`adsb`]: ADSB_VEHICLE and the aircraft's own COLLISION
//! reports), the TCP feeds ([`feed`]), conflicts between each of our aircraft and each target now
//! and at the closest point of approach ([`conflict`]), and the running picture of a station
//! ([`monitor`]). The alert engine turns conflicts into alerts; the console draws the targets.

pub mod adsb;
pub mod conflict;
pub mod feed;
pub mod monitor;
pub mod sbs;
pub mod target;

pub use adsb::CollisionReport;
pub use conflict::{Conflict, ConflictLevel, ConflictSettings, SuggestedAction};
pub use feed::{FeedSpec, FeedStatus};
pub use monitor::{TrafficMonitor, TrafficReport, TrafficSettings};
pub use target::{Emitter, Target, TrafficPicture, TrafficSource, TrafficUpdate};
