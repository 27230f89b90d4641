//! Cursor-on-Target export of the fleet to TAK, once a second, while CoT is configured.

use std::time::Duration;

use crate::console::callsigns::Callsigns;
use crate::dispatch::cot::{self, CotSender};
use crate::dispatch::fleet::report;
use crate::sightings::Timestamp;
use crate::station::Station;

/// How often aircraft positions go to TAK.
const COT_INTERVAL: Duration = Duration::from_secs(1);

/// Sends every aircraft's position to TAK once a second.
pub(super) async fn export_fleet(
    station: Station,
    sender: CotSender,
    console: String,
    callsigns: Callsigns,
) {
    let mut tick = tokio::time::interval(COT_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let names = callsigns.resolved();
        let now = Timestamp::now();
        for mut a in report(&station.snapshot()) {
            a.callsign = names.get(&a.sysid).cloned();
            if let Some(ev) = cot::aircraft_event(&console, &a, now) {
                sender.send(ev);
            }
        }
    }
}
