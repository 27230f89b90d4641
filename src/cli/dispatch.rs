//! `kestrel dispatch`: the command-centre side. `serve` receives sightings from every console
//! over the broker, stores them once each in its own database and acknowledges them, follows the
//! live fleet and optionally forwards both to TAK; `list` shows what the database holds.

use std::path::PathBuf;
use std::time::Duration;

use super::sync::BrokerArgs;
use super::Context;
use crate::audit::AuditLog;
use crate::dispatch::centre::receiver::{self, ReceiverConfig};
use crate::dispatch::centre::store::{DispatchStore, DispatchedSighting, DB_FILE};
use crate::dispatch::centre::task_book::{DispatchTask, NewTask};
use crate::dispatch::centre::web::accounts::{AccountStore, Role, ACCOUNTS_FILE};
use crate::dispatch::centre::web::video::{VideoConfig, VideoHub};
use crate::dispatch::centre::web::{self, feed::SharedFeed, feed::WebFeed, WebConfig};
use crate::dispatch::cot::{CotSender, CotTarget, CotTls};
use crate::dispatch::tls::ClientIdentity;
use crate::plan::areas::{geojson as area_geojson, AreaStore};
use crate::tiles::{TileBytes, TileSourceConfig};

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
    Serve(Box<ServeArgs>),
    /// List the sightings (or the fleet, or rejected messages) dispatch holds.
    List(ListArgs),
    /// Add, list or remove the dispatcher accounts of the command centre's web page.
    User(UserArgs),
    /// Acknowledge a sighting as a dispatcher (as the page's Acknowledge button does); a running
    /// `dispatch serve` tells the console within 2 s.
    Ack(AckArgs),
    /// List the tasks sent to teams, with their states.
    Tasks(TasksArgs),
    /// Send a team somewhere, or close a task (a running `dispatch serve` sends it).
    Task(TaskArgs),
}

/// Arguments of `kestrel dispatch ack`.
#[derive(Debug, clap::Args)]
pub struct AckArgs {
    /// The sighting's id (from `kestrel dispatch list`).
    pub id: uuid::Uuid,
    /// Dispatch's database (default: DATA_DIR/dispatch.db).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// The dispatcher's name the console will show.
    #[arg(long, value_name = "NAME", default_value = "dispatch")]
    pub by: String,
}

/// Arguments of `kestrel dispatch tasks`.
#[derive(Debug, clap::Args)]
pub struct TasksArgs {
    /// Dispatch's database (default: DATA_DIR/dispatch.db).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Only tasks that are not closed.
    #[arg(long)]
    pub open: bool,
}

/// Arguments of `kestrel dispatch task`.
#[derive(Debug, clap::Args)]
pub struct TaskArgs {
    /// Dispatch's database (default: DATA_DIR/dispatch.db).
    #[arg(long, value_name = "FILE", global = true)]
    pub db: Option<PathBuf>,
    /// Who is sending or closing it (recorded with the task and shown at the console).
    #[arg(long, value_name = "NAME", global = true, default_value = "dispatch")]
    pub by: String,
    /// Send or close.
    #[command(subcommand)]
    pub action: TaskAction,
}

/// `kestrel dispatch task` actions.
#[derive(Debug, clap::Subcommand)]
pub enum TaskAction {
    /// Send a team (console) to a point.
    #[command(allow_negative_numbers = true)]
    Send {
        /// The team's console id.
        #[arg(long, value_name = "ID")]
        console: String,
        /// One of its aircraft, if it matters which.
        #[arg(long, value_name = "SYSID")]
        sysid: Option<u8>,
        /// Latitude, degrees.
        #[arg(long)]
        lat: f64,
        /// Longitude, degrees.
        #[arg(long)]
        lon: f64,
        /// What to do there.
        #[arg(long)]
        note: String,
        /// The sighting it answers.
        #[arg(long, value_name = "ID")]
        sighting: Option<uuid::Uuid>,
    },
    /// Close a task.
    Close {
        /// The task's id (from `kestrel dispatch tasks`).
        id: uuid::Uuid,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
    },
}

