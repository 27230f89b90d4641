//! Perimeter patrol: a loop inside the area's boundary, inset by half the camera footprint so
//! the camera's view reaches the boundary. Narrow areas get a smaller inset (with a warning);
//! corners inside or too near a no-fly zone are dropped and the route goes around the zone.

use super::{NoFlyMap, RouteRequest, Target, WorkPoint};
use crate::plan::geo::{inset_ring, Polygon, Xy};

/// The loop (or loops, where the area narrows) for one area, starting near `from`.
pub(super) fn visit(
    index: usize,
    t: &Target<'_>,
    poly: &Polygon,
    req: &RouteRequest,
    map: &NoFlyMap,
    from: Xy,
    warnings: &mut Vec<String>,
) -> Vec<WorkPoint> {
    let wanted = req.aircraft.footprint_m(t.alt) / 2.0;
    let mut inset = wanted;
    let mut loops = Vec::new();
    for _ in 0..4 {
        loops = inset_ring(&poly.outer, inset);
        if !loops.is_empty() {
            break;
        }
        inset /= 2.0;
    }
    if loops.is_empty() {
        warnings.push(format!(
            "'{}' is too narrow for a perimeter loop; flying over its centre instead",
            t.area.name
        ));
        return vec![WorkPoint {
            xy: t.at,
            alt: t.alt,
            area: Some(index),
            loiter: None,
            work_leg: false,
        }];
    }
    if inset < wanted {
        warnings.push(format!(
            "'{}' is narrower than the camera footprint; its perimeter is flown {inset:.0} m inside the boundary instead of {wanted:.0} m",
            t.area.name
        ));
    }
    let margin = map.margin();
    let mut out = Vec::new();
    let mut cur = from;
    let mut dropped = false;
    // Next loop: the one with the vertex nearest to where we are.
    let nearest = |loops: &[Vec<Xy>], cur: Xy| {
        loops
            .iter()
            .enumerate()
            .flat_map(|(li, l)| {
                l.iter()
                    .enumerate()
                    .map(move |(vi, p)| (li, vi, p.dist(cur)))
            })
            .min_by(|a, b| a.2.total_cmp(&b.2))
            .map(|(li, vi, _)| (li, vi))
    };
    while let Some((li, vi)) = nearest(&loops, cur) {
        let mut l = loops.swap_remove(li);
        l.rotate_left(vi);
        let first = l[0];
        l.push(first);
        let mut prev_kept = false;
        for p in l {
            if map.clearance(p) < margin {
                dropped = true;
                prev_kept = false;
                continue;
            }
            out.push(WorkPoint {
                xy: p,
                alt: t.alt,
                area: Some(index),
                loiter: None,
                work_leg: prev_kept,
            });
            prev_kept = true;
        }
        if let Some(last) = out.last() {
            cur = last.xy;
        }
    }
    if dropped {
        warnings.push(format!(
            "part of the perimeter of '{}' lies in or near a no-fly zone; the route goes around it",
            t.area.name
        ));
    }
    out
}
