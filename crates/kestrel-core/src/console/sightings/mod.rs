//! The console core's sightings service: it opens the sightings queue in the data directory,
//! keeps the live list for the window (the feed), saves sightings the crew marks — at an
//! aircraft, at a map point or at a pixel of the video — durably before saying so, records them
//! in the audit trail, runs the sync worker to dispatch when a broker is configured (fleet
//! positions once a second included), exports Cursor-on-Target to TAK when asked, and reports the
//! dispatch connection (connected / offline with the reason / backlog). Everything runs on the
//! core's tokio runtime; the window only sends [`SightingIntent`]s and reads [`SightingsView`].

mod cot_export;
pub mod dispatch_settings;
mod marking;
mod requests;
mod state;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::dispatch::cot::{self, CotSender};
use crate::dispatch::outbox::fleet::{report, FleetSource};
use crate::dispatch::outbox::sync::{self, SyncConfig, SyncHandle, SyncStatus};
use crate::fleet::FleetSnapshot;
use crate::sightings::SightingStore;
use crate::station::Station;

use super::callsigns::Callsigns;
use super::published::EventSink;
use super::{ConsoleConfig, ConsoleError, Core, Service};

pub use dispatch_settings::{CameraSettings, CotSettings, CredentialSource, DispatchSettings};
pub use marking::audit_detail;
pub use requests::{MarkRequest, SightingEvent, SightingIntent, SightingPlace, VideoSnapshot};
pub use state::{DispatchConnection, DispatchState, SightingsView};

/// How long a reconfiguration waits for the old sync worker to let go of the queue.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// The sightings service inside the console's core.
pub struct SightingsService {
    station: Station,
    data_dir: Option<PathBuf>,
    store: Option<SightingStore>,
    queue_error: Option<String>,
    feed: Option<watch::Receiver<crate::sightings::feed::LiveList>>,
    settings: DispatchSettings,
    sync: Option<SyncHandle>,
    sync_status: Option<watch::Receiver<SyncStatus>>,
    config_error: Option<String>,
    cot: Option<(CotSender, tokio::task::AbortHandle)>,
    callsigns: Callsigns,
    events: EventSink,
    /// Where dispatch's live-video requests go (the video service).
    live_video: crossbeam_channel::Sender<crate::dispatch::live_video::LiveVideoRequest>,
}

impl SightingsService {
    /// Stops the sync worker (the queue stays as it is on disk).
    async fn stop_workers(&mut self) {
        if let Some(h) = self.sync.take() {
            let _ = tokio::time::timeout(STOP_WAIT, h.stop()).await;
        }
        if let Some((_, task)) = self.cot.take() {
            task.abort();
        }
    }

    /// (Re)starts the sync worker and CoT export for `settings`.
    async fn configure(&mut self, settings: DispatchSettings) {
        self.stop_workers().await;
        self.sync_status = None;
        self.config_error = None;
        self.settings = settings;
        if let Err(e) = self.settings.validate() {
            self.config_error = Some(e);
            return;
        }
        match self.settings.cot_target() {
            Ok(Some(target)) => match CotSender::connect(target, &self.settings.cot_tls()) {
                Ok(sender) => {
                    let task = tokio::spawn(cot_export::export_fleet(
                        self.station.clone(),
                        sender.clone(),
                        self.console_id(),
                        self.callsigns.clone(),
                    ));
                    self.cot = Some((sender, task.abort_handle()));
                }
                Err(e) => self.config_error = Some(e.to_string()),
            },
            Ok(None) => {}
            Err(e) => self.config_error = Some(e),
        }
        let Some(store) = self.store.clone() else {
            return;
        };
        let id = self.settings.console_id.trim().to_string();
        if !id.is_empty() && id != store.console_id() {
            if let Err(e) = store.set_console_id(&id).await {
                self.config_error = Some(e.to_string());
                return;
            }
        }
        let broker = match self.settings.broker_config() {
            Ok(Some(b)) => b,
            Ok(None) => return,
            Err(e) => {
                self.config_error = Some(e);
                return;
            }
        };
        let station = self.station.clone();
        let callsigns = self.callsigns.clone();
        let fleet: FleetSource = Arc::new(move || {
            let names = callsigns.resolved();
            let mut r = report(&station.snapshot());
            for a in &mut r {
                a.callsign = names.get(&a.sysid).cloned();
            }
            r
        });
        let mut config = SyncConfig::new(broker);
        config.tasks =
            self.data_dir
                .as_deref()
                .and_then(|d| match crate::tasking::TaskInbox::open_in(d) {
                    Ok(inbox) => Some(inbox),
                    Err(e) => {
                        log::warn!("console: tasks from dispatch are off: {e}");
                        None
                    }
                });
        config.live_video = Some(self.live_video.clone());
        match sync::start(store, config, Some(fleet)) {
            Ok(h) => {
                self.sync_status = Some(h.status());
                self.sync = Some(h);
            }
            Err(e) => self.config_error = Some(e.to_string()),
        }
    }

    fn console_id(&self) -> String {
        let id = self.settings.console_id.trim();
        if !id.is_empty() {
            return id.to_string();
        }
        self.store
            .as_ref()
            .map(|s| s.console_id())
            .unwrap_or_default()
    }

