//! What the core publishes for the window: the latest [`ConsoleView`] with the fleet's history
//! ([`Shared`], read by the window's handle), and the [`EventSink`] through which services tell
//! the window what happened and ask it to repaint.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crossbeam_channel::Sender;

use crate::fleet::{FleetHistory, HistoryPolicy};

use super::{ConsoleView, Event};

type Repaint = Arc<dyn Fn() + Send + Sync>;

/// What the window and the core share: the published view, the fleet's history, the repaint
/// hook and the command id counter.
pub(crate) struct Shared {
    view: Mutex<Arc<ConsoleView>>,
    history: Mutex<FleetHistory>,
    repaint: Mutex<Option<Repaint>>,
    next_command: AtomicU64,
}

impl Shared {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            view: Mutex::new(Arc::new(ConsoleView::default())),
            history: Mutex::new(FleetHistory::new(Instant::now(), HistoryPolicy::default())),
            repaint: Mutex::new(None),
            next_command: AtomicU64::new(1),
        })
    }

    /// The fleet's recent history.
    pub(crate) fn history(&self) -> &Mutex<FleetHistory> {
        &self.history
    }

    /// The counter of command ids.
    pub(crate) fn next_command(&self) -> &AtomicU64 {
        &self.next_command
    }

    /// Sets the function that asks the window to repaint.
    pub(crate) fn set_repaint(&self, hook: Repaint) {
        *lock(&self.repaint) = Some(hook);
    }

    /// Asks the window to draw a new frame.
    pub(crate) fn repaint(&self) {
        let hook = lock(&self.repaint).clone();
        if let Some(f) = hook {
            f();
        }
    }

    /// The latest published view.
    pub(crate) fn view(&self) -> Arc<ConsoleView> {
        lock(&self.view).clone()
    }

    /// Publishes `view` (and records its fleet in the history).
    pub(crate) fn publish(&self, view: ConsoleView) {
        lock(&self.history).record(&view.fleet);
        *lock(&self.view) = Arc::new(view);
    }

    /// Changes the published view in place (a copy with `change` applied).
    pub(crate) fn change_view(&self, change: impl FnOnce(&mut ConsoleView)) {
        let mut view = lock(&self.view);
        let mut next = ConsoleView::clone(&view);
        change(&mut next);
        *view = Arc::new(next);
    }
}

/// A lock that survives a panicked holder (the data is still the last consistent state).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The core's way to the window: events, and asking the window to repaint.
#[derive(Clone)]
pub struct EventSink {
    tx: Sender<Event>,
    shared: Arc<Shared>,
}

impl EventSink {
    pub(crate) fn new(tx: Sender<Event>, shared: Arc<Shared>) -> Self {
        Self { tx, shared }
    }

    /// Tells the window something (any service's event type converts) and asks it to repaint.
    pub fn emit(&self, event: impl Into<Event>) {
        let _ = self.tx.send(event.into());
        self.shared.repaint();
    }

    /// Changes the published view at once, then tells the window `event`: an answer that
    /// arrives in the same frame as the state it produced (the next full publication may be
    /// 100 ms away, and a list must not move under the pointer after its answer is shown).
    pub fn emit_with_view(&self, event: impl Into<Event>, change: impl FnOnce(&mut ConsoleView)) {
        self.shared.change_view(change);
        self.emit(event);
    }
}
