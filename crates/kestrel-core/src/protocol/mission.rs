//! The MAVLink mission protocol, ground side, for the mission, geofence and rally lists:
//! upload, download and clear, tolerating lost, duplicated and out-of-order messages, and saying
//! plainly when a transfer failed and what the aircraft holds afterwards.
//!
//! Timing follows the protocol's recommendations: 1500 ms for a handshake acknowledgement, at most
//! 250 ms before an item is asked for (download) or offered (upload) again, 5 retries. Within that
//! 250 ms ceiling the item timeout adapts to the measured round trip ([`super::rtt`]), so a lost
//! item on a fast link costs one round trip rather than a quarter second.

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

use super::rtt::RttEstimator;
use crate::plan::mission::{MissionItem, MissionKind};
use crate::station::{Inbound, SendError, Station};

/// Timeouts of the mission protocol.
#[derive(Debug, Clone, Copy)]
pub struct TransferPolicy {
    /// Wait this long for the aircraft to answer a handshake step (count, list request, ack).
    pub ack_timeout: Duration,
    /// Wait at most this long for the next item (download) or the next request (upload) before
    /// resending; the actual wait adapts to the measured round trip, down to `min_item_timeout`.
    pub item_timeout: Duration,
    /// The shortest item timeout the round-trip estimate may choose.
    pub min_item_timeout: Duration,
    /// Give up after this many consecutive resends without progress — and not before the transfer
    /// has been stuck for `retries` full timeouts (so short adaptive timeouts do not give up sooner
    /// than the protocol's fixed ones would).
    pub retries: u32,
}

impl Default for TransferPolicy {
    fn default() -> Self {
        Self {
            ack_timeout: Duration::from_millis(1500),
            item_timeout: Duration::from_millis(250),
            min_item_timeout: Duration::from_millis(15),
            retries: 5,
        }
    }
}

