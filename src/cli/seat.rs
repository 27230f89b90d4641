//! `kestrel seat`: the crew's seats from the command line, without a window. `kestrel seat crew`
//! lists the seats heard around the aircraft (who sits where, which pilot seat commands what);
//! `kestrel seat call-out KIND` makes a call-out to the pilot in command, as an observer's
//! console would, and says whether it reached the pilot's screen (and, with `--wait-ack`, was
//! acknowledged). The seat messages are the ones the consoles use ([`crate::seat`]).

use std::time::{Duration, Instant};

use crate::seat::desk::{CallOutState, Outbound};
use crate::seat::{CallOutKind, Seat, SeatDesk, SeatMessage};
use crate::station::{Station, StationConfig};

use super::LinkArgs;

/// Arguments of `kestrel seat`.
#[derive(Debug, clap::Args)]
pub struct SeatArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SeatCmd,
}

/// The seat subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SeatCmd {
    /// List the seats heard on the link: seat, person, system id, aircraft commanded.
    Crew(CrewArgs),
    /// Call out to the pilot in command: traffic, obstacle, people-below, lost-visual, land-now.
    CallOut(CallOutArgs),
}

/// Options shared by the seat subcommands.
#[derive(Debug, clap::Args)]
pub struct SeatOpts {
    /// Which links to use (e.g. the one the router forwards to).
    #[command(flatten)]
    pub link: LinkArgs,
    /// This station's system id (keep it apart from every console's).
    #[arg(long, default_value_t = 230, value_parser = clap::value_parser!(u8).range(1..=255))]
    pub sysid: u8,
}

/// Arguments of `kestrel seat crew`.
#[derive(Debug, clap::Args)]
pub struct CrewArgs {
    /// Links and system id.
    #[command(flatten)]
    pub opts: SeatOpts,
    /// Listen this long (seconds); seats announce themselves every second.
    #[arg(long, default_value_t = 2.5)]
    pub wait: f64,
}

/// Arguments of `kestrel seat call-out`.
#[derive(Debug, clap::Args)]
pub struct CallOutArgs {
    /// Links and system id.
    #[command(flatten)]
    pub opts: SeatOpts,
    /// What to call out.
    pub kind: CallOutKind,
    /// The aircraft concerned.
    #[arg(long, value_parser = super::parse_sysid, default_value_t = 1)]
    pub aircraft: u8,
    /// Who calls out (shown on the pilot's banner).
    #[arg(long, value_name = "NAME")]
    pub person: Option<String>,
    /// Wait until the pilot acknowledges it, not only until it is on the pilot's screen.
    #[arg(long)]
    pub wait_ack: bool,
    /// Give up after this long (seconds).
    #[arg(long, default_value_t = 15.0)]
    pub timeout: f64,
}

/// Runs `kestrel seat`.
pub async fn run(args: SeatArgs, ctx: &super::Context) -> anyhow::Result<()> {
    match args.command {
        SeatCmd::Crew(a) => crew(a, ctx).await,
        SeatCmd::CallOut(a) => call_out(a, ctx).await,
    }
}

async fn open(opts: &SeatOpts, ctx: &super::Context) -> anyhow::Result<Station> {
    let station = Station::start(StationConfig {
        gcs_sysid: opts.sysid,
        audit: Some(ctx.audit_db()),
        operator: ctx.operator.clone(),
        // A listener, not a ground station flying anything: no stream requests.
        request_streams_hz: None,
        ..Default::default()
    })?;
    for spec in &opts.link.links {
        station
            .add_link(spec.clone())
            .await
            .map_err(|e| anyhow::anyhow!("{spec}: {e}"))?;
    }
    Ok(station)
}

fn send(station: &Station, out: Vec<Outbound>) {
    for (to, msg) in out {
        let tunnel = msg.to_tunnel(to);
        let _ = if to == 0 {
            station.broadcast(tunnel)
        } else {
            station.send_to_system(to, tunnel)
        };
    }
}

