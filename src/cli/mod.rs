//! The `kestrel` command line: every core capability as a subcommand, human-readable by default
//! and `--json` for scripts. Each file here is thin: parse, call the core, print.

pub mod alerts;
pub mod audit;
pub mod bench;
pub mod camera;
pub mod checklist;
pub mod command;
pub mod conformance;
pub mod console;
pub mod crew;
#[cfg(feature = "demo")]
pub mod demo;
pub mod dispatch;
pub mod errors;
pub mod gimbal;
pub mod logger;
pub mod mission;
pub mod output;
pub mod plan;
pub mod router;
pub mod seat;
pub mod sighting;
pub mod signing;
pub mod sound;
pub mod status;
pub mod storage;
pub mod sync;
pub mod task;
pub mod terminal;
pub mod terrain;
pub mod tiles;
pub mod tlog;
pub mod traffic;
pub mod video;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::link::LinkSpec;
use crate::station::{Station, StationConfig};

/// Kestrel: ground-control station for police drone patrol teams.
#[derive(Debug, Parser)]
#[command(name = "kestrel", version, about, long_about = None)]
pub struct Cli {
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// Where Kestrel keeps its databases and logs (default: the platform's data directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Who is giving commands, for the audit trail (default: the login name).
    #[arg(long, global = true, value_name = "NAME")]
    pub operator: Option<String>,
    /// What to do; without one, Kestrel starts the console (a simulated demo fleet if no link is set).
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Show the aircraft heard on one or more links.
    Status(status::StatusArgs),
    /// Send a command to one aircraft and report whether it was accepted.
    Command(command::CommandArgs),
    /// Upload, download or clear an aircraft's mission, geofence and rally points.
    Mission(mission::MissionArgs),
    /// Work with telemetry logs.
    Tlog(tlog::TlogArgs),
    /// Open the pilot console window (the default without a subcommand).
    Console(console::ConsoleArgs),
    /// Watch the alerts the console would raise, or read the alert log.
    Alerts(alerts::AlertsArgs),
    /// Map tiles: fill the cache for offline use, inspect offline packs.
    Tiles(tiles::TilesArgs),
    /// Check or export the audit trail of commands, uploads and sightings.
    Audit(audit::AuditArgs),
    /// Fly a simulated patrol fleet in-process and show it live (what `make run` shows).
    #[cfg(feature = "demo")]
    Demo(demo::DemoArgs),
    /// Add, list, edit or correct sightings (the console's queue to dispatch).
    Sighting(sighting::SightingArgs),
    /// Send queued sightings to dispatch over MQTT (the sync worker alone).
    Sync(sync::SyncArgs),
    /// The command centre: receive and store sightings, follow the fleet, list what is held.
    Dispatch(dispatch::DispatchArgs),
    /// The tasks dispatch sent this team: list, accept, decline, on scene.
    Task(task::TaskArgs),
    /// Patrol planning: key areas, patrol routes, .plan checks and the shift schedule.
    Plan(plan::PlanArgs),
    /// Crews: roster, aircraft registry, teams, sorties and the sortie log.
    Crew(crew::CrewArgs),
    /// Live video: probe a stream, take a geotagged snapshot, record a clip.
    Video(video::VideoArgs),
    /// MAVLink 2 signing: give an aircraft a key over a trusted link, show state, revoke.
    Signing(signing::SigningArgs),
    /// The data directory's disk: space, what each store takes, retention (prune).
    Storage(storage::StorageArgs),
    /// Terrain: import SRTM .hgt tiles, list them, ask the ground height at a point.
    Terrain(terrain::TerrainArgs),
    /// The pre-flight checklist of an aircraft: what telemetry says of each item; with --arm,
    /// arm only when it is complete.
    Checklist(checklist::ChecklistArgs),
    /// The console's sounds: play a cue to check the speaker.
    Sound(sound::SoundArgs),
    /// Manned traffic: ADS-B targets from the aircraft and SBS-1 feeds, conflicts, headless.
    Traffic(traffic::TrafficArgs),
    /// Point an aircraft's gimbal, take or release control of it, show where it points.
    Gimbal(gimbal::GimbalArgs),
    /// Zoom, take stills, record, track with an aircraft's camera, or show its state.
    Camera(camera::CameraArgs),
    /// Measure: e.g. `kestrel bench audit --entries 1000000` times `audit verify`.
    Bench(bench::BenchArgs),
    /// Share aircraft between ground stations: forward MAVLink to the crew's seats, and status.
    Router(router::RouterArgs),
    /// The crew's seats without a window: list who sits where, call out to the pilot.
    Seat(seat::SeatArgs),
    /// Check an autopilot against ArduPilot's behaviour: arming, modes, parameters, message
    /// intervals, mission/fence/rally transfers, gimbal, a short sortie (with --fly).
    Conformance(conformance::ConformanceArgs),
}

