//! `kestrel conformance`: the conformance suite against an aircraft on any link — `kestrel-sim`
//! in `make test`, ArduPilot's SITL or a bench aircraft by hand — printing per scenario what the
//! autopilot did and whether that is what ArduPilot does.

use std::time::Duration;

use crate::conformance::{self, Options, Scenario};

use super::{wait_for, Context, LinkArgs};

/// Arguments of `kestrel conformance`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The suite overwrites the aircraft's mission, fence and rally lists \
    (and clears them afterwards) and changes RTL_ALT (and restores it); with --fly it arms, takes \
    off and flies 30 m. Run it against simulators and bench aircraft without propellers."
)]
pub struct ConformanceArgs {
    /// Which links to use.
    #[command(flatten)]
    pub link: LinkArgs,
    /// System id of the aircraft (the first heard if not given).
    #[arg(long, value_parser = super::parse_sysid)]
    pub sysid: Option<u8>,
    /// Also run the scenarios that arm the aircraft and fly it.
    #[arg(long)]
    pub fly: bool,
    /// Run only these scenarios (repeat, or separate with commas); `--list` names them.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Name the scenarios and stop.
    #[arg(long)]
    pub list: bool,
    /// How long to wait for the aircraft and its position (seconds).
    #[arg(long, default_value_t = 60.0)]
    pub wait: f64,
}

/// Runs `kestrel conformance`; fails when any scenario failed.
pub async fn run(args: ConformanceArgs, ctx: &Context) -> anyhow::Result<()> {
    if args.list {
        for s in Scenario::ALL {
            println!(
                "{}{}",
                s.name(),
                if s.flies() { " (with --fly)" } else { "" }
            );
        }
        return Ok(());
    }
    let options = Options {
        fly: args.fly,
        only: args.only,
    };
    conformance::selected(&options).map_err(anyhow::Error::msg)?;
    let station = args.link.open(ctx).await?;
    let wait = Duration::from_secs_f64(args.wait.max(0.0));
    let sysid = match args.sysid {
        Some(s) => {
            wait_for(&station, s, wait).await?;
            s
        }
        None => match station.wait_for_aircraft(1, wait).await.aircraft.first() {
            Some(a) => a.sysid,
            None => anyhow::bail!(
                "no aircraft heard within {:.0} s{}",
                wait.as_secs_f64(),
                super::link_problems(&station)
            ),
        },
    };
    // Every scenario starts from an aircraft that knows where it is.
    let deadline = tokio::time::Instant::now() + wait;
    while station
        .snapshot()
        .get(sysid)
        .is_some_and(|a| a.position.is_none() || a.home.is_none())
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let report = conformance::run(&station, sysid, &options)
        .await
        .map_err(anyhow::Error::msg)?;
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    if report.failed() {
        let (_, failed, _) = report.counts();
        anyhow::bail!("{failed} conformance scenario(s) failed");
    }
    Ok(())
}
