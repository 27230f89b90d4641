//! Log lines on stderr for the long-running subcommands (`kestrel sync`, `kestrel dispatch
//! serve`): Kestrel's own messages from `KESTREL_LOG` level up (default `info`), other crates'
//! warnings and errors only.

use std::sync::atomic::{AtomicUsize, Ordering};

use log::{Level, LevelFilter, Log, Metadata, Record};

use crate::sightings::Timestamp;

static LEVEL: AtomicUsize = AtomicUsize::new(LevelFilter::Info as usize);

struct StderrLogger;

static LOGGER: StderrLogger = StderrLogger;

fn own_level() -> LevelFilter {
    match LEVEL.load(Ordering::Relaxed) {
        0 => LevelFilter::Off,
        1 => LevelFilter::Error,
        2 => LevelFilter::Warn,
        3 => LevelFilter::Info,
        4 => LevelFilter::Debug,
        _ => LevelFilter::Trace,
    }
}

impl Log for StderrLogger {
    fn enabled(&self, m: &Metadata<'_>) -> bool {
        if m.target().starts_with("kestrel") {
            m.level() <= own_level()
        } else {
            m.level() <= Level::Warn && own_level() >= LevelFilter::Warn
        }
    }

    fn log(&self, r: &Record<'_>) {
        if self.enabled(r.metadata()) {
            eprintln!("{} {:<5} {}", Timestamp::now(), r.level(), r.args());
        }
    }

    fn flush(&self) {}
}

/// Installs the logger (once; later calls only change nothing).
pub fn init() {
    let level = match std::env::var("KESTREL_LOG")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "off" => LevelFilter::Off,
        "error" => LevelFilter::Error,
        "warn" => LevelFilter::Warn,
        "debug" => LevelFilter::Debug,
        "trace" => LevelFilter::Trace,
        _ => LevelFilter::Info,
    };
    LEVEL.store(level as usize, Ordering::Relaxed);
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level.max(LevelFilter::Warn));
    }
}
