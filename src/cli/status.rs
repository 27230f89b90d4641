//! `kestrel status`: which aircraft are heard, and how they are.

use std::time::Duration;

use super::{link_problems, output, LinkArgs};

/// Arguments of `kestrel status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Which links to listen on.
    #[command(flatten)]
    pub link: LinkArgs,
    /// Listen this long before printing (seconds).
    #[arg(long, default_value_t = 3.0)]
    pub wait: f64,
    /// Stop waiting as soon as this many aircraft have a position.
    #[arg(long)]
    pub expect: Option<usize>,
}

/// Runs `kestrel status`.
pub async fn run(args: StatusArgs, ctx: &super::Context) -> anyhow::Result<()> {
    let json = ctx.json;
    let station = args.link.open(ctx).await?;
    let wait = Duration::from_secs_f64(args.wait.max(0.0));
    let snap = match args.expect {
        Some(n) => station.wait_for_aircraft(n, wait).await,
        None => {
            tokio::time::sleep(wait).await;
            station.snapshot()
        }
    };
    let terrain = crate::terrain::TerrainStore::in_data_dir(&ctx.data_dir);
    let terrain: Option<&dyn crate::terrain::Terrain> = Some(&terrain);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&output::rows_over(&snap, terrain))?
        );
    } else if snap.aircraft.is_empty() {
        println!("no aircraft heard{}", link_problems(&station));
    } else {
        print!("{}", output::table_over(&snap, terrain));
    }
    if let Some(n) = args.expect {
        let have = snap
            .aircraft
            .iter()
            .filter(|a| a.position.is_some())
            .count();
        if have < n {
            anyhow::bail!(
                "expected {n} aircraft with a position, heard {have}{}",
                link_problems(&station)
            );
        }
    }
    Ok(())
}