    /// The list and the dispatch state, as of now (cheap: no disk access).
    fn state(&self) -> SightingsView {
        let live = self
            .feed
            .as_ref()
            .map(|f| f.borrow().clone())
            .unwrap_or_default();
        let status = self.sync_status.as_ref().map(|s| s.borrow().clone());
        let connection = if let Some(e) = &self.queue_error {
            DispatchConnection::NoQueue(e.clone())
        } else if let Some(e) = &self.config_error {
            DispatchConnection::Failed(e.clone())
        } else if let Some(s) = &status {
            if self.sync.as_ref().is_some_and(|h| h.is_finished()) {
                DispatchConnection::Failed("the sync worker stopped; see the log".into())
            } else if s.connected {
                DispatchConnection::Connected
            } else if let Some(e) = &s.last_error {
                DispatchConnection::Offline { reason: e.clone() }
            } else {
                DispatchConnection::Connecting
            }
        } else {
            DispatchConnection::Off
        };
        let state = DispatchState {
            connection,
            counts: live.counts,
            console_id: self.console_id(),
            broker: self
                .settings
                .enabled()
                .then(|| self.settings.broker.trim().to_string()),
            cot: self.cot.as_ref().map(|(c, _)| c.target().to_string()),
            retry_at: status.filter(|s| !s.connected).and_then(|s| s.retry_at),
            cot_down: self.cot.as_ref().and_then(|(c, _)| match c.status() {
                cot::CotStatus::Down(why) => Some(why),
                _ => None,
            }),
        };
        SightingsView {
            total: live.total(),
            list: live.recent,
            dispatch: state,
        }
    }
}

impl Service for SightingsService {
    type Intent = SightingIntent;
    type Event = SightingEvent;
    type View = SightingsView;

    /// Opens the queue in the data directory and starts what the dispatch settings ask for.
    async fn start(core: &Core, config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        let station = core.station.clone();
        let data_dir = core.data_dir.clone();
        let (store, queue_error) = match &data_dir {
            None => (
                None,
                Some("no data directory, so sightings cannot be saved".to_string()),
            ),
            Some(dir) => {
                let dir = dir.clone();
                match tokio::task::spawn_blocking(move || SightingStore::open_in(&dir)).await {
                    Ok(Ok(s)) => (Some(s), None),
                    Ok(Err(e)) => (None, Some(e.to_string())),
                    Err(e) => (None, Some(e.to_string())),
                }
            }
        };
        if let Some(e) = &queue_error {
            log::warn!("sightings: {e}");
        }
        let feed = store
            .as_ref()
            .map(|s| crate::sightings::feed::watch_list(s.clone()));
        let mut service = Self {
            station,
            data_dir,
            store,
            queue_error,
            feed,
            settings: DispatchSettings::default(),
            sync: None,
            sync_status: None,
            config_error: None,
            cot: None,
            callsigns: core.callsigns.clone(),
            events: core.events.clone(),
            live_video: core.live_video.tx.clone(),
        };
        service.configure(config.dispatch.clone()).await;
        Ok(service)
    }

    /// Never waits for the disk (saves finish in the background).
    async fn handle(&mut self, intent: SightingIntent) {
        match intent {
            SightingIntent::Mark { id, request } => self.mark(id, request),
            SightingIntent::Edit { id, edit } => self.edit(id, edit, false),
            SightingIntent::Correct { id, edit } => self.edit(id, edit, true),
            SightingIntent::Configure(settings) => self.configure(*settings).await,
        }
    }

    fn publish(&mut self, _fleet: &FleetSnapshot) -> SightingsView {
        self.state()
    }

    async fn shutdown(&mut self) {
        self.stop_workers().await;
    }
}

#[cfg(test)]
mod tests {
    use super::marking::encode_frame;
    use super::*;
    use crate::sightings::QueueCounts;
    use crate::video::exif::GeoTag;
    use crate::video::frame::VideoFrame;
    use crate::video::snapshot::SnapshotMeta;

    #[test]
    fn a_video_frame_becomes_a_geotagged_jpeg_snapshot() {
        let rgba: Vec<u8> = (0..64 * 36 * 4).map(|i| (i % 251) as u8).collect();
        let frame = VideoFrame::from_rgba(64, 36, rgba).unwrap();
        let meta = SnapshotMeta {
            aircraft: "EAGLE 2".into(),
            position: Some(GeoTag {
                lat: 36.45,
                lon: 115.98,
                alt_m: Some(80.0),
                heading_deg: Some(90.0),
            }),
            ..Default::default()
        };
        let snap = encode_frame(&frame, &meta).unwrap();
        assert!(snap.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
        assert!(snap.file_name.ends_with(".jpg"), "{}", snap.file_name);
        assert_eq!(snap.info().sha256.len(), 64);
    }

    #[test]
    fn the_backlog_is_what_dispatch_has_not_acknowledged() {
        let counts = QueueCounts {
            queued: 2,
            delivered: 1,
            acknowledged: 5,
        };
        assert_eq!(
            DispatchState {
                counts,
                ..Default::default()
            }
            .backlog(),
            3
        );
    }
}
