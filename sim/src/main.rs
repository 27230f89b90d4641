//! `kestrel-sim` command line: starts N simulated ArduCopter-like aircraft on UDP or TCP and runs
//! until Ctrl-C, or for `--measure S` seconds and then prints the CPU it used.

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use kestrel_sim::{Endpoint, Faults, SimConfig, Simulator};

/// Simulates a fleet of multicopters speaking MAVLink 2 like ArduCopter SITL.
#[derive(Debug, Parser)]
#[command(name = "kestrel-sim", version)]
struct Cli {
    /// Number of aircraft (system ids 1..=N).
    #[arg(long, default_value_t = 1)]
    vehicles: usize,
    /// Stream to a GCS at HOST:PORT over UDP (each aircraft uses its own local port).
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "tcp")]
    udp: Option<String>,
    /// Listen for GCS connections on HOST:PORT (aircraft i on PORT + 10 * i).
    #[arg(long, value_name = "HOST:PORT")]
    tcp: Option<String>,
    /// Home of aircraft 0 as LAT,LON in degrees.
    #[arg(long, value_name = "LAT,LON", allow_hyphen_values = true)]
    home: Option<String>,
    /// Probability (0..1) of dropping each frame, each way.
    #[arg(long, default_value_t = 0.0)]
    loss: f64,
    /// Extra delay of each frame, each way, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency: u64,
    /// Simulated second at which every link goes down.
    #[arg(long, value_name = "S", requires = "link_down_for")]
    link_down_at: Option<f64>,
    /// How many simulated seconds the link stays down.
    #[arg(long, value_name = "S", requires = "link_down_at")]
    link_down_for: Option<f64>,
    /// Run simulated time this many times faster than real time.
    #[arg(long, default_value_t = 1.0)]
    speedup: f64,
    /// Seed for wind, GPS noise and packet loss.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Simulated seconds before the position estimate is ready (arming refused until then).
    #[arg(long, value_name = "S", default_value_t = 3.0)]
    gps_warmup: f64,
    /// Each aircraft streams a test video (RTP H.264) to the ground station's host on UDP port
    /// VIDEO_PORT + index and announces it with VIDEO_STREAM_INFORMATION.
    #[arg(long)]
    video: bool,
    /// First UDP port of the test videos (aircraft i uses this + i).
    #[arg(long, value_name = "PORT", default_value_t = kestrel_sim::video::VIDEO_BASE_PORT)]
    video_port: u16,
    /// Make the payload camera behave like ArduPilot 4.5's: no CAMERA_IMAGE_CAPTURED, no
    /// CAMERA_TRACKING_IMAGE_STATUS, no step zoom.
    #[arg(long)]
    ardupilot_camera: bool,
    /// With --video: encode a camera's stream only while a ground station asks for it
    /// (MAV_CMD_VIDEO_START_STREAMING, repeated at least every 15 s).
    #[arg(long, requires = "video")]
    video_on_demand: bool,
    /// Keep each aircraft's signing key and last signing timestamp in this owner-only file (or
    /// a file in this directory), so that a restarted simulator keeps enforcing signing, as
    /// ArduPilot keeps its key in storage. Without it, keys are forgotten at exit.
    #[arg(long, value_name = "FILE")]
    signing_store: Option<std::path::PathBuf>,
    /// Simulate N manned aircraft around the patrol area (a helicopter crossing low over home, a
    /// light aircraft passing, others higher up), forwarded by every aircraft as ADSB_VEHICLE.
    #[arg(long, value_name = "N", default_value_t = 0)]
    traffic: usize,
    /// Also serve that traffic as an SBS-1 (BaseStation) feed on this TCP address, as a
    /// dump1090 receiver does on port 30003 (`--traffic sbs://HOST:PORT` in kestrel).
    #[arg(long, value_name = "HOST:PORT", requires = "traffic")]
    traffic_sbs: Option<String>,
    /// Terrain following on, as ArduPilot with TERRAIN_ENABLE=1: every aircraft asks the ground
    /// station for the terrain under it (TERRAIN_REQUEST) and reports what it holds.
    #[arg(long)]
    terrain: bool,
    /// Every aircraft carries a Remote ID transponder and refuses to arm until the ground
    /// station supplies the operator's location and ID (ArduPilot's DID_OPTIONS=EnforceArming).
    #[arg(long)]
    remote_id: bool,
    /// Run for S wall-clock seconds, print one line with the CPU used, and exit.
    #[arg(long, value_name = "S")]
    measure: Option<f64>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                e.exit();
            }
            // clap's message spans lines; keep it to one (what went wrong, without the usage).
            let text = e.to_string();
            let line = text
                .lines()
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            eprintln!("kestrel-sim: {}", line.trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    let cfg = match config(&cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kestrel-sim: {e:#}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let sim = match Simulator::start(cfg.clone()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kestrel-sim: {e:#}");
            return ExitCode::from(1);
        }
    };
    if let Some(seconds) = cli.measure {
        if !(seconds.is_finite() && seconds > 0.0) {
            eprintln!("kestrel-sim: --measure must be a positive number of seconds");
            return ExitCode::from(2);
        }
        std::thread::sleep(Duration::from_secs_f64(seconds));
        let wall = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu_before;
        let stats = sim.stats();
        drop(sim);
        println!(
            "vehicles={} wall_s={:.2} cpu_s={:.3} cpu_fraction_of_one_core={:.4} frames_sent={}",
            cfg.vehicles,
            wall,
            cpu,
            cpu / wall,
            stats.frames_sent
        );
        return ExitCode::SUCCESS;
    }
    print_banner(&cfg, &sim);
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kestrel-sim: {e}");
            return ExitCode::from(1);
        }
    };
    let _ = rt.block_on(tokio::signal::ctrl_c());
    drop(sim);
    ExitCode::SUCCESS
}

