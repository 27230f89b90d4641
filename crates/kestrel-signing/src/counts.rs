//! What a verifier accepted and refused, by reason: the figures `kestrel signing status`, the
//! console's alerts and the simulator's aircraft report.

use crate::Rejection;

/// Counts of frames accepted and refused by signature checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerifyCounts {
    /// Frames with a good, fresh signature.
    pub accepted: u64,
    /// Unsigned frames refused.
    pub unsigned: u64,
    /// Frames signed with another key, or altered, refused.
    pub bad_signature: u64,
    /// Replayed or too old frames refused (both are replays: of a recent frame, or of an old
    /// recording).
    pub replayed: u64,
}

impl VerifyCounts {
    /// Counts the outcome of one check.
    pub fn record(&mut self, outcome: Result<(), Rejection>) {
        match outcome {
            Ok(()) => self.accepted += 1,
            Err(r) => self.record_refusal(r),
        }
    }

    /// Counts one refused frame.
    pub fn record_refusal(&mut self, why: Rejection) {
        match why {
            Rejection::Unsigned => self.unsigned += 1,
            Rejection::BadSignature => self.bad_signature += 1,
            Rejection::Replayed | Rejection::TooOld => self.replayed += 1,
        }
    }

    /// All refused frames.
    pub fn rejected(&self) -> u64 {
        self.unsigned + self.bad_signature + self.replayed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reason_lands_in_its_own_count_and_too_old_counts_as_replayed() {
        let mut c = VerifyCounts::default();
        c.record(Ok(()));
        c.record(Err(Rejection::Unsigned));
        c.record(Err(Rejection::BadSignature));
        c.record(Err(Rejection::BadSignature));
        c.record(Err(Rejection::Replayed));
        c.record_refusal(Rejection::TooOld);
        assert_eq!(
            c,
            VerifyCounts {
                accepted: 1,
                unsigned: 1,
                bad_signature: 2,
                replayed: 2,
            }
        );
        assert_eq!(c.rejected(), 5);
    }
}
