//! Patrol routes: generated from key areas on a local plane in metres, routed around no-fly
//! zones, kept under the altitude ceiling, checked against the aircraft's endurance with a
//! reserve (and split into several sorties when too long), then turned into mission items.
//!
//! The four patterns: [`Pattern::Perimeter`] (a loop inside the boundary), [`Pattern::Coverage`]
//! (boustrophedon lanes), [`Pattern::Tour`] (several areas in a good order) and
//! [`Pattern::Orbit`] (loiter over a point). Everything here is plain data with serde, so the
//! console draws and edits routes without the planner knowing about it.

pub mod avoid;
mod coverage;
mod edit;
pub mod export;
mod mission;
mod perimeter;
mod split;
pub mod tour;

use crate::geo::GeoPoint;
use crate::plan::areas::{AreaError, Category, KeyArea, Shape};
use crate::plan::geo::{LocalFrame, Polygon, Xy};

pub use avoid::NoFlyMap;
pub use edit::RouteIssue;
pub use mission::{fence_items, no_fly_from_fence, route_from_plan};

/// How a route covers its key areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// A loop inside each area's boundary, inset by half the camera footprint.
    Perimeter,
    /// Parallel lanes over each area so the camera sees all of it.
    Coverage,
    /// A pass over several areas in a short order, from and back to launch.
    Tour,
    /// Loiter over a point (a camera or an area's centre) for a set time.
    Orbit,
}

impl Pattern {
    /// Every pattern.
    pub const ALL: [Pattern; 4] = [
        Pattern::Perimeter,
        Pattern::Coverage,
        Pattern::Tour,
        Pattern::Orbit,
    ];

    /// The name used on the command line and in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Pattern::Perimeter => "perimeter",
            Pattern::Coverage => "coverage",
            Pattern::Tour => "tour",
            Pattern::Orbit => "orbit",
        }
    }
}

impl std::str::FromStr for Pattern {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Pattern::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown pattern '{s}'; expected perimeter, coverage, tour or orbit")
            })
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the planner needs to know about the aircraft flying a route.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Performance {
    /// Flight time on a full battery, minutes.
    pub endurance_min: f64,
    /// Cruise speed, m/s.
    pub cruise_ms: f64,
    /// Climb rate, m/s.
    pub climb_ms: f64,
    /// Descent rate, m/s.
    pub descent_ms: f64,
    /// Camera horizontal (across-track) field of view, degrees.
    pub hfov_deg: f64,
    /// Share of the endurance kept in reserve (0.2 = land with 20 % left).
    pub reserve: f64,
    /// Time lost slowing down and turning at each waypoint, seconds.
    pub turn_s: f64,
}

impl Default for Performance {
    fn default() -> Self {
        Self {
            endurance_min: 25.0,
            cruise_ms: 10.0,
            climb_ms: 2.5,
            descent_ms: 1.5,
            hfov_deg: 70.0,
            reserve: 0.2,
            turn_s: 2.0,
        }
    }
}

impl Performance {
    /// Flight time a sortie may use, seconds (endurance minus reserve).
    pub fn usable_s(&self) -> f64 {
        self.endurance_min * 60.0 * (1.0 - self.reserve)
    }

    /// Width of ground the camera sees across track from `alt_m`, metres.
    pub fn footprint_m(&self, alt_m: f64) -> f64 {
        2.0 * alt_m * (self.hfov_deg.to_radians() / 2.0).tan()
    }

    /// Refuses numbers no aircraft has.
    pub fn validate(&self) -> Result<(), RouteError> {
        let bad = |what: &str, v: f64| {
            RouteError::BadOption(format!("aircraft {what} {v} must be a positive number"))
        };
        for (what, v) in [
            ("endurance (min)", self.endurance_min),
            ("cruise speed (m/s)", self.cruise_ms),
            ("climb rate (m/s)", self.climb_ms),
            ("descent rate (m/s)", self.descent_ms),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(bad(what, v));
            }
        }
        if !(self.hfov_deg > 1.0 && self.hfov_deg < 170.0) {
            return Err(RouteError::BadOption(format!(
                "camera field of view {}° must be between 1° and 170°",
                self.hfov_deg
            )));
        }
        if !(0.0..0.95).contains(&self.reserve) {
            return Err(RouteError::BadOption(format!(
                "reserve {} must be a fraction between 0 and 0.95",
                self.reserve
            )));
        }
        if !(self.turn_s.is_finite() && self.turn_s >= 0.0) {
            return Err(bad("turn time (s)", self.turn_s));
        }
        Ok(())
    }
}

