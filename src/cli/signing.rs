//! `kestrel signing setup|status|revoke`: give an aircraft a MAVLink 2 signing key over a trusted
//! link, show which aircraft sign and how many frames were refused, take a key back. Keys live
//! owner-only in `keys/` under the data directory and are never printed.

use std::time::Duration;

use crate::security::SigningRow;
use crate::station::Station;

use super::{wait_for, Context, LinkArgs};

/// Arguments of `kestrel signing`.
#[derive(Debug, clap::Args)]
pub struct SigningArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: SigningAction,
}

/// Signing actions.
#[derive(Debug, clap::Subcommand)]
pub enum SigningAction {
    /// Generate (or reuse) the aircraft's key, send it with SETUP_SIGNING over a trusted link and
    /// confirm the aircraft signs; from then on every frame to it is signed.
    Setup {
        /// Which links to use.
        #[command(flatten)]
        link: LinkArgs,
        /// System id of the aircraft (1-255).
        #[arg(long, value_parser = super::parse_sysid)]
        sysid: u8,
        /// Mark the links given here as trusted (e.g. a USB cable on the bench): a key is only
        /// ever sent over a trusted link, as anyone listening to the link learns it.
        #[arg(long)]
        trusted: bool,
        /// How long to wait for the aircraft to be heard (seconds).
        #[arg(long, default_value_t = 10.0)]
        wait: f64,
    },
    /// Per aircraft heard: whether it signs, whether a key is stored, frames refused.
    Status {
        /// Which links to use.
        #[command(flatten)]
        link: LinkArgs,
        /// How long to listen before reporting (seconds).
        #[arg(long, default_value_t = 3.0)]
        listen: f64,
    },
    /// Turn signing off with an aircraft (it is told so, with a signed message) and delete its key.
    Revoke {
        /// Which links to use.
        #[command(flatten)]
        link: LinkArgs,
        /// System id of the aircraft (1-255).
        #[arg(long, value_parser = super::parse_sysid)]
        sysid: u8,
        /// Delete the key here even if the aircraft cannot be reached or does not confirm (it
        /// then keeps signing with a key nobody holds until it is given a new one over USB).
        #[arg(long)]
        forget: bool,
        /// How long to wait for the aircraft to be heard (seconds).
        #[arg(long, default_value_t = 10.0)]
        wait: f64,
    },
    /// Hand an aircraft's key to another seat of its crew: write it to a new owner-only file
    /// (audited with its fingerprint; the key is never printed).
    Share {
        /// System id of the aircraft (1-255).
        #[arg(long, value_parser = super::parse_sysid)]
        sysid: u8,
        /// The file to write (never overwritten).
        #[arg(long, value_name = "FILE")]
        to: std::path::PathBuf,
    },
    /// Take in a key another seat shared (audited); a console picks it up when it starts.
    Accept {
        /// The file `kestrel signing share` wrote.
        file: std::path::PathBuf,
    },
}

/// Per aircraft heard (and per stored key), the signing state of `station`.
pub fn rows(station: &Station) -> Vec<SigningRow> {
    station.signing_status()
}

fn print_rows(rows: &[SigningRow], json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(rows)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!("no aircraft heard and no signing keys stored");
        return Ok(());
    }
    println!(
        "{:>5}  {:<19} {:<4} {:>9} {:>9}  (unsigned / bad signature / replayed)",
        "sysid", "signing", "key", "accepted", "rejected"
    );
    for r in rows {
        println!(
            "{:>5}  {:<19} {:<4} {:>9} {:>9}  ({} / {} / {})",
            r.sysid,
            r.state,
            if r.key_present { "yes" } else { "no" },
            r.accepted,
            r.rejected,
            r.unsigned,
            r.bad_signature,
            r.replayed
        );
    }
    Ok(())
}

