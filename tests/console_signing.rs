//! MAVLink 2 signing driven from the console window, against the real simulator over real
//! loopback sockets: the pilot marks the link trusted, sets up signing with a confirmation and
//! sees it on; an unsigned second station trying to command the signed aircraft raises one
//! refused-frames alert, not one per frame.

mod common;

use egui_kittest::kittest::{NodeT, Queryable};
use kestrel_sim::Simulator;
use mavlink::MavHeader;

use common::console::{
    aircraft, contains, core_with_simulator, shows, start_core, wait_until, window, Window,
};
use common::wait::{self, WAIT};
use kestrel::alerts::{AlertKind, Refusal};
use kestrel::console::{ConsoleConfig, Intent, SigningIntent};
use kestrel::link::LinkSpec;
use kestrel::protocol::Command;
use kestrel::security::SigningState;

/// A console window (over a core with a data directory, so keys are stored and commands
/// audited) joined to one simulated aircraft over loopback; and the address the core listens on.
fn console_with_simulator(data: &std::path::Path) -> (Window, Simulator, std::net::SocketAddr) {
    let (handle, sim, addr) = core_with_simulator(
        ConsoleConfig {
            data_dir: Some(data.to_path_buf()),
            ..Default::default()
        },
        aircraft(1),
    );
    (window(handle), sim, addr)
}

fn signing_state(h: &Window, sysid: u8) -> Option<SigningState> {
    let view = h.state().handle().view();
    view.signing
        .iter()
        .find(|r| r.sysid == sysid)
        .map(|r| r.state)
}

const SETUP: &str = "Set up signing…";

#[test]
fn trusting_the_link_and_confirming_sets_up_signing() {
    let data = tempfile::tempdir().unwrap();
    let (mut h, sim, _) = console_with_simulator(data.path());
    wait_until(&mut h, "the aircraft's panel", |h| shows(h, SETUP));
    // No link is trusted yet: no key may be sent, the button says so by being disabled.
    assert!(
        h.get_by_label(SETUP).accesskit_node().is_disabled(),
        "set-up enabled without a trusted link"
    );
    h.get_by_label(SETUP).click();
    h.run_steps(2);
    assert!(!shows(&h, "Confirm"), "a disabled button opened the dialog");

    // The pilot opens Connections and ticks "trusted" for the simulator's link.
    h.get_by_label("Connections").click();
    wait_until(&mut h, "the trusted toggle", |h| shows(h, "trusted"));
    h.get_by_label("trusted").click();
    wait_until(&mut h, "the set-up button enabled", |h| {
        !h.get_by_label(SETUP).accesskit_node().is_disabled()
    });
    // Trust is remembered with the link in the settings.
    let name = h.state().handle().view().links.list[0].name.clone();
    assert!(h.state().settings().trusted_links.contains(&name));
    h.get_by_label(SETUP).click();
    wait_until(&mut h, "the confirmation", |h| shows(h, "Confirm"));
    assert!(
        !sim.snapshot(0).unwrap().signing,
        "key sent before confirming"
    );
    h.get_by_label("Confirm").click();

    wait_until(&mut h, "the outcome shown", |h| {
        contains(h, "Team 1: signing on")
    });
    assert!(
        sim.snapshot(0).unwrap().signing,
        "the aircraft holds the key"
    );
    wait_until(&mut h, "the panel to show signing on", |h| {
        signing_state(h, 1) == Some(SigningState::On) && shows(h, "on") && shows(h, "Revoke…")
    });
    assert!(!shows(&h, SETUP), "set-up offered while signing is on");
    // The key is stored owner-only, and the setup is in the audit trail (checked below).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(data.path().join("keys/aircraft-1.key")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
    let audit = kestrel::audit::AuditLog::open(&data.path().join("audit.db")).unwrap();
    wait::until("the set-up and the trust audited", WAIT, || {
        let entries = audit.entries().unwrap();
        let installed = entries
            .iter()
            .any(|e| e.action == "signing" && e.detail.contains("installed"));
        let trusted = entries.iter().any(|e| e.action == "link trust");
        if installed && trusted {
            Ok(())
        } else {
            Err(format!("not audited: {entries:?}"))
        }
    });

    // Revoking, confirmed, turns signing off on both sides — with no refused-frames alert for
    // the aircraft's last unsigned frames before the key was dropped here.
    h.get_by_label("Revoke…").click();
    wait_until(&mut h, "the confirmation", |h| shows(h, "Confirm"));
    h.get_by_label("Confirm").click();
    wait_until(&mut h, "the revoke outcome", |h| {
        contains(h, "Team 1: signing off, key deleted")
    });
    assert!(!sim.snapshot(0).unwrap().signing);
    assert!(!data.path().join("keys/aircraft-1.key").exists());
    wait_until(&mut h, "the panel to show signing off", |h| {
        signing_state(h, 1) == Some(SigningState::Off) && shows(h, SETUP)
    });
    let view = h.state().handle().view();
    assert!(
        !view
            .alerts
            .list
            .iter()
            .any(|a| matches!(a.kind, AlertKind::FramesRefused { .. })),
        "{:?}",
        view.alerts.list
    );
}

