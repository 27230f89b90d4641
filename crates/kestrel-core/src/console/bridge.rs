//! The bridge between the window and the core: a thread with its own tokio runtime owning the
//! station, driven by intents from a crossbeam channel and publishing a [`ConsoleView`] ten times
//! a second.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender, TryRecvError};

use crate::alerts::log::AlertLog;
use crate::alerts::{Alert, AlertEngine, AlertEvent, AlertThresholds};
use crate::fleet::{FleetHistory, FleetSnapshot, HistoryPolicy};
use crate::link::{LinkId, LinkSpec, LinkStatus};
use crate::plan::mission::{MissionItem, MissionKind};
use crate::protocol::{CommandOutcome, PilotAction, TransferPolicy};
use crate::station::{Station, StationConfig};

use super::demo;
use super::settings::Settings;

/// How often the core publishes a new [`ConsoleView`] (and asks the window to repaint).
pub const PUBLISH_INTERVAL: Duration = Duration::from_millis(100);
/// How often the core looks for new intents.
const INTENT_POLL: Duration = Duration::from_millis(20);
/// A mission download that failed is not tried again for this long.
const MISSION_RETRY: Duration = Duration::from_secs(15);

/// How to start the console's core.
#[derive(Debug, Clone, Default)]
pub struct ConsoleConfig {
    /// Links to open at start.
    pub links: Vec<LinkSpec>,
    /// Fly this many simulated aircraft in-process (the demo), over a loopback UDP link.
    pub demo: Option<usize>,
    /// Where the alert log and telemetry logs go; nothing is written when `None`.
    pub data_dir: Option<PathBuf>,
    /// Record every frame to `DATA_DIR/tlogs/console-<time>.tlog`.
    pub record_tlog: bool,
    /// Battery thresholds of the alerts.
    pub alert_thresholds: AlertThresholds,
    /// Who is operating, as written in the audit trail (`DATA_DIR/audit.db`) of every command.
    pub operator: String,
    // --- video ---
    /// Play the aircraft's video when the window's views ask for it (and give the demo's
    /// simulated aircraft cameras). Off by default so headless uses start no pipelines.
    pub video: bool,
    // --- end video ---
    // --- sightings ---
    /// Where sightings go (broker, console id, CoT) and the payload camera.
    pub dispatch: super::dispatch_settings::DispatchSettings,
    /// Callsigns by system id, for fleet reports and sightings.
    pub callsigns: BTreeMap<u8, String>,
    // --- end sightings ---
    // --- signing ---
    /// Connection strings of links the user trusts (signing keys may be sent over them); links
    /// with these names are marked trusted when they open.
    pub trusted_links: Vec<String>,
}

/// Why the console's core could not start.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The operating system refused a thread.
    #[error("cannot start the console's core thread: {0}")]
    Thread(std::io::Error),
    /// The station (its tokio runtime) could not start.
    #[error("cannot start the ground station: {0}")]
    Station(std::io::Error),
    /// The in-process demo simulator could not start.
    #[error("cannot start the demo simulator: {0}")]
    Demo(String),
}

/// What the window asks the core to do.
#[derive(Debug, Clone)]
pub enum Intent {
    /// Open a link from a connection string (answered by `LinkAdded` or `LinkFailed`).
    AddLink(String),
    /// Close a link.
    RemoveLink(LinkId),
    /// Send a pilot action to each of `targets` (answered by one `CommandDone` per aircraft).
    Command {
        /// From [`ConsoleHandle::next_command_id`], to match the answers.
        id: u64,
        /// System ids.
        targets: Vec<u8>,
        /// What to do.
        action: PilotAction,
    },
    /// Acknowledge one alert.
    Acknowledge(u64),
    /// Acknowledge every alert.
    AcknowledgeAll,
    /// Change the battery thresholds.
    SetThresholds(AlertThresholds),
    /// Write settings to a file (answered by `SettingsSaved`).
    SaveSettings(Box<Settings>, PathBuf),
    /// Stop the core.
    Shutdown,
    // --- video ---
    /// Video streams, snapshots and recordings.
    Video(super::video::VideoIntent),
    // --- end video ---
    // --- sightings ---
    /// Mark, edit or correct a sighting, or reconfigure dispatch.
    Sighting(super::sightings::SightingIntent),
    // --- end sightings ---
    // --- planning ---
    /// Key areas, patrol routes, sorties and the shift schedule (answered by `Planning`).
    Planning(super::planning::PlanningIntent),
    // --- signing ---
    /// Trust a link, or set up or revoke signing with an aircraft (answered by `Signing`).
    Signing(super::signing::SigningIntent),
}

