//! `kestrel command`: one command to one aircraft, with its outcome.

use std::time::Duration;

use crate::fleet::modes::copter_mode_number;
use crate::protocol::{Command, CommandOutcome};
use crate::station::Station;

use super::{wait_for, LinkArgs};

/// Arguments of `kestrel command`.
#[derive(Debug, clap::Args)]
pub struct CommandArgs {
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

/// Turns a command-line action into the commands to send, in order.
pub fn plan_steps(action: &Action, station: &Station, sysid: u8) -> anyhow::Result<Vec<Command>> {
    let snap = station.snapshot();
    let aircraft = snap.get(sysid);
    let mode = |name: &str| -> anyhow::Result<Command> {
        let n = copter_mode_number(name).ok_or_else(|| {
            let names: Vec<&str> = crate::fleet::modes::COPTER_MODES
                .iter()
                .map(|(_, n)| *n)
                .collect();
            anyhow::anyhow!("unknown mode '{name}'; known modes: {}", names.join(", "))
        })?;
        Ok(Command::SetMode { custom_mode: n })
    };
    let steps = match action {
        Action::Arm => vec![Command::Arm],
        Action::Disarm => vec![Command::Disarm],
        Action::Takeoff { alt } => {
            let mut steps = Vec::new();
            if aircraft.is_none_or(|a| a.mode_name() != "GUIDED") {
                steps.push(mode("GUIDED")?);
            }
            if aircraft.is_none_or(|a| !a.armed) {
                steps.push(Command::Arm);
            }
            steps.push(Command::Takeoff { alt_m: *alt });
            steps
        }
        Action::Land => vec![Command::Land],
        Action::Rtl => vec![Command::ReturnToLaunch],
        Action::Hold => vec![mode("LOITER")?],
        Action::Resume => vec![Command::MissionStart],
        Action::Mode { name } => vec![mode(name)?],
        Action::Goto { lat, lon, alt } => vec![Command::Goto {
            lat: *lat,
            lon: *lon,
            alt_rel_m: *alt,
        }],
    };
    for s in &steps {
        s.validate().map_err(|e| anyhow::anyhow!(e))?;
    }
    Ok(steps)
}

/// Runs `kestrel command`.
pub async fn run(args: CommandArgs, ctx: &super::Context) -> anyhow::Result<()> {
    let json = ctx.json;
    // Refuse bad values before touching the network.
    if let Action::Goto { lat, lon, alt } = &args.action {
        Command::Goto {
            lat: *lat,
            lon: *lon,
            alt_rel_m: *alt,
        }
        .validate()
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