/// Prints what the payload did with a gimbal or camera request (JSON with `--json`) and fails
/// unless the aircraft accepted it.
pub(crate) fn report_outcome(
    ctx: &Context,
    outcome: &crate::payload::control::PayloadOutcome,
) -> anyhow::Result<()> {
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(outcome)?);
    } else {
        println!("{outcome}");
    }
    if outcome.outcome.is_accepted() {
        return Ok(());
    }
    anyhow::bail!(
        "aircraft {}: {}: {}",
        outcome.sysid,
        outcome.request,
        outcome.outcome
    )
}

/// Link options shared by subcommands that talk to aircraft.
#[derive(Debug, clap::Args)]
pub struct LinkArgs {
    /// Connection string: udpin:HOST:PORT, udpout:HOST:PORT, tcpin:HOST:PORT, tcpout:HOST:PORT,
    /// serial:PORT:BAUD or tlog:FILE. Repeat for several links.
    #[arg(long = "link", value_name = "URL", required = true)]
    pub links: Vec<LinkSpec>,
    /// Record every frame to this .tlog file.
    #[arg(long, value_name = "FILE")]
    pub tlog: Option<PathBuf>,
}

/// What every subcommand may need besides its own arguments.
#[derive(Debug, Clone)]
pub struct Context {
    /// Print JSON instead of tables.
    pub json: bool,
    /// Where databases and logs live.
    pub data_dir: PathBuf,
    /// Who is giving commands (for the audit trail).
    pub operator: String,
}

impl Context {
    /// The audit trail's database in the data directory.
    pub fn audit_db(&self) -> PathBuf {
        self.data_dir.join("audit.db")
    }

    /// Where per-aircraft signing keys and the signing clock live (owner-only).
    pub fn keys_dir(&self) -> PathBuf {
        self.data_dir.join("keys")
    }
}

impl LinkArgs {
    /// Starts a station with these links (commands audited in the data directory, frames signed
    /// for aircraft whose key is stored there), or explains why a link cannot be opened.
    pub async fn open(&self, ctx: &Context) -> anyhow::Result<Station> {
        let station = Station::start(StationConfig {
            tlog: self.tlog.clone(),
            audit: Some(ctx.audit_db()),
            keys_dir: Some(ctx.keys_dir()),
            operator: ctx.operator.clone(),
            ..Default::default()
        })?;
        for spec in &self.links {
            station
                .add_link(spec.clone())
                .await
                .map_err(|e| anyhow::anyhow!("{spec}: {e}"))?;
        }
        Ok(station)
    }
}

/// Parses an aircraft system id, refusing 0 (broadcast) with the reason.
pub fn parse_sysid(s: &str) -> Result<u8, String> {
    match s.parse::<u16>() {
        Ok(0) => Err("0 is the broadcast id, not an aircraft; use the aircraft's id 1-255".into()),
        Ok(n) if n <= 255 => Ok(n as u8),
        _ => Err(format!("'{s}' is not a system id (1-255)")),
    }
}

