//! The console's manned traffic: a [`TrafficMonitor`] over the station's frames and the SBS-1
//! feeds the console was started with; at each publication it feeds the conflicts and the
//! aircraft's COLLISION reports to the alert desk and publishes the targets for the map.

use std::sync::Arc;

use crate::fleet::FleetSnapshot;
use crate::traffic::{
    CollisionReport, Conflict, FeedStatus, Target, TrafficMonitor, TrafficSettings,
};

use super::alerts::AlertDesk;
use super::{ConsoleConfig, ConsoleError, Core, Service};

/// What the window asks of the traffic service.
#[derive(Debug, Clone, PartialEq)]
pub enum TrafficIntent {
    /// Use these conflict boxes and aging from now on (refused when they make no sense).
    SetSettings(TrafficSettings),
}

/// What the traffic service tells the window.
#[derive(Debug, Clone, PartialEq)]
pub enum TrafficEvent {
    /// The settings were refused, and why.
    SettingsRefused(String),
}

/// Manned traffic as the window draws it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrafficView {
    /// Every target with a position.
    pub targets: Arc<Vec<Target>>,
    /// Conflicts with our aircraft, most urgent first.
    pub conflicts: Arc<Vec<Conflict>>,
    /// Threats our aircraft report themselves.
    pub collisions: Arc<Vec<CollisionReport>>,
    /// The SBS-1 feeds and how they are doing.
    pub feeds: Arc<Vec<FeedStatus>>,
    /// The settings in use.
    pub settings: TrafficSettings,
}

/// The traffic picture of the console.
pub struct TrafficService {
    monitor: TrafficMonitor,
    desk: AlertDesk,
    events: super::EventSink,
    share: super::core::TrafficShare,
}

impl Service for TrafficService {
    type Intent = TrafficIntent;
    type Event = TrafficEvent;
    type View = TrafficView;

    async fn start(core: &Core, config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        Ok(Self {
            monitor: TrafficMonitor::start(&core.station, &config.traffic_feeds, config.traffic),
            desk: core.alerts.clone(),
            events: core.events.clone(),
            share: core.traffic.clone(),
        })
    }

    async fn handle(&mut self, intent: TrafficIntent) {
        match intent {
            TrafficIntent::SetSettings(s) => match s.conflict.validate() {
                Ok(()) => self.monitor.set_settings(s),
                Err(e) => self
                    .events
                    .emit(TrafficEvent::SettingsRefused(e.to_string())),
            },
        }
    }

    fn publish(&mut self, fleet: &FleetSnapshot) -> TrafficView {
        let r = self.monitor.report(fleet);
        self.desk.update_traffic(&r.conflicts, &r.collisions);
        let targets = Arc::new(r.targets);
        self.share.put(targets.clone());
        TrafficView {
            targets,
            conflicts: Arc::new(r.conflicts),
            collisions: Arc::new(r.collisions),
            feeds: Arc::new(r.feeds),
            settings: self.monitor.settings(),
        }
    }
}
