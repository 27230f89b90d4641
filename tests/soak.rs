//! The soak: a patrol shift at speed-up. The demo fleet (20 aircraft flying patrol routes over
//! real loopback MAVLink) runs `KESTREL_SOAK_SPEEDUP` times faster than real time (default 20),
//! the crew marks a sighting every 5 simulated seconds, the broker is killed and restarted every
//! simulated 10 minutes, the aircraft's link drops for 20 simulated seconds every 7, and the
//! payload operator records one aircraft's video for a while every 5 simulated minutes. Over the
//! run the console core's resident memory, open descriptors and threads are sampled; at the end
//! every sighting must be at dispatch exactly once and the audit trail must verify with one entry
//! per sighting, the telemetry log must have rotated into parts no bigger than their size, and
//! every recording must be finished, hashed into the evidence log and readable by ffprobe.
//!
//! `make test` flies a short shift (`KESTREL_SOAK_SECS`, default 45 s of wall time, 15 simulated
//! minutes) and fails on leaks and loss; `make soak` flies eight simulated hours and prints the
//! same figures (`soak: …` lines, with `--nocapture`).

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::ffprobe;
use common::mqtt::{free_port, Mosquitto};
use common::wait::{self, WAIT};
use kestrel::console::sightings::CredentialSource;
use kestrel::console::{
    ConsoleConfig, ConsoleHandle, DispatchSettings, Event, MarkRequest, SightingEvent,
    SightingIntent, SightingPlace, VideoIntent, VideoNotice,
};
use kestrel::dispatch::broker::{BrokerConfig, BrokerUrl};
use kestrel::dispatch::centre::receiver::{self, ReceiverConfig};
use kestrel::dispatch::DispatchStore;
use kestrel::process::ProcessStats;
use kestrel::sightings::Category;
use kestrel::video::{RecordingSummary, VideoEvent};

const AIRCRAFT: usize = 20;
const SIGHTING_EVERY_SIM: f64 = 5.0;
const BROKER_RESTART_EVERY_SIM: f64 = 600.0;
const LINK_DROP_EVERY_SIM: f64 = 420.0;
const LINK_DROP_FOR_SIM: f64 = 20.0;
/// The payload operator starts recording an aircraft this often (simulated seconds)…
const RECORD_EVERY_SIM: f64 = 300.0;
/// …and stops after this long (the video itself runs in wall time: 6 s at 20x).
const RECORD_FOR_SIM: f64 = 120.0;
/// Descriptors and threads that may still be open at the end without being a leak (a broker
/// connection being re-made, a blocking task finishing).
const FDS_SLACK: u64 = 8;
const THREADS_SLACK: u64 = 4;
/// A small telemetry-log part, so that even the short shift rotates.
const TLOG_PART: u64 = 4_000_000;

