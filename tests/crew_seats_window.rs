//! The crew seats as the crew sees them in the window: the pilot seat's window raises the
//! observer's call-out as a banner and drops it when the pilot acknowledges (the observer's
//! console learns it was acknowledged); the payload seat's window shows its seat and has no
//! flight controls for the aircraft, and the observer's window has the call-out buttons; the
//! seat for the next start is chosen in the settings window.

mod common;

use egui_kittest::kittest::Queryable;

use common::console::{aircraft, click, contains, start_core, wait_until, WindowBuilder};
use common::sim::free_udp_addr;
use common::wait::{self, WAIT};

use kestrel::console::{ConsoleConfig, ConsoleHandle};
use kestrel::link::LinkSpec;
use kestrel::seat::Seat;
use kestrel::station::{Station, StationConfig};
use kestrel_sim::{Endpoint, SimConfig, Simulator};

fn seat_core(seat: Seat, person: &str) -> (ConsoleHandle, std::net::SocketAddr) {
    let addr = free_udp_addr();
    let handle = start_core(ConsoleConfig {
        links: vec![LinkSpec::UdpIn(addr)],
        person: person.into(),
        seat: Some(seat),
        ..Default::default()
    });
    (handle, addr)
}

#[test]
fn the_pilot_window_shows_a_call_out_until_acknowledged_and_other_seats_cannot_fly() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (pilot, pilot_addr) = seat_core(Seat::Pilot, "Sgt. Li");
    let (observer, observer_addr) = seat_core(Seat::Observer, "Zhao");
    let (payload, payload_addr) = seat_core(Seat::Payload, "Wang");
    let air = free_udp_addr();
    let _router = rt.block_on(async {
        let r = Station::start(StationConfig {
            gcs_sysid: 240,
            ..Default::default()
        })
        .unwrap();
        r.add_link(LinkSpec::UdpIn(air)).await.unwrap();
        for a in [pilot_addr, observer_addr, payload_addr] {
            r.add_forward(LinkSpec::UdpOut(a)).await.unwrap();
        }
        r
    });
    let _sim = Simulator::start(SimConfig {
        endpoint: Endpoint::Udp(air),
        ..aircraft(1)
    })
    .unwrap();
    wait::until("the pilot seat in command", WAIT, || {
        pilot.view().seat.commands == vec![1]
    });

    // The payload seat's window: its badge, and no flight controls for the aircraft.
    let mut payload_window = WindowBuilder::new(payload).select(1).build();
    wait_until(&mut payload_window, "the payload seat's badge", |h| {
        contains(h, "Payload seat · Wang")
    });
    wait_until(&mut payload_window, "no flight controls", |h| {
        contains(h, "Flight controls are with the pilot seat in command.")
    });
    drop(payload_window);

    // The observer calls out from its window's top bar.
    let mut observer_window = WindowBuilder::new(observer).select(1).build();
    wait_until(&mut observer_window, "the call-out buttons", |h| {
        contains(h, "Observer seat · Zhao") && contains(h, "Land now")
    });
    // F5 is "land now".
    observer_window.key_press(eframe::egui::Key::F5);
    wait_until(&mut observer_window, "the call-out on its way", |h| {
        contains(h, "Land now: ")
    });
    wait::until("the call-out at the pilot's core", WAIT, || {
        let v = pilot.view();
        if v.seat.banners().len() == 1 {
            Ok(())
        } else {
            Err(format!("{:?}", v.seat.call_outs))
        }
    });
    let mut pilot_window = WindowBuilder::new(pilot).select(1).build();
    wait_until(&mut pilot_window, "the call-out banner", |h| {
        contains(h, "CALL-OUT from Zhao (observer): LAND NOW")
    });
    assert!(!contains(
        &pilot_window,
        "Flight controls are with the pilot seat in command."
    ));
    click(&mut pilot_window, "Acknowledge call-out");
    wait_until(&mut pilot_window, "the banner gone", |h| {
        !contains(h, "CALL-OUT from")
    });
    wait_until(&mut observer_window, "acknowledged at the observer", |h| {
        contains(h, "Land now: acknowledged by the pilot")
    });
}

/// The seat a console takes at its next start is chosen in the settings window and kept in the
/// settings; a system id that is not one is refused with the reason.
#[test]
fn the_seat_is_chosen_in_the_settings_window_for_the_next_start() {
    let mut h = WindowBuilder::new(ConsoleHandle::detached()).build();
    click(&mut h, "Settings");
    click(&mut h, "Payload");
    common::console::type_into(&mut h, "Who sits here", "Wang");
    common::console::type_into(&mut h, "System id (blank: the seat's own)", "300");
    click(&mut h, "Apply");
    wait_until(&mut h, "the bad system id refused", |h| {
        contains(h, "The system id must be 1-255.")
    });
    assert_eq!(h.state().settings().crew_seat.seat, None, "nothing applied");
    h.get_by_label("System id (blank: the seat's own)").focus();
    h.run_steps(1);
    for _ in 0..3 {
        h.key_press(eframe::egui::Key::Backspace);
        h.run_steps(1);
    }
    common::console::type_into(&mut h, "System id (blank: the seat's own)", "252");
    click(&mut h, "Apply");
    wait_until(&mut h, "the seat kept in the settings", |h| {
        h.state().settings().crew_seat.seat == Some(Seat::Payload)
    });
    let saved = &h.state().settings().crew_seat;
    assert_eq!((saved.person.as_str(), saved.sysid), ("Wang", Some(252)));
}
