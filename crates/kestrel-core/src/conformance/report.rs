//! What a conformance run found: per scenario its verdict and what the autopilot did, printed as
//! text for people and as JSON for scripts.

use std::fmt::Write as _;

/// How a scenario ended.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict", content = "why")]
pub enum Verdict {
    /// The autopilot did what ArduPilot does.
    Passed,
    /// It did not: what differed.
    Failed(String),
    /// Not tried here: why.
    Skipped(String),
}

/// One scenario's result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScenarioReport {
    /// The scenario's name.
    pub name: &'static str,
    /// How it ended.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// What the autopilot did, step by step.
    pub observed: Vec<String>,
    /// How long it took.
    pub seconds: f64,
}

/// The whole run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    /// The aircraft tested.
    pub sysid: u8,
    /// Who it said it was (autopilot and vehicle type).
    pub autopilot: String,
    /// Each scenario, in the order run.
    pub scenarios: Vec<ScenarioReport>,
}

impl Report {
    /// Whether any scenario failed.
    pub fn failed(&self) -> bool {
        self.scenarios
            .iter()
            .any(|s| matches!(s.verdict, Verdict::Failed(_)))
    }

    /// Passed, failed and skipped counts.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count =
            |f: fn(&Verdict) -> bool| self.scenarios.iter().filter(|s| f(&s.verdict)).count();
        (
            count(|v| matches!(v, Verdict::Passed)),
            count(|v| matches!(v, Verdict::Failed(_))),
            count(|v| matches!(v, Verdict::Skipped(_))),
        )
    }

    /// The report as people read it: each scenario's verdict, then what the autopilot did.
    pub fn to_text(&self) -> String {
        let mut out = format!("aircraft {}: {}\n", self.sysid, self.autopilot);
        for s in &self.scenarios {
            let (word, why) = match &s.verdict {
                Verdict::Passed => ("pass", None),
                Verdict::Failed(w) => ("FAIL", Some(w)),
                Verdict::Skipped(w) => ("skip", Some(w)),
            };
            let _ = write!(out, "{word:<5} {:<20} {:>5.1} s", s.name, s.seconds);
            match why {
                Some(w) => {
                    let _ = writeln!(out, "  {w}");
                }
                None => out.push('\n'),
            }
            for line in &s.observed {
                let _ = writeln!(out, "        {line}");
            }
        }
        let (passed, failed, skipped) = self.counts();
        let _ = writeln!(out, "{passed} passed, {failed} failed, {skipped} skipped");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_shown_with_its_reason_and_counted() {
        let report = Report {
            sysid: 1,
            autopilot: "ArduPilot, quadrotor".into(),
            scenarios: vec![
                ScenarioReport {
                    name: "identity",
                    verdict: Verdict::Passed,
                    observed: vec!["heartbeat: ArduPilot".into()],
                    seconds: 0.2,
                },
                ScenarioReport {
                    name: "mission-refusal",
                    verdict: Verdict::Failed("accepted a NaN in param 4".into()),
                    observed: vec![],
                    seconds: 1.0,
                },
            ],
        };
        assert!(report.failed());
        assert_eq!(report.counts(), (1, 1, 0));
        let text = report.to_text();
        assert!(text.contains("FAIL  mission-refusal"), "{text}");
        assert!(text.contains("accepted a NaN in param 4"), "{text}");
        assert!(text.contains("        heartbeat: ArduPilot"), "{text}");
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["scenarios"][1]["verdict"], "failed");
        assert_eq!(json["scenarios"][1]["why"], "accepted a NaN in param 4");
    }
}
