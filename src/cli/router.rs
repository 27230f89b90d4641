//! `kestrel router`: a headless MAVLink router in front of the aircraft, so a crew's consoles
//! (pilot, payload, observer) and third-party stations (MAVProxy, QGroundControl, pymavlink
//! scripts) share it, each with its own system id. `kestrel router run` forwards until stopped
//! and writes its state every second to a status file; `kestrel router status` reads it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::link::{LinkSpec, LinkStatus};
use crate::router::RouterCounts;
use crate::station::{Station, StationConfig};

/// Arguments of `kestrel router`.
#[derive(Debug, clap::Args)]
pub struct RouterArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: RouterCmd,
}

/// The router's subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum RouterCmd {
    /// Route between the aircraft links and the forwarding endpoints until Ctrl-C.
    Run(RunArgs),
    /// Show the state of a running router: every endpoint, its condition and traffic.
    Status(StatusArgs),
}

/// Arguments of `kestrel router run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// A link to aircraft (repeatable): udpin:HOST:PORT, tcpout:HOST:PORT, serial:PORT:BAUD …
    #[arg(long = "link", value_name = "URL", required = true)]
    pub links: Vec<LinkSpec>,
    /// An endpoint to forward to (repeatable, as MAVProxy's --out): udpout:HOST:PORT sends to a
    /// console listening there; tcpin:HOST:PORT and udpin:HOST:PORT accept stations that connect.
    #[arg(long = "forward", value_name = "URL", required = true)]
    pub forwards: Vec<LinkSpec>,
    /// The router's own MAVLink system id (it sends a heartbeat and asks new aircraft for
    /// telemetry; keep it apart from every seat's id).
    #[arg(long, default_value_t = 240, value_parser = clap::value_parser!(u8).range(1..=255))]
    pub sysid: u8,
    /// Where to write the status (default: DATA_DIR/router-status.json).
    #[arg(long, value_name = "FILE")]
    pub status_file: Option<PathBuf>,
}

/// Arguments of `kestrel router status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The running router's status file (default: DATA_DIR/router-status.json).
    #[arg(long, value_name = "FILE")]
    pub status_file: Option<PathBuf>,
}

/// What a running router writes every second.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RouterStatus {
    /// When written, seconds since the Unix epoch.
    pub written_at: f64,
    /// The router's own system id.
    pub sysid: u8,
    /// Every link and endpoint.
    pub links: Vec<LinkRow>,
    /// Frames routed, copies and echoes dropped.
    pub counts: RouterCounts,
    /// Ground stations heard over forwarding endpoints, by system id.
    pub ground_stations: Vec<u8>,
    /// Aircraft heard, by system id.
    pub aircraft: Vec<u8>,
}

/// One link as the status file keeps it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LinkRow {
    /// Connection string.
    pub name: String,
    /// "aircraft" or "forward".
    pub role: String,
    /// "up", "connecting", "down: why" …
    pub condition: String,
    /// Frames in.
    pub frames_in: u64,
    /// Frames out (own and forwarded).
    pub frames_out: u64,
    /// Frames of other stations forwarded out.
    pub forwarded: u64,
    /// Copies and echoes dropped on arrival.
    pub duplicates: u64,
    /// Remote stations on it.
    pub peers: usize,
    /// Seconds since the last frame in.
    pub last_heard_s: Option<f32>,
}

impl From<&LinkStatus> for LinkRow {
    fn from(l: &LinkStatus) -> Self {
        use crate::link::{LinkCondition, LinkRole};
        LinkRow {
            name: l.name.clone(),
            role: match l.role {
                LinkRole::Aircraft => "aircraft",
                LinkRole::Forward => "forward",
            }
            .into(),
            condition: match &l.condition {
                LinkCondition::Up => "up".into(),
                LinkCondition::Connecting => "connecting".into(),
                LinkCondition::Down(w) => format!("down: {w}"),
                LinkCondition::Closed(w) => format!("closed: {w}"),
            },
            frames_in: l.frames_in,
            frames_out: l.frames_out,
            forwarded: l.forwarded,
            duplicates: l.duplicates,
            peers: l.peers,
            last_heard_s: l.last_heard_s,
        }
    }
}

