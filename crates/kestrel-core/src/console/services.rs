//! The console's services, in one list: the only place a feature joins the core. Each line
//! names the service's variant in [`Intent`] and [`Event`], its field in [`ConsoleView`], and its
//! type. Services start, take intents, publish and shut down in this order (signing feeds the
//! alert desk, so it comes before alerts).

use super::service::console_services;

console_services! {
    /// Links: open and close links, and their state.
    Links(links): super::links::LinkService,
    /// Pilot actions sent to aircraft, and their outcomes.
    Commands(commands): super::commands::CommandService,
    /// The mission each aircraft holds.
    Missions(missions): super::missions::MissionService,
    /// MAVLink 2 signing: trusted links, setting up and revoking keys, refused frames.
    Signing(signing): super::signing::SigningService,
    /// Manned traffic: targets, conflicts (fed to the alert desk), feeds.
    Traffic(traffic): super::traffic::TrafficService,
    /// Terrain: heights above the ground, answers to the aircraft's terrain requests.
    Terrain(terrain): super::terrain::TerrainService,
    /// Remote ID: the operator's location and ID for the aircraft that carry a transponder.
    RemoteId(remote_id): super::remote_id::RemoteIdService,
    /// The pre-flight checklist of each aircraft, and the arming gate when it is enforced
    /// (after traffic, whose targets it reads).
    Checklist(checklist): super::checklist::ChecklistService,
    /// Alerts: the session's alerts, acknowledgements, thresholds.
    Alerts(alerts): super::alerts::AlertService,
    /// Video streams, snapshots and recordings.
    Video(video): super::video::VideoService,
    /// Sightings: marking, editing, and their way to dispatch.
    Sightings(sightings): super::sightings::SightingsService,
    /// Tasks from the command centre and the crew's answers.
    Tasks(tasks): super::tasks::TaskService,
    /// Key areas, patrol routes, crews, sorties and the shift schedule.
    Planning(planning): super::planning::PlanningService,
    /// The data directory's disk: free space, the rate it fills at, the warning before full.
    Storage(storage): super::storage::StorageService,
    /// The payload: gimbal and camera control, their state and ground footprints.
    Payload(payload): super::payload::PayloadService,
    /// The window's settings saved to their file, and the callsigns set there.
    Settings(settings): super::settings::SettingsService,
    /// The crew seat: pilot, payload or observer; call-outs and hand-overs of command.
    Seat(seat): super::seat::SeatService,
    /// The console's sound: settings, tests of each cue, repeats of what is held.
    Sound(sound): super::sound::SoundService,
}
