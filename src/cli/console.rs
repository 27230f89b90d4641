//! `kestrel console` (and `kestrel` with no subcommand): the pilot console window. With no link on
//! the command line it opens the links saved in the settings; with none saved it starts the demo,
//! a simulated patrol fleet over Liaocheng.

use std::path::PathBuf;
use std::time::Instant;

use crate::console::Settings;
use crate::link::LinkSpec;

/// Simulated aircraft in the demo when nothing else is configured.
pub const DEFAULT_DEMO_AIRCRAFT: usize = 4;

/// Arguments of `kestrel console`.
#[derive(Debug, Default, clap::Args)]
pub struct ConsoleArgs {
    /// Connection string of a link to aircraft (repeatable): udpin:HOST:PORT, tcpout:HOST:PORT,
    /// serial:PORT:BAUD, ...
    #[arg(long = "link", value_name = "URL")]
    pub links: Vec<LinkSpec>,
    /// Fly N simulated aircraft in-process (1-250).
    #[arg(long, value_name = "N")]
    pub demo: Option<usize>,
    /// Settings file (default: console.json in the platform's config directory).
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,
    /// Do not record a telemetry log of the session.
    #[arg(long)]
    pub no_tlog: bool,
    /// Measure drawing for SECS seconds (after 5 s of start-up), print frames per second, CPU
    /// and memory, then close (scripts/bench-console.sh uses it under Xvfb).
    #[arg(long, value_name = "SECS")]
    pub frame_report: Option<f64>,
    /// SBS-1 feed of a ground ADS-B receiver, sbs://HOST:30003 (repeatable; adds to the feeds
    /// saved in the settings).
    #[arg(long = "traffic", value_name = "sbs://HOST:PORT")]
    pub traffic: Vec<crate::traffic::FeedSpec>,
    /// Forward what this console hears to another ground station and carry its traffic back
    /// (repeatable, as MAVProxy's --out): udpout:HOST:PORT, tcpin:HOST:PORT, udpin:HOST:PORT.
    #[arg(long = "forward", value_name = "URL")]
    pub forwards: Vec<LinkSpec>,
    /// The crew seat of this console: pilot (flight controls), payload (camera, gimbal, video,
    /// sightings; no flight commands) or observer (map, traffic, alerts, call-outs).
    #[arg(long, value_name = "SEAT")]
    pub seat: Option<crate::seat::Seat>,
    /// Who sits at this console (a member of the roster), shown to the other seats.
    #[arg(long, value_name = "NAME")]
    pub person: Option<String>,
    /// This console's MAVLink system id (default: 255 pilot, 254 payload, 253 observer). Every
    /// ground station sharing an aircraft needs its own.
    #[arg(long, value_name = "ID", value_parser = clap::value_parser!(u8).range(1..=255))]
    pub sysid: Option<u8>,
}

/// What the console will connect to.
#[derive(Debug, Clone, PartialEq)]
pub struct StartPlan {
    /// Links to open.
    pub links: Vec<LinkSpec>,
    /// Simulated aircraft to fly.
    pub demo: Option<usize>,
    /// Saved links that could not be parsed (reported, then skipped).
    pub skipped: Vec<String>,
}

/// Decides what to connect to: command-line links and demo win; else the saved links; else the
/// demo with four aircraft.
pub fn plan_start(args: &ConsoleArgs, settings: &Settings) -> anyhow::Result<StartPlan> {
    if let Some(n) = args.demo {
        if !(1..=250).contains(&n) {
            anyhow::bail!("--demo {n}: the demo flies between 1 and 250 aircraft");
        }
    }
    if !args.links.is_empty() || args.demo.is_some() {
        return Ok(StartPlan {
            links: args.links.clone(),
            demo: args.demo,
            skipped: Vec::new(),
        });
    }
    let mut links = Vec::new();
    let mut skipped = Vec::new();
    for s in &settings.links {
        match s.parse::<LinkSpec>() {
            Ok(l) => links.push(l),
            Err(e) => skipped.push(format!("{s}: {e}")),
        }
    }
    let demo = links.is_empty().then_some(DEFAULT_DEMO_AIRCRAFT);
    Ok(StartPlan {
        links,
        demo,
        skipped,
    })
}

