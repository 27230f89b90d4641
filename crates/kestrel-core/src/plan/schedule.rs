//! The shift schedule: given teams, key areas with revisit intervals and a shift window, a
//! timeline of sorties (with a battery change between a team's sorties) that visits every area
//! at least once per interval — or, for each area that cannot be covered, the reason.
//!
//! Each area is patrolled by flying its perimeter loop. Visits are planned earliest deadline
//! first: the team free soonest takes the area whose latest possible launch comes first,
//! launches as late as still meets that deadline (so visits are spread, not bunched), and adds
//! other areas that are due to the same sortie while the battery allows. **Event mode** shortens
//! an area's interval, for the whole shift or a window of it.

use crate::geo::GeoPoint;
use crate::plan::areas::{Category, KeyArea};
use crate::plan::geo::{LocalFrame, Xy};
use crate::plan::routes::{
    plan_route, NoFlyMap, Pattern, Performance, PointRole, RouteError, RouteOptions, RouteRequest,
};
use crate::time::DateTime;

/// A team available for the shift.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScheduleTeam {
    /// Team name.
    pub name: String,
    /// Its aircraft's callsign.
    pub aircraft: String,
    /// Its aircraft's performance.
    pub performance: Performance,
}

/// A shortened revisit interval for a major public event.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EventOverride {
    /// The key area.
    pub area: String,
    /// The interval during the event, minutes.
    pub revisit_min: f64,
    /// Event start (Unix seconds); `None`: from the start of the shift.
    pub from: Option<i64>,
    /// Event end; `None`: until the end of the shift.
    pub until: Option<i64>,
}

/// What the scheduler is asked.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScheduleRequest {
    /// Shift start (Unix seconds).
    pub shift_start: i64,
    /// Shift end.
    pub shift_end: i64,
    /// Where every team launches and lands.
    pub home: GeoPoint,
    /// Teams on duty.
    pub teams: Vec<ScheduleTeam>,
    /// Key areas: those with a revisit interval are scheduled; no-fly zones are avoided.
    pub areas: Vec<KeyArea>,
    /// Battery change and checks between two sorties of a team, minutes.
    pub turnaround_min: f64,
    /// Event mode overrides.
    pub events: Vec<EventOverride>,
    /// Route settings (altitude, ceiling, no-fly margin).
    pub options: RouteOptions,
}

/// One visit to a key area.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Visit {
    /// The area.
    pub area: String,
    /// When the aircraft arrives over it (Unix seconds).
    pub at: i64,
}

/// One sortie of the timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlannedSortie {
    /// The team.
    pub team: String,
    /// Launch (Unix seconds).
    pub start: i64,
    /// Landing.
    pub end: i64,
    /// The areas, in flying order.
    pub visits: Vec<Visit>,
    /// Estimated battery use, percent.
    pub battery_pct: f64,
}

impl PlannedSortie {
    /// Area names in flying order.
    pub fn areas(&self) -> Vec<String> {
        self.visits.iter().map(|v| v.area.clone()).collect()
    }
}

/// How well one area is covered by the timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AreaCoverage {
    /// The area.
    pub area: String,
    /// Its normal revisit interval, minutes.
    pub interval_min: f64,
    /// Its interval during an event (event mode), minutes.
    pub event_min: Option<f64>,
    /// Visits in the shift.
    pub visits: usize,
    /// Longest wait between visits (or from shift start / to shift end), minutes.
    pub max_gap_min: f64,
    /// Whether every interval is met.
    pub met: bool,
}

/// An area the timeline does not cover, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Uncovered {
    /// The area.
    pub area: String,
    /// Why, in words a shift lead can act on.
    pub reason: String,
}

/// The shift timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Schedule {
    /// Sorties by launch time.
    pub sorties: Vec<PlannedSortie>,
    /// Coverage of every scheduled area.
    pub coverage: Vec<AreaCoverage>,
    /// Areas not covered, with reasons.
    pub uncovered: Vec<Uncovered>,
}

/// Why no schedule can be made at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    /// Settings that make no sense.
    #[error("{0}")]
    Invalid(String),
    /// A route problem (a no-fly zone over the launch point, a bad area).
    #[error(transparent)]
    Route(#[from] RouteError),
}

