//! The console's terrain: with `.hgt` tiles in the data directory it answers the aircraft's
//! TERRAIN_REQUESTs (`crate::terrain::server`) and publishes each aircraft's height above the
//! ground under it and what the aircraft reports of its own terrain.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::fleet::FleetSnapshot;
use crate::terrain::server::{AircraftTerrain, TerrainServer};
use crate::terrain::{Terrain, TerrainStore};

use super::{ConsoleConfig, ConsoleError, Core, Service};

/// The terrain service takes no intents from the window.
#[derive(Debug, Clone, PartialEq)]
pub enum TerrainIntent {}

/// The terrain service tells the window nothing beyond its view.
#[derive(Debug, Clone, PartialEq)]
pub enum TerrainEvent {}

/// Terrain as the window shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TerrainView {
    /// Height above the ground under each aircraft with a position over a tile, metres.
    pub agl_m: Arc<BTreeMap<u8, f64>>,
    /// What each aircraft asked for, was sent and reports holding.
    pub aircraft: Arc<Vec<AircraftTerrain>>,
    /// Whether terrain requests are answered (a data directory is set).
    pub serving: bool,
}

/// Terrain for the aircraft and for the pilot.
pub struct TerrainService {
    store: Option<TerrainStore>,
    server: Option<TerrainServer>,
}

impl Service for TerrainService {
    type Intent = TerrainIntent;
    type Event = TerrainEvent;
    type View = TerrainView;

    async fn start(core: &Core, _config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        let store = core.data_dir.as_deref().map(TerrainStore::in_data_dir);
        let server = store
            .as_ref()
            .map(|s| TerrainServer::start(&core.station, Arc::new(s.clone())));
        Ok(Self { store, server })
    }

    async fn handle(&mut self, intent: TerrainIntent) {
        match intent {}
    }

    fn publish(&mut self, fleet: &FleetSnapshot) -> TerrainView {
        let mut agl = BTreeMap::new();
        if let Some(store) = &self.store {
            for a in &fleet.aircraft {
                let Some(p) = a.position else { continue };
                if !store.has_tile_for(p.lat, p.lon) {
                    continue;
                }
                if let Ok(ground) = store.height_amsl(p.lat, p.lon) {
                    agl.insert(a.sysid, f64::from(a.alt_amsl_m) - ground);
                }
            }
        }
        TerrainView {
            agl_m: Arc::new(agl),
            aircraft: Arc::new(
                self.server
                    .as_ref()
                    .map(|s| s.aircraft())
                    .unwrap_or_default(),
            ),
            serving: self.server.is_some(),
        }
    }
}