/// Runs `kestrel signing`.
pub async fn run(args: SigningArgs, ctx: &Context) -> anyhow::Result<()> {
    match args.action {
        SigningAction::Share { sysid, to } => share(sysid, &to, ctx),
        SigningAction::Accept { file } => accept(&file, ctx),
        SigningAction::Setup {
            link,
            sysid,
            trusted,
            wait,
        } => {
            let station = link.open(ctx).await?;
            if trusted {
                for l in station.links() {
                    station.set_trusted(l.id, true);
                }
            }
            wait_for(&station, sysid, Duration::from_secs_f64(wait)).await?;
            station.setup_signing(sysid).await?;
            let rows: Vec<SigningRow> = rows(&station)
                .into_iter()
                .filter(|r| r.sysid == sysid)
                .collect();
            if ctx.json {
                print_rows(&rows, true)?;
            } else {
                println!(
                    "aircraft {sysid}: signing on (key stored in {})",
                    ctx.keys_dir().display()
                );
            }
            Ok(())
        }
        SigningAction::Status { link, listen } => {
            let station = link.open(ctx).await?;
            tokio::time::sleep(Duration::from_secs_f64(listen.max(0.0))).await;
            print_rows(&rows(&station), ctx.json)
        }
        SigningAction::Revoke {
            link,
            sysid,
            forget,
            wait,
        } => {
            let station = link.open(ctx).await?;
            if station.signing().key_for(sysid).is_none() {
                anyhow::bail!(
                    "aircraft {sysid} has no signing key in {}: nothing to revoke",
                    ctx.keys_dir().display()
                );
            }
            let told = match wait_for(&station, sysid, Duration::from_secs_f64(wait)).await {
                Ok(()) => station
                    .revoke_signing(sysid)
                    .await
                    .map_err(anyhow::Error::from),
                Err(e) => Err(e),
            };
            match told {
                Ok(()) => {
                    if !ctx.json {
                        println!("aircraft {sysid}: signing off, key deleted");
                    }
                }
                Err(e) if forget => {
                    station.forget_signing_key(sysid)?;
                    if !ctx.json {
                        println!(
                            "aircraft {sysid}: key deleted here; the aircraft did not confirm ({e})"
                        );
                    }
                }
                Err(e) => return Err(e),
            }
            if ctx.json {
                print_rows(&rows(&station), true)?;
            }
            Ok(())
        }
    }
}

/// `kestrel signing share`: the key to a new file, then the audit entry; without the entry
/// the file is removed again (a key never leaves without its record).
fn share(sysid: u8, to: &std::path::Path, ctx: &Context) -> anyhow::Result<()> {
    use crate::security::share;
    let store = crate::security::KeyStore::open(&ctx.keys_dir())?;
    let audit = crate::audit::AuditLog::open(&ctx.audit_db())?;
    let shared = share::export(&store, sysid, &ctx.operator, to)?;
    let detail = format!(
        "key shared to {} (fingerprint {})",
        to.display(),
        shared.fingerprint()
    );
    if let Err(e) = audit.append(&ctx.operator, Some(sysid), "signing", &detail, "shared") {
        let _ = std::fs::remove_file(to);
        anyhow::bail!("key not shared: the audit trail cannot be written ({e})");
    }
    println!(
        "aircraft {sysid}: key written to {} (owner-only; fingerprint {}). Hand it to the seat, \
         which runs `kestrel signing accept FILE`, then delete it.",
        to.display(),
        shared.fingerprint()
    );
    Ok(())
}

/// `kestrel signing accept`: the key into this station's store, then the audit entry; without
/// the entry the key is removed again.
fn accept(file: &std::path::Path, ctx: &Context) -> anyhow::Result<()> {
    use crate::security::share;
    let shared = share::read(file)?;
    let store = crate::security::KeyStore::open(&ctx.keys_dir())?;
    let audit = crate::audit::AuditLog::open(&ctx.audit_db())?;
    let had = store.load(shared.sysid)?;
    share::import(&store, &shared)?;
    let detail = format!(
        "key received from {} (shared {}, fingerprint {})",
        shared.shared_by,
        shared.shared_at,
        shared.fingerprint()
    );
    if let Err(e) = audit.append(
        &ctx.operator,
        Some(shared.sysid),
        "signing",
        &detail,
        "stored",
    ) {
        match had {
            Some(old) => store.store(shared.sysid, &old)?,
            None => store.remove(shared.sysid)?,
        }
        anyhow::bail!("key not taken in: the audit trail cannot be written ({e})");
    }
    println!(
        "aircraft {}: key from {} stored (fingerprint {}); frames to it are signed from now on",
        shared.sysid,
        shared.shared_by,
        shared.fingerprint()
    );
    Ok(())
}
