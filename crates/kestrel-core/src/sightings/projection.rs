//! Pixel to ground: where on the ground a point picked in the video is. The ray through the pixel
//! (pinhole camera with the given fields of view) is turned by the camera's attitude — a
//! stabilised gimbal (MOUNT_STATUS / GIMBAL_DEVICE_ATTITUDE_STATUS) or a camera fixed to the
//! airframe at a configured pitch — and intersected with the flat ground plane at home altitude.
//! The error estimate combines the aircraft's position and height errors with the attitude error,
//! which dominates near the horizon.
//!
//! Frames: NED (x north, y east, z down) for the world; for the camera, x along the optical axis,
//! y to the image's right, z to the image's bottom. Angles follow MAVLink: pitch up positive, roll
//! right-wing-down positive, yaw clockwise from north.

use super::model::Position;
pub use crate::fleet::gimbal::{GimbalAttitude, YawFrame};
use crate::fleet::Aircraft;

/// Farthest ground point accepted, metres: beyond it a degree of attitude error moves the point
/// by hundreds of metres, so the answer would mislead.
pub const MAX_RANGE_M: f64 = 5000.0;

/// WGS84 semi-major axis, metres.
const WGS84_A: f64 = 6_378_137.0;
/// WGS84 first eccentricity squared.
const WGS84_E2: f64 = 6.694_379_990_14e-3;

/// The camera: fields of view and image size.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CameraModel {
    /// Horizontal field of view, degrees.
    pub hfov_deg: f64,
    /// Vertical field of view, degrees.
    pub vfov_deg: f64,
    /// Image width, pixels.
    pub width_px: u32,
    /// Image height, pixels.
    pub height_px: u32,
}

impl CameraModel {
    /// A camera with square pixels: the vertical field of view follows from the aspect ratio.
    pub fn from_hfov(hfov_deg: f64, width_px: u32, height_px: u32) -> Self {
        let half =
            (hfov_deg.to_radians() / 2.0).tan() * f64::from(height_px) / f64::from(width_px.max(1));
        Self {
            hfov_deg,
            vfov_deg: (2.0 * half.atan()).to_degrees(),
            width_px,
            height_px,
        }
    }

    fn validate(&self) -> Result<(), ProjectionError> {
        for (what, fov) in [("horizontal", self.hfov_deg), ("vertical", self.vfov_deg)] {
            if !fov.is_finite() || fov <= 0.0 || fov >= 179.0 {
                return Err(ProjectionError::BadInput(format!(
                    "{what} field of view {fov}° must be between 0 and 179 degrees"
                )));
            }
        }
        if self.width_px == 0 || self.height_px == 0 {
            return Err(ProjectionError::BadInput(
                "image size must not be zero".into(),
            ));
        }
        Ok(())
    }
}

/// How the camera is carried.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Mount {
    /// On a stabilised gimbal with this attitude.
    Gimbal(GimbalAttitude),
    /// Bolted to the airframe at this pitch (degrees, negative looks down); the aircraft's roll
    /// and pitch tilt it.
    Fixed {
        /// Pitch relative to the airframe, degrees.
        pitch_deg: f64,
    },
}

/// Where the camera is and how it points.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CameraPose {
    /// Aircraft latitude, degrees.
    pub lat: f64,
    /// Aircraft longitude, degrees.
    pub lon: f64,
    /// Height above the home-altitude ground plane, metres (MAVLink's relative altitude).
    pub height_m: f64,
    /// Home altitude above mean sea level, when known: the ground point's altitude.
    pub home_alt_amsl_m: Option<f64>,
    /// Aircraft roll, degrees.
    pub roll_deg: f64,
    /// Aircraft pitch, degrees.
    pub pitch_deg: f64,
    /// Aircraft yaw (heading), degrees clockwise from north.
    pub yaw_deg: f64,
    /// The camera mount.
    pub mount: Mount,
}

impl CameraPose {
    /// The pose of `aircraft`'s camera on `mount`, from its latest telemetry.
    pub fn from_aircraft(aircraft: &Aircraft, mount: Mount) -> Result<Self, ProjectionError> {
        let p = aircraft.position.ok_or_else(|| {
            ProjectionError::BadInput(format!("aircraft {} has no position yet", aircraft.sysid))
        })?;
        let home_alt = aircraft
            .home
            .map(|h| f64::from(h.alt_amsl_m))
            .unwrap_or_else(|| f64::from(aircraft.alt_amsl_m - aircraft.alt_rel_m));
        let [roll, pitch, yaw] = aircraft.attitude_deg.map(f64::from);
        Ok(Self {
            lat: p.lat,
            lon: p.lon,
            height_m: f64::from(aircraft.alt_rel_m),
            home_alt_amsl_m: Some(home_alt),
            roll_deg: roll,
            pitch_deg: pitch,
            yaw_deg: yaw,
            mount,
        })
    }
}

