//! The ground the simulated cameras look at: a road grid, grass with a faint 10 m chequer (so
//! that slewing is visible), and moving targets (a walking person, a driving car) whose true
//! positions are a function of simulated time, so that tests can compare what the station
//! computes with the truth. [`CameraView`] is one camera's pose and field of view; it projects
//! ground points into the picture and back, and [`render_i420`] draws what it sees.
//!
//! Local coordinates are metres north and east of the simulator's origin (aircraft 0's home),
//! heights are metres above that ground.

/// Spacing of the road grid, m.
pub const ROAD_SPACING_M: f64 = 100.0;
/// Width of a road, m.
pub const ROAD_WIDTH_M: f64 = 8.0;
/// North offset of the first east-west road, m.
const ROAD_NORTH_0: f64 = 60.0;
/// East offset of the first north-south road, m.
const ROAD_EAST_0: f64 = -50.0;

/// What kind of thing a target is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// A walking person (drawn as a 1 m red square seen from above).
    Person,
    /// A driving car (drawn as a 2 × 4.5 m blue rectangle).
    Car,
}

/// A moving thing on the ground at one instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    /// What it is.
    pub kind: TargetKind,
    /// Metres north of the origin.
    pub north: f64,
    /// Metres east of the origin.
    pub east: f64,
    /// Half its extent north-south, m.
    pub half_n: f64,
    /// Half its extent east-west, m.
    pub half_e: f64,
}

impl Target {
    /// RGB colour it is drawn in.
    pub fn rgb(&self) -> [u8; 3] {
        match self.kind {
            TargetKind::Person => [230, 20, 20],
            TargetKind::Car => [20, 40, 230],
        }
    }

    fn contains(&self, n: f64, e: f64) -> bool {
        (n - self.north).abs() <= self.half_n && (e - self.east).abs() <= self.half_e
    }
}

/// The person walks back and forth on an east-west line 40 m north of the origin, 1.4 m/s,
/// between 25 m west and 25 m east.
pub fn person(t: f64) -> Target {
    let span = 50.0;
    let speed = 1.4;
    let d = (t * speed).rem_euclid(2.0 * span);
    let along = if d < span { d } else { 2.0 * span - d };
    Target {
        kind: TargetKind::Person,
        north: 40.0,
        east: -25.0 + along,
        half_n: 0.5,
        half_e: 0.5,
    }
}

/// The car drives round the block whose corners are road crossings (north 60..160, east
/// -50..50), 8 m/s, anticlockwise seen from above, starting at the south-west corner.
pub fn car(t: f64) -> Target {
    let side = ROAD_SPACING_M;
    let speed = 8.0;
    let d = (t * speed).rem_euclid(4.0 * side);
    let (n0, e0) = (ROAD_NORTH_0, ROAD_EAST_0);
    let (north, east, along_n) = if d < side {
        (n0, e0 + d, false)
    } else if d < 2.0 * side {
        (n0 + (d - side), e0 + side, true)
    } else if d < 3.0 * side {
        (n0 + side, e0 + side - (d - 2.0 * side), false)
    } else {
        (n0 + side - (d - 3.0 * side), e0, true)
    };
    let (half_n, half_e) = if along_n { (2.25, 1.0) } else { (1.0, 2.25) };
    Target {
        kind: TargetKind::Car,
        north,
        east,
        half_n,
        half_e,
    }
}

/// Every target at simulated time `t`.
pub fn targets(t: f64) -> [Target; 2] {
    [person(t), car(t)]
}

/// One camera's pose and lens: where it is, where it looks, how wide.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CameraView {
    /// Metres north of the origin.
    pub north: f64,
    /// Metres east of the origin.
    pub east: f64,
    /// Height above the ground, m.
    pub height: f64,
    /// Where the optical axis points, degrees clockwise from north.
    pub yaw_deg: f64,
    /// Optical axis above the horizon, degrees (-90 straight down).
    pub pitch_deg: f64,
    /// Horizontal field of view, degrees.
    pub hfov_deg: f64,
    /// Picture width / height.
    pub aspect: f64,
    /// Simulated time the pose is for (the targets are drawn where they are then), s.
    pub t: f64,
}

type V3 = [f64; 3];

