//! `kestrel demo`: a simulated patrol fleet flown in-process over real loopback MAVLink, shown as
//! a live table — what a newcomer sees without any aircraft.

use std::time::Duration;

use kestrel_sim::{Endpoint, SimConfig, Simulator};

use crate::link::LinkSpec;
use crate::station::{Station, StationConfig};

use super::output;

/// Arguments of `kestrel demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Number of simulated aircraft.
    #[arg(long, default_value_t = 4)]
    pub aircraft: usize,
    /// Stop after this many seconds (runs until Ctrl-C when absent).
    #[arg(long)]
    pub seconds: Option<f64>,
}

impl Default for DemoArgs {
    fn default() -> Self {
        Self {
            aircraft: 4,
            seconds: None,
        }
    }
}

/// Starts the simulator on a free loopback port and a station listening to it.
pub async fn start_demo(aircraft: usize) -> anyhow::Result<(Simulator, Station)> {
    let port = std::net::UdpSocket::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse()?;
    let station = Station::start(StationConfig::default())?;
    station.add_link(LinkSpec::UdpIn(addr)).await?;
    let sim = Simulator::start(SimConfig {
        vehicles: aircraft,
        endpoint: Endpoint::Udp(addr),
        ..Default::default()
    })?;
    Ok((sim, station))
}

/// Runs `kestrel demo`.
pub async fn run(args: DemoArgs, json: bool) -> anyhow::Result<()> {
    let (_sim, station) = start_demo(args.aircraft).await?;
    let started = tokio::time::Instant::now();
    if !json {
        println!(
            "Kestrel demo: {} simulated aircraft over loopback MAVLink. Ctrl-C to stop.",
            args.aircraft
        );
    }
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = tokio::signal::ctrl_c() => break,
        }
        let snap = station.snapshot();
        if json {
            println!("{}", serde_json::to_string(&output::rows(&snap))?);
        } else {
            print!("{}", output::table(&snap));
            println!();
        }
        if args
            .seconds
            .is_some_and(|s| started.elapsed().as_secs_f64() >= s)
        {
            break;
        }
    }
    Ok(())
}
