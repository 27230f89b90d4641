//! Where the command centre hands on what it received: every output sees each sighting once it
//! is stored and each fleet report as it arrives. Cursor-on-Target to TAK is one output; the
//! command centre's web feed will be another, added to [`super::ReceiverConfig::outputs`] the
//! same way.

use crate::dispatch::cot::{self, CotSender};
use crate::dispatch::envelope::FleetAircraft;
use crate::sightings::model::Sighting;
use crate::sightings::timestamp::Timestamp;

/// One destination of the receiver's traffic. Called on the receiver's task, so an output must
/// not block: queue the work and return (as [`CotSender`] does).
pub trait DispatchOutput: Send + Sync {
    /// A sighting from `console` the receiver has just stored: new, or a newer revision of one it
    /// held (copies it already had are not passed on).
    fn sighting_stored(&self, console: &str, sighting: &Sighting);

    /// A fleet report from `console`, sent at `sent_at` by the console's clock, as it arrived
    /// (reports overtaken by a newer one are passed on too; compare `sent_at` to keep a picture).
    fn fleet_update(&self, console: &str, sent_at: Timestamp, aircraft: &[FleetAircraft]);

    /// A task changed (sent, or moved on by its console). Most outputs do not care.
    fn task_changed(&self, _id: uuid::Uuid) {}
}

/// Cursor-on-Target to TAK: each sighting as a point, each aircraft with a position as a
/// friendly UAV track.
impl DispatchOutput for CotSender {
    fn sighting_stored(&self, console: &str, sighting: &Sighting) {
        self.send(cot::sighting_event(sighting, console));
    }

    fn fleet_update(&self, console: &str, sent_at: Timestamp, aircraft: &[FleetAircraft]) {
        for a in aircraft {
            if let Some(event) = cot::aircraft_event(console, a, sent_at) {
                self.send(event);
            }
        }
    }
}
