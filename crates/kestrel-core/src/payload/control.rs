//! The camera service of the station: a [`PayloadWatcher`] follows every aircraft's gimbal and
//! camera from the inbound frames; [`discover`] asks an aircraft which gimbal and camera it has;
//! [`gimbal`] and [`camera`] send a request (checked first, acknowledged, retried by the command
//! protocol) and wait for what the payload reports back, so that the answer says plainly what
//! happened, including what an ArduPilot camera cannot confirm.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::broadcast::error::RecvError;

use crate::protocol::{Command, CommandOutcome};
use crate::station::{SendError, Station};

use super::request::{CameraRequest, GimbalRequest, PayloadError};
use super::state::{CapturedImage, PayloadBook, PayloadState};

/// GIMBAL_MANAGER_INFORMATION.
const GIMBAL_MANAGER_INFORMATION_ID: u32 = 280;
/// GIMBAL_MANAGER_STATUS.
const GIMBAL_MANAGER_STATUS_ID: u32 = 281;
/// CAMERA_INFORMATION.
const CAMERA_INFORMATION_ID: u32 = 259;
/// CAMERA_SETTINGS.
const CAMERA_SETTINGS_ID: u32 = 260;
/// CAMERA_CAPTURE_STATUS.
const CAMERA_CAPTURE_STATUS_ID: u32 = 262;
/// CAMERA_TRACKING_IMAGE_STATUS (a camera that answers reports its tracking; ArduPilot's
/// refuses).
const CAMERA_TRACKING_IMAGE_STATUS_ID: u32 = 275;

/// How long to wait for the payload to report the effect of an accepted request.
const REPORT_WAIT: Duration = Duration::from_secs(3);

/// Follows every aircraft's payload from the station's inbound frames.
#[derive(Clone)]
pub struct PayloadWatcher {
    book: Arc<Mutex<PayloadBook>>,
    changes: Arc<std::sync::atomic::AtomicU64>,
    _task: Arc<TaskGuard>,
}

