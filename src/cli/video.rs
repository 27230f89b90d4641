//! `kestrel video`: probe a stream (codec, resolution, frame rate, bitrate, latency), save a
//! geotagged snapshot, or record a clip without re-encoding, and recover recordings a crash
//! left unfinished — the video core from a shell.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

use crate::video::decoder::DecoderPreference;
use crate::video::exif::GeoTag;
use crate::video::recovery::{self, RecoveryReport};
use crate::video::{
    RecordingRequest, SnapshotMeta, StreamConfig, StreamState, VideoEvent, VideoSource,
    VideoStatus, VideoStream,
};

/// Arguments of `kestrel video`.
#[derive(Debug, clap::Args)]
pub struct VideoArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: VideoAction,
}

/// Options every video action shares.
#[derive(Debug, clap::Args)]
pub struct SourceArgs {
    /// Stream source: udp://HOST:PORT[?codec=h265] (RTP), rtsp://..., mpegts://HOST:PORT or
    /// pipeline:GST-LAUNCH (ending in `appsink name=sink`). Aircraft i defaults to
    /// udp://0.0.0.0:560i.
    #[arg(long, value_name = "URI")]
    pub source: VideoSource,
    /// Give up if no picture arrives within this many seconds.
    #[arg(long, default_value_t = 15.0, value_name = "S")]
    pub wait: f64,
    /// Decoder: auto (hardware when present), software, or a GStreamer element name
    /// (default: $KESTREL_VIDEO_DECODER, else auto).
    #[arg(long, value_name = "NAME")]
    pub decoder: Option<String>,
    /// The aircraft's name or callsign, written into file names and metadata.
    #[arg(long, default_value = "aircraft")]
    pub aircraft: String,
}

/// Video actions.
#[derive(Debug, clap::Subcommand)]
pub enum VideoAction {
    /// Play a stream briefly and report codec, resolution, frame rate, bitrate and latency.
    Probe {
        /// Common options.
        #[command(flatten)]
        src: SourceArgs,
        /// Measure for this many seconds after the first picture.
        #[arg(long, default_value_t = 3.0, value_name = "S")]
        seconds: f64,
    },
    /// Save the current picture as a JPEG with position and time (EXIF GPS, a JPEG comment
    /// and FILE.jpg.json).
    Snapshot {
        /// Common options.
        #[command(flatten)]
        src: SourceArgs,
        /// The JPEG file to write.
        #[arg(long, value_name = "FILE.jpg")]
        out: PathBuf,
        /// Where the aircraft is: LAT,LON or LAT,LON,ALT (degrees, metres above sea level).
        #[arg(long, value_name = "LAT,LON[,ALT]")]
        position: Option<String>,
        /// The aircraft's heading, degrees true.
        #[arg(long, value_name = "DEG")]
        heading: Option<f64>,
    },
    /// Record the stream without re-encoding; prints the file's SHA-256. Ctrl-C or SIGTERM
    /// stop early and finish the file; a file cut by SIGKILL or a power cut is recovered at the
    /// next start.
    Record {
        /// Common options.
        #[command(flatten)]
        src: SourceArgs,
        /// How long to record, seconds.
        #[arg(long, value_name = "S")]
        seconds: f64,
        /// The file to write (.mp4 or .mkv), or a directory for a generated name.
        #[arg(long, value_name = "FILE.mp4")]
        out: PathBuf,
    },
    /// Find recordings a crash, kill or power cut left unfinished, fingerprint them and log
    /// them to DATA_DIR/video/evidence.jsonl (`record` and the console do this at start too).
    Recover,
}

/// Recovers unfinished recordings in the background of a blocking thread.
async fn recover_now(data_dir: Option<&Path>) -> anyhow::Result<RecoveryReport> {
    let log = crate::video::recorder::evidence_log_path(&crate::paths::data_dir(data_dir));
    Ok(tokio::task::spawn_blocking(move || recovery::recover(&log)).await?)
}

/// One line per recovered recording, for people.
pub fn recovery_lines(r: &RecoveryReport) -> Vec<String> {
    let mut out: Vec<String> = r
        .recovered
        .iter()
        .map(|x| {
            format!(
                "recovered {}  {} from {}  {:.1} s, {} frames, {} bytes  sha256 {}",
                x.path.display(),
                x.aircraft,
                crate::time::DateTime::utc(x.started).rfc3339_millis(),
                x.duration_s,
                x.frames,
                x.bytes,
                x.sha256
            )
        })
        .collect();
    out.extend(
        r.empty
            .iter()
            .map(|p| format!("removed {} (stopped before any video)", p.display())),
    );
    out.extend(r.problems.iter().map(|p| format!("cannot recover {p}")));
    out
}

fn seconds(what: &str, s: f64) -> anyhow::Result<Duration> {
    if !(s.is_finite() && s > 0.0 && s < 86_400.0) {
        anyhow::bail!("--{what} must be a positive number of seconds (got {s})");
    }
    Ok(Duration::from_secs_f64(s))
}

