//! Terrain following's data side, as ArduPilot does it with TERRAIN_ENABLE=1: the aircraft keeps
//! grid blocks of ground heights (7 x 8 sub-grids of 4 x 4 points, `spacing` metres apart) around
//! where it is, asks the ground station for the sub-grids it lacks with TERRAIN_REQUEST once a
//! second, stores each TERRAIN_DATA that matches a block it asked for, streams TERRAIN_REPORT
//! (ground height under it, height above it, sub-grids pending and loaded) and answers the
//! station's TERRAIN_CHECK with a TERRAIN_REPORT for that point.

use std::collections::HashMap;

use mavlink::dialects::ardupilotmega::*;

use crate::outbox::{Dest, Outbox, Peer};

/// Metres per degree of latitude (ArduPilot's location scaling).
const M_PER_DEG: f64 = 111_318.845_021_450_34;
/// Points north and east in a block.
const ROWS: usize = 28;
const COLS: usize = 32;
/// Every sub-grid of a block.
const FULL: u64 = (1 << 56) - 1;
/// Blocks overlap so that a point near an edge can be interpolated inside one block.
const STRIDE_ROWS: f64 = (ROWS - 4) as f64;
const STRIDE_COLS: f64 = (COLS - 4) as f64;
/// How many blocks an aircraft keeps.
const KEEP: usize = 12;

#[derive(Clone, Debug)]
struct Block {
    heights: Box<[[i16; COLS]; ROWS]>,
    bitmap: u64,
    used: f64,
}

/// The terrain an aircraft holds and asks for.
#[derive(Clone, Debug)]
pub struct TerrainFollow {
    spacing: u16,
    blocks: HashMap<(i32, i32), Block>,
    next: f64,
}

impl Default for TerrainFollow {
    fn default() -> Self {
        Self::new(100)
    }
}

fn e7(deg: f64) -> i32 {
    (deg * 1e7).round() as i32
}

impl TerrainFollow {
    /// Grid points `spacing_m` apart (ArduPilot's TERRAIN_SPACING, 100 m by default).
    pub fn new(spacing_m: u16) -> Self {
        Self {
            spacing: spacing_m.max(1),
            blocks: HashMap::new(),
            next: 0.0,
        }
    }

    /// The south-west corner (degE7) of the block that holds a point: blocks are laid from the
    /// point's whole-degree corner.
    fn block_corner(&self, lat: f64, lon: f64) -> (i32, i32) {
        let s = f64::from(self.spacing);
        let (lat0, lon0) = (lat.floor(), lon.floor());
        let cos0 = lat0.to_radians().cos().max(1e-6);
        let north = (lat - lat0) * M_PER_DEG;
        let east = (lon - lon0) * M_PER_DEG * cos0;
        let bn = (north / (STRIDE_ROWS * s)).floor() * STRIDE_ROWS * s;
        let be = (east / (STRIDE_COLS * s)).floor() * STRIDE_COLS * s;
        (
            e7(lat0 + bn / M_PER_DEG),
            e7(lon0 + be / (M_PER_DEG * cos0)),
        )
    }

    /// The point's position in its block's grid (fractional row north, column east).
    fn grid_xy(&self, corner: (i32, i32), lat: f64, lon: f64) -> (f64, f64) {
        let s = f64::from(self.spacing);
        let lat0 = f64::from(corner.0) * 1e-7;
        let lon0 = f64::from(corner.1) * 1e-7;
        let x = (lat - lat0) * M_PER_DEG / s;
        let y = (lon - lon0) * M_PER_DEG * lat0.to_radians().cos().max(1e-6) / s;
        (x, y)
    }

    /// Ground height at a point (metres AMSL) from the data received, bilinear; `None` until the
    /// sub-grids around it have arrived.
    pub fn height_at(&self, lat: f64, lon: f64) -> Option<f64> {
        let corner = self.block_corner(lat, lon);
        let b = self.blocks.get(&corner)?;
        let (x, y) = self.grid_xy(corner, lat, lon);
        let (i, j) = (x.floor() as usize, y.floor() as usize);
        if i + 1 >= ROWS || j + 1 >= COLS {
            return None;
        }
        let have = |r: usize, c: usize| b.bitmap & (1u64 << ((r / 4) * 8 + c / 4)) != 0;
        if !(have(i, j) && have(i + 1, j) && have(i, j + 1) && have(i + 1, j + 1)) {
            return None;
        }
        let (fx, fy) = (x - i as f64, y - j as f64);
        let h = |r: usize, c: usize| f64::from(b.heights[r][c]);
        Some(
            h(i, j) * (1.0 - fx) * (1.0 - fy)
                + h(i + 1, j) * fx * (1.0 - fy)
                + h(i, j + 1) * (1.0 - fx) * fy
                + h(i + 1, j + 1) * fx * fy,
        )
    }

    fn block_at(&mut self, lat: f64, lon: f64, now: f64) -> ((i32, i32), &mut Block) {
        let corner = self.block_corner(lat, lon);
        if !self.blocks.contains_key(&corner) && self.blocks.len() >= KEEP {
            if let Some(old) = self
                .blocks
                .iter()
                .min_by(|a, b| a.1.used.total_cmp(&b.1.used))
                .map(|(k, _)| *k)
            {
                self.blocks.remove(&old);
            }
        }
        let b = self.blocks.entry(corner).or_insert_with(|| Block {
            heights: Box::new([[0; COLS]; ROWS]),
            bitmap: 0,
            used: now,
        });
        b.used = now;
        (corner, b)
    }

