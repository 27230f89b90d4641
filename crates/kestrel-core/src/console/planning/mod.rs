//! Planning in the console's core: the key areas (AreaStore), the crew registry (CrewStore), the
//! patrol route being planned, uploading a sortie to an aircraft, following sorties from
//! telemetry and the shift schedule. The work runs on a worker thread of its own ([`worker`]),
//! in the order the window asked, so the window never waits on SQLite, the planner or the
//! mission protocol; the answer to every request comes back as a [`PlanningOutcome`] together
//! with the [`PlanningView`] it produced.

mod error;
mod requests;
mod view;
mod worker;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use crate::fleet::FleetSnapshot;

use super::published::lock;
use super::{ConsoleConfig, ConsoleError, Core, Service};

pub use error::PlanningError;
pub use requests::{PlanningIntent, PlanningOutcome, PlanningTask, RouteSpec};
pub use view::{PlanningView, RoutePlan, ShiftPlan};
pub use worker::DEMO_AREAS;

/// How often sorties are advanced from telemetry.
const OBSERVE_EVERY: Duration = Duration::from_secs(1);

/// A job for the worker thread.
enum Job {
    Do(PlanningIntent),
    Observe(FleetSnapshot),
}

/// The core's end of planning: forwards intents and, once a second, the fleet to the worker,
/// and publishes the worker's latest state.
pub struct PlanningService {
    jobs: Sender<Job>,
    view: Arc<Mutex<Arc<PlanningView>>>,
    pending: Arc<AtomicUsize>,
    last_observe: Option<Instant>,
}

impl Service for PlanningService {
    type Intent = PlanningIntent;
    type Event = PlanningOutcome;
    type View = Arc<PlanningView>;

    /// Starts the worker: it opens the stores in the data directory (in memory without one) and
    /// seeds the demo key areas into an empty store when flying the demo.
    async fn start(core: &Core, config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let view = Arc::new(Mutex::new(Arc::new(PlanningView::default())));
        let pending = Arc::new(AtomicUsize::new(0));
        let worker = worker::Worker::new(core, view.clone(), pending.clone());
        let demo = config.demo.is_some();
        let spawned = std::thread::Builder::new()
            .name("kestrel-planning".into())
            .spawn(move || worker.run(rx, demo));
        if let Err(e) = spawned {
            *lock(&view) = Arc::new(PlanningView {
                store_error: Some(format!("cannot start planning: {e}")),
                ..Default::default()
            });
        }
        Ok(Self {
            jobs: tx,
            view,
            pending,
            last_observe: None,
        })
    }

    async fn handle(&mut self, intent: PlanningIntent) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        let _ = self.jobs.send(Job::Do(intent));
    }

    fn publish(&mut self, fleet: &FleetSnapshot) -> Arc<PlanningView> {
        self.observe(fleet);
        let v = lock(&self.view).clone();
        let busy = self.pending.load(Ordering::SeqCst);
        if v.busy == busy {
            return v;
        }
        let mut fresh = (*v).clone();
        fresh.busy = busy;
        Arc::new(fresh)
    }
}

impl PlanningService {
    /// Lets sorties follow the fleet (at most once a second, and only when the worker is idle).
    fn observe(&mut self, fleet: &FleetSnapshot) {
        if self
            .last_observe
            .is_some_and(|t| t.elapsed() < OBSERVE_EVERY)
        {
            return;
        }
        self.last_observe = Some(Instant::now());
        if self.jobs.is_empty() {
            let _ = self.jobs.send(Job::Observe(fleet.clone()));
        }
    }
}
