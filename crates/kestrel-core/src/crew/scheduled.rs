//! From a shift schedule to sorties: each scheduled sortie gets a perimeter patrol route over the
//! key areas it visits (split into several sorties, back to back with the battery-change
//! turnaround, when one battery does not cover it). The console and `kestrel plan schedule
//! --create` record the same sorties from the same schedule.

use crate::plan::areas::{Category, KeyArea};
use crate::plan::routes::{plan_route, Pattern, RouteError, RouteOptions, RouteRequest};
use crate::plan::schedule::{Schedule, ScheduleRequest};

use super::SortieDraft;

/// A team's scheduled sortie whose route cannot be planned.
#[derive(Debug, thiserror::Error)]
#[error("{team}: {source}")]
pub struct TeamRouteError {
    /// The team.
    pub team: String,
    /// Why its route cannot be planned.
    pub source: RouteError,
}

/// The sorties `sched` asks for, in schedule order, every route planned before anything is
/// recorded (so a route that cannot be flown refuses the whole shift, naming the team). Teams the
/// request no longer has are skipped.
pub fn sortie_drafts(
    sched: &Schedule,
    req: &ScheduleRequest,
) -> Result<Vec<SortieDraft>, TeamRouteError> {
    let no_fly: Vec<KeyArea> = req
        .areas
        .iter()
        .filter(|a| a.category == Category::NoFly)
        .cloned()
        .collect();
    let mut drafts = Vec::new();
    for p in &sched.sorties {
        let Some(team) = req.teams.iter().find(|t| t.name == p.team) else {
            continue;
        };
        let targets: Vec<KeyArea> = p
            .areas()
            .iter()
            .filter_map(|n| req.areas.iter().find(|a| &a.name == n).cloned())
            .collect();
        let route = plan_route(&RouteRequest {
            pattern: Pattern::Perimeter,
            targets,
            no_fly: no_fly.clone(),
            home: req.home,
            aircraft: team.performance,
            options: RouteOptions {
                keep_order: true,
                ..req.options
            },
            rally: Vec::new(),
        })
        .map_err(|source| TeamRouteError {
            team: p.team.clone(),
            source,
        })?;
        let mut start = p.start;
        let n = route.sorties.len();
        for (k, (plan, rs)) in route
            .mission_plans()
            .into_iter()
            .zip(&route.sorties)
            .enumerate()
        {
            let end = start + rs.stats.flight_time_s.ceil() as i64;
            let mut route_name = format!("perimeter {}", p.areas().join(" + "));
            if n > 1 {
                route_name += &format!(" ({}/{n})", k + 1);
            }
            drafts.push(SortieDraft {
                team: p.team.clone(),
                route_name,
                plan: Some(plan),
                start,
                end,
            });
            start = end + (req.turnaround_min * 60.0) as i64;
        }
    }
    Ok(drafts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::GeoPoint;
    use crate::plan::geo::{LocalFrame, Xy};
    use crate::plan::routes::Performance;
    use crate::plan::schedule::{schedule, ScheduleTeam};

    const HOME: GeoPoint = GeoPoint {
        lat: 36.45,
        lon: 115.98,
    };

    fn square(name: &str, x: f64, size: f64) -> KeyArea {
        let f = LocalFrame::new(HOME);
        let pts = [(x, 0.0), (x + size, 0.0), (x + size, size), (x, size)];
        let mut a = KeyArea::polygon(
            name,
            Category::CrowdedPlace,
            pts.iter().map(|&(x, y)| f.to_geo(Xy::new(x, y))).collect(),
        );
        a.revisit_min = Some(120.0);
        a
    }

    fn request(areas: Vec<KeyArea>) -> ScheduleRequest {
        ScheduleRequest {
            shift_start: 1_750_000_000,
            shift_end: 1_750_000_000 + 4 * 3600,
            home: HOME,
            teams: vec![ScheduleTeam {
                name: "East".into(),
                aircraft: "Falcon-1".into(),
                performance: Performance::default(),
            }],
            areas,
            turnaround_min: 10.0,
            events: Vec::new(),
            options: RouteOptions::default(),
        }
    }

    #[test]
    fn every_scheduled_sortie_gets_a_perimeter_route_of_its_areas_within_the_shift() {
        let req = request(vec![
            square("Square", 300.0, 200.0),
            square("Park", -700.0, 150.0),
        ]);
        let sched = schedule(&req).unwrap();
        assert!(!sched.sorties.is_empty());
        let drafts = sortie_drafts(&sched, &req).unwrap();
        assert!(drafts.len() >= sched.sorties.len());
        for d in &drafts {
            assert_eq!(d.team, "East");
            assert!(d.route_name.starts_with("perimeter "), "{}", d.route_name);
            assert!(d.end > d.start, "{d:?}");
            assert!(d.start >= req.shift_start && d.start < req.shift_end);
            let plan = d.plan.as_ref().unwrap();
            assert!(
                !plan.mission.is_empty(),
                "no mission items in {}",
                d.route_name
            );
        }
        // Back to back sorties of the team leave the battery-change turnaround between them.
        for w in drafts.windows(2) {
            assert!(w[1].start >= w[0].end + 600, "{:?} then {:?}", w[0], w[1]);
        }
    }

    #[test]
    fn a_team_the_request_no_longer_has_is_skipped() {
        let req = request(vec![square("Square", 300.0, 200.0)]);
        let sched = schedule(&req).unwrap();
        let mut without = req.clone();
        without.teams.clear();
        assert!(sortie_drafts(&sched, &without).unwrap().is_empty());
    }
}
