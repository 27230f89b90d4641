//! The camera's ground footprint: where the four corners of the picture (and its centre) land
//! on flat ground below the aircraft, from the aircraft's position and height, the gimbal's
//! attitude and the camera's field of view. The map draws it live for each aircraft. Rays at or
//! above the horizon are cut at [`MAX_RANGE_M`] so the footprint stays a drawable shape.

use crate::fleet::{Aircraft, GimbalAttitude, YawFrame};
use crate::geo::GeoPoint;

use super::state::FieldOfView;

/// Farthest a footprint corner is drawn, m.
pub const MAX_RANGE_M: f64 = 1500.0;

/// Metres per degree of latitude.
const M_PER_DEG: f64 = 111_320.0;

/// The picture's corners on the ground (top-left, top-right, bottom-right, bottom-left) and the
/// ground point in its centre (`None` when the centre is above the horizon).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Footprint {
    /// Corners, clockwise from the top-left of the picture.
    pub corners: [GeoPoint; 4],
    /// The centre of the picture on the ground.
    pub centre: Option<GeoPoint>,
}

fn offset(from: GeoPoint, north: f64, east: f64) -> GeoPoint {
    GeoPoint {
        lat: from.lat + north / M_PER_DEG,
        lon: from.lon + east / (M_PER_DEG * from.lat.to_radians().cos().max(1e-6)),
    }
}

/// Where the camera looks (degrees, yaw from north) and the tangents of its half fields of view.
#[derive(Clone, Copy)]
struct Lens {
    pitch: f64,
    yaw: f64,
    tan_h: f64,
    tan_v: f64,
}

/// Ground point of the picture point (`sx`, `sy`) in -1..1 (right, up), from height `h`, the
/// camera looking at `pitch`/`yaw` (degrees, yaw from north); clipped at [`MAX_RANGE_M`].
fn ray(at: GeoPoint, h: f64, lens: Lens, sx: f64, sy: f64) -> (GeoPoint, bool) {
    let Lens {
        pitch,
        yaw,
        tan_h,
        tan_v,
    } = lens;
    let (p, y) = (pitch.to_radians(), yaw.to_radians());
    let d = [p.cos() * y.cos(), p.cos() * y.sin(), p.sin()];
    let r = [-y.sin(), y.cos(), 0.0];
    let u = [
        d[1] * r[2] - d[2] * r[1],
        d[2] * r[0] - d[0] * r[2],
        d[0] * r[1] - d[1] * r[0],
    ];
    let v: Vec<f64> = (0..3)
        .map(|i| d[i] + sx * tan_h * r[i] + sy * tan_v * u[i])
        .collect();
    let horizontal = v[0].hypot(v[1]).max(1e-9);
    let reach = if v[2] < -1e-9 {
        (h / -v[2] * horizontal).min(MAX_RANGE_M)
    } else {
        MAX_RANGE_M
    };
    let hits = v[2] < -1e-9 && h / -v[2] * horizontal <= MAX_RANGE_M;
    (
        offset(at, v[0] / horizontal * reach, v[1] / horizontal * reach),
        hits,
    )
}

/// The footprint of `aircraft`'s camera pointing per `gimbal` with field of view `fov`; `None`
/// without a position or when the aircraft is on the ground.
pub fn footprint(
    aircraft: &Aircraft,
    gimbal: &GimbalAttitude,
    fov: &FieldOfView,
) -> Option<Footprint> {
    let at = aircraft.position?;
    let h = f64::from(aircraft.alt_rel_m);
    if !(h.is_finite() && h > 1.0) {
        return None;
    }
    let yaw = match gimbal.yaw_frame {
        YawFrame::Earth => gimbal.yaw_deg,
        YawFrame::Vehicle => gimbal.yaw_deg + f64::from(aircraft.heading_deg),
    };
    let tan_h = (fov.hfov_deg.to_radians() / 2.0).tan();
    let tan_v = (fov.vfov_deg.to_radians() / 2.0).tan();
    let lens = Lens {
        pitch: gimbal.pitch_deg,
        yaw,
        tan_h,
        tan_v,
    };
    let corner = |sx, sy| ray(at, h, lens, sx, sy).0;
    let (centre, hits) = ray(at, h, lens, 0.0, 0.0);
    Some(Footprint {
        corners: [
            corner(-1.0, 1.0),
            corner(1.0, 1.0),
            corner(1.0, -1.0),
            corner(-1.0, -1.0),
        ],
        centre: hits.then_some(centre),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn looking_down_gives_a_rectangle_under_the_aircraft() {
        let mut a = Aircraft::new(1, 1, Instant::now());
        a.position = Some(GeoPoint {
            lat: 36.0,
            lon: 116.0,
        });
        a.alt_rel_m = 100.0;
        let g = GimbalAttitude {
            roll_deg: 0.0,
            pitch_deg: -90.0,
            yaw_deg: 0.0,
            yaw_frame: YawFrame::Earth,
        };
        let fov = FieldOfView {
            hfov_deg: 90.0,
            vfov_deg: 90.0,
            camera: None,
            look_at: None,
        };
        let f = footprint(&a, &g, &fov).unwrap();
        let c = f.centre.unwrap();
        assert!((c.lat - 36.0).abs() < 1e-6 && (c.lon - 116.0).abs() < 1e-6);
        // 90° across from 100 m: 100 m each side.
        let half = 100.0 / M_PER_DEG;
        for p in f.corners {
            assert!(((p.lat - 36.0).abs() - half).abs() < 1e-5, "{p:?}");
        }
        // Level: the centre is above the horizon, the corners are clipped.
        let level = GimbalAttitude {
            pitch_deg: 0.0,
            ..g
        };
        let f = footprint(&a, &level, &fov).unwrap();
        assert!(f.centre.is_none());
    }
}
