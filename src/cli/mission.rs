//! `kestrel mission upload|download|clear`: move plans between files and aircraft.

use std::path::PathBuf;
use std::time::Duration;

use crate::plan::{self, MissionKind, MissionPlan};
use crate::protocol::TransferPolicy;

use super::{wait_for, LinkArgs};

/// Arguments of `kestrel mission`.
#[derive(Debug, clap::Args)]
pub struct MissionArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: MissionAction,
}

/// Options shared by every mission action.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// Which links to use.
    #[command(flatten)]
    pub link: LinkArgs,
    /// System id of the aircraft (1-255; 0 is broadcast and never names one aircraft).
    #[arg(long, value_parser = super::parse_sysid)]
    pub sysid: u8,
    /// How long to wait for the aircraft to be heard (seconds).
    #[arg(long, default_value_t = 10.0)]
    pub wait: f64,
}

/// Which lists a mission action covers.
#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Lists {
    /// Mission, geofence and rally points.
    All,
    /// The mission only.
    Mission,
    /// The geofence only.
    Fence,
    /// The rally points only.
    Rally,
}

impl Lists {
    fn kinds(self) -> Vec<MissionKind> {
        match self {
            Lists::All => MissionKind::ALL.to_vec(),
            Lists::Mission => vec![MissionKind::Mission],
            Lists::Fence => vec![MissionKind::Fence],
            Lists::Rally => vec![MissionKind::Rally],
        }
    }
}

/// Mission actions.
#[derive(Debug, clap::Subcommand)]
pub enum MissionAction {
    /// Upload a QGroundControl .plan or WPL 110 file (mission, geofence, rally points).
    Upload {
        /// The aircraft and the links to reach it.
        #[command(flatten)]
        target: Target,
        /// The plan file.
        file: PathBuf,
    },
    /// Download what the aircraft holds into a .plan (or .waypoints) file, or print it.
    Download {
        /// The aircraft and the links to reach it.
        #[command(flatten)]
        target: Target,
        /// Where to write; prints a summary when absent.
        file: Option<PathBuf>,
        /// Which lists to download.
        #[arg(long, value_enum, default_value_t = Lists::All)]
        lists: Lists,
    },
    /// Clear lists on the aircraft.
    Clear {
        /// The aircraft and the links to reach it.
        #[command(flatten)]
        target: Target,
        /// Which lists to clear.
        #[arg(long, value_enum, default_value_t = Lists::Mission)]
        lists: Lists,
    },
}

#[derive(serde::Serialize)]
struct ListReport {
    list: &'static str,
    items: usize,
    resends: u32,
    seconds: f64,
}

/// Runs `kestrel mission`.
pub async fn run(args: MissionArgs, ctx: &super::Context) -> anyhow::Result<()> {
    let json = ctx.json;
    let policy = TransferPolicy::default();
    match args.action {
        MissionAction::Upload { target, file } => {
            let plan = super::terrain::load_plan(&file, &ctx.data_dir)?;
            let station = target.link.open(ctx).await?;
            wait_for(&station, target.sysid, Duration::from_secs_f64(target.wait)).await?;
            let (lists, failed) = match station.upload_plan(target.sysid, &plan, policy).await {
                Ok(done) => (done.lists, None),
                Err(e) => (e.uploaded.clone(), Some(e)),
            };
            let mut reports = Vec::new();
            for list in &lists {
                if !json {
                    println!(
                        "aircraft {}: uploaded {} {} items in {:.2} s ({} resends)",
                        target.sysid,
                        list.items(),
                        list.kind.name(),
                        list.stats.seconds,
                        list.stats.resends
                    );
                }
                reports.push(ListReport {
                    list: list.kind.name(),
                    items: list.items(),
                    resends: list.stats.resends,
                    seconds: list.stats.seconds,
                });
            }
            if let Some(e) = failed {
                return Err(e.into());
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&reports)?);
            }
            Ok(())
        }
        MissionAction::Download {
            target,
            file,
            lists,
        } => {
            let station = target.link.open(ctx).await?;
            wait_for(&station, target.sysid, Duration::from_secs_f64(target.wait)).await?;
            let mut plan = MissionPlan::default();
            for kind in lists.kinds() {
                let (items, _) = station.download_items(target.sysid, kind, policy).await?;
                plan.set_from_wire(kind, items);
            }
            match file {
                Some(path) => {
                    plan::save(&path, &plan)?;
                    if !json {
                        println!(
                            "aircraft {}: {} mission items, {} geofence items, {} rally points written to {}",
                            target.sysid,
                            plan.mission.len(),
                            plan.fence.len(),
                            plan.rally.len(),
                            path.display()
                        );
                    }
                }
                None if !json => {
                    println!(
                        "aircraft {}: {} mission items, {} geofence items, {} rally points",
                        target.sysid,
                        plan.mission.len(),
                        plan.fence.len(),
                        plan.rally.len()
                    );
                    for (i, it) in plan.mission.iter().enumerate() {
                        println!(
                            "  {:>3}  cmd {:>5}  frame {:>2}  {:.7} {:.7} {:.1}",
                            i + 1,
                            it.command,
                            it.frame,
                            it.x,
                            it.y,
                            it.z
                        );
                    }
                }
                None => {}
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&plan)?);
            }
            Ok(())
        }
        MissionAction::Clear { target, lists } => {
            let station = target.link.open(ctx).await?;
            wait_for(&station, target.sysid, Duration::from_secs_f64(target.wait)).await?;
            for kind in lists.kinds() {
                station.clear_items(target.sysid, kind, policy).await?;
                if !json {
                    println!("aircraft {}: {} cleared", target.sysid, kind.name());
                }
            }
            Ok(())
        }
    }
}
