//! The ground station's side of MAVLink's terrain protocol, as ArduPilot expects of a GCS: an
//! aircraft with terrain following on sends TERRAIN_REQUEST for a grid block (the south-west
//! corner, the spacing, and a 56-bit mask of 4 x 4 sub-grids, 7 rows south to north of 8 columns
//! west to east), and the station answers one TERRAIN_DATA per bit from the `.hgt` tiles. Sub-grids
//! over a missing tile are not answered (the aircraft keeps asking) and are counted, naming the
//! tile. The aircraft's TERRAIN_REPORTs (streamed, or answering TERRAIN_CHECK) are kept per
//! aircraft so the pilot sees whether it has the terrain it needs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mavlink::dialects::ardupilotmega::{
    MavMessage, TERRAIN_CHECK_DATA, TERRAIN_DATA_DATA, TERRAIN_REPORT_DATA, TERRAIN_REQUEST_DATA,
};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::AbortHandle;

use super::{Terrain, TerrainError};
use crate::station::Station;

/// Sub-grids in one request: 7 rows of 8.
pub const GRIDS_PER_BLOCK: u8 = 56;
/// Columns (west to east) of sub-grids in a block.
pub const GRID_COLUMNS: u8 = 8;
/// Points along each side of one sub-grid.
pub const GRID_POINTS: usize = 4;
/// Metres per degree of latitude, as ArduPilot's location offsets use.
const M_PER_DEG: f64 = 111_318.845_021_450_34;

/// Where point (`north`, `east`) of a grid lies: the corner moved `north` × spacing north and
/// `east` × spacing east, as ArduPilot offsets its grid points.
pub fn grid_point(lat_e7: i32, lon_e7: i32, spacing_m: f64, north: f64, east: f64) -> (f64, f64) {
    let lat = f64::from(lat_e7) * 1e-7;
    let lon = f64::from(lon_e7) * 1e-7;
    let dlat = north * spacing_m / M_PER_DEG;
    let dlon = east * spacing_m / (M_PER_DEG * lat.to_radians().cos().max(1e-6));
    (lat + dlat, lon + dlon)
}

/// The TERRAIN_DATA answering sub-grid `bit` of a request, or why it cannot be answered.
pub fn sub_grid(
    req: &TERRAIN_REQUEST_DATA,
    bit: u8,
    terrain: &dyn Terrain,
) -> Result<TERRAIN_DATA_DATA, TerrainError> {
    let spacing = f64::from(req.grid_spacing.max(1));
    let row = f64::from(bit / GRID_COLUMNS) * GRID_POINTS as f64;
    let col = f64::from(bit % GRID_COLUMNS) * GRID_POINTS as f64;
    let mut data = [0i16; 16];
    for i in 0..GRID_POINTS {
        for j in 0..GRID_POINTS {
            let (lat, lon) = grid_point(req.lat, req.lon, spacing, row + i as f64, col + j as f64);
            let h = terrain.height_amsl(lat, lon)?;
            data[i * GRID_POINTS + j] = h.round().clamp(-32767.0, 32767.0) as i16;
        }
    }
    Ok(TERRAIN_DATA_DATA {
        lat: req.lat,
        lon: req.lon,
        grid_spacing: req.grid_spacing,
        data,
        gridbit: bit,
    })
}

/// Every answer to a request: the TERRAIN_DATA for each bit that could be answered, and the
/// first reason one could not.
pub fn answer(
    req: &TERRAIN_REQUEST_DATA,
    terrain: &dyn Terrain,
) -> (Vec<TERRAIN_DATA_DATA>, usize, Option<TerrainError>) {
    let mut out = Vec::new();
    let mut missing = 0;
    let mut why = None;
    if req.grid_spacing == 0 {
        return (out, 0, None);
    }
    for bit in 0..GRIDS_PER_BLOCK {
        if req.mask & (1u64 << bit) == 0 {
            continue;
        }
        match sub_grid(req, bit, terrain) {
            Ok(d) => out.push(d),
            Err(e) => {
                missing += 1;
                why.get_or_insert(e);
            }
        }
    }
    (out, missing, why)
}

/// What the station knows about one aircraft's terrain.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AircraftTerrain {
    /// System id.
    pub sysid: u8,
    /// Requests received from it.
    pub requests: u64,
    /// Sub-grids sent to it.
    pub sent: u64,
    /// Sub-grids it asked for that no tile covers.
    pub missing: u64,
    /// Why the last missing one could not be answered (names the tile to import).
    pub last_missing: Option<String>,
    /// Its last TERRAIN_REPORT: ground height under it, metres AMSL.
    pub terrain_height_m: Option<f32>,
    /// …its height above that ground, metres.
    pub current_height_m: Option<f32>,
    /// …sub-grids it still waits for.
    pub pending: Option<u16>,
    /// …sub-grids it holds.
    pub loaded: Option<u16>,
}

impl AircraftTerrain {
    fn new(sysid: u8) -> Self {
        Self {
            sysid,
            requests: 0,
            sent: 0,
            missing: 0,
            last_missing: None,
            terrain_height_m: None,
            current_height_m: None,
            pending: None,
            loaded: None,
        }
    }
}

/// Answers every aircraft's TERRAIN_REQUEST from `terrain` in the background and keeps what
/// each reported. Must be started inside a tokio runtime; dropping it stops answering.
pub struct TerrainServer {
    state: Arc<Mutex<HashMap<u8, AircraftTerrain>>>,
    reports: Arc<Mutex<Vec<(u8, TERRAIN_REPORT_DATA, Instant)>>>,
    task: AbortHandle,
    station: Station,
}