/// Why a transfer failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransferError {
    /// The message could not be sent at all (no link to the aircraft).
    #[error(transparent)]
    Send(#[from] SendError),
    /// The aircraft stopped answering mid-transfer.
    #[error("{kind} transfer with aircraft {sysid}: no answer after {retries} retries ({stage}); {holds}")]
    NoResponse {
        /// Which list: mission, fence or rally.
        kind: &'static str,
        /// The aircraft.
        sysid: u8,
        /// How many times the last request was repeated.
        retries: u32,
        /// Where the transfer stopped (e.g. "waiting for item 12").
        stage: String,
        /// What the aircraft now holds, so the pilot knows whether the old list is still there.
        holds: String,
    },
    /// The aircraft answered with an error MISSION_ACK.
    #[error("aircraft {sysid} refused the {kind}{}: {result}; {holds}", refused_item(*.item))]
    Refused {
        /// Which list: mission, fence or rally.
        kind: &'static str,
        /// The aircraft.
        sysid: u8,
        /// Which item it refused, when known: (its number, its command).
        item: Option<(u16, u16)>,
        /// The MAV_MISSION_RESULT name.
        result: String,
        /// What the aircraft now holds.
        holds: String,
    },
    /// An item that cannot be encoded (checked before anything is sent).
    #[error("{kind} item {seq} cannot be sent: {reason}")]
    BadItem {
        /// Which list: mission, fence or rally.
        kind: &'static str,
        /// The item's index.
        seq: u16,
        /// What is wrong with it.
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
async fn next_from(
    rx: &mut Rx,
    sysid: u8,
    deadline: Instant,
) -> Result<Option<Arc<Inbound>>, SendError> {
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
    format!("{r:?}")
        .trim_start_matches("MAV_MISSION_")
        .to_string()
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
        // What the aircraft will fly is the pilot seat's to change.
        let result = match self.check_flight(sysid) {
            Err(why) => Err(TransferError::Send(SendError::Refused(why))),
            Ok(()) => self.upload_inner(sysid, kind, items, policy).await,
        };
        let outcome = match &result {
            Ok(s) => format!("accepted ({} resends, {:.2} s)", s.resends, s.seconds),
            Err(TransferError::Send(SendError::Refused(why))) => format!("refused: {why}"),
            Err(e) => format!("failed: {e}"),
        };
        // Counted as a person counts them: the mission's home slot is not one of its items.
        let counted = match kind {
            MissionKind::Mission => items.len().saturating_sub(1),
            MissionKind::Fence | MissionKind::Rally => items.len(),
        };
        self.audit(
            Some(sysid),
            "mission_upload",
            format!("{counted} items of the {}", kind.name()),
            outcome,
        );
        result
    }

    async fn upload_inner(
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
        let mut rtt = RttEstimator::new(policy.min_item_timeout, policy.item_timeout);
        // When the newest item was first sent, and whether it had to be resent (Karn's rule).
        let mut newest_sent_at = Instant::now();
        let mut newest_resent = false;
        let mut last_progress = Instant::now();
        let mut deadline = Instant::now() + policy.ack_timeout;
        loop {
            let Some(msg) = next_from(&mut rx, sysid, deadline).await? else {
                retries += 1;
                let patience = if highest_requested.is_none() {
                    policy.ack_timeout
                } else {
                    policy.item_timeout
                } * policy.retries;
                if retries > policy.retries && last_progress.elapsed() >= patience {
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
                newest_resent = true;
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
                        rtt.timeout()
                    };
                continue;
            };
            match &msg.message {
                MavMessage::MISSION_REQUEST_INT(MISSION_REQUEST_INT_DATA {
                    seq,
                    mission_type,
                    ..
                })
                | MavMessage::MISSION_REQUEST(
                    mavlink::dialects::ardupilotmega::MISSION_REQUEST_DATA {
                        seq,
                        mission_type,
                        ..
                    },
                ) if MissionKind::from_mav(*mission_type) == Some(kind) => {
                    let seq = *seq;
                    let Some(item) = wire.get(seq as usize) else {
                        continue; // asks for an item that does not exist: ignore, it will time out
                    };
                    let now = Instant::now();
                    if highest_requested.is_none_or(|h| seq > h) {
                        // A request for a new item answers the previous one: a round-trip sample.
                        if highest_requested.is_some() && !newest_resent {
                            rtt.sample(now - newest_sent_at);
                        }
                        highest_requested = Some(seq);
                        retries = 0;
                        last_progress = now;
                        newest_sent_at = now;
                        newest_resent = false;
                    } else {
                        newest_resent = true;
                    }
                    self.send_to(sysid, MavMessage::MISSION_ITEM_INT(item.clone()))?;
                    last_sent = Some(seq);
                    let last = seq as usize + 1 == wire.len();
                    deadline = now
                        + if last {
                            policy.ack_timeout
                        } else {
                            rtt.timeout()
                        };
                }
                MavMessage::MISSION_ACK(MISSION_ACK_DATA {
                    mavtype,
                    mission_type,
                    ..
                }) if MissionKind::from_mav(*mission_type) == Some(kind) => {
                    let all_sent =
                        wire.is_empty() || highest_requested == Some(wire.len() as u16 - 1);
                    match mavtype {
                        MavMissionResult::MAV_MISSION_ACCEPTED if all_sent => {
                            stats.seconds = started.elapsed().as_secs_f64();
                            return Ok(stats);
                        }
                        MavMissionResult::MAV_MISSION_ACCEPTED => {
                            // A stale ack from an earlier transfer; keep going.
                        }
                        other => {
                            // The aircraft refuses the item it was last sent.
                            let refused = last_sent.filter(|_| highest_requested.is_some());
                            let item = refused.and_then(|seq| {
                                items.get(seq as usize).map(|it| (seq, it.command))
                            });
                            let holds = self.describe_after_refusal(sysid, kind, items).await;
                            return Err(TransferError::Refused {
                                kind: kind.name(),
                                sysid,
                                item,
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
        let count = self
            .request_count(&mut rx, sysid, kind, policy, &mut stats)
            .await?
            .ok_or_else(|| TransferError::NoResponse {
                kind: kind.name(),
                sysid,
                retries: policy.retries,
                stage: "no answer to the list request".into(),
                holds: "nothing was changed on the aircraft".into(),
            })?;
        if count == u16::MAX {
            return Err(TransferError::Refused {
                kind: kind.name(),
                sysid,
                item: None,
                result: "it reports 65535 items, which is not a valid count".into(),
                holds: "nothing was downloaded".into(),
            });
        }
        let mut items: Vec<Option<MissionItem>> = vec![None; count as usize];
        let mut next = 0u16;
        let mut rtt = RttEstimator::new(policy.min_item_timeout, policy.item_timeout);
        while next < count {
            let request = MavMessage::MISSION_REQUEST_INT(MISSION_REQUEST_INT_DATA {
                seq: next,
                target_system: sysid,
                target_component: 1,
                mission_type: kind.to_mav(),
            });
            let want = next;
            let resends_before = stats.resends;
            let asked_at = Instant::now();
            let got = self
                .handshake_with(
                    &mut rx,
                    sysid,
                    request,
                    rtt.timeout(),
                    policy,
                    &mut stats,
                    |m| match m {
                        MavMessage::MISSION_ITEM_INT(it)
                            if it.seq == want
                                && MissionKind::from_mav(it.mission_type) == Some(kind) =>
                        {
                            Some(MissionItem::from_wire(it))
                        }
                        MavMessage::MISSION_ITEM(it)
                            if it.seq == want
                                && MissionKind::from_mav(it.mission_type) == Some(kind) =>
                        {
                            Some(item_from_float(it))
                        }
                        _ => None,
                    },
                )
                .await?;
            match got {
                Some(item) => {
                    if stats.resends == resends_before {
                        rtt.sample(asked_at.elapsed());
                    }
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
        if let Err(why) = self.check_flight(sysid) {
            self.audit(
                Some(sysid),
                "mission_clear",
                kind.name().to_string(),
                format!("refused: {why}"),
            );
            return Err(TransferError::Send(SendError::Refused(why)));
        }
        let mut rx = self.subscribe();
        let mut stats = TransferStats::default();
        let msg = MavMessage::MISSION_CLEAR_ALL(MISSION_CLEAR_ALL_DATA {
            target_system: sysid,
            target_component: 1,
            mission_type: kind.to_mav(),
        });
        let ack = self
            .handshake(&mut rx, sysid, msg, policy, &mut stats, |m| match m {
                MavMessage::MISSION_ACK(a)
                    if MissionKind::from_mav(a.mission_type) == Some(kind) =>
                {
                    Some(a.mavtype)
                }
                _ => None,
            })
            .await;
        // The outcome, not the request, goes in the audit trail.
        let outcome = match &ack {
            Ok(Some(MavMissionResult::MAV_MISSION_ACCEPTED)) => "accepted".to_string(),
            Ok(Some(other)) => format!("refused: {}", result_name(*other)),
            Ok(None) => "no answer".to_string(),
            Err(e) => format!("failed: {e}"),
        };
        self.audit(
            Some(sysid),
            "mission_clear",
            kind.name().to_string(),
            outcome,
        );
        match ack? {
            Some(MavMissionResult::MAV_MISSION_ACCEPTED) => Ok(()),
            Some(other) => Err(TransferError::Refused {
                kind: kind.name(),
                sysid,
                item: None,
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

    /// The count handshake: MISSION_REQUEST_LIST for `kind`, answered by the aircraft's
    /// MISSION_COUNT; `None` when it never answers.
    async fn request_count(
        &self,
        rx: &mut Rx,
        sysid: u8,
        kind: MissionKind,
        policy: TransferPolicy,
        stats: &mut TransferStats,
    ) -> Result<Option<u16>, TransferError> {
        let msg = MavMessage::MISSION_REQUEST_LIST(MISSION_REQUEST_LIST_DATA {
            target_system: sysid,
            target_component: 1,
            mission_type: kind.to_mav(),
        });
        self.handshake(rx, sysid, msg, policy, stats, |m| match m {
            MavMessage::MISSION_COUNT(c) if MissionKind::from_mav(c.mission_type) == Some(kind) => {
                Some(c.count)
            }
            _ => None,
        })
        .await
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
        let started = Instant::now();
        let patience = policy.item_timeout.max(timeout) * policy.retries;
        let mut attempt = 0;
        loop {
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
            attempt += 1;
            if attempt > policy.retries && started.elapsed() >= patience {
                return Ok(None);
            }
        }
    }

    /// After a failed transfer: ask the aircraft how many items it now holds, in words.
    /// What the aircraft holds after refusing an upload of `sent`, read back from it: how many
    /// items, and how many of them (from the start) are this upload's. ArduPilot keeps the items
    /// it stored before refusing, over the old list; others keep the old list whole.
    async fn describe_after_refusal(
        &self,
        sysid: u8,
        kind: MissionKind,
        sent: &[MissionItem],
    ) -> String {
        let quick = TransferPolicy {
            ack_timeout: Duration::from_millis(1000),
            retries: 2,
            ..Default::default()
        };
        let Ok((held, _)) = self.download_items(sysid, kind, quick).await else {
            return self.describe_holdings(sysid, kind).await;
        };
        // A mission's item 0 is home, which the aircraft writes itself.
        let skip = usize::from(kind == MissionKind::Mission);
        let held_items = held.get(skip..).unwrap_or_default();
        let sent_items = sent.get(skip..).unwrap_or_default();
        // Param 1 too (a polygon's vertex count, a loiter's time), which autopilots store as
        // sent: an old fence's first vertex often lies where the new one's does.
        let same = |a: &MissionItem, b: &MissionItem| {
            let p1 = (a.params[0].is_nan() && b.params[0].is_nan()) || a.params[0] == b.params[0];
            a.command == b.command
                && p1
                && (a.x - b.x).abs() < 2e-7
                && (a.y - b.y).abs() < 2e-7
                && (a.z - b.z).abs() < 0.01
        };
        let items = |from: usize, to: usize| {
            if from == to {
                format!("item {from}")
            } else {
                format!("items {from}-{to}")
            }
        };
        let new = held_items
            .iter()
            .zip(sent_items)
            .take_while(|(h, s)| same(h, s))
            .count();
        let n = held_items.len();
        let name = kind.name();
        match (n, new) {
            (0, _) => format!("the aircraft now holds no {name} items"),
            (n, 0) => format!(
                "the aircraft now holds {n} {name} items, none from this upload (its previous {name})"
            ),
            (n, new) if new == n => format!(
                "the aircraft now holds {n} {name} items, all from this upload, which was cut short: upload again or clear it before flying"
            ),
            (n, new) => format!(
                "the aircraft now holds {n} {name} items: {} from this upload and {} from its previous {name}; upload again or clear it before flying",
                items(skip, skip + new - 1),
                items(skip + new, skip + n - 1),
            ),
        }
    }

    async fn describe_holdings(&self, sysid: u8, kind: MissionKind) -> String {
        let mut rx = self.subscribe();
        let mut stats = TransferStats::default();
        let quick = TransferPolicy {
            ack_timeout: Duration::from_millis(1000),
            retries: 1,
            ..Default::default()
        };
        let count = self
            .request_count(&mut rx, sysid, kind, quick, &mut stats)
            .await;
        match count {
            Ok(Some(n)) => {
                let n = if kind == MissionKind::Mission {
                    n.saturating_sub(1)
                } else {
                    n
                };
                format!("the aircraft now holds {n} {} items", kind.name())
            }
            _ => "what the aircraft now holds is unknown (it did not answer a list request)".into(),
        }
    }
}

/// " at item 5 (LOITER_TIME)" for a refusal that names its item, else nothing.
fn refused_item(item: Option<(u16, u16)>) -> String {
    item.map(|(seq, command)| {
        format!(
            " at item {seq} ({})",
            crate::plan::mission::command_label(command)
        )
    })
    .unwrap_or_default()
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
