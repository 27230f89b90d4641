//! The data directory's disk for the window: free space measured every few seconds in the
//! background, the rate it fills at over the last minutes, and the warning the status bar shows
//! before it is full ("recordings stop in about N minutes at this rate").

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::fleet::FleetSnapshot;
use crate::storage::{warning, DiskSpace, DiskWarning};

use super::{ConsoleConfig, ConsoleError, Core, Service};

/// How often the disk is measured.
pub const MEASURE_EVERY: Duration = Duration::from_secs(10);
/// The rate is taken over this much of the past.
pub const RATE_WINDOW: Duration = Duration::from_secs(300);

/// No rate is given before the samples span this long (what a console writes as it starts is
/// not the rate of a shift).
pub const RATE_MIN_SPAN: Duration = Duration::from_secs(60);

/// What the window may ask.
#[derive(Debug)]
pub enum StorageIntent {
    /// Measure now (e.g. after the crew freed space).
    Measure,
}

/// The storage service tells the window nothing beyond its view.
#[derive(Debug, Clone)]
pub enum StorageEvent {}

/// The disk as the window shows it. Values are rounded so that the view (and the window)
/// changes only when the figures a person reads change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StorageView {
    /// The data directory's filesystem; `None` without a data directory or before the first
    /// measurement.
    pub disk: Option<DiskSpace>,
    /// Bytes per second it fills at, when it is filling.
    pub bytes_per_second: Option<f64>,
    /// What the crew should know.
    pub warning: Option<DiskWarning>,
    /// Why the disk could not be measured.
    pub error: Option<String>,
    /// The data directory measured.
    pub data_dir: Option<PathBuf>,
}

/// Measures the data directory's disk.
pub struct StorageService {
    shared: Arc<Mutex<StorageView>>,
    wake: Arc<tokio::sync::Notify>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Service for StorageService {
    type Intent = StorageIntent;
    type Event = StorageEvent;
    type View = StorageView;

    async fn start(core: &Core, _config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        let shared = Arc::new(Mutex::new(StorageView::default()));
        let wake = Arc::new(tokio::sync::Notify::new());
        let task = core
            .data_dir
            .clone()
            .map(|dir| tokio::spawn(measure_loop(dir, shared.clone(), wake.clone())));
        Ok(Self { shared, wake, task })
    }

    async fn handle(&mut self, intent: StorageIntent) {
        match intent {
            StorageIntent::Measure => self.wake.notify_one(),
        }
    }

    fn publish(&mut self, _fleet: &FleetSnapshot) -> StorageView {
        self.shared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    async fn shutdown(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn measure_loop(
    dir: PathBuf,
    shared: Arc<Mutex<StorageView>>,
    wake: Arc<tokio::sync::Notify>,
) {
    let mut samples = Samples::default();
    loop {
        let at = Instant::now();
        let probe = dir.clone();
        let measured = tokio::task::spawn_blocking(move || DiskSpace::of(&probe))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
        let view = match measured {
            Ok(space) => {
                samples.push(at, space.available);
                let rate = samples.rate();
                StorageView {
                    disk: Some(rounded(space)),
                    bytes_per_second: rate.map(two_figures),
                    warning: warning(space, rate).map(rounded_warning),
                    error: None,
                    data_dir: Some(dir.clone()),
                }
            }
            Err(e) => StorageView {
                error: Some(format!("{}: {e}", dir.display())),
                data_dir: Some(dir.clone()),
                ..Default::default()
            },
        };
        *shared.lock().unwrap_or_else(|e| e.into_inner()) = view;
        tokio::select! {
            _ = tokio::time::sleep(MEASURE_EVERY) => {}
            _ = wake.notified() => {}
        }
    }
}

/// Free space over the last [`RATE_WINDOW`].
#[derive(Debug, Default)]
struct Samples(VecDeque<(Instant, u64)>);

impl Samples {
    fn push(&mut self, at: Instant, available: u64) {
        self.0.push_back((at, available));
        while self
            .0
            .front()
            .is_some_and(|(t, _)| at.duration_since(*t) > RATE_WINDOW)
        {
            self.0.pop_front();
        }
    }

    /// Bytes per second used, when the disk is filling (freed space resets nothing: the
    /// window simply shows it is not filling).
    fn rate(&self) -> Option<f64> {
        let (first, last) = (self.0.front()?, self.0.back()?);
        let secs = last.0.duration_since(first.0).as_secs_f64();
        let used = first.1.checked_sub(last.1)?;
        (secs >= RATE_MIN_SPAN.as_secs_f64() && used > 0).then(|| used as f64 / secs)
    }
}

/// Free space to 0.1 % of the disk (at least 4 kB).
fn rounded(space: DiskSpace) -> DiskSpace {
    let step = (space.total / 1000).max(4096);
    DiskSpace {
        available: space.available / step * step,
        ..space
    }
}

fn two_figures(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return 0.0;
    }
    let scale = 10f64.powi(x.log10().floor() as i32 - 1);
    (x / scale).round() * scale
}

fn rounded_warning(w: DiskWarning) -> DiskWarning {
    match w {
        DiskWarning::StopsIn(d) => DiskWarning::StopsIn(Duration::from_secs(d.as_secs() / 60 * 60)),
        DiskWarning::MostlyUsed(f) => DiskWarning::MostlyUsed((f * 100.0).floor() / 100.0),
        full => full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_what_was_used_over_the_window() {
        let t0 = Instant::now();
        let mut s = Samples::default();
        s.push(t0, 10_000_000);
        assert_eq!(s.rate(), None, "one sample says nothing");
        s.push(t0 + Duration::from_secs(10), 9_000_000);
        assert_eq!(s.rate(), None, "too short a span to tell");
        s.push(t0 + Duration::from_secs(100), 9_000_000);
        assert_eq!(s.rate(), Some(10_000.0));
        s.push(t0 + Duration::from_secs(200), 9_500_000);
        assert_eq!(s.rate(), Some(2_500.0));
        s.push(t0 + RATE_WINDOW + Duration::from_secs(15), 9_500_000);
        assert_eq!(
            s.rate(),
            None,
            "old samples leave the window; not filling now"
        );
    }

    #[test]
    fn figures_are_rounded_to_what_a_person_reads() {
        assert_eq!(two_figures(123_456.0), 120_000.0);
        assert_eq!(two_figures(0.0), 0.0);
        let w = rounded_warning(DiskWarning::StopsIn(Duration::from_secs(1000)));
        assert_eq!(w, DiskWarning::StopsIn(Duration::from_secs(960)));
        let space = rounded(DiskSpace {
            total: 10_000_000,
            available: 1_234_567,
        });
        assert_eq!(space.available, 1_230_000);
    }
}
