//! The window's end of the console core: send intents, take events, read the latest published
//! [`ConsoleView`] and the fleet's history. Nothing here blocks for longer than a pointer copy.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use crate::fleet::FleetHistory;

use super::demo::{self, DemoSimulator};
use super::published::{lock, Shared};
use super::{runner, ConsoleConfig, ConsoleError, ConsoleView, Event, Intent};

/// The window's end of the console core. Dropping it stops the core (and the demo simulator).
pub struct ConsoleHandle {
    intents: Sender<Intent>,
    events: Receiver<Event>,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Handle>,
    thread: Option<std::thread::JoinHandle<()>>,
    simulator: Option<DemoSimulator>,
    // Kept for handles without a core, so that intents can be inspected.
    detached_intents: Option<Receiver<Intent>>,
    events_tx: Option<Sender<Event>>,
}

impl ConsoleHandle {
    /// Starts the core: the station, the links of `config`, every service, and the demo
    /// simulator if asked. Returns once the core is up; links that cannot be opened are
    /// reported as events, not as an error.
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
        let (demo_count, demo_video) = (config.demo, config.video);
        let demo_speedup = config.demo_speedup.unwrap_or(1.0);
        let started = runner::spawn(config, demo_addr, shared.clone(), intent_rx, event_tx)?;
        let simulator = match (demo_addr, demo_count) {
            (Some(addr), Some(n)) => Some(
                demo::start_simulator(addr, n, demo_video, demo_speedup)
                    .map_err(ConsoleError::Demo)?,
            ),
            _ => None,
        };
        Ok(ConsoleHandle {
            intents: intent_tx,
            events: event_rx,
            shared,
            runtime: Some(started.runtime),
            thread: Some(started.thread),
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
            self.shared.publish(view);
        }
    }

    /// Delivers an event as if the core had sent it (detached handles only).
    pub fn inject_event(&self, event: impl Into<Event>) {
        if let Some(tx) = &self.events_tx {
            let _ = tx.send(event.into());
        }
    }

    /// The intents sent so far (detached handles only).
    pub fn take_intents(&self) -> Vec<Intent> {
        self.detached_intents
            .as_ref()
            .map(|rx| rx.try_iter().collect())
            .unwrap_or_default()
    }

    /// Asks the core to do something (any service's intent converts). Never blocks.
    pub fn send(&self, intent: impl Into<Intent>) {
        let _ = self.intents.send(intent.into());
    }

    /// A fresh id for intents whose answers must be matched (commands, marked sightings).
    pub fn next_command_id(&self) -> u64 {
        self.shared.next_command().fetch_add(1, Ordering::Relaxed)
    }

    /// Events since the last call. Never blocks.
    pub fn events(&self) -> crossbeam_channel::TryIter<'_, Event> {
        self.events.try_iter()
    }

    /// The latest published view. Never blocks for longer than a pointer copy.
    pub fn view(&self) -> Arc<ConsoleView> {
        self.shared.view()
    }

    /// Reads the fleet's recent history (trails, plots). The lock is shared with the core's
    /// recording, which holds it only to append a sample; keep `f` short.
    pub fn with_history<R>(&self, f: impl FnOnce(&FleetHistory) -> R) -> R {
        f(&lock(self.shared.history()))
    }

    /// Called by the core after each publication (the window asks its toolkit to repaint).
    pub fn set_repaint_hook(&self, hook: Arc<dyn Fn() + Send + Sync>) {
        self.shared.set_repaint(hook);
    }

    /// The core's tokio runtime, for other background services of the window (map tiles).
    pub fn runtime(&self) -> Option<&tokio::runtime::Handle> {
        self.runtime.as_ref()
    }

    /// The in-process simulator of the demo.
    pub fn simulator(&self) -> Option<&DemoSimulator> {
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
