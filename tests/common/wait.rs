//! Waiting in tests: poll a condition until it holds, or fail after a generous deadline with a
//! message naming what was awaited (and, when the condition says so, what was seen instead).
//! Tests wait on events and conditions, never on fixed sleeps; the CI machine is a loaded 2-core
//! VM, so deadlines are failure bounds, not expectations.
//!
//! Self-contained (std and tokio only), so benchmarks can include it with `#[path]` too.

#![allow(dead_code)]

use std::time::{Duration, Instant};

/// The deadline for anything a test waits for, unless it says otherwise.
pub const WAIT: Duration = Duration::from_secs(60);

/// How often a condition is polled.
pub const POLL: Duration = Duration::from_millis(20);

/// What a polled condition returns: done (with a value) or not yet (maybe saying what it saw).
pub trait Outcome {
    /// What the wait returns once the condition holds.
    type Value;
    /// `Ok` once done; `Err` with a description of the state seen, if there is one, otherwise.
    fn outcome(self) -> Result<Self::Value, Option<String>>;
}

impl Outcome for bool {
    type Value = ();
    fn outcome(self) -> Result<(), Option<String>> {
        if self {
            Ok(())
        } else {
            Err(None)
        }
    }
}

impl<T> Outcome for Option<T> {
    type Value = T;
    fn outcome(self) -> Result<T, Option<String>> {
        self.ok_or(None)
    }
}

/// `Err(seen)`: not yet, and `seen` goes into the failure message if the deadline passes.
impl<T> Outcome for Result<T, String> {
    type Value = T;
    fn outcome(self) -> Result<T, Option<String>> {
        self.map_err(Some)
    }
}

/// A point in time after which waiting for `what` has failed.
pub struct Deadline {
    what: String,
    timeout: Duration,
    at: Instant,
}

impl Deadline {
    /// Waiting for `what` fails `timeout` from now.
    pub fn after(timeout: Duration, what: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            timeout,
            at: Instant::now() + timeout,
        }
    }

    /// Whether the deadline has passed.
    pub fn passed(&self) -> bool {
        Instant::now() >= self.at
    }

    /// Panics, naming what was awaited and what was `seen`, if the deadline has passed.
    pub fn check(&self, seen: Option<String>) {
        if self.passed() {
            self.fail(seen);
        }
    }

    /// Panics, naming what was awaited and what was `seen`.
    pub fn fail(&self, seen: Option<String>) -> ! {
        match seen {
            Some(seen) => panic!(
                "timed out after {:?} waiting for {}; seen: {seen}",
                self.timeout, self.what
            ),
            None => panic!(
                "timed out after {:?} waiting for {}",
                self.timeout, self.what
            ),
        }
    }
}

/// Polls `check` (on this thread, sleeping [`POLL`] between tries) until it is done and returns
/// its value; panics naming `what` after `timeout`.
pub fn until<R: Outcome>(what: &str, timeout: Duration, mut check: impl FnMut() -> R) -> R::Value {
    let deadline = Deadline::after(timeout, what);
    loop {
        match check().outcome() {
            Ok(v) => return v,
            Err(seen) => deadline.check(seen),
        }
        std::thread::sleep(POLL);
    }
}

/// [`until`] for async tests: sleeps on the tokio timer between tries.
pub async fn until_async<R: Outcome>(
    what: &str,
    timeout: Duration,
    check: impl FnMut() -> R,
) -> R::Value {
    until_async_every(what, timeout, POLL, check).await
}

/// [`until_async`] polling every `every` (benchmarks that time the moment a condition holds).
pub async fn until_async_every<R: Outcome>(
    what: &str,
    timeout: Duration,
    every: Duration,
    mut check: impl FnMut() -> R,
) -> R::Value {
    let deadline = Deadline::after(timeout, what);
    loop {
        match check().outcome() {
            Ok(v) => return v,
            Err(seen) => deadline.check(seen),
        }
        tokio::time::sleep(every).await;
    }
}

/// Awaits `fut`, or panics naming `what` after `timeout`.
pub async fn within<T>(
    what: &str,
    timeout: Duration,
    fut: impl std::future::Future<Output = T>,
) -> T {
    tokio::time::timeout(timeout, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out after {timeout:?}: {what}"))
}

/// Polls `cond` (async) until it holds or `timeout` passes; returns whether it held, for callers
/// whose failure message shows more of the state than a wait can.
pub async fn eventually(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Deadline::after(timeout, "");
    loop {
        if cond() {
            return true;
        }
        if deadline.passed() {
            return false;
        }
        tokio::time::sleep(POLL).await;
    }
}
