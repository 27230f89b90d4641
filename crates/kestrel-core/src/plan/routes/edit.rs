//! Figures and checks for a route as it stands, so a route edited by hand (a waypoint dragged
//! on the map) is re-measured and its problems named: a leg through a no-fly zone, a point above
//! the ceiling, a sortie longer than the battery allows.

use super::{PatrolRoute, Performance, RoutePoint, RouteStats};
use crate::geo::GeoPoint;
use crate::plan::geo::{LocalFrame, Polygon, Xy};

/// A problem with a route as it stands.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RouteIssue {
    /// A leg enters or comes closer than the margin to a no-fly zone.
    CrossesNoFly {
        /// Sortie number (0-based).
        sortie: usize,
        /// Leg number: 0 is home → first point, `k` arrives at point `k` (0-based `k - 1`).
        leg: usize,
        /// The zone.
        zone: String,
    },
    /// A point is above the altitude ceiling.
    AboveCeiling {
        /// Sortie number.
        sortie: usize,
        /// Point number.
        point: usize,
        /// Its altitude.
        alt_m: f64,
    },
    /// A sortie needs more flight time than the endurance leaves after the reserve.
    TooLong {
        /// Sortie number.
        sortie: usize,
        /// Estimated flight time, minutes.
        need_min: f64,
        /// Usable minutes.
        usable_min: f64,
    },
}

impl std::fmt::Display for RouteIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RouteIssue::CrossesNoFly { sortie, leg, zone } => {
                write!(f, "sortie {}: leg {} crosses no-fly zone '{zone}'", sortie + 1, leg + 1)
            }
            RouteIssue::AboveCeiling { sortie, point, alt_m } => {
                write!(f, "sortie {}: point {} at {alt_m:.0} m is above the ceiling", sortie + 1, point + 1)
            }
            RouteIssue::TooLong {
                sortie,
                need_min,
                usable_min,
            } => write!(
                f,
                "sortie {}: needs {need_min:.1} min but the aircraft has {usable_min:.1} min after its reserve",
                sortie + 1
            ),
        }
    }
}

/// Figures of one sortie: home → points → home.
pub fn stats(
    frame: &LocalFrame,
    home: GeoPoint,
    points: &[RoutePoint],
    perf: &Performance,
) -> RouteStats {
    let usable_s = perf.usable_s();
    if points.is_empty() {
        return RouteStats {
            usable_s,
            fits: true,
            ..Default::default()
        };
    }
    let h = frame.to_local(home);
    let xy: Vec<Xy> = points.iter().map(|p| frame.to_local(p.position)).collect();
    let mut length = h.dist(xy[0]) + xy[xy.len() - 1].dist(h);
    let mut time =
        points[0].alt_m / perf.climb_ms + points[points.len() - 1].alt_m / perf.descent_ms;
    for (k, p) in points.iter().enumerate() {
        if k > 0 {
            length += xy[k - 1].dist(xy[k]);
            time += (p.alt_m - points[k - 1].alt_m).abs() / perf.climb_ms;
        }
        time += perf.turn_s + p.loiter.map_or(0.0, |l| l.duration_s(perf.cruise_ms));
    }
    time += length / perf.cruise_ms;
    RouteStats {
        length_m: length,
        flight_time_s: time,
        battery_pct: time / (perf.endurance_min * 60.0) * 100.0,
        usable_s,
        max_alt_m: points.iter().map(|p| p.alt_m).fold(0.0, f64::max),
        fits: time <= usable_s + 1e-6,
    }
}

impl PatrolRoute {
    fn frame(&self) -> LocalFrame {
        LocalFrame::new(self.home)
    }

    /// Recomputes every sortie's figures (after an edit).
    pub fn refresh_stats(&mut self) {
        let frame = self.frame();
        for s in &mut self.sorties {
            s.stats = stats(&frame, self.home, &s.points, &self.aircraft);
        }
    }

    /// Everything wrong with the route as it stands (empty when it is fine to fly).
    pub fn check(&self) -> Vec<RouteIssue> {
        let frame = self.frame();
        let zones: Vec<(String, Polygon)> = self
            .no_fly
            .iter()
            .filter_map(|z| match z.polygon_in(&frame) {
                Some(Ok(p)) => Some((z.name.clone(), p)),
                _ => None,
            })
            .collect();
        let margin = self.options.nofly_margin_m;
        let h = frame.to_local(self.home);
        let mut issues = Vec::new();
        for (si, s) in self.sorties.iter().enumerate() {
            let mut pts = vec![h];
            pts.extend(s.points.iter().map(|p| frame.to_local(p.position)));
            pts.push(h);
            for (leg, w) in pts.windows(2).enumerate() {
                for (name, z) in &zones {
                    let outer = Polygon {
                        outer: z.outer.clone(),
                        holes: Vec::new(),
                    };
                    // Ends nearer than the margin (home beside a zone) only need to stay out.
                    let need = margin
                        .min(outer.point_distance(w[0]))
                        .min(outer.point_distance(w[1]))
                        * (1.0 - 1e-6);
                    let d = outer.segment_distance(w[0], w[1]);
                    if d <= 0.0 || d < need {
                        issues.push(RouteIssue::CrossesNoFly {
                            sortie: si,
                            leg,
                            zone: name.clone(),
                        });
                    }
                }
            }
            for (k, p) in s.points.iter().enumerate() {
                if p.alt_m > self.options.ceiling_m {
                    issues.push(RouteIssue::AboveCeiling {
                        sortie: si,
                        point: k,
                        alt_m: p.alt_m,
                    });
                }
            }
            if !s.stats.fits {
                issues.push(RouteIssue::TooLong {
                    sortie: si,
                    need_min: s.stats.flight_time_s / 60.0,
                    usable_min: s.stats.usable_s / 60.0,
                });
            }
        }
        issues
    }

    /// Moves one point (a waypoint dragged on the map), re-measures, and returns what is now
    /// wrong with the route. Out-of-range indices change nothing and return the current issues.
    pub fn move_point(&mut self, sortie: usize, point: usize, to: GeoPoint) -> Vec<RouteIssue> {
        if let Some(p) = self
            .sorties
            .get_mut(sortie)
            .and_then(|s| s.points.get_mut(point))
        {
            p.position = to;
        }
        self.refresh_stats();
        self.check()
    }

    /// Inserts a point before `point` (at the end when `point` is past the last), re-measures,
    /// and returns what is now wrong. An unknown sortie changes nothing.
    pub fn insert_point(&mut self, sortie: usize, point: usize, p: RoutePoint) -> Vec<RouteIssue> {
        if let Some(s) = self.sorties.get_mut(sortie) {
            let at = point.min(s.points.len());
            s.points.insert(at, p);
        }
        self.refresh_stats();
        self.check()
    }

    /// Removes one point, re-measures, and returns what is now wrong.
    pub fn remove_point(&mut self, sortie: usize, point: usize) -> Vec<RouteIssue> {
        if let Some(s) = self.sorties.get_mut(sortie) {
            if point < s.points.len() {
                s.points.remove(point);
            }
        }
        self.refresh_stats();
        self.check()
    }

    /// Changes one point's altitude, re-measures, and returns what is now wrong.
    pub fn set_point_alt(&mut self, sortie: usize, point: usize, alt_m: f64) -> Vec<RouteIssue> {
        if let Some(p) = self
            .sorties
            .get_mut(sortie)
            .and_then(|s| s.points.get_mut(point))
        {
            p.alt_m = alt_m;
        }
        self.refresh_stats();
        self.check()
    }
}
