//! `kestrel dispatch`: the command-centre side. `serve` receives sightings from every console
//! over the broker, stores them once each in its own database and acknowledges them, follows the
//! live fleet and optionally forwards both to TAK; `list` shows what the database holds.

use std::path::PathBuf;
use std::time::Duration;

use super::sync::BrokerArgs;
use super::Context;
use crate::dispatch::centre::receiver::{self, ReceiverConfig};
use crate::dispatch::centre::store::{DispatchStore, DispatchedSighting, DB_FILE};
use crate::dispatch::cot::{CotSender, CotTarget, CotTls};
use crate::dispatch::tls::ClientIdentity;

/// Arguments of `kestrel dispatch`.
#[derive(Debug, clap::Args)]
pub struct DispatchArgs {
    /// Serve or list.
    #[command(subcommand)]
    pub command: DispatchCmd,
}

/// Dispatch subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum DispatchCmd {
    /// Receive, store and acknowledge sightings; follow the fleet (runs until Ctrl-C).
    Serve(ServeArgs),
    /// List the sightings (or the fleet, or rejected messages) dispatch holds.
    List(ListArgs),
}

/// Arguments of `kestrel dispatch serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The broker dispatch subscribes to.
    #[command(flatten)]
    pub broker: BrokerArgs,
    /// Dispatch's database (default: DATA_DIR/dispatch.db).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// This dispatch's name; the broker keeps its subscription (and queues sightings) under it
    /// while it is away.
    #[arg(long, default_value = "dispatch")]
    pub name: String,
    /// Also send sightings and aircraft positions to TAK as Cursor-on-Target:
    /// udp://239.2.3.1:6969 (multicast), udp://HOST:PORT, tcp://HOST:PORT or ssl://HOST:8089
    /// (a TAK server's SSL port; needs --cot-cert).
    #[arg(long, value_name = "URL")]
    pub cot: Option<CotTarget>,
    /// PEM file of the CA that signed the TAK server's certificate (ssl:// only).
    #[arg(long, value_name = "FILE", requires = "cot")]
    pub cot_ca: Option<PathBuf>,
    /// PEM file with Kestrel's client certificate for the TAK server (ssl:// only). Its private
    /// key is read from the same file, or from the file named by KESTREL_COT_KEY_FILE; never
    /// from the command line.
    #[arg(long, value_name = "FILE", requires = "cot")]
    pub cot_cert: Option<PathBuf>,
}

/// Arguments of `kestrel dispatch list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Dispatch's database (default: DATA_DIR/dispatch.db).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// List the last known position of every aircraft instead.
    #[arg(long, conflicts_with = "rejected")]
    pub fleet: bool,
    /// List rejected messages instead.
    #[arg(long)]
    pub rejected: bool,
}

fn db_path(db: &Option<PathBuf>, ctx: &Context) -> PathBuf {
    db.clone().unwrap_or_else(|| ctx.data_dir.join(DB_FILE))
}

/// Runs `kestrel dispatch`.
pub async fn run(args: DispatchArgs, ctx: &Context) -> anyhow::Result<()> {
    match args.command {
        DispatchCmd::Serve(a) => serve(a, ctx).await,
        DispatchCmd::List(a) => list(a, ctx),
    }
}

/// Environment variable naming the PEM file of the CoT client certificate's private key, when
/// it is not in the certificate file.
pub const ENV_COT_KEY_FILE: &str = "KESTREL_COT_KEY_FILE";

fn cot_tls(a: &ServeArgs) -> CotTls {
    CotTls {
        ca_file: a.cot_ca.clone(),
        identity: a.cot_cert.clone().map(|cert_file| ClientIdentity {
            cert_file,
            key_file: std::env::var_os(ENV_COT_KEY_FILE)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }),
    }
}

