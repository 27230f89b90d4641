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
