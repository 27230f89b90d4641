//! Plane geometry for planning: a local east/north projection in metres around a reference point,
//! and the polygon tools patrol routes are built from (area, containment, intersections,
//! clearance along a line, inset). Everything works in metres on the local plane; only the edges
//! of the planner convert to and from latitude/longitude.

mod clip;
mod offset;
mod polygon;
mod projection;

pub use clip::{allowed_intervals, Interval};
pub use offset::inset_ring;
pub use polygon::{
    dist_point_segment, dist_segment_segment, ring_area, ring_contains, ring_self_intersection,
    segment_crossing, segments_intersect, Polygon, PolygonError,
};
pub use projection::{haversine_m, LocalFrame};

use std::ops::{Add, Mul, Neg, Sub};

/// A point or vector on the local plane: metres east (`x`) and north (`y`) of the reference.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Xy {
    /// Metres east.
    pub x: f64,
    /// Metres north.
    pub y: f64,
}

impl Xy {
    /// A point from its coordinates.
    pub const fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }

    /// Dot product.
    pub fn dot(self, o: Xy) -> f64 {
        self.x * o.x + self.y * o.y
    }

    /// z of the cross product: positive when `o` is counter-clockwise from `self`.
    pub fn cross(self, o: Xy) -> f64 {
        self.x * o.y - self.y * o.x
    }

    /// Length.
    pub fn len(self) -> f64 {
        self.x.hypot(self.y)
    }

    /// Distance to another point.
    pub fn dist(self, o: Xy) -> f64 {
        (self - o).len()
    }

    /// Unit vector in the same direction (zero stays zero).
    pub fn unit(self) -> Xy {
        let l = self.len();
        if l > 0.0 {
            self * (1.0 / l)
        } else {
            self
        }
    }

    /// Rotated 90° counter-clockwise (the left normal of a direction).
    pub fn perp(self) -> Xy {
        Xy::new(-self.y, self.x)
    }

    /// Rotated by `angle` radians counter-clockwise.
    pub fn rotate(self, angle: f64) -> Xy {
        let (s, c) = angle.sin_cos();
        Xy::new(self.x * c - self.y * s, self.x * s + self.y * c)
    }

    /// The point a fraction `t` of the way to `o`.
    pub fn lerp(self, o: Xy, t: f64) -> Xy {
        self + (o - self) * t
    }

    /// Both coordinates are finite numbers.
    pub fn is_finite(self) -> bool {
        self.x.is_finite() && self.y.is_finite()
    }
}

impl Add for Xy {
    type Output = Xy;
    fn add(self, o: Xy) -> Xy {
        Xy::new(self.x + o.x, self.y + o.y)
    }
}

impl Sub for Xy {
    type Output = Xy;
    fn sub(self, o: Xy) -> Xy {
        Xy::new(self.x - o.x, self.y - o.y)
    }
}

impl Mul<f64> for Xy {
    type Output = Xy;
    fn mul(self, k: f64) -> Xy {
        Xy::new(self.x * k, self.y * k)
    }
}

impl Neg for Xy {
    type Output = Xy;
    fn neg(self) -> Xy {
        Xy::new(-self.x, -self.y)
    }
}

/// Length of a polyline, metres.
pub fn path_length(points: &[Xy]) -> f64 {
    points.windows(2).map(|w| w[0].dist(w[1])).sum()
}