fn status_path(given: Option<PathBuf>, ctx: &super::Context) -> PathBuf {
    given.unwrap_or_else(|| ctx.data_dir.join("router-status.json"))
}

fn now_s() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The router's state now.
pub fn status_of(station: &Station) -> RouterStatus {
    let (counts, ground_stations) = station.routing();
    RouterStatus {
        written_at: now_s(),
        sysid: station.config().gcs_sysid,
        links: station.links().iter().map(LinkRow::from).collect(),
        counts,
        ground_stations,
        aircraft: station
            .snapshot()
            .aircraft
            .iter()
            .map(|a| a.sysid)
            .collect(),
    }
}

fn write_status(path: &Path, status: &RouterStatus) -> anyhow::Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(status)?)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Runs `kestrel router`.
pub async fn run(args: RouterArgs, ctx: &super::Context) -> anyhow::Result<()> {
    match args.command {
        RouterCmd::Run(a) => run_router(a, ctx).await,
        RouterCmd::Status(a) => show_status(a, ctx),
    }
}

async fn run_router(args: RunArgs, ctx: &super::Context) -> anyhow::Result<()> {
    let path = status_path(args.status_file, ctx);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    }
    // Runs for a whole shift: give back what the allocator holds free.
    tokio::spawn(crate::process::trim_memory_every(
        crate::process::MEMORY_TRIM_EVERY,
    ));
    let station = Station::start(StationConfig {
        gcs_sysid: args.sysid,
        audit: Some(ctx.audit_db()),
        operator: ctx.operator.clone(),
        ..Default::default()
    })?;
    for spec in &args.links {
        station
            .add_link(spec.clone())
            .await
            .map_err(|e| anyhow::anyhow!("{spec}: {e}"))?;
    }
    for spec in &args.forwards {
        station
            .add_forward(spec.clone())
            .await
            .map_err(|e| anyhow::anyhow!("--forward {spec}: {e}"))?;
    }
    eprintln!(
        "kestrel router (system {}): {} aircraft link(s), {} endpoint(s); status in {}. Ctrl-C to stop.",
        args.sysid,
        args.links.len(),
        args.forwards.len(),
        path.display()
    );
    let mut every = tokio::time::interval(Duration::from_secs(1));
    let stop = super::wait_for_shutdown();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = every.tick() => {
                if let Err(e) = write_status(&path, &status_of(&station)) {
                    eprintln!("kestrel router: status not written to {}: {e}", path.display());
                }
            }
        }
    }
    let _ = std::fs::remove_file(&path);
    Ok(())
}

fn show_status(args: StatusArgs, ctx: &super::Context) -> anyhow::Result<()> {
    let path = status_path(args.status_file, ctx);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        anyhow::anyhow!(
            "no router status at {} ({e}); is `kestrel router run` running with this --data-dir or --status-file?",
            path.display()
        )
    })?;
    let status: RouterStatus = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{} is not a router status file: {e}", path.display()))?;
    let age = now_s() - status.written_at;
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        println!(
            "router system {}: aircraft {:?}, ground stations {:?}; {} frames routed, {} copies and {} echoes dropped, {} for unknown targets",
            status.sysid,
            status.aircraft,
            status.ground_stations,
            status.counts.routed,
            status.counts.duplicates,
            status.counts.echoes,
            status.counts.unknown_target
        );
        println!(
            "{:<28} {:<8} {:<14} {:>9} {:>9} {:>9} {:>6} {:>5} {:>8}",
            "LINK", "ROLE", "STATE", "IN", "OUT", "FORWARDED", "DUPS", "PEERS", "HEARD"
        );
        for l in &status.links {
            println!(
                "{:<28} {:<8} {:<14} {:>9} {:>9} {:>9} {:>6} {:>5} {:>8}",
                l.name,
                l.role,
                l.condition,
                l.frames_in,
                l.frames_out,
                l.forwarded,
                l.duplicates,
                l.peers,
                l.last_heard_s
                    .map(|s| format!("{s:.1} s"))
                    .unwrap_or_else(|| "never".into())
            );
        }
    }
    if age > 5.0 {
        anyhow::bail!(
            "the status in {} is {age:.0} s old: the router is not running",
            path.display()
        );
    }
    Ok(())
}
