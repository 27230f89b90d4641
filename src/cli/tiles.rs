//! `kestrel tiles`: fill the tile cache of an area before flying where there is no network
//! (`prefetch`), and see what an offline pack holds (`info`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::tiles::mbtiles::MbTiles;
use crate::tiles::pmtiles::PmTilesPack;
use crate::tiles::{TileKey, TileService, TileSourceConfig};

/// OpenStreetMap's tile servers are shared and forbid bulk downloads: prefetching from them is
/// limited to a small area.
const OSM_PREFETCH_LIMIT: usize = 1500;
/// Any source: refuse absurd requests.
const PREFETCH_LIMIT: usize = 100_000;

/// Arguments of `kestrel tiles`.
#[derive(Debug, clap::Args)]
pub struct TilesArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: TilesAction,
}

/// The `kestrel tiles` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TilesAction {
    /// Download the tiles around a point into the console's cache.
    #[command(allow_negative_numbers = true)]
    Prefetch {
        /// Tile source: osm or an http(s) URL template with {z}/{x}/{y}.
        #[arg(long, default_value = "osm")]
        source: String,
        /// Latitude of the centre, degrees.
        #[arg(long)]
        lat: f64,
        /// Longitude of the centre, degrees.
        #[arg(long)]
        lon: f64,
        /// Radius around the centre, kilometres.
        #[arg(long, default_value_t = 2.0)]
        radius_km: f64,
        /// Zoom levels, e.g. 12-16 or 15.
        #[arg(long, default_value = "12-16")]
        zoom: String,
        /// Cache folder (default: the console's).
        #[arg(long)]
        cache: Option<PathBuf>,
    },
    /// Show what an offline pack (.mbtiles or .pmtiles) holds.
    Info {
        /// The pack.
        file: PathBuf,
    },
}

/// Parses `12-16` or `15`.
pub fn parse_zoom_range(s: &str) -> anyhow::Result<(u8, u8)> {
    let bad = || anyhow::anyhow!("zoom '{s}' must be a level (0-20) or a range like 12-16");
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (
            a.trim().parse::<u8>().map_err(|_| bad())?,
            b.trim().parse::<u8>().map_err(|_| bad())?,
        ),
        None => {
            let z = s.trim().parse::<u8>().map_err(|_| bad())?;
            (z, z)
        }
    };
    if a > b || b > 20 {
        return Err(bad());
    }
    Ok((a, b))
}

/// The tiles covering a circle of `radius_km` around a point, from zoom `z0` to `z1`.
pub fn tiles_around(lat: f64, lon: f64, radius_km: f64, z0: u8, z1: u8) -> Vec<TileKey> {
    let dlat = radius_km / 111.32;
    let dlon = radius_km / (111.32 * lat.to_radians().cos().max(0.01));
    let mut out = Vec::new();
    for z in z0..=z1 {
        let nw = TileKey::at(lat + dlat, lon - dlon, z);
        let se = TileKey::at(lat - dlat, lon + dlon, z);
        for x in nw.x..=se.x {
            for y in nw.y..=se.y {
                out.push(TileKey { z, x, y });
            }
        }
    }
    out
}

/// Runs `kestrel tiles`.
pub async fn run(args: TilesArgs, json: bool) -> anyhow::Result<()> {
    match args.action {
        TilesAction::Info { file } => {
            let lower = file.to_string_lossy().to_ascii_lowercase();
            let info = if lower.ends_with(".pmtiles") {
                let pack = PmTilesPack::open(&file).await?;
                let (min, max) = pack.zoom_range();
                serde_json::json!({ "file": file, "format": "pmtiles", "min_zoom": min, "max_zoom": max, "bounds": pack.bounds() })
            } else {
                let pack = MbTiles::open(&file)?;
                let i = pack.info()?;
                serde_json::json!({ "file": file, "format": "mbtiles", "name": i.name, "tile_format": i.format, "min_zoom": i.min_zoom, "max_zoom": i.max_zoom, "bounds": i.bounds, "tiles": i.tiles })
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&info)?);
            } else if let Some(map) = info.as_object() {
                for (k, v) in map {
                    println!("{k:<12} {v}");
                }
            }
            Ok(())
        }
        TilesAction::Prefetch {
            source,
            lat,
            lon,
            radius_km,
            zoom,
            cache,
        } => {
            let source = TileSourceConfig::from_user(&source).map_err(|e| anyhow::anyhow!(e))?;
            if !source.is_online() {
                anyhow::bail!(
                    "prefetch downloads from a server: use osm or an http(s) URL template"
                );
            }
            if !(lat.is_finite()
                && (-85.0..=85.0).contains(&lat)
                && lon.is_finite()
                && (-180.0..=180.0).contains(&lon))
            {
                anyhow::bail!("--lat {lat} --lon {lon} is not a position on the map");
            }
            if !(radius_km > 0.0 && radius_km <= 100.0) {
                anyhow::bail!("--radius-km must be between 0 and 100");
            }
            let (z0, z1) = parse_zoom_range(&zoom)?;
            let keys = tiles_around(lat, lon, radius_km, z0, z1);
            let limit = if source == TileSourceConfig::OpenStreetMap {
                OSM_PREFETCH_LIMIT
            } else {
                PREFETCH_LIMIT
            };
            if keys.len() > limit {
                anyhow::bail!(
                    "{} tiles asked for, more than the {limit} allowed for this source{}; use a smaller radius or fewer zoom levels",
                    keys.len(),
                    if limit == OSM_PREFETCH_LIMIT { " (OpenStreetMap's usage policy forbids bulk downloads; use your own tile server or an offline pack for large areas)" } else { "" }
                );
            }
            let cache = cache.unwrap_or_else(|| crate::paths::cache_dir().join("tiles"));
            let client = TileService::start(
                &tokio::runtime::Handle::current(),
                source,
                Some(cache.clone()),
                Arc::new(|| {}),
            );
            for k in &keys {
                client.request(*k);
            }
            let (mut ok, mut failed) = (0usize, Vec::new());
            let total = keys.len();
            while ok + failed.len() < total {
                let got = {
                    let c = &client;
                    tokio::task::block_in_place(|| c.recv_timeout(Duration::from_secs(60)))
                };
                let Some(r) = got else {
                    anyhow::bail!("no tile arrived for 60 s ({ok} of {total} done)");
                };
                match r.result {
                    Ok(_) => ok += 1,
                    Err(e) => failed.push(format!("{}: {e}", r.key)),
                }
                if !json && (ok + failed.len()) % 100 == 0 {
                    eprintln!("{} / {total}", ok + failed.len());
                }
            }
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "tiles": total, "cached": ok, "failed": failed, "cache": cache })
                );
            } else {
                println!("{ok} of {total} tiles cached in {}", cache.display());
                for f in failed.iter().take(10) {
                    println!("failed: {f}");
                }
            }
            if failed.is_empty() {
                Ok(())
            } else {
                anyhow::bail!("{} tiles could not be fetched", failed.len())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_ranges_and_areas() {
        assert_eq!(parse_zoom_range("12-16").unwrap(), (12, 16));
        assert_eq!(parse_zoom_range("15").unwrap(), (15, 15));
        assert!(parse_zoom_range("16-12").is_err());
        assert!(parse_zoom_range("x").is_err());
        let keys = tiles_around(36.456, 115.985, 1.0, 14, 14);
        // About 2 km across at ~1.9 km per tile at zoom 14: a 2x2 or 3x3 block.
        assert!((1..=9).contains(&keys.len()), "{}", keys.len());
        assert!(keys.contains(&TileKey::at(36.456, 115.985, 14)));
    }
}
