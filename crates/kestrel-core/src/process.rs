//! What this process costs the machine right now: CPU time used, resident memory, threads and
//! open file descriptors, read from Linux's `/proc/self`. The console's frame report and the
//! soak use it to say whether a long shift grows anything. And giving back what it need not
//! hold: glibc's malloc keeps memory freed by short-lived threads (video decoders, the blocking
//! pool) in per-thread arenas, which the soak measured as resident memory growing by about
//! 1.5 MB a simulated minute while the memory in use stayed flat; [`trim_memory_every`] hands
//! it back to the system.

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

/// How often the long-running commands (console, dispatch, router) give free memory back.
pub const MEMORY_TRIM_EVERY: Duration = Duration::from_secs(60);

/// Returns the memory malloc holds free to the system (glibc's `malloc_trim`, which also
/// releases whole free pages inside every arena); whether anything was released. Elsewhere
/// (another C library, another system) it does nothing.
pub fn return_free_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: libc::size_t) -> libc::c_int;
        }
        // SAFETY: malloc_trim takes a byte count and touches only malloc's own state, under its
        // own locks; it is safe to call from any thread at any time.
        unsafe { malloc_trim(0) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// Gives free memory back every `period`, off the async threads (trimming walks every arena),
/// until the runtime stops. Spawn it once per long-running process.
pub async fn trim_memory_every(period: Duration) {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let _ = tokio::task::spawn_blocking(return_free_memory).await;
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

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn freed_memory_goes_back_to_the_system() {
        // Many small blocks freed leave the heap's pages resident until trimmed.
        let blocks: Vec<Vec<u8>> = (0..20_000).map(|i| vec![i as u8; 4000]).collect();
        let keep: Vec<Vec<u8>> = blocks.iter().step_by(1000).cloned().collect();
        drop(blocks);
        let before = ProcessStats::now().unwrap().rss_bytes;
        return_free_memory();
        let after = ProcessStats::now().unwrap().rss_bytes;
        assert!(
            after + 40_000_000 < before,
            "resident {before} -> {after} bytes after trimming 80 MB of freed blocks"
        );
        drop(keep);
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
