//! Free and total space of the filesystem that holds a path (statvfs), and the arithmetic the
//! warnings need: "recordings stop in about N minutes at this rate".

use std::path::Path;
use std::time::Duration;

/// Room on one filesystem, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DiskSpace {
    /// Size of the filesystem.
    pub total: u64,
    /// What an unprivileged writer may still use.
    pub available: u64,
}

impl DiskSpace {
    /// The filesystem holding `path` (or, when `path` does not exist yet, its nearest existing
    /// folder).
    pub fn of(path: &Path) -> std::io::Result<Self> {
        let mut at = path;
        while !at.exists() {
            at = at
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if at == Path::new(".") {
                break;
            }
        }
        statvfs(at)
    }

    /// Share of the filesystem in use, 0..=1.
    pub fn used_fraction(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        1.0 - self.available as f64 / self.total as f64
    }

    /// How long the available room lasts while `bytes_per_second` are written, keeping
    /// `keep` bytes free; `None` when nothing is being written.
    pub fn lasts(&self, bytes_per_second: f64, keep: u64) -> Option<Duration> {
        if bytes_per_second.is_nan() || bytes_per_second <= 0.0 {
            return None;
        }
        let room = self.available.saturating_sub(keep) as f64;
        Some(Duration::from_secs_f64(room / bytes_per_second))
    }
}

#[cfg(unix)]
fn statvfs(path: &Path) -> std::io::Result<DiskSpace> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "path holds a NUL byte")
    })?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated string and `st` a writable statvfs.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let unit = st.f_frsize as u64;
    Ok(DiskSpace {
        total: st.f_blocks as u64 * unit,
        available: st.f_bavail as u64 * unit,
    })
}

#[cfg(not(unix))]
fn statvfs(_path: &Path) -> std::io::Result<DiskSpace> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "disk space is only measured on Unix",
    ))
}

/// Bytes as people read them: "512 B", "1.5 kB", "20.0 MB", "3.2 GB".
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A duration as the warnings say it: "40 s", "12 min", "3 h 20 min", "2 days".
pub fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min", secs / 60),
        3600..=172_799 => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
        _ => format!("{} days", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filesystem_of_a_path_not_yet_made_is_its_folders() {
        let dir = tempfile::tempdir().unwrap();
        let here = DiskSpace::of(dir.path()).unwrap();
        let later = DiskSpace::of(&dir.path().join("not/yet/made.db")).unwrap();
        assert!(here.total > 0 && here.available <= here.total);
        assert_eq!(here.total, later.total);
    }

    #[test]
    fn room_lasts_as_long_as_the_rate_allows() {
        let d = DiskSpace {
            total: 1_000_000,
            available: 600_000,
        };
        assert_eq!(d.lasts(1000.0, 100_000), Some(Duration::from_secs(500)));
        assert_eq!(d.lasts(0.0, 0), None);
        assert!((d.used_fraction() - 0.4).abs() < 1e-9);
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_500), "1.5 kB");
        assert_eq!(human_bytes(20_000_000), "20.0 MB");
    }
}
