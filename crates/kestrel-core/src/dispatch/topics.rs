//! The MQTT topic layout (documented in README.md, "Dispatch"). Every topic starts with
//! `kestrel/v1/`, so the layout can change without confusing older consoles, and names the console
//! it concerns, so broker ACLs can give each console access to its own topics only.

use crate::sightings::store::valid_console_id;

/// Prefix of every Kestrel topic.
pub const PREFIX: &str = "kestrel/v1";

/// What dispatch subscribes to for sightings from every console.
pub const ALL_SIGHTINGS: &str = "kestrel/v1/consoles/+/sightings";

/// What dispatch subscribes to for every console's fleet positions.
pub const ALL_FLEET: &str = "kestrel/v1/consoles/+/fleet";

/// Console → dispatch: sightings (QoS 1).
pub fn sightings(console: &str) -> String {
    format!("{PREFIX}/consoles/{console}/sightings")
}

/// Console → dispatch: fleet positions, once a second (QoS 0).
pub fn fleet(console: &str) -> String {
    format!("{PREFIX}/consoles/{console}/fleet")
}

/// Dispatch → console: tasks (QoS 1).
pub fn tasks(console: &str) -> String {
    format!("{PREFIX}/dispatch/tasks/{console}")
}

/// Console → dispatch: task steps (QoS 1).
pub fn task_updates(console: &str) -> String {
    format!("{PREFIX}/consoles/{console}/task-updates")
}

/// Dispatch → console: acknowledgements of stored sightings (QoS 1).
pub fn acks(console: &str) -> String {
    format!("{PREFIX}/dispatch/acks/{console}")
}

/// Dispatch → console: requests for an aircraft's live video, renewed while someone watches
/// (QoS 0).
pub fn live_video(console: &str) -> String {
    format!("{PREFIX}/dispatch/video/{console}")
}

/// A Kestrel topic, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic<'a> {
    /// A console's sightings.
    Sightings(&'a str),
    /// A console's fleet positions.
    Fleet(&'a str),
    /// Acknowledgements for a console.
    Acks(&'a str),
    /// Tasks for a console.
    Tasks(&'a str),
    /// A console's task steps.
    TaskUpdates(&'a str),
    /// Live-video requests for a console.
    LiveVideo(&'a str),
}

/// Parses a topic; `None` for anything outside the layout (or with an invalid console id).
pub fn parse(topic: &str) -> Option<Topic<'_>> {
    let rest = topic.strip_prefix(PREFIX)?.strip_prefix('/')?;
    let parts: Vec<&str> = rest.split('/').collect();
    let parsed = match parts.as_slice() {
        ["consoles", c, "sightings"] => Topic::Sightings(c),
        ["consoles", c, "fleet"] => Topic::Fleet(c),
        ["dispatch", "acks", c] => Topic::Acks(c),
        ["dispatch", "tasks", c] => Topic::Tasks(c),
        ["consoles", c, "task-updates"] => Topic::TaskUpdates(c),
        ["dispatch", "video", c] => Topic::LiveVideo(c),
        _ => return None,
    };
    let (Topic::Sightings(c)
    | Topic::Fleet(c)
    | Topic::Acks(c)
    | Topic::Tasks(c)
    | Topic::TaskUpdates(c)
    | Topic::LiveVideo(c)) = parsed;
    valid_console_id(c).then_some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_and_parser_agree() {
        assert_eq!(
            parse(&sightings("team-1")),
            Some(Topic::Sightings("team-1"))
        );
        assert_eq!(parse(&fleet("team-1")), Some(Topic::Fleet("team-1")));
        assert_eq!(parse(&acks("team-1")), Some(Topic::Acks("team-1")));
        assert_eq!(parse(&tasks("team-1")), Some(Topic::Tasks("team-1")));
        assert_eq!(
            parse(&task_updates("team-1")),
            Some(Topic::TaskUpdates("team-1"))
        );
        assert_eq!(
            parse(&live_video("team-1")),
            Some(Topic::LiveVideo("team-1"))
        );
        assert_eq!(sightings("c1"), "kestrel/v1/consoles/c1/sightings");
        assert_eq!(acks("c1"), "kestrel/v1/dispatch/acks/c1");
    }

    #[test]
    fn foreign_topics_are_not_ours() {
        for t in [
            "kestrel/v2/consoles/c1/sightings",
            "kestrel/v1/consoles/c1/sightings/extra",
            "kestrel/v1/consoles//sightings",
            "kestrel/v1/consoles/c$1/sightings",
            "other/thing",
        ] {
            assert_eq!(parse(t), None, "{t}");
        }
    }
}
