//! The core loop: a thread with its own tokio runtime that owns the station and the services,
//! hands them the window's intents in order, and publishes a [`ConsoleView`] ten times a second
//! (and after intents). If the window stalls, the loop keeps flying, raising alerts and logging.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender, TryRecvError};

use crate::link::LinkSpec;
use crate::station::{Station, StationConfig};

use super::alerts::AlertDesk;
use super::callsigns::Callsigns;
use super::core::Core;
use super::links::LinkEvent;
use super::missions::MissionBook;
use super::published::{EventSink, Shared};
use super::services::Services;
use super::{demo, ConsoleConfig, ConsoleError, ConsoleView, Event, Intent};

/// How often the core publishes a new [`ConsoleView`] (and asks the window to repaint).
pub const PUBLISH_INTERVAL: Duration = Duration::from_millis(100);
/// How often the core looks for new intents.
const INTENT_POLL: Duration = Duration::from_millis(20);

/// The running core thread and its runtime.
pub(crate) struct Started {
    pub(crate) runtime: tokio::runtime::Handle,
    pub(crate) thread: std::thread::JoinHandle<()>,
}

type Ready = std::sync::mpsc::Sender<Result<tokio::runtime::Handle, ConsoleError>>;

/// Starts the core thread; returns once the station and every service are up.
pub(crate) fn spawn(
    config: ConsoleConfig,
    demo_addr: Option<SocketAddr>,
    shared: Arc<Shared>,
    intents: Receiver<Intent>,
    events: Sender<Event>,
) -> Result<Started, ConsoleError> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("kestrel-core".into())
        .spawn(move || core_thread(config, demo_addr, shared, intents, events, ready_tx))
        .map_err(ConsoleError::Thread)?;
    match ready_rx.recv() {
        Ok(Ok(runtime)) => Ok(Started { runtime, thread }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => {
            let _ = thread.join();
            Err(ConsoleError::Thread(std::io::Error::other(
                "the core thread stopped while starting",
            )))
        }
    }
}

fn core_thread(
    config: ConsoleConfig,
    demo_addr: Option<SocketAddr>,
    shared: Arc<Shared>,
    intents: Receiver<Intent>,
    events: Sender<Event>,
    ready: Ready,
) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("kestrel-core-rt")
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(ConsoleError::Thread(e)));
            return;
        }
    };
    let handle = runtime.handle().clone();
    runtime.block_on(async move {
        let sink = EventSink::new(events, shared.clone());
        let (core, mut services) = match start(&config, demo_addr, sink).await {
            Ok(started) => started,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        if let Some(n) = config.demo {
            tokio::spawn(demo::fly_patrols(core.clone(), n));
        }
        tokio::spawn(crate::process::trim_memory_every(
            crate::process::MEMORY_TRIM_EVERY,
        ));
        let _ = ready.send(Ok(handle));
        let mut publisher = Publisher {
            shared,
            demo: config.demo,
            seq: 0,
            last: None,
        };
        run(&core, &mut services, &mut publisher, intents).await;
    });
    runtime.shutdown_timeout(Duration::from_secs(2));
}

/// Opens the station and the configured links, then starts every service.
async fn start(
    config: &ConsoleConfig,
    demo_addr: Option<SocketAddr>,
    events: EventSink,
) -> Result<(Core, Services), ConsoleError> {
    let station = open_station(config)?;
    if let Some(addr) = demo_addr {
        station.add_link(LinkSpec::UdpIn(addr)).await.map_err(|e| {
            ConsoleError::Demo(format!("cannot listen for the simulator on {addr}: {e}"))
        })?;
    }
    for spec in config.links.clone() {
        let name = spec.to_string();
        events.emit(match station.add_link(spec).await {
            Ok(id) => LinkEvent::Added { id, name },
            Err(e) => LinkEvent::Failed {
                input: name,
                error: e.to_string(),
            },
        });
    }
    for spec in config.forwards.clone() {
        let name = spec.to_string();
        events.emit(match station.add_forward(spec).await {
            Ok(id) => LinkEvent::Added { id, name },
            Err(e) => LinkEvent::Failed {
                input: name,
                error: e.to_string(),
            },
        });
    }
    let core = Core {
        alerts: AlertDesk::open(config, events.clone()),
        station,
        runtime: tokio::runtime::Handle::current(),
        events,
        missions: MissionBook::default(),
        callsigns: Callsigns::new(config.callsigns.clone()),
        data_dir: config.data_dir.clone(),
        live_video: Default::default(),
        traffic: Default::default(),
        sound: crate::sound::Chime::new(config.sound.clone()),
    };
    let services = Services::start(&core, config).await?;
    Ok((core, services))
}

