//! The data directory's disk: how much room is left, how long it will last at the rate it is
//! filling, what each store takes, and the rule that keeps audited actions whole — an action
//! that must be audited is refused up front when the disk could not also hold its audit entry.

pub mod retention;
pub mod room;
pub mod usage;
pub mod warning;

pub use crate::disk_space::{self as space, DiskSpace};
pub use retention::{PrunePlan, Retention};
pub use room::{ensure_room, StorageError, AUDIT_RESERVE_MAX, AUDIT_RESERVE_MIN};
pub use usage::{Store, StoreUsage, Usage};
pub use warning::{warning, DiskWarning};
