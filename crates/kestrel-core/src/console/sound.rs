//! The console's sound: its settings (on, volume, output), a test of each cue, and the repeats
//! of what is held. The services that call the crew hold their cues on the shared [`Chime`]
//! (`Core::sound`): the seat while a call-out waits for the pilot, the tasks while a task
//! waits for an answer, the alerts while one waits to be acknowledged.

use std::time::Instant;

use crate::fleet::FleetSnapshot;
use crate::sound::{Chime, ChimeStatus, Cue, SoundSettings};

use super::published::EventSink;
use super::{ConsoleConfig, ConsoleError, Core, Service};

/// What the window asks of the sound.
#[derive(Debug, Clone, PartialEq)]
pub enum SoundIntent {
    /// Sound by these settings from now on (refused when they cannot be used).
    SetSettings(SoundSettings),
    /// Play a cue once, to hear it (and the speaker) before a shift.
    Test(Cue),
}

/// What the sound tells the window.
#[derive(Debug, Clone, PartialEq)]
pub enum SoundEvent {
    /// The settings were refused, and why.
    Refused(String),
}

/// The sound as the window shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SoundView {
    /// The settings in use.
    pub settings: SoundSettings,
    /// What was played, what is held, the latest failure.
    pub status: ChimeStatus,
}

/// The console's sound service.
pub struct SoundService {
    chime: Chime,
    events: EventSink,
}

impl Service for SoundService {
    type Intent = SoundIntent;
    type Event = SoundEvent;
    type View = SoundView;

    async fn start(core: &Core, _config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        Ok(Self {
            chime: core.sound.clone(),
            events: core.events.clone(),
        })
    }

    async fn handle(&mut self, intent: SoundIntent) {
        match intent {
            SoundIntent::SetSettings(s) => {
                if let Err(why) = self.chime.set_settings(s) {
                    self.events.emit(SoundEvent::Refused(why));
                }
            }
            SoundIntent::Test(cue) => self.chime.play(cue),
        }
    }

    fn poll(&mut self) {
        self.chime.tick(Instant::now());
    }

    fn publish(&mut self, _fleet: &FleetSnapshot) -> SoundView {
        SoundView {
            settings: self.chime.settings(),
            status: self.chime.status(),
        }
    }

    async fn shutdown(&mut self) {
        self.chime.stop();
    }
}