async fn serve(a: ServeArgs, ctx: &Context) -> anyhow::Result<()> {
    super::logger::init();
    if !crate::sightings::store::valid_console_id(&a.name) {
        anyhow::bail!(
            "'{}' cannot be a dispatch name: use 1-64 letters, digits, '-' or '_'",
            a.name
        );
    }
    let path = db_path(&a.db, ctx);
    let store = DispatchStore::open(&path)?;
    let mut config = ReceiverConfig::new(a.broker.config()?);
    config.name = a.name.clone();
    config.backoff_min = Duration::from_millis(a.broker.backoff_min_ms);
    config.backoff_max = Duration::from_millis(a.broker.backoff_max_ms);
    if let Some(target) = a.cot.clone() {
        config
            .outputs
            .push(Box::new(CotSender::connect(target, &cot_tls(&a))?));
    }
    log::info!(
        "dispatch '{}': storing sightings in {}{}",
        a.name,
        path.display(),
        a.cot.map(|t| format!(", CoT to {t}")).unwrap_or_default()
    );
    let handle = receiver::start(store, config);
    super::wait_for_shutdown().await;
    let status = handle.status().borrow().clone();
    handle.stop().await;
    log::info!(
        "dispatch: stopped; {} stored, {} updated, {} duplicates, {} rejected",
        status.stored,
        status.updated,
        status.duplicates,
        status.rejected
    );
    Ok(())
}

fn list(a: ListArgs, ctx: &Context) -> anyhow::Result<()> {
    let path = db_path(&a.db, ctx);
    if !path.exists() {
        anyhow::bail!(
            "no dispatch database at {}; start `kestrel dispatch serve --db {}` first",
            path.display(),
            path.display()
        );
    }
    let store = DispatchStore::open(&path)?;
    if a.fleet {
        let fleet = store.fleet()?;
        if ctx.json {
            println!("{}", serde_json::to_string_pretty(&fleet)?);
        } else {
            println!(
                "{:<20} {:>5} {:<12} {:>11} {:>11} {:>7} {:<10} {:<24}",
                "CONSOLE", "SYSID", "CALLSIGN", "LAT", "LON", "ALT", "MODE", "SENT"
            );
            for f in fleet {
                let a = &f.aircraft;
                println!(
                    "{:<20} {:>5} {:<12} {:>11} {:>11} {:>7.1} {:<10} {:<24}",
                    f.console,
                    a.sysid,
                    a.callsign.as_deref().unwrap_or("-"),
                    a.lat
                        .map(|v| format!("{v:.6}"))
                        .unwrap_or_else(|| "-".into()),
                    a.lon
                        .map(|v| format!("{v:.6}"))
                        .unwrap_or_else(|| "-".into()),
                    a.alt_rel_m,
                    a.mode,
                    f.sent_at.to_string()
                );
            }
        }
        return Ok(());
    }
    if a.rejected {
        let rejected = store.rejected()?;
        if ctx.json {
            println!("{}", serde_json::to_string_pretty(&rejected)?);
        } else {
            for r in rejected {
                println!("{}  {}  {}", r.at, r.topic, r.reason);
            }
        }
        return Ok(());
    }
    let list = store.list()?;
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        print!("{}", table(&list));
        println!("{} sightings", list.len());
    }
    Ok(())
}

fn table(list: &[DispatchedSighting]) -> String {
    let mut out = format!(
        "{:<36}  {:<16} {:<24} {:<16} {:<6} {:>11} {:>11} NOTE\n",
        "ID", "CONSOLE", "TIME", "CATEGORY", "PRIO", "LAT", "LON"
    );
    for d in list {
        let s = &d.sighting;
        let note: String = s.note.chars().take(40).collect();
        out.push_str(&format!(
            "{:<36}  {:<16} {:<24} {:<16} {:<6} {:>11.6} {:>11.6} {}\n",
            s.id,
            d.console,
            s.time,
            s.category,
            s.priority,
            s.position.lat,
            s.position.lon,
            note.replace('\n', " ")
        ));
    }
    out
}
