//! Pilot actions (arm, take off, go to, return, mode changes …) sent to one or many aircraft,
//! each aircraft's outcome reported on its own, and the mode each action expects told to the
//! alert desk so that a commanded return is not taken for a failsafe.

use crate::fleet::FleetSnapshot;
use crate::protocol::{CommandOutcome, PilotAction};
use crate::station::Station;

use super::alerts::AlertDesk;
use super::published::EventSink;
use super::{ConsoleConfig, ConsoleError, Core, Service};

/// A pilot action for some aircraft (answered by one [`CommandReport`] per aircraft).
#[derive(Debug, Clone, PartialEq)]
pub struct CommandIntent {
    /// From [`super::ConsoleHandle::next_command_id`], to match the answers.
    pub id: u64,
    /// System ids.
    pub targets: Vec<u8>,
    /// What to do.
    pub action: PilotAction,
}

/// The outcome of a pilot action on one aircraft.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandReport {
    /// The intent's id.
    pub id: u64,
    /// The aircraft.
    pub sysid: u8,
    /// What was asked.
    pub action: PilotAction,
    /// How the last step sent ended, or why nothing could be sent.
    pub outcome: Result<CommandOutcome, String>,
    /// The step that did not succeed, when the action took several.
    pub failed_step: Option<String>,
}

impl CommandReport {
    /// Whether every step was accepted.
    pub fn accepted(&self) -> bool {
        matches!(self.outcome, Ok(CommandOutcome::Accepted))
    }
}

/// Runs pilot actions in the background, one task per aircraft.
pub struct CommandService {
    station: Station,
    alerts: AlertDesk,
    events: EventSink,
}

impl Service for CommandService {
    type Intent = CommandIntent;
    type Event = CommandReport;
    type View = ();

    async fn start(core: &Core, _config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        Ok(Self {
            station: core.station.clone(),
            alerts: core.alerts.clone(),
            events: core.events.clone(),
        })
    }

    async fn handle(&mut self, intent: CommandIntent) {
        for sysid in intent.targets {
            let (station, alerts, events) = (
                self.station.clone(),
                self.alerts.clone(),
                self.events.clone(),
            );
            let (id, action) = (intent.id, intent.action.clone());
            tokio::spawn(async move {
                events.emit(run(&station, &alerts, id, sysid, action).await);
            });
        }
    }

    fn publish(&mut self, _fleet: &FleetSnapshot) {}
}

/// Sends every step of `action` to `sysid`, stopping at the first that is not accepted.
pub(crate) async fn run(
    station: &Station,
    alerts: &AlertDesk,
    id: u64,
    sysid: u8,
    action: PilotAction,
) -> CommandReport {
    let report = |outcome, failed_step| CommandReport {
        id,
        sysid,
        action: action.clone(),
        outcome,
        failed_step,
    };
    let steps = match action.steps(station.snapshot().get(sysid)) {
        Err(e) => return report(Err(e), None),
        Ok(steps) => steps,
    };
    if let Some(mode) = action.expected_mode() {
        alerts.expect_mode(sysid, mode);
    }
    let many = steps.len() > 1;
    for step in steps {
        match station.command(sysid, &step).await {
            Ok(outcome) if outcome.is_accepted() => {}
            Ok(outcome) => return report(Ok(outcome), many.then(|| step.describe())),
            Err(e) => return report(Err(e.to_string()), many.then(|| step.describe())),
        }
    }
    report(Ok(CommandOutcome::Accepted), None)
}
