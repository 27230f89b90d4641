//! The console's sync worker: sends the sightings queue to dispatch over MQTT and publishes the
//! fleet once a second.
//!
//! It takes queued sightings in queue order, publishes each at QoS 1 (a window of them in flight),
//! marks a sighting *delivered* when the broker's PUBACK comes back and *acknowledged* when
//! dispatch's ack does. A delivered sighting that is not acknowledged in time is sent again
//! (dispatch de-duplicates by UUID). Every state change is in the SQLite queue, so a worker that
//! is killed at any moment resumes where the disk says — at worst sending a sighting twice,
//! never losing one. Reconnects back off exponentially with jitter. Only one worker may drain a
//! queue at a time (a lock next to the database enforces it).

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, Outgoing, Packet, QoS};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use uuid::Uuid;

use super::fleet::FleetSource;
use crate::db::{DbError, FileLock};
use crate::dispatch::backoff::Backoff;
use crate::dispatch::broker::{describe, spawn_poller, wait_connack, BrokerConfig};
use crate::dispatch::envelope::{AckMessage, DispatcherAck, FleetMessage, SightingMessage};
use crate::dispatch::live_video::LiveVideoRequest;
use crate::dispatch::tasks::{TaskMessage, TaskOrder, TaskUpdateMessage};
use crate::dispatch::topics::{self, Topic};
use crate::sightings::store::{DeliveryState, QueueCounts, SightingStore, StoreError};
use crate::sightings::timestamp::Timestamp;
use crate::tasking::TaskInbox;

/// How the worker behaves.
#[derive(Clone)]
pub struct SyncConfig {
    /// The broker.
    pub broker: BrokerConfig,
    /// Shortest wait before reconnecting.
    pub backoff_min: Duration,
    /// Longest wait before reconnecting.
    pub backoff_max: Duration,
    /// Send a delivered sighting again if dispatch has not acknowledged it after this long
    /// (doubling for each further try, up to 32 times this).
    pub ack_timeout: Duration,
    /// Most sightings published and not yet confirmed by the broker.
    pub window: u16,
    /// How often the fleet is published (when a fleet source is given).
    pub fleet_interval: Duration,
    /// Stop once every sighting is acknowledged (`kestrel sync --until-empty`).
    pub until_empty: bool,
    /// The console's tasks: received from dispatch, answered steps sent back. `None`: this
    /// worker carries no tasks.
    pub tasks: Option<TaskInbox>,
    /// Where dispatch's requests for live video go (the console's video service); `None`:
    /// this worker does not listen for them.
    pub live_video: Option<crossbeam_channel::Sender<LiveVideoRequest>>,
}

impl SyncConfig {
    /// Defaults for a console: 0.5 s to 30 s backoff, 10 s ack timeout, 256 in flight, 1 Hz fleet.
    pub fn new(broker: BrokerConfig) -> Self {
        Self {
            broker,
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            ack_timeout: Duration::from_secs(10),
            window: 256,
            fleet_interval: Duration::from_secs(1),
            until_empty: false,
            tasks: None,
            live_video: None,
        }
    }
}

/// What the worker is doing, for the console's status bar and `kestrel sync`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SyncStatus {
    /// This console's id (names its topics).
    pub console_id: String,
    /// Connected to the broker.
    pub connected: bool,
    /// Why the last connection failed or ended.
    pub last_error: Option<String>,
    /// When the next connection attempt is due, while disconnected.
    pub retry_at: Option<Timestamp>,
    /// Sightings per delivery state, as of the last refresh.
    pub counts: QueueCounts,
    /// Sightings published and not yet confirmed by the broker.
    pub in_flight: usize,
    /// Sightings published since the worker started (resends included).
    pub published: u64,
    /// Of which resends after a missing acknowledgement.
    pub resent: u64,
    /// Sightings acknowledged by dispatch since the worker started.
    pub acknowledged: u64,
    /// Fleet reports published.
    pub fleet_reports: u64,
    /// Incoming messages refused as malformed or unexpected.
    pub rejected: u64,
    /// Why the last one was refused.
    pub last_rejection: Option<String>,
}

/// Why the worker could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The sightings queue failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Two workers on one queue would send everything twice.
    #[error("another sync worker (the console or `kestrel sync`) is already sending the sightings in {0}; stop it first")]
    AlreadyRunning(PathBuf),
    /// The lock file that keeps a second worker out could not be taken.
    #[error(transparent)]
    Lock(DbError),
    /// The worker task ended unexpectedly.
    #[error("the sync worker failed: {0}")]
    Crashed(String),
}

