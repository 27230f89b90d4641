//! The settings service: writes the window's settings to their file in the background, and
//! takes the callsigns set there for everybody in the core.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::fleet::FleetSnapshot;

use super::Settings;
use crate::console::callsigns::Callsigns;
use crate::console::published::EventSink;
use crate::console::{ConsoleConfig, ConsoleError, Core, Service};

/// What the window asks of its settings.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingsIntent {
    /// Write settings to a file (answered by `Saved`).
    Save(Box<Settings>, PathBuf),
    /// The callsigns set in the settings changed.
    Callsigns(BTreeMap<u8, String>),
}

/// What became of the settings.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingsEvent {
    /// Settings were written (or why not).
    Saved(Result<PathBuf, String>),
}

/// Saves settings off the window's thread.
pub struct SettingsService {
    events: EventSink,
    callsigns: Callsigns,
}

impl Service for SettingsService {
    type Intent = SettingsIntent;
    type Event = SettingsEvent;
    type View = ();

    async fn start(core: &Core, _config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        Ok(Self {
            events: core.events.clone(),
            callsigns: core.callsigns.clone(),
        })
    }

    async fn handle(&mut self, intent: SettingsIntent) {
        match intent {
            SettingsIntent::Save(settings, path) => {
                // Awaited, so that saves land on disk in the order they were asked for.
                let result = tokio::task::spawn_blocking(move || {
                    settings
                        .save(&path)
                        .map(|_| path)
                        .map_err(|e| e.to_string())
                })
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
                self.events.emit(SettingsEvent::Saved(result));
            }
            SettingsIntent::Callsigns(c) => self.callsigns.set_configured(c),
        }
    }

    fn publish(&mut self, _fleet: &FleetSnapshot) {}
}