/// The outcome of a pilot action on one aircraft.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandReport {
    /// The intent's id.
    pub id: u64,
    /// The aircraft.
    pub sysid: u8,
    /// What was asked.
    pub action: PilotAction,
    /// How the last step sent ended, or why nothing could be sent.
    pub outcome: Result<CommandOutcome, String>,
    /// The step that did not succeed, when the action took several.
    pub failed_step: Option<String>,
}

impl CommandReport {
    /// Whether every step was accepted.
    pub fn accepted(&self) -> bool {
        matches!(self.outcome, Ok(CommandOutcome::Accepted))
    }
}

/// What the core tells the window.
#[derive(Debug, Clone)]
pub enum Event {
    /// A link was opened.
    LinkAdded {
        /// Its id.
        id: LinkId,
        /// Its connection string.
        name: String,
    },
    /// A link could not be opened.
    LinkFailed {
        /// What was typed.
        input: String,
        /// Why (actionable).
        error: String,
    },
    /// A link was closed.
    LinkRemoved(LinkId),
    /// A pilot action finished on one aircraft.
    CommandDone(CommandReport),
    /// An alert was raised, cleared or acknowledged.
    Alert(AlertEvent),
    /// Settings were written (or why not).
    SettingsSaved(Result<PathBuf, String>),
    // --- video ---
    /// A video stream changed state, a snapshot was saved, a recording started or finished.
    Video(super::video::VideoNotice),
    // --- end video ---
    // --- sightings ---
    /// A sighting was saved or edited (or why not).
    Sighting(super::sightings::SightingEvent),
    // --- end sightings ---
    // --- planning ---
    /// A planning request finished (or why not).
    Planning(super::planning::PlanningOutcome),
    // --- signing ---
    /// Signing with an aircraft was set up or revoked (or why not).
    Signing(super::signing::SigningOutcome),
}

/// Everything the window draws from, as of one instant. Cheap to clone (shared pointers).
#[derive(Debug, Clone)]
pub struct ConsoleView {
    /// The fleet.
    pub fleet: FleetSnapshot,
    /// Every link and its state.
    pub links: Vec<LinkStatus>,
    /// Every alert of the session, oldest first.
    pub alerts: Arc<Vec<Alert>>,
    /// Mission items each aircraft holds (item 0 is home), as last downloaded or uploaded.
    pub missions: Arc<BTreeMap<u8, Arc<Vec<MissionItem>>>>,
    /// Number of simulated aircraft when running the demo.
    pub demo: Option<usize>,
    /// Where the alert log is written, if anywhere.
    pub alert_log: Option<PathBuf>,
    /// Where telemetry is recorded, if anywhere.
    pub tlog: Option<PathBuf>,
    /// Increases with every publication.
    pub seq: u64,
    // --- video ---
    /// The video streams playing, by system id.
    pub videos: Arc<BTreeMap<u8, super::video::VideoFeed>>,
    /// The core plays video (the window shows its video views and asks for streams).
    pub video_enabled: bool,
    // --- end video ---
    // --- sightings ---
    /// Every sighting in the queue, oldest first, with its delivery state.
    pub sightings: Arc<Vec<crate::sightings::SightingRecord>>,
    /// The connection to dispatch and the backlog.
    pub dispatch: super::sightings::DispatchState,
    // --- end sightings ---
    // --- planning ---
    /// Key areas, the route being planned, crews, sorties, the shift schedule.
    pub planning: Arc<super::planning::PlanningView>,
    /// MAVLink 2 signing per aircraft: whether it works and how many frames were refused.
    pub signing: Arc<Vec<crate::security::SigningRow>>,
}

impl ConsoleView {
    /// A view of nothing (before the core has published).
    pub fn empty() -> Self {
        Self {
            fleet: FleetSnapshot::empty(),
            links: Vec::new(),
            alerts: Arc::new(Vec::new()),
            missions: Arc::new(BTreeMap::new()),
            demo: None,
            alert_log: None,
            tlog: None,
            seq: 0,
            videos: Arc::new(BTreeMap::new()),
            video_enabled: false,
            // --- sightings ---
            sightings: Arc::new(Vec::new()),
            dispatch: Default::default(),
            // --- end sightings ---
            planning: Arc::default(),
            signing: Arc::default(),
        }
    }
}

