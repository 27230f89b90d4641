//! `kestrel bench audit --entries N`: builds an audit log of N entries in a scratch file and times
//! `audit verify` over it, printing the figures (the same measurement as `benches/security.rs`,
//! runnable on any installed Kestrel without the source tree).

use std::path::PathBuf;
use std::time::Instant;

use crate::audit::{AuditLog, NewEntry, Verdict};

use super::Context;

/// Arguments of `kestrel bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// What to measure.
    #[command(subcommand)]
    pub what: BenchWhat,
}

/// Measurements.
#[derive(Debug, clap::Subcommand)]
pub enum BenchWhat {
    /// Time `audit verify` over a log of N entries (built first in a scratch file, then removed).
    Audit {
        /// Entries in the log.
        #[arg(long, default_value_t = 1_000_000)]
        entries: u64,
        /// Build the log here and keep it (default: a scratch file that is removed afterwards).
        #[arg(long, value_name = "FILE")]
        db: Option<PathBuf>,
    },
}

/// The figures of `kestrel bench audit`.
#[derive(Debug, serde::Serialize)]
pub struct AuditBench {
    /// Entries in the log.
    pub entries: u64,
    /// Seconds to build the log (batched appends).
    pub build_s: f64,
    /// Seconds for one full `audit verify`.
    pub verify_s: f64,
    /// Entries verified per second.
    pub verify_entries_per_s: f64,
    /// Size of the database file and its journal, bytes.
    pub db_bytes: u64,
}

/// Appends `n` typical entries (commands, mode changes, sightings) to `log` in batches.
pub fn fill(log: &AuditLog, n: u64) -> Result<(), crate::audit::AuditError> {
    const BATCH: u64 = 20_000;
    let details: Vec<String> = (0..64)
        .map(|i| format!("take off to {} m", 20 + i))
        .collect();
    let mut done = 0;
    while done < n {
        let k = BATCH.min(n - done);
        let batch: Vec<NewEntry<'_>> = (done..done + k)
            .map(|i| NewEntry {
                operator: if i % 3 == 0 {
                    "pic.mueller"
                } else {
                    "obs.schmidt"
                },
                aircraft: Some((i % 4 + 1) as u8),
                action: ["command", "mode_change", "mission_upload", "sighting"][(i % 4) as usize],
                detail: &details[(i % 64) as usize],
                result: "accepted",
            })
            .collect();
        log.append_many(&batch)?;
        done += k;
    }
    Ok(())
}

/// Runs `kestrel bench`.
pub fn run(args: BenchArgs, ctx: &Context) -> anyhow::Result<()> {
    match args.what {
        BenchWhat::Audit { entries, db } => {
            let keep = db.is_some();
            let path = db.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("kestrel-bench-audit-{}.db", std::process::id()))
            });
            if path.exists() {
                anyhow::bail!(
                    "{} already exists; give a new file (the benchmark builds its own log)",
                    path.display()
                );
            }
            let result = (|| -> anyhow::Result<AuditBench> {
                let log = AuditLog::open(&path)?;
                let t = Instant::now();
                fill(&log, entries)?;
                let build_s = t.elapsed().as_secs_f64();
                let t = Instant::now();
                let verdict = log.verify()?;
                let verify_s = t.elapsed().as_secs_f64();
                if verdict != (Verdict::Intact { entries }) {
                    anyhow::bail!("the freshly built log does not verify: {verdict:?}");
                }
                Ok(AuditBench {
                    entries,
                    build_s,
                    verify_s,
                    verify_entries_per_s: entries as f64 / verify_s.max(1e-9),
                    // The log and its write-ahead journal (not yet checkpointed).
                    db_bytes: ["", "-wal"]
                        .iter()
                        .filter_map(|e| std::fs::metadata(format!("{}{e}", path.display())).ok())
                        .map(|m| m.len())
                        .sum(),
                })
            })();
            if !keep {
                for ext in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
                }
            }
            let r = result?;
            if ctx.json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "audit verify: {} entries in {:.2} s ({:.0} entries/s); log built in {:.2} s, {:.1} MB",
                    r.entries,
                    r.verify_s,
                    r.verify_entries_per_s,
                    r.build_s,
                    r.db_bytes as f64 / 1e6
                );
            }
            Ok(())
        }
    }
}
