//! Going around no-fly zones: a leg is clear when it keeps a margin from every zone; when it
//! is not, the shortest way around runs along the zones' inflated boundaries (a visibility graph
//! over points a margin outside each convex corner, searched with Dijkstra).

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::OnceLock;

use crate::plan::geo::{Polygon, Xy};

/// Nodes sit this much farther out than the margin, so legs between them are clearly clear.
const NODE_SLACK: f64 = 1.02;

/// No-fly zones on the local plane and the graph for getting around them.
#[derive(Debug)]
pub struct NoFlyMap {
    zones: Vec<Polygon>,
    boxes: Vec<(Xy, Xy)>,
    margin: f64,
    nodes: Vec<Xy>,
    graph: OnceLock<Vec<Vec<(usize, f64)>>>,
}

#[derive(PartialEq)]
struct Item(f64, usize);
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Item {
    fn cmp(&self, o: &Self) -> Ordering {
        o.0.total_cmp(&self.0).then(o.1.cmp(&self.1))
    }
}

impl NoFlyMap {
    /// Zones (holes are ignored: a no-fly zone is its outer boundary) with the clearance legs
    /// must keep, metres.
    pub fn new(zones: Vec<Polygon>, margin: f64) -> Self {
        let margin = margin.max(0.0);
        let zones: Vec<Polygon> = zones
            .into_iter()
            .map(|z| Polygon {
                outer: z.outer,
                holes: Vec::new(),
            })
            .collect();
        let boxes = zones.iter().map(Polygon::bbox).collect();
        let mut map = Self {
            zones,
            boxes,
            margin,
            nodes: Vec::new(),
            graph: OnceLock::new(),
        };
        let out = margin * NODE_SLACK + 0.5;
        let mut nodes = Vec::new();
        for z in &map.zones {
            let r = &z.outer;
            let n = r.len();
            for i in 0..n {
                let u0 = (r[i] - r[(i + n - 1) % n]).unit();
                let u1 = (r[(i + 1) % n] - r[i]).unit();
                let turn = u0.cross(u1);
                if turn <= 1e-9 {
                    continue; // reflex or straight: shortest paths never bend there
                }
                let n0 = -u0.perp();
                let a0 = n0.y.atan2(n0.x);
                let delta = turn.atan2(u0.dot(u1));
                let k = (delta / std::f64::consts::FRAC_PI_4).ceil().max(1.0) as usize;
                let step = delta / k as f64;
                let radius = out / (step / 2.0).cos();
                for j in 0..=k {
                    let a = a0 + step * j as f64;
                    nodes.push(r[i] + Xy::new(a.cos(), a.sin()) * radius);
                }
            }
        }
        nodes.retain(|p| map.clearance(*p) >= margin);
        map.nodes = nodes;
        map
    }

    /// No zones at all.
    pub fn empty() -> Self {
        Self::new(Vec::new(), 0.0)
    }

    /// The zones.
    pub fn zones(&self) -> &[Polygon] {
        &self.zones
    }

    /// The clearance legs keep from zones, metres.
    pub fn margin(&self) -> f64 {
        self.margin
    }

    /// Distance from `p` to the nearest zone (zero inside one; infinite without zones).
    pub fn clearance(&self, p: Xy) -> f64 {
        self.zones
            .iter()
            .map(|z| z.point_distance(p))
            .fold(f64::INFINITY, f64::min)
    }

    /// The zone `p` lies in, if any.
    pub fn zone_containing(&self, p: Xy) -> Option<usize> {
        self.zones
            .iter()
            .position(|z| crate::plan::geo::ring_contains(&z.outer, p))
    }

    /// Whether the straight leg `a`→`b` keeps `need` metres from every zone.
    fn leg_keeps(&self, a: Xy, b: Xy, need: f64) -> bool {
        let (lo, hi) = (
            Xy::new(a.x.min(b.x), a.y.min(b.y)),
            Xy::new(a.x.max(b.x), a.y.max(b.y)),
        );
        for (z, (zlo, zhi)) in self.zones.iter().zip(&self.boxes) {
            if hi.x < zlo.x - need
                || lo.x > zhi.x + need
                || hi.y < zlo.y - need
                || lo.y > zhi.y + need
            {
                continue;
            }
            if crate::plan::geo::ring_contains(&z.outer, a) {
                return false;
            }
            let r = &z.outer;
            let n = r.len();
            for i in 0..n {
                if crate::plan::geo::dist_segment_segment(a, b, r[i], r[(i + 1) % n]) < need {
                    return false;
                }
            }
        }
        true
    }

    /// Whether the straight leg `a`→`b` keeps the margin from every zone (or, for an end that is
    /// itself closer than the margin but outside, at least that end's clearance).
    pub fn leg_clear(&self, a: Xy, b: Xy) -> bool {
        if self.zones.is_empty() {
            return true;
        }
        let need = self.margin.min(self.clearance(a)).min(self.clearance(b)) * (1.0 - 1e-6);
        if need <= 0.0 {
            // An end on or inside a zone: only a leg that stays outside every zone passes.
            return self.zone_containing(a).is_none()
                && self.zone_containing(b).is_none()
                && self.leg_keeps(a, b, 1e-9);
        }
        self.leg_keeps(a, b, need)
    }

    fn graph(&self) -> &Vec<Vec<(usize, f64)>> {
        self.graph.get_or_init(|| {
            let n = self.nodes.len();
            let mut g = vec![Vec::new(); n];
            for i in 0..n {
                for j in i + 1..n {
                    let (a, b) = (self.nodes[i], self.nodes[j]);
                    if self.leg_keeps(a, b, self.margin * (1.0 - 1e-6)) {
                        let d = a.dist(b);
                        g[i].push((j, d));
                        g[j].push((i, d));
                    }
                }
            }
            g
        })
    }

