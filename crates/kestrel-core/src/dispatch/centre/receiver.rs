//! The command-centre side (`kestrel dispatch serve`): subscribes to every console's topics,
//! stores each sighting once in its own database (whatever arrives twice is counted, not stored
//! again), acknowledges what is stored — only after the commit — and follows the live fleet.
//! Messages that are malformed or arrive where they do not belong are rejected: logged, kept in
//! the database's `rejected` table, and otherwise ignored.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, Outgoing, Packet, QoS};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::output::DispatchOutput;
use super::store::{Batch, DispatchStore, FleetEntry, IncomingSighting, Rejection, StoreOutcome};
use crate::dispatch::backoff::Backoff;
use crate::dispatch::broker::{describe, spawn_poller, wait_connack, BrokerConfig};
use crate::dispatch::envelope::{
    Ack, AckMessage, DispatcherAck, FleetMessage, SightingMessage, MAX_ACKS,
};
use crate::dispatch::live_video::LiveVideoRequest;
use crate::dispatch::tasks::{TaskMessage, TaskOrder, TaskUpdate, TaskUpdateMessage};
use crate::dispatch::topics::{self, Topic};

/// Largest MQTT packet the receiver reads (the protocol maximum, so an oversized message is
/// rejected by Kestrel instead of breaking the connection and being redelivered forever).
const MAX_INCOMING_PACKET: usize = 268_435_455;

/// Publishes at QoS 1; `what` says what failed ("publish tasks").
async fn publish_qos1(
    client: &AsyncClient,
    topic: String,
    payload: Vec<u8>,
    what: &str,
) -> Result<(), String> {
    client
        .publish(topic, QoS::AtLeastOnce, false, payload)
        .await
        .map_err(|e| format!("cannot {what}: {e}"))
}

/// How long a task (or closure) waits for its console's confirmation before it is sent again.
const TASK_RESEND: Duration = Duration::from_secs(5);

/// How often the receiver looks for tasks and acknowledgements still to send.
const PENDING_POLL: Duration = Duration::from_secs(2);

/// Most messages taken into one database transaction.
const MAX_BATCH: usize = 2000;

/// How the receiver runs.
pub struct ReceiverConfig {
    /// The broker.
    pub broker: BrokerConfig,
    /// This dispatch's name: its MQTT client id is `kestrel-dispatch-NAME`, and the broker keeps
    /// its subscriptions (and queues messages) while it is away.
    pub name: String,
    /// Shortest wait before reconnecting.
    pub backoff_min: Duration,
    /// Longest wait before reconnecting.
    pub backoff_max: Duration,
    /// Where stored sightings and fleet reports go next (e.g. a [`crate::dispatch::cot::CotSender`]
    /// to TAK), each in turn.
    pub outputs: Vec<Box<dyn DispatchOutput>>,
}

impl ReceiverConfig {
    /// Defaults: name "dispatch", 0.5 s to 30 s backoff, no outputs.
    pub fn new(broker: BrokerConfig) -> Self {
        Self {
            broker,
            name: "dispatch".into(),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            outputs: Vec::new(),
        }
    }
}

/// What the receiver has done.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ReceiverStatus {
    /// Connected to the broker.
    pub connected: bool,
    /// Why the last connection failed or ended.
    pub last_error: Option<String>,
    /// New sightings stored.
    pub stored: u64,
    /// Sightings replaced by a newer revision.
    pub updated: u64,
    /// Copies of sightings already held.
    pub duplicates: u64,
    /// Messages rejected.
    pub rejected: u64,
    /// Why the last one was rejected.
    pub last_rejection: Option<String>,
    /// Fleet reports received.
    pub fleet_reports: u64,
    /// Acknowledgements sent.
    pub acks_sent: u64,
}