type Repaint = Arc<dyn Fn() + Send + Sync>;

struct Shared {
    view: Mutex<Arc<ConsoleView>>,
    history: Mutex<FleetHistory>,
    repaint: Mutex<Option<Repaint>>,
    next_command: AtomicU64,
}

impl Shared {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            view: Mutex::new(Arc::new(ConsoleView::empty())),
            history: Mutex::new(FleetHistory::new(Instant::now(), HistoryPolicy::default())),
            repaint: Mutex::new(None),
            next_command: AtomicU64::new(1),
        })
    }

    fn repaint(&self) {
        let hook = lock(&self.repaint).clone();
        if let Some(f) = hook {
            f();
        }
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The window's end of the console core. Dropping it stops the core (and the demo simulator).
pub struct ConsoleHandle {
    intents: Sender<Intent>,
    events: Receiver<Event>,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Handle>,
    thread: Option<std::thread::JoinHandle<()>>,
    simulator: Option<demo::DemoSimulator>,
    // Kept for handles without a core, so that intents can be inspected.
    detached_intents: Option<Receiver<Intent>>,
    events_tx: Option<Sender<Event>>,
}

impl ConsoleHandle {
    /// Starts the core: the station, the links of `config`, and the demo simulator if asked.
    /// Returns once the station is up; links that cannot be opened are reported as
    /// [`Event::LinkFailed`], not as an error.
    pub fn start(config: ConsoleConfig) -> Result<ConsoleHandle, ConsoleError> {
        let shared = Shared::new();
        let (intent_tx, intent_rx) = crossbeam_channel::unbounded();
        let (event_tx, event_rx) = crossbeam_channel::unbounded();
        let demo_addr = match config.demo {
            Some(_) => {
                Some(demo::free_loopback_addr().map_err(|e| ConsoleError::Demo(e.to_string()))?)
            }
            None => None,
        };
        let demo_count = config.demo;
        let demo_video = config.video;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("kestrel-core".into())
            .spawn(move || {
                core_thread(
                    config,
                    demo_addr,
                    thread_shared,
                    intent_rx,
                    event_tx,
                    ready_tx,
                )
            })
            .map_err(ConsoleError::Thread)?;
        let runtime = match ready_rx.recv() {
            Ok(Ok(handle)) => handle,
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(e);
            }
            Err(_) => {
                let _ = thread.join();
                return Err(ConsoleError::Thread(std::io::Error::other(
                    "the core thread stopped while starting",
                )));
            }
        };
        let simulator = match (demo_addr, demo_count) {
            (Some(addr), Some(n)) => {
                Some(demo::start_simulator(addr, n, demo_video).map_err(ConsoleError::Demo)?)
            }
            _ => None,
        };
        Ok(ConsoleHandle {
            intents: intent_tx,
            events: event_rx,
            shared,
            runtime: Some(runtime),
            thread: Some(thread),
            simulator,
            detached_intents: None,
            events_tx: None,
        })
    }

    /// A handle with no core behind it: the view is whatever [`ConsoleHandle::set_view`] puts
    /// there, and intents are kept for [`ConsoleHandle::take_intents`]. For previews, benchmarks
    /// and tests of the window without aircraft.
    pub fn detached() -> ConsoleHandle {
        let (intent_tx, intent_rx) = crossbeam_channel::unbounded();
        let (event_tx, event_rx) = crossbeam_channel::unbounded();
        ConsoleHandle {
            intents: intent_tx,
            events: event_rx,
            shared: Shared::new(),
            runtime: None,
            thread: None,
            simulator: None,
            detached_intents: Some(intent_rx),
            events_tx: Some(event_tx),
        }
    }

    /// Publishes a view (detached handles only; a running core publishes its own).
    pub fn set_view(&self, view: ConsoleView) {
        if self.thread.is_none() {
            lock(&self.shared.history).record(&view.fleet);
            *lock(&self.shared.view) = Arc::new(view);
        }
    }

    /// Delivers an event as if the core had sent it (detached handles only).
    pub fn inject_event(&self, event: Event) {
        if let Some(tx) = &self.events_tx {
            let _ = tx.send(event);
        }
    }

    /// The intents sent so far (detached handles only).
    pub fn take_intents(&self) -> Vec<Intent> {
        self.detached_intents
            .as_ref()
            .map(|rx| rx.try_iter().collect())
            .unwrap_or_default()
    }

    /// Asks the core to do something. Never blocks.
    pub fn send(&self, intent: Intent) {
        let _ = self.intents.send(intent);
    }

    /// A fresh id for [`Intent::Command`].
    pub fn next_command_id(&self) -> u64 {
        self.shared.next_command.fetch_add(1, Ordering::Relaxed)
    }

    /// Events since the last call. Never blocks.
    pub fn events(&self) -> crossbeam_channel::TryIter<'_, Event> {
        self.events.try_iter()
    }

    /// The latest published view. Never blocks for longer than a pointer copy.
    pub fn view(&self) -> Arc<ConsoleView> {
        lock(&self.shared.view).clone()
    }

    /// Reads the fleet's recent history (trails, plots). The lock is shared with the core's
    /// recording, which holds it only to append a sample; keep `f` short.
    pub fn with_history<R>(&self, f: impl FnOnce(&FleetHistory) -> R) -> R {
        f(&lock(&self.shared.history))
    }

    /// Called by the core after each publication (the window asks its toolkit to repaint).
    pub fn set_repaint_hook(&self, hook: Arc<dyn Fn() + Send + Sync>) {
        *lock(&self.shared.repaint) = Some(hook);
    }

    /// The core's tokio runtime, for other background services of the window (map tiles).
    pub fn runtime(&self) -> Option<&tokio::runtime::Handle> {
        self.runtime.as_ref()
    }

    /// The in-process simulator of the demo.
    pub fn simulator(&self) -> Option<&demo::DemoSimulator> {
        self.simulator.as_ref()
    }
}