fn config(cli: &Cli) -> anyhow::Result<SimConfig> {
    let endpoint = match (&cli.udp, &cli.tcp) {
        (_, Some(t)) => Endpoint::Tcp(resolve(t)?),
        (Some(u), None) => Endpoint::Udp(resolve(u)?),
        (None, None) => SimConfig::default().endpoint,
    };
    let home = match &cli.home {
        Some(h) => parse_home(h)?,
        None => SimConfig::default().home,
    };
    let cfg = SimConfig {
        vehicles: cli.vehicles,
        endpoint,
        home,
        faults: Faults {
            loss: cli.loss,
            latency_ms: cli.latency,
            link_down_at_s: cli.link_down_at,
            link_down_for_s: cli.link_down_for.unwrap_or(0.0),
        },
        speedup: cli.speedup,
        seed: cli.seed,
        gps_warmup_s: cli.gps_warmup,
        video: cli.video,
        video_base_port: cli.video_port,
        signing_store: cli.signing_store.clone(),
        traffic: cli.traffic,
        traffic_sbs: cli.traffic_sbs.as_deref().map(resolve).transpose()?,
        terrain: cli.terrain,
        remote_id: cli.remote_id,
        camera_extras: !cli.ardupilot_camera,
        video_on_demand: cli.video_on_demand,
    };
    cfg.validate()?;
    Ok(cfg)
}

fn resolve(s: &str) -> anyhow::Result<SocketAddr> {
    s.to_socket_addrs()
        .map_err(|e| anyhow::anyhow!("bad address '{s}' (expected HOST:PORT): {e}"))?
        .next()
        .ok_or_else(|| anyhow::anyhow!("address '{s}' does not resolve"))
}

fn parse_home(s: &str) -> anyhow::Result<(f64, f64)> {
    let bad = || anyhow::anyhow!("bad --home '{s}' (expected LAT,LON in degrees)");
    let (lat, lon) = s.split_once(',').ok_or_else(bad)?;
    let lat: f64 = lat.trim().parse().map_err(|_| bad())?;
    let lon: f64 = lon.trim().parse().map_err(|_| bad())?;
    Ok((lat, lon))
}

fn print_banner(cfg: &SimConfig, sim: &Simulator) {
    let addrs = sim.vehicle_addrs();
    let first = addrs.first().map(|a| a.to_string()).unwrap_or_default();
    let last = addrs.last().map(|a| a.to_string()).unwrap_or_default();
    match cfg.endpoint {
        Endpoint::Udp(gcs) => println!(
            "kestrel-sim: {} aircraft (sysid 1..{}) streaming MAVLink 2 over UDP to {gcs}, from {first} .. {last}. Ctrl-C to stop.",
            cfg.vehicles, cfg.vehicles
        ),
        Endpoint::Tcp(_) => println!(
            "kestrel-sim: {} aircraft (sysid 1..{}) listening on TCP {first} .. {last}. Ctrl-C to stop.",
            cfg.vehicles, cfg.vehicles
        ),
    }
    if let Some(store) = &cfg.signing_store {
        println!(
            "kestrel-sim: signing keys kept in {}",
            kestrel_sim::signing_store::SigningStore::at(store)
                .path()
                .display()
        );
    }
    if cfg.traffic > 0 {
        println!(
            "kestrel-sim: {} manned aircraft forwarded as ADSB_VEHICLE{}",
            cfg.traffic,
            sim.sbs_addr()
                .map(|a| format!(", SBS-1 feed on TCP {a} (kestrel --traffic sbs://{a})"))
                .unwrap_or_default()
        );
    }
    if cfg.video {
        println!(
            "kestrel-sim: test video RTP H.264 to UDP ports {}..{} (udp://0.0.0.0:PORT in the ground station).",
            cfg.video_base_port,
            u32::from(cfg.video_base_port) + cfg.vehicles as u32 - 1
        );
    }
}

/// User + system CPU time of this process, seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return 0.0;
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_home_and_rejects_garbage() {
        assert_eq!(parse_home("36.5,-115.25").unwrap(), (36.5, -115.25));
        assert!(parse_home("36.5").is_err());
        assert!(parse_home("a,b").is_err());
    }

    #[test]
    fn cli_builds_a_valid_config() {
        let cli = Cli::try_parse_from([
            "kestrel-sim",
            "--vehicles",
            "3",
            "--tcp",
            "127.0.0.1:5760",
            "--loss",
            "0.1",
            "--link-down-at",
            "10",
            "--link-down-for",
            "5",
        ])
        .unwrap();
        let c = config(&cli).unwrap();
        assert_eq!(c.endpoint, Endpoint::Tcp("127.0.0.1:5760".parse().unwrap()));
        assert_eq!(c.faults.link_down_at_s, Some(10.0));
        assert_eq!(c.gps_warmup_s, 3.0);
        assert_eq!(c.signing_store, None);
        let kept =
            Cli::try_parse_from(["kestrel-sim", "--signing-store", "/var/lib/sim/keys"]).unwrap();
        assert_eq!(
            config(&kept).unwrap().signing_store,
            Some(std::path::PathBuf::from("/var/lib/sim/keys"))
        );
        let bad = Cli::try_parse_from(["kestrel-sim", "--loss", "2"]).unwrap();
        assert!(config(&bad).is_err());
        assert!(Cli::try_parse_from(["kestrel-sim", "--udp", "a:1", "--tcp", "b:2"]).is_err());
    }
}
