//! The rule that no sighting stands without its audit entry: a change is saved, then audited,
//! and taken back when its audit entry cannot be written. Shared by `kestrel sighting` and the
//! console's marking, so both keep the same promise.

use std::future::Future;

use super::store::{SightingStore, StoreError};
use super::Sighting;

/// Room a sighting's row, its audit entry and their journals take on disk, besides its picture:
/// what [`crate::storage::ensure_room`] is asked for before a change.
pub const ROOM_PER_CHANGE: u64 = 16 * 1024;

/// A sighting change that could not be audited.
#[derive(Debug, thiserror::Error)]
pub enum AuditedError {
    /// The change was taken back: nothing stands without its audit entry.
    #[error(
        "the audit trail could not be written ({cause}), so sighting {id} was not kept; free \
         some space (`kestrel storage status`) and try again"
    )]
    NotKept {
        /// The sighting.
        id: uuid::Uuid,
        /// Why the audit entry failed.
        cause: String,
    },
    /// The change stands without its audit entry: it was sent before it could be taken back.
    #[error(
        "sighting {id} was saved but its audit entry could not be written ({cause}), and it \
         could not be taken back ({undo}): report it to the evidence custodian"
    )]
    Unaudited {
        /// The sighting.
        id: uuid::Uuid,
        /// Why the audit entry failed.
        cause: String,
        /// Why taking it back failed.
        undo: StoreError,
    },
}

/// Writes the audit entry of `saved` with `write`; on failure takes the change back
/// (`previous` is what an edit replaced, `None` for a new sighting or correction).
pub async fn keep_with_audit<W>(
    store: &SightingStore,
    saved: Sighting,
    previous: Option<Sighting>,
    write: W,
) -> Result<Sighting, AuditedError>
where
    W: Future<Output = Result<(), String>>,
{
    let Err(cause) = write.await else {
        return Ok(saved);
    };
    let id = saved.id;
    match store.take_back(&saved, previous).await {
        Ok(()) => Err(AuditedError::NotKept { id, cause }),
        Err(undo) => Err(AuditedError::Unaudited { id, cause, undo }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sightings::{Category, NewSighting, Position};

    #[tokio::test]
    async fn a_sighting_whose_audit_fails_is_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = SightingStore::open_in(dir.path()).unwrap();
        let new = || NewSighting::new(Category::Person, Position::new(52.5, 13.4));
        let ok = store.add(new()).await.unwrap();
        let kept = keep_with_audit(&store, ok.clone(), None, async { Ok(()) }).await;
        assert_eq!(kept.unwrap().id, ok.id);
        let failing = store.add(new()).await.unwrap();
        let refused = keep_with_audit(&store, failing.clone(), None, async {
            Err("database or disk is full".to_string())
        })
        .await
        .unwrap_err();
        assert!(matches!(refused, AuditedError::NotKept { .. }));
        assert!(refused.to_string().contains("was not kept"), "{refused}");
        assert!(store.get(failing.id).unwrap().is_none());
        assert!(store.get(ok.id).unwrap().is_some());
    }
}