/// Arguments of `kestrel dispatch user`.
#[derive(Debug, clap::Args)]
pub struct UserArgs {
    /// The accounts file (default: DATA_DIR/dispatch-accounts.db).
    #[arg(long, value_name = "FILE", global = true)]
    pub accounts: Option<PathBuf>,
    /// Add, list or remove.
    #[command(subcommand)]
    pub action: UserAction,
}

/// `kestrel dispatch user` actions.
#[derive(Debug, clap::Subcommand)]
pub enum UserAction {
    /// Add an account. The password is read from the terminal (twice), or from the first line of
    /// standard input when it is not a terminal, or from KESTREL_DISPATCH_PASSWORD; never from
    /// the command line.
    Add {
        /// The login name (letters of any script, digits, '.', '-', '_'); consoles see it as
        /// "acknowledged by dispatcher NAME".
        name: String,
        /// viewer (sees everything) or dispatcher (also acknowledges and tasks).
        #[arg(long, value_name = "ROLE")]
        role: Role,
    },
    /// List the accounts.
    List,
    /// Remove an account (its open sessions end).
    Remove {
        /// The login name.
        name: String,
    },
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
    /// Serve the command centre's web page (map, sightings, acknowledgement) on this address,
    /// e.g. 127.0.0.1:8080, or 0.0.0.0:8443 with --http-cert for the whole command centre.
    #[arg(long, value_name = "ADDR")]
    pub http: Option<std::net::SocketAddr>,
    /// Serve HTTPS with this PEM certificate chain. Its private key is read from the same file,
    /// or from the file named by KESTREL_HTTP_KEY_FILE; never from the command line.
    #[arg(long, value_name = "FILE", requires = "http")]
    pub http_cert: Option<PathBuf>,
    /// The page's dispatcher accounts (default: DATA_DIR/dispatch-accounts.db).
    #[arg(long, value_name = "FILE", requires = "http")]
    pub accounts: Option<PathBuf>,
    /// The page's base map: osm, an http(s) URL template with {z}/{x}/{y}, an offline
    /// .mbtiles or .pmtiles pack, or none. Downloads are cached as the console caches them.
    #[arg(long, value_name = "SOURCE", default_value = "osm", requires = "http")]
    pub tiles: String,
    /// Key areas to draw on the page (GeoJSON, as `kestrel plan areas export` writes); default:
    /// the key areas in DATA_DIR, if any.
    #[arg(long, value_name = "FILE", requires = "http")]
    pub areas: Option<PathBuf>,
    /// UDP ports for live video from the consoles to the page (SRT, one port per aircraft
    /// being watched), e.g. 8890-8899; `off` offers no live video.
    #[arg(
        long,
        value_name = "FIRST-LAST",
        default_value = "8890-8899",
        requires = "http"
    )]
    pub video_ports: String,
    /// The host or IP consoles reach this dispatch at for live video (default: the --http
    /// address, or the broker's host when --http listens on every address).
    #[arg(long, value_name = "HOST", requires = "http")]
    pub video_host: Option<String>,
    /// SRT latency for live video from the consoles, milliseconds: how long a lost packet may
    /// be sent again. Raise it on poor mobile networks (glass-to-glass delay grows with it).
    #[arg(long, value_name = "MS", default_value_t = 300, requires = "http")]
    pub video_latency_ms: u32,
}