impl Drop for ConsoleHandle {
    fn drop(&mut self) {
        let _ = self.intents.send(Intent::Shutdown);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        // The simulator stops when dropped, after the station.
        self.simulator.take();
    }
}

type Ready = std::sync::mpsc::Sender<Result<tokio::runtime::Handle, ConsoleError>>;

fn core_thread(
    config: ConsoleConfig,
    demo_addr: Option<std::net::SocketAddr>,
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
        let tlog = match (&config.data_dir, config.record_tlog) {
            (Some(dir), true) => Some(dir.join("tlogs").join(format!(
                "console-{}.tlog",
                crate::util::LocalTime::of(SystemTime::now()).compact()
            ))),
            _ => None,
        };
        if let Some(dir) = tlog.as_ref().and_then(|p| p.parent()) {
            if let Err(e) = crate::paths::ensure_dir(dir) {
                let _ = ready.send(Err(ConsoleError::Station(e)));
                return;
            }
        }
        let station = match Station::start(StationConfig {
            tlog,
            audit: config.data_dir.as_ref().map(|d| d.join("audit.db")),
            // The keys `kestrel signing setup` stored: frames to those aircraft are signed.
            keys_dir: config.data_dir.as_ref().map(|d| d.join("keys")),
            operator: if config.operator.is_empty() {
                "operator".into()
            } else {
                config.operator.clone()
            },
            ..Default::default()
        }) {
            Ok(s) => s,
            Err(e) => {
                let _ = ready.send(Err(ConsoleError::Station(e)));
                return;
            }
        };
        if let Some(addr) = demo_addr {
            if let Err(e) = station.add_link(LinkSpec::UdpIn(addr)).await {
                let _ = ready.send(Err(ConsoleError::Demo(format!(
                    "cannot listen for the simulator on {addr}: {e}"
                ))));
                return;
            }
        }
        for spec in config.links.clone() {
            let name = spec.to_string();
            match station.add_link(spec).await {
                Ok(id) => {
                    let _ = events.send(Event::LinkAdded { id, name });
                }
                Err(e) => {
                    let _ = events.send(Event::LinkFailed {
                        input: name,
                        error: e.to_string(),
                    });
                }
            }
        }
        let alert_log = config.data_dir.as_ref().and_then(|dir| {
            let path = dir.join(crate::alerts::log::FILE_NAME);
            match AlertLog::open(&path) {
                Ok(log) => Some(log),
                Err(e) => {
                    eprintln!("kestrel: {e}; alerts are shown but not logged to disk");
                    None
                }
            }
        });
        {
            let mut view = (**lock(&shared.view)).clone();
            view.demo = config.demo;
            view.video_enabled = config.video;
            view.alert_log = alert_log.as_ref().map(|l| l.path().to_path_buf());
            view.tlog = station.tlog_path();
            *lock(&shared.view) = Arc::new(view);
        }
        // --- sightings ---
        let sightings = super::sightings::SightingsCore::start(
            station.clone(),
            config.data_dir.clone(),
            config.dispatch.clone(),
            config.callsigns.clone(),
            events.clone(),
        )
        .await;
        // --- end sightings ---
        let missions = Arc::new(Mutex::new(MissionBook::default()));
        // --- planning ---
        let planning = {
            let events = events.clone();
            let shared = shared.clone();
            super::planning::PlanningCore::start(
                config.data_dir.clone(),
                config.demo.is_some(),
                station.clone(),
                tokio::runtime::Handle::current(),
                missions.clone(),
                move |outcome, state| {
                    // The answer and the state it produced reach the window in the same frame
                    // (the next full view may be 100 ms away): a list the planner just changed
                    // must not move under the pointer after its answer is shown.
                    {
                        let mut view = lock(&shared.view);
                        let mut next = ConsoleView::clone(&view);
                        next.planning = state;
                        *view = Arc::new(next);
                    }
                    let _ = events.send(Event::Planning(outcome));
                    shared.repaint();
                },
            )
        };
        // --- signing ---
        let signing = {
            let events = events.clone();
            let shared = shared.clone();
            super::signing::SigningCore::new(
                station.clone(),
                config.trusted_links.clone(),
                move |outcome| {
                    let _ = events.send(Event::Signing(outcome));
                    shared.repaint();
                },
            )
        };
        let core = Core {
            signing,
            planning,
            station,
            shared,
            events,
            engine: Arc::new(Mutex::new(AlertEngine::new(config.alert_thresholds))),
            alert_log,
            missions,
            alerts_rev: u64::MAX,
            alerts: Arc::new(Vec::new()),
            seq: 0,
            video: super::video::VideoCore::new(config.video, config.data_dir.clone()),
            sightings,
        };
        // --- evidence ---
        core.video.start_recovery(&core.events);
        if let Some(n) = config.demo {
            tokio::spawn(demo::fly_patrols(
                core.station.clone(),
                n,
                core.engine.clone(),
                core.missions.clone(),
            ));
        }
        let _ = ready.send(Ok(handle));
        core.run(intents).await;
    });
    runtime.shutdown_timeout(Duration::from_secs(2));
}