/// Share of the usable endurance the schedule plans with (the real route adds detour turns).
const PLANNING_SHARE: f64 = 0.97;

/// One area's patrol loop as the scheduler sees it.
#[derive(Debug, Clone)]
struct Loop {
    entry: Xy,
    exit: Xy,
    patrol_s: f64,
    alt: f64,
}

struct Area<'a> {
    area: &'a KeyArea,
    interval_s: f64,
    event: Option<(f64, i64, i64)>,
    /// Per team performance group.
    loops: Vec<Option<Loop>>,
    last: i64,
    visits: Vec<i64>,
    out: bool,
}

impl Area<'_> {
    /// The latest time of the next visit after one at `last`.
    fn deadline(&self, last: i64) -> i64 {
        let normal = last as f64 + self.interval_s;
        let d = match self.event {
            Some((ev_s, from, until)) => {
                let begin = last.max(from);
                if begin < until {
                    normal.min(begin as f64 + ev_s)
                } else {
                    normal
                }
            }
            None => normal,
        };
        d.floor() as i64
    }
}

fn perf_key(p: &Performance) -> [u64; 3] {
    [
        p.endurance_min.to_bits(),
        p.cruise_ms.to_bits(),
        p.hfov_deg.to_bits(),
    ]
}

/// Plans the shift.
pub fn schedule(req: &ScheduleRequest) -> Result<Schedule, ScheduleError> {
    if req.shift_end <= req.shift_start {
        return Err(ScheduleError::Invalid(
            "the shift must end after it starts".into(),
        ));
    }
    if req.teams.is_empty() {
        return Err(ScheduleError::Invalid("no teams on duty".into()));
    }
    if !(req.turnaround_min.is_finite() && req.turnaround_min >= 0.0) {
        return Err(ScheduleError::Invalid(format!(
            "turnaround {} min must be zero or more",
            req.turnaround_min
        )));
    }
    for t in &req.teams {
        t.performance.validate()?;
    }
    for e in &req.events {
        if !(e.revisit_min.is_finite() && e.revisit_min > 0.0) {
            return Err(ScheduleError::Invalid(format!(
                "event interval for '{}' must be positive",
                e.area
            )));
        }
        if !req.areas.iter().any(|a| a.name == e.area) {
            return Err(ScheduleError::Invalid(format!(
                "event mode names '{}', which is not a key area",
                e.area
            )));
        }
    }
    let no_fly: Vec<KeyArea> = req
        .areas
        .iter()
        .filter(|a| a.category == Category::NoFly)
        .cloned()
        .collect();
    let frame = LocalFrame::new(req.home);
    let zones = no_fly
        .iter()
        .filter_map(|z| z.polygon_in(&frame).and_then(Result::ok))
        .collect();
    let map = NoFlyMap::new(zones, req.options.nofly_margin_m);
    let home = frame.to_local(req.home);
    if let Some(z) = map.zone_containing(home) {
        return Err(RouteError::HomeInNoFly(no_fly[z].name.clone()).into());
    }

    // Performance groups: teams flying the same aircraft type share patrol loops.
    let mut groups: Vec<Performance> = Vec::new();
    let team_group: Vec<usize> = req
        .teams
        .iter()
        .map(|t| {
            match groups
                .iter()
                .position(|g| perf_key(g) == perf_key(&t.performance))
            {
                Some(i) => i,
                None => {
                    groups.push(t.performance);
                    groups.len() - 1
                }
            }
        })
        .collect();

    let mut uncovered = Vec::new();
    let mut areas: Vec<Area<'_>> = Vec::new();
    for a in &req.areas {
        if !a.category.is_patrolled() {
            continue;
        }
        let event = req.events.iter().find(|e| e.area == a.name);
        let Some(interval) = a.revisit_min.or(event.map(|e| e.revisit_min)) else {
            continue;
        };
        let mut loops = Vec::with_capacity(groups.len());
        let mut last_err = None;
        for g in &groups {
            match patrol_loop(a, &no_fly, req, g, &frame) {
                Ok(l) => loops.push(Some(l)),
                Err(e) => {
                    last_err = Some(e);
                    loops.push(None);
                }
            }
        }
        if loops.iter().all(Option::is_none) {
            uncovered.push(Uncovered {
                area: a.name.clone(),
                reason: last_err.map_or_else(|| "it cannot be patrolled".into(), |e| e.to_string()),
            });
            continue;
        }
        areas.push(Area {
            area: a,
            interval_s: interval * 60.0,
            event: event.map(|e| {
                (
                    e.revisit_min * 60.0,
                    e.from.unwrap_or(req.shift_start),
                    e.until.unwrap_or(req.shift_end),
                )
            }),
            loops,
            last: req.shift_start,
            visits: Vec::new(),
            out: false,
        });
    }

    // Distances between home and every loop's entry and exit, around no-fly zones.
    let mut pts = vec![home];
    let mut idx: Vec<Vec<Option<(usize, usize)>>> = Vec::new();
    for a in &areas {
        idx.push(
            a.loops
                .iter()
                .map(|l| {
                    l.as_ref().map(|l| {
                        pts.push(l.entry);
                        pts.push(l.exit);
                        (pts.len() - 2, pts.len() - 1)
                    })
                })
                .collect(),
        );
    }
    let dist = map.distance_matrix(&pts);

    // Sortie time for a sequence of areas flown by a team of group `g`.
    let seq_time =
        |seq: &[usize], g: usize, perf: &Performance, areas: &[Area<'_>]| -> (f64, Vec<f64>) {
            let mut t = 0.0;
            let mut pos = 0usize;
            let mut alt = 0.0;
            let mut arrivals = Vec::with_capacity(seq.len());
            for &a in seq {
                let (Some(l), Some((e, x))) = (&areas[a].loops[g], idx[a][g]) else {
                    return (f64::INFINITY, arrivals);
                };
                t += dist[pos][e] / perf.cruise_ms
                    + (l.alt - alt).abs() / perf.climb_ms
                    + perf.turn_s;
                arrivals.push(t);
                t += l.patrol_s;
                pos = x;
                alt = l.alt;
            }
            t += dist[pos][0] / perf.cruise_ms + alt / perf.descent_ms;
            (t, arrivals)
        };

    // Areas no aircraft can reach and bring back.
    let mut feasible = vec![vec![false; req.teams.len()]; areas.len()];
    for i in 0..areas.len() {
        let mut shortest = (f64::INFINITY, 0.0);
        for (ti, t) in req.teams.iter().enumerate() {
            let (need, _) = seq_time(&[i], team_group[ti], &t.performance, &areas);
            let usable = t.performance.usable_s() * PLANNING_SHARE;
            feasible[i][ti] = need <= usable;
            if need < shortest.0 {
                shortest = (need, usable);
            }
        }
        if !feasible[i].iter().any(|f| *f) {
            uncovered.push(Uncovered {
                area: areas[i].area.name.clone(),
                reason: if shortest.0.is_finite() {
                    format!(
                        "no aircraft can patrol it: one visit takes {:.1} min of flight but the aircraft on duty have at most {:.1} min after their reserve",
                        shortest.0 / 60.0,
                        shortest.1 / 60.0
                    )
                } else {
                    "no-fly zones close every way there from the launch point".into()
                },
            });
            areas[i].out = true;
        }
    }

    // Earliest-deadline-first over the teams.
    let turnaround = (req.turnaround_min * 60.0).round() as i64;
    let mut free: Vec<i64> = vec![req.shift_start; req.teams.len()];
    let mut done = vec![false; req.teams.len()];
    let mut sorties = Vec::new();
    let needs = |a: &Area<'_>| !a.out && a.deadline(a.last) < req.shift_end;
    let mut guard = 0usize;
    while guard < 100_000 {
        guard += 1;
        let Some(ti) = (0..req.teams.len())
            .filter(|&t| !done[t])
            .min_by_key(|&t| (free[t], t))
        else {
            break;
        };
        let team = &req.teams[ti];
        let g = team_group[ti];
        let perf = &team.performance;
        let usable = perf.usable_s() * PLANNING_SHARE;
        let now = free[ti];
        // The most urgent area this team can fly: earliest latest-launch, then priority.
        let latest_launch = |i: usize| {
            let (_, arr) = seq_time(&[i], g, perf, &areas);
            areas[i].deadline(areas[i].last) - arr.first().copied().unwrap_or(0.0).ceil() as i64
        };
        let first = (0..areas.len())
            .filter(|&i| feasible[i][ti] && needs(&areas[i]))
            .min_by_key(|&i| (latest_launch(i), areas[i].area.priority, i));
        let Some(first) = first else {
            done[ti] = true;
            continue;
        };
        // The latest launch that still meets every deadline of a sequence.
        let latest = |seq: &[usize], arr: &[f64]| {
            seq.iter()
                .zip(arr)
                .map(|(&a, &at)| areas[a].deadline(areas[a].last) - at.ceil() as i64)
                .min()
                .unwrap_or(i64::MAX)
        };
        let mut seq = vec![first];
        let mut bound = latest_launch(first);
        if now.max(bound) >= req.shift_end {
            done[ti] = true;
            continue;
        }
        // Add other due areas while the battery allows and no deadline is missed (the launch
        // may move earlier for them, never before the team is ready).
        let mut cands: Vec<usize> = (0..areas.len())
            .filter(|&i| i != first && feasible[i][ti] && needs(&areas[i]))
            .collect();
        cands.sort_by_key(|&i| (areas[i].deadline(areas[i].last), areas[i].area.priority));
        for b in cands {
            let mut best: Option<(f64, Vec<usize>, i64)> = None;
            for pos in 0..=seq.len() {
                let mut trial = seq.clone();
                trial.insert(pos, b);
                let (t, arr) = seq_time(&trial, g, perf, &areas);
                if t > usable {
                    continue;
                }
                let l = latest(&trial, &arr);
                if l < bound.min(now) {
                    continue;
                }
                let launch = now.max(l);
                // Not so early that the visit is wasted.
                let at = launch + arr[pos].round() as i64;
                let ar = &areas[b];
                let due = ar.deadline(ar.last);
                if 2 * (at - ar.last) < due - ar.last {
                    continue;
                }
                if best.as_ref().is_none_or(|(bt, _, _)| t < *bt) {
                    best = Some((t, trial, l));
                }
            }
            if let Some((_, trial, l)) = best {
                seq = trial;
                bound = l;
            }
        }
        let launch = now.max(bound);
        let (total, arr) = seq_time(&seq, g, perf, &areas);
        let end = launch + total.ceil() as i64;
        let mut visits = Vec::with_capacity(seq.len());
        for (&a, &at) in seq.iter().zip(&arr) {
            let at = launch + at.round() as i64;
            let ar = &mut areas[a];
            ar.visits.push(at);
            ar.last = ar.last.max(at);
            visits.push(Visit {
                area: ar.area.name.clone(),
                at,
            });
        }
        sorties.push(PlannedSortie {
            team: team.name.clone(),
            start: launch,
            end,
            visits,
            battery_pct: total / (perf.endurance_min * 60.0) * 100.0,
        });
        free[ti] = end + turnaround;
    }
    sorties.sort_by_key(|s| (s.start, s.team.clone()));

    // Coverage: every wait against the interval in force.
    let mut coverage = Vec::new();
    for (i, a) in areas.iter().enumerate() {
        if a.out {
            continue;
        }
        let mut times = a.visits.clone();
        times.sort_unstable();
        let mut prev = req.shift_start;
        let mut max_gap = 0i64;
        let mut misses: Vec<(i64, i64)> = Vec::new();
        for &t in times.iter().chain(std::iter::once(&req.shift_end)) {
            max_gap = max_gap.max(t - prev);
            if t > a.deadline(prev) {
                misses.push((prev, t));
            }
            prev = t;
        }
        let met = misses.is_empty();
        coverage.push(AreaCoverage {
            area: a.area.name.clone(),
            interval_min: a.interval_s / 60.0,
            event_min: a.event.map(|e| e.0 / 60.0),
            visits: times.len(),
            max_gap_min: max_gap as f64 / 60.0,
            met,
        });
        if !met {
            let (from, to) = misses
                .iter()
                .copied()
                .max_by_key(|(f, t)| t - f)
                .unwrap_or((req.shift_start, req.shift_end));
            let reach = (0..req.teams.len())
                .filter_map(|ti| {
                    let (_, arr) =
                        seq_time(&[i], team_group[ti], &req.teams[ti].performance, &areas);
                    arr.first().copied()
                })
                .fold(f64::INFINITY, f64::min);
            let first_interval = (a.deadline(req.shift_start) - req.shift_start) as f64;
            let reason = if times.is_empty() && reach > first_interval {
                format!(
                    "its {:.0} min interval is shorter than the {:.0} min flight there from the launch point",
                    first_interval / 60.0,
                    reach / 60.0
                )
            } else {
                format!(
                    "not enough team time: {} wait(s) longer than its interval, the longest {:.0} min from {} to {}; add a team, shorten the turnaround or lengthen the interval",
                    misses.len(),
                    (to - from) as f64 / 60.0,
                    DateTime::from_unix_secs(from).hm(),
                    DateTime::from_unix_secs(to).hm()
                )
            };
            uncovered.push(Uncovered {
                area: a.area.name.clone(),
                reason,
            });
        }
    }
    Ok(Schedule {
        sorties,
        coverage,
        uncovered,
    })
}

