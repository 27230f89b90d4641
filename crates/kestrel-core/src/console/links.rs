//! The console's links: opening one from a connection string the pilot typed, closing one, and
//! every link's state and the telemetry log for the window.

use std::path::PathBuf;

use crate::fleet::FleetSnapshot;
use crate::link::{LinkId, LinkSpec, LinkStatus};
use crate::station::Station;

use super::published::EventSink;
use super::{ConsoleConfig, ConsoleError, Core, Service};

/// What the pilot does with links.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkIntent {
    /// Open a link from a connection string (answered by `Added` or `Failed`).
    Add(String),
    /// Close a link (answered by `Removed`).
    Remove(LinkId),
}

/// What happened to a link.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkEvent {
    /// A link was opened.
    Added {
        /// Its id.
        id: LinkId,
        /// Its connection string.
        name: String,
    },
    /// A link could not be opened.
    Failed {
        /// What was typed.
        input: String,
        /// Why (actionable).
        error: String,
    },
    /// A link was closed.
    Removed(LinkId),
}

/// The links as the window shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinksView {
    /// Every link and its state.
    pub list: Vec<LinkStatus>,
    /// Where telemetry is recorded, if anywhere.
    pub tlog: Option<PathBuf>,
}

/// Opens and closes links on the station.
pub struct LinkService {
    station: Station,
    events: EventSink,
}

impl Service for LinkService {
    type Intent = LinkIntent;
    type Event = LinkEvent;
    type View = LinksView;

    async fn start(core: &Core, _config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        Ok(Self {
            station: core.station.clone(),
            events: core.events.clone(),
        })
    }

    async fn handle(&mut self, intent: LinkIntent) {
        match intent {
            LinkIntent::Add(input) => {
                let event = match input.parse::<LinkSpec>() {
                    Err(e) => LinkEvent::Failed {
                        input,
                        error: e.to_string(),
                    },
                    Ok(spec) => {
                        let name = spec.to_string();
                        match self.station.add_link(spec).await {
                            Ok(id) => LinkEvent::Added { id, name },
                            Err(e) => LinkEvent::Failed {
                                input,
                                error: e.to_string(),
                            },
                        }
                    }
                };
                self.events.emit(event);
            }
            LinkIntent::Remove(id) => {
                if self.station.remove_link(id) {
                    self.events.emit(LinkEvent::Removed(id));
                }
            }
        }
    }

    fn publish(&mut self, _fleet: &FleetSnapshot) -> LinksView {
        LinksView {
            list: self.station.links(),
            // The part being written now: the log rotates.
            tlog: self.station.tlog_path(),
        }
    }
}
