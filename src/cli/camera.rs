//! `kestrel camera`: zoom an aircraft's camera, take a still, start or stop recording on the
//! aircraft, track a point or a box in the picture, or show the camera's state. Each answer says
//! what the camera reported back, or that it cannot confirm (an ArduPilot camera sends no
//! CAMERA_IMAGE_CAPTURED and no tracking status).

use std::time::Duration;

use crate::payload::control::{self, PayloadWatcher};
use crate::payload::{CameraRequest, PayloadState, Zoom};

use super::{report_outcome, wait_for, LinkArgs};

/// Arguments of `kestrel camera`.
#[derive(Debug, clap::Args)]
pub struct CameraArgs {
    /// Which links to send over.
    #[command(flatten)]
    pub link: LinkArgs,
    /// System id of the aircraft (1-255).
    #[arg(long, value_parser = super::parse_sysid)]
    pub sysid: u8,
    /// How long to wait for the aircraft to be heard (seconds).
    #[arg(long, default_value_t = 10.0)]
    pub wait: f64,
    /// What to do.
    #[command(subcommand)]
    pub action: CameraAction,
}

/// Recording on or off.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Record {
    /// Start recording.
    Start,
    /// Stop recording.
    Stop,
}

/// What `kestrel camera` does.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum CameraAction {
    /// Zoom: LEVEL is 0..100 % of the zoom range, or `in`, `out`, `stop` (continuous), or
    /// `+N` / `-N` steps.
    #[command(allow_negative_numbers = true)]
    Zoom {
        /// 0..100, in, out, stop, +N or -N.
        #[arg(allow_hyphen_values = true)]
        level: String,
    },
    /// Take one still.
    Capture,
    /// Start or stop recording on the aircraft.
    Record {
        /// start or stop.
        what: Record,
    },
    /// Track what is at X Y (0..1 from the picture's top-left), or in the W × H box there.
    Track {
        /// Picture x, 0..1.
        x: f64,
        /// Picture y, 0..1.
        y: f64,
        /// Box width, 0..1.
        w: Option<f64>,
        /// Box height, 0..1.
        h: Option<f64>,
    },
    /// Stop tracking.
    TrackStop,
    /// Show what the camera can do, its zoom, field of view, recording and tracking.
    Status,
}

/// Reads a zoom level: `0..100`, `in`, `out`, `stop`, `+N`, `-N`.
pub fn parse_zoom(s: &str) -> anyhow::Result<Zoom> {
    let t = s.trim().to_ascii_lowercase();
    Ok(match t.as_str() {
        "in" => Zoom::Continuous { direction: 1 },
        "out" => Zoom::Continuous { direction: -1 },
        "stop" => Zoom::Continuous { direction: 0 },
        _ if t.starts_with('+') || t.starts_with('-') => Zoom::Step {
            steps: t
                .parse()
                .map_err(|_| anyhow::anyhow!("'{s}' is not a whole number of zoom steps"))?,
        },
        _ => Zoom::Range {
            pct: t.trim_end_matches('%').parse().map_err(|_| {
                anyhow::anyhow!(
                    "'{s}' is not a zoom level: give 0..100 (% of the range), in, out, stop, +N or -N"
                )
            })?,
        },
    })
}

impl CameraAction {
    /// The request this action sends (`None` for `status`).
    pub fn request(&self) -> anyhow::Result<Option<CameraRequest>> {
        Ok(Some(match self {
            CameraAction::Zoom { level } => CameraRequest::Zoom(parse_zoom(level)?),
            CameraAction::Capture => CameraRequest::Capture,
            CameraAction::Record {
                what: Record::Start,
            } => CameraRequest::RecordStart,
            CameraAction::Record { what: Record::Stop } => CameraRequest::RecordStop,
            CameraAction::Track { x, y, w, h } => CameraRequest::Track {
                x: *x,
                y: *y,
                w: w.unwrap_or(0.0),
                h: h.or(*w).unwrap_or(0.0),
            },
            CameraAction::TrackStop => CameraRequest::TrackStop,
            CameraAction::Status => return Ok(None),
        }))
    }
}

/// The camera part of a payload state, as `status` prints it.
pub fn describe(sysid: u8, s: &PayloadState) -> String {
    let Some(c) = &s.camera else {
        return format!("aircraft {sysid}: no camera reported");
    };
    let mut can = Vec::new();
    for (ok, what) in [
        (c.zoom, "zoom"),
        (c.capture_image, "stills"),
        (c.capture_video, "video"),
        (c.track_point, "track point"),
        (c.track_rectangle, "track box"),
    ] {
        if ok {
            can.push(what);
        }
    }
    let mut out = format!(
        "aircraft {sysid}: camera {} (component {}, device {}): {}",
        if c.name.is_empty() { "?" } else { &c.name },
        c.component,
        c.device_id,
        can.join(", ")
    );
    if let Some(z) = s.zoom_pct {
        out.push_str(&format!("; zoom {z:.0} %"));
    }
    if let Some(f) = s.fov {
        out.push_str(&format!(
            "; field of view {:.1}° × {:.1}°",
            f.hfov_deg, f.vfov_deg
        ));
        if let Some(p) = f.look_at {
            out.push_str(&format!(", looking at {:.6}, {:.6}", p.lat, p.lon));
        }
    }
    if s.recording == Some(true) {
        out.push_str(&format!(
            "; recording {:.0} s",
            s.recording_s.unwrap_or(0.0)
        ));
    }
    if let Some(n) = s.image_count {
        out.push_str(&format!("; {n} stills"));
    }
    if !s.reports_tracking {
        out.push_str("; sends no tracking status");
    }
    out
}

/// Runs `kestrel camera`.
pub async fn run(args: CameraArgs, ctx: &super::Context) -> anyhow::Result<()> {
    let request = args.action.request()?;
    if let Some(r) = &request {
        r.validate(args.sysid, None)?;
    }
    let station = args.link.open(ctx).await?;
    let watcher = PayloadWatcher::start(&station);
    wait_for(&station, args.sysid, Duration::from_secs_f64(args.wait)).await?;
    let state = control::discover(&station, &watcher, args.sysid).await?;
    let result = match request {
        None => {
            // Give the streamed field of view a moment to arrive.
            let (_, s) = watcher
                .wait_for(args.sysid, Duration::from_secs(2), |s| s.fov.is_some())
                .await;
            let s = s.unwrap_or(state);
            if ctx.json {
                println!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                println!("{}", describe(args.sysid, &s));
            }
            if s.camera.is_none() {
                Err(anyhow::anyhow!("aircraft {} reports no camera", args.sysid))
            } else {
                Ok(())
            }
        }
        Some(r) => {
            let outcome = control::camera(&station, &watcher, args.sysid, r).await?;
            report_outcome(ctx, &outcome)
        }
    };
    station.flush_tlog();
    result
}
