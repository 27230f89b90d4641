//! The checklists of a station's aircraft: the ticks made for each, the latest judgement, and
//! the arming gate. A checklist belongs to one sortie: when the aircraft disarms after flying,
//! its ticks are forgotten and the next sortie is checked afresh.

use std::collections::BTreeMap;

use super::evaluate::{evaluate, ChecklistReport, Observation, Tick};
use super::items::ItemId;
use super::ChecklistSettings;
use crate::fleet::{ArmingChange, ArmingWatch};

/// The checklist as it stood when an aircraft armed: written to the audit trail and the sortie.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmingRecord {
    /// The aircraft.
    pub sysid: u8,
    /// The checklist just before it armed.
    pub report: ChecklistReport,
    /// Whether the checklist was enforced then.
    pub enforced: bool,
}

impl ArmingRecord {
    /// The audit trail's result: complete, or what was open.
    pub fn result(&self) -> String {
        match (self.report.refusal(), self.enforced) {
            (None, _) => "complete".into(),
            (Some(_), true) => "incomplete (enforced: armed from elsewhere)".into(),
            (Some(_), false) => {
                let (done, all) = self.report.progress();
                format!("incomplete ({done} of {all} done; not enforced)")
            }
        }
    }
}

/// The checklists of every aircraft this station sees.
#[derive(Debug, Default)]
pub struct ChecklistBook {
    settings: ChecklistSettings,
    ticks: BTreeMap<u8, BTreeMap<ItemId, Tick>>,
    reports: BTreeMap<u8, ChecklistReport>,
    arming: ArmingWatch,
}

impl ChecklistBook {
    /// A book with no ticks, run by `settings`.
    pub fn new(settings: ChecklistSettings) -> Self {
        Self {
            settings,
            ..Default::default()
        }
    }

    /// The settings in use.
    pub fn settings(&self) -> &ChecklistSettings {
        &self.settings
    }

    /// Uses `settings` from now on (refused when they make no sense).
    pub fn set_settings(&mut self, settings: ChecklistSettings) -> Result<(), String> {
        settings.validate()?;
        self.settings = settings;
        Ok(())
    }

    /// Ticks (or, with `checked` false, unticks) a manual item of aircraft `sysid`.
    pub fn tick(
        &mut self,
        sysid: u8,
        item: ItemId,
        checked: bool,
        by: &str,
        at_unix: f64,
    ) -> Result<(), String> {
        if !item.is_manual() {
            return Err(format!(
                "'{item}' is checked from the aircraft's telemetry; it cannot be ticked by hand"
            ));
        }
        let ticks = self.ticks.entry(sysid).or_default();
        if checked {
            ticks.insert(
                item,
                Tick {
                    by: by.to_string(),
                    at_unix,
                },
            );
        } else {
            ticks.remove(&item);
        }
        Ok(())
    }

    /// Judges the checklist of the observed aircraft and keeps the result. Returns the
    /// checklist as it stood just before, when the aircraft has just armed.
    pub fn update(&mut self, obs: &Observation<'_>) -> Option<ArmingRecord> {
        let a = obs.aircraft;
        let record = match self.arming.observe(a.sysid, a.armed) {
            Some(ArmingChange::Armed) => self.reports.get(&a.sysid).map(|r| ArmingRecord {
                sysid: a.sysid,
                report: r.clone(),
                enforced: self.settings.enforce,
            }),
            Some(ArmingChange::Disarmed) => {
                // Landed: the next sortie is checked afresh.
                self.ticks.remove(&a.sysid);
                None
            }
            None => None,
        };
        let empty = BTreeMap::new();
        let ticks = self.ticks.get(&a.sysid).unwrap_or(&empty);
        let report = evaluate(&self.settings, obs, ticks);
        self.reports.insert(a.sysid, report);
        record
    }

    /// Whether an arm command to `sysid` may go out: always when the checklist is not
    /// enforced; otherwise only when it is complete.
    pub fn arming_allowed(&self, sysid: u8) -> Result<(), String> {
        if !self.settings.enforce {
            return Ok(());
        }
        match self.reports.get(&sysid) {
            None => Err(format!(
                "the pre-flight checklist of aircraft {sysid} has not been checked yet"
            )),
            Some(r) => r.refusal().map_or(Ok(()), Err),
        }
    }

    /// The latest checklist of each aircraft, by system id.
    pub fn reports(&self) -> impl Iterator<Item = &ChecklistReport> {
        self.reports.values()
    }

    /// The latest checklist of one aircraft.
    pub fn report(&self, sysid: u8) -> Option<&ChecklistReport> {
        self.reports.get(&sysid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::Aircraft;
    use crate::security::SigningState;
    use std::time::Instant;

    fn observe(book: &mut ChecklistBook, a: &Aircraft) -> Option<ArmingRecord> {
        book.update(&Observation {
            aircraft: a,
            signing: Some(SigningState::Off),
            traffic: &[],
            now: Instant::now(),
        })
    }

    #[test]
    fn enforced_arming_waits_for_the_checklist_and_landing_forgets_the_ticks() {
        let mut book = ChecklistBook::new(ChecklistSettings {
            enforce: true,
            omit: ItemId::ALL.into_iter().filter(|i| !i.is_manual()).collect(),
            ..Default::default()
        });
        let mut a = Aircraft::new(3, 1, Instant::now());
        a.vehicle_type = 2;
        assert!(book
            .arming_allowed(3)
            .unwrap_err()
            .contains("not been checked"));
        observe(&mut book, &a);
        let why = book.arming_allowed(3).unwrap_err();
        assert!(why.contains("area-clear: not ticked yet"), "{why}");
        for item in [ItemId::Airframe, ItemId::AreaClear, ItemId::CrewBriefed] {
            book.tick(3, item, true, "zhao", 1.0).unwrap();
        }
        assert!(book.tick(3, ItemId::Gps, true, "zhao", 1.0).is_err());
        observe(&mut book, &a);
        assert_eq!(book.arming_allowed(3), Ok(()));

        a.armed = true;
        let record = observe(&mut book, &a).expect("arming is recorded");
        assert_eq!(record.result(), "complete");
        assert!(record.report.summary().contains("ticked by zhao"));
        a.armed = false;
        observe(&mut book, &a);
        observe(&mut book, &a);
        assert!(
            book.arming_allowed(3).is_err(),
            "a new sortie is checked afresh"
        );
    }

    #[test]
    fn without_enforcement_arming_goes_out_and_the_record_says_what_was_open() {
        let mut book = ChecklistBook::default();
        let mut a = Aircraft::new(4, 1, Instant::now());
        observe(&mut book, &a);
        assert_eq!(book.arming_allowed(4), Ok(()));
        a.armed = true;
        let record = observe(&mut book, &a).unwrap();
        assert!(
            record.result().starts_with("incomplete (0 of"),
            "{}",
            record.result()
        );
    }
}