/// Parses `LAT,LON[,ALT]`.
pub fn parse_position(s: &str, heading: Option<f64>) -> anyhow::Result<GeoTag> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let num = |i: usize, name: &str| -> anyhow::Result<f64> {
        parts[i]
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .with_context(|| format!("--position: {name} {:?} is not a number", parts[i]))
    };
    if !(2..=3).contains(&parts.len()) {
        anyhow::bail!("--position must be LAT,LON or LAT,LON,ALT (got {s:?})");
    }
    let lat = num(0, "latitude")?;
    let lon = num(1, "longitude")?;
    if lat.abs() > 90.0 || lon.abs() > 180.0 {
        anyhow::bail!("--position {lat},{lon} is off the globe (latitude ±90, longitude ±180)");
    }
    let alt_m = if parts.len() == 3 {
        Some(num(2, "altitude")?)
    } else {
        None
    };
    Ok(GeoTag {
        lat,
        lon,
        alt_m,
        heading_deg: heading,
    })
}

fn start(src: &SourceArgs, data_dir: Option<&Path>) -> anyhow::Result<VideoStream> {
    let mut cfg = StreamConfig::new(src.source.clone(), src.aircraft.clone());
    cfg.decoder = match &src.decoder {
        Some(d) => DecoderPreference::parse(d),
        None => DecoderPreference::from_env(),
    };
    cfg.evidence_log = Some(crate::video::recorder::evidence_log_path(
        &crate::paths::data_dir(data_dir),
    ));
    Ok(VideoStream::start(cfg)?)
}

