//! Video latency and CPU benchmark (harness = false; prints figures).
//!
//! Latency: one test-video sender (x264 zero-latency, RTP over loopback UDP) stamps a frame
//! number into the top-left corner of each raw picture just before the encoder and remembers
//! when (monotonic clock). The stream goes to two receivers in this same process at once:
//! Kestrel's [`VideoStream`] (latency = the frame's arrival in `LatestFrame`, i.e. RGBA ready
//! for a texture) and a bare `udpsrc ! rtph264depay ! avdec_h264 ! appsink` pipeline (latency
//! = decoded I420 frame in its appsink). Both read the number back from the decoded pixels,
//! so "encoder input → frame ready" is measured the same way for both, on the same frames.
//!
//! CPU: one `gst-launch-1.0` sender process (so encoding is not counted) sends a 720p30 stream
//! to four ports; this process receives 1 and then 4 of them and reads its own CPU time from
//! /proc/self/stat.
//!
//! `cargo bench --bench video_latency` (or `make bench`) runs the full version at 720p30;
//! plain `cargo test` runs a short smoke version.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use kestrel::video::decoder::DecoderPreference;
use kestrel::video::{StreamConfig, VideoSource, VideoStream};
use kestrel_sim::video::{launch_description, SenderConfig, TestVideoSender};

/// Bits of the stamp: a 16-bit frame number followed by its complement.
const BITS: usize = 32;
/// Side of one stamp block in pixels.
const BLOCK: usize = 16;

type Sent = Arc<Mutex<HashMap<u16, Instant>>>;

fn stamp_bits(n: u16) -> [bool; BITS] {
    let v = (n as u32) | ((!n as u32) << 16);
    std::array::from_fn(|i| v >> i & 1 == 1)
}

fn unstamp(bit: impl Fn(usize) -> bool) -> Option<u16> {
    let mut v = 0u32;
    for i in 0..BITS {
        if bit(i) {
            v |= 1 << i;
        }
    }
    let n = (v & 0xFFFF) as u16;
    (((v >> 16) as u16) == !n).then_some(n)
}

