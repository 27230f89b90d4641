//! The MAVLink mission protocol, ground side, for the mission, geofence and rally lists:
//! upload, download and clear, tolerating lost, duplicated and out-of-order messages, and saying
//! plainly when a transfer failed and what the aircraft holds afterwards.
//!
//! Timing follows the protocol's recommendations: 1500 ms for a handshake acknowledgement, 250 ms
//! before an item is asked for (download) or offered (upload) again, 5 retries.

// Real ArduPilot still asks with MISSION_REQUEST and may answer with MISSION_ITEM: we must speak both.
#![allow(deprecated)]

use std::sync::Arc;
use std::time::Duration;

use mavlink::dialects::ardupilotmega::{
    MavMessage, MavMissionResult, MISSION_ACK_DATA, MISSION_CLEAR_ALL_DATA, MISSION_COUNT_DATA,
    MISSION_ITEM_INT_DATA, MISSION_REQUEST_INT_DATA, MISSION_REQUEST_LIST_DATA,
};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;

use crate::plan::mission::{MissionItem, MissionKind};
use crate::station::{Inbound, SendError, Station};

/// Timeouts of the mission protocol.
#[derive(Debug, Clone, Copy)]
pub struct TransferPolicy {
    /// Wait this long for the aircraft to answer a handshake step (count, list request, ack).
    pub ack_timeout: Duration,
    /// Wait this long for the next item (download) or the next request (upload) before resending.
    pub item_timeout: Duration,
    /// Give up after this many consecutive resends without progress.
    pub retries: u32,
}

impl Default for TransferPolicy {
    fn default() -> Self {
        Self {
            ack_timeout: Duration::from_millis(1500),
            item_timeout: Duration::from_millis(250),
            retries: 5,
        }
    }
}

/// Why a transfer failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransferError {
    #[error(transparent)]
    Send(#[from] SendError),
    #[error("{kind} transfer with aircraft {sysid}: no answer after {retries} retries ({stage}); {holds}")]
    NoResponse {
        kind: &'static str,
        sysid: u8,
        retries: u32,
        stage: String,
        holds: String,
    },
    #[error("aircraft {sysid} refused the {kind}: {result}; {holds}")]
    Refused {
        kind: &'static str,
        sysid: u8,
        result: String,
        holds: String,
    },
    #[error("{kind} item {seq} cannot be sent: {reason}")]
    BadItem {
        kind: &'static str,
        seq: u16,
        reason: String,
    },
}

/// Counters of a finished transfer, for benchmarks and logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct TransferStats {
    /// Items moved.
    pub items: usize,
    /// Messages resent after a timeout.
    pub resends: u32,
    /// Wall time taken.
    pub seconds: f64,
}

type Rx = broadcast::Receiver<Arc<Inbound>>;

/// The next message from `sysid` before `deadline`, `None` on timeout.
async fn next_from(rx: &mut Rx, sysid: u8, deadline: Instant) -> Result<Option<Arc<Inbound>>, SendError> {
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Err(_) => return Ok(None),
            Ok(Err(RecvError::Lagged(_))) => continue,
            Ok(Err(RecvError::Closed)) => return Err(SendError::NoLinks),
            Ok(Ok(m)) if m.sysid() == sysid => return Ok(Some(m)),
            Ok(Ok(_)) => continue,
        }
    }
}

fn result_name(r: MavMissionResult) -> String {
    format!("{r:?}").trim_start_matches("MAV_MISSION_").to_string()
}

