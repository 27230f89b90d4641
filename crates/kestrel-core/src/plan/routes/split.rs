//! Fitting a route to the battery: the patrol points are flown in order, as many per sortie as
//! fit the endurance after the reserve (counting the way out, climb, turns, loiters, the way
//! back around no-fly zones and the descent). A long lane or perimeter edge is cut where the
//! battery runs out and the next sortie resumes there. Legs that would cross a no-fly zone get
//! transit points around it.

use super::{NoFlyMap, Performance, RouteError, WorkPoint};
use crate::plan::geo::Xy;

/// Shortest clear way and its length, with a cache for the way home.
struct Ways<'a> {
    map: &'a NoFlyMap,
    home: Xy,
}

impl Ways<'_> {
    fn path(&self, a: Xy, b: Xy) -> Option<Vec<Xy>> {
        self.map.path(a, b)
    }

    /// Seconds from `p` (at `alt`) home and down: cruise, turns around zones, descent.
    fn home_s(&self, p: Xy, alt: f64, perf: &Performance) -> Option<f64> {
        self.path(p, self.home)
            .map(|w| leg_s(&w, alt, alt, perf) + alt / perf.descent_ms)
    }
}

fn point_s(p: &WorkPoint, perf: &Performance) -> f64 {
    perf.turn_s + p.loiter.map_or(0.0, |l| l.duration_s(perf.cruise_ms))
}

fn leg_s(path: &[Xy], from_alt: f64, to_alt: f64, perf: &Performance) -> f64 {
    let len = crate::plan::geo::path_length(path);
    len / perf.cruise_ms
        + (to_alt - from_alt).abs() / perf.climb_ms
        + path.len().saturating_sub(2) as f64 * perf.turn_s
}

/// Splits `work` into sorties; each returned list includes the transit points of its legs
/// (not home itself).
pub(super) fn split(
    work: &[WorkPoint],
    home: Xy,
    map: &NoFlyMap,
    perf: &Performance,
    names: &[String],
) -> Result<Vec<Vec<WorkPoint>>, RouteError> {
    let ways = Ways { map, home };
    let usable = perf.usable_s();
    let name_of = |p: &WorkPoint| {
        p.area
            .map(|a| names[a].clone())
            .unwrap_or_else(|| "a transit point".into())
    };
    let unreachable = |p: &WorkPoint, from: &str| RouteError::Unreachable {
        area: name_of(p),
        why: format!("no-fly zones close every way there from {from}"),
    };
    let mut pts: Vec<WorkPoint> = work.to_vec();
    // Ways between consecutive points.
    let mut legs: Vec<Vec<Xy>> = Vec::with_capacity(pts.len());
    for w in pts.windows(2) {
        legs.push(
            ways.path(w[0].xy, w[1].xy)
                .ok_or_else(|| unreachable(&w[1], "the previous point"))?,
        );
    }
    let mut sorties = Vec::new();
    let mut s = 0usize;
    while s < pts.len() {
        let first = pts[s].clone();
        let first = &first;
        let out_path = ways
            .path(home, first.xy)
            .ok_or_else(|| unreachable(first, "the launch point"))?;
        let back = ways
            .home_s(first.xy, first.alt, perf)
            .ok_or_else(|| unreachable(first, "the launch point"))?;
        let climb = first.alt / perf.climb_ms;
        let mut acc = climb + leg_s(&out_path, first.alt, first.alt, perf) + point_s(first, perf);
        if acc + back > usable {
            return Err(RouteError::TooFar {
                area: name_of(first),
                need_min: (acc + back) / 60.0,
                usable_min: usable / 60.0,
            });
        }
        let mut j = s;
        let mut cut = false;
        while j + 1 < pts.len() {
            let (a, b) = (&pts[j], &pts[j + 1]);
            let step = leg_s(&legs[j], a.alt, b.alt, perf) + point_s(b, perf);
            let back = ways
                .home_s(b.xy, b.alt, perf)
                .ok_or_else(|| unreachable(b, "the launch point"))?;
            if acc + step + back <= usable {
                acc += step;
                j += 1;
                continue;
            }
            // Cut a straight working leg where the battery runs out.
            if b.work_leg && legs[j].len() == 2 && b.loiter.is_none() {
                let (pa, pb) = (a.xy, b.xy);
                let fits = |f: f64| {
                    let q = pa.lerp(pb, f);
                    let there = leg_s(&[pa, q], a.alt, b.alt, perf) + perf.turn_s;
                    match ways.home_s(q, b.alt, perf) {
                        Some(h) => acc + there + h <= usable,
                        None => false,
                    }
                };
                let (mut lo, mut hi) = (0.0, 1.0);
                for _ in 0..30 {
                    let mid = (lo + hi) / 2.0;
                    if fits(mid) {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                if lo * pa.dist(pb) >= 10.0 {
                    let q = pa.lerp(pb, lo);
                    let mut mid = b.clone();
                    mid.xy = q;
                    pts.insert(j + 1, mid);
                    legs[j] = vec![pa, q];
                    legs.insert(j + 1, vec![q, pb]);
                    j += 1;
                    cut = true;
                }
            }
            break;
        }
        // Assemble the sortie with transit points.
        let mut out = Vec::new();
        let transit = |p: Xy, alt: f64| WorkPoint {
            xy: p,
            alt,
            area: None,
            loiter: None,
            work_leg: false,
        };
        for p in &out_path[1..out_path.len() - 1] {
            out.push(transit(*p, first.alt));
        }
        out.push(pts[s].clone());
        for k in s..j {
            let leg = &legs[k];
            for p in &leg[1..leg.len() - 1] {
                out.push(transit(*p, pts[k + 1].alt.max(pts[k].alt)));
            }
            out.push(pts[k + 1].clone());
        }
        let last = &pts[j];
        let home_path = ways
            .path(last.xy, home)
            .ok_or_else(|| unreachable(last, "the launch point"))?;
        for p in &home_path[1..home_path.len() - 1] {
            out.push(transit(*p, last.alt));
        }
        sorties.push(out);
        // Where the next sortie starts: the cut point, or the start of an unflown working leg.
        let next = if cut || (j + 1 < pts.len() && pts[j + 1].work_leg) {
            j
        } else {
            j + 1
        };
        if next == s {
            // Not even a few metres of the next working leg fit: its far end is out of range.
            let b = &pts[s + 1];
            let back = ways.home_s(b.xy, b.alt, perf).unwrap_or(f64::INFINITY);
            return Err(RouteError::TooFar {
                area: name_of(b),
                need_min: (acc + leg_s(&legs[s], pts[s].alt, b.alt, perf) + perf.turn_s + back)
                    / 60.0,
                usable_min: usable / 60.0,
            });
        }
        s = next;
    }
    Ok(sorties)
}
