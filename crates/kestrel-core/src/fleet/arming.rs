//! Noticing when an aircraft arms or disarms, from one fleet snapshot to the next: the
//! checklist and the crew seats write down how things stood at that moment.

use std::collections::BTreeMap;

/// An aircraft's motors changed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArmingChange {
    /// It just armed.
    Armed,
    /// It just disarmed.
    Disarmed,
}

/// The armed state last seen of each aircraft.
#[derive(Debug, Default, Clone)]
pub struct ArmingWatch {
    armed: BTreeMap<u8, bool>,
}

impl ArmingWatch {
    /// Notes aircraft `sysid`'s armed state; says whether it changed since last seen (an
    /// aircraft seen for the first time has not changed: it may have armed long ago).
    pub fn observe(&mut self, sysid: u8, armed: bool) -> Option<ArmingChange> {
        match (self.armed.insert(sysid, armed), armed) {
            (Some(false), true) => Some(ArmingChange::Armed),
            (Some(true), false) => Some(ArmingChange::Disarmed),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_change_after_the_first_sight_counts() {
        let mut w = ArmingWatch::default();
        assert_eq!(w.observe(1, true), None);
        assert_eq!(w.observe(1, true), None);
        assert_eq!(w.observe(1, false), Some(ArmingChange::Disarmed));
        assert_eq!(w.observe(1, true), Some(ArmingChange::Armed));
        assert_eq!(w.observe(2, false), None);
    }
}