#[test]
fn an_unsigned_station_commanding_a_signed_aircraft_raises_one_alert() {
    let data = tempfile::tempdir().unwrap();
    let (mut h, sim, console_addr) = console_with_simulator(data.path());
    wait_until(&mut h, "the aircraft", |h| shows(h, SETUP));
    // Signing set up through the core's intents (the window's part is tested above).
    let link = h.state().handle().view().links.list[0].id;
    let handle = h.state().handle();
    handle.send(Intent::Signing(SigningIntent::SetTrusted {
        link,
        trusted: true,
    }));
    handle.send(Intent::Signing(SigningIntent::Setup(1)));
    wait_until(&mut h, "signing on", |h| {
        signing_state(h, 1) == Some(SigningState::On)
    });

    // A second station without the key commands the aircraft on the same radio network: its
    // frames reach the aircraft and the console alike. It keeps trying until the console warns.
    let intruder = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let command = Command::SetMode {
        custom_mode: kestrel::fleet::modes::copter_mode_number("LAND").unwrap(),
    };
    let mut seq = 0u8;
    let mut send = |n: usize| {
        for _ in 0..n {
            let frame = kestrel::link::frame::encode_v2(
                MavHeader {
                    system_id: 254,
                    component_id: 190,
                    sequence: seq,
                },
                &command.to_message(1, 0),
            );
            seq = seq.wrapping_add(1);
            intruder.send_to(&frame, sim.vehicle_addrs()[0]).unwrap();
            intruder.send_to(&frame, console_addr).unwrap();
        }
    };
    let refused = |h: &Window| {
        h.state()
            .handle()
            .view()
            .alerts
            .list
            .iter()
            .filter(|a| matches!(a.kind, AlertKind::FramesRefused { .. }))
            .cloned()
            .collect::<Vec<_>>()
    };
    wait_until(&mut h, "the alert in the banner", |h| {
        send(1);
        contains(h, "unsigned frames refused")
    });
    let first = refused(&h);
    assert_eq!(first.len(), 1, "{first:?}");
    let AlertKind::FramesRefused {
        refusal,
        count: at_first,
    } = first[0].kind
    else {
        unreachable!()
    };
    assert_eq!(refusal, Refusal::Unsigned);
    assert_eq!(first[0].sysid, 1);
    assert!(at_first >= 1);

    // More of the same episode: no new alert, the count follows.
    let before_sim = sim.signing_counts(0).unwrap().unsigned;
    send(10);
    wait_until(
        &mut h,
        "the count to follow the episode",
        |h| matches!(refused(h)[0].kind, AlertKind::FramesRefused { count, .. } if count >= at_first + 10),
    );
    assert_eq!(refused(&h).len(), 1, "one alert per episode, not per frame");
    wait_until(&mut h, "the aircraft to refuse them too", |_| {
        sim.signing_counts(0).unwrap().unsigned >= before_sim + 10
    });
    assert!(contains(&h, "unsigned frames refused — another station"));
    // And the aircraft did not obey.
    assert_ne!(sim.snapshot(0).unwrap().mode, "LAND");
}

#[test]
fn links_trusted_in_the_settings_are_trusted_when_they_open() {
    let spec = LinkSpec::UdpIn(common::sim::free_udp_addr());
    let handle = start_core(ConsoleConfig {
        links: vec![spec.clone()],
        trusted_links: vec![spec.to_string()],
        ..Default::default()
    });
    wait::until("the saved trust applied", WAIT, || {
        handle.view().links.list.first().is_some_and(|l| l.trusted)
    });
}
