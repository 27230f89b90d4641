//! `kestrel checklist`: the pilot's pre-flight checklist of one aircraft from the command line —
//! what telemetry says of each item, the manual items ticked with `--tick`, and with `--arm`
//! arming only when it is complete (the same gate the console enforces, audited either way).
//! Exits non-zero while the checklist is open.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::checklist::{ChecklistBook, ChecklistSettings, ItemId, ItemState, Observation};
use crate::protocol::Command;
use crate::security::SigningState;
use crate::station::Station;
use crate::traffic::{TrafficMonitor, TrafficSettings};

use super::{wait_for, LinkArgs};

/// Arguments of `kestrel checklist`.
#[derive(Debug, clap::Args)]
pub struct ChecklistArgs {
    /// Which links to listen on.
    #[command(flatten)]
    pub link: LinkArgs,
    /// System id of the aircraft.
    #[arg(long, value_parser = super::parse_sysid)]
    pub sysid: u8,
    /// How long to wait for the aircraft to be heard (seconds).
    #[arg(long, default_value_t = 10.0)]
    pub wait: f64,
    /// How long to wait for telemetry of every item once it is heard (seconds).
    #[arg(long, default_value_t = 5.0)]
    pub settle: f64,
    /// A manual item done (airframe, control-surfaces, area-clear, crew-briefed); repeat.
    #[arg(long = "tick", value_name = "ITEM")]
    pub ticks: Vec<ItemId>,
    /// An item the unit does not use (e.g. signing); repeat.
    #[arg(long = "omit", value_name = "ITEM")]
    pub omit: Vec<ItemId>,
    /// Least battery charge, percent.
    #[arg(long, default_value_t = ChecklistSettings::default().battery_min_pct)]
    pub battery_min: f32,
    /// Arm the aircraft if, and only if, the checklist is complete.
    #[arg(long)]
    pub arm: bool,
}

/// Runs `kestrel checklist`.
pub async fn run(args: ChecklistArgs, ctx: &super::Context) -> anyhow::Result<()> {
    let settings = ChecklistSettings {
        enforce: true,
        omit: args.omit.iter().copied().collect(),
        battery_min_pct: args.battery_min,
        ..Default::default()
    };
    settings.validate().map_err(anyhow::Error::msg)?;
    let station = args.link.open(ctx).await?;
    wait_for(&station, args.sysid, Duration::from_secs_f64(args.wait)).await?;
    let mut traffic = TrafficMonitor::start(&station, &[], TrafficSettings::default());
    let mut book = ChecklistBook::new(settings);
    for item in &args.ticks {
        book.tick(
            args.sysid,
            *item,
            true,
            &ctx.operator,
            crate::time::now_unix(),
        )
        .map_err(anyhow::Error::msg)?;
    }
    // SYS_STATUS comes once a second and ADS-B as traffic passes: listen at least two
    // seconds, then until nothing waits for telemetry.
    let started = tokio::time::Instant::now();
    let deadline = started + Duration::from_secs_f64(args.settle.max(0.0));
    let least = started + Duration::from_secs_f64(args.settle.clamp(0.0, 2.0));
    loop {
        judge(&station, &mut traffic, &mut book, args.sysid);
        let waiting = book.report(args.sysid).is_some_and(|r| {
            r.items
                .iter()
                .any(|i| !i.item.is_manual() && matches!(i.state, ItemState::Waiting { .. }))
        });
        let now = tokio::time::Instant::now();
        if (!waiting && now >= least) || now >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(report) = book.report(args.sysid).cloned() else {
        anyhow::bail!("aircraft {} has no checklist", args.sysid);
    };
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "pre-flight checklist of aircraft {} ({})",
            report.sysid,
            report.kind.name()
        );
        for i in &report.items {
            let mark = if i.state.is_done() { "ok  " } else { "OPEN" };
            println!("  [{mark}] {}", i.describe());
        }
    }
    if args.arm {
        let book = Arc::new(Mutex::new(book));
        let gate = book.clone();
        station.set_arming_gate(Some(Arc::new(move |sysid| {
            gate.lock()
                .unwrap_or_else(|e| e.into_inner())
                .arming_allowed(sysid)
        })));
        let outcome = station
            .command(args.sysid, &Command::Arm)
            .await
            .map_err(|e| anyhow::anyhow!("not armed: {e}"))?;
        if !outcome.is_accepted() {
            anyhow::bail!("aircraft {}: arm {outcome}", args.sysid);
        }
        println!("arm: {outcome}");
        return Ok(());
    }
    match report.refusal() {
        None => {
            if !ctx.json {
                println!("complete: ready to arm");
            }
            Ok(())
        }
        Some(why) => anyhow::bail!("aircraft {}: {why}", args.sysid),
    }
}

/// Judges the aircraft's checklist against the station's latest telemetry.
fn judge(station: &Station, traffic: &mut TrafficMonitor, book: &mut ChecklistBook, sysid: u8) {
    let snap = station.snapshot();
    let Some(a) = snap.get(sysid) else {
        return;
    };
    let signing = station
        .signing_status()
        .into_iter()
        .find(|r| r.sysid == sysid)
        .map_or(SigningState::Off, |r| r.state);
    let targets = traffic.report(&snap).targets;
    book.update(&Observation {
        aircraft: a,
        signing: Some(signing),
        traffic: &targets,
        now: std::time::Instant::now(),
    });
}