/// Missions known per aircraft and the downloads under way.
#[derive(Default)]
pub(crate) struct MissionBook {
    items: BTreeMap<u8, Arc<Vec<MissionItem>>>,
    fetching: HashSet<u8>,
    tried: HashMap<u8, (Instant, Option<u16>)>,
    published: Option<Arc<BTreeMap<u8, Arc<Vec<MissionItem>>>>>,
}

impl MissionBook {
    /// Records the items an aircraft holds (after an upload or download).
    pub(crate) fn set(&mut self, sysid: u8, items: Vec<MissionItem>) {
        self.items.insert(sysid, Arc::new(items));
        self.published = None;
    }

    // --- planning ---
    /// Claims `sysid`'s mission transfer for an upload: `false` while a download runs. Release
    /// it with [`MissionBook::release`].
    pub(crate) fn claim(&mut self, sysid: u8) -> bool {
        self.fetching.insert(sysid)
    }

    /// Lets downloads of `sysid`'s mission start again.
    pub(crate) fn release(&mut self, sysid: u8) {
        self.fetching.remove(&sysid);
    }

    fn snapshot(&mut self) -> Arc<BTreeMap<u8, Arc<Vec<MissionItem>>>> {
        self.published
            .get_or_insert_with(|| Arc::new(self.items.clone()))
            .clone()
    }
}