/// Waits for the first picture, or explains what the stream saw instead.
async fn first_picture(stream: &VideoStream, wait: Duration) -> anyhow::Result<()> {
    let latest = stream.latest();
    let deadline = tokio::time::Instant::now() + wait;
    while latest.get().is_none() {
        if tokio::time::Instant::now() >= deadline {
            let st = stream.status();
            let why = match (&st.state, &st.last_error) {
                (_, Some(e)) => format!("last error: {e}"),
                (StreamState::NoSignal { .. }, None) | (StreamState::Connecting, None) => {
                    "nothing arrived; is the aircraft streaming to this address and port?".into()
                }
                (s, None) => format!("state {s:?}"),
            };
            anyhow::bail!(
                "no picture from {} within {:.0} s ({why})",
                st.source,
                wait.as_secs_f64()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

fn state_name(s: &StreamState) -> String {
    match s {
        StreamState::Connecting => "connecting".into(),
        StreamState::Playing => "playing".into(),
        StreamState::NoSignal { since } => format!(
            "no signal since {}",
            crate::time::DateTime::utc(*since).rfc3339_millis()
        ),
        StreamState::Error { message } => format!("error: {message}"),
        StreamState::Stopped => "stopped".into(),
    }
}

/// The probe report as a table.
pub fn probe_table(st: &VideoStatus) -> String {
    let s = &st.stats;
    let mut out = String::new();
    let mut row = |k: &str, v: String| out.push_str(&format!("{k:<11}{v}\n"));
    row("source", st.source.clone());
    row("state", state_name(&st.state));
    row(
        "codec",
        st.codec
            .map(|c| c.to_string())
            .unwrap_or_else(|| "-".into()),
    );
    row(
        "decoder",
        st.decoder
            .as_ref()
            .map(|d| {
                format!(
                    "{} ({})",
                    d.element,
                    if d.hardware { "hardware" } else { "software" }
                )
            })
            .unwrap_or_else(|| "-".into()),
    );
    row("resolution", format!("{}x{}", s.width, s.height));
    row("fps", format!("{:.1}", s.fps));
    row(
        "bitrate",
        format!("{:.2} Mbit/s", s.bitrate_bps as f64 / 1e6),
    );
    row(
        "latency",
        s.latency_ms
            .map(|l| format!("{l:.1} ms (packets in → RGBA picture ready)"))
            .unwrap_or_else(|| "-".into()),
    );
    row(
        "dropped",
        format!(
            "{} frames, {} packets lost",
            s.frames_dropped, s.packets_lost
        ),
    );
    if let Some(t) = st.rtsp_transport {
        row("transport", format!("{t:?}").to_lowercase());
    }
    out
}

/// Runs `kestrel video`.
pub async fn run(args: VideoArgs, json: bool, data_dir: Option<&Path>) -> anyhow::Result<()> {
    match args.action {
        VideoAction::Probe { src, seconds: s } => {
            let measure = seconds("seconds", s)?;
            let wait = seconds("wait", src.wait)?;
            let stream = start(&src, data_dir)?;
            let t0 = tokio::time::Instant::now();
            let first = first_picture(&stream, wait).await;
            if let Err(e) = first {
                stream.stop().await;
                return Err(e);
            }
            let first_after = t0.elapsed();
            tokio::time::sleep(measure).await;
            let st = stream.status();
            stream.stop().await;
            if json {
                let mut v = serde_json::to_value(&st)?;
                v["first_picture_after_s"] = serde_json::json!(first_after.as_secs_f64());
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print!("{}", probe_table(&st));
                println!("{:<11}{:.2} s", "first pic", first_after.as_secs_f64());
            }
            Ok(())
        }
        VideoAction::Snapshot {
            src,
            out,
            position,
            heading,
        } => {
            let wait = seconds("wait", src.wait)?;
            let position = position
                .as_deref()
                .map(|p| parse_position(p, heading))
                .transpose()?;
            if out
                .extension()
                .and_then(|e| e.to_str())
                .map(|e| e.to_ascii_lowercase())
                .is_none_or(|e| e != "jpg" && e != "jpeg")
            {
                anyhow::bail!("--out must be a .jpg file (got {})", out.display());
            }
            let stream = start(&src, data_dir)?;
            if let Err(e) = first_picture(&stream, wait).await {
                stream.stop().await;
                return Err(e);
            }
            let meta = SnapshotMeta {
                aircraft: src.aircraft.clone(),
                position,
                ..Default::default()
            };
            let result = stream.snapshot(meta, out).await;
            stream.stop().await;
            let s = result?;
            if json {
                println!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                println!(
                    "{} {}x{} sha256 {}\nmetadata: EXIF (GPS, time), JPEG comment, {}",
                    s.path.display(),
                    s.width,
                    s.height,
                    s.sha256,
                    s.sidecar.display()
                );
            }
            Ok(())
        }
        VideoAction::Record {
            src,
            seconds: s,
            out,
        } => {
            let length = seconds("seconds", s)?;
            let wait = seconds("wait", src.wait)?;
            if !out.is_dir() {
                crate::video::recorder::Container::from_path(&out)?;
            }
            // Close the evidence chain of an earlier run that died before recording anew.
            for line in recovery_lines(&recover_now(data_dir).await?) {
                eprintln!("{line}");
            }
            let stream = start(&src, data_dir)?;
            let evidence = Some(crate::video::recorder::evidence_log_path(
                &crate::paths::data_dir(data_dir),
            ));
            stream
                .start_recording(RecordingRequest {
                    path: out,
                    aircraft: src.aircraft.clone(),
                    evidence_log: evidence,
                })
                .await?;
            // Recording time counts from the first key frame in the file.
            let deadline = tokio::time::Instant::now() + wait;
            loop {
                if stream.status().recording.and_then(|r| r.path).is_some() {
                    break;
                }
                let failed = stream.events().try_iter().find_map(|e| match e {
                    VideoEvent::RecordingFailed { message } => Some(message),
                    _ => None,
                });
                if let Some(message) = failed {
                    stream.stop().await;
                    anyhow::bail!("{message}");
                }
                if tokio::time::Instant::now() >= deadline {
                    let st = stream.status();
                    stream.stop().await;
                    anyhow::bail!(
                        "no video to record from {} within {:.0} s ({})",
                        st.source,
                        wait.as_secs_f64(),
                        st.last_error.unwrap_or_else(|| state_name(&st.state))
                    );
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            // Ctrl-C or SIGTERM ends the recording early but cleanly (index, hash, log);
            // SIGKILL or a power cut leave it to `kestrel video recover`.
            tokio::select! {
                _ = tokio::time::sleep(length) => {}
                _ = crate::cli::wait_for_shutdown() => {
                    eprintln!("interrupted: finishing the recording");
                }
            }
            let parts = stream.stop_recording().await;
            stream.stop().await;
            let parts = parts?;
            if json {
                println!("{}", serde_json::to_string_pretty(&parts)?);
            } else {
                for p in &parts {
                    println!(
                        "{}  {} bytes  {:.1} s  sha256 {}",
                        p.path.display(),
                        p.bytes,
                        p.ended
                            .duration_since(p.started)
                            .unwrap_or_default()
                            .as_secs_f64(),
                        p.sha256
                    );
                }
            }
            Ok(())
        }
        VideoAction::Recover => {
            let report = recover_now(data_dir).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                let lines = recovery_lines(&report);
                if lines.is_empty() {
                    println!("no unfinished recordings");
                }
                for line in lines {
                    println!("{line}");
                }
            }
            if !report.problems.is_empty() {
                anyhow::bail!(
                    "{} unfinished recording(s) could not be recovered",
                    report.problems.len()
                );
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_parse_or_say_why_not() {
        let p = parse_position("36.45, 115.98,120", Some(90.0)).unwrap();
        assert_eq!(
            (p.lat, p.lon, p.alt_m, p.heading_deg),
            (36.45, 115.98, Some(120.0), Some(90.0))
        );
        assert_eq!(parse_position("1,2", None).unwrap().alt_m, None);
        for (bad, hint) in [
            ("1", "LAT,LON"),
            ("x,2", "latitude"),
            ("91,0", "off the globe"),
        ] {
            let e = parse_position(bad, None).unwrap_err().to_string();
            assert!(e.contains(hint), "{bad}: {e}");
        }
    }
}
