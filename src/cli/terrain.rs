//! `kestrel terrain import|info|at`: put SRTM `.hgt` tiles in the data directory, see which
//! are there, and ask the height of the ground at a point.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::terrain::{TerrainStore, TileId};

/// Arguments of `kestrel terrain`.
#[derive(Debug, clap::Args)]
pub struct TerrainArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: TerrainAction,
}

/// The `kestrel terrain` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TerrainAction {
    /// Check SRTM .hgt tiles (1 or 3 arc-second) and copy them into the data directory.
    Import {
        /// The tiles, named after their south-west corner (e.g. N36E115.hgt).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List the tiles in the data directory: resolution, lowest and highest ground, voids.
    Info,
    /// The height of the ground at a point, metres above mean sea level (bilinear).
    #[command(allow_negative_numbers = true)]
    At {
        /// Latitude, degrees.
        lat: f64,
        /// Longitude, degrees.
        lon: f64,
    },
    /// Answer the aircraft's terrain requests (TERRAIN_REQUEST → TERRAIN_DATA) from the tiles,
    /// as a ground station does for ArduPilot's terrain following; prints what each aircraft
    /// asked for, was sent and holds (Ctrl-C to stop).
    Serve {
        /// Which links to serve.
        #[command(flatten)]
        link: super::LinkArgs,
        /// Stop after this many seconds.
        #[arg(long, value_name = "S")]
        seconds: Option<f64>,
        /// Print every S seconds.
        #[arg(long, value_name = "S", default_value_t = 5.0)]
        every: f64,
    },
}

/// Runs `kestrel terrain serve`.
async fn serve(
    link: super::LinkArgs,
    seconds: Option<f64>,
    every: f64,
    store: TerrainStore,
    ctx: &super::Context,
) -> anyhow::Result<()> {
    let station = link.open(ctx).await?;
    let server = crate::terrain::server::TerrainServer::start(&station, std::sync::Arc::new(store));
    let started = tokio::time::Instant::now();
    let mut tick = tokio::time::interval(std::time::Duration::from_secs_f64(every.max(0.2)));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = super::wait_for_shutdown() => break,
        }
        let rows = server.aircraft();
        if ctx.json {
            println!("{}", serde_json::to_string(&rows)?);
        } else {
            for a in &rows {
                println!(
                    "aircraft {:<3}  {} request(s), {} sub-grid(s) sent, {} without a tile{}{}",
                    a.sysid,
                    a.requests,
                    a.sent,
                    a.missing,
                    match (a.loaded, a.pending) {
                        (Some(l), Some(p)) => format!("; it holds {l}/56, {p} pending"),
                        _ => String::new(),
                    },
                    a.last_missing
                        .as_ref()
                        .map(|w| format!("; {w}"))
                        .unwrap_or_default()
                );
            }
        }
        if seconds.is_some_and(|s| started.elapsed().as_secs_f64() >= s) {
            break;
        }
    }
    Ok(())
}

