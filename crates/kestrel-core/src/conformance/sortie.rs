//! A short sortie in GUIDED: arm (waiting out the autopilot's pre-arm checks), take off, fly to
//! a point, return to launch, land and disarm; each step timed and checked from telemetry.

use std::time::Duration;

use super::probe::{mode, offset, Probe, Stop, READY_WITHIN};
use crate::plan::geo::haversine_m;
use crate::protocol::command::{Command, CommandOutcome};

const TAKEOFF_M: f32 = 10.0;
const LEG_M: f64 = 30.0;

/// The sortie; on a failure after take-off it lands the aircraft where it is.
pub async fn run(p: &mut Probe<'_>) -> Result<(), Stop> {
    let a = p.on_the_ground()?;
    let home = a
        .home
        .map(|h| h.position)
        .or(a.position)
        .ok_or_else(|| Stop::Skip("the aircraft reports no position".into()))?;
    p.accepted(
        "mode GUIDED",
        &Command::SetMode {
            custom_mode: mode::GUIDED,
        },
    )
    .await?;
    arm(p).await?;
    let flown = fly(p, home).await;
    if flown.is_err() && p.aircraft()?.armed {
        let _ = p
            .command(
                "mode LAND (after the failure)",
                &Command::SetMode {
                    custom_mode: mode::LAND,
                },
            )
            .await;
    }
    flown
}

/// Arms, retrying while the autopilot's pre-arm checks still refuse.
async fn arm(p: &mut Probe<'_>) -> Result<(), Stop> {
    match p.arm_until("arm", CommandOutcome::is_accepted).await? {
        CommandOutcome::Accepted => Ok(()),
        refused @ CommandOutcome::Denied { .. } => Err(Stop::Fail(format!(
            "not armable within {} s: {refused}",
            READY_WITHIN.as_secs()
        ))),
        other => Err(Stop::Fail(format!("arm: {other}"))),
    }
}

async fn fly(p: &mut Probe<'_>, home: crate::geo::GeoPoint) -> Result<(), Stop> {
    p.accepted("take off to 10 m", &Command::Takeoff { alt_m: TAKEOFF_M })
        .await?;
    let took = p
        .until("climb to 9 m", Duration::from_secs(40), |a| {
            a.alt_rel_m >= TAKEOFF_M - 1.0
        })
        .await?;
    p.saw(format!(
        "climbed to {TAKEOFF_M} m in {:.0} s",
        took.as_secs_f64()
    ));
    let target = offset(home, LEG_M, 0.0);
    p.accepted(
        "go to 30 m north",
        &Command::Goto {
            lat: target.lat,
            lon: target.lon,
            alt_rel_m: TAKEOFF_M,
        },
    )
    .await?;
    let went = p
        .until("reach the point", Duration::from_secs(60), |a| {
            a.position.is_some_and(|pos| haversine_m(pos, target) < 3.0)
        })
        .await?;
    p.saw(format!("reached it in {:.0} s", went.as_secs_f64()));
    p.accepted(
        "mode RTL",
        &Command::SetMode {
            custom_mode: mode::RTL,
        },
    )
    .await?;
    let back = p
        .until("return, land and disarm", Duration::from_secs(180), |a| {
            !a.armed && a.position.is_some_and(|pos| haversine_m(pos, home) < 5.0)
        })
        .await?;
    let a = p.aircraft()?;
    p.saw(format!(
        "returned, landed and disarmed in {:.0} s, {:.1} m from home",
        back.as_secs_f64(),
        a.position.map_or(f64::NAN, |pos| haversine_m(pos, home))
    ));
    Ok(())
}
