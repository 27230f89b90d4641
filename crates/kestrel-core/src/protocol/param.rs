//! Setting one parameter on an aircraft: PARAM_SET, answered by the PARAM_VALUE the autopilot
//! sends every ground station, resent on silence. The crew seats use it to point the aircraft's
//! SYSID_MYGCS at the pilot seat, so its GCS failsafe follows that seat's heartbeat. And reading
//! one (PARAM_REQUEST_READ), which the conformance suite uses.

use std::time::Duration;

use mavlink::dialects::ardupilotmega::{
    MavMessage, MavParamType, PARAM_REQUEST_READ_DATA, PARAM_SET_DATA,
};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use crate::station::{SendError, Station};

/// Why a parameter was not set.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    /// Nothing to send it over.
    #[error(transparent)]
    Send(#[from] SendError),
    /// Parameter names are at most 16 characters.
    #[error("parameter name '{0}' is longer than 16 characters")]
    BadName(String),
    /// The aircraft never confirmed the new value.
    #[error("aircraft {sysid} did not confirm {name} = {value} after {attempts} attempts")]
    NoAnswer {
        /// The aircraft.
        sysid: u8,
        /// The parameter.
        name: String,
        /// The value asked for.
        value: f32,
        /// How many times it was sent.
        attempts: u32,
    },
    /// The aircraft kept another value (read-only or out of range).
    #[error("aircraft {sysid} kept {name} = {kept} instead of {value}")]
    Refused {
        /// The aircraft.
        sysid: u8,
        /// The parameter.
        name: String,
        /// The value asked for.
        value: f32,
        /// The value it reported.
        kept: f32,
    },
}

impl Station {
    /// Sets parameter `name` of aircraft `sysid` to `value` and waits until the aircraft
    /// reports it; audited.
    pub async fn set_param(&self, sysid: u8, name: &str, value: f32) -> Result<(), ParamError> {
        let result = self.set_param_inner(sysid, name, value).await;
        let outcome = match &result {
            Ok(()) => "accepted".to_string(),
            Err(e) => e.to_string(),
        };
        self.audit(
            Some(sysid),
            "param_set",
            format!("{name} = {value}"),
            outcome,
        );
        result
    }

    /// Reads parameter `name` of aircraft `sysid`: its value, or `None` when the aircraft does
    /// not answer after three requests (ArduPilot's way of saying it has no such parameter).
    pub async fn read_param(&self, sysid: u8, name: &str) -> Result<Option<f32>, ParamError> {
        if name.len() > 16 {
            return Err(ParamError::BadName(name.to_string()));
        }
        let mut rx = self.subscribe();
        for _ in 0..3 {
            self.send_to(
                sysid,
                MavMessage::PARAM_REQUEST_READ(PARAM_REQUEST_READ_DATA {
                    param_index: -1,
                    target_system: sysid,
                    target_component: 1,
                    param_id: name.into(),
                }),
            )?;
            let deadline = Instant::now() + Duration::from_millis(1000);
            if let Some(v) = next_value(&mut rx, sysid, name, deadline).await? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    async fn set_param_inner(&self, sysid: u8, name: &str, value: f32) -> Result<(), ParamError> {
        if name.len() > 16 {
            return Err(ParamError::BadName(name.to_string()));
        }
        const ATTEMPTS: u32 = 4;
        let mut rx = self.subscribe();
        let mut kept = None;
        for _ in 0..ATTEMPTS {
            self.send_to(
                sysid,
                MavMessage::PARAM_SET(PARAM_SET_DATA {
                    param_value: value,
                    target_system: sysid,
                    target_component: 1,
                    param_id: name.into(),
                    param_type: MavParamType::MAV_PARAM_TYPE_REAL32,
                }),
            )?;
            let deadline = Instant::now() + Duration::from_millis(1000);
            while let Some(v) = next_value(&mut rx, sysid, name, deadline).await? {
                if (v - value).abs() <= f32::EPSILON * value.abs().max(1.0) {
                    return Ok(());
                }
                // Perhaps an older value crossing ours on the way: keep waiting.
                kept = Some(v);
            }
        }
        if let Some(kept) = kept {
            return Err(ParamError::Refused {
                sysid,
                name: name.to_string(),
                value,
                kept,
            });
        }
        Err(ParamError::NoAnswer {
            sysid,
            name: name.to_string(),
            value,
            attempts: ATTEMPTS,
        })
    }
}

/// The next value of parameter `name` that aircraft `sysid` reports before `deadline`.
async fn next_value(
    rx: &mut tokio::sync::broadcast::Receiver<std::sync::Arc<crate::station::Inbound>>,
    sysid: u8,
    name: &str,
    deadline: Instant,
) -> Result<Option<f32>, ParamError> {
    loop {
        let msg = match tokio::time::timeout_at(deadline, rx.recv()).await {
            Err(_) => return Ok(None),
            Ok(Err(RecvError::Lagged(_))) => continue,
            Ok(Err(RecvError::Closed)) => return Err(SendError::NoLinks.into()),
            Ok(Ok(m)) => m,
        };
        if msg.sysid() != sysid {
            continue;
        }
        if let MavMessage::PARAM_VALUE(v) = &msg.message {
            if v.param_id.to_str().map(|s| s.trim_end_matches('\0')) == Ok(name) {
                return Ok(Some(v.param_value));
            }
        }
    }
}
