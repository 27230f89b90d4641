//! How the console's core is started, and why it may not start.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::alerts::AlertThresholds;
use crate::link::LinkSpec;

use super::DispatchSettings;

/// The telemetry log starts a new part at this size (about three hours of 20 aircraft).
pub const TLOG_PART_BYTES: u64 = 256 * 1024 * 1024;

/// How to start the console's core.
#[derive(Debug, Clone, Default)]
pub struct ConsoleConfig {
    /// Links to open at start.
    pub links: Vec<LinkSpec>,
    /// Fly this many simulated aircraft in-process (the demo), over a loopback UDP link.
    pub demo: Option<usize>,
    /// Run the demo's simulated time this many times faster than real time (a shift in
    /// minutes, for the soak); real time when `None`.
    pub demo_speedup: Option<f64>,
    /// Where the alert log and telemetry logs go; nothing is written when `None`.
    pub data_dir: Option<PathBuf>,
    /// Record every frame to `DATA_DIR/tlogs/console-<time>.tlog`.
    pub record_tlog: bool,
    /// Size of one part of the telemetry log; [`TLOG_PART_BYTES`] when `None`.
    pub tlog_part_bytes: Option<u64>,
    /// Battery thresholds of the alerts.
    pub alert_thresholds: AlertThresholds,
    /// Who is operating, as written in the audit trail (`DATA_DIR/audit.db`) of every command.
    pub operator: String,
    /// Play the aircraft's video when the window's views ask for it (and give the demo's
    /// simulated aircraft cameras). Off by default so headless uses start no pipelines.
    pub video: bool,
    /// Where sightings go (broker, console id, CoT) and the payload camera.
    pub dispatch: DispatchSettings,
    /// Callsigns set in the settings, by system id.
    pub callsigns: BTreeMap<u8, String>,
    /// Connection strings of links the user trusts (signing keys may be sent over them); links
    /// with these names are marked trusted when they open.
    pub trusted_links: Vec<String>,
    /// SBS-1 feeds of ground ADS-B receivers to take traffic from.
    pub traffic_feeds: Vec<crate::traffic::FeedSpec>,
    /// Conflict boxes and target aging.
    pub traffic: crate::traffic::TrafficSettings,
    /// The operator's Remote ID (ID, position) sent to aircraft with a transponder.
    pub remote_id: crate::remote_id::OperatorSettings,
    /// Forwarding endpoints opened at start (`--forward`): other ground stations (crew seats,
    /// MAVProxy) share the aircraft through this console.
    pub forwards: Vec<LinkSpec>,
    /// The crew seat of this console (`--seat`); `None` is a console of its own, unrestricted.
    pub seat: Option<crate::seat::Seat>,
    /// Who sits at this console (a member of the roster), shown to the other seats.
    pub person: String,
    /// This console's MAVLink system id; by default its seat's ([`crate::seat::Seat::default_sysid`])
    /// or 255.
    pub sysid: Option<u8>,
    /// The pre-flight checklist: enforced or not, items left out, limits.
    pub checklist: crate::checklist::ChecklistSettings,
    /// The console's sound: on or off, volume, output.
    pub sound: crate::sound::SoundSettings,
}

impl ConsoleConfig {
    /// The system id the console's station uses.
    pub fn gcs_sysid(&self) -> u8 {
        self.sysid
            .or(self.seat.map(crate::seat::Seat::default_sysid))
            .unwrap_or(255)
    }
}

/// Why the console's core could not start.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The operating system refused a thread.
    #[error("cannot start the console's core thread: {0}")]
    Thread(std::io::Error),
    /// The station (its tokio runtime) could not start.
    #[error("cannot start the ground station: {0}")]
    Station(std::io::Error),
    /// The in-process demo simulator could not start.
    #[error("cannot start the demo simulator: {0}")]
    Demo(String),
}
