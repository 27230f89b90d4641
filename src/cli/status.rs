//! `kestrel status`: which aircraft are heard, and how they are.

use crate::storage::{space::human_bytes, DiskSpace};
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

/// The data directory's disk: a line in the table's view, and its warning (also with --json,
/// on stderr), with the rate measured while status listened.
fn disk_line(ctx: &super::Context, (since, before): (std::time::Instant, Option<DiskSpace>)) {
    let Ok(now) = DiskSpace::of(&ctx.data_dir) else {
        return;
    };
    let secs = since.elapsed().as_secs_f64();
    let rate = before
        .filter(|_| secs >= 1.0)
        .map(|b| b.available.saturating_sub(now.available) as f64 / secs);
    if !ctx.json {
        println!(
            "disk: {} free of {} ({:.0} % used) in {}",
            human_bytes(now.available),
            human_bytes(now.total),
            now.used_fraction() * 100.0,
            ctx.data_dir.display()
        );
    }
    if let Some(w) = crate::storage::warning(now, rate) {
        eprintln!("kestrel: warning: {w}");
    }
}

/// Asks every aircraft whose home is not known yet for HOME_POSITION (MAV_CMD_REQUEST_MESSAGE)
/// and waits up to two seconds for the answers, so the table's home column is filled.
async fn request_home(
    station: &crate::station::Station,
    snap: crate::fleet::FleetSnapshot,
) -> crate::fleet::FleetSnapshot {
    use mavlink::dialects::ardupilotmega::{MavCmd, MavMessage, COMMAND_LONG_DATA};
    const HOME_POSITION_ID: f32 = 242.0;
    for a in snap.aircraft.iter().filter(|a| a.home.is_none()) {
        let _ = station.send_to(
            a.sysid,
            MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
                param1: HOME_POSITION_ID,
                command: MavCmd::MAV_CMD_REQUEST_MESSAGE,
                target_system: a.sysid,
                target_component: 1,
                ..Default::default()
            }),
        );
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    loop {
        let now = station.snapshot();
        if now.aircraft.iter().all(|a| a.home.is_some()) || tokio::time::Instant::now() >= deadline
        {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs `kestrel status`.
pub async fn run(args: StatusArgs, ctx: &super::Context) -> anyhow::Result<()> {
    let json = ctx.json;
    let disk_before = (std::time::Instant::now(), DiskSpace::of(&ctx.data_dir).ok());
    let station = args.link.open(ctx).await?;
    let wait = Duration::from_secs_f64(args.wait.max(0.0));
    let mut snap = match args.expect {
        Some(n) => station.wait_for_aircraft(n, wait).await,
        None => {
            tokio::time::sleep(wait).await;
            station.snapshot()
        }
    };
    if snap.aircraft.is_empty() {
        disk_line(ctx, disk_before);
        anyhow::bail!("no aircraft heard{}", link_problems(&station));
    }
    if snap.aircraft.iter().any(|a| a.home.is_none()) {
        snap = request_home(&station, snap).await;
    }
    let terrain = crate::terrain::TerrainStore::in_data_dir(&ctx.data_dir);
    let terrain: Option<&dyn crate::terrain::Terrain> = Some(&terrain);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&output::rows_over(&snap, terrain))?
        );
    } else {
        print!("{}", output::table_over(&snap, terrain));
    }
    disk_line(ctx, disk_before);
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
