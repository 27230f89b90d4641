//! Polygons with holes on the local plane: validation (simple rings, holes inside), area,
//! containment, distances and the segment predicates everything else is built on.

use super::Xy;

/// Why a ring or polygon cannot be used for planning.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolygonError {
    /// Fewer than three distinct corners.
    #[error("has {0} distinct vertices; a polygon needs at least 3")]
    TooFewVertices(usize),
    /// All corners on one line (or a sliver of no size).
    #[error("has no area (its vertices lie on one line)")]
    NoArea,
    /// Two edges of one ring cross or touch.
    #[error("crosses itself: edge {0} meets edge {1} (vertices numbered from 1)")]
    SelfIntersecting(usize, usize),
    /// A hole reaches outside the outer ring.
    #[error("hole {0} is not inside the outer boundary")]
    HoleOutside(usize),
    /// A hole's edge crosses the outer ring or another hole.
    #[error("hole {0} crosses the outer boundary or another hole")]
    HoleCrossing(usize),
    /// NaN or infinite coordinate.
    #[error("has a coordinate that is not a number")]
    NotFinite,
}

/// Twice the signed area of a ring (positive when counter-clockwise).
fn twice_signed_area(ring: &[Xy]) -> f64 {
    let n = ring.len();
    (0..n).map(|i| ring[i].cross(ring[(i + 1) % n])).sum()
}

/// Signed area of a ring, m² (positive when counter-clockwise).
pub fn ring_area(ring: &[Xy]) -> f64 {
    twice_signed_area(ring) / 2.0
}