/// The live-video settings from `dispatch serve`'s options; `None` for `--video-ports off`.
fn video_config(
    a: &ServeArgs,
    http: std::net::SocketAddr,
    broker_host: &str,
) -> anyhow::Result<Option<VideoConfig>> {
    if a.video_ports.trim().eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let bad = || {
        anyhow::anyhow!(
            "--video-ports {}: write FIRST-LAST, e.g. 8890-8899, or off",
            a.video_ports
        )
    };
    let (lo, hi) = a.video_ports.split_once('-').ok_or_else(bad)?;
    let (lo, hi): (u16, u16) = (
        lo.trim().parse().map_err(|_| bad())?,
        hi.trim().parse().map_err(|_| bad())?,
    );
    if lo == 0 || hi < lo {
        return Err(bad());
    }
    if a.video_latency_ms > 10_000 {
        anyhow::bail!("--video-latency-ms {}: at most 10000", a.video_latency_ms);
    }
    let advertise = match &a.video_host {
        Some(h) => h.clone(),
        None if http.ip().is_unspecified() => broker_host.to_string(),
        None => http.ip().to_string(),
    };
    Ok(Some(VideoConfig {
        bind: if http.is_ipv6() {
            "::".into()
        } else {
            "0.0.0.0".into()
        },
        ports: (lo, hi),
        advertise,
        latency_ms: a.video_latency_ms,
    }))
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
        DispatchCmd::Serve(a) => serve(*a, ctx).await,
        DispatchCmd::List(a) => list(a, ctx),
        DispatchCmd::User(a) => user(a, ctx),
        DispatchCmd::Ack(a) => ack(a, ctx).await,
        DispatchCmd::Tasks(a) => tasks(a, ctx),
        DispatchCmd::Task(a) => task(a, ctx).await,
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
    // Runs for a whole shift: give back what the allocator holds free.
    tokio::spawn(crate::process::trim_memory_every(
        crate::process::MEMORY_TRIM_EVERY,
    ));
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
        a.cot
            .as_ref()
            .map(|t| format!(", CoT to {t}"))
            .unwrap_or_default()
    );
    let broker_host = config.broker.url.host.clone();
    let (web_config, video) = match a.http {
        Some(addr) => (
            Some(web_config(&a, addr, ctx)?),
            video_config(&a, addr, &broker_host)?,
        ),
        None => (None, None),
    };
    let feed = WebFeed::new(store.fleet()?);
    if web_config.is_some() {
        config.outputs.push(Box::new(SharedFeed(feed.clone())));
    }
    let handle = receiver::start(store.clone(), config);
    let page = match web_config {
        Some(mut wc) => {
            if let Some(vc) = video {
                log::info!(
                    "dispatch: live video on UDP ports {}-{}, consoles send to {}",
                    vc.ports.0,
                    vc.ports.1,
                    vc.advertise
                );
                wc.video = Some(VideoHub::new(vc, handle.video_asker()));
            }
            let page = web::start(wc, store, feed, handle.ack_publisher()).await?;
            log::info!("dispatch: the command centre's page is at {}", page.url());
            println!("command centre page: {}", page.url());
            Some(page)
        }
        None => None,
    };
    super::wait_for_shutdown().await;
    if let Some(page) = page {
        page.stop().await;
    }
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

fn accounts_path(accounts: &Option<PathBuf>, ctx: &Context) -> PathBuf {
    accounts
        .clone()
        .unwrap_or_else(|| ctx.data_dir.join(ACCOUNTS_FILE))
}

/// Reads everything the page needs now, so a bad file is an error at start.
fn web_config(
    a: &ServeArgs,
    addr: std::net::SocketAddr,
    ctx: &Context,
) -> anyhow::Result<WebConfig> {
    let accounts = AccountStore::new(&accounts_path(&a.accounts, ctx));
    let held = accounts.list()?;
    if held.is_empty() {
        log::warn!(
            "dispatch: no dispatcher accounts in {}; add one with `kestrel dispatch user add NAME --role dispatcher`",
            accounts.path().display()
        );
    }
    let source =
        TileSourceConfig::from_user(&a.tiles).map_err(|e| anyhow::anyhow!("--tiles: {e}"))?;
    let attribution = match &source {
        TileSourceConfig::OpenStreetMap => "© OpenStreetMap contributors".to_string(),
        other => other.label(),
    };
    let tiles = (source != TileSourceConfig::Grid)
        .then(|| TileBytes::new(&source, Some(crate::paths::cache_dir().join("tiles"))));
    let areas = match &a.areas {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read key areas {}: {e}", path.display()))?;
            let list = area_geojson::parse(&text)
                .map_err(|e| anyhow::anyhow!("key areas {}: {e}", path.display()))?;
            web::page_areas(&list)
        }
        None => match AreaStore::open_to_read_in(&ctx.data_dir).and_then(|s| s.list()) {
            Ok(list) => web::page_areas(&list),
            Err(_) => web::page_areas(&[]),
        },
    };
    Ok(WebConfig {
        addr,
        tls: a.http_cert.clone().map(|cert| {
            let key = std::env::var_os(ENV_HTTP_KEY_FILE)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| cert.clone());
            (cert, key)
        }),
        accounts,
        tiles,
        attribution,
        areas_geojson: areas,
        dispatch_name: a.name.clone(),
        audit: Some(AuditLog::open(&ctx.data_dir.join(AUDIT_FILE))?),
        video: None,
    })
}