/// Paints the stamp into an I420 picture: white/black luma blocks, neutral chroma.
fn paint(data: &mut [u8], width: usize, height: usize, n: u16) {
    let bits = stamp_bits(n);
    let (cw, ch) = (width / 2, height / 2);
    let u_at = width * height;
    let v_at = u_at + cw * ch;
    for (i, on) in bits.iter().enumerate() {
        let x0 = i * BLOCK;
        for y in 0..BLOCK {
            let row = y * width + x0;
            if let Some(px) = data.get_mut(row..row + BLOCK) {
                px.fill(if *on { 235 } else { 16 });
            }
        }
        for y in 0..BLOCK / 2 {
            for plane in [u_at, v_at] {
                let row = plane + y * cw + x0 / 2;
                if let Some(px) = data.get_mut(row..row + BLOCK / 2) {
                    px.fill(128);
                }
            }
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

struct Figures {
    n: usize,
    p50: f64,
    p95: f64,
    max: f64,
}

fn figures(mut v: Vec<f64>) -> Figures {
    v.sort_by(|a, b| a.total_cmp(b));
    Figures {
        n: v.len(),
        p50: percentile(&v, 0.5),
        p95: percentile(&v, 0.95),
        max: v.last().copied().unwrap_or(f64::NAN),
    }
}

fn free_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("a free UDP port")
}

/// The bare reference receiver; pushes latencies (ms) into `out`.
fn bare_receiver(port: u16, width: usize, sent: Sent, out: Arc<Mutex<Vec<f64>>>) -> gst::Pipeline {
    let desc = format!(
        "udpsrc port={port} address=127.0.0.1 caps=\"application/x-rtp,media=video,clock-rate=90000,encoding-name=H264\" ! \
         rtph264depay ! avdec_h264 ! appsink name=sink sync=false max-buffers=1 drop=true"
    );
    let p = gst::parse::launch(&desc)
        .expect("bare pipeline")
        .downcast::<gst::Pipeline>()
        .expect("a pipeline");
    let sink = p
        .by_name("sink")
        .and_then(|s| s.downcast::<gst_app::AppSink>().ok())
        .expect("appsink");
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let now = Instant::now();
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let buf = sample.buffer().ok_or(gst::FlowError::Error)?;
                let map = buf.map_readable().map_err(|_| gst::FlowError::Error)?;
                let y = map.as_slice();
                let n = unstamp(|i| {
                    y.get(BLOCK / 2 * width + i * BLOCK + BLOCK / 2)
                        .is_some_and(|v| *v > 128)
                });
                if let Some(n) = n {
                    if let Some(t) = sent.lock().unwrap().get(&n) {
                        out.lock()
                            .unwrap()
                            .push(now.duration_since(*t).as_secs_f64() * 1000.0);
                    }
                }
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    p
}

fn latency_run(
    rt: &tokio::runtime::Runtime,
    width: u32,
    height: u32,
    warmup: Duration,
    measure: Duration,
) {
    let (p_ours, p_bare) = (free_port(), free_port());
    let cfg = SenderConfig {
        host: "127.0.0.1".into(),
        port: p_ours,
        width,
        height,
        bitrate_kbps: 2500,
        overlays: false,
        ..SenderConfig::for_aircraft(0, "BENCH")
    };
    let sender = TestVideoSender::start(cfg).expect("sender");
    let net = sender.pipeline().by_name("net").expect("udpsink named net");
    net.emit_by_name::<()>("add", &[&"127.0.0.1", &(p_bare as i32)]);
    let sent: Sent = Arc::new(Mutex::new(HashMap::new()));
    let counter = Arc::new(AtomicU32::new(0));
    {
        let sent = sent.clone();
        let enc = sender.pipeline().by_name("enc").expect("encoder named enc");
        let pad = enc.static_pad("sink").expect("encoder sink pad");
        let (w, h) = (width as usize, height as usize);
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            let n = counter.fetch_add(1, Ordering::Relaxed) as u16;
            if let Some(buf) = info.buffer_mut() {
                let buf = buf.make_mut();
                if let Ok(mut map) = buf.map_writable() {
                    paint(map.as_mut_slice(), w, h, n);
                }
            }
            let mut s = sent.lock().unwrap();
            if s.len() > 4096 {
                s.clear();
            }
            s.insert(n, Instant::now());
            gst::PadProbeReturn::Ok
        });
    }

    let bare_lat = Arc::new(Mutex::new(Vec::new()));
    let bare = bare_receiver(p_bare, width as usize, sent.clone(), bare_lat.clone());
    bare.set_state(gst::State::Playing)
        .expect("bare pipeline plays");

    let mut scfg = StreamConfig::new(
        format!("udp://127.0.0.1:{p_ours}")
            .parse::<VideoSource>()
            .expect("source"),
        "BENCH",
    );
    scfg.decoder = DecoderPreference::Software;
    let stream = {
        let _g = rt.enter();
        VideoStream::start(scfg).expect("stream")
    };
    let latest = stream.latest();

    // Warm up, then measure both on the same frames.
    std::thread::sleep(warmup);
    bare_lat.lock().unwrap().clear();
    let mut ours = Vec::new();
    let mut seq = latest.count();
    let mut skipped = 0u64;
    let end = Instant::now() + measure;
    while Instant::now() < end {
        let Some(f) = latest.wait_newer(seq, Duration::from_millis(200)) else {
            continue;
        };
        skipped += f.seq - seq - 1;
        seq = f.seq;
        let n = unstamp(|i| {
            f.pixel((i * BLOCK + BLOCK / 2) as u32, (BLOCK / 2) as u32)
                .is_some_and(|p| (p[0] as u32 + p[1] as u32 + p[2] as u32) / 3 > 128)
        });
        if let Some(t) = n.and_then(|n| sent.lock().unwrap().get(&n).copied()) {
            ours.push(f.received_at.duration_since(t).as_secs_f64() * 1000.0);
        }
    }
    let status = stream.status();
    rt.block_on(stream.stop());
    bare.set_state(gst::State::Null).ok();
    drop(sender);

    let ours = figures(ours);
    let bare = figures(std::mem::take(&mut *bare_lat.lock().unwrap()));
    println!(
        "latency, encoder input -> frame ready, {width}x{height}@30 over loopback UDP ({:.0} s):",
        measure.as_secs_f64()
    );
    println!(
        "  {:<44} {:>6} {:>8} {:>8} {:>8}",
        "receiver", "frames", "p50 ms", "p95 ms", "max ms"
    );
    println!(
        "  {:<44} {:>6} {:>8.2} {:>8.2} {:>8.2}",
        "bare udpsrc!rtph264depay!avdec_h264!appsink", bare.n, bare.p50, bare.p95, bare.max
    );
    println!(
        "  {:<44} {:>6} {:>8.2} {:>8.2} {:>8.2}",
        "kestrel VideoStream (RGBA in LatestFrame)", ours.n, ours.p50, ours.p95, ours.max
    );
    let ratio = ours.p95 / bare.p95;
    println!(
        "  p95 ratio kestrel/bare: {ratio:.2} (target <= 2.0: {})",
        if ratio <= 2.0 { "met" } else { "NOT met" }
    );
    println!(
        "  kestrel stream: {:.1} fps, decoder {}, reader skipped {skipped} frames, pipeline-reported receive latency {:?} ms",
        status.stats.fps,
        status.decoder.map(|d| d.element).unwrap_or_default(),
        status.stats.latency_ms
    );
    assert!(ours.n > 0 && bare.n > 0, "no frames measured");
}

