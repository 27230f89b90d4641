//! What the console's services share: the station, the way back to the window
//! ([`super::EventSink`]), the alert desk, the mission book and the callsigns. [`Core`] is cheap to
//! clone (shared pointers), so a service keeps one and hands clones to its background tasks.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::dispatch::live_video::LiveVideoRequest;
use crate::station::Station;
use crate::traffic::Target;

use super::alerts::AlertDesk;
use super::callsigns::Callsigns;
use super::missions::MissionBook;
use super::published::EventSink;

/// The handles every service may use.
#[derive(Clone)]
pub struct Core {
    /// The ground station: links, fleet, commands, the audit trail.
    pub station: Station,
    /// The runtime the core runs on (for work started from other threads).
    pub runtime: tokio::runtime::Handle,
    /// Where events for the window go.
    pub events: EventSink,
    /// The alert engine, its log, and the modes the station expects (so a commanded RTL is not
    /// taken for a failsafe).
    pub alerts: AlertDesk,
    /// The mission each aircraft holds, and which aircraft's mission is being transferred.
    pub missions: MissionBook,
    /// Callsigns resolved once for everybody.
    pub callsigns: Callsigns,
    /// Where databases, logs, recordings live; nothing is written when `None`.
    pub data_dir: Option<PathBuf>,
    /// Dispatch's requests for live video: the sync worker puts them in, the video service
    /// takes them out.
    pub live_video: LiveVideoRequests,
    /// The manned traffic of the latest publication: the traffic service writes it, the
    /// checklist reads it (services publish in list order, traffic first).
    pub traffic: TrafficShare,
    /// The console's sound: services hold their cues on it (call-outs, tasks, alerts).
    pub sound: crate::sound::Chime,
}

/// The latest manned traffic targets, shared between the services of one console.
#[derive(Clone, Default)]
pub struct TrafficShare(Arc<Mutex<Arc<Vec<Target>>>>);

impl TrafficShare {
    /// Puts the targets of this publication.
    pub fn put(&self, targets: Arc<Vec<Target>>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = targets;
    }

    /// The latest targets.
    pub fn get(&self) -> Arc<Vec<Target>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// A channel for dispatch's live-video requests between two services of one console.
#[derive(Clone)]
pub struct LiveVideoRequests {
    /// Where the sync worker puts requests.
    pub tx: crossbeam_channel::Sender<LiveVideoRequest>,
    /// Where the video service takes them.
    pub rx: crossbeam_channel::Receiver<LiveVideoRequest>,
}

impl Default for LiveVideoRequests {
    fn default() -> Self {
        // Requests are renewed every few seconds: a full channel drops one, the next follows.
        let (tx, rx) = crossbeam_channel::bounded(64);
        Self { tx, rx }
    }
}