/// The station of the console: its telemetry log, audit trail and signing keys in the data
/// directory.
fn open_station(config: &ConsoleConfig) -> Result<Station, ConsoleError> {
    let tlog: Option<PathBuf> = match (&config.data_dir, config.record_tlog) {
        (Some(dir), true) => Some(dir.join("tlogs").join(format!(
            "console-{}.tlog",
            crate::time::DateTime::local(SystemTime::now()).file_stamp()
        ))),
        _ => None,
    };
    if let Some(dir) = tlog.as_ref().and_then(|p| p.parent()) {
        crate::paths::ensure_dir(dir).map_err(ConsoleError::Station)?;
    }
    Station::start(StationConfig {
        tlog,
        tlog_part_bytes: Some(
            config
                .tlog_part_bytes
                .unwrap_or(super::config::TLOG_PART_BYTES),
        ),
        audit: config.data_dir.as_ref().map(|d| d.join("audit.db")),
        // The keys `kestrel signing setup` stored: frames to those aircraft are signed.
        keys_dir: config.data_dir.as_ref().map(|d| d.join("keys")),
        gcs_sysid: config.gcs_sysid(),
        operator: if config.operator.is_empty() {
            "operator".into()
        } else {
            config.operator.clone()
        },
        ..Default::default()
    })
    .map_err(ConsoleError::Station)
}

/// Takes intents as they come, lets services forward what arrived, and publishes.
async fn run(
    core: &Core,
    services: &mut Services,
    publisher: &mut Publisher,
    intents: Receiver<Intent>,
) {
    let mut poll = tokio::time::interval(INTENT_POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_publish: Option<Instant> = None;
    loop {
        poll.tick().await;
        let mut handled = false;
        loop {
            match intents.try_recv() {
                Ok(Intent::Shutdown) | Err(TryRecvError::Disconnected) => {
                    services.shutdown().await;
                    core.station.flush_tlog();
                    return;
                }
                Ok(intent) => {
                    services.handle(intent).await;
                    handled = true;
                }
                Err(TryRecvError::Empty) => break,
            }
        }
        services.poll();
        if handled || last_publish.is_none_or(|t| t.elapsed() >= PUBLISH_INTERVAL) {
            last_publish = Some(Instant::now());
            publisher.publish(core, services);
        }
    }
}

/// Puts together each [`ConsoleView`] and publishes it when it differs from the last one, so
/// that a console with nothing happening is not asked to draw ten times a second.
struct Publisher {
    shared: Arc<Shared>,
    demo: Option<usize>,
    seq: u64,
    last: Option<ConsoleView>,
}

impl Publisher {
    fn publish(&mut self, core: &Core, services: &mut Services) {
        let view = ConsoleView {
            seq: self.seq + 1,
            callsigns: core.callsigns.resolved(),
            demo: self.demo,
            ..services.publish(core.station.snapshot())
        };
        if self
            .last
            .as_ref()
            .is_some_and(|last| same_view(last, &view))
        {
            return;
        }
        self.seq = view.seq;
        self.last = Some(view.clone());
        self.shared.publish(view);
        self.shared.repaint();
    }
}

/// Whether `next` shows the window nothing `last` did not. The publication number does not
/// count, nor does the snapshot's instant while no aircraft is known (with aircraft it does:
/// ages and link states are judged against it, so a silent aircraft still turns "lost").
fn same_view(last: &ConsoleView, next: &ConsoleView) -> bool {
    let mut next = next.clone();
    next.seq = last.seq;
    if next.fleet.aircraft.is_empty() && last.fleet.aircraft.is_empty() {
        next.fleet.taken_at = last.fleet.taken_at;
    }
    next == *last
}
