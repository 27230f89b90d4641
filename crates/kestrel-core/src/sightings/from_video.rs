//! A sighting from a point clicked in the video: the normalised pixel (0..1 from the image's
//! top-left corner) is projected to the ground from the aircraft's latest position and attitude,
//! its gimbal's attitude (or the camera's fixed pitch when no gimbal reports) and the camera's
//! field of view; the projection's error estimate becomes the sighting's accuracy.

use super::model::{Category, LocatedBy, NewSighting};
use super::projection::{
    project_pixel, CameraModel, CameraPose, GimbalAttitude, GroundPoint, Mount, ProjectionError,
    Uncertainty,
};
use crate::fleet::Aircraft;

/// Pixels across the model image; only the aspect ratio and the fields of view matter for a
/// normalised pick, so any width works. 1000 keeps the pixel-picking error in proportion.
const MODEL_WIDTH_PX: u32 = 1000;

/// The payload camera as the console knows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoCamera {
    /// Horizontal field of view, degrees.
    pub hfov_deg: f64,
    /// Image width / height.
    pub aspect: f64,
    /// Pitch relative to the airframe when no gimbal reports its attitude, degrees (negative
    /// looks down).
    pub fixed_pitch_deg: f64,
}

impl VideoCamera {
    fn model(&self) -> CameraModel {
        let aspect = if self.aspect.is_finite() && self.aspect > 0.0 {
            self.aspect
        } else {
            16.0 / 9.0
        };
        let h = ((f64::from(MODEL_WIDTH_PX) / aspect).round() as u32).max(1);
        CameraModel::from_hfov(self.hfov_deg, MODEL_WIDTH_PX, h)
    }
}

/// Where the normalised pixel (`x`, `y`) of `aircraft`'s video is on the ground, with its error.
/// `gimbal` is the gimbal's latest attitude, `None` when no gimbal reports (the camera is then
/// taken as fixed at `camera.fixed_pitch_deg`).
pub fn project_video_pick(
    aircraft: &Aircraft,
    gimbal: Option<GimbalAttitude>,
    camera: &VideoCamera,
    x: f64,
    y: f64,
) -> Result<GroundPoint, ProjectionError> {
    if !(x.is_finite() && y.is_finite() && (0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y)) {
        return Err(ProjectionError::BadInput(format!(
            "the picked point ({x}, {y}) is outside the picture (0..1 from its top-left corner)"
        )));
    }
    let mount = match gimbal {
        Some(g) => Mount::Gimbal(g),
        None => Mount::Fixed {
            pitch_deg: camera.fixed_pitch_deg,
        },
    };
    let pose = CameraPose::from_aircraft(aircraft, mount)?;
    let model = camera.model();
    let mut uncertainty = Uncertainty::default();
    if let Some(hdop) = aircraft.gps.hdop {
        // HDOP times a typical 2.5 m one-sigma range error.
        uncertainty.position_m = (f64::from(hdop) * 2.5).max(1.0);
    }
    project_pixel(
        &pose,
        &model,
        x * f64::from(model.width_px),
        y * f64::from(model.height_px),
        &uncertainty,
    )
}

