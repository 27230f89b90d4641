//! The payload operator in the console window, against the real simulator over loopback: the
//! aircraft panel shows the gimbal and camera once discovered, the camera window points the
//! gimbal down, zooms, takes a still and takes control, and the simulated gimbal and camera do
//! it.

mod common;

use common::console::{aircraft, contains, core_with_simulator, shows, wait_until, WindowBuilder};
use egui_kittest::kittest::Queryable;
use kestrel::console::ConsoleConfig;

#[test]
fn the_camera_window_points_zooms_captures_and_takes_control() {
    let (handle, sim, _) = core_with_simulator(ConsoleConfig::default(), aircraft(1));
    let mut h = WindowBuilder::new(handle).select(1).build();
    wait_until(&mut h, "the camera row of the aircraft panel", |h| {
        contains(h, "0 % · 60.0°")
    });

    h.get_by_label("Camera control").click();
    wait_until(&mut h, "the camera window", |h| shows(h, "Look down"));
    wait_until(&mut h, "the gimbal in the camera window", |h| {
        contains(h, "gimbal: pitch")
    });
    h.get_by_label("Look down").click();
    wait_until(&mut h, "the simulated gimbal looks down", |_| {
        (sim.payload(0).unwrap().pitch_deg() + 90.0).abs() < 0.5
    });
    wait_until(&mut h, "the window shows the new pitch", |h| {
        contains(h, "gimbal: pitch -90.0°")
    });

    h.get_by_label("Zoom +").click();
    wait_until(&mut h, "the simulated camera zooms in", |_| {
        sim.payload(0).unwrap().zoom() > 2.0
    });

    h.get_by_label("Take still").click();
    wait_until(&mut h, "the still confirmed", |h| {
        contains(h, "still 0 taken at")
    });
    assert_eq!(sim.payload(0).unwrap().images(), 1);

    h.get_by_label("Take control").click();
    wait_until(&mut h, "this station controls the gimbal", |h| {
        contains(h, "controlled by this station")
    });
    assert_eq!(sim.payload(0).unwrap().primary_control(), (255, 190));
}