/// The feeds given with `--traffic` and those saved in the settings, each once; saved ones that
/// cannot be read are reported and skipped.
pub fn traffic_feeds(args: &ConsoleArgs, settings: &Settings) -> Vec<crate::traffic::FeedSpec> {
    let mut feeds = args.traffic.clone();
    for s in &settings.traffic_feeds {
        match s.parse::<crate::traffic::FeedSpec>() {
            Ok(f) if !feeds.contains(&f) => feeds.push(f),
            Ok(_) => {}
            Err(e) => eprintln!("kestrel: skipping saved traffic feed: {e}"),
        }
    }
    feeds
}

/// Without the `console` feature this build has no window: says so.
#[cfg(not(feature = "console"))]
pub fn run(
    _args: ConsoleArgs,
    _data_dir: Option<PathBuf>,
    _operator: Option<String>,
    _launched_at: Instant,
) -> anyhow::Result<()> {
    anyhow::bail!(
        "this Kestrel was built without the console window (cargo feature `console`); use the subcommands (kestrel --help)"
    )
}

/// Runs the console until its window is closed. Must be called on the main thread, outside any
/// tokio runtime.
#[cfg(feature = "console")]
pub fn run(
    args: ConsoleArgs,
    data_dir: Option<PathBuf>,
    operator: Option<String>,
    launched_at: Instant,
) -> anyhow::Result<()> {
    let settings_path = args
        .settings
        .clone()
        .unwrap_or_else(crate::console::settings::default_path);
    let (settings, warning) = Settings::load(&settings_path);
    if let Some(w) = warning {
        eprintln!("kestrel: {w}");
    }
    let plan = plan_start(&args, &settings)?;
    for s in &plan.skipped {
        eprintln!("kestrel: skipping saved link {s}");
    }
    let data_dir = crate::paths::data_dir(data_dir.as_deref());
    let saved = &settings.crew_seat;
    let mut forwards = args.forwards.clone();
    if forwards.is_empty() {
        for f in &saved.forwards {
            match f.parse::<LinkSpec>() {
                Ok(spec) => forwards.push(spec),
                Err(e) => eprintln!("kestrel: skipping saved forwarding endpoint {f}: {e}"),
            }
        }
    }
    let person = args
        .person
        .clone()
        .or_else(|| (!saved.person.is_empty()).then(|| saved.person.clone()));
    let operator = operator
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .unwrap_or_else(|| "unknown".into());
    let core = crate::console::ConsoleConfig {
        links: plan.links,
        demo: plan.demo,
        demo_speedup: None,
        tlog_part_bytes: None,
        data_dir: Some(data_dir),
        record_tlog: !args.no_tlog,
        alert_thresholds: settings.alert_thresholds,
        person: person.unwrap_or_else(|| operator.clone()),
        operator,
        video: true,
        dispatch: settings.dispatch.clone(),
        callsigns: settings.callsigns.clone(),
        trusted_links: settings.trusted_links.iter().cloned().collect(),
        traffic_feeds: traffic_feeds(&args, &settings),
        traffic: settings.traffic,
        remote_id: settings.remote_id.clone(),
        checklist: settings.checklist.clone(),
        sound: settings.sound.clone(),
        forwards,
        seat: args.seat.or(saved.seat),
        sysid: args.sysid.or(saved.sysid),
    };
    let app = crate::ui::AppOptions {
        settings,
        settings_path: Some(settings_path),
        tile_cache: Some(crate::paths::cache_dir().join("tiles")),
        launched_at,
        show_clock: true,
        frame_report: args
            .frame_report
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(std::time::Duration::from_secs_f64),
    };
    crate::ui::run(core, app)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_configured_means_the_demo_and_saved_links_win_over_it() {
        let mut settings = Settings::default();
        let plan = plan_start(&ConsoleArgs::default(), &settings).unwrap();
        assert_eq!(plan.demo, Some(DEFAULT_DEMO_AIRCRAFT));
        assert!(plan.links.is_empty());
        settings.links = vec!["udpin:0.0.0.0:14550".into(), "nonsense".into()];
        let plan = plan_start(&ConsoleArgs::default(), &settings).unwrap();
        assert_eq!(plan.demo, None);
        assert_eq!(plan.links.len(), 1);
        assert_eq!(plan.skipped.len(), 1);
        let args = ConsoleArgs {
            demo: Some(0),
            ..Default::default()
        };
        assert!(plan_start(&args, &settings)
            .unwrap_err()
            .to_string()
            .contains("between 1 and 250"));
    }
}
