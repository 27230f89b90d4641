//! `kestrel storage status|prune`: how full the data directory's disk is, what each store takes,
//! how long the room lasts at the rate it is filling, and the retention policy that removes old
//! telemetry logs and recordings (never a recording not yet hashed into the evidence log).

use std::time::{Duration, Instant, SystemTime};

use crate::storage::space::human_bytes;
use crate::storage::{retention, room, DiskSpace, Retention, Usage};

use super::Context;

/// Arguments of `kestrel storage`.
#[derive(Debug, clap::Args)]
pub struct StorageArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: StorageAction,
}

/// Storage actions.
#[derive(Debug, clap::Subcommand)]
pub enum StorageAction {
    /// Disk space, what each store takes, and (with --sample) how long the room lasts.
    Status {
        /// Measure how fast the disk fills over this many seconds.
        #[arg(long, value_name = "SECS")]
        sample: Option<f64>,
    },
    /// Remove old telemetry logs and recordings: by age and/or total size, oldest first.
    /// Recordings whose SHA-256 is not in the evidence log are always kept.
    Prune {
        /// Remove files older than this (e.g. 30d, 12h, 90m).
        #[arg(long, value_name = "AGE", value_parser = parse_age)]
        older_than: Option<Duration>,
        /// Keep telemetry logs and recordings under this total (e.g. 20G, 500M).
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        keep_total: Option<u64>,
        /// Only list what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Runs `kestrel storage`.
pub async fn run(args: StorageArgs, ctx: &Context) -> anyhow::Result<()> {
    let dir = &ctx.data_dir;
    match args.action {
        StorageAction::Status { sample } => {
            let space = DiskSpace::of(dir)?;
            let rate = match sample {
                Some(secs) => Some(fill_rate(dir, space, secs).await?),
                None => None,
            };
            let usage = Usage::of(dir)?;
            if ctx.json {
                let v = serde_json::json!({
                    "data_dir": dir,
                    "disk": space,
                    "reserve": room::reserve_for(space.total),
                    "stores": usage.stores,
                    "bytes_per_second": rate,
                    "lasts_s": rate.and_then(|r| space.lasts(r, room::reserve_for(space.total))).map(|d| d.as_secs()),
                });
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print!("{}", status_text(dir, space, &usage, rate));
            }
            Ok(())
        }
        StorageAction::Prune {
            older_than,
            keep_total,
            dry_run,
        } => {
            if older_than.is_none() && keep_total.is_none() {
                anyhow::bail!("say what to keep: --older-than AGE and/or --keep-total SIZE");
            }
            let policy = Retention {
                max_age: older_than,
                max_total: keep_total,
            };
            let plan = retention::plan(dir, policy, SystemTime::now())?;
            let freed = if dry_run { 0 } else { plan.apply()? };
            if ctx.json {
                let v = serde_json::json!({
                    "removed": if dry_run { Vec::new() } else { plan.remove.clone() },
                    "would_remove": if dry_run { plan.remove.clone() } else { Vec::new() },
                    "bytes_freed": freed,
                    "kept_unhashed": plan.unhashed,
                });
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(());
            }
            for c in &plan.remove {
                let verb = if dry_run { "would remove" } else { "removed" };
                println!("{verb} {} ({})", c.path.display(), human_bytes(c.bytes));
            }
            for p in &plan.unhashed {
                println!(
                    "kept {}: its SHA-256 is not in the evidence log (or differs), so it is \
                     not removed",
                    p.display()
                );
            }
            if dry_run {
                println!("would free {}", human_bytes(plan.bytes()));
            } else {
                println!("freed {}", human_bytes(freed));
            }
            Ok(())
        }
    }
}

/// Bytes per second the disk fills, measured over `secs`.
async fn fill_rate(dir: &std::path::Path, before: DiskSpace, secs: f64) -> anyhow::Result<f64> {
    if !(0.0..=3600.0).contains(&secs) || secs == 0.0 {
        anyhow::bail!("--sample takes 0 < SECS <= 3600, not {secs}");
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    let after = DiskSpace::of(dir)?;
    let used = before.available.saturating_sub(after.available) as f64;
    Ok(used / started.elapsed().as_secs_f64())
}

/// The human-readable status.
fn status_text(
    dir: &std::path::Path,
    space: DiskSpace,
    usage: &Usage,
    rate: Option<f64>,
) -> String {
    let mut out = format!(
        "data directory {}\ndisk: {} free of {} ({:.0} % used); {} kept free for the audit trail\n",
        dir.display(),
        human_bytes(space.available),
        human_bytes(space.total),
        space.used_fraction() * 100.0,
        human_bytes(room::reserve_for(space.total)),
    );
    if let Some(warning) = crate::storage::warning(space, rate) {
        out.push_str(&format!("warning: {warning}\n"));
    }
    for s in &usage.stores {
        out.push_str(&format!(
            "  {:<18} {:>10}  {} file{}\n",
            s.store.label(),
            human_bytes(s.bytes),
            s.files,
            if s.files == 1 { "" } else { "s" }
        ));
    }
    out.push_str(&format!(
        "  {:<18} {:>10}\n",
        "total",
        human_bytes(usage.total())
    ));
    match rate {
        Some(r) if r > 0.0 => {
            let lasts = space
                .lasts(r, room::reserve_for(space.total))
                .unwrap_or_default();
            out.push_str(&format!(
                "filling at {}/s: full in about {}\n",
                human_bytes(r as u64),
                crate::storage::space::human_duration(lasts)
            ));
        }
        Some(_) => out.push_str("not filling over the sample\n"),
        None => {}
    }
    out
}

/// `30d`, `12h`, `90m`, `45s` (a bare number is days).
fn parse_age(s: &str) -> Result<Duration, String> {
    let (num, unit) = split_unit(s);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not an age; try 30d, 12h or 90m"))?;
    let secs = match unit {
        "" | "d" => 86_400.0,
        "h" => 3600.0,
        "m" => 60.0,
        "s" => 1.0,
        _ => return Err(format!("`{s}`: the unit is d, h, m or s")),
    };
    if n.is_nan() || n < 0.0 || n.is_infinite() {
        return Err(format!("`{s}` is not an age"));
    }
    Ok(Duration::from_secs_f64(n * secs))
}

/// `20G`, `500M`, `64k`, `1000` (bytes; powers of 1000 as the status prints them).
fn parse_size(s: &str) -> Result<u64, String> {
    let (num, unit) = split_unit(s);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size; try 20G, 500M or 64k"))?;
    let scale = match unit.to_ascii_lowercase().trim_end_matches('b') {
        "" => 1.0,
        "k" => 1e3,
        "m" => 1e6,
        "g" => 1e9,
        "t" => 1e12,
        _ => return Err(format!("`{s}`: the unit is k, M, G or T")),
    };
    if n.is_nan() || n < 0.0 || n.is_infinite() {
        return Err(format!("`{s}` is not a size"));
    }
    Ok((n * scale) as u64)
}

fn split_unit(s: &str) -> (&str, &str) {
    let s = s.trim();
    let at = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    (&s[..at], &s[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_sizes_read_as_people_write_them() {
        assert_eq!(parse_age("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_age("90m"), Ok(Duration::from_secs(5400)));
        assert!(parse_age("soon").is_err());
        assert!(parse_age("3w").unwrap_err().contains("unit"));
        assert_eq!(parse_size("500M"), Ok(500_000_000));
        assert_eq!(parse_size("1.5GB"), Ok(1_500_000_000));
        assert!(parse_size("lots").is_err());
    }
}
