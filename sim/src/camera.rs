//! The simulated aircraft's cameras (`kestrel-sim --video`): one [`TestVideoSender`] per
//! aircraft streaming RTP H.264 to the ground station's host on port `video_base_port + i`,
//! and the VIDEO_STREAM_INFORMATION each aircraft answers with. Over UDP the destination is
//! the configured GCS host; over TCP it is the address of the last client that connected
//! (127.0.0.1 until one does). Tests stop and restart a camera to exercise "no signal".

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mavlink::dialects::ardupilotmega::{MavMessage, VideoStreamStatusFlags};

use crate::video::{self, SenderConfig, TestVideoSender};

/// An on-demand camera stops encoding when no station asked for its stream for this long.
pub const STREAM_KEEPALIVE: Duration = Duration::from_secs(15);

/// One aircraft's camera: what it sends and the running sender, if on.
struct Camera {
    config: SenderConfig,
    /// The pose the picture is drawn from.
    feed: video::SceneFeed,
    sender: Option<TestVideoSender>,
    /// The operator (or a test) switched it off.
    off: bool,
    /// Encode only while asked ([`Cameras::request_stream`]); when it was last asked.
    on_demand: Option<Option<Instant>>,
}

/// Every aircraft's camera. Empty when the simulator runs without video.
#[derive(Default)]
pub struct Cameras {
    cams: Vec<Mutex<Camera>>,
}

/// The callsign burned into aircraft `index`'s picture.
pub fn label(index: usize) -> String {
    format!("SIM-{}", index + 1)
}

impl Cameras {
    /// Starts a camera for each of `count` aircraft, sending to `host`, ports `base_port + i`;
    /// `on_demand` cameras wait for a station to ask for their stream. Fails (naming the
    /// missing GStreamer element) if a sender cannot start.
    pub fn start(
        count: usize,
        host: IpAddr,
        base_port: u16,
        on_demand: bool,
    ) -> anyhow::Result<Cameras> {
        let mut cams = Vec::with_capacity(count);
        for i in 0..count {
            let mut config = SenderConfig::for_aircraft(0, label(i));
            let feed = video::SceneFeed::default();
            config.scene = Some(feed.clone());
            config.host = host.to_string();
            config.port = base_port.checked_add(i as u16).ok_or_else(|| {
                anyhow::anyhow!(
                    "video port {base_port} + {i} is above 65535: use a lower --video-port"
                )
            })?;
            let sender = if on_demand {
                // Check once that it could start, so a missing element is reported up front,
                // without sending a single packet before a station asks.
                TestVideoSender::check(&config)?;
                None
            } else {
                Some(TestVideoSender::start(config.clone())?)
            };
            cams.push(Mutex::new(Camera {
                config,
                feed,
                sender,
                off: false,
                on_demand: on_demand.then_some(None),
            }));
        }
        Ok(Cameras { cams })
    }

    fn cam(&self, index: usize) -> Option<std::sync::MutexGuard<'_, Camera>> {
        self.cams
            .get(index)
            .map(|m| m.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Whether the simulator has cameras at all.
    pub fn enabled(&self) -> bool {
        !self.cams.is_empty()
    }

    /// Switches aircraft `index`'s camera off (the stream stops) or back on.
    pub fn set_running(&self, index: usize, running: bool) -> anyhow::Result<()> {
        let Some(mut cam) = self.cam(index) else {
            anyhow::bail!("aircraft {index} has no camera (start the simulator with video)");
        };
        cam.off = !running;
        if running && cam.sender.is_none() {
            cam.sender = Some(TestVideoSender::start(cam.config.clone())?);
        } else if !running {
            cam.sender = None;
        }
        Ok(())
    }

    /// A station asks for aircraft `index`'s stream (MAV_CMD_VIDEO_START_STREAMING): an
    /// on-demand camera starts encoding. Returns whether the aircraft has a camera.
    pub fn request_stream(&self, index: usize) -> bool {
        let Some(mut cam) = self.cam(index) else {
            return false;
        };
        if let Some(asked) = &mut cam.on_demand {
            *asked = Some(Instant::now());
            if cam.sender.is_none() && !cam.off {
                cam.sender = TestVideoSender::start(cam.config.clone()).ok();
            }
        }
        true
    }

    /// Stops an on-demand camera nobody asked for within [`STREAM_KEEPALIVE`].
    pub fn expire(&self, index: usize) {
        let Some(mut cam) = self.cam(index) else {
            return;
        };
        if let Some(asked) = cam.on_demand {
            if cam.sender.is_some() && asked.is_none_or(|t| t.elapsed() > STREAM_KEEPALIVE) {
                cam.sender = None;
            }
        }
    }

    /// Whether aircraft `index`'s camera is sending now.
    pub fn streaming(&self, index: usize) -> bool {
        self.cam(index).is_some_and(|c| c.sender.is_some())
    }

    /// Points aircraft `index`'s stream at `host` (a TCP ground station connected from there).
    pub fn retarget(&self, index: usize, host: IpAddr) {
        let Some(mut cam) = self.cam(index) else {
            return;
        };
        let host = if host.is_unspecified() {
            IpAddr::from([127, 0, 0, 1])
        } else {
            host
        };
        if cam.config.host == host.to_string() {
            return;
        }
        cam.config.host = host.to_string();
        if !cam.off && cam.sender.is_some() {
            cam.sender = None;
            cam.sender = TestVideoSender::start(cam.config.clone()).ok();
        }
    }

    /// Sets the pose aircraft `index`'s picture is drawn from.
    pub fn set_view(&self, index: usize, view: crate::scene::CameraView) {
        let feed = match self.cam(index) {
            Some(cam) => cam.feed.clone(),
            None => return,
        };
        *feed.lock().unwrap_or_else(|e| e.into_inner()) = Some(view);
    }

    /// The UDP port aircraft `index` streams to.
    pub fn port(&self, index: usize) -> Option<u16> {
        self.cam(index).map(|c| c.config.port)
    }

    /// VIDEO_STREAM_INFORMATION of aircraft `index`, flagged running or not.
    pub fn stream_information(&self, index: usize) -> Option<MavMessage> {
        let cam = self.cam(index)?;
        let mut msg = video::stream_information(&cam.config);
        if let MavMessage::VIDEO_STREAM_INFORMATION(info) = &mut msg {
            if cam.sender.is_none() {
                info.flags = VideoStreamStatusFlags::empty();
            }
        }
        Some(msg)
    }
}

/// An aircraft's handle on its camera, kept in its [`crate::vehicle::Vehicle`] so that commands
/// can answer with the stream's description.
#[derive(Clone)]
pub struct CameraLink {
    /// Every camera of the simulator.
    pub cameras: Arc<Cameras>,
    /// This aircraft's index.
    pub index: usize,
}

impl CameraLink {
    /// Tells the camera what it sees now (the picture is drawn from it).
    pub fn set_view(&self, view: crate::scene::CameraView) {
        self.cameras.set_view(self.index, view);
        self.cameras.expire(self.index);
    }

    /// A station asks for this camera's stream.
    pub fn request_stream(&self) -> bool {
        self.cameras.request_stream(self.index)
    }

    /// This aircraft's VIDEO_STREAM_INFORMATION.
    pub fn stream_information(&self) -> Option<MavMessage> {
        self.cameras.stream_information(self.index)
    }
}

impl std::fmt::Debug for CameraLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CameraLink")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}
