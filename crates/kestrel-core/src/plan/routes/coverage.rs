//! Coverage patrol: parallel (boustrophedon) lanes over an area, spaced so that neighbouring
//! camera swaths overlap by the side overlap. Lanes are cut exactly to the part of each line
//! that is inside the area, clear of its boundary and of no-fly zones (see
//! [`crate::plan::geo::allowed_intervals`]), so concave areas, holes and no-fly zones need no
//! decomposition. The lane angle is the one giving the fewest lane pieces (turns); pieces are
//! flown lane after lane, snaking, jumping to the nearest piece left when a block is done.

use super::{NoFlyMap, RouteRequest, Target, WorkPoint};
use crate::plan::geo::{allowed_intervals, Polygon, Xy};

/// Lanes end this share of the footprint width inside the boundary.
pub const BOUNDARY_CLEARANCE: f64 = 0.05;

/// Lane pieces shorter than this are dropped, metres.
const MIN_PIECE_M: f64 = 0.5;

#[derive(Debug, Clone, Copy)]
struct Piece {
    lane: usize,
    y: f64,
    x0: f64,
    x1: f64,
}

fn rotate_poly(p: &Polygon, angle: f64) -> Polygon {
    Polygon {
        outer: p.outer.iter().map(|q| q.rotate(angle)).collect(),
        holes: p
            .holes
            .iter()
            .map(|h| h.iter().map(|q| q.rotate(angle)).collect())
            .collect(),
    }
}

/// Lane pieces over `poly` (already rotated so lanes run along x).
fn pieces(
    poly: &Polygon,
    zones: &[Polygon],
    spacing: f64,
    clearance: f64,
    margin: f64,
) -> Vec<Piece> {
    let (lo, hi) = poly.bbox();
    let h = hi.y - lo.y;
    let n = ((h / spacing).ceil() as usize).max(1);
    let step = h / n as f64;
    let mut out = Vec::new();
    for k in 0..n {
        let y = lo.y + (k as f64 + 0.5) * step;
        for (x0, x1) in allowed_intervals(y, poly, clearance, zones, margin) {
            if x1 - x0 >= MIN_PIECE_M {
                out.push(Piece { lane: k, y, x0, x1 });
            }
        }
    }
    out
}

/// Candidate lane angles: along each boundary edge, and every 15°.
fn candidate_angles(poly: &Polygon) -> Vec<f64> {
    let pi = std::f64::consts::PI;
    let mut a: Vec<f64> = (0..12).map(|k| k as f64 * pi / 12.0).collect();
    let n = poly.outer.len();
    for i in 0..n {
        let d = poly.outer[(i + 1) % n] - poly.outer[i];
        a.push(d.y.atan2(d.x).rem_euclid(pi));
    }
    a.sort_by(f64::total_cmp);
    a.dedup_by(|x, y| (*x - *y).abs() < 1e-3);
    a
}