/// Handle to a running receiver.
pub struct ReceiverHandle {
    acks: AckPublisher,
    video: VideoAsker,
    status: watch::Receiver<ReceiverStatus>,
    fleet: watch::Receiver<Arc<Vec<FleetEntry>>>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl ReceiverHandle {
    /// Live status.
    pub fn status(&self) -> watch::Receiver<ReceiverStatus> {
        self.status.clone()
    }

    /// The live fleet: the latest report of every aircraft of every console.
    pub fn fleet(&self) -> watch::Receiver<Arc<Vec<FleetEntry>>> {
        self.fleet.clone()
    }

    /// Asks the receiver to publish dispatchers' acknowledgements (for the web page, which
    /// records them in the store and then calls this).
    pub fn ack_publisher(&self) -> AckPublisher {
        self.acks.clone()
    }

    /// Asks consoles for live video (for the web page's video hub).
    pub fn video_asker(&self) -> VideoAsker {
        self.video.clone()
    }

    /// Disconnects and waits for the receiver to end.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Wakes the receiver to publish the dispatchers' acknowledgements the store holds unpublished.
/// Cheap to clone. Nothing is lost if the broker is down: the receiver publishes whatever is
/// still unpublished each time it connects.
#[derive(Clone)]
pub struct AckPublisher(mpsc::UnboundedSender<()>);

impl AckPublisher {
    /// Publish now (or at the next connection).
    pub fn poke(&self) {
        let _ = self.0.send(());
    }
}

/// Publishes live-video requests to consoles (QoS 0: each is renewed within seconds, so one
/// lost while the broker is away is simply followed by the next). Cheap to clone.
#[derive(Clone)]
pub struct VideoAsker(mpsc::UnboundedSender<(String, LiveVideoRequest)>);

impl VideoAsker {
    /// Asks `console` for the video in `request`.
    pub fn ask(&self, console: &str, request: LiveVideoRequest) {
        let _ = self.0.send((console.to_string(), request));
    }
}

/// Starts the receiver (inside a tokio runtime). It runs until stopped, reconnecting as needed.
pub fn start(store: DispatchStore, config: ReceiverConfig) -> ReceiverHandle {
    let (status_tx, status) = watch::channel(ReceiverStatus::default());
    let (fleet_tx, fleet) = watch::channel(Arc::new(Vec::new()));
    let (stop, stop_rx) = watch::channel(false);
    let (ack_tx, ack_rx) = mpsc::unbounded_channel();
    let (video_tx, video_rx) = mpsc::unbounded_channel();
    let receiver = Receiver {
        video_wanted: video_rx,
        task_updates: Vec::new(),
        publishes: Publishes::default(),
        acks_wanted: ack_rx,
        store,
        config,
        status: status_tx,
        fleet_tx,
        fleet: BTreeMap::new(),
        stop: stop_rx,
        carried: Vec::new(),
    };
    let task = tokio::spawn(receiver.run());
    ReceiverHandle {
        acks: AckPublisher(ack_tx),
        video: VideoAsker(video_tx),
        status,
        fleet,
        stop,
        task,
    }
}

/// What a publish carried, to learn from the broker's PUBACK when it is safe with the broker.
#[derive(Debug, Clone)]
enum Tag {
    /// Storage acknowledgements (the consoles' resends make good a lost one).
    Storage,
    /// Dispatchers' acknowledgements.
    DispatcherAcks(Vec<Uuid>),
    /// Tasks (`true`: the task's closure).
    Tasks(Vec<(Uuid, bool)>),
}

/// This session's publishes: in the order handed to the client, then by packet id once on the
/// wire, until the broker confirms them.
#[derive(Default)]
struct Publishes {
    order: VecDeque<Tag>,
    collided: Option<(u16, Tag)>,
    inflight: HashMap<u16, Tag>,
    /// Dispatcher acknowledgements handed to the client and not yet confirmed.
    pending_acks: HashSet<Uuid>,
    /// When each task (`true`: its closure) was last sent in this session: sent again every
    /// [`TASK_RESEND`] until its console confirms it.
    tasks_sent_at: HashMap<(Uuid, bool), Instant>,
    /// Confirmed by the broker, not yet recorded.
    confirmed_acks: Vec<Uuid>,
    confirmed_tasks: Vec<(Uuid, bool)>,
}

impl Publishes {
    /// The client put a publish on the wire with `pkid`.
    fn sent(&mut self, pkid: u16) {
        let tag = match self.collided.take() {
            Some((p, tag)) if p == pkid => Some(tag),
            other => {
                self.collided = other;
                self.order.pop_front()
            }
        };
        if let Some(tag) = tag {
            if pkid != 0 && !matches!(tag, Tag::Storage) {
                self.inflight.insert(pkid, tag);
            }
        }
    }

    /// The broker confirmed `pkid`.
    fn confirm(&mut self, pkid: u16) {
        match self.inflight.remove(&pkid) {
            Some(Tag::DispatcherAcks(ids)) => {
                for id in &ids {
                    self.pending_acks.remove(id);
                }
                self.confirmed_acks.extend(ids);
            }
            Some(Tag::Tasks(ids)) => self.confirmed_tasks.extend(ids),
            Some(Tag::Storage) | None => {}
        }
    }
}

struct Receiver {
    /// Task steps from consoles, applied after the batch they came with.
    task_updates: Vec<(String, Vec<TaskUpdate>)>,
    publishes: Publishes,
    acks_wanted: mpsc::UnboundedReceiver<()>,
    video_wanted: mpsc::UnboundedReceiver<(String, LiveVideoRequest)>,
    store: DispatchStore,
    config: ReceiverConfig,
    status: watch::Sender<ReceiverStatus>,
    fleet_tx: watch::Sender<Arc<Vec<FleetEntry>>>,
    fleet: BTreeMap<(String, u8), FleetEntry>,
    stop: watch::Receiver<bool>,
    /// Rejections found while a batch was written (id conflicts), stored right after it.
    carried: Vec<Rejection>,
}

impl Receiver {
    async fn run(mut self) {
        let mut backoff = Backoff::new(self.config.backoff_min, self.config.backoff_max);
        loop {
            if *self.stop.borrow() {
                return;
            }
            match self.session(&mut backoff).await {
                Ok(()) => return,
                Err(why) => {
                    log::warn!("dispatch: {why}");
                    self.status.send_modify(|s| {
                        s.connected = false;
                        s.last_error = Some(why);
                    });
                }
            }
            let delay = backoff.next_delay();
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.stop.changed() => return,
            }
        }
    }

    async fn session(&mut self, backoff: &mut Backoff) -> Result<(), String> {
        let url = self.config.broker.url.clone();
        let mut opts = self
            .config
            .broker
            .options(&format!("kestrel-dispatch-{}", self.config.name), false);
        opts.set_max_packet_size(
            MAX_INCOMING_PACKET,
            crate::dispatch::broker::MAX_PACKET_BYTES,
        );
        // Whatever was in flight in an earlier session is lost with it: send it again.
        self.publishes = Publishes::default();
        let (client, mut eventloop) = AsyncClient::new(opts, 1024);
        eventloop.set_network_options(crate::dispatch::broker::network_options());
        let (mut events, _poller) = spawn_poller(eventloop);
        if !wait_connack(&mut events, &url, &mut self.stop).await? {
            return Ok(());
        }
        client
            .subscribe(format!("{}/consoles/#", topics::PREFIX), QoS::AtLeastOnce)
            .await
            .map_err(|e| format!("cannot subscribe: {e}"))?;
        backoff.reset();
        log::info!(
            "dispatch: connected to {url}, listening on {}/consoles/#",
            topics::PREFIX
        );
        self.status.send_modify(|s| {
            s.connected = true;
            s.last_error = None;
        });
        self.publish_pending(&client).await?;
        let mut poll = tokio::time::interval(PENDING_POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            let first = tokio::select! {
                ev = events.recv() => ev,
                Some(()) = self.acks_wanted.recv() => {
                    while self.acks_wanted.try_recv().is_ok() {}
                    self.publish_pending(&client).await?;
                    continue;
                }
                Some((console, request)) = self.video_wanted.recv() => {
                    client
                        .publish(topics::live_video(&console), QoS::AtMostOnce, false, request.encode(&console))
                        .await
                        .map_err(|e| format!("cannot ask for live video: {e}"))?;
                    // Not tracked: nothing waits for its confirmation.
                    self.publishes.order.push_back(Tag::Storage);
                    continue;
                }
                // Tasks made by another process (`kestrel dispatch task send`) are found here.
                _ = poll.tick() => {
                    self.publish_pending(&client).await?;
                    continue;
                }
                _ = self.stop.changed() => {
                    let _ = client.disconnect().await;
                    return Ok(());
                }
            };
            let mut batch = Batch::default();
            let mut n = 0;
            self.take(first, &mut batch)?;
            while n < MAX_BATCH {
                match events.try_recv() {
                    Ok(ev) => self.take(Some(ev), &mut batch)?,
                    Err(_) => break,
                }
                n += 1;
            }
            if !batch.is_empty() {
                self.apply(batch, &client).await?;
            }
            self.settle(&client).await?;
        }
    }

    /// Publishes every dispatcher acknowledgement and task (or closure) the broker has not
    /// confirmed and that is not on its way already.
    async fn publish_pending(&mut self, client: &AsyncClient) -> Result<(), String> {
        let acks = self
            .store
            .unpublished_acks()
            .map_err(|e| format!("cannot read dispatchers' acknowledgements: {e}"))?;
        let mut by_console: HashMap<String, Vec<DispatcherAck>> = HashMap::new();
        for p in acks {
            if !self.publishes.pending_acks.contains(&p.ack.id) {
                by_console.entry(p.console).or_default().push(p.ack);
            }
        }
        for (console, list) in by_console {
            for chunk in list.chunks(MAX_ACKS) {
                let msg = AckMessage::from_dispatchers(&console, chunk.to_vec());
                publish_qos1(
                    client,
                    topics::acks(&console),
                    msg.encode(),
                    "publish dispatchers' acknowledgements",
                )
                .await?;
                let ids: Vec<Uuid> = chunk.iter().map(|a| a.id).collect();
                self.publishes.pending_acks.extend(ids.iter().copied());
                log::info!(
                    "dispatch: sending {} dispatcher acknowledgement(s) to {console}",
                    ids.len()
                );
                self.publishes.order.push_back(Tag::DispatcherAcks(ids));
            }
        }
        let tasks = self
            .store
            .unsent_tasks()
            .map_err(|e| format!("cannot read the tasks to send: {e}"))?;
        let mut by_console: HashMap<String, Vec<TaskOrder>> = HashMap::new();
        for t in tasks {
            let key = (t.order.id, t.order.closed.is_some());
            let due = self
                .publishes
                .tasks_sent_at
                .get(&key)
                .is_none_or(|at| at.elapsed() >= TASK_RESEND);
            if due {
                by_console.entry(t.console).or_default().push(t.order);
            }
        }
        for (console, list) in by_console {
            for chunk in list.chunks(MAX_ACKS) {
                let msg = TaskMessage::new(&console, chunk.to_vec());
                publish_qos1(
                    client,
                    topics::tasks(&console),
                    msg.encode(),
                    "publish tasks",
                )
                .await?;
                let ids: Vec<(Uuid, bool)> =
                    chunk.iter().map(|t| (t.id, t.closed.is_some())).collect();
                let now = Instant::now();
                for key in &ids {
                    self.publishes.tasks_sent_at.insert(*key, now);
                }
                log::info!(
                    "dispatch: sending {} task message(s) to {console}",
                    ids.len()
                );
                self.publishes.order.push_back(Tag::Tasks(ids));
            }
        }
        Ok(())
    }

    /// Records what the broker confirmed, applies the consoles' task steps and acknowledges
    /// them to their consoles.
    async fn settle(&mut self, client: &AsyncClient) -> Result<(), String> {
        if !self.publishes.confirmed_acks.is_empty() {
            let done = std::mem::take(&mut self.publishes.confirmed_acks);
            self.store
                .mark_acks_published(done)
                .await
                .map_err(|e| e.to_string())?;
        }
        let mut changed = Vec::new();
        if !self.publishes.confirmed_tasks.is_empty() {
            let done = std::mem::take(&mut self.publishes.confirmed_tasks);
            changed.extend(
                self.store
                    .mark_tasks_sent(done)
                    .await
                    .map_err(|e| e.to_string())?,
            );
        }
        for (console, updates) in std::mem::take(&mut self.task_updates) {
            let seqs: Vec<i64> = updates.iter().filter_map(|u| u.seq).collect();
            changed.extend(
                self.store
                    .apply_task_updates(&console, updates)
                    .await
                    .map_err(|e| e.to_string())?,
            );
            if !seqs.is_empty() {
                let msg = AckMessage::for_task_steps(&console, seqs);
                publish_qos1(
                    client,
                    topics::acks(&console),
                    msg.encode(),
                    "acknowledge task steps",
                )
                .await?;
                self.publishes.order.push_back(Tag::Storage);
            }
        }
        for id in changed {
            for output in &self.config.outputs {
                output.task_changed(id);
            }
        }
        Ok(())
    }

    fn reject(&self, batch: &mut Batch, topic: &str, reason: String, payload: &[u8]) {
        log::warn!(
            "dispatch: rejected message on {topic} ({} bytes): {reason}",
            payload.len()
        );
        self.status.send_modify(|s| {
            s.rejected += 1;
            s.last_rejection = Some(format!("{topic}: {reason}"));
        });
        batch.rejected.push(Rejection::new(topic, reason, payload));
    }

    /// Sorts one event into the batch.
    fn take(
        &mut self,
        ev: Option<Result<Event, rumqttc::ConnectionError>>,
        batch: &mut Batch,
    ) -> Result<(), String> {
        let url = &self.config.broker.url;
        let p = match ev {
            Some(Ok(Event::Incoming(Packet::Publish(p)))) => p,
            Some(Ok(Event::Outgoing(Outgoing::Publish(pkid)))) => {
                self.publishes.sent(pkid);
                return Ok(());
            }
            Some(Ok(Event::Outgoing(Outgoing::AwaitAck(pkid)))) => {
                if let Some(tag) = self.publishes.order.pop_front() {
                    self.publishes.collided = Some((pkid, tag));
                }
                return Ok(());
            }
            Some(Ok(Event::Incoming(Packet::PubAck(ack)))) => {
                self.publishes.confirm(ack.pkid);
                return Ok(());
            }
            Some(Ok(Event::Incoming(Packet::Disconnect))) => {
                return Err(format!("{url} closed the connection"))
            }
            Some(Ok(_)) => return Ok(()),
            Some(Err(e)) => return Err(describe(url, &e)),
            None => return Err(format!("connection to {url} ended")),
        };
        match topics::parse(&p.topic) {
            Some(Topic::Sightings(console)) => match SightingMessage::decode(console, &p.payload) {
                Ok((msg, jpeg)) => batch.sightings.push(IncomingSighting {
                    console: console.to_string(),
                    seq: msg.seq,
                    sighting: msg.sighting,
                    jpeg,
                }),
                Err(e) => self.reject(batch, &p.topic, e.to_string(), &p.payload),
            },
            Some(Topic::TaskUpdates(console)) => {
                match TaskUpdateMessage::decode(console, &p.payload) {
                    Ok(msg) => self.task_updates.push((console.to_string(), msg.updates)),
                    Err(e) => self.reject(batch, &p.topic, e.to_string(), &p.payload),
                }
            }
            Some(Topic::Fleet(console)) => match FleetMessage::decode(console, &p.payload) {
                Ok(msg) => batch
                    .fleet
                    .push((console.to_string(), msg.sent_at, msg.aircraft)),
                Err(e) => self.reject(batch, &p.topic, e.to_string(), &p.payload),
            },
            _ => self.reject(
                batch,
                &p.topic,
                "not a Kestrel console topic".into(),
                &p.payload,
            ),
        }
        Ok(())
    }

    /// Stores a batch, then acknowledges, hands on to the outputs and reports what it held.
    async fn apply(&mut self, batch: Batch, client: &AsyncClient) -> Result<(), String> {
        let sightings: Vec<(String, crate::sightings::Sighting)> = batch
            .sightings
            .iter()
            .map(|s| (s.console.clone(), s.sighting.clone()))
            .collect();
        let fleet = batch.fleet.clone();
        let outcomes = self.store.apply(batch).await.map_err(|e| e.to_string())?;
        let mut acks: HashMap<String, Vec<Ack>> = HashMap::new();
        let (mut stored, mut updated, mut dups) = (0u64, 0u64, 0u64);
        for ((console, s), outcome) in sightings.into_iter().zip(outcomes) {
            match &outcome {
                StoreOutcome::Stored { .. } => {
                    stored += 1;
                    log::info!(
                        "dispatch: sighting {} from {console}: {} ({}) at {:.6}, {:.6}",
                        s.id,
                        s.category,
                        s.priority,
                        s.position.lat,
                        s.position.lon
                    );
                }
                StoreOutcome::Updated { .. } => updated += 1,
                StoreOutcome::Duplicate { .. } => dups += 1,
                StoreOutcome::Conflict(why) => {
                    log::warn!("dispatch: rejected sighting: {why}");
                    self.status.send_modify(|st| {
                        st.rejected += 1;
                        st.last_rejection = Some(why.clone());
                    });
                    self.carried.push(Rejection::new(
                        &topics::sightings(&console),
                        why.clone(),
                        s.id.to_string().as_bytes(),
                    ));
                }
            }
            if matches!(
                outcome,
                StoreOutcome::Stored { .. } | StoreOutcome::Updated { .. }
            ) {
                for output in &self.config.outputs {
                    output.sighting_stored(&console, &s);
                }
            }
            if let Some(revision) = outcome.ack_revision() {
                acks.entry(console)
                    .or_default()
                    .push(Ack { id: s.id, revision });
            }
        }
        let mut sent = 0u64;
        for (console, list) in acks {
            for chunk in list.chunks(MAX_ACKS) {
                let msg = AckMessage::new(&console, chunk.to_vec());
                publish_qos1(
                    client,
                    topics::acks(&console),
                    msg.encode(),
                    "publish acknowledgements",
                )
                .await?;
                self.publishes.order.push_back(Tag::Storage);
                sent += chunk.len() as u64;
            }
        }
        let reports = fleet.len() as u64;
        if !fleet.is_empty() {
            for (console, at, aircraft) in fleet {
                for output in &self.config.outputs {
                    output.fleet_update(&console, at, &aircraft);
                }
                for a in aircraft {
                    let key = (console.clone(), a.sysid);
                    let newer = self.fleet.get(&key).is_none_or(|e| e.sent_at <= at);
                    if newer {
                        self.fleet.insert(
                            key,
                            FleetEntry {
                                console: console.clone(),
                                sent_at: at,
                                aircraft: a,
                            },
                        );
                    }
                }
            }
            let live: Vec<FleetEntry> = self.fleet.values().cloned().collect();
            self.fleet_tx.send_replace(Arc::new(live));
        }
        if !self.carried.is_empty() {
            let rejected = std::mem::take(&mut self.carried);
            self.store
                .apply(Batch {
                    rejected,
                    ..Default::default()
                })
                .await
                .map_err(|e| e.to_string())?;
        }
        self.status.send_modify(|st| {
            st.stored += stored;
            st.updated += updated;
            st.duplicates += dups;
            st.acks_sent += sent;
            st.fleet_reports += reports;
        });
        Ok(())
    }
}