/// Splits a launch description into gst-launch-1.0 arguments (whitespace outside double
/// quotes; the quotes themselves dropped, as a shell would).
fn launch_args(desc: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in desc.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    args.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        args.push(cur);
    }
    args
}

/// CPU time (user + system) of this process, from /proc/self/stat (USER_HZ = 100).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn cpu_run(
    rt: &tokio::runtime::Runtime,
    width: u32,
    height: u32,
    counts: &[usize],
    measure: Duration,
) {
    if std::process::Command::new("gst-launch-1.0")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("cpu: skipped (gst-launch-1.0 not installed)");
        return;
    }
    let max = counts.iter().copied().max().unwrap_or(1);
    let ports: Vec<u16> = (0..max).map(|_| free_port()).collect();
    let cfg = SenderConfig {
        host: "127.0.0.1".into(),
        port: ports[0],
        width,
        height,
        bitrate_kbps: 2500,
        overlays: true,
        ..SenderConfig::for_aircraft(0, "CPU")
    };
    let clients: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let desc = launch_description(&cfg).replace(
        &format!("udpsink name=net host=127.0.0.1 port={}", ports[0]),
        &format!("multiudpsink name=net clients={}", clients.join(",")),
    );
    let mut child = std::process::Command::new("gst-launch-1.0")
        .arg("-q")
        .args(launch_args(&desc))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start gst-launch-1.0");
    println!(
        "cpu, software decode of {width}x{height}@30 (sender in another process), this process:"
    );
    println!(
        "  {:>7} {:>12} {:>16} {:>12}",
        "streams", "cpu % total", "cpu % per stream", "fps each"
    );
    for &n in counts {
        let streams: Vec<VideoStream> = ports[..n]
            .iter()
            .map(|p| {
                let mut c = StreamConfig::new(
                    format!("udp://127.0.0.1:{p}")
                        .parse::<VideoSource>()
                        .expect("source"),
                    "CPU",
                );
                c.decoder = DecoderPreference::Software;
                let _g = rt.enter();
                VideoStream::start(c).expect("stream")
            })
            .collect();
        // Wait for pictures on every stream, then let them settle.
        let deadline = Instant::now() + Duration::from_secs(20);
        while streams.iter().any(|s| s.latest().count() == 0) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(1500));
        let (c0, t0) = (cpu_time(), Instant::now());
        let f0: Vec<u64> = streams.iter().map(|s| s.latest().count()).collect();
        std::thread::sleep(measure);
        let (c1, wall) = (cpu_time(), t0.elapsed());
        let fps: Vec<f64> = streams
            .iter()
            .zip(&f0)
            .map(|(s, f)| (s.latest().count() - f) as f64 / wall.as_secs_f64())
            .collect();
        let total = match (c0, c1) {
            (Some(a), Some(b)) => (b - a).as_secs_f64() / wall.as_secs_f64() * 100.0,
            _ => f64::NAN,
        };
        let fps_text: Vec<String> = fps.iter().map(|f| format!("{f:.1}")).collect();
        println!(
            "  {n:>7} {total:>12.1} {:>16.1} {:>12}",
            total / n as f64,
            fps_text.join("/")
        );
        for s in streams {
            rt.block_on(s.stop());
        }
    }
    println!("  target: one 720p30 software-decoded stream <= 50 % of a core");
    let _ = child.kill();
    let _ = child.wait();
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    gst::init().expect("GStreamer");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "video benchmark ({} mode, {} CPUs)",
        if full { "full" } else { "smoke" },
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    if full {
        latency_run(
            &rt,
            1280,
            720,
            Duration::from_secs(3),
            Duration::from_secs(15),
        );
        cpu_run(&rt, 1280, 720, &[1, 4], Duration::from_secs(8));
    } else {
        latency_run(
            &rt,
            640,
            360,
            Duration::from_secs(1),
            Duration::from_millis(1500),
        );
        cpu_run(&rt, 640, 360, &[1], Duration::from_secs(1));
    }
}
