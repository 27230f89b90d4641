//! The console's core side, headless: a background thread running a tokio runtime that owns the
//! [`crate::station::Station`] and the console's services. The window sends [`Intent`]s over a
//! crossbeam channel, takes [`Event`]s back, and reads the [`ConsoleView`] the core publishes ten
//! times a second. The window never waits on anything here: if it stalls, the core keeps flying,
//! raising alerts and logging.
//!
//! Each feature is a [`Service`] in its own module (links, commands, missions, signing, alerts,
//! video, sightings, planning, settings), listed once in [`services`]. To add one: write a module
//! with a type implementing [`Service`] (its own intent, event and view types), and add its line
//! to `services.rs`; it gets its own variant in [`Intent`] and [`Event`] and its own field in
//! [`ConsoleView`]. What services share (the station, the alert desk, the mission book, the
//! callsigns, the way to the window) is [`Core`].
//!
//! [`demo`] starts the simulator in-process and flies a patrol fleet for `kestrel` with no
//! aircraft configured; [`settings`] are the console's persisted preferences; [`synthetic`] is a
//! fleet without a simulator for benchmarks of the window.

pub mod alerts;
pub mod callsigns;
pub mod checklist;
pub mod commands;
mod config;
mod core;
pub mod demo;
mod handle;
pub mod links;
pub mod missions;
pub mod payload;
pub mod planning;
mod published;
pub mod remote_id;
mod runner;
pub mod seat;
mod service;
pub mod services;
pub mod settings;
pub mod sightings;
pub mod signing;
pub mod sound;
pub mod storage;
pub mod synthetic;
pub mod tasks;
pub mod terrain;
pub mod traffic;
pub mod video;

pub use alerts::{AlertDesk, AlertIntent, AlertsView};
pub use callsigns::Callsigns;
pub use checklist::{ChecklistEvent, ChecklistIntent, ChecklistView};
pub use commands::{CommandIntent, CommandReport};
pub use config::{ConsoleConfig, ConsoleError};
pub use core::Core;
pub use handle::ConsoleHandle;
pub use links::{LinkEvent, LinkIntent, LinksView};
pub use missions::{MissionBook, Missions};
pub use payload::{PayloadEntry, PayloadEvent, PayloadIntent, PayloadView};
pub use planning::{PlanningIntent, PlanningOutcome, PlanningView};
pub use published::EventSink;
pub use remote_id::{RemoteIdEvent, RemoteIdIntent, RemoteIdView};
pub use runner::PUBLISH_INTERVAL;
pub use seat::{SeatEvent, SeatIntent, SeatView};
pub use service::Service;
pub use services::{ConsoleView, Event, Intent};
pub use settings::{Language, Settings, SettingsEvent, SettingsIntent, Units};
pub use sightings::{
    DispatchConnection, DispatchSettings, DispatchState, MarkRequest, SightingEvent,
    SightingIntent, SightingPlace, SightingsView,
};
pub use signing::{SigningIntent, SigningOp, SigningOutcome};
pub use sound::{SoundEvent, SoundIntent, SoundView};
pub use storage::{StorageIntent, StorageView};
pub use tasks::{TaskEvent, TaskIntent, TaskView};
pub use terrain::{TerrainEvent, TerrainIntent, TerrainView};
pub use traffic::{TrafficEvent, TrafficIntent, TrafficView};
pub use video::{VideoFeed, VideoIntent, VideoNotice, VideoView};