fn env_f64(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One sample of the process.
fn sample() -> ProcessStats {
    ProcessStats::now().expect("/proc of this process")
}

/// Counts the bytes Rust code holds on the heap, so that the soak can tell memory the program
/// keeps (a leak, a list that grows) from memory the allocator keeps (fragmentation, arenas),
/// which resident memory alone cannot. C libraries (SQLite, GStreamer) allocate past it.
struct CountingAlloc;

static HEAP_LIVE: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

// SAFETY: every call goes straight to the system allocator with the caller's layout; the counter
// is only arithmetic beside it.
unsafe impl std::alloc::GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = unsafe { std::alloc::System.alloc(layout) };
        if !p.is_null() {
            HEAP_LIVE.fetch_add(layout.size() as i64, std::sync::atomic::Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) };
        HEAP_LIVE.fetch_sub(layout.size() as i64, std::sync::atomic::Ordering::Relaxed);
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = unsafe { std::alloc::System.alloc_zeroed(layout) };
        if !p.is_null() {
            HEAP_LIVE.fetch_add(layout.size() as i64, std::sync::atomic::Ordering::Relaxed);
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { std::alloc::System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            HEAP_LIVE.fetch_add(
                new_size as i64 - layout.size() as i64,
                std::sync::atomic::Ordering::Relaxed,
            );
        }
        p
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Bytes Rust code holds on the heap now.
fn heap_live() -> u64 {
    HEAP_LIVE.load(std::sync::atomic::Ordering::Relaxed).max(0) as u64
}

/// glibc's malloc statistics (`struct mallinfo2`): what every library holds through malloc,
/// Rust and C alike, and what the allocator keeps free in its arenas.
#[repr(C)]
#[derive(Default)]
struct MallInfo2 {
    arena: usize,
    ordblks: usize,
    smblks: usize,
    hblks: usize,
    hblkhd: usize,
    usmblks: usize,
    fsmblks: usize,
    uordblks: usize,
    fordblks: usize,
    keepcost: usize,
}

extern "C" {
    fn mallinfo2() -> MallInfo2;
}

/// Bytes in use through malloc (arenas and mmapped blocks) and bytes malloc holds free.
fn malloc_use() -> (u64, u64) {
    // SAFETY: mallinfo2 takes no arguments and returns a plain struct (glibc 2.33 and later).
    let m = unsafe { mallinfo2() };
    ((m.uordblks + m.hblkhd) as u64, m.fordblks as u64)
}

/// This process's threads by name, counted: what a failure says grew.
fn thread_names() -> std::collections::BTreeMap<String, u32> {
    let mut names = std::collections::BTreeMap::new();
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        *names.entry(name.trim().to_string()).or_insert(0) += 1;
    }
    names
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// What the console reported over the shift.
#[derive(Default)]
struct Shift {
    saved: BTreeSet<String>,
    refused: Vec<String>,
    files_opened: u32,
    recordings: Vec<RecordingSummary>,
    /// Recordings whose muxer finished without the MP4 index: kept, not logged as finished.
    unfinalised: Vec<String>,
    video_failures: Vec<String>,
}

impl Shift {
    fn collect(&mut self, handle: &ConsoleHandle) {
        for e in handle.events() {
            match e {
                Event::Sightings(SightingEvent::Saved { result, .. }) => match result {
                    Ok(s) => {
                        self.saved.insert(s.id.to_string());
                    }
                    Err(e) => self.refused.push(e),
                },
                Event::Video(VideoNotice::Stream { event, .. }) => match event {
                    VideoEvent::RecordingStarted { .. } => self.files_opened += 1,
                    VideoEvent::RecordingFinished(summary) => self.recordings.push(summary),
                    VideoEvent::RecordingFailed { message }
                        if message.contains("without writing the file's index") =>
                    {
                        self.unfinalised.push(message)
                    }
                    VideoEvent::RecordingFailed { message } => self.video_failures.push(message),
                    _ => {}
                },
                Event::Video(VideoNotice::Failed { sysid, error }) => self
                    .video_failures
                    .push(format!("aircraft {sysid}: {error}")),
                _ => {}
            }
        }
    }
}

/// Records a few seconds of aircraft 1 before the shift is measured. The first video loads
/// GStreamer's plugins and starts the simulator's encoder in this process (tens of MB, once);
/// the shift's baseline is taken after it, so what the soak reports as growth is growth.
fn warm_up_video(handle: &ConsoleHandle, shift: &mut Shift) {
    handle.send(VideoIntent::Watch(BTreeSet::from([1])));
    handle.send(VideoIntent::Record(1, true));
    let frames = |h: &ConsoleHandle| {
        h.view()
            .video
            .feeds
            .get(&1)
            .map_or(0, |f| f.status.stats.frames)
    };
    wait::until("the warm-up recording started", WAIT, || {
        shift.collect(handle);
        (shift.files_opened == 1).then_some(())
    });
    let at_start = frames(handle);
    wait::until("a second of video recorded", WAIT, || {
        shift.collect(handle);
        let n = frames(handle);
        (n >= at_start + 30)
            .then_some(())
            .ok_or(format!("{n} frames"))
    });
    handle.send(VideoIntent::Record(1, false));
    handle.send(VideoIntent::Watch(BTreeSet::new()));
    wait::until("the warm-up recording finished", WAIT, || {
        shift.collect(handle);
        (shift.recordings.len() == 1).then_some(())
    });
}

#[test]
fn a_shift_at_speed_up_loses_nothing_and_grows_nothing() {
    let speedup = env_f64("KESTREL_SOAK_SPEEDUP", 20.0);
    let wall = Duration::from_secs_f64(env_f64("KESTREL_SOAK_SECS", 45.0));
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("mqtt://127.0.0.1:{port}");
    let mut broker = Some(Mosquitto::start_on(port));

    // Dispatch: its own store and receiver, as `kestrel dispatch serve` runs them.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let centre = DispatchStore::open(&data.path().join("centre.db")).unwrap();
    let mut rcfg = ReceiverConfig::new(
        BrokerConfig::new(url.parse::<BrokerUrl>().unwrap(), None, None).unwrap(),
    );
    rcfg.backoff_min = Duration::from_millis(50);
    rcfg.backoff_max = Duration::from_millis(500);
    let _receiver = {
        let _enter = runtime.enter();
        receiver::start(centre.clone(), rcfg)
    };

    let console_dir = data.path().join("console");
    let handle = ConsoleHandle::start(ConsoleConfig {
        demo: Some(AIRCRAFT),
        demo_speedup: Some(speedup),
        data_dir: Some(console_dir.clone()),
        record_tlog: true,
        video: true,
        tlog_part_bytes: Some(TLOG_PART),
        operator: "soak".into(),
        dispatch: DispatchSettings {
            broker: url.clone(),
            console_id: "console-soak".into(),
            credentials: CredentialSource::None,
            ..Default::default()
        },
        ..Default::default()
    })
    .expect("the console core starts");
    wait::until("every aircraft heard with a position", WAIT, || {
        let v = handle.view();
        let placed = v
            .fleet
            .aircraft
            .iter()
            .filter(|a| a.position.is_some())
            .count();
        (placed == AIRCRAFT)
            .then_some(())
            .ok_or(format!("{placed} placed"))
    });
    let sim = handle.simulator().expect("the demo simulator");
    let mut shift = Shift::default();
    warm_up_video(&handle, &mut shift);

    let start = sample();
    let start_threads = thread_names();
    let start_heap = heap_live();
    let start_malloc = malloc_use();
    let sim_start = sim.sim_time();
    let started = Instant::now();
    let mut peak = start;
    let mut marked = 0u64;
    let (mut restarts, mut drops) = (0u32, 0u32);
    let mut next_sighting = 0.0;
    let mut next_restart = BROKER_RESTART_EVERY_SIM;
    let mut next_drop = LINK_DROP_EVERY_SIM;
    let mut link_back_at: Option<f64> = None;
    let mut next_record = RECORD_EVERY_SIM / 2.0;
    let mut recording: Option<(u8, f64)> = None;
    let mut recordings_started = shift.files_opened;
    let mut hourly = Vec::new();
    while started.elapsed() < wall {
        let t = sim.sim_time() - sim_start;
        if t >= 3600.0 * (hourly.len() + 1) as f64 {
            hourly.push((sample().rss_bytes, heap_live()));
        }
        if t >= next_sighting {
            let sysid = (marked % AIRCRAFT as u64) as u8 + 1;
            handle.send(SightingIntent::Mark {
                id: handle.next_command_id(),
                request: MarkRequest::new(SightingPlace::Aircraft(sysid), Category::Person),
            });
            marked += 1;
            next_sighting += SIGHTING_EVERY_SIM;
        }
        if t >= next_restart {
            let port = broker.take().map(Mosquitto::stop).unwrap_or(port);
            broker = Some(Mosquitto::start_on(port));
            restarts += 1;
            next_restart += BROKER_RESTART_EVERY_SIM;
        }
        if t >= next_drop && link_back_at.is_none() {
            sim.set_link_down(true);
            drops += 1;
            link_back_at = Some(t + LINK_DROP_FOR_SIM);
            next_drop += LINK_DROP_EVERY_SIM;
        }
        if link_back_at.is_some_and(|at| t >= at) {
            sim.set_link_down(false);
            link_back_at = None;
        }
        if t >= next_record && recording.is_none() {
            let sysid = (recordings_started % AIRCRAFT as u32) as u8 + 1;
            // On screen first, as in the window: a stream plays only while watched.
            handle.send(VideoIntent::Watch(BTreeSet::from([sysid])));
            handle.send(VideoIntent::Record(sysid, true));
            recordings_started += 1;
            recording = Some((sysid, t + RECORD_FOR_SIM));
            next_record += RECORD_EVERY_SIM;
        }
        if let Some((sysid, _)) = recording.filter(|(_, until)| t >= *until) {
            handle.send(VideoIntent::Record(sysid, false));
            handle.send(VideoIntent::Watch(BTreeSet::new()));
            recording = None;
        }
        shift.collect(&handle);
        let now = sample();
        peak.rss_bytes = peak.rss_bytes.max(now.rss_bytes);
        peak.open_fds = peak.open_fds.max(now.open_fds);
        peak.threads = peak.threads.max(now.threads);
        // The shift's own clock tick: the loop drives simulated time, it waits on nothing.
        std::thread::sleep(Duration::from_millis(20));
    }
    sim.set_link_down(false);
    if let Some((sysid, _)) = recording.take() {
        handle.send(VideoIntent::Record(sysid, false));
        handle.send(VideoIntent::Watch(BTreeSet::new()));
    }
    let sim_minutes = (sim.sim_time() - sim_start) / 60.0;

    // Every sighting answered, saved, and at dispatch exactly once.
    wait::until("every sighting answered", WAIT, || {
        shift.collect(&handle);
        let answered = shift.saved.len() + shift.refused.len();
        (answered as u64 == marked)
            .then_some(())
            .ok_or(format!("{answered} of {marked}"))
    });
    assert!(
        shift.refused.is_empty(),
        "sightings refused: {:?}",
        shift.refused
    );
    // Every recording finished (hashed into the evidence log) once it was stopped.
    wait::until("every recording finished", WAIT, || {
        shift.collect(&handle);
        (shift.files_opened >= recordings_started
            && (shift.recordings.len() + shift.unfinalised.len()) as u32 == shift.files_opened)
            .then_some(())
            .ok_or(format!(
                "{} started, {} files opened, {} finished",
                recordings_started,
                shift.files_opened,
                shift.recordings.len()
            ))
    });
    assert!(
        shift.video_failures.is_empty(),
        "video failures: {:?}",
        shift.video_failures
    );
    let saved = &shift.saved;
    wait::until(
        "every sighting at dispatch",
        Duration::from_secs(180),
        || {
            let held = centre.list().unwrap();
            let ids: BTreeSet<String> = held.iter().map(|r| r.sighting.id.to_string()).collect();
            (ids == *saved)
                .then_some(held.len())
                .ok_or(format!("{} of {}", ids.len(), saved.len()))
        },
    );
    let held = centre.list().unwrap().len();
    assert_eq!(held, saved.len(), "a sighting held twice at dispatch");
    // Blocking-pool threads and connections being re-made come and go: a leak is what does not
    // come back.
    let end = wait::until(
        "descriptors and threads back to where they were",
        WAIT,
        || {
            let now = sample();
            if now.open_fds <= start.open_fds + FDS_SLACK
                && now.threads <= start.threads + THREADS_SLACK
            {
                Ok(now)
            } else {
                Err(format!(
                    "descriptors {} -> {}, threads {} -> {} (at the start {:?}, now {:?})",
                    start.open_fds,
                    now.open_fds,
                    start.threads,
                    now.threads,
                    start_threads,
                    thread_names()
                ))
            }
        },
    );
    let end_heap = heap_live();
    let end_malloc = malloc_use();
    drop(handle);

    let audit = kestrel::audit::AuditLog::open_to_read(&console_dir.join("audit.db")).unwrap();
    let verdict = audit.verify().unwrap();
    assert!(
        matches!(verdict, kestrel::audit::Verdict::Intact { .. }),
        "{verdict:?}"
    );
    let audited = audit
        .entries()
        .unwrap()
        .iter()
        .filter(|e| e.action == "sighting")
        .count();
    assert_eq!(audited, saved.len(), "one audit entry per sighting");
    // Each recording is whole: its bytes are what the evidence log says, and an independent
    // reader finds the H.264 video in it.
    let evidence =
        std::fs::read_to_string(kestrel::video::recorder::evidence_log_path(&console_dir)).unwrap();
    let mut recorded_s = 0.0;
    for r in &shift.recordings {
        let (sha, bytes) = kestrel::video::evidence::sha256_file(&r.path).unwrap();
        assert_eq!((sha.as_str(), bytes), (r.sha256.as_str(), r.bytes), "{r:?}");
        assert!(
            evidence.contains(&r.sha256),
            "not in the evidence log: {r:?}"
        );
        let probe = ffprobe::probe(&r.path);
        assert_eq!(probe.codec, "h264", "{r:?}");
        assert!(probe.duration_s > 0.5, "{probe:?} for {r:?}");
        recorded_s += probe.duration_s;
    }
    let usage = kestrel::storage::Usage::of(&console_dir).unwrap();
    // The telemetry log rotated, and no part outgrew its size.
    let parts: Vec<u64> = std::fs::read_dir(console_dir.join("tlogs"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .collect();
    assert!(
        parts.len() >= 2,
        "the telemetry log never rotated: {parts:?}"
    );
    assert!(
        parts.iter().all(|&n| n <= TLOG_PART),
        "a part outgrew its size: {parts:?}"
    );

    println!(
        "soak: {sim_minutes:.0} simulated minutes in {:.0} s at {speedup}x, {AIRCRAFT} aircraft",
        started.elapsed().as_secs_f64()
    );
    println!(
        "soak: sightings marked {marked}, saved {}, at dispatch {} (each once); broker restarts \
         {restarts}, link drops {drops}; audit entries for sightings {audited}",
        saved.len(),
        held
    );
    println!(
        "soak: resident memory {:.1} MB -> {:.1} MB (peak {:.1}); descriptors {} -> {} (peak {}); \
         threads {} -> {} (peak {})",
        mb(start.rss_bytes),
        mb(end.rss_bytes),
        mb(peak.rss_bytes),
        start.open_fds,
        end.open_fds,
        peak.open_fds,
        start.threads,
        end.threads,
        peak.threads
    );
    for (hour, (rss, heap)) in hourly.iter().enumerate() {
        println!(
            "soak: after {} simulated hours: resident {:.1} MB, Rust heap {:.1} MB",
            hour + 1,
            mb(*rss),
            mb(*heap)
        );
    }
    println!(
        "soak: Rust heap in use {:.1} MB -> {:.1} MB; malloc in use (Rust, SQLite, GStreamer) \
         {:.1} MB -> {:.1} MB, held free by malloc {:.1} MB -> {:.1} MB",
        mb(start_heap),
        mb(end_heap),
        mb(start_malloc.0),
        mb(end_malloc.0),
        mb(start_malloc.1),
        mb(end_malloc.1)
    );
    println!(
        "soak: recordings {} ({} files, {recorded_s:.0} s of video, {:.2} MB), each hashed in \
         the evidence log and read by ffprobe; {} finished without the MP4 index (kept, not \
         logged as finished: {:?})",
        recordings_started,
        shift.recordings.len(),
        mb(shift.recordings.iter().map(|r| r.bytes).sum()),
        shift.unfinalised.len(),
        shift.unfinalised
    );
    println!(
        "soak: data directory {:.2} MB ({} bytes per sighting incl. telemetry log); telemetry \
         log in {} parts of at most {:.0} MB",
        mb(usage.total()),
        usage.total() / saved.len().max(1) as u64,
        parts.len(),
        mb(TLOG_PART)
    );
    // Leaks: descriptors and threads came back (above); memory grows by little.
    assert!(
        restarts >= 1 && drops >= 1,
        "the shift was too short to restart or drop anything"
    );
    // What the program itself holds does not grow with the shift (resident memory also counts
    // what malloc keeps free between its trims, and C libraries' caches, which fill and stop).
    // The test's own record of every sighting id (a String in a set) counts too: about 150 bytes
    // a sighting.
    let heap_grown = end_heap.saturating_sub(start_heap);
    let own_bookkeeping = 150 * saved.len() as u64;
    assert!(
        heap_grown <= 3_000_000 + own_bookkeeping,
        "the Rust heap grew {:.1} MB over the shift",
        mb(heap_grown)
    );
    let grown = end.rss_bytes.saturating_sub(start.rss_bytes);
    let allowed = 64_000_000 + (sim_minutes * 60.0 / SIGHTING_EVERY_SIM) as u64 * 2_000;
    assert!(grown <= allowed, "memory grew {:.1} MB", mb(grown));
}