/// Planner settings that are not about the aircraft.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RouteOptions {
    /// Patrol altitude above home, metres (an area's own `alt_m` wins).
    pub alt_m: f64,
    /// Highest altitude allowed above home, metres.
    pub ceiling_m: f64,
    /// Side overlap between coverage lanes (0.2 = 20 %).
    pub side_overlap: f64,
    /// Distance kept from no-fly zones, metres.
    pub nofly_margin_m: f64,
    /// Orbit: time over the point, seconds.
    pub orbit_s: f64,
    /// Orbit: circle radius, metres (0 = hover over the point).
    pub orbit_radius_m: f64,
    /// Tour: time to hold over each area, seconds (0 = fly over).
    pub dwell_s: f64,
    /// Visit areas in the given order instead of optimising it.
    pub keep_order: bool,
}

impl Default for RouteOptions {
    fn default() -> Self {
        Self {
            alt_m: 60.0,
            ceiling_m: 120.0,
            side_overlap: 0.2,
            nofly_margin_m: 10.0,
            orbit_s: 120.0,
            orbit_radius_m: 0.0,
            dwell_s: 0.0,
            keep_order: false,
        }
    }
}

/// Everything a route is planned from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RouteRequest {
    /// How the areas are covered.
    pub pattern: Pattern,
    /// The key areas to patrol.
    pub targets: Vec<KeyArea>,
    /// No-fly zones to keep out of (also written to the plan's geofence).
    pub no_fly: Vec<KeyArea>,
    /// Launch and landing point.
    pub home: GeoPoint,
    /// The aircraft.
    pub aircraft: Performance,
    /// Planner settings.
    pub options: RouteOptions,
    /// Rally (safe landing) points for the plan.
    pub rally: Vec<GeoPoint>,
}

impl RouteRequest {
    /// A request with default aircraft and options; no-fly zones are taken from `areas`, every
    /// other area is a target.
    pub fn new(pattern: Pattern, areas: &[KeyArea], home: GeoPoint) -> Self {
        let (no_fly, targets): (Vec<_>, Vec<_>) = areas
            .iter()
            .cloned()
            .partition(|a| a.category == Category::NoFly);
        Self {
            pattern,
            targets,
            no_fly,
            home,
            aircraft: Performance::default(),
            options: RouteOptions::default(),
            rally: Vec::new(),
        }
    }
}

/// What a point of a route is for.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PointRole {
    /// Part of patrolling a key area.
    Patrol {
        /// The area's name.
        area: String,
    },
    /// On the way: around a no-fly zone or between areas.
    Transit,
}

/// Holding over a point.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Loiter {
    /// Hold (or circle with `radius_m` on planes) for a time: NAV_LOITER_TIME.
    Time {
        /// Seconds.
        seconds: f64,
        /// Radius, metres.
        radius_m: f64,
    },
    /// Circle a number of times: NAV_LOITER_TURNS.
    Turns {
        /// Full turns.
        turns: f64,
        /// Radius, metres.
        radius_m: f64,
    },
}

/// Speed multicopters circle at, m/s (slower than cruise so the camera can follow).
pub const CIRCLE_SPEED_MS: f64 = 5.0;

impl Loiter {
    /// How long the loiter takes, seconds.
    pub fn duration_s(&self, cruise_ms: f64) -> f64 {
        match *self {
            Loiter::Time { seconds, .. } => seconds,
            Loiter::Turns { turns, radius_m } => {
                turns * std::f64::consts::TAU * radius_m
                    / cruise_ms.clamp(0.1, CIRCLE_SPEED_MS.max(0.1))
            }
        }
    }
}

/// One point of a route.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RoutePoint {
    /// Where.
    pub position: GeoPoint,
    /// Altitude above home, metres.
    pub alt_m: f64,
    /// What it is for.
    pub role: PointRole,
    /// Hold here, if set.
    pub loiter: Option<Loiter>,
}

