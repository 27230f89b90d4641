//! Sightings marked on the simulated person's pixel in the decoded video land near the person's
//! true position, at three gimbal pitches (three heights looking at the person's walk) and three
//! zoom levels; the position uses the live gimbal pose and the live field of view
//! (CAMERA_FOV_STATUS), and the reported error estimate covers the true error.

mod common;

use std::time::Duration;

use common::sim::{free_udp_addr, station_config, wait_fleet};
use common::video::{free_udp_port, start_stream, wait_frame};
use kestrel::link::LinkSpec;
use kestrel::payload::control::{self, PayloadWatcher};
use kestrel::payload::{CameraRequest, GimbalRequest, Zoom};
use kestrel::protocol::{Command, PilotAction};
use kestrel::sightings::from_video::{project_video_pick, VideoCamera};
use kestrel::station::Station;
use kestrel::video::VideoFrame;
use kestrel_sim::geo::Origin;
use kestrel_sim::{Endpoint, SimConfig, Simulator};

const T: Duration = Duration::from_secs(30);

/// Centre (0..1) of the red blob (the walking person) in `f`.
fn person_in(f: &VideoFrame) -> Option<(f64, f64)> {
    let (w, h) = (f.width as usize, f.height as usize);
    let px = f.rgba();
    let (mut sx, mut sy, mut n) = (0.0, 0.0, 0usize);
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) * 4;
            if px[i] > 150 && px[i + 1] < 90 && px[i + 2] < 90 {
                sx += x as f64 + 0.5;
                sy += y as f64 + 0.5;
                n += 1;
            }
        }
    }
    (n >= 2).then(|| (sx / n as f64 / w as f64, sy / n as f64 / h as f64))
}

/// The simulated camera's horizontal field of view at `pct` % of its 1..20× zoom range.
fn hfov_at(pct: f64) -> f64 {
    let zoom = 1.0 + 19.0 * pct / 100.0;
    2.0 * ((30f64.to_radians()).tan() / zoom).atan().to_degrees()
}

fn metres(origin: &Origin, lat: f64, lon: f64) -> (f64, f64) {
    origin.to_local(lat, lon)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sighting_on_the_persons_pixel_lands_on_the_person() {
    let addr = free_udp_addr();
    let port = free_udp_port();
    let station = Station::start(station_config(1.0)).expect("station");
    station.add_link(LinkSpec::UdpIn(addr)).await.unwrap();
    let sim = Simulator::start(SimConfig {
        vehicles: 1,
        endpoint: Endpoint::Udp(addr),
        video: true,
        video_base_port: port,
        ..Default::default()
    })
    .expect("simulator");
    wait_fleet(&station, T, "aircraft 1 heard", |s| s.get(1).map(|_| ())).await;
    let watcher = PayloadWatcher::start(&station);
    control::discover(&station, &watcher, 1).await.unwrap();
    let stream = start_stream(&format!("udp://0.0.0.0:{port}"), "SIM-1");
    let home = kestrel_sim::config::DEFAULT_HOME;
    let origin = Origin::new(home.0, home.1);

    let mut worst: f64 = 0.0;
    let mut seq = 0;
    let mut cases = 0;
    for (i, alt) in [20.0f32, 40.0, 60.0].into_iter().enumerate() {
        if i == 0 {
            let steps = (PilotAction::Takeoff { alt_m: alt })
                .steps(station.snapshot().get(1))
                .unwrap();
            for s in steps {
                assert!(station.command(1, &s).await.unwrap().is_accepted());
            }
        } else {
            let here = station.snapshot().get(1).unwrap().position.unwrap();
            let o = station
                .command(
                    1,
                    &Command::Goto {
                        lat: here.lat,
                        lon: here.lon,
                        alt_rel_m: alt,
                    },
                )
                .await
                .unwrap();
            assert!(o.is_accepted(), "{o}");
        }
        wait_fleet(&station, Duration::from_secs(60), "at altitude", |s| {
            s.get(1)
                .filter(|a| (a.alt_rel_m - alt).abs() < 0.5 && a.ground_speed_ms < 0.3)
                .map(|_| ())
        })
        .await;
        for pct in [0.0, 8.0, 20.0] {
            control::camera(
                &station,
                &watcher,
                1,
                CameraRequest::Zoom(Zoom::Range { pct }),
            )
            .await
            .unwrap();
            // Look beside where the person will be in a moment, so that the person is off the
            // centre of the picture (by about 40 % of the half-width): the pick then depends on
            // the live field of view.
            let (_, s) = watcher
                .wait_for(1, T, |s| {
                    s.fov
                        .is_some_and(|f| (f.hfov_deg - hfov_at(pct)).abs() < 0.5)
                })
                .await;
            let hfov_now = s.and_then(|s| s.fov).map_or(60.0, |f| f.hfov_deg);
            let p = kestrel_sim::scene::person(sim.sim_time() + 1.0);
            let slant = (p.north.hypot(p.east)).hypot(f64::from(alt));
            let aside = 0.4 * slant * (hfov_now.to_radians() / 2.0).tan();
            let (lat, lon) = origin.to_global(p.north, p.east + aside);
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
            // Hold still: a fixed place, so the gimbal settles and stops.
            let settle = sim.sim_time() + 1.5;
            while sim.sim_time() < settle {
                seq = wait_frame(&stream, seq, "a frame", T).await.seq;
            }
            let mut picked = None;
            for _ in 0..60 {
                let f = wait_frame(&stream, seq, "a frame", T).await;
                seq = f.seq;
                if let Some(xy) = person_in(&f) {
                    picked = Some((xy, sim.sim_time()));
                    break;
                }
            }
            let ((x, y), t) = picked.unwrap_or_else(|| {
                panic!("the person is not in the picture at {alt} m, zoom {pct} %")
            });
            let snap = station.snapshot();
            let a = snap.get(1).unwrap();
            let now = std::time::Instant::now();
            let gimbal = a.gimbal_within(now, Duration::from_secs(2));
            // As the console marks it: the fleet's live field of view.
            let (hfov, _) = a
                .camera_fov_within(now, Duration::from_secs(2))
                .expect("a live field of view");
            let camera = VideoCamera {
                hfov_deg: hfov,
                aspect: 16.0 / 9.0,
                fixed_pitch_deg: -90.0,
            };
            let g = project_video_pick(a, gimbal, &camera, x, y).expect("a ground point");
            let truth = kestrel_sim::scene::person(t);
            let (n, e) = metres(&origin, g.lat, g.lon);
            let err = (n - truth.north).hypot(e - truth.east);
            eprintln!(
                "alt {alt} m, zoom {pct} % (hfov {:.1}°), pitch {:.1}°, pick at {x:.2}, {y:.2}: error {err:.2} m, estimate {:.2} m",
                hfov,
                gimbal.map_or(f64::NAN, |g| g.pitch_deg),
                g.error_m
            );
            assert!(
                err <= g.error_m,
                "at {alt} m, zoom {pct} %: true error {err:.2} m above the estimate {:.2} m",
                g.error_m
            );
            assert!(err < 2.0, "at {alt} m, zoom {pct} %: {err:.2} m off");
            worst = worst.max(err);
            cases += 1;
        }
    }
    assert_eq!(cases, 9);
    eprintln!("worst error {worst:.2} m over {cases} cases");
}
