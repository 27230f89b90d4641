//! Why an inbound frame is refused by signature checks.

/// Why an inbound frame was refused. The two timestamp rules of the MAVLink signing spec are
/// kept apart: [`Rejection::Replayed`] breaks "newer than the stream's last timestamp",
/// [`Rejection::TooOld`] breaks "a new stream starts within a minute of the local timestamp".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    /// Not signed, but this sender's frames must be.
    Unsigned,
    /// Signed with another key, or altered on the way.
    BadSignature,
    /// A timestamp not newer than the last one accepted on this stream: a replay.
    Replayed,
    /// The first frame of a stream, but more than a minute behind the local timestamp: a replay
    /// of an old recording.
    TooOld,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Rejection::Unsigned => "unsigned",
            Rejection::BadSignature => "bad signature",
            Rejection::Replayed => "replayed",
            Rejection::TooOld => "too old",
        })
    }
}

impl std::error::Error for Rejection {}
