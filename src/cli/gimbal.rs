//! `kestrel gimbal`: point an aircraft's gimbal (angles, rates, a place, another aircraft), take
//! or release control of it, or show its state. Every request is checked against the limits the
//! gimbal reported before it is sent.

use std::time::Duration;

use crate::payload::control::{self, PayloadWatcher};
use crate::payload::{GimbalRequest, PayloadState};

use super::{report_outcome, wait_for, LinkArgs};

/// Arguments of `kestrel gimbal`.
#[derive(Debug, clap::Args)]
pub struct GimbalArgs {
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
    pub action: GimbalAction,
}

/// What `kestrel gimbal` does.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum GimbalAction {
    /// Point at angles: pitch above the horizon (-90 looks down), yaw from the nose.
    #[command(allow_negative_numbers = true)]
    Point {
        /// Pitch, degrees.
        #[arg(long, allow_negative_numbers = true)]
        pitch: f64,
        /// Yaw, degrees clockwise.
        #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
        yaw: f64,
        /// Yaw from north, held while the aircraft turns.
        #[arg(long)]
        north: bool,
    },
    /// Turn at rates (0 0 stops).
    Rate {
        /// Pitch rate, degrees per second (up positive).
        #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
        pitch: f64,
        /// Yaw rate, degrees per second (clockwise positive).
        #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
        yaw: f64,
    },
    /// Look at a place and keep looking at it.
    #[command(allow_negative_numbers = true)]
    Roi {
        /// Latitude, degrees.
        lat: f64,
        /// Longitude, degrees.
        lon: f64,
        /// Altitude above home, metres (default: the ground at home's level).
        #[arg(default_value_t = 0.0)]
        alt: f64,
    },
    /// Look at another aircraft and follow it.
    RoiAircraft {
        /// Its system id.
        #[arg(value_parser = super::parse_sysid)]
        sysid: u8,
    },
    /// Stop looking at a place; hold where the gimbal points.
    RoiClear,
    /// Take control of the gimbal (from a mission or another station).
    Take,
    /// Release control of the gimbal.
    Release,
    /// Show the gimbal's limits, who controls it and where it points.
    Status,
}

impl GimbalAction {
    /// The request this action sends (`None` for `status`).
    pub fn request(&self) -> Option<GimbalRequest> {
        Some(match *self {
            GimbalAction::Point { pitch, yaw, north } => GimbalRequest::Point {
                pitch_deg: pitch,
                yaw_deg: yaw,
                earth: north,
            },
            GimbalAction::Rate { pitch, yaw } => GimbalRequest::Rate {
                pitch_deg_s: pitch,
                yaw_deg_s: yaw,
            },
            GimbalAction::Roi { lat, lon, alt } => GimbalRequest::Roi {
                lat,
                lon,
                alt_m: alt,
            },
            GimbalAction::RoiAircraft { sysid } => GimbalRequest::RoiSysid { sysid },
            GimbalAction::RoiClear => GimbalRequest::RoiClear,
            GimbalAction::Take => GimbalRequest::TakeControl,
            GimbalAction::Release => GimbalRequest::Release,
            GimbalAction::Status => return None,
        })
    }
}

/// The gimbal part of a payload state, as `status` prints it.
pub fn describe(sysid: u8, s: &PayloadState) -> String {
    let Some(g) = s.gimbal else {
        return format!("aircraft {sysid}: no gimbal reported");
    };
    let mut out = format!(
        "aircraft {sysid}: gimbal (component {}, device {}): pitch {:.0}..{:.0}°, yaw {:.0}..{:.0}°",
        g.component, g.device_id, g.pitch_min_deg, g.pitch_max_deg, g.yaw_min_deg, g.yaw_max_deg
    );
    if let Some(a) = s.attitude {
        out.push_str(&format!(
            "; points pitch {:.1}°, yaw {:.1}° {}",
            a.pitch_deg,
            a.yaw_deg,
            match a.yaw_frame {
                crate::fleet::YawFrame::Vehicle => "from the nose",
                crate::fleet::YawFrame::Earth => "from north",
            }
        ));
    }
    if let Some(c) = s.control {
        out.push_str(&format!(
            "; controlled by {}{}",
            control::controller(c.primary_sysid, c.primary_compid, sysid),
            if c.yaw_lock {
                ", yaw held to north"
            } else {
                ""
            }
        ));
    }
    out
}

/// Runs `kestrel gimbal`.
pub async fn run(args: GimbalArgs, ctx: &super::Context) -> anyhow::Result<()> {
    let request = args.action.request();
    // Refuse bad values before touching the network.
    if let Some(r) = &request {
        r.validate(None)?;
    }
    let station = args.link.open(ctx).await?;
    let watcher = PayloadWatcher::start(&station);
    wait_for(&station, args.sysid, Duration::from_secs_f64(args.wait)).await?;
    let state = control::discover(&station, &watcher, args.sysid).await?;
    let result = match request {
        None => {
            if ctx.json {
                println!("{}", serde_json::to_string_pretty(&state)?);
            } else {
                println!("{}", describe(args.sysid, &state));
            }
            if state.gimbal.is_none() {
                Err(anyhow::anyhow!("aircraft {} reports no gimbal", args.sysid))
            } else {
                Ok(())
            }
        }
        Some(r) => {
            let outcome = control::gimbal(&station, &watcher, args.sysid, r).await?;
            report_outcome(ctx, &outcome)
        }
    };
    station.flush_tlog();
    result
}