/// Feeds the desk what arrives and ticks it until `done` says so or `until` passes.
async fn drive(
    station: &Station,
    desk: &mut SeatDesk,
    until: Instant,
    mut done: impl FnMut(&SeatDesk) -> bool,
) -> bool {
    let mut rx = station.subscribe();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        if done(desk) {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        tokio::select! {
            m = rx.recv() => match m {
                Ok(m) => {
                    if let Ok(msg) = SeatMessage::from_message(&m.message) {
                        let (out, _) = desk.on_message(m.sysid(), msg, Instant::now());
                        send(station, out);
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => return false,
            },
            _ = tick.tick() => {
                let aircraft: Vec<u8> = station.snapshot().aircraft.iter().map(|a| a.sysid).collect();
                let (out, _) = desk.tick(&aircraft, Instant::now());
                send(station, out);
            }
        }
    }
}

async fn crew(args: CrewArgs, ctx: &super::Context) -> anyhow::Result<()> {
    let station = open(&args.opts, ctx).await?;
    // A listener sits in no seat of its own: it announces itself as an observer.
    let mut desk = SeatDesk::new(
        Seat::Observer,
        args.opts.sysid,
        "kestrel seat crew",
        Instant::now(),
    );
    let until = Instant::now() + Duration::from_secs_f64(args.wait.max(0.0));
    drive(&station, &mut desk, until, |_| false).await;
    let peers = desk.peers(Instant::now());
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(&peers)?);
    } else if peers.is_empty() {
        println!("no seat heard{}", super::link_problems(&station));
    } else {
        println!("{:<9} {:<6} {:<24} COMMANDS", "SEAT", "SYSID", "PERSON");
        for p in &peers {
            let commands: Vec<String> = p.commands.iter().map(|a| a.to_string()).collect();
            println!(
                "{:<9} {:<6} {:<24} {}",
                p.seat.name(),
                p.sysid,
                p.person,
                if commands.is_empty() {
                    "-".to_string()
                } else {
                    commands.join(", ")
                }
            );
        }
    }
    Ok(())
}

async fn call_out(args: CallOutArgs, ctx: &super::Context) -> anyhow::Result<()> {
    let station = open(&args.opts, ctx).await?;
    let person = args.person.clone().unwrap_or_else(|| ctx.operator.clone());
    let mut desk = SeatDesk::new(Seat::Observer, args.opts.sysid, &person, Instant::now());
    let deadline = Instant::now() + Duration::from_secs_f64(args.timeout.max(0.0));
    // Learn who commands the aircraft first, so the call-out goes to that pilot seat.
    let aircraft = args.aircraft;
    drive(
        &station,
        &mut desk,
        deadline.min(Instant::now() + Duration::from_millis(2500)),
        |d| d.commander(aircraft, Instant::now()).is_some(),
    )
    .await;
    let (id, out) = desk
        .call_out(args.kind, aircraft, Instant::now())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    send(&station, vec![out]);
    let started = Instant::now();
    let wanted = if args.wait_ack {
        CallOutState::Acknowledged
    } else {
        CallOutState::Shown
    };
    let state = |d: &SeatDesk| {
        d.call_outs()
            .iter()
            .find(|c| c.id == id && c.from == d.sysid())
            .map(|c| c.state)
    };
    drive(&station, &mut desk, deadline, |d| {
        matches!(state(d), Some(s) if s == wanted || s == CallOutState::Acknowledged || s == CallOutState::NotDelivered)
    })
    .await;
    let final_state = state(&desk).unwrap_or(CallOutState::Sent);
    station.audit(
        Some(aircraft),
        "seat",
        format!("call-out: {}", args.kind),
        format!("{final_state:?}").to_lowercase(),
    );
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match final_state {
        CallOutState::Shown if !args.wait_ack => {
            println!("{}: on the pilot's screen after {ms:.0} ms", args.kind);
            Ok(())
        }
        CallOutState::Acknowledged => {
            println!("{}: acknowledged by the pilot after {ms:.0} ms", args.kind);
            Ok(())
        }
        CallOutState::Shown => anyhow::bail!(
            "{}: on the pilot's screen but not acknowledged within {:.0} s",
            args.kind,
            args.timeout
        ),
        _ => anyhow::bail!(
            "{}: NOT delivered — no pilot seat answered within {:.0} s{}; tell the pilot by voice",
            args.kind,
            args.timeout,
            super::link_problems(&station)
        ),
    }
}
