//! Per-aircraft signing status: whether frames to an aircraft are signed, whether its frames check
//! out, and how many were refused. One shape for the CLI (`kestrel signing status`) and the console.

use super::VerifyCounts;

/// Whether signing with one aircraft is working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SigningState {
    /// A key is stored and the aircraft's signed frames check out.
    On,
    /// A key is stored but no good signed frame from the aircraft was seen yet.
    Unconfirmed,
    /// No key: frames are neither signed nor checked.
    Off,
    /// No key here, but the aircraft's own frames arrive signed: it signs with a key this
    /// station does not hold (commands from here will be refused by it).
    #[serde(rename = "signed_without_key")]
    SignedWithoutKey,
}

impl std::fmt::Display for SigningState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SigningState::On => "on",
            SigningState::Unconfirmed => "unconfirmed",
            SigningState::Off => "off",
            SigningState::SignedWithoutKey => "signed, no key here",
        })
    }
}

/// One aircraft's signing status, as `kestrel signing status` and the console show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SigningRow {
    /// MAVLink system id.
    pub sysid: u8,
    /// Whether signing works with this aircraft.
    pub state: SigningState,
    /// A key for this aircraft is stored on this station.
    pub key_present: bool,
    /// Frames from this aircraft with a good signature.
    pub accepted: u64,
    /// Frames refused: unsigned, wrongly signed or replayed.
    pub rejected: u64,
    /// Of those, unsigned.
    pub unsigned: u64,
    /// Of those, with a wrong signature.
    pub bad_signature: u64,
    /// Of those, replayed or too old.
    pub replayed: u64,
}

impl SigningRow {
    /// The row for `sysid` from whether a key is stored, what its verifier counted and how its
    /// frames arrived (`signed_seen`: its latest frames carried a signature).
    pub fn new(
        sysid: u8,
        key_present: bool,
        counts: Option<VerifyCounts>,
        signed_seen: bool,
    ) -> Self {
        let c = counts.unwrap_or_default();
        let state = match (key_present, c.accepted > 0) {
            (true, true) => SigningState::On,
            (true, false) => SigningState::Unconfirmed,
            (false, _) if signed_seen => SigningState::SignedWithoutKey,
            (false, _) => SigningState::Off,
        };
        Self {
            sysid,
            state,
            key_present,
            accepted: c.accepted,
            rejected: c.rejected(),
            unsigned: c.unsigned,
            bad_signature: c.bad_signature,
            replayed: c.replayed,
        }
    }
}
