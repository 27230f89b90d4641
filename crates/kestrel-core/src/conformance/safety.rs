//! What an autopilot must refuse on the ground: arming in a mode that cannot take off (LAND),
//! with its own reason, and a take-off while disarmed.

use super::probe::{mode, Probe, Stop};
use crate::protocol::command::{Command, CommandOutcome};

/// In LAND, arming is refused with the autopilot's reason ("Mode not armable"); in GUIDED and
/// disarmed, a take-off is refused. The aircraft is left in GUIDED, disarmed.
pub async fn arming_refusals(p: &mut Probe<'_>) -> Result<(), Stop> {
    p.on_the_ground()?;
    let result = refusals(p).await;
    // Whatever happened, leave it disarmed in a mode a pilot can arm in.
    if p.aircraft()?.armed {
        let _ = p.command("disarm (clean-up)", &Command::Disarm).await;
    }
    let _ = p
        .command(
            "mode GUIDED (clean-up)",
            &Command::SetMode {
                custom_mode: mode::GUIDED,
            },
        )
        .await;
    result
}

async fn refusals(p: &mut Probe<'_>) -> Result<(), Stop> {
    p.accepted(
        "mode LAND",
        &Command::SetMode {
            custom_mode: mode::LAND,
        },
    )
    .await?;
    // Right after boot the autopilot's own checks refuse first ("Gyros inconsistent"): wait
    // them out, as a pilot would, until the refusal is about the mode.
    let outcome = p
        .arm_until("arm in LAND", |o| match o {
            CommandOutcome::Denied {
                reason: Some(r), ..
            } => r.to_ascii_lowercase().contains("not armable"),
            _ => true,
        })
        .await?;
    match outcome {
        CommandOutcome::Accepted => {
            return Err(Stop::Fail(
                "armed in LAND: ArduPilot refuses (\"Mode not armable\")".into(),
            ))
        }
        CommandOutcome::Denied { reason: None, .. } => {
            return Err(Stop::Fail(
                "refused without saying why: ArduPilot sends its reason as STATUSTEXT".into(),
            ))
        }
        CommandOutcome::Denied {
            reason: Some(r), ..
        } if !r.to_ascii_lowercase().contains("not armable") => {
            return Err(Stop::Fail(format!(
                "refused for another reason (\"{r}\"): expected \"Mode not armable\""
            )))
        }
        CommandOutcome::Denied { .. } => {}
        other => return Err(Stop::Fail(format!("arm in LAND: {other}"))),
    }
    p.accepted(
        "mode GUIDED",
        &Command::SetMode {
            custom_mode: mode::GUIDED,
        },
    )
    .await?;
    match p
        .command("take off while disarmed", &Command::Takeoff { alt_m: 10.0 })
        .await?
    {
        CommandOutcome::Accepted => Err(Stop::Fail(
            "a take-off was accepted while disarmed: ArduPilot refuses it".into(),
        )),
        CommandOutcome::Denied { .. } => Ok(()),
        other => Err(Stop::Fail(format!("take off while disarmed: {other}"))),
    }
}
