//! Insetting a ring: the loop a perimeter patrol flies, a fixed distance inside the boundary.
//!
//! Each edge is moved inwards; convex corners get the exact mitre point, reflex corners a short
//! arc (or the mitre when it is close). On concave rings the raw result may cross itself where
//! short edges vanish; it is split at its crossings and only loops that keep the ring's
//! orientation and stay the full distance from the boundary are kept. A narrow waist gives
//! several loops.

use super::polygon::{dist_point_segment, ring_area, ring_contains, segment_crossing};
use super::Xy;

/// Corners turning by less than this are treated as straight.
const STRAIGHT: f64 = 1e-9;

fn raw_inset(ring: &[Xy], d: f64) -> Vec<Xy> {
    let n = ring.len();
    let normal = |i: usize| (ring[(i + 1) % n] - ring[i]).unit().perp();
    let mut out = Vec::with_capacity(n * 2);
    for (i, &p) in ring.iter().enumerate() {
        let n0 = normal((i + n - 1) % n);
        let n1 = normal(i);
        let turn = n0.cross(n1);
        let cosang = n0.dot(n1).clamp(-1.0, 1.0);
        if turn >= -STRAIGHT || 1.0 + cosang >= 1.0 {
            // Convex (or mildly reflex) corner: the mitre, capped so a needle does not explode.
            let k = (1.0 + cosang).max(1e-4);
            out.push(p + (n0 + n1) * (d / k));
        } else {
            // Sharp reflex corner: arc of radius d around the corner, drawn from outside.
            let a0 = n0.y.atan2(n0.x);
            let mut delta = n1.y.atan2(n1.x) - a0;
            while delta > 0.0 {
                delta -= std::f64::consts::TAU;
            }
            let k = (delta.abs() / std::f64::consts::FRAC_PI_4).ceil().max(1.0) as usize;
            let step = delta / k as f64;
            let r = d / (step / 2.0).cos();
            for j in 0..=k {
                let a = a0 + step * j as f64;
                out.push(p + Xy::new(a.cos(), a.sin()) * r);
            }
        }
    }
    out
}

/// Splits a closed polyline at its first crossing, recursively, into simple loops.
fn untangle(ring: Vec<Xy>, out: &mut Vec<Vec<Xy>>, budget: &mut usize) {
    let n = ring.len();
    if n < 3 {
        return;
    }
    if *budget == 0 {
        out.push(ring);
        return;
    }
    *budget -= 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        for j in i + 2..n {
            if i == 0 && j == n - 1 {
                continue;
            }
            let (c, d) = (ring[j], ring[(j + 1) % n]);
            if let Some((t, _)) = segment_crossing(a, b, c, d) {
                let x = a.lerp(b, t);
                let mut first = vec![x];
                first.extend_from_slice(&ring[i + 1..=j]);
                let mut second = vec![x];
                second.extend_from_slice(&ring[j + 1..]);
                second.extend_from_slice(&ring[..=i]);
                untangle(first, out, budget);
                untangle(second, out, budget);
                return;
            }
        }
    }
    out.push(ring);
}

/// Drops points closer than `tol` to their predecessor and points on a straight line.
fn simplify(ring: Vec<Xy>, tol: f64) -> Vec<Xy> {
    let mut pts: Vec<Xy> = Vec::with_capacity(ring.len());
    for p in ring {
        if pts.last().is_none_or(|q| q.dist(p) > tol) {
            pts.push(p);
        }
    }
    while pts.len() > 2 && pts[0].dist(pts[pts.len() - 1]) <= tol {
        pts.pop();
    }
    let mut changed = true;
    while changed && pts.len() > 3 {
        changed = false;
        let n = pts.len();
        for i in 0..n {
            let (a, b, c) = (pts[(i + n - 1) % n], pts[i], pts[(i + 1) % n]);
            if dist_point_segment(b, a, c) < tol * 0.05 {
                pts.remove(i);
                changed = true;
                break;
            }
        }
    }
    pts
}

/// Loops `d` metres inside a counter-clockwise ring, each counter-clockwise; empty when the
/// ring is too narrow everywhere.
pub fn inset_ring(ring: &[Xy], d: f64) -> Vec<Vec<Xy>> {
    if ring.len() < 3 || d <= 0.0 {
        return vec![ring.to_vec()];
    }
    let raw = raw_inset(ring, d);
    let mut loops = Vec::new();
    let mut budget = 4 * raw.len() + 16;
    untangle(raw, &mut loops, &mut budget);
    let n = ring.len();
    let clear = |p: Xy| {
        ring_contains(ring, p)
            && (0..n).all(|i| {
                dist_point_segment(p, ring[i], ring[(i + 1) % n]) >= d * (1.0 - 1e-6) - 1e-6
            })
    };
    let min_area = (d * 0.05).powi(2);
    loops
        .into_iter()
        .map(|l| simplify(l, (d * 1e-3).max(0.01)))
        .filter(|l| l.len() >= 3 && ring_area(l) > min_area && l.iter().all(|p| clear(*p)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_inset_is_a_smaller_square() {
        let sq = vec![
            Xy::new(0.0, 0.0),
            Xy::new(100.0, 0.0),
            Xy::new(100.0, 100.0),
            Xy::new(0.0, 100.0),
        ];
        let l = inset_ring(&sq, 10.0);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].len(), 4);
        assert!((ring_area(&l[0]) - 6400.0).abs() < 1e-6);
    }

    #[test]
    fn narrow_waist_splits_into_two_loops_and_too_small_gives_none() {
        // Two 100 m squares joined by a 10 m wide corridor.
        let dumbbell = vec![
            Xy::new(0.0, 0.0),
            Xy::new(100.0, 0.0),
            Xy::new(100.0, 45.0),
            Xy::new(150.0, 45.0),
            Xy::new(150.0, 0.0),
            Xy::new(250.0, 0.0),
            Xy::new(250.0, 100.0),
            Xy::new(150.0, 100.0),
            Xy::new(150.0, 55.0),
            Xy::new(100.0, 55.0),
            Xy::new(100.0, 100.0),
            Xy::new(0.0, 100.0),
        ];
        let loops = inset_ring(&dumbbell, 15.0);
        assert_eq!(loops.len(), 2, "{loops:?}");
        for l in &loops {
            assert!(ring_area(l) > 4000.0);
        }
        assert!(inset_ring(&dumbbell, 60.0).is_empty());
    }

    #[test]
    fn concave_ring_inset_keeps_distance() {
        let star: Vec<Xy> = (0..10)
            .map(|i| {
                let a = i as f64 * std::f64::consts::TAU / 10.0;
                let r = if i % 2 == 0 { 200.0 } else { 80.0 };
                Xy::new(a.cos() * r, a.sin() * r)
            })
            .collect();
        let loops = inset_ring(&star, 20.0);
        assert!(!loops.is_empty());
        for l in &loops {
            for p in l {
                assert!(ring_contains(&star, *p));
                for i in 0..star.len() {
                    assert!(dist_point_segment(*p, star[i], star[(i + 1) % 10]) >= 19.99);
                }
            }
        }
    }
}