/// A sighting of `category` at the normalised pixel (`x`, `y`) of `aircraft`'s video: positioned
/// by [`project_video_pick`], with the aircraft recorded and the position marked as found in the
/// video. The caller adds sortie, crew, note, priority and snapshot.
pub fn sighting_from_video(
    aircraft: &Aircraft,
    gimbal: Option<GimbalAttitude>,
    camera: &VideoCamera,
    x: f64,
    y: f64,
    category: Category,
) -> Result<NewSighting, ProjectionError> {
    let ground = project_video_pick(aircraft, gimbal, camera, x, y)?;
    let mut s = NewSighting::new(category, ground.position());
    s.located_by = LocatedBy::Video;
    s.aircraft.sysid = Some(aircraft.sysid);
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::GeoPoint;
    use crate::sightings::projection::YawFrame;
    use std::time::Instant;

    fn aircraft(height: f32, heading: f32) -> Aircraft {
        let mut a = Aircraft::new(3, 1, Instant::now());
        a.position = Some(GeoPoint {
            lat: 36.45,
            lon: 115.98,
        });
        a.alt_rel_m = height;
        a.alt_amsl_m = 35.0 + height;
        a.attitude_deg = [0.0, 0.0, heading];
        a.heading_deg = heading;
        a
    }

    fn camera() -> VideoCamera {
        VideoCamera {
            hfov_deg: 60.0,
            aspect: 16.0 / 9.0,
            fixed_pitch_deg: -45.0,
        }
    }

    fn gimbal(pitch: f64) -> Option<GimbalAttitude> {
        Some(GimbalAttitude {
            roll_deg: 0.0,
            pitch_deg: pitch,
            yaw_deg: 0.0,
            yaw_frame: YawFrame::Vehicle,
        })
    }

    /// Metres north and east of the aircraft.
    fn offset(a: &Aircraft, s: &NewSighting) -> (f64, f64) {
        let p = a.position.unwrap();
        let (dlat, dlon) = crate::sightings::projection::offset_to_degrees(p.lat, 1.0, 1.0);
        (
            (s.position.lat - p.lat) / dlat,
            (s.position.lon - p.lon) / dlon,
        )
    }

    #[test]
    fn the_centre_of_a_nadir_gimbal_is_below_the_aircraft_with_an_accuracy() {
        let a = aircraft(80.0, 30.0);
        let s =
            sighting_from_video(&a, gimbal(-90.0), &camera(), 0.5, 0.5, Category::Person).unwrap();
        let (n, e) = offset(&a, &s);
        assert!(n.abs() < 0.01 && e.abs() < 0.01, "{n} {e}");
        assert_eq!(s.located_by, LocatedBy::Video);
        assert_eq!(s.aircraft.sysid, Some(3));
        assert_eq!(s.category, Category::Person);
        assert_eq!(s.position.alt_m, Some(35.0));
        let acc = s.position.accuracy_m.unwrap();
        assert!(acc > 1.0 && acc < 10.0, "accuracy {acc}");
    }

    #[test]
    fn without_a_gimbal_the_fixed_pitch_looks_ahead_along_the_heading() {
        // 45° down from 100 m, heading east: 100 m east of the aircraft.
        let a = aircraft(100.0, 90.0);
        let s = sighting_from_video(&a, None, &camera(), 0.5, 0.5, Category::Vehicle).unwrap();
        let (n, e) = offset(&a, &s);
        assert!(n.abs() < 0.5, "north {n}");
        assert!((e - 100.0).abs() < 0.5, "east {e}");
        // The right edge of the picture is to the south (right of an east-facing camera).
        let right = sighting_from_video(&a, None, &camera(), 1.0, 0.5, Category::Vehicle).unwrap();
        assert!(offset(&a, &right).0 < -50.0);
        // Farther points are less certain.
        let near = sighting_from_video(&a, None, &camera(), 0.5, 1.0, Category::Vehicle).unwrap();
        assert!(near.position.accuracy_m.unwrap() < s.position.accuracy_m.unwrap());
    }

    #[test]
    fn impossible_picks_are_explained() {
        let a = aircraft(100.0, 0.0);
        let sky = sighting_from_video(&a, gimbal(0.0), &camera(), 0.5, 0.1, Category::Fire);
        assert!(matches!(sky, Err(ProjectionError::AboveHorizon { .. })));
        let out = sighting_from_video(&a, gimbal(-90.0), &camera(), 1.5, 0.5, Category::Fire);
        assert!(out.unwrap_err().to_string().contains("outside the picture"));
        let mut lost = aircraft(100.0, 0.0);
        lost.position = None;
        let e = sighting_from_video(&lost, gimbal(-90.0), &camera(), 0.5, 0.5, Category::Fire)
            .unwrap_err();
        assert!(e.to_string().contains("no position"), "{e}");
        let grounded = aircraft(0.0, 0.0);
        assert!(sighting_from_video(
            &grounded,
            gimbal(-90.0),
            &camera(),
            0.5,
            0.5,
            Category::Fire
        )
        .is_err());
    }
}
