//! What this process costs the machine right now: CPU time used, resident memory, threads and
//! open file descriptors, read from Linux's `/proc/self`. The console's frame report and the
//! soak use it to say whether a long shift grows anything.

use std::time::Duration;

/// One reading of this process's use of the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessStats {
    /// CPU time used so far, user and system, over all threads.
    pub cpu: Duration,
    /// Resident memory in bytes.
    pub rss_bytes: u64,
    /// Threads of the process.
    pub threads: u64,
    /// Open file descriptors.
    pub open_fds: u64,
}

/// Clock ticks per second of `/proc/<pid>/stat` (USER_HZ: 100 on every Linux kernel we run on).
const TICKS_PER_SECOND: u64 = 100;
/// Page size used by `/proc/<pid>/statm` on the machines we run on.
const PAGE_BYTES: u64 = 4096;

impl ProcessStats {
    /// Reads this process's figures; `None` where `/proc` is not there (not Linux).
    pub fn now() -> Option<Self> {
        Self::of("self")
    }

    /// Reads the figures of process `pid` (a number, or `self`).
    pub fn of(pid: &str) -> Option<Self> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
        let (cpu, threads) = parse_stat(&stat)?;
        let rss_pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
        let open_fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64;
        Some(Self {
            cpu,
            rss_bytes: rss_pages * PAGE_BYTES,
            threads,
            open_fds,
        })
    }
}

/// CPU time and thread count from a `/proc/<pid>/stat` line. The command name (field 2) may hold
/// spaces and parentheses, so fields are counted after its closing parenthesis.
fn parse_stat(stat: &str) -> Option<(Duration, u64)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, so field N is fields[N - 3].
    let utime: u64 = fields.get(14 - 3)?.parse().ok()?;
    let stime: u64 = fields.get(15 - 3)?.parse().ok()?;
    let threads: u64 = fields.get(20 - 3)?.parse().ok()?;
    let ticks = utime + stime;
    Some((
        Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND),
        threads,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_a_name_with_spaces_and_parentheses() {
        let line =
            "4242 (kestrel (main) x) S 1 2 3 4 5 6 7 8 9 10 250 150 0 0 20 0 7 0 99 1000 200";
        let (cpu, threads) = parse_stat(line).unwrap();
        assert_eq!(cpu, Duration::from_secs(4));
        assert_eq!(threads, 7);
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("1 (x) S 1 2"), None);
    }

    #[test]
    fn this_process_is_measured_and_opening_a_file_is_seen() {
        let before = ProcessStats::now().expect("/proc on Linux");
        assert!(before.threads >= 1 && before.rss_bytes > 0);
        // Other tests of this binary open and close files meanwhile: open many.
        let files: Vec<_> = (0..50)
            .map(|_| std::fs::File::open("/proc/self/stat").unwrap())
            .collect();
        let during = ProcessStats::now().unwrap();
        assert!(
            during.open_fds >= before.open_fds + 25,
            "{before:?} -> {during:?}"
        );
        drop(files);
    }
}
