//! Simulator configuration: how many aircraft, where they talk, where they start, and which link
//! faults to inject. Plain data shared by the library API and the command line.

use std::net::SocketAddr;

/// Everything [`crate::Simulator::start`] needs to know; `Default` gives one aircraft over UDP to
/// a GCS on 127.0.0.1:14550 at the Liaocheng home, with no faults and real-time speed.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Number of aircraft; aircraft `i` is MAVLink system `i + 1` (1..=250).
    pub vehicles: usize,
    /// Where the aircraft talk: UDP to a GCS, or TCP listeners a GCS connects to.
    pub endpoint: Endpoint,
    /// (latitude, longitude) in degrees of aircraft 0's home; the others start on a grid around
    /// it. Ground level there is [`HOME_ALT_AMSL_M`] above mean sea level.
    pub home: (f64, f64),
    /// Link faults applied to every aircraft's link, each direction.
    pub faults: Faults,
    /// Simulated time runs this many times faster than wall time (physics, battery, streams and
    /// every autopilot timeout). Must be > 0.
    pub speedup: f64,
    /// Seed for wind, GPS noise and packet loss, so runs are repeatable.
    pub seed: u64,
    /// Seconds of simulated time after start during which the position estimate is not ready:
    /// latitude/longitude are reported as 0 and arming is refused, as on a cold-started autopilot.
    pub gps_warmup_s: f64,
    /// Each aircraft streams a test video (RTP H.264, moving pattern with its callsign and a
    /// clock) to the ground station's host on UDP port `video_base_port + i`, and describes it
    /// with VIDEO_STREAM_INFORMATION when asked.
    pub video: bool,
    /// First UDP video port (aircraft `i` uses this + i); 5600 as QGroundControl expects.
    pub video_base_port: u16,
    /// Keep each aircraft's signing key and last signing timestamp in this owner-only file (or
    /// in `kestrel-sim-signing` inside this directory), so that a restarted simulator keeps
    /// enforcing signing, as ArduPilot does. `None`: keys live in memory only.
    pub signing_store: Option<std::path::PathBuf>,
    /// Manned traffic around the patrol area (`crate::traffic`): this many targets, forwarded by
    /// every aircraft as ADSB_VEHICLE (0: none).
    pub traffic: usize,
    /// Also serve the traffic as an SBS-1 (BaseStation) feed on this TCP address (port 0: any
    /// free port, see `Simulator::sbs_addr`).
    pub traffic_sbs: Option<SocketAddr>,
    /// Terrain following on (ArduPilot's TERRAIN_ENABLE): every aircraft asks the ground station
    /// for the terrain under it (TERRAIN_REQUEST), streams TERRAIN_REPORT and answers
    /// TERRAIN_CHECK (`crate::terrain`).
    pub terrain: bool,
    /// Every aircraft carries a Remote ID transponder that must be good to arm, as ArduPilot
    /// with DID_OPTIONS=EnforceArming (`crate::remote_id`).
    pub remote_id: bool,
    /// The payload camera also sends CAMERA_IMAGE_CAPTURED and CAMERA_TRACKING_IMAGE_STATUS
    /// and accepts step zoom, as a dedicated camera does. `false` gives an ArduPilot 4.5-like
    /// camera, which does none of these.
    pub camera_extras: bool,
    /// With `video`: a camera encodes only while a ground station asks for its stream
    /// (MAV_CMD_VIDEO_START_STREAMING, repeated at least every [`crate::camera::STREAM_KEEPALIVE`]),
    /// so that a large fleet does not run an encoder per aircraft nobody watches.
    pub video_on_demand: bool,
}

/// Ground altitude above mean sea level at the default home (Liaocheng), metres.
pub const HOME_ALT_AMSL_M: f64 = 35.0;

/// Default home: Liaocheng, Shandong.
pub const DEFAULT_HOME: (f64, f64) = (36.4560, 115.9850);

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            vehicles: 1,
            endpoint: Endpoint::Udp(SocketAddr::from(([127, 0, 0, 1], 14550))),
            home: DEFAULT_HOME,
            faults: Faults::default(),
            speedup: 1.0,
            seed: 1,
            gps_warmup_s: 0.0,
            video: false,
            video_base_port: crate::video::VIDEO_BASE_PORT,
            signing_store: None,
            traffic: 0,
            traffic_sbs: None,
            terrain: false,
            remote_id: false,
            camera_extras: true,
            video_on_demand: false,
        }
    }
}

