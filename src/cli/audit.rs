//! `kestrel audit verify|export`: check the hash chain of the audit trail, or export it as CSV.

use std::path::PathBuf;

use crate::audit::{to_csv, AuditLog, Verdict};

use super::Context;

/// Arguments of `kestrel audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// The audit database (default: audit.db in the data directory).
    #[arg(long, value_name = "FILE", global = true)]
    pub db: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub action: AuditAction,
}

/// Audit actions.
#[derive(Debug, clap::Subcommand)]
pub enum AuditAction {
    /// Check that no entry was changed or removed; exits non-zero if the chain is broken.
    Verify,
    /// Print every entry.
    Export {
        /// As CSV (otherwise a table, or JSON with --json).
        #[arg(long)]
        csv: bool,
    },
}

/// Runs `kestrel audit`.
pub fn run(args: AuditArgs, ctx: &Context) -> anyhow::Result<()> {
    let path = args.db.unwrap_or_else(|| ctx.audit_db());
    if !path.exists() {
        anyhow::bail!(
            "no audit log at {} (nothing has been audited yet, or pass --db FILE)",
            path.display()
        );
    }
    // Reading only: works on a full disk too.
    let log = AuditLog::open_to_read(&path)?;
    match args.action {
        AuditAction::Verify => {
            let started = std::time::Instant::now();
            let verdict = log.verify()?;
            let secs = started.elapsed().as_secs_f64();
            if ctx.json {
                println!("{}", serde_json::to_string_pretty(&verdict)?);
            }
            match verdict {
                Verdict::Intact { entries } => {
                    if !ctx.json {
                        println!(
                            "{}: intact, {entries} entries verified in {secs:.2} s",
                            path.display()
                        );
                    }
                    Ok(())
                }
                Verdict::Broken { at_id, reason } => {
                    anyhow::bail!(
                        "{}: chain broken at entry {at_id}: {reason}",
                        path.display()
                    )
                }
            }
        }
        AuditAction::Export { csv } => {
            let entries = log.entries()?;
            if csv {
                print!("{}", to_csv(&entries));
            } else if ctx.json {
                println!("{}", serde_json::to_string_pretty(&entries)?);
            } else {
                for e in entries {
                    println!(
                        "{:>6}  {}  {:<10} {:>4}  {:<15} {}  → {}",
                        e.id,
                        e.at_us,
                        e.operator,
                        e.aircraft
                            .map(|a| a.to_string())
                            .unwrap_or_else(|| "-".into()),
                        e.action,
                        e.detail,
                        e.result
                    );
                }
            }
            Ok(())
        }
    }
}