/// Whether `p` is inside a ring (even-odd rule; points on the boundary may go either way).
pub fn ring_contains(ring: &[Xy], p: Xy) -> bool {
    let n = ring.len();
    let mut inside = false;
    let mut j = n.wrapping_sub(1);
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a.y > p.y) != (b.y > p.y) {
            let x = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x);
            if p.x < x {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

fn orient(a: Xy, b: Xy, c: Xy) -> f64 {
    (b - a).cross(c - a)
}

fn on_segment(a: Xy, b: Xy, p: Xy) -> bool {
    p.x >= a.x.min(b.x) && p.x <= a.x.max(b.x) && p.y >= a.y.min(b.y) && p.y <= a.y.max(b.y)
}

/// Whether closed segments `ab` and `cd` share a point (crossing or touching).
pub fn segments_intersect(a: Xy, b: Xy, c: Xy, d: Xy) -> bool {
    let d1 = orient(c, d, a);
    let d2 = orient(c, d, b);
    let d3 = orient(a, b, c);
    let d4 = orient(a, b, d);
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    (d1 == 0.0 && on_segment(c, d, a))
        || (d2 == 0.0 && on_segment(c, d, b))
        || (d3 == 0.0 && on_segment(a, b, c))
        || (d4 == 0.0 && on_segment(a, b, d))
}

/// Where segments `ab` and `cd` cross: the fractions along each, if they properly intersect.
pub fn segment_crossing(a: Xy, b: Xy, c: Xy, d: Xy) -> Option<(f64, f64)> {
    let r = b - a;
    let s = d - c;
    let den = r.cross(s);
    if den == 0.0 {
        return None;
    }
    let t = (c - a).cross(s) / den;
    let u = (c - a).cross(r) / den;
    ((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u)).then_some((t, u))
}

/// Distance from `p` to segment `ab`.
pub fn dist_point_segment(p: Xy, a: Xy, b: Xy) -> f64 {
    let ab = b - a;
    let l2 = ab.dot(ab);
    if l2 == 0.0 {
        return p.dist(a);
    }
    let t = ((p - a).dot(ab) / l2).clamp(0.0, 1.0);
    p.dist(a + ab * t)
}

/// Distance between segments `ab` and `cd` (zero when they meet).
pub fn dist_segment_segment(a: Xy, b: Xy, c: Xy, d: Xy) -> f64 {
    if segments_intersect(a, b, c, d) {
        return 0.0;
    }
    dist_point_segment(a, c, d)
        .min(dist_point_segment(b, c, d))
        .min(dist_point_segment(c, a, b))
        .min(dist_point_segment(d, a, b))
}

/// The first pair of edges of a ring that cross or touch, if any (0-based edge numbers; edge
/// `i` runs from vertex `i` to vertex `i + 1`).
pub fn ring_self_intersection(ring: &[Xy]) -> Option<(usize, usize)> {
    let n = ring.len();
    if n < 3 {
        return None;
    }
    let edge = |i: usize| (ring[i], ring[(i + 1) % n]);
    for i in 0..n {
        let (a, b) = edge(i);
        let (lo_x, hi_x) = (a.x.min(b.x), a.x.max(b.x));
        let (lo_y, hi_y) = (a.y.min(b.y), a.y.max(b.y));
        for j in i + 1..n {
            let (c, d) = edge(j);
            if c.x.max(d.x) < lo_x
                || c.x.min(d.x) > hi_x
                || c.y.max(d.y) < lo_y
                || c.y.min(d.y) > hi_y
            {
                continue;
            }
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            if adjacent {
                // Neighbours share a vertex; they are bad only when they fold back onto each other.
                let (shared, p, q) = if j == i + 1 { (b, a, d) } else { (a, b, c) };
                let u = p - shared;
                let v = q - shared;
                if u.cross(v).abs() <= 1e-12 * u.len() * v.len() && u.dot(v) > 0.0 {
                    return Some((i, j));
                }
                continue;
            }
            if segments_intersect(a, b, c, d) {
                return Some((i, j));
            }
        }
    }
    None
}

/// Drops a repeated closing vertex and consecutive duplicates.
fn clean_ring(ring: &[Xy]) -> Vec<Xy> {
    let mut out: Vec<Xy> = Vec::with_capacity(ring.len());
    for &p in ring {
        if out.last().is_none_or(|q| q.dist(p) > 1e-9) {
            out.push(p);
        }
    }
    while out.len() > 1 && out[0].dist(out[out.len() - 1]) <= 1e-9 {
        out.pop();
    }
    out
}

fn check_ring(ring: &[Xy]) -> Result<(), PolygonError> {
    if ring.iter().any(|p| !p.is_finite()) {
        return Err(PolygonError::NotFinite);
    }
    if ring.len() < 3 {
        return Err(PolygonError::TooFewVertices(ring.len()));
    }
    let scale = ring
        .iter()
        .fold(0.0f64, |m, p| m.max(p.x.abs()).max(p.y.abs()))
        .max(1.0);
    let tiny = 1e-9 * scale * scale;
    // A ring on one line has no area; a bow-tie may have zero net area but still crosses itself.
    let (a, b) = (ring[0], ring[ring.len() / 2]);
    let collinear = ring.iter().all(|p| (b - a).cross(*p - a).abs() <= tiny)
        && ring
            .iter()
            .all(|p| (ring[1] - a).cross(*p - a).abs() <= tiny);
    if collinear {
        return Err(PolygonError::NoArea);
    }
    if let Some((i, j)) = ring_self_intersection(ring) {
        return Err(PolygonError::SelfIntersecting(i + 1, j + 1));
    }
    if ring_area(ring).abs() <= tiny {
        return Err(PolygonError::NoArea);
    }
    Ok(())
}

/// A simple polygon with optional holes, outer ring counter-clockwise, holes clockwise, rings
/// stored without the closing vertex.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Polygon {
    /// The outer boundary.
    pub outer: Vec<Xy>,
    /// Holes: parts inside the outer boundary that do not belong to the polygon.
    pub holes: Vec<Vec<Xy>>,
}

impl Polygon {
    /// Validates and normalises a polygon: rings simple, holes inside and apart.
    pub fn new(outer: &[Xy], holes: &[Vec<Xy>]) -> Result<Self, PolygonError> {
        let mut outer = clean_ring(outer);
        check_ring(&outer)?;
        if ring_area(&outer) < 0.0 {
            outer.reverse();
        }
        let mut cleaned: Vec<Vec<Xy>> = Vec::with_capacity(holes.len());
        for (k, h) in holes.iter().enumerate() {
            let mut h = clean_ring(h);
            check_ring(&h)?;
            if ring_area(&h) > 0.0 {
                h.reverse();
            }
            if h.iter().any(|p| !ring_contains(&outer, *p)) {
                return Err(PolygonError::HoleOutside(k + 1));
            }
            let crosses = |other: &[Xy]| {
                let m = other.len();
                (0..h.len()).any(|i| {
                    let (a, b) = (h[i], h[(i + 1) % h.len()]);
                    (0..m).any(|j| segments_intersect(a, b, other[j], other[(j + 1) % m]))
                })
            };
            if crosses(&outer)
                || cleaned
                    .iter()
                    .any(|o| crosses(o) || ring_contains(o, h[0]) || ring_contains(&h, o[0]))
            {
                return Err(PolygonError::HoleCrossing(k + 1));
            }
            cleaned.push(h);
        }
        Ok(Self {
            outer,
            holes: cleaned,
        })
    }

