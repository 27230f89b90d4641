//! When the disk deserves the crew's attention, decided once for the status bar, `kestrel
//! status` and `kestrel storage status`: before it is full, not when it already is.

use std::time::Duration;

use super::room::reserve_for;
use super::space::{human_duration, DiskSpace};

/// Warn when the room lasts less than this at the current rate.
pub const LASTS_WARNING: Duration = Duration::from_secs(30 * 60);
/// Warn when this share of the disk is used, whatever the rate.
pub const USED_WARNING: f64 = 0.9;

/// Why the disk deserves attention, worst first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DiskWarning {
    /// Only the reserve is left: audited actions and recordings are refused.
    Full,
    /// At the current rate recordings stop within [`LASTS_WARNING`].
    StopsIn(Duration),
    /// More than [`USED_WARNING`] of the disk is used (this share, 0..=1).
    MostlyUsed(f64),
}

impl std::fmt::Display for DiskWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiskWarning::Full => write!(
                f,
                "the disk is full: sightings and recordings are refused until space is freed \
                 (`kestrel storage prune`)"
            ),
            DiskWarning::StopsIn(d) => write!(
                f,
                "recordings stop in about {} at this rate",
                human_duration(*d)
            ),
            DiskWarning::MostlyUsed(used) => write!(f, "the disk is {:.0} % full", used * 100.0),
        }
    }
}

/// The warning for `space` while the disk fills at `bytes_per_second` (if known).
pub fn warning(space: DiskSpace, bytes_per_second: Option<f64>) -> Option<DiskWarning> {
    let reserve = reserve_for(space.total);
    if space.available <= reserve {
        return Some(DiskWarning::Full);
    }
    if let Some(lasts) = bytes_per_second.and_then(|r| space.lasts(r, reserve)) {
        if lasts < LASTS_WARNING {
            return Some(DiskWarning::StopsIn(lasts));
        }
    }
    let used = space.used_fraction();
    (used >= USED_WARNING).then_some(DiskWarning::MostlyUsed(used))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: u64 = 1_000_000_000;

    #[test]
    fn a_disk_filling_fast_warns_before_it_is_full() {
        let space = DiskSpace {
            total: 100 * GB,
            available: 10 * GB,
        };
        assert_eq!(warning(space, None), Some(DiskWarning::MostlyUsed(0.9)));
        let roomy = DiskSpace {
            total: 100 * GB,
            available: 50 * GB,
        };
        assert_eq!(
            warning(roomy, Some(1e6)),
            None,
            "50 GB at 1 MB/s lasts 14 h"
        );
        let w = warning(roomy, Some(50e6)).unwrap();
        assert!(
            matches!(w, DiskWarning::StopsIn(d) if d < LASTS_WARNING),
            "{w:?}"
        );
        assert!(
            w.to_string().starts_with("recordings stop in about 16 min"),
            "{w}"
        );
        let full = DiskSpace {
            total: 100 * GB,
            available: 1 << 20,
        };
        assert_eq!(warning(full, None), Some(DiskWarning::Full));
    }
}