/// Snake order over the pieces, starting near `from`: (piece, entered at x0?).
fn order(pieces: &[Piece], from: Xy) -> Vec<(usize, bool)> {
    let lanes = pieces.iter().map(|p| p.lane).max().map_or(0, |m| m + 1);
    let mut by_lane: Vec<Vec<usize>> = vec![Vec::new(); lanes];
    for (i, p) in pieces.iter().enumerate() {
        by_lane[p.lane].push(i);
    }
    let ends = |i: usize| {
        (
            Xy::new(pieces[i].x0, pieces[i].y),
            Xy::new(pieces[i].x1, pieces[i].y),
        )
    };
    let mut done = vec![false; pieces.len()];
    let mut out = Vec::with_capacity(pieces.len());
    let mut pos = from;
    let mut dir: isize = 1;
    let mut current: Option<usize> = None;
    // Start in the first or last lane, whichever has a piece end nearest to `from`.
    let start_lanes: Vec<usize> = [0, lanes.saturating_sub(1)].to_vec();
    let mut first_pick = true;
    while out.len() < pieces.len() {
        let mut next: Option<usize> = None;
        if let Some(c) = current {
            let lane = pieces[c].lane as isize + dir;
            if lane >= 0 && (lane as usize) < lanes {
                next = by_lane[lane as usize]
                    .iter()
                    .copied()
                    .filter(|&j| {
                        !done[j] && pieces[j].x0 <= pieces[c].x1 && pieces[j].x1 >= pieces[c].x0
                    })
                    .min_by(|&a, &b| {
                        let da = ends(a).0.dist(pos).min(ends(a).1.dist(pos));
                        let db = ends(b).0.dist(pos).min(ends(b).1.dist(pos));
                        da.total_cmp(&db)
                    });
                // A merge (the next lane's piece also spans an unvisited piece of this lane, on
                // the far side of an obstacle): finish that other cell first, sweeping back.
                if let Some(n) = next {
                    let sibling = by_lane[pieces[c].lane]
                        .iter()
                        .copied()
                        .filter(|&j| {
                            !done[j]
                                && j != c
                                && pieces[j].x0 <= pieces[n].x1
                                && pieces[j].x1 >= pieces[n].x0
                        })
                        .min_by(|&a, &b| {
                            let da = ends(a).0.dist(pos).min(ends(a).1.dist(pos));
                            let db = ends(b).0.dist(pos).min(ends(b).1.dist(pos));
                            da.total_cmp(&db)
                        });
                    if let Some(s) = sibling {
                        next = Some(s);
                        dir = -dir;
                    }
                }
            }
        }
        let next = match next {
            Some(n) => n,
            None => {
                let pool: Vec<usize> = if first_pick {
                    start_lanes
                        .iter()
                        .flat_map(|&l| by_lane[l].iter().copied())
                        .collect()
                } else {
                    (0..pieces.len()).filter(|&j| !done[j]).collect()
                };
                let nearest = |pool: Vec<usize>| {
                    pool.into_iter().filter(|&j| !done[j]).min_by(|&a, &b| {
                        let da = ends(a).0.dist(pos).min(ends(a).1.dist(pos));
                        let db = ends(b).0.dist(pos).min(ends(b).1.dist(pos));
                        da.total_cmp(&db)
                    })
                };
                let Some(n) = nearest(pool).or_else(|| nearest((0..pieces.len()).collect())) else {
                    break;
                };
                // Sweep towards the side that still has work.
                let l = pieces[n].lane;
                let has = |lane: isize| {
                    lane >= 0
                        && (lane as usize) < lanes
                        && by_lane[lane as usize].iter().any(|&j| !done[j] && j != n)
                };
                if !has(l as isize + dir) && has(l as isize - dir) {
                    dir = -dir;
                }
                n
            }
        };
        first_pick = false;
        let (a, b) = ends(next);
        let from_x0 = a.dist(pos) <= b.dist(pos);
        pos = if from_x0 { b } else { a };
        done[next] = true;
        out.push((next, from_x0));
        current = Some(next);
    }
    out
}

/// Coverage lanes over one area, as waypoints starting near `from`.
pub(super) fn visit(
    index: usize,
    t: &Target<'_>,
    poly: &Polygon,
    req: &RouteRequest,
    map: &NoFlyMap,
    from: Xy,
    warnings: &mut Vec<String>,
) -> Vec<WorkPoint> {
    let w = req.aircraft.footprint_m(t.alt);
    let spacing = w * (1.0 - req.options.side_overlap);
    let margin = map.margin();
    let (lo, hi) = poly.bbox();
    let zones: Vec<&Polygon> = map
        .zones()
        .iter()
        .filter(|z| {
            let (zl, zh) = z.bbox();
            zh.x >= lo.x - margin
                && zl.x <= hi.x + margin
                && zh.y >= lo.y - margin
                && zl.y <= hi.y + margin
        })
        .collect();
    let clearance = w * BOUNDARY_CLEARANCE;
    let mut best: Option<(f64, Vec<Piece>)> = None;
    for angle in candidate_angles(poly) {
        let rp = rotate_poly(poly, -angle);
        let rz: Vec<Polygon> = zones.iter().map(|z| rotate_poly(z, -angle)).collect();
        let ps = pieces(&rp, &rz, spacing, clearance, margin);
        if ps.is_empty() {
            continue;
        }
        let lanes = ps.iter().map(|p| p.lane).max().unwrap_or(0) + 1;
        let better = match &best {
            None => true,
            Some((_, b)) => {
                let bl = b.iter().map(|p| p.lane).max().unwrap_or(0) + 1;
                (ps.len(), lanes) < (b.len(), bl)
            }
        };
        if better {
            best = Some((angle, ps));
        }
    }
    let Some((angle, ps)) = best else {
        warnings.push(format!(
            "'{}' is too small for coverage lanes at {:.0} m; flying over its centre instead",
            t.area.name, t.alt
        ));
        return vec![WorkPoint {
            xy: t.at,
            alt: t.alt,
            area: Some(index),
            loiter: None,
            work_leg: false,
        }];
    };
    let seq = order(&ps, from.rotate(-angle));
    let mut out = Vec::with_capacity(seq.len() * 2);
    for (i, from_x0) in seq {
        let p = ps[i];
        let (a, b) = if from_x0 { (p.x0, p.x1) } else { (p.x1, p.x0) };
        for (x, work_leg) in [(a, false), (b, true)] {
            out.push(WorkPoint {
                xy: Xy::new(x, p.y).rotate(angle),
                alt: t.alt,
                area: Some(index),
                loiter: None,
                work_leg,
            });
        }
    }
    fill_gaps(&mut out, poly, map, w, clearance, from);
    out
}

