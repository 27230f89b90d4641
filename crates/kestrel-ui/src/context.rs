//! What every part of the window reads to draw a frame ([`ViewCtx`]) and what it may ask for in
//! return ([`Actions`]). A panel never reaches into another panel or into the app: it reads the
//! core's published view and the window's shared state here, and returns what it wants done.

use std::collections::{BTreeSet, HashMap};

use kestrel_core::alerts::Severity;
use kestrel_core::console::{ConsoleHandle, ConsoleView, Intent, Settings};
use kestrel_core::geo::GeoPoint;
use kestrel_core::protocol::PilotAction;

use crate::commands::CommandDesk;
use crate::i18n::{callsign, Tr};

/// Which aircraft the pilot works with: the one whose panel is shown, and the ones ticked for
/// commands to several at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// The aircraft whose panel is shown.
    pub primary: Option<u8>,
    /// The aircraft ticked in the fleet list (Ctrl-click on the map).
    pub checked: BTreeSet<u8>,
}

/// What the window knows about alerts this frame: the ones acknowledged here and not yet
/// confirmed by the core, and the most urgent live alert of each aircraft.
#[derive(Debug, Clone, Default)]
pub struct AlertMarks {
    /// Alert ids acknowledged in this window, shown as acknowledged at once.
    pub acked: BTreeSet<u64>,
    /// The most urgent unacknowledged (or still active) alert of each aircraft.
    pub alerting: HashMap<u8, Severity>,
}

/// Everything a panel reads to draw a frame. Read-only: changes go through [`Actions`].
pub struct ViewCtx<'a> {
    /// The core's latest published view.
    pub view: &'a ConsoleView,
    /// The window's settings.
    pub settings: &'a Settings,
    /// The translations of the current language.
    pub tr: Tr,
    /// The selected aircraft.
    pub selection: &'a Selection,
    /// Alerts as the window shows them.
    pub alerts: &'a AlertMarks,
    /// The core (for the fleet's history and fresh command ids; intents go through
    /// [`Actions`]).
    pub core: &'a ConsoleHandle,
    /// The pilot's commands waiting for confirmation, under way and answered.
    pub commands: &'a CommandDesk,
    /// The point under the mouse on the map, if it is there.
    pub map_cursor: Option<GeoPoint>,
    /// The map's zoom level (for picking accuracy).
    pub map_zoom: f64,
    /// Show wall clocks (off for reproducible pictures).
    pub show_clock: bool,
}

impl ViewCtx<'_> {
    /// The callsign of an aircraft: the one the core resolved (settings, else the crew
    /// registry), else "Team N".
    pub fn callsign(&self, sysid: u8) -> String {
        callsign(self.view, self.tr, sysid)
    }

    /// The aircraft whose panel is shown, if it is heard.
    pub fn primary(&self) -> Option<&kestrel_core::fleet::Aircraft> {
        self.selection.primary.and_then(|s| self.view.fleet.get(s))
    }
}

/// A change to the settings, applied by the window (and saved) after the frame.
pub type SettingsChange = Box<dyn FnOnce(&mut Settings)>;

/// What a part of the window asks for; the app carries these out after every panel drew.
pub enum Action {
    /// Send an intent to the core.
    Core(Intent),
    /// A pilot action for some aircraft: sent at once, or after the pilot confirms when it is
    /// one that cannot be taken back.
    Pilot {
        /// The aircraft.
        targets: Vec<u8>,
        /// What to do.
        action: PilotAction,
    },
    /// Show this aircraft's panel.
    Select(u8),
    /// Tick or untick an aircraft for commands to several.
    Toggle(u8),
    /// Tick exactly these aircraft.
    Check(BTreeSet<u8>),
    /// Change the settings (and save them).
    Settings(SettingsChange),
    /// Acknowledge alerts: these, shown as acknowledged at once; with `all`, every alert.
    Acknowledge {
        /// The alerts acknowledged.
        ids: Vec<u64>,
        /// Every alert of the session (the core acknowledges them all).
        all: bool,
    },
    /// Centre the map on a point (and stop following aircraft).
    CentreMap(GeoPoint),
    /// Say something went wrong, in the status bar.
    Notice(String),
}

/// The actions asked for during one frame, in order.
#[derive(Default)]
pub struct Actions(Vec<Action>);

impl Actions {
    /// Sends an intent to the core (any service's intent converts).
    pub fn send(&mut self, intent: impl Into<Intent>) {
        self.0.push(Action::Core(intent.into()));
    }

    /// Asks for a pilot action (confirmed first when it cannot be taken back).
    pub fn pilot(&mut self, targets: Vec<u8>, action: PilotAction) {
        if !targets.is_empty() {
            self.0.push(Action::Pilot { targets, action });
        }
    }

    /// Changes the settings; they are saved once the frame is done.
    pub fn settings(&mut self, change: impl FnOnce(&mut Settings) + 'static) {
        self.0.push(Action::Settings(Box::new(change)));
    }

    /// Any other action.
    pub fn push(&mut self, action: Action) {
        self.0.push(action);
    }

    /// Takes the actions asked for so far.
    pub fn take(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.0)
    }
}