/// Handle to a running worker.
pub struct SyncHandle {
    status: watch::Receiver<SyncStatus>,
    stop: watch::Sender<bool>,
    task: JoinHandle<Result<(), SyncError>>,
}

impl SyncHandle {
    /// Live status (the console shows it; `changed()` wakes on every update).
    pub fn status(&self) -> watch::Receiver<SyncStatus> {
        self.status.clone()
    }

    /// Asks the worker to disconnect and stop, and waits for it.
    pub async fn stop(self) -> Result<(), SyncError> {
        let _ = self.stop.send(true);
        self.wait().await
    }

    /// Waits until the worker ends (with `until_empty`, when every sighting is acknowledged).
    pub async fn wait(self) -> Result<(), SyncError> {
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(SyncError::Crashed(e.to_string())),
        }
    }

    /// Whether the worker has ended.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

/// Takes the lock that keeps two workers off one queue: a small lock file next to the database
/// (see [`FileLock`]), released by the OS if the process dies.
fn take_sync_lock(db: &Path) -> Result<FileLock, SyncError> {
    let mut name = db.as_os_str().to_owned();
    name.push(".sync-lock");
    FileLock::try_take(Path::new(&name), "sync lock")
        .map_err(SyncError::Lock)?
        .ok_or_else(|| SyncError::AlreadyRunning(db.to_path_buf()))
}

/// Starts the worker on `store` (inside a tokio runtime). `fleet`, when given, is published
/// every `fleet_interval` while connected. Fails at once if another worker holds the queue.
pub fn start(
    store: SightingStore,
    config: SyncConfig,
    fleet: Option<FleetSource>,
) -> Result<SyncHandle, SyncError> {
    let lock = take_sync_lock(store.path())?;
    let console_id = store.console_id();
    let (status_tx, status) = watch::channel(SyncStatus {
        console_id: console_id.clone(),
        counts: store.counts()?,
        ..Default::default()
    });
    let (stop, stop_rx) = watch::channel(false);
    let worker = Worker {
        store,
        config,
        fleet,
        console: console_id,
        status: status_tx,
        stop: stop_rx,
        awaiting_ack: HashMap::new(),
    };
    let task = tokio::spawn(async move {
        let _lock = lock;
        worker.run().await
    });
    Ok(SyncHandle { status, stop, task })
}

/// Most snapshot bytes published and not yet confirmed by the broker (beyond one snapshot).
const MAX_BYTES_IN_FLIGHT: usize = 32 * 1024 * 1024;

/// How often the worker looks for task steps to send.
const STEPS_EVERY: Duration = Duration::from_millis(300);

/// How long a task step waits for dispatch's acknowledgement before it is sent again.
const STEP_RESEND: Duration = Duration::from_secs(5);

/// What a publish was, to match the broker's PUBACK (by packet id) to a sighting.
#[derive(Debug, Clone)]
enum Tag {
    Sighting {
        id: Uuid,
        revision: u32,
        bytes: usize,
    },
    Fleet,
    /// Task steps (done when dispatch acknowledges them, not at the PUBACK).
    TaskSteps,
}

/// A delivered sighting waiting for dispatch: when it was last sent and how often it was resent.
#[derive(Debug, Clone, Copy)]
struct Awaiting {
    sent: Instant,
    resends: u32,
}

enum End {
    Stopped,
    Empty,
}

/// Why a session ended, other than by request.
enum SessionError {
    Connection(String),
    Store(StoreError),
}

impl From<StoreError> for SessionError {
    fn from(e: StoreError) -> Self {
        SessionError::Store(e)
    }
}

struct Worker {
    store: SightingStore,
    config: SyncConfig,
    fleet: Option<FleetSource>,
    console: String,
    status: watch::Sender<SyncStatus>,
    stop: watch::Receiver<bool>,
    awaiting_ack: HashMap<Uuid, Awaiting>,
}