/// Adds waypoints where the lanes leave part of the area unseen (sharp corners, slivers
/// between lanes and no-fly zones): samples the area on a grid, and for each sample farther than
/// half the footprint from every flown leg, adds a point there (or at the nearest allowed sample)
/// at the cheapest place between lanes.
fn fill_gaps(
    out: &mut Vec<WorkPoint>,
    poly: &Polygon,
    map: &NoFlyMap,
    w: f64,
    clearance: f64,
    from: Xy,
) {
    if out.is_empty() {
        return;
    }
    // Samples every w/8 seen within 0.4 w: every point of the area is then within w/2.
    let reach = 0.4 * w;
    let (lo, hi) = poly.bbox();
    let step = (w / 8.0).max((poly.area() / 20_000.0).sqrt()).max(1.0);
    let margin = map.margin();
    let mut samples = Vec::new();
    let mut y = lo.y + step / 2.0;
    while y < hi.y {
        let mut x = lo.x + step / 2.0;
        while x < hi.x {
            let p = Xy::new(x, y);
            if poly.contains(p) && map.zone_containing(p).is_none() {
                samples.push(p);
            }
            x += step;
        }
        y += step;
    }
    let allowed = |p: Xy| {
        poly.contains(p) && poly.boundary_distance(p) >= clearance && map.clearance(p) >= margin
    };
    // Only lanes and the points themselves count: a connection between lanes may become the
    // gap between two sorties when the route is split.
    let seen_by = |pts: &[WorkPoint], p: Xy| {
        pts.windows(2).any(|l| {
            l[1].work_leg && crate::plan::geo::dist_point_segment(p, l[0].xy, l[1].xy) <= reach
        }) || pts.iter().any(|q| q.xy.dist(p) <= reach)
    };
    let mut unseen: Vec<Xy> = samples
        .iter()
        .copied()
        .filter(|p| !seen_by(out, *p))
        .collect();
    let template = out[0].clone();
    while let Some(&p) = unseen.first() {
        let spot = if allowed(p) {
            Some(p)
        } else {
            // The nearest allowed point within reach, on a finer local grid.
            let fine = reach / 6.0;
            (-6..=6)
                .flat_map(|i| (-6..=6).map(move |j| p + Xy::new(i as f64 * fine, j as f64 * fine)))
                .filter(|q| q.dist(p) <= reach && allowed(*q))
                .min_by(|a, b| a.dist(p).total_cmp(&b.dist(p)))
        };
        let Some(spot) = spot else {
            unseen.remove(0);
            continue;
        };
        // Cheapest insertion, never inside a lane (only before a point reached by a connection).
        let mut best = (
            spot.dist(from) + spot.dist(out[0].xy) - from.dist(out[0].xy),
            0usize,
        );
        for k in 1..=out.len() {
            if k < out.len() && out[k].work_leg {
                continue;
            }
            let a = out[k - 1].xy;
            let cost = match out.get(k) {
                Some(b) => a.dist(spot) + spot.dist(b.xy) - a.dist(b.xy),
                None => a.dist(spot),
            };
            if cost < best.0 {
                best = (cost, k);
            }
        }
        let mut wp = template.clone();
        wp.xy = spot;
        wp.work_leg = false;
        out.insert(best.1, wp);
        unseen.retain(|q| !seen_by(out, *q));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_thin_rectangle_gets_lanes_along_its_length() {
        let poly = Polygon::simple(&[
            Xy::new(0.0, 0.0),
            Xy::new(1000.0, 0.0),
            Xy::new(1000.0, 200.0),
            Xy::new(0.0, 200.0),
        ])
        .unwrap();
        let mut best = (usize::MAX, 0.0);
        for a in candidate_angles(&poly) {
            let n = pieces(&rotate_poly(&poly, -a), &[], 50.0, 10.0, 0.0).len();
            if n < best.0 {
                best = (n, a);
            }
        }
        assert_eq!(best.0, 4);
        assert!(best.1.abs() < 1e-9);
    }

    #[test]
    fn snake_order_alternates_direction() {
        let ps: Vec<Piece> = (0..4)
            .map(|k| Piece {
                lane: k,
                y: k as f64 * 10.0,
                x0: 0.0,
                x1: 100.0,
            })
            .collect();
        let o = order(&ps, Xy::new(-10.0, -10.0));
        assert_eq!(o, vec![(0, true), (1, false), (2, true), (3, false)]);
    }
}
