//! `kestrel tlog replay`: play a recorded flight through the core as if it were live.

use std::path::PathBuf;
use std::time::Duration;

use crate::link::{LinkCondition, LinkSpec};
use crate::station::{Station, StationConfig};

use super::output;

/// Arguments of `kestrel tlog`.
#[derive(Debug, clap::Args)]
pub struct TlogArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: TlogAction,
}

/// Telemetry log actions.
#[derive(Debug, clap::Subcommand)]
pub enum TlogAction {
    /// Replay a .tlog through the core and print the fleet it describes.
    Replay {
        /// The telemetry log.
        file: PathBuf,
        /// Replay this many times faster than recorded.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Print the fleet table every this many seconds while replaying (0: only at the end).
        #[arg(long, default_value_t = 0.0)]
        every: f64,
    },
}

/// Runs `kestrel tlog`.
pub async fn run(args: TlogArgs, json: bool) -> anyhow::Result<()> {
    let TlogAction::Replay { file, speed, every } = args.action;
    if !(speed.is_finite() && speed > 0.0) {
        anyhow::bail!("--speed must be a positive number");
    }
    let station = Station::start(StationConfig {
        request_streams_hz: None,
        ..Default::default()
    })?;
    let id = station
        .add_link(LinkSpec::TlogReplay {
            path: file.clone(),
            speed,
        })
        .await?;
    let mut last_print = tokio::time::Instant::now();
    let summary = loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let status = station.links().into_iter().find(|l| l.id == id);
        if let Some(l) = &status {
            if let LinkCondition::Closed(why) = &l.condition {
                break why.clone();
            }
        }
        if every > 0.0 && last_print.elapsed().as_secs_f64() >= every && !json {
            print!("{}", output::table(&station.snapshot()));
            println!();
            last_print = tokio::time::Instant::now();
        }
    };
    let snap = station.snapshot();
    if json {
        println!("{}", serde_json::to_string_pretty(&output::rows(&snap))?);
    } else {
        println!("{}: {summary}", file.display());
        print!("{}", output::table(&snap));
    }
    Ok(())
}