/// Waits for aircraft `sysid` to be heard, or explains what was heard instead.
pub async fn wait_for(station: &Station, sysid: u8, wait: Duration) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if station.snapshot().get(sysid).is_some() {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            let snap = station.snapshot();
            let heard: Vec<String> = snap.aircraft.iter().map(|a| a.sysid.to_string()).collect();
            let why = link_problems(station);
            anyhow::bail!(
                "no aircraft with system id {sysid} heard within {:.0} s{}{}",
                wait.as_secs_f64(),
                if heard.is_empty() {
                    " (no aircraft heard at all)".to_string()
                } else {
                    format!(" (heard: {})", heard.join(", "))
                },
                why
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Conditions of links that are not up, as a suffix for error messages.
pub fn link_problems(station: &Station) -> String {
    let problems: Vec<String> = station
        .links()
        .into_iter()
        .filter_map(|l| match l.condition {
            crate::link::LinkCondition::Down(why) => Some(format!("{}: {why}", l.name)),
            _ => None,
        })
        .collect();
    if problems.is_empty() {
        String::new()
    } else {
        format!("; {}", problems.join("; "))
    }
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let ctx = Context {
        json: cli.json,
        data_dir: crate::paths::data_dir(cli.data_dir.as_deref()),
        operator: cli
            .operator
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("USERNAME").ok())
            .unwrap_or_else(|| "unknown".into()),
    };
    match cli.command {
        Some(Cmd::Status(a)) => status::run(a, &ctx).await,
        Some(Cmd::Command(a)) => command::run(a, &ctx).await,
        Some(Cmd::Mission(a)) => mission::run(a, &ctx).await,
        Some(Cmd::Tlog(a)) => tlog::run(a, ctx.json).await,
        Some(Cmd::Audit(a)) => audit::run(a, &ctx),
        #[cfg(feature = "demo")]
        Some(Cmd::Demo(a)) => demo::run(a, ctx.json).await,
        Some(Cmd::Sighting(a)) => sighting::run(a, &ctx).await,
        Some(Cmd::Sync(a)) => sync::run(a, &ctx).await,
        Some(Cmd::Dispatch(a)) => dispatch::run(a, &ctx).await,
        Some(Cmd::Task(a)) => task::run(a, &ctx).await,
        Some(Cmd::Plan(a)) => plan::run(a, ctx.json, &ctx.data_dir).await,
        Some(Cmd::Crew(a)) => crew::run(a, &ctx).await,
        Some(Cmd::Video(a)) => video::run(a, ctx.json, Some(&ctx.data_dir)).await,
        Some(Cmd::Alerts(a)) => alerts::run(a, &ctx).await,
        Some(Cmd::Tiles(a)) => tiles::run(a, ctx.json).await,
        Some(Cmd::Signing(a)) => signing::run(a, &ctx).await,
        Some(Cmd::Storage(a)) => storage::run(a, &ctx).await,
        Some(Cmd::Bench(a)) => bench::run(a, &ctx),
        Some(Cmd::Terrain(a)) => terrain::run(a, &ctx).await,
        Some(Cmd::Checklist(a)) => checklist::run(a, &ctx).await,
        Some(Cmd::Sound(a)) => sound::run(a),
        Some(Cmd::Traffic(a)) => traffic::run(a, &ctx).await,
        Some(Cmd::Router(a)) => router::run(a, &ctx).await,
        Some(Cmd::Conformance(a)) => conformance::run(a, &ctx).await,
        Some(Cmd::Seat(a)) => seat::run(a, &ctx).await,
        Some(Cmd::Gimbal(a)) => gimbal::run(a, &ctx).await,
        Some(Cmd::Camera(a)) => camera::run(a, &ctx).await,
        // The window needs the main thread; main.rs starts it before any runtime exists.
        Some(Cmd::Console(_)) | None => {
            anyhow::bail!(
                "the console must be started from the main thread (run `kestrel console`)"
            )
        }
    }
}

/// Waits for Ctrl-C, or SIGTERM on Unix.
pub(crate) async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