/// The perimeter loop of one area for one aircraft type: where it starts and ends, how long.
fn patrol_loop(
    area: &KeyArea,
    no_fly: &[KeyArea],
    req: &ScheduleRequest,
    perf: &Performance,
    frame: &LocalFrame,
) -> Result<Loop, RouteError> {
    let mut unlimited = *perf;
    unlimited.endurance_min = 1e6;
    unlimited.reserve = 0.0;
    let route = plan_route(&RouteRequest {
        pattern: Pattern::Perimeter,
        targets: vec![area.clone()],
        no_fly: no_fly.to_vec(),
        home: req.home,
        aircraft: unlimited,
        options: RouteOptions {
            keep_order: true,
            ..req.options
        },
        rally: Vec::new(),
    })?;
    let pts = &route.sorties[0].points;
    let patrol: Vec<usize> = (0..pts.len())
        .filter(|&i| matches!(pts[i].role, PointRole::Patrol { .. }))
        .collect();
    let (Some(&a), Some(&b)) = (patrol.first(), patrol.last()) else {
        return Err(RouteError::NoTargets);
    };
    let xy: Vec<Xy> = pts.iter().map(|p| frame.to_local(p.position)).collect();
    let mut patrol_s = perf.turn_s * (b - a) as f64;
    for k in a..b {
        patrol_s += xy[k].dist(xy[k + 1]) / perf.cruise_ms;
    }
    for p in &pts[a..=b] {
        patrol_s += p.loiter.map_or(0.0, |l| l.duration_s(perf.cruise_ms));
    }
    Ok(Loop {
        entry: xy[a],
        exit: xy[b],
        patrol_s,
        alt: pts[a].alt_m,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: GeoPoint = GeoPoint {
        lat: 36.45,
        lon: 115.98,
    };

    fn square(name: &str, x: f64, y: f64, size: f64, revisit: f64) -> KeyArea {
        let f = LocalFrame::new(HOME);
        let pts = [(x, y), (x + size, y), (x + size, y + size), (x, y + size)];
        let mut a = KeyArea::polygon(
            name,
            Category::CrowdedPlace,
            pts.iter().map(|&(x, y)| f.to_geo(Xy::new(x, y))).collect(),
        );
        a.revisit_min = Some(revisit);
        a
    }

    fn team(name: &str) -> ScheduleTeam {
        ScheduleTeam {
            name: name.into(),
            aircraft: format!("{name}-1"),
            performance: Performance::default(),
        }
    }

    fn request(teams: Vec<ScheduleTeam>, areas: Vec<KeyArea>, hours: i64) -> ScheduleRequest {
        ScheduleRequest {
            shift_start: 1_750_000_000,
            shift_end: 1_750_000_000 + hours * 3600,
            home: HOME,
            teams,
            areas,
            turnaround_min: 10.0,
            events: Vec::new(),
            options: RouteOptions::default(),
        }
    }

    fn assert_sane(req: &ScheduleRequest, s: &Schedule) {
        for t in &req.teams {
            let mine: Vec<&PlannedSortie> = s.sorties.iter().filter(|p| p.team == t.name).collect();
            for w in mine.windows(2) {
                assert!(
                    w[1].start >= w[0].end + (req.turnaround_min * 60.0) as i64,
                    "battery change between sorties of {}",
                    t.name
                );
            }
            for p in mine {
                assert!(
                    ((p.end - p.start) as f64) <= t.performance.usable_s(),
                    "{p:?}"
                );
                assert!(p.start >= req.shift_start && p.start < req.shift_end);
            }
        }
    }

    #[test]
    fn two_teams_cover_four_areas_every_hour() {
        let areas = vec![
            square("North", 0.0, 800.0, 200.0, 60.0),
            square("East", 900.0, 0.0, 200.0, 60.0),
            square("South", 0.0, -1000.0, 200.0, 60.0),
            square("West", -1100.0, 0.0, 200.0, 60.0),
        ];
        let req = request(vec![team("Alpha"), team("Bravo")], areas, 4);
        let s = schedule(&req).unwrap();
        assert!(s.uncovered.is_empty(), "{:?}", s.uncovered);
        assert_eq!(s.coverage.len(), 4);
        for c in &s.coverage {
            assert!(c.met && c.max_gap_min <= 60.0 + 1e-9, "{c:?}");
            assert!(c.visits >= 4, "{c:?}");
        }
        assert_sane(&req, &s);
        assert!(
            s.sorties.iter().any(|p| p.visits.len() > 1),
            "due areas share sorties"
        );
    }

    #[test]
    fn an_area_out_of_range_is_reported_with_its_reason() {
        let areas = vec![
            square("Near", 300.0, 300.0, 200.0, 60.0),
            square("Far", 9000.0, 0.0, 300.0, 60.0),
        ];
        let req = request(vec![team("Alpha")], areas, 3);
        let s = schedule(&req).unwrap();
        assert_eq!(s.uncovered.len(), 1);
        assert_eq!(s.uncovered[0].area, "Far");
        assert!(
            s.uncovered[0].reason.contains("no aircraft can patrol it"),
            "{}",
            s.uncovered[0].reason
        );
        assert!(s.coverage.iter().all(|c| c.area == "Near" && c.met));
    }

    #[test]
    fn too_few_teams_is_reported_per_area() {
        let areas: Vec<KeyArea> = (0..8)
            .map(|i| {
                let a = i as f64 * std::f64::consts::TAU / 8.0;
                square(
                    &format!("A{i}"),
                    a.cos() * 2500.0,
                    a.sin() * 2500.0,
                    300.0,
                    20.0,
                )
            })
            .collect();
        let req = request(vec![team("Alpha")], areas, 3);
        let s = schedule(&req).unwrap();
        assert!(!s.uncovered.is_empty());
        assert!(
            s.uncovered
                .iter()
                .any(|u| u.reason.contains("not enough team time")),
            "{:?}",
            s.uncovered
        );
        assert_sane(&req, &s);
    }

    #[test]
    fn event_mode_shortens_the_interval() {
        let areas = vec![square("Stadium", 500.0, 500.0, 300.0, 120.0)];
        let mut req = request(vec![team("Alpha"), team("Bravo")], areas, 4);
        let normal = schedule(&req).unwrap();
        let normal_visits = normal.coverage[0].visits;
        req.events.push(EventOverride {
            area: "Stadium".into(),
            revisit_min: 30.0,
            from: Some(req.shift_start + 3600),
            until: Some(req.shift_start + 3 * 3600),
        });
        let event = schedule(&req).unwrap();
        assert!(event.uncovered.is_empty(), "{:?}", event.uncovered);
        let times: Vec<i64> = event
            .sorties
            .iter()
            .flat_map(|s| s.visits.iter().map(|v| v.at))
            .collect();
        assert!(
            event.coverage[0].visits >= normal_visits + 3,
            "{} vs {normal_visits}",
            event.coverage[0].visits
        );
        // During the event no wait exceeds 30 minutes.
        let mut t = times.clone();
        t.sort();
        for w in t.windows(2) {
            if w[0] >= req.shift_start + 3600 && w[1] <= req.shift_start + 3 * 3600 {
                assert!(w[1] - w[0] <= 1800, "{w:?}");
            }
        }
        assert_sane(&req, &event);
    }

    #[test]
    fn bad_requests_are_refused() {
        let mut req = request(vec![team("A")], vec![square("S", 0.0, 0.0, 100.0, 30.0)], 2);
        req.events.push(EventOverride {
            area: "Nowhere".into(),
            revisit_min: 10.0,
            from: None,
            until: None,
        });
        assert!(schedule(&req)
            .unwrap_err()
            .to_string()
            .contains("'Nowhere'"));
        let req = request(vec![], vec![], 2);
        assert!(schedule(&req).unwrap_err().to_string().contains("no teams"));
    }
}
