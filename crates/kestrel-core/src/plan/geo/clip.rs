//! Clearance along a line: which parts of a horizontal line lie inside an area, far enough from
//! its boundary, and far enough from every obstacle. Coverage lanes are cut with this, which
//! handles concave areas, holes and no-fly zones exactly, without building offset polygons: the
//! set of points within `r` of a polygon is the polygon plus a capsule around each edge, and a
//! line meets each capsule in one interval.

use super::{Polygon, Xy};

/// A stretch `[start, end]` of a line, by x coordinate.
pub type Interval = (f64, f64);

/// x coordinates where the line y = `y` crosses the rings, paired into inside stretches.
fn inside_intervals(y: f64, poly: &Polygon) -> Vec<Interval> {
    let mut xs: Vec<f64> = Vec::new();
    for r in poly.rings() {
        let n = r.len();
        for i in 0..n {
            let (a, b) = (r[i], r[(i + 1) % n]);
            if (a.y > y) != (b.y > y) {
                xs.push(a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x));
            }
        }
    }
    xs.sort_by(f64::total_cmp);
    xs.chunks_exact(2).map(|c| (c[0], c[1])).collect()
}

/// x range where `lo <= k*x + m <= hi` (None when empty, infinite ends when unbounded).
fn linear_range(k: f64, m: f64, lo: f64, hi: f64) -> Option<Interval> {
    if k.abs() < 1e-12 {
        return (lo..=hi)
            .contains(&m)
            .then_some((f64::NEG_INFINITY, f64::INFINITY));
    }
    let (a, b) = ((lo - m) / k, (hi - m) / k);
    Some((a.min(b), a.max(b)))
}

/// Where the line y = `y` comes within `r` of segment `ab`.
pub fn capsule_interval(y: f64, a: Xy, b: Xy, r: f64) -> Option<Interval> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let mut take = |iv: Interval| {
        lo = lo.min(iv.0);
        hi = hi.max(iv.1);
    };
    for c in [a, b] {
        let dy = y - c.y;
        if dy.abs() <= r {
            let h = (r * r - dy * dy).max(0.0).sqrt();
            take((c.x - h, c.x + h));
        }
    }
    let d = b - a;
    let len = d.len();
    if len > 0.0 {
        let u = d * (1.0 / len);
        // Along the segment: (x - a.x) ux + (y - a.y) uy in [0, len].
        let along = linear_range(u.x, (y - a.y) * u.y - a.x * u.x, 0.0, len);
        // Across: ux (y - a.y) - uy (x - a.x) in [-r, r].
        let across = linear_range(-u.y, u.x * (y - a.y) + u.y * a.x, -r, r);
        if let (Some(p), Some(q)) = (along, across) {
            let s = (p.0.max(q.0), p.1.min(q.1));
            if s.0 <= s.1 {
                take(s);
            }
        }
    }
    (lo <= hi).then_some((lo, hi))
}

/// Sorts and merges overlapping intervals.
fn merge(mut v: Vec<Interval>) -> Vec<Interval> {
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for iv in v {
        match out.last_mut() {
            Some(last) if iv.0 <= last.1 => last.1 = last.1.max(iv.1),
            _ => out.push(iv),
        }
    }
    out
}

/// `keep` minus the (merged, sorted) `cut`.
fn subtract(keep: &[Interval], cut: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    for &(mut s, e) in keep {
        for &(cs, ce) in cut {
            if ce <= s || cs >= e {
                continue;
            }
            if cs > s {
                out.push((s, cs));
            }
            s = s.max(ce);
            if s >= e {
                break;
            }
        }
        if s < e {
            out.push((s, e));
        }
    }
    out
}

/// Parts of the line y = `y` inside `area`, at least `clearance` from its boundary (holes
/// included) and at least `margin` from every obstacle (and outside them).
pub fn allowed_intervals(
    y: f64,
    area: &Polygon,
    clearance: f64,
    obstacles: &[Polygon],
    margin: f64,
) -> Vec<Interval> {
    let inside = inside_intervals(y, area);
    if inside.is_empty() {
        return inside;
    }
    let mut cut: Vec<Interval> = Vec::new();
    if clearance > 0.0 {
        cut.extend(
            area.edges()
                .filter_map(|(a, b)| capsule_interval(y, a, b, clearance)),
        );
    }
    for ob in obstacles {
        let (lo, hi) = ob.bbox();
        if y < lo.y - margin || y > hi.y + margin {
            continue;
        }
        cut.extend(inside_intervals(y, ob));
        if margin > 0.0 {
            cut.extend(
                ob.edges()
                    .filter_map(|(a, b)| capsule_interval(y, a, b, margin)),
            );
        }
    }
    subtract(&inside, &merge(cut))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sq(x0: f64, y0: f64, s: f64) -> Vec<Xy> {
        vec![
            Xy::new(x0, y0),
            Xy::new(x0 + s, y0),
            Xy::new(x0 + s, y0 + s),
            Xy::new(x0, y0 + s),
        ]
    }

    #[test]
    fn capsule_of_a_slanted_segment_matches_brute_force() {
        let (a, b, r) = (Xy::new(0.0, 0.0), Xy::new(10.0, 6.0), 2.0);
        for y in [-2.5, -1.0, 0.0, 3.0, 6.5, 7.9, 8.5] {
            let got = capsule_interval(y, a, b, r);
            let xs: Vec<f64> = (-400..=400)
                .map(|i| i as f64 * 0.05)
                .filter(|x| super::super::dist_point_segment(Xy::new(*x, y), a, b) <= r)
                .collect();
            match (got, xs.first(), xs.last()) {
                (None, None, None) => {}
                (Some((lo, hi)), Some(f), Some(l)) => {
                    assert!(
                        (lo - f).abs() < 0.06 && (hi - l).abs() < 0.06,
                        "y={y}: {lo}..{hi} vs {f}..{l}"
                    );
                }
                other => panic!("y={y}: {other:?}"),
            }
        }
    }

    #[test]
    fn lane_through_a_square_with_an_obstacle_is_cut_twice() {
        let area = Polygon::simple(&sq(0.0, 0.0, 100.0)).unwrap();
        let ob = Polygon::simple(&sq(40.0, 40.0, 20.0)).unwrap();
        let iv = allowed_intervals(50.0, &area, 5.0, &[ob], 10.0);
        assert_eq!(iv.len(), 2);
        assert!((iv[0].0 - 5.0).abs() < 1e-9 && (iv[0].1 - 30.0).abs() < 1e-9);
        assert!((iv[1].0 - 70.0).abs() < 1e-9 && (iv[1].1 - 95.0).abs() < 1e-9);
        // Far from the obstacle the lane only loses the boundary clearance.
        assert_eq!(
            allowed_intervals(90.0, &area, 5.0, &[], 0.0),
            vec![(5.0, 95.0)]
        );
    }
}
