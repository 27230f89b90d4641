//! The console's Remote ID: sends every aircraft with a Remote ID transponder the operator's
//! location and ID it needs to arm (`crate::remote_id`), and publishes each aircraft's Remote ID
//! state.

use std::sync::Arc;

use crate::fleet::FleetSnapshot;
use crate::remote_id::{OperatorSettings, RemoteIdSender, RemoteIdStatus};

use super::{ConsoleConfig, ConsoleError, Core, Service};

/// What the window asks of the Remote ID service.
#[derive(Debug, Clone, PartialEq)]
pub enum RemoteIdIntent {
    /// Send this operator ID and position from now on (refused when the ID does not fit).
    SetOperator(OperatorSettings),
}

/// What the Remote ID service tells the window.
#[derive(Debug, Clone, PartialEq)]
pub enum RemoteIdEvent {
    /// The operator settings were refused, and why.
    OperatorRefused(String),
}

/// Remote ID as the window shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteIdView {
    /// Each aircraft with a Remote ID transponder.
    pub aircraft: Arc<Vec<RemoteIdStatus>>,
    /// The operator settings in use.
    pub operator: OperatorSettings,
}

/// Remote ID for the aircraft that carry it.
pub struct RemoteIdService {
    sender: RemoteIdSender,
    operator: OperatorSettings,
    events: super::EventSink,
}

impl Service for RemoteIdService {
    type Intent = RemoteIdIntent;
    type Event = RemoteIdEvent;
    type View = RemoteIdView;

    async fn start(core: &Core, config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        let operator = match config.remote_id.validate() {
            Ok(()) => config.remote_id.clone(),
            Err(e) => {
                eprintln!("kestrel: {e}; Remote ID sends no operator ID");
                OperatorSettings {
                    operator_id: String::new(),
                    ..config.remote_id.clone()
                }
            }
        };
        Ok(Self {
            sender: RemoteIdSender::start(&core.station, operator.clone()),
            operator,
            events: core.events.clone(),
        })
    }

    async fn handle(&mut self, intent: RemoteIdIntent) {
        match intent {
            RemoteIdIntent::SetOperator(op) => match op.validate() {
                Ok(()) => {
                    self.sender.set_settings(op.clone());
                    self.operator = op;
                }
                Err(e) => self
                    .events
                    .emit(RemoteIdEvent::OperatorRefused(e.to_string())),
            },
        }
    }

    fn publish(&mut self, _fleet: &FleetSnapshot) -> RemoteIdView {
        RemoteIdView {
            aircraft: Arc::new(self.sender.status()),
            operator: self.operator.clone(),
        }
    }
}
