//! The command-centre side (`kestrel dispatch serve`): subscribes to every console's topics,
//! stores each sighting once in its own database (whatever arrives twice is counted, not stored
//! again), acknowledges what is stored — only after the commit — and follows the live fleet.
//! Messages that are malformed or arrive where they do not belong are rejected: logged, kept in
//! the database's `rejected` table, and otherwise ignored.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, Packet, QoS};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::output::DispatchOutput;
use super::store::{Batch, DispatchStore, FleetEntry, IncomingSighting, Rejection, StoreOutcome};
use crate::dispatch::backoff::Backoff;
use crate::dispatch::broker::{describe, spawn_poller, wait_connack, BrokerConfig};
use crate::dispatch::envelope::{Ack, AckMessage, FleetMessage, SightingMessage, MAX_ACKS};
use crate::dispatch::topics::{self, Topic};

/// Largest MQTT packet the receiver reads (the protocol maximum, so an oversized message is
/// rejected by Kestrel instead of breaking the connection and being redelivered forever).
const MAX_INCOMING_PACKET: usize = 268_435_455;

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

    /// Disconnects and waits for the receiver to end.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Starts the receiver (inside a tokio runtime). It runs until stopped, reconnecting as needed.
pub fn start(store: DispatchStore, config: ReceiverConfig) -> ReceiverHandle {
    let (status_tx, status) = watch::channel(ReceiverStatus::default());
    let (fleet_tx, fleet) = watch::channel(Arc::new(Vec::new()));
    let (stop, stop_rx) = watch::channel(false);
    let receiver = Receiver {
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
        status,
        fleet,
        stop,
        task,
    }
}

struct Receiver {
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
        loop {
            let first = tokio::select! {
                ev = events.recv() => ev,
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
        }
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
                client
                    .publish(
                        topics::acks(&console),
                        QoS::AtLeastOnce,
                        false,
                        msg.encode(),
                    )
                    .await
                    .map_err(|e| format!("cannot publish acknowledgements: {e}"))?;
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