/// Figures the map shows for a sortie.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct RouteStats {
    /// Ground distance from takeoff to landing, metres.
    pub length_m: f64,
    /// Estimated flight time, seconds (climb, cruise, turns, loiters, descent).
    pub flight_time_s: f64,
    /// Share of a full battery used, percent.
    pub battery_pct: f64,
    /// Flight time allowed after the reserve, seconds.
    pub usable_s: f64,
    /// Highest planned altitude above home, metres.
    pub max_alt_m: f64,
    /// Whether the sortie fits the endurance with the reserve.
    pub fits: bool,
}

/// One flight of a route: takeoff at home, the points, return home.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RouteSortie {
    /// Points between takeoff and return (home itself not included).
    pub points: Vec<RoutePoint>,
    /// Its figures.
    pub stats: RouteStats,
}

/// A planned patrol route: one or more sorties from the same home.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PatrolRoute {
    /// How it was generated.
    pub pattern: Pattern,
    /// Launch and landing point.
    pub home: GeoPoint,
    /// The sorties, flown one after another (a battery change between them).
    pub sorties: Vec<RouteSortie>,
    /// Key areas it patrols, in visiting order.
    pub areas: Vec<String>,
    /// No-fly zones it keeps out of.
    pub no_fly: Vec<KeyArea>,
    /// Rally points.
    pub rally: Vec<GeoPoint>,
    /// The aircraft it was planned for.
    pub aircraft: Performance,
    /// The settings it was planned with.
    pub options: RouteOptions,
    /// Things the planner had to change and the pilot should know.
    pub warnings: Vec<String>,
}

impl PatrolRoute {
    /// Totals over all sorties: length, flight time, battery (sum of percents).
    pub fn totals(&self) -> RouteStats {
        let mut t = RouteStats {
            fits: true,
            usable_s: self.aircraft.usable_s(),
            ..Default::default()
        };
        for s in &self.sorties {
            t.length_m += s.stats.length_m;
            t.flight_time_s += s.stats.flight_time_s;
            t.battery_pct += s.stats.battery_pct;
            t.max_alt_m = t.max_alt_m.max(s.stats.max_alt_m);
            t.fits &= s.stats.fits;
        }
        t
    }
}

/// Why a route cannot be planned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RouteError {
    /// No key area to patrol.
    #[error("no key areas to patrol (no-fly zones are not patrolled)")]
    NoTargets,
    /// An input area is invalid.
    #[error(transparent)]
    Area(#[from] AreaError),
    /// A setting is out of range.
    #[error("{0}")]
    BadOption(String),
    /// An altitude is above the ceiling.
    #[error("altitude {alt_m} m for '{area}' is above the {ceiling_m} m ceiling; lower --alt or the area's alt_m")]
    AboveCeiling {
        /// Which area asks for it.
        area: String,
        /// Requested altitude.
        alt_m: f64,
        /// The ceiling.
        ceiling_m: f64,
    },
    /// Home lies in a no-fly zone.
    #[error("the launch point is inside no-fly zone '{0}'; choose a launch point outside it")]
    HomeInNoFly(String),
    /// A point to visit lies in (or too near) a no-fly zone.
    #[error("'{area}' cannot be visited: {why}")]
    Unreachable {
        /// The area.
        area: String,
        /// Why, in words.
        why: String,
    },
    /// Even one visit does not fit the endurance.
    #[error("'{area}' is too far: the shortest sortie to it takes {need_min:.1} min but the aircraft has {usable_min:.1} min after its reserve")]
    TooFar {
        /// The area.
        area: String,
        /// Minutes the shortest sortie needs.
        need_min: f64,
        /// Minutes available.
        usable_min: f64,
    },
}

/// A point of the route being built, on the local plane.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WorkPoint {
    pub xy: Xy,
    pub alt: f64,
    /// Index into the targets, `None` for transit.
    pub area: Option<usize>,
    pub loiter: Option<Loiter>,
    /// The leg arriving here is patrol work (a lane or a perimeter edge), not a connection.
    pub work_leg: bool,
}

/// A target on the local plane.
pub(crate) struct Target<'a> {
    pub area: &'a KeyArea,
    pub polygon: Option<Polygon>,
    pub at: Xy,
    pub alt: f64,
}