/// Runs `kestrel terrain`.
pub async fn run(args: TerrainArgs, ctx: &super::Context) -> anyhow::Result<()> {
    let store = TerrainStore::in_data_dir(&ctx.data_dir);
    match args.action {
        TerrainAction::Serve {
            link,
            seconds,
            every,
        } => serve(link, seconds, every, store, ctx).await,
        TerrainAction::Import { files } => {
            let mut done = Vec::new();
            for f in &files {
                let s = store
                    .import(f)
                    .with_context(|| format!("cannot import {}", f.display()))?;
                done.push(s);
            }
            if ctx.json {
                println!("{}", serde_json::to_string_pretty(&done)?);
            } else {
                for s in &done {
                    println!(
                        "imported {} ({} arc-second) into {}",
                        s.tile,
                        s.arc_seconds,
                        store.dir().display()
                    );
                }
            }
            Ok(())
        }
        TerrainAction::Info => {
            let list = store.list();
            let mut tiles = Vec::new();
            let mut problems = Vec::new();
            for r in list {
                match r {
                    Ok(s) => tiles.push(s),
                    Err(e) => problems.push(e.to_string()),
                }
            }
            if ctx.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "dir": store.dir(), "tiles": tiles, "problems": problems,
                    }))?
                );
            } else {
                println!("terrain tiles in {}", store.dir().display());
                if tiles.is_empty() {
                    println!("none; add some with `kestrel terrain import FILE.hgt`");
                }
                for s in &tiles {
                    let m = |v: Option<i16>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
                    println!(
                        "{}  {}\"  {:>6} .. {:>6} m  {} voids",
                        s.tile,
                        s.arc_seconds,
                        m(s.min_m),
                        m(s.max_m),
                        s.voids
                    );
                }
                for p in &problems {
                    println!("problem: {p}");
                }
            }
            if !problems.is_empty() {
                anyhow::bail!(
                    "{} broken tile file(s) in {}",
                    problems.len(),
                    store.dir().display()
                );
            }
            Ok(())
        }
        TerrainAction::At { lat, lon } => {
            let h = store.elevation(lat, lon)?;
            let tile = TileId::containing(lat, lon)?.file_name();
            if ctx.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "lat": lat, "lon": lon, "elevation_m": h, "tile": tile,
                    }))?
                );
            } else {
                println!("{h:.1} m above mean sea level at {lat:.6}, {lon:.6} ({tile})");
            }
            Ok(())
        }
    }
}

/// Reads a plan file with the data directory's terrain, so QGroundControl items set above
/// terrain get their altitude (or are refused naming the tile that is missing).
pub fn load_plan(
    path: &std::path::Path,
    data_dir: &std::path::Path,
) -> Result<crate::plan::MissionPlan, crate::plan::PlanFileError> {
    let store = TerrainStore::in_data_dir(data_dir);
    crate::plan::load_with_terrain(path, Some(&store))
}

/// What `kestrel plan check` says about the ground under a plan.
#[derive(Debug, serde::Serialize)]
pub struct ClearanceReport {
    /// The clearance asked for, metres.
    pub min_clearance_m: f64,
    /// Lowest clearance along the route, metres (None when not checked).
    pub lowest_m: Option<f64>,
    /// Highest ground under the route, metres AMSL.
    pub max_ground_m: Option<f64>,
    /// Stretches below the clearance asked for.
    pub warnings: Vec<crate::terrain::profile::ClearanceWarning>,
    /// Why the terrain was not checked (e.g. a missing tile).
    pub not_checked: Option<String>,
}

impl ClearanceReport {
    /// A problem (not only a warning) when the route goes into the ground.
    pub fn into_ground(&self) -> Option<String> {
        self.warnings
            .iter()
            .find(|w| w.clearance_m < 0.0)
            .map(|w| format!("the route goes into the ground: {w}"))
    }

    /// Prints the report for people.
    pub fn print(&self) {
        match (&self.not_checked, self.lowest_m) {
            (Some(why), _) => println!("terrain: not checked ({why})"),
            (None, Some(low)) => println!(
                "terrain: lowest clearance {low:.0} m, highest ground {:.0} m AMSL",
                self.max_ground_m.unwrap_or(0.0)
            ),
            (None, None) => println!("terrain: no positioned waypoints"),
        }
        for w in &self.warnings {
            println!(
                "warning: below {:.0} m above the ground: {w}",
                self.min_clearance_m
            );
        }
    }
}

/// The ground under a plan's route from the data directory's tiles: lowest clearance and the
/// stretches closer to the ground than `min_m`.
pub fn clearance(
    plan: &crate::plan::MissionPlan,
    data_dir: &std::path::Path,
    min_m: f64,
) -> ClearanceReport {
    let store = TerrainStore::in_data_dir(data_dir);
    match crate::plan::terrain::plan_profile(plan, &store, 20.0) {
        Ok(p) => ClearanceReport {
            min_clearance_m: min_m,
            lowest_m: p.min_clearance().map(|s| s.clearance_m),
            max_ground_m: p.max_ground_m(),
            warnings: p.below(min_m),
            not_checked: None,
        },
        Err(e) => ClearanceReport {
            min_clearance_m: min_m,
            lowest_m: None,
            max_ground_m: None,
            warnings: Vec::new(),
            not_checked: Some(e.to_string()),
        },
    }
}