/// The transport the aircraft use, mirroring how ArduPilot SITL is usually connected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// Each aircraft binds its own ephemeral UDP port and streams to this GCS address, and also
    /// to every peer that sends to it.
    Udp(SocketAddr),
    /// Aircraft `i` listens on this address with port `port + 10 * i` (SITL convention) and
    /// streams to every connected client. Port 0 gives every aircraft an ephemeral port.
    Tcp(SocketAddr),
}

/// Link impairments, applied independently to each frame in each direction.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Faults {
    /// Probability (0..=1) that a frame is dropped, each way.
    pub loss: f64,
    /// Extra delay of every frame, each way, in wall-clock milliseconds (frames keep their order).
    pub latency_ms: u64,
    /// Simulated time (s) at which the link goes completely down, if any.
    pub link_down_at_s: Option<f64>,
    /// How long (simulated s) the link stays down from `link_down_at_s`.
    pub link_down_for_s: f64,
}

impl SimConfig {
    /// Checks the values a caller could get wrong, with a one-line reason.
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            (1..=250).contains(&self.vehicles),
            "vehicles must be between 1 and 250 (got {})",
            self.vehicles
        );
        anyhow::ensure!(
            self.speedup.is_finite() && self.speedup > 0.0 && self.speedup <= 1000.0,
            "speedup must be > 0 and <= 1000 (got {})",
            self.speedup
        );
        anyhow::ensure!(
            self.traffic <= 1000,
            "traffic must be at most 1000 targets (got {})",
            self.traffic
        );
        let (lat, lon) = self.home;
        anyhow::ensure!(
            lat.is_finite() && lon.is_finite() && lat.abs() < 85.0 && lon.abs() <= 180.0,
            "home must be a latitude within ±85 and a longitude within ±180 (got {lat},{lon})"
        );
        anyhow::ensure!(
            (0.0..=1.0).contains(&self.faults.loss),
            "loss must be between 0 and 1 (got {})",
            self.faults.loss
        );
        anyhow::ensure!(
            self.gps_warmup_s.is_finite() && self.gps_warmup_s >= 0.0,
            "gps warm-up must be >= 0 s (got {})",
            self.gps_warmup_s
        );
        if let Some(at) = self.faults.link_down_at_s {
            anyhow::ensure!(at.is_finite() && at >= 0.0, "link-down-at must be >= 0 s");
            anyhow::ensure!(
                self.faults.link_down_for_s.is_finite() && self.faults.link_down_for_s >= 0.0,
                "link-down-for must be >= 0 s"
            );
        }
        if self.video {
            let last = u32::from(self.video_base_port) + self.vehicles as u32 - 1;
            anyhow::ensure!(
                self.video_base_port > 0 && last <= 65535,
                "video ports {}..={} do not fit (video port + index must be 1..65535)",
                self.video_base_port,
                last
            );
        }
        if let Endpoint::Tcp(base) = self.endpoint {
            let last = u32::from(base.port()) + 10 * (self.vehicles as u32 - 1);
            anyhow::ensure!(
                base.port() == 0 || last <= 65535,
                "TCP ports {}..={} do not fit (port + 10 * index must be at most 65535)",
                base.port(),
                last
            );
        }
        Ok(())
    }

    /// Whether the link is inside the configured link-down window at simulated time `now`.
    pub fn link_down_window(&self, now: f64) -> bool {
        match self.faults.link_down_at_s {
            Some(at) => now >= at && now < at + self.faults.link_down_for_s,
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_documented_values() {
        let c = SimConfig::default();
        c.validate().unwrap();
        assert_eq!(c.vehicles, 1);
        assert_eq!(
            c.endpoint,
            Endpoint::Udp("127.0.0.1:14550".parse().unwrap())
        );
        assert_eq!(c.gps_warmup_s, 0.0);
    }

    #[test]
    fn rejects_bad_values() {
        let bad = [
            SimConfig {
                vehicles: 0,
                ..Default::default()
            },
            SimConfig {
                speedup: 0.0,
                ..Default::default()
            },
            SimConfig {
                faults: Faults {
                    loss: 1.5,
                    ..Default::default()
                },
                ..Default::default()
            },
            SimConfig {
                vehicles: 10,
                endpoint: Endpoint::Tcp("127.0.0.1:65500".parse().unwrap()),
                ..Default::default()
            },
        ];
        for c in bad {
            assert!(c.validate().is_err(), "{c:?}");
        }
    }

    #[test]
    fn link_down_window_is_half_open() {
        let c = SimConfig {
            faults: Faults {
                link_down_at_s: Some(10.0),
                link_down_for_s: 5.0,
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(!c.link_down_window(9.99));
        assert!(c.link_down_window(10.0));
        assert!(c.link_down_window(14.9));
        assert!(!c.link_down_window(15.0));
    }
}