    /// A polygon without holes.
    pub fn simple(outer: &[Xy]) -> Result<Self, PolygonError> {
        Self::new(outer, &[])
    }

    /// All rings, outer first.
    pub fn rings(&self) -> impl Iterator<Item = &[Xy]> {
        std::iter::once(self.outer.as_slice()).chain(self.holes.iter().map(Vec::as_slice))
    }

    /// Every edge of every ring.
    pub fn edges(&self) -> impl Iterator<Item = (Xy, Xy)> + '_ {
        self.rings().flat_map(|r| {
            let n = r.len();
            (0..n).map(move |i| (r[i], r[(i + 1) % n]))
        })
    }

    /// Area in m² (holes subtracted).
    pub fn area(&self) -> f64 {
        self.rings().map(ring_area).sum()
    }

    /// Whether `p` is inside (not in a hole).
    pub fn contains(&self, p: Xy) -> bool {
        ring_contains(&self.outer, p) && !self.holes.iter().any(|h| ring_contains(h, p))
    }

    /// Distance from `p` to the nearest boundary (outer ring or hole).
    pub fn boundary_distance(&self, p: Xy) -> f64 {
        self.edges()
            .map(|(a, b)| dist_point_segment(p, a, b))
            .fold(f64::INFINITY, f64::min)
    }

    /// Distance from segment `ab` to the polygon: zero if it touches or enters it.
    pub fn segment_distance(&self, a: Xy, b: Xy) -> f64 {
        if self.contains(a) {
            return 0.0;
        }
        self.edges()
            .map(|(c, d)| dist_segment_segment(a, b, c, d))
            .fold(f64::INFINITY, f64::min)
    }

    /// Distance from `p` to the polygon (zero inside).
    pub fn point_distance(&self, p: Xy) -> f64 {
        if self.contains(p) {
            0.0
        } else {
            self.boundary_distance(p)
        }
    }

    /// Lower-left and upper-right corners of the bounding box.
    pub fn bbox(&self) -> (Xy, Xy) {
        let mut lo = Xy::new(f64::INFINITY, f64::INFINITY);
        let mut hi = Xy::new(f64::NEG_INFINITY, f64::NEG_INFINITY);
        for p in &self.outer {
            lo = Xy::new(lo.x.min(p.x), lo.y.min(p.y));
            hi = Xy::new(hi.x.max(p.x), hi.y.max(p.y));
        }
        (lo, hi)
    }

    /// Area centroid (may lie outside a concave polygon).
    pub fn centroid(&self) -> Xy {
        let mut a = 0.0;
        let mut c = Xy::default();
        for r in self.rings() {
            let n = r.len();
            for i in 0..n {
                let (p, q) = (r[i], r[(i + 1) % n]);
                let k = p.cross(q);
                a += k;
                c = c + (p + q) * k;
            }
        }
        if a.abs() < 1e-12 {
            return self.outer[0];
        }
        c * (1.0 / (3.0 * a))
    }

    /// A point well inside: the centroid when it is comfortably inside, else the sampled point
    /// farthest from the boundary (an approximate pole of inaccessibility).
    pub fn interior_point(&self) -> Xy {
        self.interior_point_where(|_| true)
    }

    /// Like [`Polygon::interior_point`], among points `ok` accepts (e.g. clear of no-fly zones).
    pub fn interior_point_where(&self, ok: impl Fn(Xy) -> bool) -> Xy {
        let (lo, hi) = self.bbox();
        let size = (hi - lo).len();
        let c = self.centroid();
        if self.contains(c) && ok(c) && self.boundary_distance(c) >= 0.2 * size {
            return c;
        }
        let score = |p: Xy| {
            if self.contains(p) && ok(p) {
                self.boundary_distance(p)
            } else {
                -1.0
            }
        };
        let (mut best, mut best_d) = (c, score(c));
        let n = 16;
        let step = Xy::new((hi.x - lo.x) / n as f64, (hi.y - lo.y) / n as f64);
        for i in 0..n {
            for j in 0..n {
                let p = Xy::new(
                    lo.x + (i as f64 + 0.5) * step.x,
                    lo.y + (j as f64 + 0.5) * step.y,
                );
                let d = score(p);
                if d > best_d {
                    best = p;
                    best_d = d;
                }
            }
        }
        // One refinement round around the best sample.
        let centre = best;
        for i in -4..=4 {
            for j in -4..=4 {
                let p = centre + Xy::new(i as f64 * step.x / 4.0, j as f64 * step.y / 4.0);
                let d = score(p);
                if d > best_d {
                    best = p;
                    best_d = d;
                }
            }
        }
        if best_d < 0.0 {
            // Nothing acceptable found on the grid: fall back to a vertex-adjacent inside point.
            let a = self.outer[0];
            let b = self.outer[1];
            let m = a.lerp(b, 0.5);
            return m + (b - a).unit().perp() * 1e-3;
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sq(s: f64) -> Vec<Xy> {
        vec![
            Xy::new(0.0, 0.0),
            Xy::new(s, 0.0),
            Xy::new(s, s),
            Xy::new(0.0, s),
        ]
    }

    #[test]
    fn area_and_containment_respect_holes() {
        let hole = vec![
            Xy::new(4.0, 4.0),
            Xy::new(6.0, 4.0),
            Xy::new(6.0, 6.0),
            Xy::new(4.0, 6.0),
        ];
        let p = Polygon::new(&sq(10.0), &[hole]).unwrap();
        assert!((p.area() - 96.0).abs() < 1e-9);
        assert!(p.contains(Xy::new(1.0, 1.0)));
        assert!(!p.contains(Xy::new(5.0, 5.0)));
        assert!(!p.contains(Xy::new(11.0, 5.0)));
    }

    #[test]
    fn clockwise_input_is_normalised_and_closing_vertex_dropped() {
        let mut r = sq(10.0);
        r.reverse();
        r.push(r[0]);
        let p = Polygon::simple(&r).unwrap();
        assert_eq!(p.outer.len(), 4);
        assert!(ring_area(&p.outer) > 0.0);
    }

    #[test]
    fn bow_tie_and_degenerate_rings_are_refused() {
        let bow = vec![
            Xy::new(0.0, 0.0),
            Xy::new(10.0, 10.0),
            Xy::new(10.0, 0.0),
            Xy::new(0.0, 10.0),
        ];
        assert!(matches!(
            Polygon::simple(&bow),
            Err(PolygonError::SelfIntersecting(..))
        ));
        let line = vec![Xy::new(0.0, 0.0), Xy::new(1.0, 1.0), Xy::new(2.0, 2.0)];
        assert_eq!(Polygon::simple(&line), Err(PolygonError::NoArea));
        assert_eq!(
            Polygon::simple(&sq(1.0)[..2]),
            Err(PolygonError::TooFewVertices(2))
        );
        let spike = vec![
            Xy::new(0.0, 0.0),
            Xy::new(10.0, 0.0),
            Xy::new(5.0, 0.0),
            Xy::new(5.0, 5.0),
        ];
        assert!(Polygon::simple(&spike).is_err());
    }

    #[test]
    fn holes_must_be_inside_and_apart() {
        let out = vec![
            Xy::new(8.0, 8.0),
            Xy::new(12.0, 8.0),
            Xy::new(12.0, 12.0),
            Xy::new(8.0, 12.0),
        ];
        assert_eq!(
            Polygon::new(&sq(10.0), &[out]),
            Err(PolygonError::HoleOutside(1))
        );
    }

    #[test]
    fn interior_point_of_a_u_shape_is_inside() {
        let u = vec![
            Xy::new(0.0, 0.0),
            Xy::new(30.0, 0.0),
            Xy::new(30.0, 30.0),
            Xy::new(20.0, 30.0),
            Xy::new(20.0, 5.0),
            Xy::new(10.0, 5.0),
            Xy::new(10.0, 30.0),
            Xy::new(0.0, 30.0),
        ];
        let p = Polygon::simple(&u).unwrap();
        let c = p.interior_point();
        assert!(p.contains(c));
        assert!(p.boundary_distance(c) > 2.0);
    }

    #[test]
    fn segment_distance_is_zero_when_crossing() {
        let p = Polygon::simple(&sq(10.0)).unwrap();
        assert_eq!(
            p.segment_distance(Xy::new(-5.0, 5.0), Xy::new(15.0, 5.0)),
            0.0
        );
        assert!((p.segment_distance(Xy::new(-5.0, 15.0), Xy::new(15.0, 15.0)) - 5.0).abs() < 1e-9);
    }
}