/// Plans a patrol route.
pub fn plan_route(req: &RouteRequest) -> Result<PatrolRoute, RouteError> {
    let opts = &req.options;
    req.aircraft.validate()?;
    check_options(opts)?;
    if req.targets.is_empty() {
        return Err(RouteError::NoTargets);
    }
    for a in req.targets.iter().chain(&req.no_fly) {
        a.validate()?;
    }
    if let Some(z) = req.targets.iter().find(|a| a.category == Category::NoFly) {
        return Err(RouteError::Unreachable {
            area: z.name.clone(),
            why: "it is a no-fly zone".into(),
        });
    }
    if let Some(p) = req
        .no_fly
        .iter()
        .find(|a| matches!(a.shape, Shape::Point { .. }))
    {
        return Err(RouteError::BadOption(format!(
            "no-fly zone '{}' must be a polygon",
            p.name
        )));
    }
    // Centred on home: the same plane `PatrolRoute::check` measures on after edits.
    let frame = LocalFrame::new(req.home);
    let zones: Vec<Polygon> = req
        .no_fly
        .iter()
        .map(|z| match z.polygon_in(&frame) {
            Some(p) => p.map_err(|e| area_err(z, &e)),
            None => Err(RouteError::BadOption(format!(
                "no-fly zone '{}' must be a polygon",
                z.name
            ))),
        })
        .collect::<Result<_, _>>()?;
    let map = NoFlyMap::new(zones, opts.nofly_margin_m);
    let home = frame.to_local(req.home);
    if let Some(z) = map.zone_containing(home) {
        return Err(RouteError::HomeInNoFly(req.no_fly[z].name.clone()));
    }
    let mut warnings = Vec::new();
    let targets = build_targets(req, &frame, &map)?;
    let order: Vec<usize> = if targets.len() > 1 && !opts.keep_order {
        let mut pts = vec![home];
        pts.extend(targets.iter().map(|t| t.at));
        let m = map.distance_matrix(&pts);
        if let Some(i) = (1..pts.len()).find(|&i| !m[0][i].is_finite()) {
            return Err(RouteError::Unreachable {
                area: targets[i - 1].area.name.clone(),
                why: "no-fly zones close every way there from the launch point".into(),
            });
        }
        tour::order(&m).into_iter().map(|i| i - 1).collect()
    } else {
        (0..targets.len()).collect()
    };
    let mut work: Vec<WorkPoint> = Vec::new();
    let mut cur = home;
    for &i in &order {
        let t = &targets[i];
        let pts = match (req.pattern, &t.polygon) {
            (Pattern::Perimeter, Some(poly)) => {
                perimeter::visit(i, t, poly, req, &map, cur, &mut warnings)
            }
            (Pattern::Coverage, Some(poly)) => {
                coverage::visit(i, t, poly, req, &map, cur, &mut warnings)
            }
            (Pattern::Orbit, _) => vec![orbit_point(i, t, opts)],
            (Pattern::Tour, _) => vec![dwell_point(i, t, opts.dwell_s)],
            (_, None) => vec![dwell_point(
                i,
                t,
                opts.dwell_s.max(if t.area.category == Category::Camera {
                    30.0
                } else {
                    0.0
                }),
            )],
        };
        if pts.is_empty() {
            warnings.push(format!(
                "'{}' has nothing to fly outside the no-fly zones; skipped",
                t.area.name
            ));
            continue;
        }
        cur = pts[pts.len() - 1].xy;
        work.extend(pts);
    }
    if work.is_empty() {
        return Err(RouteError::NoTargets);
    }
    let names: Vec<String> = targets.iter().map(|t| t.area.name.clone()).collect();
    let sorties = split::split(&work, home, &map, &req.aircraft, &names)?;
    let sorties: Vec<RouteSortie> = sorties
        .into_iter()
        .map(|pts| {
            let points: Vec<RoutePoint> = pts
                .iter()
                .map(|w| RoutePoint {
                    position: frame.to_geo(w.xy),
                    alt_m: w.alt,
                    role: match w.area {
                        Some(a) => PointRole::Patrol {
                            area: names[a].clone(),
                        },
                        None => PointRole::Transit,
                    },
                    loiter: w.loiter,
                })
                .collect();
            let stats = edit::stats(&frame, req.home, &points, &req.aircraft);
            RouteSortie { points, stats }
        })
        .collect();
    if sorties.len() > 1 {
        warnings.push(format!(
            "the route is longer than one battery allows; split into {} sorties, each returning home",
            sorties.len()
        ));
    }
    Ok(PatrolRoute {
        pattern: req.pattern,
        home: req.home,
        sorties,
        areas: order.iter().map(|&i| names[i].clone()).collect(),
        no_fly: req.no_fly.clone(),
        rally: req.rally.clone(),
        aircraft: req.aircraft,
        options: *opts,
        warnings,
    })
}

