//! `kestrel sync`: the console's sync worker alone, headless — sends the sightings queue in
//! `DATA_DIR/sightings.db` to dispatch until stopped (Ctrl-C), or with `--until-empty` until
//! dispatch has acknowledged every sighting.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::Context;
use crate::dispatch::broker::{BrokerConfig, BrokerUrl, Credentials};
use crate::dispatch::outbox::sync::{self, SyncConfig, SyncStatus};
use crate::sightings::SightingStore;

/// How to reach the broker; shared by `kestrel sync` and `kestrel dispatch serve`.
#[derive(Debug, clap::Args)]
pub struct BrokerArgs {
    /// The MQTT broker: mqtt://HOST:PORT, or mqtts://HOST:PORT for TLS.
    #[arg(long, value_name = "URL")]
    pub broker: BrokerUrl,
    /// PEM file with the CA that signed the broker's certificate (mqtts:// only; default: the
    /// system's CAs).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// File with the broker user name (line 1) and password (line 2). Without it,
    /// KESTREL_BROKER_USERNAME and KESTREL_BROKER_PASSWORD are used when set.
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// Shortest wait before reconnecting, milliseconds (doubles up to --backoff-max-ms).
    #[arg(long, default_value_t = 500, value_name = "MS")]
    pub backoff_min_ms: u64,
    /// Longest wait before reconnecting, milliseconds.
    #[arg(long, default_value_t = 30_000, value_name = "MS")]
    pub backoff_max_ms: u64,
}

impl BrokerArgs {
    /// The broker configuration (reads the CA and credentials files now).
    pub fn config(&self) -> anyhow::Result<BrokerConfig> {
        let credentials = match &self.credentials {
            Some(path) => Some(Credentials::from_file(path)?),
            None => Credentials::from_env()?,
        };
        Ok(BrokerConfig::new(
            self.broker.clone(),
            self.ca.as_deref(),
            credentials,
        )?)
    }
}

/// Arguments of `kestrel sync`.
#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// The broker to send to.
    #[command(flatten)]
    pub broker: BrokerArgs,
    /// Exit once dispatch has acknowledged every sighting.
    #[arg(long)]
    pub until_empty: bool,
    /// With --until-empty: give up (exit code 1) after this many seconds.
    #[arg(long, value_name = "S", requires = "until_empty")]
    pub timeout: Option<f64>,
    /// Rename this console (its MQTT topics use the id); kept in the database.
    #[arg(long, value_name = "ID")]
    pub console_id: Option<String>,
    /// Resend a delivered sighting if dispatch has not acknowledged it after this many
    /// milliseconds (doubling per retry).
    #[arg(long, default_value_t = 10_000, value_name = "MS")]
    pub ack_timeout_ms: u64,
    /// Most sightings in flight to the broker at once.
    #[arg(long, default_value_t = 256, value_name = "N")]
    pub window: u16,
}

fn progress(s: &SyncStatus) -> String {
    format!(
        "{}: {} queued, {} delivered, {} acknowledged",
        if s.connected {
            "connected".to_string()
        } else {
            match &s.last_error {
                Some(e) => format!("disconnected ({e})"),
                None => "connecting".to_string(),
            }
        },
        s.counts.queued,
        s.counts.delivered,
        s.counts.acknowledged
    )
}

/// Runs `kestrel sync`.
pub async fn run(args: SyncArgs, ctx: &Context) -> anyhow::Result<()> {
    super::logger::init();
    let store = SightingStore::open_in(&ctx.data_dir)?;
    if let Some(id) = &args.console_id {
        store.set_console_id(id).await?;
    }
    let mut config = SyncConfig::new(args.broker.config()?);
    config.backoff_min = Duration::from_millis(args.broker.backoff_min_ms);
    config.backoff_max = Duration::from_millis(args.broker.backoff_max_ms);
    config.ack_timeout = Duration::from_millis(args.ack_timeout_ms.max(1));
    config.window = args.window.max(1);
    config.until_empty = args.until_empty;
    config.tasks = Some(crate::tasking::TaskInbox::open_in(&ctx.data_dir)?);
    let handle = sync::start(store.clone(), config, None)?;
    let mut status = handle.status();
    let started = Instant::now();
    let deadline = args
        .timeout
        .map(|s| started + Duration::from_secs_f64(s.max(0.0)));
    let mut last_line = String::new();
    let mut last_print = Instant::now() - Duration::from_secs(10);
    let shutdown = super::wait_for_shutdown();
    tokio::pin!(shutdown);
    let mut timed_out = false;
    loop {
        let timeout = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = &mut shutdown => break,
            _ = timeout => {
                timed_out = true;
                break;
            }
            changed = status.changed() => {
                if changed.is_err() {
                    break;
                }
                let line = progress(&status.borrow());
                if !ctx.json && line != last_line && last_print.elapsed() >= Duration::from_secs(1) {
                    eprintln!("kestrel sync: {line}");
                    last_print = Instant::now();
                    last_line = line;
                }
            }
        }
    }
    let mut final_status = status.borrow().clone();
    if handle.is_finished() {
        handle.wait().await?;
    } else {
        handle.stop().await?;
    }
    final_status.counts = store.counts()?;
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(&final_status)?);
    } else {
        println!(
            "{} sightings sent ({} resent), {} acknowledged by dispatch in {:.1} s; queue: {} queued, {} delivered, {} acknowledged",
            final_status.published,
            final_status.resent,
            final_status.acknowledged,
            started.elapsed().as_secs_f64(),
            final_status.counts.queued,
            final_status.counts.delivered,
            final_status.counts.acknowledged
        );
    }
    if timed_out {
        anyhow::bail!(
            "{} sightings still not acknowledged by dispatch after {:.0} s{}",
            final_status.counts.unacknowledged(),
            args.timeout.unwrap_or(0.0),
            final_status
                .last_error
                .map(|e| format!(" (last error: {e})"))
                .unwrap_or_default()
        );
    }
    Ok(())
}
