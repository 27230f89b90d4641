//! `kestrel traffic watch`: manned traffic without a window — listens to the aircraft's
//! ADSB_VEHICLE and COLLISION frames and to SBS-1 feeds, prints each conflict alert as it is
//! raised or cleared, and every few seconds the targets heard.

use std::time::{Duration, SystemTime};

use crate::alerts::log::LogLine;
use crate::alerts::AlertEngine;
use crate::link::LinkSpec;
use crate::station::{Station, StationConfig};
use crate::time::DateTime;
use crate::traffic::{ConflictSettings, FeedSpec, TrafficMonitor, TrafficReport, TrafficSettings};

/// Arguments of `kestrel traffic`.
#[derive(Debug, clap::Args)]
pub struct TrafficArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: TrafficAction,
}

/// The `kestrel traffic` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TrafficAction {
    /// Watch traffic and conflicts as they happen (Ctrl-C to stop).
    Watch(WatchArgs),
}

/// Arguments of `kestrel traffic watch`.
#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// MAVLink link to the aircraft (their ADS-B receivers and positions); repeat for several.
    #[arg(long = "link", value_name = "URL")]
    pub links: Vec<LinkSpec>,
    /// SBS-1 (BaseStation) feed of a ground receiver, sbs://HOST:30003; repeat for several.
    #[arg(long = "traffic", value_name = "sbs://HOST:PORT")]
    pub feeds: Vec<FeedSpec>,
    /// Stop after this many seconds.
    #[arg(long, value_name = "S")]
    pub seconds: Option<f64>,
    /// Print the targets heard every S seconds (0: never).
    #[arg(long, value_name = "S", default_value_t = 5.0)]
    pub every: f64,
    /// Advisory when traffic comes within this horizontally (and vertically, below), metres.
    #[arg(long, value_name = "M", default_value_t = ConflictSettings::default().advisory_horizontal_m)]
    pub advisory_horizontal: f64,
    /// Advisory vertical distance, metres.
    #[arg(long, value_name = "M", default_value_t = ConflictSettings::default().advisory_vertical_m)]
    pub advisory_vertical: f64,
    /// Warning horizontal distance, metres.
    #[arg(long, value_name = "M", default_value_t = ConflictSettings::default().warning_horizontal_m)]
    pub warning_horizontal: f64,
    /// Warning vertical distance, metres.
    #[arg(long, value_name = "M", default_value_t = ConflictSettings::default().warning_vertical_m)]
    pub warning_vertical: f64,
    /// How far ahead the closest approach is looked for, seconds.
    #[arg(long, value_name = "S", default_value_t = ConflictSettings::default().lookahead_s)]
    pub lookahead: f64,
}

fn print_targets(r: &TrafficReport, json: bool) -> anyhow::Result<()> {
    if json {
        println!(
            "{}",
            serde_json::json!({ "event": "targets", "targets": r.targets, "feeds": r.feeds })
        );
        return Ok(());
    }
    println!(
        "{}  {} target(s){}",
        DateTime::local(SystemTime::now()).hms(),
        r.targets.len(),
        r.feeds
            .iter()
            .map(|f| format!(
                "; {} {} ({} lines, {} bad{})",
                f.name,
                if f.connected { "connected" } else { "down" },
                f.lines,
                f.bad_lines,
                f.last_error
                    .as_ref()
                    .filter(|_| !f.connected)
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            ))
            .collect::<String>()
    );
    for t in &r.targets {
        println!(
            "  {:<6}  {:<8}  {:<10}  {:>9.5} {:>10.5}  {:>6}  {:>5}  {:>6}  {:>4.0} s  {}",
            t.icao_hex(),
            t.callsign.as_deref().unwrap_or("-"),
            t.emitter.as_str(),
            t.position.lat,
            t.position.lon,
            t.alt_amsl_m
                .map(|a| format!("{a:.0} m"))
                .unwrap_or_else(|| "-".into()),
            t.track_deg
                .map(|a| format!("{a:.0}°"))
                .unwrap_or_else(|| "-".into()),
            t.speed_ms
                .map(|a| format!("{a:.0} m/s"))
                .unwrap_or_else(|| "-".into()),
            t.age_s,
            t.sources
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

/// Runs `kestrel traffic`.
pub async fn run(args: TrafficArgs, ctx: &super::Context) -> anyhow::Result<()> {
    let TrafficAction::Watch(a) = args.action;
    if a.links.is_empty() && a.feeds.is_empty() {
        anyhow::bail!("nothing to watch: give --link URL (aircraft) and/or --traffic sbs://HOST:PORT (a receiver)");
    }
    let conflict = ConflictSettings {
        advisory_horizontal_m: a.advisory_horizontal,
        advisory_vertical_m: a.advisory_vertical,
        warning_horizontal_m: a.warning_horizontal,
        warning_vertical_m: a.warning_vertical,
        lookahead_s: a.lookahead,
    };
    conflict.validate()?;
    let station = Station::start(StationConfig {
        keys_dir: Some(ctx.keys_dir()),
        operator: ctx.operator.clone(),
        ..Default::default()
    })?;
    for spec in &a.links {
        station
            .add_link(spec.clone())
            .await
            .map_err(|e| anyhow::anyhow!("{spec}: {e}"))?;
    }
    let monitor = TrafficMonitor::start(
        &station,
        &a.feeds,
        TrafficSettings {
            conflict,
            ..Default::default()
        },
    );
    let mut engine = AlertEngine::default();
    let started = tokio::time::Instant::now();
    let mut last_print: Option<tokio::time::Instant> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = super::wait_for_shutdown() => break,
        }
        let report = monitor.report(&station.snapshot());
        let wall = SystemTime::now();
        for e in engine.update_traffic(&report.conflicts, &report.collisions, wall) {
            let line = LogLine::from_event(&e, wall);
            if ctx.json {
                println!("{}", serde_json::to_string(&line)?);
            } else {
                println!(
                    "{}  {:<8}  {:<8}  aircraft {:<3}  {}",
                    DateTime::local(line.logged_at).hms(),
                    line.event,
                    line.severity.as_str(),
                    line.sysid,
                    line.text
                );
            }
        }
        let due = a.every > 0.0 && last_print.is_none_or(|t| t.elapsed().as_secs_f64() >= a.every);
        if due {
            print_targets(&report, ctx.json)?;
            last_print = Some(tokio::time::Instant::now());
        }
        if a.seconds
            .is_some_and(|s| started.elapsed().as_secs_f64() >= s)
        {
            break;
        }
    }
    Ok(())
}