/// One-sigma-like uncertainties of the inputs; the error estimate is at the same confidence.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Uncertainty {
    /// Aircraft horizontal position error, metres (GNSS).
    pub position_m: f64,
    /// Height-above-ground error, metres (barometer drift, terrain not flat).
    pub height_m: f64,
    /// Camera pointing error, degrees (gimbal encoders, AHRS, mounting).
    pub angle_deg: f64,
    /// How precisely the pixel was picked, pixels.
    pub pixel: f64,
}

impl Default for Uncertainty {
    fn default() -> Self {
        Self {
            position_m: 3.0,
            height_m: 2.0,
            angle_deg: 1.5,
            pixel: 5.0,
        }
    }
}

/// A projected ground point.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct GroundPoint {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Altitude above mean sea level (the home altitude), when known.
    pub alt_m: Option<f64>,
    /// Metres north of the aircraft.
    pub north_m: f64,
    /// Metres east of the aircraft.
    pub east_m: f64,
    /// Horizontal distance from the aircraft, metres.
    pub distance_m: f64,
    /// Estimated horizontal error, metres.
    pub error_m: f64,
}

impl GroundPoint {
    /// As a sighting position (the error becomes its accuracy).
    pub fn position(&self) -> Position {
        Position {
            lat: self.lat,
            lon: self.lon,
            alt_m: self.alt_m,
            accuracy_m: Some(self.error_m),
        }
    }
}

/// Why a pixel has no ground point; each message says what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProjectionError {
    /// The ray through the pixel points at the sky.
    #[error("the picked point is {elevation_deg:.1}° above the horizon, so it never meets the ground; pick a point below the horizon")]
    AboveHorizon {
        /// How far above the horizon the ray points, degrees.
        elevation_deg: f64,
    },
    /// Near the horizon, where a tiny angle error is hundreds of metres on the ground.
    #[error("the picked point is {distance_m:.0} m away, beyond the {max_m:.0} m where a video position is meaningful; pick a closer point or mark it on the map")]
    TooFar {
        /// Ground distance from the aircraft to the projected point, metres.
        distance_m: f64,
        /// The largest distance accepted, metres.
        max_m: f64,
    },
    /// The pixel is not in the picture.
    #[error("pixel ({x}, {y}) is outside the {width}x{height} image")]
    OutsideImage {
        /// The pixel's column.
        x: f64,
        /// The pixel's row.
        y: f64,
        /// The picture's width in pixels.
        width: u32,
        /// The picture's height in pixels.
        height: u32,
    },
    /// Position, attitude or camera values that cannot be used (NaN, no fix).
    #[error("cannot project: {0}")]
    BadInput(String),
}

type Mat = [[f64; 3]; 3];

fn mul(a: &Mat, b: &Mat) -> Mat {
    let mut m = [[0.0; 3]; 3];
    for (i, row) in m.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    m
}

fn apply(m: &Mat, v: [f64; 3]) -> [f64; 3] {
    [0, 1, 2].map(|i| m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2])
}

/// Rotation from a frame with the given roll, pitch, yaw (degrees, ZYX order) to NED.
fn rotation(roll_deg: f64, pitch_deg: f64, yaw_deg: f64) -> Mat {
    let (sr, cr) = roll_deg.to_radians().sin_cos();
    let (sp, cp) = pitch_deg.to_radians().sin_cos();
    let (sy, cy) = yaw_deg.to_radians().sin_cos();
    let rz = [[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]];
    let ry = [[cp, 0.0, sp], [0.0, 1.0, 0.0], [-sp, 0.0, cp]];
    let rx = [[1.0, 0.0, 0.0], [0.0, cr, -sr], [0.0, sr, cr]];
    mul(&mul(&rz, &ry), &rx)
}

/// Rotation from the camera frame to NED.
fn camera_to_ned(pose: &CameraPose) -> Mat {
    match pose.mount {
        Mount::Gimbal(g) => {
            let yaw = match g.yaw_frame {
                YawFrame::Vehicle => pose.yaw_deg + g.yaw_deg,
                YawFrame::Earth => g.yaw_deg,
            };
            rotation(g.roll_deg, g.pitch_deg, yaw)
        }
        Mount::Fixed { pitch_deg } => mul(
            &rotation(pose.roll_deg, pose.pitch_deg, pose.yaw_deg),
            &rotation(0.0, pitch_deg, 0.0),
        ),
    }
}