/// Environment variable naming the PEM file of the HTTPS certificate's private key, when it is
/// not in the certificate file.
pub const ENV_HTTP_KEY_FILE: &str = "KESTREL_HTTP_KEY_FILE";

/// Dispatch's audit trail (logins, acknowledgements, tasks) inside the data directory.
pub const AUDIT_FILE: &str = "dispatch-audit.db";

fn open_existing(db: &Option<PathBuf>, ctx: &Context) -> anyhow::Result<DispatchStore> {
    let path = db_path(db, ctx);
    if !path.exists() {
        anyhow::bail!(
            "no dispatch database at {}; start `kestrel dispatch serve --db {}` first",
            path.display(),
            path.display()
        );
    }
    Ok(DispatchStore::open(&path)?)
}

async fn ack(a: AckArgs, ctx: &Context) -> anyhow::Result<()> {
    check_dispatcher_name(&a.by)?;
    let store = open_existing(&a.db, ctx)?;
    let audit = AuditLog::open(&ctx.data_dir.join(AUDIT_FILE))?;
    audit
        .append(&a.by, None, "sighting.acknowledge", &format!("sighting {}", a.id), "requested")
        .map_err(|e| anyhow::anyhow!("nothing was acknowledged: dispatch's audit trail cannot be written ({e}); free some space"))?;
    let (held, _) = store
        .acknowledge(a.id, &a.by)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no sighting {}; see `kestrel dispatch list`", a.id))?;
    let by = held.ack.map(|x| x.by).unwrap_or_default();
    if by == a.by {
        audit.append(
            &a.by,
            held.sighting.aircraft.sysid,
            "sighting.acknowledge",
            &format!("sighting {} from {}", a.id, held.console),
            "done",
        ).unwrap_or_else(|e| {
            eprintln!("kestrel: done, but its outcome could not be audited ({e}); the request is on record");
            0
        });
        println!("sighting {} acknowledged by {by}; a running `kestrel dispatch serve` tells {} within 2 s", a.id, held.console);
    } else {
        println!("sighting {} was already acknowledged by {by}", a.id);
    }
    Ok(())
}

/// Refuses a `--by` name no account could have (the same rule and words as for accounts).
fn check_dispatcher_name(name: &str) -> anyhow::Result<()> {
    if !crate::dispatch::envelope::valid_dispatcher_name(name) {
        return Err(
            crate::dispatch::centre::web::accounts::AccountError::BadName(name.into()).into(),
        );
    }
    Ok(())
}

fn tasks(a: TasksArgs, ctx: &Context) -> anyhow::Result<()> {
    let store = open_existing(&a.db, ctx)?;
    let list: Vec<DispatchTask> = store
        .tasks(usize::MAX)?
        .into_iter()
        .filter(|t| !a.open || t.state.is_open())
        .collect();
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    println!(
        "{:<36}  {:<16} {:>5} {:>11} {:>11} {:<9} {:<24} NOTE",
        "ID", "TEAM", "SYSID", "LAT", "LON", "STATE", "SINCE"
    );
    for t in &list {
        let mut note: String = t.note.chars().take(40).collect();
        if let Some(r) = &t.reason {
            note = format!("{note} ({r})");
        }
        println!(
            "{:<36}  {:<16} {:>5} {:>11.6} {:>11.6} {:<9} {:<24} {}",
            t.id,
            t.console,
            t.sysid.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
            t.lat,
            t.lon,
            t.state,
            t.state_at.to_string(),
            note.replace('\n', " ")
        );
    }
    println!("{} tasks", list.len());
    Ok(())
}