    fn report(&mut self, lat: f64, lon: f64, alt_amsl: f64, now: f64) -> TERRAIN_REPORT_DATA {
        let height = self.height_at(lat, lon);
        let spacing = self.spacing;
        let (_, b) = self.block_at(lat, lon, now);
        let loaded = b.bitmap.count_ones() as u16;
        TERRAIN_REPORT_DATA {
            lat: e7(lat),
            lon: e7(lon),
            terrain_height: height.unwrap_or(0.0) as f32,
            current_height: height.map_or(0.0, |h| alt_amsl - h) as f32,
            spacing,
            pending: 56 - loaded,
            loaded,
        }
    }

    /// Once a simulated second: ask for what the block under the aircraft lacks, and report.
    pub fn step(&mut self, now: f64, lat: f64, lon: f64, alt_amsl: f64, out: &mut Outbox) {
        if now < self.next {
            return;
        }
        self.next = now + 1.0;
        let spacing = self.spacing;
        let (corner, b) = self.block_at(lat, lon, now);
        if b.bitmap != FULL {
            out.broadcast(MavMessage::TERRAIN_REQUEST(TERRAIN_REQUEST_DATA {
                mask: FULL & !b.bitmap,
                lat: corner.0,
                lon: corner.1,
                grid_spacing: spacing,
            }));
        }
        let r = self.report(lat, lon, alt_amsl, now);
        out.broadcast(MavMessage::TERRAIN_REPORT(r));
    }

    /// Stores a TERRAIN_DATA that fills a sub-grid of a block it holds; anything else is ignored.
    pub fn data(&mut self, d: &TERRAIN_DATA_DATA) {
        if d.gridbit >= 56 || d.grid_spacing != self.spacing {
            return;
        }
        let Some(b) = self.blocks.get_mut(&(d.lat, d.lon)) else {
            return;
        };
        let (r0, c0) = (
            usize::from(d.gridbit / 8) * 4,
            usize::from(d.gridbit % 8) * 4,
        );
        for i in 0..4 {
            for j in 0..4 {
                b.heights[r0 + i][c0 + j] = d.data[i * 4 + j];
            }
        }
        b.bitmap |= 1u64 << d.gridbit;
    }

    /// Answers TERRAIN_CHECK with a TERRAIN_REPORT for that point (and starts asking for its
    /// block if it is not held yet).
    pub fn check(
        &mut self,
        now: f64,
        c: &TERRAIN_CHECK_DATA,
        alt_amsl: f64,
        to: Peer,
        out: &mut Outbox,
    ) {
        let (lat, lon) = (f64::from(c.lat) * 1e-7, f64::from(c.lon) * 1e-7);
        let mut r = self.report(lat, lon, alt_amsl, now);
        r.lat = c.lat;
        r.lon = c.lon;
        out.send(Dest::To(to), MavMessage::TERRAIN_REPORT(r));
        self.next = self.next.min(now);
    }

    /// Sub-grids held in the block under a point.
    pub fn loaded_at(&self, lat: f64, lon: f64) -> u32 {
        self.blocks
            .get(&self.block_corner(lat, lon))
            .map_or(0, |b| b.bitmap.count_ones())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_for_its_block_and_interpolates_what_arrives() {
        let mut t = TerrainFollow::new(100);
        let mut out = Outbox::default();
        let (lat, lon) = (36.456, 115.985);
        t.step(0.0, lat, lon, 100.0, &mut out);
        let req = out
            .messages()
            .find_map(|m| match m {
                MavMessage::TERRAIN_REQUEST(r) => Some(r.clone()),
                _ => None,
            })
            .expect("a request");
        assert_eq!(req.mask, FULL);
        assert_eq!(t.height_at(lat, lon), None);
        // The station answers every sub-grid with flat ground at 40 m.
        for bit in 0..56 {
            t.data(&TERRAIN_DATA_DATA {
                lat: req.lat,
                lon: req.lon,
                grid_spacing: 100,
                data: [40; 16],
                gridbit: bit,
            });
        }
        assert_eq!(t.loaded_at(lat, lon), 56);
        assert!((t.height_at(lat, lon).unwrap() - 40.0).abs() < 1e-9);
        // Data for a block it never asked for is ignored.
        t.data(&TERRAIN_DATA_DATA {
            lat: 1,
            lon: 1,
            grid_spacing: 100,
            data: [0; 16],
            gridbit: 0,
        });
        out.clear();
        t.step(1.0, lat, lon, 100.0, &mut out);
        assert!(!out
            .messages()
            .any(|m| matches!(m, MavMessage::TERRAIN_REQUEST(_))));
        let rep = out
            .messages()
            .find_map(|m| match m {
                MavMessage::TERRAIN_REPORT(r) => Some(r.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!((rep.pending, rep.loaded), (0, 56));
        assert!((rep.current_height - 60.0).abs() < 1e-3);
    }
}
