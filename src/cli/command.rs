//! `kestrel command`: one command to one aircraft, with its outcome.

use std::time::Duration;

use crate::protocol::{Command, CommandOutcome, PilotAction};
use crate::station::Station;

use super::{wait_for, LinkArgs};

/// Arguments of `kestrel command`.
#[derive(Debug, clap::Args)]
pub struct CommandArgs {
    /// Which links to send over.
    #[command(flatten)]
    pub link: LinkArgs,
    /// System id of the aircraft (1-255; 0 is broadcast and never names one aircraft).
    #[arg(long, value_parser = super::parse_sysid)]
    pub sysid: u8,
    /// How long to wait for the aircraft to be heard (seconds).
    #[arg(long, default_value_t = 10.0)]
    pub wait: f64,
    /// The command.
    #[command(subcommand)]
    pub action: Action,
}

/// The commands a pilot can give from the command line.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Action {
    /// Arm the motors.
    Arm,
    /// Disarm the motors.
    Disarm,
    /// Switch to GUIDED, arm if needed, and climb to ALT metres above home.
    Takeoff {
        /// Altitude above home, metres.
        alt: f32,
    },
    /// Land where it is.
    Land,
    /// Return to launch.
    Rtl,
    /// Hold position (LOITER).
    Hold,
    /// Resume the uploaded mission (AUTO).
    Resume,
    /// Change flight mode (STABILIZE, ALT_HOLD, LOITER, GUIDED, AUTO, RTL, LAND, BRAKE, ...).
    Mode {
        /// Mode name.
        name: String,
    },
    /// Fly to a point in GUIDED and hold there.
    #[command(allow_negative_numbers = true)]
    Goto {
        /// Latitude, degrees.
        lat: f64,
        /// Longitude, degrees.
        lon: f64,
        /// Altitude above home, metres.
        alt: f32,
    },
}

/// One step of a command and how it ended.
#[derive(Debug, serde::Serialize)]
pub struct StepReport {
    /// What was asked.
    pub step: String,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: CommandOutcome,
}

impl Action {
    /// The pilot action this command-line action asks for.
    pub fn to_pilot(&self) -> anyhow::Result<PilotAction> {
        Ok(match self {
            Action::Arm => PilotAction::Arm,
            Action::Disarm => PilotAction::Disarm,
            Action::Takeoff { alt } => PilotAction::Takeoff { alt_m: *alt },
            Action::Land => PilotAction::Land,
            Action::Rtl => PilotAction::ReturnToLaunch,
            Action::Hold => PilotAction::Hold,
            Action::Resume => PilotAction::ResumeMission,
            Action::Mode { name } => {
                PilotAction::mode_by_name(name).map_err(|e| anyhow::anyhow!(e))?
            }
            Action::Goto { lat, lon, alt } => PilotAction::Goto {
                lat: *lat,
                lon: *lon,
                alt_rel_m: *alt,
            },
        })
    }
}

/// Turns a command-line action into the commands to send, in order.
pub fn plan_steps(action: &Action, station: &Station, sysid: u8) -> anyhow::Result<Vec<Command>> {
    let snap = station.snapshot();
    action
        .to_pilot()?
        .steps(snap.get(sysid))
        .map_err(|e| anyhow::anyhow!(e))
}

/// Runs `kestrel command`.
pub async fn run(args: CommandArgs, ctx: &super::Context) -> anyhow::Result<()> {
    let json = ctx.json;
    // Refuse bad values before touching the network.
    if let Action::Goto { .. } = &args.action {
        args.action
            .to_pilot()?
            .steps(None)
            .map_err(|e| anyhow::anyhow!(e))?;
    }
    let station = args.link.open(ctx).await?;
    wait_for(&station, args.sysid, Duration::from_secs_f64(args.wait)).await?;
    let steps = plan_steps(&args.action, &station, args.sysid)?;
    let mut reports = Vec::new();
    let mut failed = None;
    for step in steps {
        let outcome = station.command(args.sysid, &step).await?;
        let ok = outcome.is_accepted();
        if !json {
            println!("aircraft {}: {}: {outcome}", args.sysid, step.describe());
        }
        reports.push(StepReport {
            step: step.describe(),
            outcome: outcome.clone(),
        });
        if !ok {
            failed = Some(format!("{}: {outcome}", step.describe()));
            break;
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    }
    station.flush_tlog();
    match failed {
        Some(f) => anyhow::bail!("aircraft {}: {f}", args.sysid),
        None => Ok(()),
    }
}
