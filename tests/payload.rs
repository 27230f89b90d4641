//! The payload operator's gimbal and camera over real loopback sockets with the simulator: the
//! station discovers the gimbal and the camera, points, follows a place, zooms, takes stills,
//! records and tracks, and says plainly what an ArduPilot-like camera (no
//! CAMERA_IMAGE_CAPTURED, no tracking status) cannot confirm. The video tests decode the
//! simulator's rendered picture and find the walking person (the only red thing in the scene).

mod common;

use std::time::Duration;

use common::sim::{free_udp_addr, station_config, wait_fleet};
use common::video::{free_udp_port, start_stream, wait_frame};
use kestrel::link::LinkSpec;
use kestrel::payload::control::{self, PayloadWatcher};
use kestrel::payload::{CameraRequest, GimbalRequest, PayloadError, Zoom};
use kestrel::protocol::PilotAction;
use kestrel::station::Station;
use kestrel::video::VideoFrame;
use kestrel_sim::{Endpoint, SimConfig, Simulator};

const T: Duration = Duration::from_secs(30);

async fn setup(extras: bool, speedup: f64, video_port: Option<u16>) -> (Simulator, Station) {
    let addr = free_udp_addr();
    let station = Station::start(station_config(speedup)).expect("station");
    station
        .add_link(LinkSpec::UdpIn(addr))
        .await
        .expect("udpin link");
    let sim = Simulator::start(SimConfig {
        vehicles: 1,
        endpoint: Endpoint::Udp(addr),
        speedup,
        camera_extras: extras,
        video: video_port.is_some(),
        video_base_port: video_port.unwrap_or(5600),
        ..Default::default()
    })
    .expect("simulator");
    wait_fleet(&station, T, "aircraft 1 heard", |s| s.get(1).map(|_| ())).await;
    (sim, station)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gimbal_and_camera_answer_with_and_without_the_extras() {
    for extras in [true, false] {
        let (sim, station) = setup(extras, 1.0, None).await;
        let watcher = PayloadWatcher::start(&station);
        let state = control::discover(&station, &watcher, 1).await.unwrap();
        let g = state.gimbal.expect("the gimbal describes itself");
        assert!((g.pitch_min_deg + 90.0).abs() < 0.01 && (g.pitch_max_deg - 30.0).abs() < 0.01);
        assert!(state
            .camera
            .as_ref()
            .is_some_and(|c| c.zoom && c.capture_image));
        assert_eq!(state.reports_tracking, extras, "extras {extras}");

        // Out of the limits: refused before sending, naming the limit.
        let e = control::gimbal(
            &station,
            &watcher,
            1,
            GimbalRequest::Point {
                pitch_deg: 60.0,
                yaw_deg: 0.0,
                earth: false,
            },
        )
        .await
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("outside the gimbal's limits -90..30"),
            "{e}"
        );

        // Point: the reported attitude follows.
        let o = control::gimbal(
            &station,
            &watcher,
            1,
            GimbalRequest::Point {
                pitch_deg: -40.0,
                yaw_deg: 25.0,
                earth: false,
            },
        )
        .await
        .unwrap();
        assert!(o.outcome.is_accepted(), "{o}");
        let (ok, s) = watcher
            .wait_for(1, T, |s| {
                s.attitude.is_some_and(|a| {
                    (a.pitch_deg + 40.0).abs() < 0.5 && (a.yaw_deg - 25.0).abs() < 0.5
                })
            })
            .await;
        assert!(ok, "attitude {:?}", s.and_then(|s| s.attitude));
        let fleet = station.snapshot();
        let a = fleet.get(1).unwrap().gimbal.unwrap();
        assert!(
            (a.pitch_deg + 40.0).abs() < 1.0,
            "the fleet keeps the gimbal pose too"
        );

        // Rate: it keeps turning.
        control::gimbal(
            &station,
            &watcher,
            1,
            GimbalRequest::Rate {
                pitch_deg_s: 0.0,
                yaw_deg_s: 30.0,
            },
        )
        .await
        .unwrap();
        let (ok, _) = watcher
            .wait_for(1, T, |s| s.attitude.is_some_and(|a| a.yaw_deg > 40.0))
            .await;
        assert!(ok, "a yaw rate turns the gimbal");

        // ROI: the camera's ground point moves to the place.
        let here = fleet.get(1).unwrap().position.unwrap();
        let roi = (here.lat + 0.0003, here.lon);
        control::gimbal(
            &station,
            &watcher,
            1,
            GimbalRequest::Roi {
                lat: roi.0,
                lon: roi.1,
                alt_m: 0.0,
            },
        )
        .await
        .unwrap();
        let (ok, s) = watcher
            .wait_for(1, T, |s| {
                s.control.is_some_and(|c| c.yaw_lock)
                    && s.attitude.is_some_and(|a| a.yaw_deg.abs() < 2.0)
            })
            .await;
        assert!(
            ok,
            "looking north at the place: {:?}",
            s.and_then(|s| s.attitude)
        );

        // Control: take it, the gimbal names this station; release it.
        let o = control::gimbal(&station, &watcher, 1, GimbalRequest::TakeControl)
            .await
            .unwrap();
        assert_eq!(o.note.as_deref(), Some("this station controls the gimbal"));
        let o = control::gimbal(&station, &watcher, 1, GimbalRequest::Release)
            .await
            .unwrap();
        assert!(o.note.unwrap().contains("nobody"));

        // Zoom: the field of view narrows.
        let o = control::camera(
            &station,
            &watcher,
            1,
            CameraRequest::Zoom(Zoom::Range { pct: 50.0 }),
        )
        .await
        .unwrap();
        assert!(o.outcome.is_accepted(), "{o}");
        let (ok, s) = watcher
            .wait_for(1, T, |s| s.fov.is_some_and(|f| f.hfov_deg < 10.0))
            .await;
        assert!(ok, "fov {:?}", s.and_then(|s| s.fov));
        // Step zoom: a dedicated camera only.
        let o = control::camera(
            &station,
            &watcher,
            1,
            CameraRequest::Zoom(Zoom::Step { steps: 1 }),
        )
        .await
        .unwrap();
        assert_eq!(o.outcome.is_accepted(), extras, "{o}");

        // A still: confirmed with its position, or counted without.
        let o = control::camera(&station, &watcher, 1, CameraRequest::Capture)
            .await
            .unwrap();
        assert!(o.outcome.is_accepted(), "{o}");
        let note = o.note.clone().unwrap();
        if extras {
            let img = o.image.expect("CAMERA_IMAGE_CAPTURED");
            let p = img.position.unwrap();
            assert!((p.lat - here.lat).abs() < 1e-3 && (p.lon - here.lon).abs() < 1e-3);
            assert!(note.starts_with("still 0 taken at"), "{note}");
        } else {
            assert!(o.image.is_none());
            assert!(note.contains("does not confirm each one"), "{note}");
        }

        // Recording.
        let o = control::camera(&station, &watcher, 1, CameraRequest::RecordStart)
            .await
            .unwrap();
        assert_eq!(o.note.as_deref(), Some("the camera is recording"));
        let o = control::camera(&station, &watcher, 1, CameraRequest::RecordStop)
            .await
            .unwrap();
        assert_eq!(o.note.as_deref(), Some("the camera stopped recording"));

        // Tracking: reported, or said to be unreported.
        let o = control::camera(
            &station,
            &watcher,
            1,
            CameraRequest::Track {
                x: 0.5,
                y: 0.6,
                w: 0.0,
                h: 0.0,
            },
        )
        .await
        .unwrap();
        assert!(o.outcome.is_accepted(), "{o}");
        let note = o.note.unwrap();
        if extras {
            assert_eq!(note, "the camera is tracking");
        } else {
            assert!(note.contains("reports no tracking status"), "{note}");
        }
        let bad = control::camera(
            &station,
            &watcher,
            1,
            CameraRequest::Track {
                x: 1.5,
                y: 0.5,
                w: 0.0,
                h: 0.0,
            },
        )
        .await
        .unwrap_err();
        assert!(bad.to_string().contains("outside the picture"), "{bad}");
        drop(sim);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aircraft_that_describes_no_payload_is_named() {
    let (_sim, station) = setup(true, 1.0, None).await;
    let watcher = PayloadWatcher::start(&station);
    // Nothing discovered yet for aircraft 1, and aircraft 7 does not exist.
    let e = control::gimbal(&station, &watcher, 7, GimbalRequest::RoiClear)
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "aircraft 7 reports no gimbal");
    let e = control::camera(&station, &watcher, 7, CameraRequest::Capture)
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        control::ControlError::Payload(PayloadError::NoCamera(7))
    ));
}