impl Drop for TerrainServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl TerrainServer {
    /// Starts answering.
    pub fn start(station: &Station, terrain: Arc<dyn Terrain>) -> Self {
        let state: Arc<Mutex<HashMap<u8, AircraftTerrain>>> = Arc::default();
        let reports: Arc<Mutex<Vec<(u8, TERRAIN_REPORT_DATA, Instant)>>> = Arc::default();
        let mut rx = station.subscribe();
        let (st, rep, stn) = (state.clone(), reports.clone(), station.clone());
        let task = tokio::spawn(async move {
            loop {
                let f = match rx.recv().await {
                    Ok(f) => f,
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                };
                let sysid = f.sysid();
                match &f.message {
                    MavMessage::TERRAIN_REQUEST(req) => {
                        let (data, missing, why) = {
                            let terrain = terrain.clone();
                            let req = req.clone();
                            // Tiles may be read from disk the first time: off the async threads.
                            match tokio::task::spawn_blocking(move || answer(&req, &*terrain)).await
                            {
                                Ok(a) => a,
                                Err(_) => continue,
                            }
                        };
                        let sent = data.len() as u64;
                        for d in data {
                            let _ = stn.send_via(f.link, sysid, MavMessage::TERRAIN_DATA(d));
                        }
                        let mut s = lock(&st);
                        let a = s
                            .entry(sysid)
                            .or_insert_with(|| AircraftTerrain::new(sysid));
                        a.requests += 1;
                        a.sent += sent;
                        a.missing += missing as u64;
                        if let Some(e) = why {
                            a.last_missing = Some(e.to_string());
                        }
                    }
                    MavMessage::TERRAIN_REPORT(r) => {
                        {
                            let mut s = lock(&st);
                            let a = s
                                .entry(sysid)
                                .or_insert_with(|| AircraftTerrain::new(sysid));
                            a.terrain_height_m = Some(r.terrain_height);
                            a.current_height_m = Some(r.current_height);
                            a.pending = Some(r.pending);
                            a.loaded = Some(r.loaded);
                        }
                        let mut reps = lock(&rep);
                        reps.retain(|(_, _, at)| at.elapsed() < Duration::from_secs(30));
                        reps.push((sysid, r.clone(), f.at));
                    }
                    _ => {}
                }
            }
        })
        .abort_handle();
        Self {
            state,
            reports,
            task,
            station: station.clone(),
        }
    }

    /// What is known of every aircraft that asked or reported, by system id.
    pub fn aircraft(&self) -> Vec<AircraftTerrain> {
        let mut v: Vec<AircraftTerrain> = lock(&self.state).values().cloned().collect();
        v.sort_by_key(|a| a.sysid);
        v
    }

    /// Asks aircraft `sysid` (TERRAIN_CHECK) whether it holds the terrain at a point, and waits
    /// for its TERRAIN_REPORT about that point. `None` if it does not answer within `wait`.
    pub async fn check(
        &self,
        sysid: u8,
        lat: f64,
        lon: f64,
        wait: Duration,
    ) -> Option<TERRAIN_REPORT_DATA> {
        let lat_e7 = (lat * 1e7).round() as i32;
        let lon_e7 = (lon * 1e7).round() as i32;
        let asked = Instant::now();
        let deadline = asked + wait;
        let mut next_ask = asked;
        while Instant::now() < deadline {
            if Instant::now() >= next_ask {
                let _ = self.station.send_to(
                    sysid,
                    MavMessage::TERRAIN_CHECK(TERRAIN_CHECK_DATA {
                        lat: lat_e7,
                        lon: lon_e7,
                    }),
                );
                next_ask = Instant::now() + Duration::from_secs(1);
            }
            let found = lock(&self.reports)
                .iter()
                .rev()
                .find(|(s, r, at)| {
                    *s == sysid && *at >= asked && r.lat == lat_e7 && r.lon == lon_e7
                })
                .map(|(_, r, _)| r.clone());
            if found.is_some() {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ground rising 1 m per 10 m east, missing north of 36.5°.
    struct Ramp;
    impl Terrain for Ramp {
        fn height_amsl(&self, lat: f64, lon: f64) -> Result<f64, TerrainError> {
            if lat > 36.5 {
                return Err(TerrainError::OutOfRange { lat, lon });
            }
            Ok((lon - 115.0) * M_PER_DEG * 36.45f64.to_radians().cos() / 10.0)
        }
    }

    #[test]
    fn each_bit_is_a_4x4_grid_rows_north_columns_east() {
        let req = TERRAIN_REQUEST_DATA {
            lat: 364_500_000,
            lon: 1_150_000_000,
            grid_spacing: 100,
            mask: (1 << 0) | (1 << 9),
        };
        let (data, missing, _) = answer(&req, &Ramp);
        assert_eq!((data.len(), missing), (2, 0));
        // Bit 0: the corner, then 10 m higher every 100 m east along a row.
        assert_eq!(&data[0].data[..4], &[0, 10, 20, 30]);
        assert_eq!(data[0].data[4], 0, "the next row is north, same height");
        // Bit 9: row 1, column 1 → 4 points east of the corner.
        assert_eq!(data[1].gridbit, 9);
        assert_eq!(data[1].data[0], 40);
        assert_eq!((data[1].lat, data[1].grid_spacing), (req.lat, 100));
    }

    #[test]
    fn sub_grids_without_terrain_are_counted_not_sent() {
        let req = TERRAIN_REQUEST_DATA {
            lat: 364_970_000,
            lon: 1_150_000_000,
            grid_spacing: 100,
            mask: (1u64 << 56) - 1,
        };
        let (data, missing, why) = answer(&req, &Ramp);
        assert_eq!(
            (data.len(), missing),
            (8, 48),
            "only the southern row is under the tiles"
        );
        assert_eq!(data.len() + missing, 56);
        assert!(why.is_some());
    }
}