impl Station {
    /// Uploads one list to an aircraft, replacing what it holds. For the mission list, `items[0]`
    /// must be the home slot (see [`crate::plan::mission::MissionPlan::wire_items`]).
    pub async fn upload_items(
        &self,
        sysid: u8,
        kind: MissionKind,
        items: &[MissionItem],
        policy: TransferPolicy,
    ) -> Result<TransferStats, TransferError> {
        let started = Instant::now();
        let wire: Vec<MISSION_ITEM_INT_DATA> = items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                it.to_wire(i as u16, sysid, kind)
                    .map_err(|reason| TransferError::BadItem {
                        kind: kind.name(),
                        seq: i as u16,
                        reason,
                    })
            })
            .collect::<Result<_, _>>()?;
        if wire.len() > u16::MAX as usize - 1 {
            return Err(TransferError::BadItem {
                kind: kind.name(),
                seq: u16::MAX,
                reason: format!("{} items do not fit the protocol (max 65534)", wire.len()),
            });
        }
        let mut rx = self.subscribe();
        let count_msg = MavMessage::MISSION_COUNT(MISSION_COUNT_DATA {
            count: wire.len() as u16,
            target_system: sysid,
            target_component: 1,
            mission_type: kind.to_mav(),
            opaque_id: 0,
        });
        self.send_to(sysid, count_msg.clone())?;
        let mut stats = TransferStats {
            items: wire.len(),
            ..Default::default()
        };
        // What to resend on a timeout: the count until the first request, then the last item sent.
        let mut last_sent: Option<u16> = None;
        let mut highest_requested: Option<u16> = None;
        let mut retries = 0u32;
        let mut deadline = Instant::now() + policy.ack_timeout;
        loop {
            let Some(msg) = next_from(&mut rx, sysid, deadline).await? else {
                retries += 1;
                if retries > policy.retries {
                    let stage = match highest_requested {
                        None => "the aircraft never asked for the first item".to_string(),
                        Some(s) => format!("stalled after item {s} of {}", wire.len()),
                    };
                    let holds = self.describe_holdings(sysid, kind).await;
                    return Err(TransferError::NoResponse {
                        kind: kind.name(),
                        sysid,
                        retries: policy.retries,
                        stage,
                        holds,
                    });
                }
                stats.resends += 1;
                match last_sent {
                    None => self.send_to(sysid, count_msg.clone())?,
                    Some(seq) => self.send_to(
                        sysid,
                        MavMessage::MISSION_ITEM_INT(wire[seq as usize].clone()),
                    )?,
                };
                deadline = Instant::now()
                    + if last_sent.is_none() || last_sent == Some(wire.len() as u16 - 1) {
                        policy.ack_timeout
                    } else {
                        policy.item_timeout
                    };
                continue;
            };
            match &msg.message {
                MavMessage::MISSION_REQUEST_INT(MISSION_REQUEST_INT_DATA { seq, mission_type, .. })
                | MavMessage::MISSION_REQUEST(mavlink::dialects::ardupilotmega::MISSION_REQUEST_DATA {
                    seq,
                    mission_type,
                    ..
                }) if MissionKind::from_mav(*mission_type) == Some(kind) => {
                    let seq = *seq;
                    let Some(item) = wire.get(seq as usize) else {
                        continue; // asks for an item that does not exist: ignore, it will time out
                    };
                    self.send_to(sysid, MavMessage::MISSION_ITEM_INT(item.clone()))?;
                    if highest_requested.is_none_or(|h| seq > h) {
                        highest_requested = Some(seq);
                        retries = 0;
                    }
                    last_sent = Some(seq);
                    let last = seq as usize + 1 == wire.len();
                    deadline = Instant::now()
                        + if last {
                            policy.ack_timeout
                        } else {
                            policy.item_timeout
                        };
                }
                MavMessage::MISSION_ACK(MISSION_ACK_DATA {
                    mavtype,
                    mission_type,
                    ..
                }) if MissionKind::from_mav(*mission_type) == Some(kind) => {
                    let all_sent = wire.is_empty()
                        || highest_requested == Some(wire.len() as u16 - 1);
                    match mavtype {
                        MavMissionResult::MAV_MISSION_ACCEPTED if all_sent => {
                            stats.seconds = started.elapsed().as_secs_f64();
                            return Ok(stats);
                        }
                        MavMissionResult::MAV_MISSION_ACCEPTED => {
                            // A stale ack from an earlier transfer; keep going.
                        }
                        other => {
                            let holds = self.describe_holdings(sysid, kind).await;
                            return Err(TransferError::Refused {
                                kind: kind.name(),
                                sysid,
                                result: result_name(*other),
                                holds,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Downloads one list from an aircraft (for the mission list, item 0 is home).
    pub async fn download_items(
        &self,
        sysid: u8,
        kind: MissionKind,
        policy: TransferPolicy,
    ) -> Result<(Vec<MissionItem>, TransferStats), TransferError> {
        let started = Instant::now();
        let mut rx = self.subscribe();
        let mut stats = TransferStats::default();
        let list_msg = MavMessage::MISSION_REQUEST_LIST(MISSION_REQUEST_LIST_DATA {
            target_system: sysid,
            target_component: 1,
            mission_type: kind.to_mav(),
        });
        let count = self
            .handshake(&mut rx, sysid, list_msg, policy, &mut stats, |m| match m {
                MavMessage::MISSION_COUNT(c) if MissionKind::from_mav(c.mission_type) == Some(kind) => {
                    Some(c.count)
                }
                _ => None,
            })
            .await?
            .ok_or_else(|| TransferError::NoResponse {
                kind: kind.name(),
                sysid,
                retries: policy.retries,
                stage: "no answer to the list request".into(),
                holds: "nothing was changed on the aircraft".into(),
            })?;
        let mut items: Vec<Option<MissionItem>> = vec![None; count as usize];
        let mut next = 0u16;
        while next < count {
            let request = MavMessage::MISSION_REQUEST_INT(MISSION_REQUEST_INT_DATA {
                seq: next,
                target_system: sysid,
                target_component: 1,
                mission_type: kind.to_mav(),
            });
            let want = next;
            let got = self
                .handshake_with(&mut rx, sysid, request, policy.item_timeout, policy, &mut stats, |m| {
                    match m {
                        MavMessage::MISSION_ITEM_INT(it)
                            if it.seq == want && MissionKind::from_mav(it.mission_type) == Some(kind) =>
                        {
                            Some(MissionItem::from_wire(it))
                        }
                        MavMessage::MISSION_ITEM(it)
                            if it.seq == want && MissionKind::from_mav(it.mission_type) == Some(kind) =>
                        {
                            Some(item_from_float(it))
                        }
                        _ => None,
                    }
                })
                .await?;
            match got {
                Some(item) => {
                    items[want as usize] = Some(item);
                    next += 1;
                }
                None => {
                    return Err(TransferError::NoResponse {
                        kind: kind.name(),
                        sysid,
                        retries: policy.retries,
                        stage: format!("item {want} of {count} never arrived"),
                        holds: "nothing was changed on the aircraft".into(),
                    })
                }
            }
        }
        self.send_to(
            sysid,
            MavMessage::MISSION_ACK(MISSION_ACK_DATA {
                target_system: sysid,
                target_component: 1,
                mavtype: MavMissionResult::MAV_MISSION_ACCEPTED,
                mission_type: kind.to_mav(),
                opaque_id: 0,
            }),
        )?;
        stats.items = count as usize;
        stats.seconds = started.elapsed().as_secs_f64();
        Ok((items.into_iter().flatten().collect(), stats))
    }

    /// Clears one list on an aircraft.
    pub async fn clear_items(
        &self,
        sysid: u8,
        kind: MissionKind,
        policy: TransferPolicy,
    ) -> Result<(), TransferError> {
        let mut rx = self.subscribe();
        let mut stats = TransferStats::default();
        let msg = MavMessage::MISSION_CLEAR_ALL(MISSION_CLEAR_ALL_DATA {
            target_system: sysid,
            target_component: 1,
            mission_type: kind.to_mav(),
        });
        let ack = self
            .handshake(&mut rx, sysid, msg, policy, &mut stats, |m| match m {
                MavMessage::MISSION_ACK(a) if MissionKind::from_mav(a.mission_type) == Some(kind) => {
                    Some(a.mavtype)
                }
                _ => None,
            })
            .await?;
        match ack {
            Some(MavMissionResult::MAV_MISSION_ACCEPTED) => Ok(()),
            Some(other) => Err(TransferError::Refused {
                kind: kind.name(),
                sysid,
                result: result_name(other),
                holds: self.describe_holdings(sysid, kind).await,
            }),
            None => Err(TransferError::NoResponse {
                kind: kind.name(),
                sysid,
                retries: policy.retries,
                stage: "no acknowledgement of the clear request".into(),
                holds: self.describe_holdings(sysid, kind).await,
            }),
        }
    }

    /// Sends `msg` and waits (with the handshake timeout) for a reply `pick` accepts, resending.
    async fn handshake<T>(
        &self,
        rx: &mut Rx,
        sysid: u8,
        msg: MavMessage,
        policy: TransferPolicy,
        stats: &mut TransferStats,
        pick: impl Fn(&MavMessage) -> Option<T>,
    ) -> Result<Option<T>, TransferError> {
        self.handshake_with(rx, sysid, msg, policy.ack_timeout, policy, stats, pick)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn handshake_with<T>(
        &self,
        rx: &mut Rx,
        sysid: u8,
        msg: MavMessage,
        timeout: Duration,
        policy: TransferPolicy,
        stats: &mut TransferStats,
        pick: impl Fn(&MavMessage) -> Option<T>,
    ) -> Result<Option<T>, TransferError> {
        for attempt in 0..=policy.retries {
            if attempt > 0 {
                stats.resends += 1;
            }
            self.send_to(sysid, msg.clone())?;
            let deadline = Instant::now() + timeout;
            while let Some(m) = next_from(rx, sysid, deadline).await? {
                if let Some(v) = pick(&m.message) {
                    return Ok(Some(v));
                }
            }
        }
        Ok(None)
    }

    /// After a failed transfer: ask the aircraft how many items it now holds, in words.
    async fn describe_holdings(&self, sysid: u8, kind: MissionKind) -> String {
        let mut rx = self.subscribe();
        let mut stats = TransferStats::default();
        let quick = TransferPolicy {
            ack_timeout: Duration::from_millis(1000),
            retries: 1,
            ..Default::default()
        };
        let msg = MavMessage::MISSION_REQUEST_LIST(MISSION_REQUEST_LIST_DATA {
            target_system: sysid,
            target_component: 1,
            mission_type: kind.to_mav(),
        });
        let count = self
            .handshake(&mut rx, sysid, msg, quick, &mut stats, |m| match m {
                MavMessage::MISSION_COUNT(c) if MissionKind::from_mav(c.mission_type) == Some(kind) => {
                    Some(c.count)
                }
                _ => None,
            })
            .await;
        match count {
            Ok(Some(n)) => {
                let n = if kind == MissionKind::Mission { n.saturating_sub(1) } else { n };
                format!("the aircraft now holds {n} {} items", kind.name())
            }
            _ => "what the aircraft now holds is unknown (it did not answer a list request)".into(),
        }
    }
}

fn item_from_float(it: &mavlink::dialects::ardupilotmega::MISSION_ITEM_DATA) -> MissionItem {
    MissionItem {
        command: it.command as u16,
        frame: crate::plan::mission::canonical_frame(it.frame as u8),
        params: [it.param1, it.param2, it.param3, it.param4],
        x: f64::from(it.x),
        y: f64::from(it.y),
        z: it.z,
        autocontinue: it.autocontinue != 0,
    }
}