    /// Shortest-path distances from `p` to every graph node (infinite when unreachable).
    fn node_distances(&self, p: Xy) -> (Vec<f64>, Vec<usize>) {
        let n = self.nodes.len();
        let g = self.graph();
        let mut dist = vec![f64::INFINITY; n];
        let mut prev = vec![usize::MAX; n];
        let mut heap = BinaryHeap::new();
        for (i, q) in self.nodes.iter().enumerate() {
            if self.leg_clear(p, *q) {
                dist[i] = p.dist(*q);
                heap.push(Item(dist[i], i));
            }
        }
        while let Some(Item(d, i)) = heap.pop() {
            if d > dist[i] {
                continue;
            }
            for &(j, w) in &g[i] {
                let nd = d + w;
                if nd < dist[j] {
                    dist[j] = nd;
                    prev[j] = i;
                    heap.push(Item(nd, j));
                }
            }
        }
        (dist, prev)
    }

    /// The shortest way from `a` to `b` keeping clear of zones, both ends included; `None` when
    /// the zones close every way.
    pub fn path(&self, a: Xy, b: Xy) -> Option<Vec<Xy>> {
        if self.leg_clear(a, b) {
            return Some(vec![a, b]);
        }
        let (dist, prev) = self.node_distances(a);
        let mut best = (f64::INFINITY, usize::MAX);
        for (i, q) in self.nodes.iter().enumerate() {
            if dist[i].is_finite() {
                let d = dist[i] + q.dist(b);
                if d < best.0 && self.leg_clear(*q, b) {
                    best = (d, i);
                }
            }
        }
        if best.1 == usize::MAX {
            return None;
        }
        let mut chain = vec![b];
        let mut i = best.1;
        while i != usize::MAX {
            chain.push(self.nodes[i]);
            i = prev[i];
        }
        chain.push(a);
        chain.reverse();
        Some(chain)
    }

    /// Length of the shortest clear way between each pair of `points` (infinite when blocked).
    pub fn distance_matrix(&self, points: &[Xy]) -> Vec<Vec<f64>> {
        let n = points.len();
        let mut m = vec![vec![0.0; n]; n];
        let mut from_node: Vec<Option<Vec<f64>>> = vec![None; n];
        for i in 0..n {
            for j in i + 1..n {
                let (a, b) = (points[i], points[j]);
                let d = if self.leg_clear(a, b) {
                    a.dist(b)
                } else {
                    let dist = from_node[i].get_or_insert_with(|| self.node_distances(a).0);
                    self.nodes
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| dist[*k].is_finite())
                        .map(|(k, q)| (dist[k] + q.dist(b), *q))
                        .filter(|(_, q)| self.leg_clear(*q, b))
                        .map(|(d, _)| d)
                        .fold(f64::INFINITY, f64::min)
                };
                m[i][j] = d;
                m[j][i] = d;
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, s: f64) -> Polygon {
        Polygon::simple(&[
            Xy::new(x0, y0),
            Xy::new(x0 + s, y0),
            Xy::new(x0 + s, y0 + s),
            Xy::new(x0, y0 + s),
        ])
        .unwrap()
    }

    #[test]
    fn blocked_leg_goes_around_with_the_margin() {
        let map = NoFlyMap::new(vec![square(-50.0, -50.0, 100.0)], 10.0);
        let (a, b) = (Xy::new(-200.0, 0.0), Xy::new(200.0, 0.0));
        assert!(!map.leg_clear(a, b));
        let path = map.path(a, b).unwrap();
        assert!(path.len() > 2);
        for w in path.windows(2) {
            assert!(map.zones()[0].segment_distance(w[0], w[1]) >= 9.99, "{w:?}");
        }
        let len: f64 = path.windows(2).map(|w| w[0].dist(w[1])).sum();
        // Around a 100 m square with 10 m margin: about 2*150 + 2*60 = 420 m or a bit more.
        assert!(len > 400.0 && len < 470.0, "{len}");
        let m = map.distance_matrix(&[a, b, Xy::new(0.0, 300.0)]);
        assert!((m[0][1] - len).abs() < 1e-6);
        assert!((m[0][2] - a.dist(Xy::new(0.0, 300.0))).abs() < 1e-9);
    }

    #[test]
    fn enclosed_point_has_no_way_out() {
        // A ring of four zones leaving no gap wider than twice the margin.
        let z: Vec<Polygon> = vec![
            Polygon::simple(&[
                Xy::new(-100.0, -100.0),
                Xy::new(100.0, -100.0),
                Xy::new(100.0, -90.0),
                Xy::new(-100.0, -90.0),
            ])
            .unwrap(),
            Polygon::simple(&[
                Xy::new(-100.0, 90.0),
                Xy::new(100.0, 90.0),
                Xy::new(100.0, 100.0),
                Xy::new(-100.0, 100.0),
            ])
            .unwrap(),
            Polygon::simple(&[
                Xy::new(-100.0, -100.0),
                Xy::new(-90.0, -100.0),
                Xy::new(-90.0, 100.0),
                Xy::new(-100.0, 100.0),
            ])
            .unwrap(),
            Polygon::simple(&[
                Xy::new(90.0, -100.0),
                Xy::new(100.0, -100.0),
                Xy::new(100.0, 100.0),
                Xy::new(90.0, 100.0),
            ])
            .unwrap(),
        ];
        let map = NoFlyMap::new(z, 5.0);
        assert!(map.path(Xy::new(0.0, 0.0), Xy::new(500.0, 0.0)).is_none());
    }
}