async fn task(a: TaskArgs, ctx: &Context) -> anyhow::Result<()> {
    check_dispatcher_name(&a.by)?;
    let store = open_existing(&a.db, ctx)?;
    let audit = AuditLog::open(&ctx.data_dir.join(AUDIT_FILE))?;
    match a.action {
        TaskAction::Send {
            console,
            sysid,
            lat,
            lon,
            note,
            sighting,
        } => {
            // On record before it happens, or it does not happen.
            audit
                .append(
                    &a.by,
                    sysid,
                    "task.create",
                    &format!("task to {console} at {lat:.6}, {lon:.6}: {note}"),
                    "requested",
                )
                .map_err(|e| anyhow::anyhow!("the task was not sent: dispatch's audit trail cannot be written ({e}); free some space"))?;
            let t = store
                .create_task(
                    NewTask {
                        console: console.clone(),
                        sysid,
                        lat,
                        lon,
                        note,
                        sighting,
                    },
                    &a.by,
                )
                .await?
                .map_err(|why| anyhow::anyhow!("the task was not sent: {why}"))?;
            audit.append(
                &a.by,
                sysid,
                "task.create",
                &format!("task {} to {console}: {}", t.id, t.note),
                "done",
            ).unwrap_or_else(|e| {
            eprintln!("kestrel: done, but its outcome could not be audited ({e}); the request is on record");
            0
        });
            if ctx.json {
                println!("{}", serde_json::to_string_pretty(&t)?);
            } else {
                println!("task {} for {console} stored; a running `kestrel dispatch serve` sends it within 2 s", t.id);
            }
        }
        TaskAction::Close { id, reason } => {
            audit
                .append(&a.by, None, "task.close", &format!("task {id}"), "requested")
                .map_err(|e| anyhow::anyhow!("the task was not closed: dispatch's audit trail cannot be written ({e}); free some space"))?;
            let t = store
                .close_task(id, &a.by, reason.clone())
                .await?
                .ok_or_else(|| anyhow::anyhow!("no task {id}; see `kestrel dispatch tasks`"))?;
            audit.append(
                &a.by,
                t.sysid,
                "task.close",
                &format!(
                    "task {id} of {}{}",
                    t.console,
                    reason.map(|r| format!(": {r}")).unwrap_or_default()
                ),
                "done",
            ).unwrap_or_else(|e| {
            eprintln!("kestrel: done, but its outcome could not be audited ({e}); the request is on record");
            0
        });
            println!("task {id} is {}", t.state);
        }
    }
    Ok(())
}

fn user(a: UserArgs, ctx: &Context) -> anyhow::Result<()> {
    let store = AccountStore::new(&accounts_path(&a.accounts, ctx));
    match a.action {
        UserAction::Add { name, role } => {
            let password = read_password(&name)?;
            let account = store.add(&name, role, &password)?;
            println!(
                "added {} ({}) to {}",
                account.name,
                account.role,
                store.path().display()
            );
        }
        UserAction::List => {
            let list = store.list()?;
            if ctx.json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                println!("{:<24} {:<11} ADDED", "NAME", "ROLE");
                for acc in &list {
                    println!("{:<24} {:<11} {}", acc.name, acc.role, acc.created_at);
                }
                println!("{} accounts", list.len());
            }
        }
        UserAction::Remove { name } => {
            store.remove(&name)?;
            println!("removed {name}; a running dispatch ends its sessions at their next change");
        }
    }
    Ok(())
}

/// Environment variable a script may give a new account's password in.
pub const ENV_DISPATCH_PASSWORD: &str = "KESTREL_DISPATCH_PASSWORD";

fn read_password(name: &str) -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    if let Some(p) = std::env::var_os(ENV_DISPATCH_PASSWORD).filter(|v| !v.is_empty()) {
        return p
            .into_string()
            .map_err(|_| anyhow::anyhow!("{ENV_DISPATCH_PASSWORD} is not valid UTF-8"));
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        let p = line.trim_end_matches(['\r', '\n']).to_string();
        if p.is_empty() {
            anyhow::bail!(
                "no password on standard input (one line) nor in {ENV_DISPATCH_PASSWORD}"
            );
        }
        return Ok(p);
    }
    let first = super::terminal::read_hidden(&format!("password for {name}: "))?;
    let second = super::terminal::read_hidden("again: ")?;
    if first != second {
        anyhow::bail!("the two passwords differ; nothing was added");
    }
    Ok(first)
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
