//! Teams: exactly one officer, two auxiliaries and one aircraft. A team is formed from a list of
//! names so that every wrong composition can be stated and refused with its reason.

use super::{AircraftRecord, CrewError, Person, Role};

/// A flight team.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Team {
    /// Unique team name (e.g. a radio callsign such as "Alpha").
    pub name: String,
    /// The officer (pilot in command).
    pub officer: String,
    /// The two auxiliaries (visual observer, payload operator).
    pub auxiliaries: [String; 2],
    /// The aircraft's callsign.
    pub aircraft: String,
}

impl Team {
    /// Everyone on the team.
    pub fn members(&self) -> [&str; 3] {
        [&self.officer, &self.auxiliaries[0], &self.auxiliaries[1]]
    }

    /// Forms a team from people and aircraft named on the roster and registry, or says why not.
    pub fn form(
        name: &str,
        members: &[String],
        aircraft: &[String],
        roster: &[Person],
        registry: &[AircraftRecord],
    ) -> Result<Team, CrewError> {
        let bad = |reason: String| CrewError::BadTeam {
            team: name.to_string(),
            reason,
        };
        if name.trim().is_empty() {
            return Err(CrewError::Invalid("a team needs a name".into()));
        }
        let mut seen = std::collections::HashSet::new();
        for m in members {
            if !seen.insert(m.as_str()) {
                return Err(bad(format!("{m} is listed twice")));
            }
        }
        let mut people = Vec::with_capacity(members.len());
        for m in members {
            let p = roster
                .iter()
                .find(|p| &p.name == m)
                .ok_or_else(|| bad(format!("{m} is not on the roster")))?;
            people.push(p);
        }
        let officers: Vec<&str> = people
            .iter()
            .filter(|p| p.role == Role::Officer)
            .map(|p| p.name.as_str())
            .collect();
        let aux: Vec<&str> = people
            .iter()
            .filter(|p| p.role == Role::Auxiliary)
            .map(|p| p.name.as_str())
            .collect();
        let list = |v: &[&str]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        if officers.len() != 1 {
            return Err(bad(format!(
                "a team has exactly one officer (pilot in command); {} given ({})",
                officers.len(),
                list(&officers)
            )));
        }
        if aux.len() != 2 {
            return Err(bad(format!(
                "a team has exactly two auxiliaries (observer and payload operator); {} given ({})",
                aux.len(),
                list(&aux)
            )));
        }
        if aircraft.len() != 1 {
            return Err(bad(format!(
                "a team has exactly one aircraft; {} given",
                aircraft.len()
            )));
        }
        let callsign = &aircraft[0];
        if !registry.iter().any(|a| &a.callsign == callsign) {
            return Err(bad(format!("aircraft {callsign} is not in the registry")));
        }
        Ok(Team {
            name: name.to_string(),
            officer: officers[0].to_string(),
            auxiliaries: [aux[0].to_string(), aux[1].to_string()],
            aircraft: callsign.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster() -> Vec<Person> {
        let p = |n: &str, r| Person {
            name: n.into(),
            role: r,
            badge: None,
        };
        vec![
            p("Li", Role::Officer),
            p("Wang", Role::Officer),
            p("Zhao", Role::Auxiliary),
            p("Chen", Role::Auxiliary),
            p("Sun", Role::Auxiliary),
        ]
    }

    fn registry() -> Vec<AircraftRecord> {
        vec![AircraftRecord {
            callsign: "K1".into(),
            model: "M".into(),
            serial: "S".into(),
            endurance_min: 30.0,
            cruise_ms: 10.0,
            hfov_deg: 70.0,
            sysid: Some(1),
            maintenance: None,
        }]
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn one_officer_two_auxiliaries_one_aircraft() {
        let t = Team::form(
            "Alpha",
            &names(&["Zhao", "Li", "Chen"]),
            &names(&["K1"]),
            &roster(),
            &registry(),
        )
        .unwrap();
        assert_eq!(t.officer, "Li");
        assert_eq!(t.auxiliaries, ["Zhao".to_string(), "Chen".to_string()]);
    }

    #[test]
    fn every_wrong_composition_is_refused_with_its_reason() {
        let (r, a) = (roster(), registry());
        let cases: [(&[&str], &[&str], &str); 6] = [
            (&["Li", "Wang", "Zhao"], &["K1"], "exactly one officer"),
            (&["Zhao", "Chen", "Sun"], &["K1"], "0 given (none)"),
            (&["Li", "Zhao"], &["K1"], "exactly two auxiliaries"),
            (&["Li", "Zhao", "Chen", "Sun"], &["K1"], "3 given"),
            (&["Li", "Zhao", "Chen"], &[], "exactly one aircraft"),
            (
                &["Li", "Zhao", "Nobody"],
                &["K1"],
                "Nobody is not on the roster",
            ),
        ];
        for (m, ac, want) in cases {
            let e = Team::form("Alpha", &names(m), &names(ac), &r, &a)
                .unwrap_err()
                .to_string();
            assert!(e.contains(want) && e.contains("'Alpha'"), "{m:?}: {e}");
        }
        let e = Team::form(
            "A",
            &names(&["Li", "Zhao", "Chen"]),
            &names(&["K9"]),
            &r,
            &a,
        )
        .unwrap_err();
        assert!(e.to_string().contains("K9 is not in the registry"));
    }
}
