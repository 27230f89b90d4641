//! Message intervals: GET_MESSAGE_INTERVAL, SET_MESSAGE_INTERVAL with the rate measured on the
//! link, the old interval restored; and one message asked for with REQUEST_MESSAGE.

use std::time::Duration;

use mavlink::dialects::ardupilotmega::{MavCmd, MavMessage};
use tokio::time::Instant;

use super::probe::{Probe, Stop};
use crate::protocol::command::{Command, RawCommand};

const GLOBAL_POSITION_INT_ID: u32 = 33;
const HOME_POSITION_ID: u32 = 242;
/// The rate the scenario asks for.
const WANTED_HZ: f64 = 5.0;
/// How long the rate is measured.
const MEASURE: Duration = Duration::from_secs(3);

/// GLOBAL_POSITION_INT's interval read, set to 5 Hz and measured (within 30 %), read back and
/// restored; HOME_POSITION sent once on request.
pub async fn run(p: &mut Probe<'_>) -> Result<(), Stop> {
    let original = get_interval(p).await?;
    p.saw(format!(
        "GET_MESSAGE_INTERVAL GLOBAL_POSITION_INT: {}",
        describe_us(original)
    ));
    let measured = set_and_measure(p).await;
    // Restore before judging; 0 asks for the autopilot's default when the old one is unknown.
    let restore_us = if original > 0 { original as f32 } else { 0.0 };
    let restored = p
        .command(
            "restore the interval",
            &Command::SetMessageInterval {
                message_id: GLOBAL_POSITION_INT_ID,
                interval_us: restore_us,
            },
        )
        .await?;
    let hz = measured?;
    if !(WANTED_HZ * 0.7..=WANTED_HZ * 1.3).contains(&hz) {
        return Err(Stop::Fail(format!(
            "asked for {WANTED_HZ} Hz, measured {hz:.1} Hz"
        )));
    }
    if !restored.is_accepted() {
        return Err(Stop::Fail(format!("restoring the interval: {restored}")));
    }
    let home = p
        .request("HOME_POSITION", HOME_POSITION_ID, |m| match m {
            MavMessage::HOME_POSITION(h) => Some(h.clone()),
            _ => None,
        })
        .await?;
    p.saw(format!(
        "HOME_POSITION: {:.7}, {:.7}, {:.1} m above sea level",
        f64::from(home.latitude) / 1e7,
        f64::from(home.longitude) / 1e7,
        f64::from(home.altitude) / 1000.0
    ));
    Ok(())
}

fn describe_us(us: i32) -> String {
    match us {
        -1 => "off".into(),
        0 => "not streamed".into(),
        n => format!("{n} µs ({:.1} Hz)", 1e6 / f64::from(n)),
    }
}

/// The interval the autopilot reports for GLOBAL_POSITION_INT (µs; -1 off).
async fn get_interval(p: &mut Probe<'_>) -> Result<i32, Stop> {
    let mut rx = p.listen();
    // Deprecated in MAVLink for REQUEST_MESSAGE(MESSAGE_INTERVAL), but what ArduPilot answers.
    #[allow(deprecated)]
    let get = MavCmd::MAV_CMD_GET_MESSAGE_INTERVAL;
    p.accepted(
        "GET_MESSAGE_INTERVAL",
        &Command::Raw(RawCommand {
            command: get,
            params: [GLOBAL_POSITION_INT_ID as f32, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            position: None,
            component: 1,
            description: "get the interval of GLOBAL_POSITION_INT".into(),
        }),
    )
    .await?;
    p.first(&mut rx, Duration::from_secs(3), |m| match m {
        MavMessage::MESSAGE_INTERVAL(i) if u32::from(i.message_id) == GLOBAL_POSITION_INT_ID => {
            Some(i.interval_us)
        }
        _ => None,
    })
    .await
    .ok_or_else(|| Stop::Fail("no MESSAGE_INTERVAL within 3 s of GET_MESSAGE_INTERVAL".into()))
}

/// Asks for 5 Hz, lets it settle a second, and counts GLOBAL_POSITION_INT for three.
async fn set_and_measure(p: &mut Probe<'_>) -> Result<f64, Stop> {
    p.accepted(
        "SET_MESSAGE_INTERVAL GLOBAL_POSITION_INT 5 Hz",
        &Command::SetMessageInterval {
            message_id: GLOBAL_POSITION_INT_ID,
            interval_us: (1e6 / WANTED_HZ) as f32,
        },
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut rx = p.listen();
    let until = Instant::now() + MEASURE;
    let mut n = 0u32;
    while Instant::now() < until {
        let left = until.saturating_duration_since(Instant::now());
        if p.first(&mut rx, left, |m| {
            matches!(m, MavMessage::GLOBAL_POSITION_INT(_)).then_some(())
        })
        .await
        .is_some()
        {
            n += 1;
        }
    }
    let hz = f64::from(n) / MEASURE.as_secs_f64();
    p.saw(format!(
        "GLOBAL_POSITION_INT measured at {hz:.1} Hz over {} s",
        MEASURE.as_secs()
    ));
    let now = get_interval(p).await?;
    p.saw(format!("read back: {}", describe_us(now)));
    if now != (1e6 / WANTED_HZ) as i32 {
        return Err(Stop::Fail(format!(
            "GET_MESSAGE_INTERVAL says {} after setting {} µs",
            describe_us(now),
            (1e6 / WANTED_HZ) as i32
        )));
    }
    Ok(hz)
}
