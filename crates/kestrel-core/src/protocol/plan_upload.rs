//! Uploading a whole plan — mission, geofence and rally points — to one aircraft, the one way the
//! command line, sorties and the console all send a plan: all three lists, each replacing what
//! the aircraft held, an empty one clearing it (as QGroundControl does: an old rally point left
//! on the aircraft would change where it returns to). A failure names the list that failed and
//! the lists already sent.

use super::mission::{TransferError, TransferPolicy, TransferStats};
use crate::plan::mission::{MissionKind, MissionPlan};
use crate::station::Station;

/// One list sent to the aircraft.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ListUpload {
    /// Which list.
    pub kind: MissionKind,
    /// Items sent on the wire (for the mission, the home slot included).
    pub wire_items: usize,
    /// Resends and time taken.
    pub stats: TransferStats,
}

impl ListUpload {
    /// Items of the list as the plan holds them (the mission's home slot not counted): what a
    /// person counts.
    pub fn items(&self) -> usize {
        match self.kind {
            MissionKind::Mission => self.wire_items.saturating_sub(1),
            MissionKind::Fence | MissionKind::Rally => self.wire_items,
        }
    }
}

/// What an upload sent, list by list, in the order sent.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct PlanUpload {
    /// The lists sent.
    pub lists: Vec<ListUpload>,
}

impl PlanUpload {
    /// The report of one list, if it was sent.
    pub fn list(&self, kind: MissionKind) -> Option<&ListUpload> {
        self.lists.iter().find(|l| l.kind == kind)
    }
}

/// Why a plan upload stopped: the list that failed and why, and what went before it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{} upload to aircraft {sysid} failed: {source}", .kind.name())]
pub struct PlanUploadError {
    /// The aircraft.
    pub sysid: u8,
    /// The list that failed.
    pub kind: MissionKind,
    /// The lists sent before it (the aircraft holds these new ones).
    pub uploaded: Vec<ListUpload>,
    /// Why the transfer failed.
    #[source]
    pub source: TransferError,
}

/// The lists [`Station::upload_plan`] sends for `plan`, in order: every one, the empty ones too,
/// so the aircraft holds exactly the plan (no geofence or rally point from an earlier one).
pub fn lists_to_send(_plan: &MissionPlan) -> Vec<MissionKind> {
    MissionKind::ALL.to_vec()
}

impl Station {
    /// Uploads `plan` to aircraft `sysid`: the lists of [`lists_to_send`], one after the other,
    /// stopping at the first that fails.
    pub async fn upload_plan(
        &self,
        sysid: u8,
        plan: &MissionPlan,
        policy: TransferPolicy,
    ) -> Result<PlanUpload, PlanUploadError> {
        let mut done = PlanUpload::default();
        for kind in lists_to_send(plan) {
            let items = plan.wire_items(kind);
            match self.upload_items(sysid, kind, &items, policy).await {
                Ok(stats) => done.lists.push(ListUpload {
                    kind,
                    wire_items: items.len(),
                    stats,
                }),
                Err(source) => {
                    return Err(PlanUploadError {
                        sysid,
                        kind,
                        uploaded: done.lists,
                        source,
                    })
                }
            }
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_is_sent_the_empty_ones_too() {
        assert_eq!(lists_to_send(&MissionPlan::default()), MissionKind::ALL);
    }

    #[test]
    fn the_mission_count_leaves_out_the_home_slot() {
        let list = |kind, wire_items| ListUpload {
            kind,
            wire_items,
            stats: TransferStats::default(),
        };
        assert_eq!(list(MissionKind::Mission, 5).items(), 4);
        assert_eq!(list(MissionKind::Mission, 0).items(), 0);
        assert_eq!(list(MissionKind::Fence, 5).items(), 5);
    }

    #[test]
    fn a_failed_upload_names_the_list_and_the_aircraft() {
        let e = PlanUploadError {
            sysid: 3,
            kind: MissionKind::Fence,
            uploaded: Vec::new(),
            source: TransferError::BadItem {
                kind: "geofence",
                seq: 2,
                reason: "no position".into(),
            },
        };
        assert_eq!(
            e.to_string(),
            "geofence upload to aircraft 3 failed: geofence item 2 cannot be sent: no position"
        );
    }
}