/// Per-connection bookkeeping.
#[derive(Default)]
struct Session {
    /// Highest queue position published in this session.
    cursor: i64,
    /// Whether queued sightings may be waiting beyond the cursor.
    more: bool,
    /// Publishes handed to the client, not yet given a packet id.
    order: VecDeque<Tag>,
    /// A publish parked by the client on a packet-id collision.
    collided: Option<(u16, Tag)>,
    /// Publishes on the wire, by packet id.
    inflight: HashMap<u16, Tag>,
    /// PUBACKed sightings not yet recorded.
    delivered: Vec<(Uuid, u32)>,
    /// Acknowledged sightings not yet recorded.
    acked: Vec<(Uuid, u32)>,
    /// Dispatchers' acknowledgements not yet recorded.
    dispatcher_acked: Vec<DispatcherAck>,
    /// Tasks from dispatch not yet stored.
    task_orders: Vec<TaskOrder>,
    /// When each task step was last sent in this session (sent again every [`STEP_RESEND`]
    /// until dispatch acknowledges it).
    steps_sent_at: HashMap<i64, Instant>,
    /// Task steps dispatch acknowledged, not yet recorded.
    steps_acked: Vec<i64>,
    /// Snapshot bytes published and not yet confirmed.
    bytes_in_flight: usize,
}

impl Session {
    fn outstanding(&self) -> usize {
        self.order.len() + self.inflight.len() + usize::from(self.collided.is_some())
    }
}

