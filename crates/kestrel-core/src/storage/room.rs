//! The rule that keeps audited actions whole on a filling disk: before an action that must be
//! audited writes anything, the data directory must hold the action, its audit entry and a small
//! reserve. Refusing up front is what keeps "saved but not audited" from ever happening, since
//! the audit entry is written after the action it records.

use std::path::{Path, PathBuf};

use super::space::{human_bytes, DiskSpace};

/// The smallest reserve kept free for audit entries and database journals.
pub const AUDIT_RESERVE_MIN: u64 = 64 * 1024;
/// The largest reserve kept free, however big the disk.
pub const AUDIT_RESERVE_MAX: u64 = 8 * 1024 * 1024;

/// Why an action was refused for room.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The disk could not hold the action together with its audit entry.
    #[error(
        "the disk holding {path} is nearly full ({available} free, {needed} needed with the \
         reserve for the audit trail): nothing was saved; free some space (`kestrel storage \
         status`, `kestrel storage prune`) and try again",
        path = path.display(),
        available = human_bytes(*available),
        needed = human_bytes(*needed)
    )]
    NearlyFull {
        /// The data directory.
        path: PathBuf,
        /// Free bytes there.
        available: u64,
        /// Bytes the action needs, reserve included.
        needed: u64,
    },
    /// The free space could not be measured.
    #[error("cannot measure the free space of {path}: {source}", path = path.display())]
    Unmeasured {
        /// The data directory.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

/// The reserve kept free on a filesystem of `total` bytes: 2 %, within
/// [`AUDIT_RESERVE_MIN`]..=[`AUDIT_RESERVE_MAX`].
pub fn reserve_for(total: u64) -> u64 {
    (total / 50).clamp(AUDIT_RESERVE_MIN, AUDIT_RESERVE_MAX)
}

/// Recordings stop when less than this is left (twice the audit reserve), so that a recording
/// is closed and hashed while the audit trail still has its room.
pub fn recording_floor(total: u64) -> u64 {
    reserve_for(total) * 2
}

/// Refuses an audited action that would write `need` bytes into `dir` when the disk could not
/// also keep its reserve; returns the space measured otherwise.
pub fn ensure_room(dir: &Path, need: u64) -> Result<DiskSpace, StorageError> {
    let space = DiskSpace::of(dir).map_err(|source| StorageError::Unmeasured {
        path: dir.to_path_buf(),
        source,
    })?;
    check(dir, space, need)?;
    Ok(space)
}

fn check(dir: &Path, space: DiskSpace, need: u64) -> Result<(), StorageError> {
    let needed = need.saturating_add(reserve_for(space.total));
    if space.available < needed {
        return Err(StorageError::NearlyFull {
            path: dir.to_path_buf(),
            available: space.available,
            needed,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reserve_is_two_percent_within_bounds() {
        assert_eq!(reserve_for(600 * 1024), AUDIT_RESERVE_MIN);
        assert_eq!(reserve_for(100 * 1024 * 1024), 100 * 1024 * 1024 / 50);
        assert_eq!(reserve_for(1 << 40), AUDIT_RESERVE_MAX);
    }

    #[test]
    fn an_action_that_leaves_no_reserve_is_refused_with_what_to_do() {
        let space = DiskSpace {
            total: 600 * 1024,
            available: 70 * 1024,
        };
        assert!(check(Path::new("/data"), space, 1024).is_ok());
        let refused = check(Path::new("/data"), space, 10 * 1024).unwrap_err();
        let text = refused.to_string();
        assert!(
            text.contains("/data") && text.contains("nothing was saved"),
            "{text}"
        );
        assert!(text.contains("kestrel storage prune"), "{text}");
    }

    #[test]
    fn the_data_directory_is_measured() {
        let dir = tempfile::tempdir().unwrap();
        let space = ensure_room(dir.path(), 0).unwrap();
        assert!(space.total > 0 && space.available <= space.total);
    }
}