/// Metres north/east of (lat, lon) to degrees, on the WGS84 ellipsoid's local tangent plane.
pub fn offset_to_degrees(lat_deg: f64, north_m: f64, east_m: f64) -> (f64, f64) {
    let s = lat_deg.to_radians().sin();
    let w = 1.0 - WGS84_E2 * s * s;
    let prime_vertical = WGS84_A / w.sqrt();
    let meridional = WGS84_A * (1.0 - WGS84_E2) / (w * w.sqrt());
    let dlat = (north_m / meridional).to_degrees();
    let dlon = (east_m / (prime_vertical * lat_deg.to_radians().cos())).to_degrees();
    (dlat, dlon)
}

/// Projects pixel (`x`, `y`) (from the image's top-left corner) onto the home-altitude ground
/// plane, with an error estimate.
pub fn project_pixel(
    pose: &CameraPose,
    camera: &CameraModel,
    x: f64,
    y: f64,
    uncertainty: &Uncertainty,
) -> Result<GroundPoint, ProjectionError> {
    camera.validate()?;
    let (w, h) = (f64::from(camera.width_px), f64::from(camera.height_px));
    if !(x.is_finite() && y.is_finite() && (0.0..=w).contains(&x) && (0.0..=h).contains(&y)) {
        return Err(ProjectionError::OutsideImage {
            x,
            y,
            width: camera.width_px,
            height: camera.height_px,
        });
    }
    if !pose.lat.is_finite() || pose.lat.abs() > 89.0 || !pose.lon.is_finite() {
        return Err(ProjectionError::BadInput(format!(
            "aircraft position {}, {} is not usable",
            pose.lat, pose.lon
        )));
    }
    if !pose.height_m.is_finite() || pose.height_m <= 0.0 {
        return Err(ProjectionError::BadInput(format!(
            "the aircraft is {:.1} m above home; it must be above the ground to project a pixel",
            pose.height_m
        )));
    }
    let fx = (w / 2.0) / (camera.hfov_deg.to_radians() / 2.0).tan();
    let fy = (h / 2.0) / (camera.vfov_deg.to_radians() / 2.0).tan();
    let ray_cam = [1.0, (x - w / 2.0) / fx, (y - h / 2.0) / fy];
    let d = apply(&camera_to_ned(pose), ray_cam);
    let horizontal = d[0].hypot(d[1]);
    // Depression below the horizon, radians (positive looks down).
    let depression = d[2].atan2(horizontal);
    if depression <= 0.0 {
        return Err(ProjectionError::AboveHorizon {
            elevation_deg: -depression.to_degrees(),
        });
    }
    let t = pose.height_m / d[2];
    let (north, east) = (t * d[0], t * d[1]);
    let distance = north.hypot(east);
    if distance > MAX_RANGE_M {
        return Err(ProjectionError::TooFar {
            distance_m: distance,
            max_m: MAX_RANGE_M,
        });
    }
    // Error: along the ray's bearing from a pointing error (h / sin²δ per radian), across it
    // (distance per radian), from the height error (distance / height per metre), plus the
    // aircraft's own position error.
    let angle =
        uncertainty.angle_deg.to_radians() + uncertainty.pixel * camera.hfov_deg.to_radians() / w;
    let along = pose.height_m * angle / depression.sin().powi(2);
    let across = distance * angle;
    let from_height = distance * uncertainty.height_m / pose.height_m;
    let error =
        (uncertainty.position_m.powi(2) + along.powi(2) + across.powi(2) + from_height.powi(2))
            .sqrt();
    let (dlat, dlon) = offset_to_degrees(pose.lat, north, east);
    Ok(GroundPoint {
        lat: pose.lat + dlat,
        lon: pose.lon + dlon,
        alt_m: pose.home_alt_amsl_m,
        north_m: north,
        east_m: east,
        distance_m: distance,
        error_m: error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXACT: Uncertainty = Uncertainty {
        position_m: 0.0,
        height_m: 0.0,
        angle_deg: 0.0,
        pixel: 0.0,
    };

    fn camera() -> CameraModel {
        // 90° x 60° so that the edges are at hand-computable angles.
        CameraModel {
            hfov_deg: 90.0,
            vfov_deg: 60.0,
            width_px: 1000,
            height_px: 600,
        }
    }

    fn gimbal(pitch: f64, yaw: f64, frame: YawFrame) -> Mount {
        Mount::Gimbal(GimbalAttitude {
            roll_deg: 0.0,
            pitch_deg: pitch,
            yaw_deg: yaw,
            yaw_frame: frame,
        })
    }

    fn pose(mount: Mount) -> CameraPose {
        CameraPose {
            lat: 0.0,
            lon: 0.0,
            height_m: 100.0,
            home_alt_amsl_m: Some(35.0),
            roll_deg: 0.0,
            pitch_deg: 0.0,
            yaw_deg: 0.0,
            mount,
        }
    }

    fn ne(p: &GroundPoint) -> (f64, f64) {
        (
            (p.north_m * 1e6).round() / 1e6,
            (p.east_m * 1e6).round() / 1e6,
        )
    }

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} vs {b}");
    }

    #[test]
    fn nadir_centre_is_straight_below() {
        let p = project_pixel(
            &pose(gimbal(-90.0, 0.0, YawFrame::Earth)),
            &camera(),
            500.0,
            300.0,
            &EXACT,
        )
        .unwrap();
        close(p.distance_m, 0.0, 1e-9);
        close(p.lat, 0.0, 1e-12);
        close(p.lon, 0.0, 1e-12);
        assert_eq!(p.alt_m, Some(35.0));
    }

    #[test]
    fn nadir_image_edges_follow_the_fields_of_view() {
        let pose = pose(gimbal(-90.0, 0.0, YawFrame::Earth));
        // Right edge: 45° to the right of straight down → 100·tan 45° = 100 m east.
        let p = project_pixel(&pose, &camera(), 1000.0, 300.0, &EXACT).unwrap();
        let (n, e) = ne(&p);
        close(n, 0.0, 1e-6);
        close(e, 100.0, 1e-6);
        // Top edge: 30° towards the top of the image, which faces north → 100·tan 30° = 57.735 m.
        let p = project_pixel(&pose, &camera(), 500.0, 0.0, &EXACT).unwrap();
        let (n, e) = ne(&p);
        close(n, 57.735_027, 1e-6);
        close(e, 0.0, 1e-6);
    }

    #[test]
    fn forty_five_degrees_down_lands_one_height_away_along_the_camera_bearing() {
        let p = project_pixel(
            &pose(gimbal(-45.0, 0.0, YawFrame::Earth)),
            &camera(),
            500.0,
            300.0,
            &EXACT,
        )
        .unwrap();
        close(p.north_m, 100.0, 1e-9);
        close(p.east_m, 0.0, 1e-9);
        // At the equator one metre north is 1/6335439.327 rad (meridional radius a(1-e²)).
        close(p.lat, (100.0 / 6_335_439.327_083_2f64).to_degrees(), 1e-10);
        // Gimbal yaw relative to the nose, aircraft heading east: the point is 100 m east,
        // 1/6378137 rad per metre of longitude at the equator.
        let mut ps = pose(gimbal(-45.0, 0.0, YawFrame::Vehicle));
        ps.yaw_deg = 90.0;
        let p = project_pixel(&ps, &camera(), 500.0, 300.0, &EXACT).unwrap();
        close(p.north_m, 0.0, 1e-9);
        close(p.east_m, 100.0, 1e-9);
        close(p.lon, (100.0 / 6_378_137.0f64).to_degrees(), 1e-10);
        // Earth-frame yaw ignores the heading: yaw 180 points south.
        let mut ps = pose(gimbal(-45.0, 180.0, YawFrame::Earth));
        ps.yaw_deg = 90.0;
        let p = project_pixel(&ps, &camera(), 500.0, 300.0, &EXACT).unwrap();
        close(p.north_m, -100.0, 1e-9);
        close(p.east_m, 0.0, 1e-9);
    }

    #[test]
    fn a_stabilised_gimbal_ignores_aircraft_roll_and_pitch_but_a_fixed_camera_does_not() {
        let mut ps = pose(gimbal(-45.0, 0.0, YawFrame::Vehicle));
        ps.roll_deg = 20.0;
        ps.pitch_deg = -10.0;
        let p = project_pixel(&ps, &camera(), 500.0, 300.0, &EXACT).unwrap();
        close(p.north_m, 100.0, 1e-9);
        // Fixed camera at -30° on an aircraft pitched 15° nose down: 45° down → 100 m ahead.
        let mut ps = pose(Mount::Fixed { pitch_deg: -30.0 });
        ps.pitch_deg = -15.0;
        let p = project_pixel(&ps, &camera(), 500.0, 300.0, &EXACT).unwrap();
        close(p.north_m, 100.0, 1e-9);
        close(p.east_m, 0.0, 1e-9);
        // Fixed nadir camera, aircraft rolled 45° right wing down: the belly faces west.
        let mut ps = pose(Mount::Fixed { pitch_deg: -90.0 });
        ps.roll_deg = 45.0;
        let p = project_pixel(&ps, &camera(), 500.0, 300.0, &EXACT).unwrap();
        close(p.north_m, 0.0, 1e-9);
        close(p.east_m, -100.0, 1e-9);
    }

    #[test]
    fn pixels_above_the_horizon_are_refused_with_their_elevation() {
        // Camera level: the top edge looks 30° up.
        let ps = pose(gimbal(0.0, 0.0, YawFrame::Earth));
        match project_pixel(&ps, &camera(), 500.0, 0.0, &EXACT) {
            Err(ProjectionError::AboveHorizon { elevation_deg }) => {
                close(elevation_deg, 30.0, 1e-9)
            }
            other => panic!("{other:?}"),
        }
        // The centre of a level camera is on the horizon: also refused.
        let err = project_pixel(&ps, &camera(), 500.0, 300.0, &EXACT).unwrap_err();
        assert!(err.to_string().contains("above the horizon"), "{err}");
        // Just below the horizon but kilometres away: refused as too far.
        let ps = pose(gimbal(-0.5, 0.0, YawFrame::Earth));
        assert!(matches!(
            project_pixel(&ps, &camera(), 500.0, 300.0, &EXACT),
            Err(ProjectionError::TooFar { .. })
        ));
    }

    #[test]
    fn bad_inputs_are_explained() {
        let ps = pose(gimbal(-90.0, 0.0, YawFrame::Earth));
        assert!(matches!(
            project_pixel(&ps, &camera(), 1001.0, 10.0, &EXACT),
            Err(ProjectionError::OutsideImage { .. })
        ));
        let mut grounded = ps;
        grounded.height_m = 0.0;
        assert!(project_pixel(&grounded, &camera(), 500.0, 300.0, &EXACT)
            .unwrap_err()
            .to_string()
            .contains("above the ground"));
        let mut cam = camera();
        cam.hfov_deg = 0.0;
        assert!(project_pixel(&ps, &cam, 0.0, 0.0, &EXACT).is_err());
    }

    #[test]
    fn error_estimate_matches_hand_computation_and_grows_with_range() {
        let u = Uncertainty {
            position_m: 3.0,
            height_m: 2.0,
            angle_deg: 1.0,
            pixel: 0.0,
        };
        // Nadir: only position and the pointing error at 100 m: sqrt(3² + (100·0.017453)²).
        let p = project_pixel(
            &pose(gimbal(-90.0, 0.0, YawFrame::Earth)),
            &camera(),
            500.0,
            300.0,
            &u,
        )
        .unwrap();
        close(
            p.error_m,
            (9.0f64 + (100.0 * 1f64.to_radians()).powi(2)).sqrt(),
            1e-9,
        );
        // 45° down, 100 m away: along = 100·σ/sin²45 = 200σ, across = 100σ, height = 100·2/100.
        let s = 1f64.to_radians();
        let p = project_pixel(
            &pose(gimbal(-45.0, 0.0, YawFrame::Earth)),
            &camera(),
            500.0,
            300.0,
            &u,
        )
        .unwrap();
        close(
            p.error_m,
            (9.0 + (200.0 * s).powi(2) + (100.0 * s).powi(2) + 4.0f64).sqrt(),
            1e-9,
        );
        let far = project_pixel(
            &pose(gimbal(-10.0, 0.0, YawFrame::Earth)),
            &camera(),
            500.0,
            300.0,
            &u,
        )
        .unwrap();
        assert!(
            far.error_m > 5.0 * p.error_m,
            "{} vs {}",
            far.error_m,
            p.error_m
        );
        assert_eq!(far.position().accuracy_m, Some(far.error_m));
    }

    #[test]
    fn vfov_from_aspect_ratio() {
        let c = CameraModel::from_hfov(90.0, 1920, 1080);
        // tan(v/2) = tan(45°)·1080/1920 = 0.5625 → v = 58.7155°.
        close(c.vfov_deg, 2.0 * 0.5625f64.atan().to_degrees(), 1e-9);
    }
}