impl Worker {
    async fn run(mut self) -> Result<(), SyncError> {
        let mut backoff = Backoff::new(self.config.backoff_min, self.config.backoff_max);
        loop {
            if *self.stop.borrow() {
                return Ok(());
            }
            if self.config.until_empty && self.refresh_counts()?.unacknowledged() == 0 {
                return Ok(());
            }
            match self.session(&mut backoff).await {
                Ok(End::Stopped | End::Empty) => return Ok(()),
                Err(SessionError::Connection(why)) => {
                    log::warn!("sync: {why}");
                    self.status.send_modify(|s| {
                        s.connected = false;
                        s.in_flight = 0;
                        s.last_error = Some(why);
                    });
                }
                Err(SessionError::Store(e)) => {
                    log::error!("sync: {e}");
                    self.status.send_modify(|s| {
                        s.connected = false;
                        s.in_flight = 0;
                        s.last_error = Some(e.to_string());
                    });
                }
            }
            let delay = backoff.next_delay();
            self.status
                .send_modify(|s| s.retry_at = Some(Timestamp::now().plus(delay)));
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.stop.changed() => return Ok(()),
            }
        }
    }

    fn refresh_counts(&self) -> Result<QueueCounts, StoreError> {
        let counts = self.store.counts()?;
        self.status.send_if_modified(|s| {
            let changed = s.counts != counts;
            s.counts = counts;
            changed
        });
        Ok(counts)
    }

    fn reject(&self, topic: &str, why: String) {
        log::warn!("sync: rejected message on {topic}: {why}");
        self.status.send_modify(|s| {
            s.rejected += 1;
            s.last_rejection = Some(format!("{topic}: {why}"));
        });
    }

    async fn session(&mut self, backoff: &mut Backoff) -> Result<End, SessionError> {
        let url = self.config.broker.url.clone();
        let window = usize::from(self.config.window.max(1));
        let mut opts = self
            .config
            .broker
            .options(&format!("kestrel-console-{}", self.console), false);
        opts.set_inflight(self.config.window.max(1));
        let (client, mut eventloop) = AsyncClient::new(opts, window + 16);
        eventloop.set_network_options(crate::dispatch::broker::network_options());
        let (mut events, _poller) = spawn_poller(eventloop);

        // Connect.
        if !wait_connack(&mut events, &url, &mut self.stop)
            .await
            .map_err(SessionError::Connection)?
        {
            return Ok(End::Stopped);
        }
        client
            .subscribe(topics::acks(&self.console), QoS::AtLeastOnce)
            .await
            .map_err(|e| SessionError::Connection(format!("cannot subscribe: {e}")))?;
        if self.config.tasks.is_some() {
            client
                .subscribe(topics::tasks(&self.console), QoS::AtLeastOnce)
                .await
                .map_err(|e| SessionError::Connection(format!("cannot subscribe: {e}")))?;
        }
        if self.config.live_video.is_some() {
            client
                .subscribe(topics::live_video(&self.console), QoS::AtMostOnce)
                .await
                .map_err(|e| SessionError::Connection(format!("cannot subscribe: {e}")))?;
        }
        backoff.reset();
        log::info!("sync: connected to {url} as console {}", self.console);
        self.status.send_modify(|s| {
            s.connected = true;
            s.last_error = None;
            s.retry_at = None;
        });

        let mut sess = Session {
            more: true,
            ..Default::default()
        };
        let mut changes = self.store.changes();
        let mut data_version = self.store.data_version()?;
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut last_fleet: Option<Instant> = None;
        let mut last_resend_scan = Instant::now();
        let resend_scan_every =
            (self.config.ack_timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
        let mut last_counts = Instant::now();
        let mut last_steps = Instant::now() - STEPS_EVERY;

        loop {
            // Fill the window with queued sightings, oldest first.
            if sess.more && sess.outstanding() < window {
                let room = window - sess.outstanding();
                let room_bytes = MAX_BYTES_IN_FLIGHT.saturating_sub(sess.bytes_in_flight);
                let (batch, more) =
                    self.store
                        .outbound(DeliveryState::Queued, sess.cursor, room, room_bytes)?;
                sess.more = more;
                for o in batch {
                    sess.cursor = o.seq;
                    self.publish(&client, &mut sess, o).await?;
                }
            }

            tokio::select! {
                ev = events.recv() => self.on_event(ev, &mut sess)?,
                changed = changes.changed() => {
                    if changed.is_ok() {
                        sess.more = true;
                    }
                }
                _ = tick.tick() => {
                    let v = self.store.data_version()?;
                    if v != data_version {
                        data_version = v;
                        sess.more = true;
                    }
                    if let Some(source) = &self.fleet {
                        if last_fleet.is_none_or(|t| t.elapsed() >= self.config.fleet_interval) {
                            last_fleet = Some(Instant::now());
                            let msg = FleetMessage::new(&self.console, source());
                            if client
                                .try_publish(topics::fleet(&self.console), QoS::AtMostOnce, false, msg.encode())
                                .is_ok()
                            {
                                sess.order.push_back(Tag::Fleet);
                                self.status.send_modify(|s| s.fleet_reports += 1);
                            }
                        }
                    }
                    if last_steps.elapsed() >= STEPS_EVERY {
                        last_steps = Instant::now();
                        self.publish_steps(&client, &mut sess).await;
                    }
                    if last_resend_scan.elapsed() >= resend_scan_every {
                        last_resend_scan = Instant::now();
                        self.resend_overdue(&client, &mut sess, window).await?;
                    }
                    if last_counts.elapsed() >= Duration::from_millis(250) {
                        last_counts = Instant::now();
                        let counts = self.refresh_counts()?;
                        let in_flight = sess.outstanding();
                        self.status.send_if_modified(|s| {
                            let changed = s.in_flight != in_flight;
                            s.in_flight = in_flight;
                            changed
                        });
                        if self.config.until_empty && counts.unacknowledged() == 0 && sess.outstanding() == 0 {
                            self.disconnect(&client, &mut events).await;
                            return Ok(End::Empty);
                        }
                    }
                }
                _ = self.stop.changed() => {
                    self.disconnect(&client, &mut events).await;
                    return Ok(End::Stopped);
                }
            }
            // Take whatever else has arrived, then record it in one transaction each.
            for _ in 0..4096 {
                match events.try_recv() {
                    Ok(ev) => self.on_event(Some(ev), &mut sess)?,
                    Err(_) => break,
                }
            }
            if !sess.delivered.is_empty() {
                let stale = self
                    .store
                    .mark_delivered(std::mem::take(&mut sess.delivered))
                    .await?;
                for seq in stale {
                    // Edited while in flight: send the new revision.
                    sess.cursor = sess.cursor.min(seq - 1);
                    sess.more = true;
                }
            }
            self.settle_tasks(&mut sess).await;
            if !sess.dispatcher_acked.is_empty() {
                let seen = std::mem::take(&mut sess.dispatcher_acked)
                    .into_iter()
                    .map(|d| (d.id, d.by, d.at))
                    .collect();
                self.store.record_dispatcher_acks(seen).await?;
            }
            if !sess.acked.is_empty() {
                let acked = std::mem::take(&mut sess.acked);
                let n = self.store.mark_acknowledged(acked).await?;
                self.status.send_modify(|s| s.acknowledged += n as u64);
                if self.config.until_empty && sess.outstanding() == 0 {
                    let counts = self.refresh_counts()?;
                    if counts.unacknowledged() == 0 {
                        self.disconnect(&client, &mut events).await;
                        return Ok(End::Empty);
                    }
                }
            }
        }
    }

    fn on_event(
        &mut self,
        ev: Option<Result<Event, rumqttc::ConnectionError>>,
        sess: &mut Session,
    ) -> Result<(), SessionError> {
        let url = &self.config.broker.url;
        let ev = match ev {
            Some(Ok(ev)) => ev,
            Some(Err(e)) => return Err(SessionError::Connection(describe(url, &e))),
            None => {
                return Err(SessionError::Connection(format!(
                    "connection to {url} ended"
                )))
            }
        };
        match ev {
            Event::Outgoing(Outgoing::Publish(pkid)) => {
                let tag = match sess.collided.take() {
                    Some((p, tag)) if p == pkid => Some(tag),
                    other => {
                        sess.collided = other;
                        sess.order.pop_front()
                    }
                };
                if let Some(tag) = tag {
                    if pkid != 0 {
                        sess.inflight.insert(pkid, tag);
                    }
                }
            }
            Event::Outgoing(Outgoing::AwaitAck(pkid)) => {
                if let Some(tag) = sess.order.pop_front() {
                    sess.collided = Some((pkid, tag));
                }
            }
            Event::Incoming(Packet::PubAck(ack)) => match sess.inflight.remove(&ack.pkid) {
                Some(Tag::Sighting {
                    id,
                    revision,
                    bytes,
                }) => {
                    sess.bytes_in_flight = sess.bytes_in_flight.saturating_sub(bytes);
                    sess.delivered.push((id, revision));
                    self.awaiting_ack.entry(id).or_insert(Awaiting {
                        sent: Instant::now(),
                        resends: 0,
                    });
                }
                Some(Tag::Fleet | Tag::TaskSteps) | None => {}
            },
            Event::Incoming(Packet::Publish(p)) => match topics::parse(&p.topic) {
                Some(Topic::Acks(c)) if c == self.console => {
                    match AckMessage::decode(c, &p.payload) {
                        Ok(msg) => {
                            for a in msg.acks {
                                self.awaiting_ack.remove(&a.id);
                                sess.acked.push((a.id, a.revision));
                            }
                            sess.dispatcher_acked.extend(msg.dispatcher);
                            for n in msg.task_steps {
                                sess.steps_sent_at.remove(&n);
                                sess.steps_acked.push(n);
                            }
                        }
                        Err(e) => self.reject(&p.topic, e.to_string()),
                    }
                }
                Some(Topic::Tasks(c)) if c == self.console && self.config.tasks.is_some() => {
                    match TaskMessage::decode(c, &p.payload) {
                        Ok(msg) => sess.task_orders.extend(msg.tasks),
                        Err(e) => self.reject(&p.topic, e.to_string()),
                    }
                }
                Some(Topic::LiveVideo(c)) if c == self.console => {
                    match (
                        LiveVideoRequest::decode(c, &p.payload),
                        &self.config.live_video,
                    ) {
                        (Ok(request), Some(to)) => {
                            let _ = to.try_send(request);
                        }
                        (Ok(_), None) => {}
                        (Err(e), _) => self.reject(&p.topic, e.to_string()),
                    }
                }
                _ => self.reject(&p.topic, "not a topic this console reads".into()),
            },
            Event::Incoming(Packet::Disconnect) => {
                return Err(SessionError::Connection(format!(
                    "{url} closed the connection"
                )));
            }
            _ => {}
        }
        Ok(())
    }

    /// Stores tasks that arrived and records steps the broker confirmed. A failure is logged
    /// and shown, and does not stop the sightings.
    async fn settle_tasks(&mut self, sess: &mut Session) {
        let Some(inbox) = self.config.tasks.clone() else {
            return;
        };
        if !sess.task_orders.is_empty() {
            let orders = std::mem::take(&mut sess.task_orders);
            match inbox.receive(orders).await {
                Ok(changed) if !changed.is_empty() => {
                    log::info!("sync: {} task(s) from dispatch", changed.len());
                }
                Ok(_) => {}
                Err(e) => {
                    log::error!("sync: a task from dispatch could not be stored: {e}");
                    self.status
                        .send_modify(|s| s.last_error = Some(format!("tasks: {e}")));
                }
            }
        }
        if !sess.steps_acked.is_empty() {
            let done = std::mem::take(&mut sess.steps_acked);
            if let Err(e) = inbox.mark_sent(done).await {
                log::warn!("sync: cannot record sent task steps (they will be sent again): {e}");
            }
        }
    }

    /// Publishes the task steps dispatch has not acknowledged, each at most every
    /// [`STEP_RESEND`].
    async fn publish_steps(&self, client: &AsyncClient, sess: &mut Session) {
        let Some(inbox) = &self.config.tasks else {
            return;
        };
        let unsent = match inbox.unsent() {
            Ok(u) => u,
            Err(e) => {
                log::warn!("sync: cannot read task steps: {e}");
                return;
            }
        };
        let fresh: Vec<_> = unsent
            .into_iter()
            .filter(|s| {
                sess.steps_sent_at
                    .get(&s.n)
                    .is_none_or(|at| at.elapsed() >= STEP_RESEND)
            })
            .collect();
        if fresh.is_empty() {
            return;
        }
        let ns: Vec<i64> = fresh.iter().map(|s| s.n).collect();
        let msg =
            TaskUpdateMessage::new(&self.console, fresh.into_iter().map(|s| s.update).collect());
        if client
            .publish(
                topics::task_updates(&self.console),
                QoS::AtLeastOnce,
                false,
                msg.encode(),
            )
            .await
            .is_ok()
        {
            let now = Instant::now();
            for n in ns {
                sess.steps_sent_at.insert(n, now);
            }
            sess.order.push_back(Tag::TaskSteps);
        }
    }

    /// Publishes one sighting at QoS 1 and notes it for the PUBACK.
    async fn publish(
        &self,
        client: &AsyncClient,
        sess: &mut Session,
        o: crate::sightings::store::Outbound,
    ) -> Result<(), SessionError> {
        let bytes = o.jpeg.as_ref().map_or(0, Vec::len);
        let tag = Tag::Sighting {
            id: o.sighting.id,
            revision: o.sighting.revision,
            bytes,
        };
        let msg = SightingMessage::new(&self.console, o.seq, o.sighting, o.jpeg.as_deref());
        client
            .publish(
                topics::sightings(&self.console),
                QoS::AtLeastOnce,
                false,
                msg.encode(),
            )
            .await
            .map_err(|e| SessionError::Connection(format!("cannot publish: {e}")))?;
        sess.order.push_back(tag);
        sess.bytes_in_flight += bytes;
        self.status.send_modify(|s| s.published += 1);
        Ok(())
    }

    /// Sends again delivered sightings whose acknowledgement is overdue.
    async fn resend_overdue(
        &mut self,
        client: &AsyncClient,
        sess: &mut Session,
        window: usize,
    ) -> Result<(), SessionError> {
        if sess.outstanding() >= window {
            return Ok(());
        }
        let waiting = self.store.unacknowledged_deliveries(4096)?;
        let now = Instant::now();
        let mut due = Vec::new();
        for (id, _) in &waiting {
            let a = self.awaiting_ack.entry(*id).or_insert(Awaiting {
                sent: now,
                resends: 0,
            });
            let wait = self.config.ack_timeout * 2u32.pow(a.resends.min(5));
            if now.duration_since(a.sent) >= wait && sess.outstanding() + due.len() < window {
                a.sent = now;
                a.resends += 1;
                due.push(*id);
            }
        }
        // Forget sightings acknowledged meanwhile (e.g. by another run).
        if self.awaiting_ack.len() > waiting.len() {
            let live: std::collections::HashSet<Uuid> = waiting.iter().map(|(id, _)| *id).collect();
            self.awaiting_ack.retain(|id, _| live.contains(id));
        }
        for id in due {
            let Some(o) = self.store.outbound_one(id)? else {
                continue;
            };
            self.publish(client, sess, o).await?;
            self.status.send_modify(|s| s.resent += 1);
        }
        Ok(())
    }

    async fn disconnect(
        &self,
        client: &AsyncClient,
        events: &mut mpsc::UnboundedReceiver<Result<Event, rumqttc::ConnectionError>>,
    ) {
        if client.disconnect().await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                while let Some(Ok(ev)) = events.recv().await {
                    if matches!(ev, Event::Outgoing(Outgoing::Disconnect)) {
                        break;
                    }
                }
            })
            .await;
        }
        self.status.send_modify(|s| {
            s.connected = false;
            s.in_flight = 0;
        });
    }
}