struct TaskGuard(tokio::task::JoinHandle<()>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl PayloadWatcher {
    /// Starts following `station`'s inbound frames (inside a tokio runtime).
    pub fn start(station: &Station) -> Self {
        let book = Arc::new(Mutex::new(PayloadBook::default()));
        let changes = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let mut rx = station.subscribe();
        let task = tokio::spawn({
            let (book, changes) = (book.clone(), changes.clone());
            async move {
                loop {
                    let msg = match rx.recv().await {
                        Ok(m) => m,
                        Err(RecvError::Lagged(_)) => continue,
                        Err(RecvError::Closed) => return,
                    };
                    let changed = book.lock().unwrap_or_else(|e| e.into_inner()).apply(
                        msg.sysid(),
                        msg.header.component_id,
                        &msg.message,
                        msg.at,
                    );
                    if changed {
                        changes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
        });
        Self {
            book,
            changes,
            _task: Arc::new(TaskGuard(task)),
        }
    }

    /// Aircraft `sysid`'s payload as known now.
    pub fn get(&self, sysid: u8) -> Option<PayloadState> {
        self.lock().get(sysid).cloned()
    }

    /// Every aircraft's payload.
    pub fn book(&self) -> PayloadBook {
        self.lock().clone()
    }

    /// Increases whenever a payload message arrived (the console republishes only then).
    pub fn changes(&self) -> u64 {
        self.changes.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PayloadBook> {
        self.book.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until `f` holds for aircraft `sysid`'s payload, or `timeout`; returns the last state.
    pub async fn wait_for(
        &self,
        sysid: u8,
        timeout: Duration,
        f: impl Fn(&PayloadState) -> bool,
    ) -> (bool, Option<PayloadState>) {
        let deadline = Instant::now() + timeout;
        loop {
            let s = self.get(sysid);
            if s.as_ref().is_some_and(&f) {
                return (true, s);
            }
            if Instant::now() >= deadline {
                return (false, s);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Why a payload request did not go out.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The request itself was refused before sending.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// No link reaches the aircraft.
    #[error(transparent)]
    Send(#[from] SendError),
}

/// How a payload request ended.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PayloadOutcome {
    /// The aircraft.
    pub sysid: u8,
    /// What was asked, in words.
    pub request: String,
    /// The aircraft's acknowledgement.
    #[serde(flatten)]
    pub outcome: CommandOutcome,
    /// What the payload reported afterwards, or what it cannot confirm.
    pub note: Option<String>,
    /// The still it reported taking (CAMERA_IMAGE_CAPTURED), for a capture.
    pub image: Option<CapturedImage>,
}

impl std::fmt::Display for PayloadOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "aircraft {}: {}: {}",
            self.sysid, self.request, self.outcome
        )?;
        if let Some(n) = &self.note {
            write!(f, "; {n}")?;
        }
        Ok(())
    }
}

/// The messages discovery asks for: gimbal manager information and status, camera information,
/// settings, capture status and tracking status.
pub const DISCOVERY_MESSAGES: [u32; 6] = [
    GIMBAL_MANAGER_INFORMATION_ID,
    CAMERA_INFORMATION_ID,
    GIMBAL_MANAGER_STATUS_ID,
    CAMERA_SETTINGS_ID,
    CAMERA_CAPTURE_STATUS_ID,
    CAMERA_TRACKING_IMAGE_STATUS_ID,
];

/// Asks aircraft `sysid` for its payload's description without waiting for acknowledgements
/// (the answers reach the [`PayloadWatcher`] by themselves): for the console, which asks every
/// aircraft it sees and must not fill the audit trail with it.
pub fn ask(station: &Station, sysid: u8) -> Result<(), SendError> {
    for id in DISCOVERY_MESSAGES {
        station.send_to(
            sysid,
            Command::RequestMessage { message_id: id }.to_message(sysid, 0),
        )?;
    }
    Ok(())
}

/// Asks aircraft `sysid` which gimbal and camera it has (and their present state); returns what
/// it answered within the command protocol's retries. Missing parts stay `None`.
pub async fn discover(
    station: &Station,
    watcher: &PayloadWatcher,
    sysid: u8,
) -> Result<PayloadState, SendError> {
    for (id, done) in [
        (
            GIMBAL_MANAGER_INFORMATION_ID,
            (|s: &PayloadState| s.gimbal.is_some()) as fn(&PayloadState) -> bool,
        ),
        (CAMERA_INFORMATION_ID, |s: &PayloadState| s.camera.is_some()),
        (GIMBAL_MANAGER_STATUS_ID, |s: &PayloadState| {
            s.control.is_some()
        }),
        (CAMERA_SETTINGS_ID, |s: &PayloadState| s.zoom_pct.is_some()),
        (CAMERA_CAPTURE_STATUS_ID, |s: &PayloadState| {
            s.image_count.is_some()
        }),
        (CAMERA_TRACKING_IMAGE_STATUS_ID, |s: &PayloadState| {
            s.reports_tracking
        }),
    ] {
        if watcher.get(sysid).as_ref().is_some_and(done) {
            continue;
        }
        let outcome = station
            .command(sysid, &Command::RequestMessage { message_id: id })
            .await?;
        if outcome.is_accepted() {
            // The answer is sent before the acknowledgement; give it a moment to be applied.
            watcher
                .wait_for(sysid, Duration::from_millis(500), done)
                .await;
        }
    }
    Ok(watcher.get(sysid).unwrap_or_default())
}

/// Sends a gimbal request to aircraft `sysid` after checking it against the gimbal's limits.
/// Fails with "aircraft N reports no gimbal" when it never described one (run [`discover`]).
pub async fn gimbal(
    station: &Station,
    watcher: &PayloadWatcher,
    sysid: u8,
    request: GimbalRequest,
) -> Result<PayloadOutcome, ControlError> {
    let state = watcher.get(sysid);
    let info = state
        .as_ref()
        .and_then(|s| s.gimbal)
        .ok_or(PayloadError::NoGimbal(sysid))?;
    request.validate(Some(&info))?;
    let outcome = station
        .command(sysid, &request.to_command(Some(&info)))
        .await?;
    let mut note = None;
    if outcome.is_accepted() {
        match request {
            GimbalRequest::TakeControl | GimbalRequest::Release => {
                let me = (station.config().gcs_sysid, station.config().gcs_compid);
                let want_me = request == GimbalRequest::TakeControl;
                let (ok, s) = watcher
                    .wait_for(sysid, REPORT_WAIT, |s| {
                        s.control
                            .is_some_and(|c| ((c.primary_sysid, c.primary_compid) == me) == want_me)
                    })
                    .await;
                note = Some(match s.and_then(|s| s.control) {
                    Some(_) if ok && want_me => "this station controls the gimbal".to_string(),
                    Some(c) if ok => format!(
                        "released (now controlled by {})",
                        controller(c.primary_sysid, c.primary_compid, sysid)
                    ),
                    Some(c) => format!(
                        "the gimbal reports it is controlled by {}",
                        controller(c.primary_sysid, c.primary_compid, sysid)
                    ),
                    None => "the gimbal reports no controller (no GIMBAL_MANAGER_STATUS)".into(),
                });
            }
            GimbalRequest::TakeSecondary => {
                let me = (station.config().gcs_sysid, station.config().gcs_compid);
                let (ok, _) = watcher
                    .wait_for(sysid, REPORT_WAIT, |s| {
                        s.control
                            .is_some_and(|c| (c.secondary_sysid, c.secondary_compid) == me)
                    })
                    .await;
                note = Some(if ok {
                    "this station is the gimbal's secondary controller".to_string()
                } else {
                    "accepted, but the gimbal manager keeps no secondary controller (ArduPilot \
                     does not): the primary controller alone is reported"
                        .to_string()
                });
            }
            _ => {}
        }
    }
    Ok(PayloadOutcome {
        sysid,
        request: request.describe(),
        outcome,
        note,
        image: None,
    })
}

/// Who a GIMBAL_MANAGER_STATUS controller is, in words.
pub fn controller(sysid: u8, compid: u8, aircraft: u8) -> String {
    match (sysid, compid) {
        (0, _) => "nobody".into(),
        (s, _) if s == aircraft => "the aircraft's mission".into(),
        (s, c) => format!("station {s} (component {c})"),
    }
}

/// Sends a camera request to aircraft `sysid` after checking the camera can do it, and waits
/// for what the camera reports: the still it took, the recording state, the tracking state.
pub async fn camera(
    station: &Station,
    watcher: &PayloadWatcher,
    sysid: u8,
    request: CameraRequest,
) -> Result<PayloadOutcome, ControlError> {
    let before = watcher.get(sysid);
    if before.as_ref().and_then(|s| s.camera.as_ref()).is_none() {
        return Err(PayloadError::NoCamera(sysid).into());
    }
    request.validate(sysid, before.as_ref())?;
    let prev = before.clone().unwrap_or_default();
    let next_image = prev.image_count.unwrap_or(0).max(0) as u32 + 1;
    let outcome = station
        .command(sysid, &request.to_command(before.as_ref(), next_image))
        .await?;
    let mut note = None;
    let mut image = None;
    if outcome.is_accepted() {
        match request {
            CameraRequest::Capture => {
                let last = prev.images.last().map(|i| i.index);
                let count = prev.image_count;
                let (ok, s) = watcher
                    .wait_for(sysid, REPORT_WAIT, |s| {
                        s.images.last().map(|i| i.index) != last
                            || (!s.reports_captures && s.image_count != count)
                    })
                    .await;
                let s = s.unwrap_or_default();
                if s.images.last().map(|i| i.index) != last {
                    image = s.images.last().cloned();
                    note = image.as_ref().map(|i| match i.position {
                        Some(p) => format!("still {} taken at {:.6}, {:.6}", i.index, p.lat, p.lon),
                        None => format!("still {} taken", i.index),
                    });
                } else if ok {
                    note = Some(format!(
                        "the camera counts {} stills but does not confirm each one \
                         (no CAMERA_IMAGE_CAPTURED, as on ArduPilot): geotag from the aircraft",
                        s.image_count.unwrap_or(0)
                    ));
                } else {
                    note = Some(
                        "the camera did not confirm the still (no CAMERA_IMAGE_CAPTURED or \
                         capture count)"
                            .into(),
                    );
                }
            }
            CameraRequest::RecordStart | CameraRequest::RecordStop => {
                let want = request == CameraRequest::RecordStart;
                let (ok, _) = watcher
                    .wait_for(sysid, REPORT_WAIT, |s| s.recording == Some(want))
                    .await;
                note = Some(if ok {
                    if want {
                        "the camera is recording".into()
                    } else {
                        "the camera stopped recording".into()
                    }
                } else {
                    "the camera did not report its recording state (no CAMERA_CAPTURE_STATUS)"
                        .into()
                });
            }
            CameraRequest::Track { .. } => {
                if prev.reports_tracking {
                    let (ok, _) = watcher
                        .wait_for(sysid, REPORT_WAIT, |s| {
                            s.tracking.is_some_and(|t| t.active)
                                && s.fresh("CAMERA_TRACKING_IMAGE_STATUS", Instant::now())
                        })
                        .await;
                    note = Some(if ok {
                        "the camera is tracking".into()
                    } else {
                        "the camera accepted but reports no lock on a target".into()
                    });
                } else {
                    note = Some(
                        "the camera reports no tracking status (ArduPilot sends no \
                         CAMERA_TRACKING_IMAGE_STATUS): check the video"
                            .into(),
                    );
                }
            }
            CameraRequest::Zoom(_) => {
                if let Some(f) = watcher
                    .wait_for(sysid, Duration::from_millis(1200), |s| {
                        s.heard("CAMERA_FOV_STATUS")
                            > prev.heard("CAMERA_FOV_STATUS").or(Some(Instant::now()))
                    })
                    .await
                    .1
                    .and_then(|s| s.fov)
                {
                    note = Some(format!("field of view {:.1}°", f.hfov_deg));
                }
            }
            CameraRequest::TrackStop => {}
        }
    }
    Ok(PayloadOutcome {
        sysid,
        request: request.describe(),
        outcome,
        note,
        image,
    })
}