/// Centre (0..1) and size (pixels) of the red blob (the walking person) in `f`.
fn person_in(f: &VideoFrame) -> Option<((f64, f64), usize)> {
    let (w, h) = (f.width as usize, f.height as usize);
    let px = f.rgba();
    let (mut sx, mut sy, mut n) = (0.0, 0.0, 0usize);
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) * 4;
            let (r, g, b) = (px[i], px[i + 1], px[i + 2]);
            if r > 150 && g < 90 && b < 90 {
                sx += x as f64;
                sy += y as f64;
                n += 1;
            }
        }
    }
    (n >= 3).then(|| ((sx / n as f64 / w as f64, sy / n as f64 / h as f64), n))
}

async fn fly_to(station: &Station, alt: f32) {
    let steps = (PilotAction::Takeoff { alt_m: alt })
        .steps(station.snapshot().get(1))
        .unwrap();
    for step in steps {
        let o = station.command(1, &step).await.unwrap();
        assert!(o.is_accepted(), "{}: {o}", step.describe());
    }
    wait_fleet(station, Duration::from_secs(60), "at altitude", |s| {
        s.get(1).filter(|a| a.alt_rel_m > alt - 1.0).map(|_| ())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_video_shows_pointing_zoom_and_tracking() {
    let port = free_udp_port();
    let speedup = 4.0;
    let (sim, station) = setup(true, speedup, Some(port)).await;
    let watcher = PayloadWatcher::start(&station);
    control::discover(&station, &watcher, 1).await.unwrap();
    fly_to(&station, 30.0).await;
    let stream = start_stream(&format!("udp://0.0.0.0:{port}"), "SIM-1");

    // Look at the person's walk (40 m north of home): the person is in the picture.
    let origin = kestrel_sim::geo::Origin::new(
        kestrel_sim::config::DEFAULT_HOME.0,
        kestrel_sim::config::DEFAULT_HOME.1,
    );
    let (lat, lon) = origin.to_global(40.0, 0.0);
    control::gimbal(
        &station,
        &watcher,
        1,
        GimbalRequest::Roi {
            lat,
            lon,
            alt_m: 0.0,
        },
    )
    .await
    .unwrap();
    let mut seq = 0;
    let mut seen = None;
    for _ in 0..200 {
        let f = wait_frame(&stream, seq, "a frame", T).await;
        seq = f.seq;
        if let Some(p) = person_in(&f) {
            seen = Some(p);
            break;
        }
    }
    let ((x, y), size_1x) = seen.expect("the person appears while looking at its walk");

    // Pointing straight down takes the person out of the picture.
    control::gimbal(
        &station,
        &watcher,
        1,
        GimbalRequest::Point {
            pitch_deg: -90.0,
            yaw_deg: 0.0,
            earth: false,
        },
    )
    .await
    .unwrap();
    let mut gone = false;
    for _ in 0..200 {
        let f = wait_frame(&stream, seq, "a frame", T).await;
        seq = f.seq;
        if person_in(&f).is_none() {
            gone = true;
            break;
        }
    }
    assert!(
        gone,
        "looking straight down, the person (40 m away) leaves the picture"
    );

    // Back to the walk, then track the person where it is in the picture.
    control::gimbal(
        &station,
        &watcher,
        1,
        GimbalRequest::Roi {
            lat,
            lon,
            alt_m: 0.0,
        },
    )
    .await
    .unwrap();
    // Let the gimbal arrive (the picture lags the command by the slew and the video latency).
    let settle = sim.sim_time() + 3.0;
    while sim.sim_time() < settle {
        let f = wait_frame(&stream, seq, "a frame", T).await;
        seq = f.seq;
    }
    let mut at = None;
    for _ in 0..200 {
        let f = wait_frame(&stream, seq, "a frame", T).await;
        seq = f.seq;
        if let Some(p) = person_in(&f) {
            at = Some(p.0);
            break;
        }
    }
    let (px, py) = at.unwrap_or((x, y));
    let o = control::camera(
        &station,
        &watcher,
        1,
        CameraRequest::Track {
            x: px,
            y: py,
            w: 0.0,
            h: 0.0,
        },
    )
    .await
    .unwrap();
    assert_eq!(o.note.as_deref(), Some("the camera is tracking"), "{o}");
    // Let the gimbal settle on the person, then hold it centred for 20 simulated seconds.
    let settle = sim.sim_time() + 2.0;
    while sim.sim_time() < settle {
        let f = wait_frame(&stream, seq, "a frame", T).await;
        seq = f.seq;
    }
    let until = sim.sim_time() + 20.0;
    let mut frames = 0;
    let mut worst: f64 = 0.0;
    while sim.sim_time() < until {
        let f = wait_frame(&stream, seq, "a frame", T).await;
        seq = f.seq;
        let ((x, y), _) = person_in(&f).expect("the tracked person stays in the picture");
        worst = worst.max((x - 0.5).abs()).max((y - 0.5).abs());
        frames += 1;
    }
    eprintln!("tracking: {frames} frames, worst offset {worst:.3} of the frame");
    assert!(frames > 30, "{frames} frames checked");
    let tracking = watcher.get(1).and_then(|s| s.tracking);
    assert!(
        tracking.is_some_and(|t| t.active),
        "the camera reports tracking: {tracking:?}"
    );
    assert!(
        worst < 0.10,
        "the person strayed {worst:.3} of the frame from the centre"
    );

    // Zoom in while tracking: the person is bigger.
    control::camera(
        &station,
        &watcher,
        1,
        CameraRequest::Zoom(Zoom::Range { pct: 20.0 }),
    )
    .await
    .unwrap();
    let mut bigger = None;
    for _ in 0..200 {
        let f = wait_frame(&stream, seq, "a frame", T).await;
        seq = f.seq;
        if let Some((_, n)) = person_in(&f) {
            if n > size_1x * 4 {
                bigger = Some(n);
                break;
            }
        }
    }
    assert!(
        bigger.is_some(),
        "after zooming in the person covers more than 4× its {size_1x} pixels"
    );
    drop(stream);
    drop(sim);
}