struct Core {
    signing: super::signing::SigningCore, // --- signing ---
    // --- planning ---
    planning: super::planning::PlanningCore,
    station: Station,
    shared: Arc<Shared>,
    events: Sender<Event>,
    engine: Arc<Mutex<AlertEngine>>,
    alert_log: Option<AlertLog>,
    missions: Arc<Mutex<MissionBook>>,
    alerts_rev: u64,
    alerts: Arc<Vec<Alert>>,
    seq: u64,
    video: super::video::VideoCore,
    // --- sightings ---
    sightings: super::sightings::SightingsCore,
}

impl Core {
    async fn run(mut self, intents: Receiver<Intent>) {
        let mut poll = tokio::time::interval(INTENT_POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_publish: Option<Instant> = None;
        loop {
            poll.tick().await;
            loop {
                match intents.try_recv() {
                    Ok(Intent::Shutdown) | Err(TryRecvError::Disconnected) => {
                        self.video.shutdown().await;
                        self.sightings.shutdown().await;
                        self.station.flush_tlog();
                        return;
                    }
                    Ok(intent) => self.handle(intent).await,
                    Err(TryRecvError::Empty) => break,
                }
            }
            self.video.forward_events(&self.events);
            if last_publish.is_none_or(|t| t.elapsed() >= PUBLISH_INTERVAL) {
                last_publish = Some(Instant::now());
                self.publish();
            }
        }
    }

    fn emit_alerts(&mut self, events: Vec<AlertEvent>) {
        for e in events {
            if let Some(log) = &mut self.alert_log {
                if let Err(err) = log.append(&e) {
                    eprintln!("kestrel: cannot write the alert log: {err}");
                }
            }
            let _ = self.events.send(Event::Alert(e));
        }
    }

    async fn handle(&mut self, intent: Intent) {
        match intent {
            Intent::AddLink(input) => {
                let event = match input.parse::<LinkSpec>() {
                    Err(e) => Event::LinkFailed {
                        input,
                        error: e.to_string(),
                    },
                    Ok(spec) => {
                        let name = spec.to_string();
                        match self.station.add_link(spec).await {
                            Ok(id) => Event::LinkAdded { id, name },
                            Err(e) => Event::LinkFailed {
                                input,
                                error: e.to_string(),
                            },
                        }
                    }
                };
                let _ = self.events.send(event);
                self.publish();
            }
            Intent::RemoveLink(id) => {
                if self.station.remove_link(id) {
                    let _ = self.events.send(Event::LinkRemoved(id));
                }
                self.publish();
            }
            Intent::Command {
                id,
                targets,
                action,
            } => {
                for sysid in targets {
                    tokio::spawn(run_command(
                        self.station.clone(),
                        self.engine.clone(),
                        self.events.clone(),
                        self.shared.clone(),
                        id,
                        sysid,
                        action.clone(),
                    ));
                }
            }
            Intent::Acknowledge(alert) => {
                let ev = lock(&self.engine).acknowledge(alert, SystemTime::now());
                self.emit_alerts(ev.into_iter().collect());
                self.publish();
            }
            Intent::AcknowledgeAll => {
                let ev = lock(&self.engine).acknowledge_all(SystemTime::now());
                self.emit_alerts(ev);
                self.publish();
            }
            Intent::SetThresholds(t) => lock(&self.engine).set_thresholds(t),
            Intent::SaveSettings(settings, path) => {
                let result = tokio::task::spawn_blocking(move || {
                    settings
                        .save(&path)
                        .map(|_| path)
                        .map_err(|e| e.to_string())
                })
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
                let _ = self.events.send(Event::SettingsSaved(result));
            }
            Intent::Shutdown => {}
            // --- video ---
            Intent::Video(v) => {
                let snap = self.station.snapshot();
                self.video.handle(v, &snap, &self.events);
                self.publish();
            } // --- end video ---
            // --- sightings ---
            Intent::Sighting(i) => {
                self.sightings.handle(i).await;
                self.publish();
            }
            // --- planning ---
            Intent::Planning(p) => self.planning.send(p),
            // --- signing ---
            Intent::Signing(i) => {
                self.signing.handle(i);
                self.publish();
            }
        }
    }

    fn publish(&mut self) {
        let snap = self.station.snapshot();
        let alert_events = lock(&self.engine).update(&snap, SystemTime::now());
        self.emit_alerts(alert_events);
        // --- signing ---
        self.signing.observe_links();
        let signing_rows = self.station.signing_status();
        let settling = self.signing.settling();
        let refusal_events = lock(&self.engine).update_signing(
            &signing_rows,
            &settling,
            Instant::now(),
            SystemTime::now(),
        );
        self.emit_alerts(refusal_events);
        // --- end signing ---
        {
            let engine = lock(&self.engine);
            if engine.revision() != self.alerts_rev {
                self.alerts_rev = engine.revision();
                self.alerts = Arc::new(engine.alerts().to_vec());
            }
        }
        lock(&self.shared.history).record(&snap);
        self.fetch_missions(&snap);
        self.video.reconcile(&snap, &self.events);
        // --- planning ---
        self.planning.observe(&snap);
        let planning = self.planning.view();
        let missions = lock(&self.missions).snapshot();
        self.seq += 1;
        let previous = lock(&self.shared.view).clone();
        let (sightings, dispatch) = self.sightings.state(); // --- sightings ---
        let view = ConsoleView {
            fleet: snap,
            links: self.station.links(),
            alerts: self.alerts.clone(),
            missions,
            demo: previous.demo,
            alert_log: previous.alert_log.clone(),
            tlog: previous.tlog.clone(),
            seq: self.seq,
            videos: self.video.feeds(),
            video_enabled: previous.video_enabled,
            sightings,
            dispatch,
            planning, // --- planning ---
            signing: share_rows(&previous, signing_rows),
        };
        *lock(&self.shared.view) = Arc::new(view);
        self.shared.repaint();
    }

    /// Downloads the mission of aircraft whose mission is unknown or changed size.
    fn fetch_missions(&mut self, snap: &FleetSnapshot) {
        let mut book = lock(&self.missions);
        let now = Instant::now();
        for a in &snap.aircraft {
            if book.fetching.contains(&a.sysid) || a.position.is_none() {
                continue;
            }
            let have = book.items.get(&a.sysid).map(|v| v.len());
            let want = a.mission_total;
            let matches = match (have, want) {
                (Some(h), Some(w)) => h == usize::from(w) || h == usize::from(w) + 1,
                (Some(_), None) => true,
                (None, _) => false,
            };
            if matches {
                continue;
            }
            if let Some((at, total)) = book.tried.get(&a.sysid) {
                if *total == want && now.duration_since(*at) < MISSION_RETRY {
                    continue;
                }
            }
            book.tried.insert(a.sysid, (now, want));
            book.fetching.insert(a.sysid);
            let station = self.station.clone();
            let missions = self.missions.clone();
            let sysid = a.sysid;
            tokio::spawn(async move {
                let got = station
                    .download_items(sysid, MissionKind::Mission, TransferPolicy::default())
                    .await;
                let mut book = lock(&missions);
                book.fetching.remove(&sysid);
                if let Ok((items, _)) = got {
                    book.set(sysid, items);
                }
            });
        }
    }
}

/// The signing status, shared with the previous view when nothing changed.
fn share_rows(
    previous: &ConsoleView,
    rows: Vec<crate::security::SigningRow>,
) -> Arc<Vec<crate::security::SigningRow>> {
    if *previous.signing == rows {
        previous.signing.clone()
    } else {
        Arc::new(rows)
    }
}

async fn run_command(
    station: Station,
    engine: Arc<Mutex<AlertEngine>>,
    events: Sender<Event>,
    shared: Arc<Shared>,
    id: u64,
    sysid: u8,
    action: PilotAction,
) {
    let snap = station.snapshot();
    let report = |outcome, failed_step| CommandReport {
        id,
        sysid,
        action: action.clone(),
        outcome,
        failed_step,
    };
    let result = match action.steps(snap.get(sysid)) {
        Err(e) => report(Err(e), None),
        Ok(steps) => {
            if let Some(mode) = action.expected_mode() {
                lock(&engine).expect_mode(sysid, mode, Instant::now());
            }
            let many = steps.len() > 1;
            let mut last = report(Ok(CommandOutcome::Accepted), None);
            for step in steps {
                match station.command(sysid, &step).await {
                    Ok(outcome) if outcome.is_accepted() => {}
                    Ok(outcome) => {
                        last = report(Ok(outcome), many.then(|| step.describe()));
                        break;
                    }
                    Err(e) => {
                        last = report(Err(e.to_string()), many.then(|| step.describe()));
                        break;
                    }
                }
            }
            last
        }
    };
    let _ = events.send(Event::CommandDone(result));
    shared.repaint();
}
