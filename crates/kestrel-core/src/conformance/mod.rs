//! One conformance suite for `kestrel-sim` and real autopilots. Every test in this project flies
//! the simulator, so whether a green suite means anything depends on the simulator refusing
//! what ArduPilot refuses and storing what ArduPilot stores. Each scenario here drives an
//! aircraft through a real link, writes down what the autopilot did, and compares it with what
//! ArduCopter does; the same scenarios run against `kestrel-sim` in `make test` and, unchanged,
//! against any endpoint (`kestrel conformance --link tcpout:127.0.0.1:5760` for ArduPilot's
//! SITL).
//!
//! The suite changes the aircraft: it overwrites its mission, fence and rally lists (and clears
//! them afterwards), changes a parameter (and restores it), and with [`Options::fly`] takes off
//! and flies. Run it against simulators and bench aircraft without propellers.

mod ardupilot;
mod identity;
mod interval;
mod payload;
mod probe;
mod report;
mod safety;
mod sortie;
mod status;
mod transfers;

pub use probe::{Probe, Stop};
pub use report::{Report, ScenarioReport, Verdict};

use std::time::Instant;

use crate::station::Station;

/// What the suite may do to the aircraft (by default: everything but fly).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Run the scenarios that arm the aircraft and fly it (off unless asked).
    pub fly: bool,
    /// Run only these scenarios (by name); all when empty.
    pub only: Vec<String>,
}

/// One scenario of the suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Heartbeat and AUTOPILOT_VERSION: who the autopilot says it is and what it can do.
    Identity,
    /// Reading a parameter, writing it, reading it back, restoring it; an unknown name.
    Parameters,
    /// Arming refused in a mode that cannot arm, with the autopilot's reason; take-off refused
    /// while disarmed.
    ArmingRefusals,
    /// Message intervals set, measured, read back and restored; a message requested once.
    MessageIntervals,
    /// A mission uploaded and downloaded: positions at the wire's precision, frames and
    /// parameters as ArduPilot stores them.
    MissionRoundTrip,
    /// A mission item ArduPilot refuses (NaN in param 4 of a timed loiter): which item, why, and
    /// what the aircraft holds afterwards (the new items before the refusal, the old after).
    MissionRefusal,
    /// A geofence (polygon and circle) and rally points uploaded, downloaded and cleared; a
    /// polygon of two vertices refused.
    FenceAndRally,
    /// Gimbal pointed through the gimbal manager, camera zoomed.
    GimbalAndCamera,
    /// SYS_STATUS as the pre-flight checklist reads it: the geofence bit follows FENCE_ENABLE,
    /// the pre-arm bit is reported and passes on the ground.
    SystemStatus,
    /// GUIDED, arm, take off, fly to a point, return to launch, land and disarm.
    Sortie,
}

impl Scenario {
    /// Every scenario, in the order the suite runs them (flying last, after the lists are
    /// cleared again).
    pub const ALL: [Scenario; 10] = [
        Scenario::Identity,
        Scenario::Parameters,
        Scenario::ArmingRefusals,
        Scenario::MessageIntervals,
        Scenario::MissionRoundTrip,
        Scenario::MissionRefusal,
        Scenario::FenceAndRally,
        Scenario::GimbalAndCamera,
        Scenario::SystemStatus,
        Scenario::Sortie,
    ];

    /// Its name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Identity => "identity",
            Scenario::Parameters => "parameters",
            Scenario::ArmingRefusals => "arming-refusals",
            Scenario::MessageIntervals => "message-intervals",
            Scenario::MissionRoundTrip => "mission-round-trip",
            Scenario::MissionRefusal => "mission-refusal",
            Scenario::FenceAndRally => "fence-and-rally",
            Scenario::GimbalAndCamera => "gimbal-and-camera",
            Scenario::SystemStatus => "system-status",
            Scenario::Sortie => "sortie",
        }
    }

    /// The scenario called `name`.
    pub fn by_name(name: &str) -> Option<Scenario> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether it arms the aircraft and flies.
    pub fn flies(self) -> bool {
        self == Scenario::Sortie
    }

    async fn run(self, p: &mut Probe<'_>) -> Result<(), Stop> {
        match self {
            Scenario::Identity => identity::run(p).await,
            Scenario::Parameters => identity::parameters(p).await,
            Scenario::ArmingRefusals => safety::arming_refusals(p).await,
            Scenario::MessageIntervals => interval::run(p).await,
            Scenario::MissionRoundTrip => transfers::mission_round_trip(p).await,
            Scenario::MissionRefusal => transfers::mission_refusal(p).await,
            Scenario::FenceAndRally => transfers::fence_and_rally(p).await,
            Scenario::GimbalAndCamera => payload::run(p).await,
            Scenario::SystemStatus => status::run(p).await,
            Scenario::Sortie => sortie::run(p).await,
        }
    }
}

/// Which scenarios `options` selects; an unknown name is an error naming the known ones.
pub fn selected(options: &Options) -> Result<Vec<Scenario>, String> {
    let mut chosen = Vec::new();
    for name in &options.only {
        let s = Scenario::by_name(name).ok_or_else(|| {
            let known: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
            format!(
                "no conformance scenario '{name}'; the scenarios are: {}",
                known.join(", ")
            )
        })?;
        chosen.push(s);
    }
    if chosen.is_empty() {
        chosen = Scenario::ALL.to_vec();
    }
    Ok(chosen)
}

/// Runs the selected scenarios against aircraft `sysid` (already heard on `station`), one after
/// the other; a scenario that fails does not stop the ones after it.
pub async fn run(station: &Station, sysid: u8, options: &Options) -> Result<Report, String> {
    let scenarios = selected(options)?;
    let mut report = Report {
        sysid,
        autopilot: identity::describe(station, sysid),
        scenarios: Vec::new(),
    };
    for scenario in scenarios {
        let started = Instant::now();
        let mut probe = Probe::new(station, sysid);
        let verdict = if scenario.flies() && !options.fly {
            Verdict::Skipped("not asked to fly (--fly)".into())
        } else {
            match scenario.run(&mut probe).await {
                Ok(()) => Verdict::Passed,
                Err(Stop::Fail(why)) => Verdict::Failed(why),
                Err(Stop::Skip(why)) => Verdict::Skipped(why),
            }
        };
        report.scenarios.push(ScenarioReport {
            name: scenario.name(),
            verdict,
            observed: probe.into_observed(),
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    Ok(report)
}