fn area_err(a: &KeyArea, e: &crate::plan::geo::PolygonError) -> RouteError {
    RouteError::Area(AreaError::Invalid {
        name: a.name.clone(),
        reason: crate::plan::areas::polygon_reason(e),
    })
}

fn check_options(o: &RouteOptions) -> Result<(), RouteError> {
    let pos = |what: &str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(RouteError::BadOption(format!(
                "{what} {v} must be a positive number"
            )))
        }
    };
    pos("altitude (m)", o.alt_m)?;
    pos("ceiling (m)", o.ceiling_m)?;
    if !(0.0..0.95).contains(&o.side_overlap) {
        return Err(RouteError::BadOption(format!(
            "side overlap {} must be between 0 and 0.95",
            o.side_overlap
        )));
    }
    for (what, v) in [
        ("no-fly margin (m)", o.nofly_margin_m),
        ("orbit time (s)", o.orbit_s),
        ("orbit radius (m)", o.orbit_radius_m),
        ("dwell time (s)", o.dwell_s),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(RouteError::BadOption(format!(
                "{what} {v} must be zero or more"
            )));
        }
    }
    Ok(())
}

fn build_targets<'a>(
    req: &'a RouteRequest,
    frame: &LocalFrame,
    map: &NoFlyMap,
) -> Result<Vec<Target<'a>>, RouteError> {
    let opts = &req.options;
    let margin = map.margin();
    let mut out = Vec::with_capacity(req.targets.len());
    for a in &req.targets {
        let alt = a.alt_m.unwrap_or(opts.alt_m);
        if alt > opts.ceiling_m {
            return Err(RouteError::AboveCeiling {
                area: a.name.clone(),
                alt_m: alt,
                ceiling_m: opts.ceiling_m,
            });
        }
        let polygon = a
            .polygon_in(frame)
            .transpose()
            .map_err(|e| area_err(a, &e))?;
        let need = if req.pattern == Pattern::Orbit {
            opts.orbit_radius_m + margin
        } else {
            margin
        };
        let at = match (&polygon, &a.shape) {
            (Some(p), _) => p.interior_point_where(|q| map.clearance(q) >= need),
            (None, Shape::Point { at }) => frame.to_local(*at),
            // A polygon shape always projects to a polygon; the anchor is a safe answer anyway.
            (None, Shape::Polygon { .. }) => frame.to_local(a.anchor()),
        };
        let needs_point =
            polygon.is_none() || matches!(req.pattern, Pattern::Orbit | Pattern::Tour);
        if needs_point && map.clearance(at) < need {
            let why = match map.zone_containing(at) {
                Some(z) => format!("it lies inside no-fly zone '{}'", req.no_fly[z].name),
                None => format!("it is closer than {need:.0} m to a no-fly zone"),
            };
            return Err(RouteError::Unreachable {
                area: a.name.clone(),
                why,
            });
        }
        out.push(Target {
            area: a,
            polygon,
            at,
            alt,
        });
    }
    Ok(out)
}

fn dwell_point(i: usize, t: &Target<'_>, dwell_s: f64) -> WorkPoint {
    WorkPoint {
        xy: t.at,
        alt: t.alt,
        area: Some(i),
        loiter: (dwell_s > 0.0).then_some(Loiter::Time {
            seconds: dwell_s,
            radius_m: 0.0,
        }),
        work_leg: false,
    }
}

fn orbit_point(i: usize, t: &Target<'_>, o: &RouteOptions) -> WorkPoint {
    let loiter = if o.orbit_radius_m > 0.0 {
        let circ = std::f64::consts::TAU * o.orbit_radius_m;
        let turns = (o.orbit_s * CIRCLE_SPEED_MS / circ).round().max(1.0);
        Loiter::Turns {
            turns,
            radius_m: o.orbit_radius_m,
        }
    } else {
        Loiter::Time {
            seconds: o.orbit_s,
            radius_m: 0.0,
        }
    };
    WorkPoint {
        xy: t.at,
        alt: t.alt,
        area: Some(i),
        loiter: Some(loiter),
        work_leg: false,
    }
}

#[cfg(test)]
mod tests;