fn cross(a: V3, b: V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

impl CameraView {
    /// Vertical field of view, degrees.
    pub fn vfov_deg(&self) -> f64 {
        let h = (self.hfov_deg.to_radians() / 2.0).tan() / self.aspect.max(1e-6);
        2.0 * h.atan().to_degrees()
    }

    /// Forward, right and up unit vectors of the camera in (north, east, up).
    fn axes(&self) -> (V3, V3, V3) {
        let (p, y) = (self.pitch_deg.to_radians(), self.yaw_deg.to_radians());
        let d = [p.cos() * y.cos(), p.cos() * y.sin(), p.sin()];
        let r = [-y.sin(), y.cos(), 0.0];
        let u = cross(d, r);
        (d, r, u)
    }

    fn tans(&self) -> (f64, f64) {
        let th = (self.hfov_deg.to_radians() / 2.0).tan();
        (th, th / self.aspect.max(1e-6))
    }

    /// Where the ray through picture point (`x`, `y`) (0..1 from the top-left corner) meets
    /// the ground, as (north, east); `None` above the horizon.
    pub fn ground_at(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let (d, r, u) = self.axes();
        let (th, tv) = self.tans();
        let sx = (2.0 * x - 1.0) * th;
        let sy = (1.0 - 2.0 * y) * tv;
        let ray = [
            d[0] + sx * r[0] + sy * u[0],
            d[1] + sx * r[1] + sy * u[1],
            d[2] + sx * r[2] + sy * u[2],
        ];
        if ray[2] >= -1e-9 {
            return None;
        }
        let s = self.height / -ray[2];
        Some((self.north + s * ray[0], self.east + s * ray[1]))
    }

    /// Where ground point (`north`, `east`) appears in the picture (0..1 from the top-left;
    /// outside 0..1 when out of frame); `None` behind the camera.
    pub fn project(&self, north: f64, east: f64) -> Option<(f64, f64)> {
        let (d, r, u) = self.axes();
        let (th, tv) = self.tans();
        let v = [north - self.north, east - self.east, -self.height];
        let z = dot(v, d);
        if z <= 1e-6 {
            return None;
        }
        let sx = dot(v, r) / z / th;
        let sy = dot(v, u) / z / tv;
        Some(((sx + 1.0) / 2.0, (1.0 - sy) / 2.0))
    }
}

/// Gimbal angles (pitch, yaw from north; degrees) that put ground point (`north`, `east`) in
/// the centre of the picture of a camera at (`from_n`, `from_e`, `height`).
pub fn aim_at(from_n: f64, from_e: f64, height: f64, north: f64, east: f64) -> (f64, f64) {
    let dn = north - from_n;
    let de = east - from_e;
    let dist = dn.hypot(de);
    let pitch = (-height).atan2(dist.max(1e-6)).to_degrees();
    let yaw = de.atan2(dn).to_degrees();
    (pitch, yaw)
}

fn road(x: f64, offset: f64) -> bool {
    let m = (x - offset).rem_euclid(ROAD_SPACING_M);
    !(ROAD_WIDTH_M / 2.0..=ROAD_SPACING_M - ROAD_WIDTH_M / 2.0).contains(&m)
}

/// The colour of the ground at (`north`, `east`) with `targets` on it.
pub fn ground_rgb(north: f64, east: f64, targets: &[Target]) -> [u8; 3] {
    for t in targets {
        if t.contains(north, east) {
            return t.rgb();
        }
    }
    let ns = road(north, ROAD_NORTH_0);
    let ew = road(east, ROAD_EAST_0);
    if ns || ew {
        // A dashed white centre line on each road.
        let centre_n = ((north - ROAD_NORTH_0).rem_euclid(ROAD_SPACING_M) - 0.0).abs() < 0.15
            && (east.rem_euclid(6.0) < 3.0)
            && !ew;
        let centre_e = ((east - ROAD_EAST_0).rem_euclid(ROAD_SPACING_M)).abs() < 0.15
            && (north.rem_euclid(6.0) < 3.0)
            && !ns;
        if centre_n || centre_e {
            return [230, 230, 230];
        }
        return [105, 105, 110];
    }
    let chequer = ((north / 10.0).floor() as i64 + (east / 10.0).floor() as i64) & 1 == 0;
    if chequer {
        [70, 130, 60]
    } else {
        [85, 145, 70]
    }
}

const SKY: [u8; 3] = [150, 190, 235];

fn yuv(c: [u8; 3]) -> (u8, u8, u8) {
    let [r, g, b] = c.map(f64::from);
    let y = 16.0 + 0.257 * r + 0.504 * g + 0.098 * b;
    let u = 128.0 - 0.148 * r - 0.291 * g + 0.439 * b;
    let v = 128.0 + 0.439 * r - 0.368 * g - 0.071 * b;
    (y as u8, u as u8, v as u8)
}

/// Draws what `view` sees into an I420 picture of `width` × `height` (both even): `buf` holds
/// the Y plane then the U and V planes, `width * height * 3 / 2` bytes.
pub fn render_i420(view: &CameraView, width: usize, height: usize, buf: &mut [u8]) {
    let need = width * height * 3 / 2;
    if buf.len() < need || width < 2 || height < 2 {
        return;
    }
    let targets = targets(view.t);
    let (d, r, u) = view.axes();
    let (th, tv) = view.tans();
    let (yp, rest) = buf.split_at_mut(width * height);
    let (up, vp) = rest.split_at_mut(width * height / 4);
    let cw = width / 2;
    for row in 0..height {
        let sy = (1.0 - 2.0 * (row as f64 + 0.5) / height as f64) * tv;
        let base = [d[0] + sy * u[0], d[1] + sy * u[1], d[2] + sy * u[2]];
        for col in 0..width {
            let sx = (2.0 * (col as f64 + 0.5) / width as f64 - 1.0) * th;
            let rz = base[2] + sx * r[2];
            let rgb = if rz >= -1e-9 {
                SKY
            } else {
                let s = view.height / -rz;
                let n = view.north + s * (base[0] + sx * r[0]);
                let e = view.east + s * (base[1] + sx * r[1]);
                ground_rgb(n, e, &targets)
            };
            let (y, cu, cv) = yuv(rgb);
            yp[row * width + col] = y;
            if row % 2 == 0 && col % 2 == 0 {
                let i = (row / 2) * cw + col / 2;
                up[i] = cu;
                vp[i] = cv;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> CameraView {
        CameraView {
            north: 0.0,
            east: 0.0,
            height: 30.0,
            yaw_deg: 0.0,
            pitch_deg: -45.0,
            hfov_deg: 60.0,
            aspect: 16.0 / 9.0,
            t: 0.0,
        }
    }

    #[test]
    fn centre_ray_and_projection_agree() {
        let v = view();
        let (n, e) = v.ground_at(0.5, 0.5).unwrap();
        assert!((n - 30.0).abs() < 1e-6 && e.abs() < 1e-6, "{n} {e}");
        let (x, y) = v.project(n, e).unwrap();
        assert!((x - 0.5).abs() < 1e-9 && (y - 0.5).abs() < 1e-9);
        // A point to the east appears right of centre, a farther one higher up.
        let (x, _) = v.project(30.0, 5.0).unwrap();
        assert!(x > 0.5);
        let (_, y) = v.project(40.0, 0.0).unwrap();
        assert!(y < 0.5);
        // Round trip anywhere in the picture.
        let (n, e) = v.ground_at(0.2, 0.8).unwrap();
        let (x, y) = v.project(n, e).unwrap();
        assert!((x - 0.2).abs() < 1e-9 && (y - 0.8).abs() < 1e-9);
        // Looking level, the top half is sky.
        let level = CameraView {
            pitch_deg: 0.0,
            ..v
        };
        assert!(level.ground_at(0.5, 0.2).is_none());
    }

    #[test]
    fn aiming_centres_the_point() {
        let (p, y) = aim_at(0.0, 0.0, 30.0, 40.0, 10.0);
        let v = CameraView {
            pitch_deg: p,
            yaw_deg: y,
            ..view()
        };
        let (x, yy) = v.project(40.0, 10.0).unwrap();
        assert!((x - 0.5).abs() < 1e-9 && (yy - 0.5).abs() < 1e-9);
    }

    #[test]
    fn targets_move_and_are_drawn() {
        assert_ne!(person(0.0).east, person(10.0).east);
        assert_ne!(car(0.0), car(5.0));
        let p = person(3.0);
        assert_eq!(ground_rgb(p.north, p.east, &targets(3.0)), p.rgb());
        let (w, h) = (320, 180);
        let mut buf = vec![0u8; w * h * 3 / 2];
        let v = CameraView {
            north: p.north - 30.0,
            east: p.east,
            t: 3.0,
            ..view()
        };
        render_i420(&v, w, h, &mut buf);
        // The centre pixel shows the red person: high V (red chroma).
        let centre_v = buf[w * h + w * h / 4 + (h / 4) * (w / 2) + w / 4];
        assert!(centre_v > 200, "V = {centre_v}");
    }
}
