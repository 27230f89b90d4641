//! `kestrel alerts`: the console's alerts without a window — `watch` connects and prints alerts as
//! they are raised, cleared and acknowledged; `log` prints the alert log the console writes.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::alerts::log::{self, LogLine};
use crate::alerts::{AlertEngine, AlertEvent, AlertThresholds};
use crate::time::DateTime;

use super::LinkArgs;

/// Arguments of `kestrel alerts`.
#[derive(Debug, clap::Args)]
pub struct AlertsArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: AlertsAction,
}

/// The `kestrel alerts` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AlertsAction {
    /// Connect and print alerts as they happen (Ctrl-C to stop).
    Watch {
        /// Which links to listen on.
        #[command(flatten)]
        link: LinkArgs,
        /// Stop after this many seconds.
        #[arg(long)]
        seconds: Option<f64>,
        /// Battery percent of the low-battery warning.
        #[arg(long, default_value_t = 30.0)]
        low_battery: f32,
        /// Battery percent of the critical-battery alert.
        #[arg(long, default_value_t = 15.0)]
        critical_battery: f32,
    },
    /// Print the alert log (default: alerts.jsonl in the data directory).
    Log {
        /// The log file.
        file: Option<PathBuf>,
        /// Only the last N lines.
        #[arg(long)]
        last: Option<usize>,
    },
}

fn print_line(l: &LogLine, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(l)?);
    } else {
        println!(
            "{}  {:<12}  {:<8}  aircraft {:<3}  {}",
            DateTime::local(l.logged_at).hms(),
            l.event,
            l.severity.as_str(),
            l.sysid,
            l.text
        );
    }
    Ok(())
}

/// Runs `kestrel alerts`.
pub async fn run(args: AlertsArgs, ctx: &super::Context) -> anyhow::Result<()> {
    let json = ctx.json;
    match args.action {
        AlertsAction::Log { file, last } => {
            let path = file.unwrap_or_else(|| ctx.data_dir.join(log::FILE_NAME));
            let (lines, bad) = log::read(&path)?;
            let skip = last.map(|n| lines.len().saturating_sub(n)).unwrap_or(0);
            for l in lines.iter().skip(skip) {
                print_line(l, json)?;
            }
            if bad > 0 {
                eprintln!(
                    "kestrel: skipped {bad} damaged line(s) in {}",
                    path.display()
                );
            }
            Ok(())
        }
        AlertsAction::Watch {
            link,
            seconds,
            low_battery,
            critical_battery,
        } => {
            if critical_battery.partial_cmp(&low_battery) != Some(std::cmp::Ordering::Less) {
                anyhow::bail!(
                    "--critical-battery ({critical_battery}) must be below --low-battery ({low_battery})"
                );
            }
            let station = link.open(ctx).await?;
            let mut engine = AlertEngine::new(AlertThresholds {
                low_battery_pct: low_battery,
                critical_battery_pct: critical_battery,
            });
            let started = tokio::time::Instant::now();
            let mut tick = tokio::time::interval(Duration::from_millis(200));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = tokio::signal::ctrl_c() => break,
                }
                let mut events = engine.update(&station.snapshot(), SystemTime::now());
                events.extend(engine.update_signing(
                    &station.signing_status(),
                    &[],
                    std::time::Instant::now(),
                    SystemTime::now(),
                ));
                for e in events {
                    let line = LogLine::from_event(&e, SystemTime::now());
                    print_line(&line, json)?;
                    debug_assert!(matches!(e, AlertEvent::Raised(_) | AlertEvent::Cleared(_)));
                }
                if seconds.is_some_and(|s| started.elapsed().as_secs_f64() >= s) {
                    break;
                }
            }
            station.flush_tlog();
            Ok(())
        }
    }
}
