//! Sightings in the console window, driven like the crew would: the S hotkey marks a sighting at
//! the selected aircraft (real simulator over loopback MAVLink) and it is listed as queued and
//! written to the audit trail; a sighting marked from the map's right-click menu stays queued
//! while the broker is down (the status bar says dispatch is offline, with the backlog) and
//! turns acknowledged once a real Mosquitto and a dispatch receiver are up; "saved" is shown only
//! once the core confirms; and a picture of the sightings window (tests/snapshots/).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::kittest::Queryable;
use uuid::Uuid;

use common::console::{
    aircraft, click_when_shown, contains, core_with_simulator, english, shows, start_core,
    wait_until, Window, WindowBuilder, HOME,
};
use common::mqtt::{free_port, Mosquitto};
use common::wait::{self, WAIT};
use kestrel::console::sightings::{CotSettings, CredentialSource};
use kestrel::console::synthetic::SyntheticFleet;
use kestrel::console::{
    ConsoleConfig, ConsoleHandle, DispatchConnection, DispatchSettings, DispatchState, Event,
    Intent, MarkRequest, Settings, SightingEvent, SightingIntent, SightingPlace,
};
use kestrel::dispatch::broker::{BrokerConfig, BrokerUrl};
use kestrel::dispatch::centre::receiver::{self, ReceiverConfig};
use kestrel::dispatch::DispatchStore;
use kestrel::sightings::{
    AircraftRef, Category, DeliveryState, DispatcherAcknowledgement, LocatedBy, Position, Priority,
    QueueCounts, Sighting, SightingEdit, SightingRecord, Timestamp,
};

fn settings(dispatch: DispatchSettings) -> Settings {
    Settings {
        dispatch,
        ..english()
    }
}

/// Times in the list are local: the same time zone everywhere makes the picture the same. Set
/// before any window is built (the C library reads TZ once).
fn utc() {
    std::env::set_var("TZ", "UTC");
}

fn window(handle: ConsoleHandle, settings: Settings) -> Window {
    utc();
    WindowBuilder::new(handle).settings(settings).build()
}

fn dispatch_to(url: &str) -> DispatchSettings {
    DispatchSettings {
        broker: url.into(),
        console_id: "console-test".into(),
        credentials: CredentialSource::None,
        ..Default::default()
    }
}

#[test]
fn the_s_key_marks_a_sighting_at_the_selected_aircraft_listed_as_queued_and_audited() {
    let data = tempfile::tempdir().unwrap();
    // A TAK stand-in: CoT export goes to this UDP socket.
    let tak = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    tak.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let dispatch = DispatchSettings {
        cot: CotSettings {
            enabled: true,
            target: format!("udp://{}", tak.local_addr().unwrap()),
            ..Default::default()
        },
        ..Default::default()
    };
    let (handle, _sim, _) = core_with_simulator(
        ConsoleConfig {
            data_dir: Some(data.path().to_path_buf()),
            operator: "observer li".into(),
            dispatch: dispatch.clone(),
            ..Default::default()
        },
        aircraft(1),
    );
    let mut h = window(handle, settings(dispatch));
    wait_until(&mut h, "the aircraft selected with a position", |h| {
        h.state().selected() == Some(1)
            && h.state()
                .handle()
                .view()
                .fleet
                .get(1)
                .is_some_and(|a| a.position.is_some())
    });
    assert!(contains(&h, "dispatch: off"), "no dispatch state shown");
    h.key_press(egui::Key::S);
    wait_until(&mut h, "the category menu", |h| {
        contains(h, "Sighting at Team 1")
    });
    h.key_press(egui::Key::Num5);
    wait_until(&mut h, "the core to confirm the save", |h| {
        contains(h, "sighting saved: fire")
    });
    wait_until(&mut h, "the sighting in the list", |h| {
        h.state().handle().view().sightings.list.len() == 1
    });
    let view = h.state().handle().view();
    let r = &view.sightings.list[0];
    assert_eq!(r.state, DeliveryState::Queued);
    assert_eq!(r.sighting.category, Category::Fire);
    assert_eq!(r.sighting.located_by, LocatedBy::Aircraft);
    assert_eq!(r.sighting.aircraft.sysid, Some(1));
    let p = view.fleet.get(1).unwrap().position.unwrap();
    assert!((r.sighting.position.lat - p.lat).abs() < 0.001);
    assert!(r.sighting.position.accuracy_m.is_some());
    // In the list, as queued, and kept locally while no broker is configured.
    click_when_shown(&mut h, "Sightings (1)");
    wait_until(&mut h, "the list", |h| {
        shows(h, "queued") && contains(h, "1 kept locally")
    });
    // TAK got it as Cursor-on-Target (between the aircraft's position reports).
    let id = r.sighting.id.to_string();
    let mut buf = vec![0u8; 65536];
    wait::until("the CoT event for the sighting", WAIT, || {
        tak.recv(&mut buf)
            .is_ok_and(|n| String::from_utf8_lossy(&buf[..n]).contains(&id))
    });
    // A pick in the video goes through the projection: an aircraft on the ground sees no ground
    // point, and the crew is told why rather than given a wrong position.
    h.state_mut().mark_sighting(MarkRequest::new(
        SightingPlace::Video {
            sysid: 1,
            x: 0.5,
            y: 0.5,
        },
        Category::Vehicle,
    ));
    wait_until(&mut h, "the video pick refused with its reason", |h| {
        contains(h, "sighting NOT saved") && contains(h, "above the ground")
    });
    assert_eq!(h.state().handle().view().sightings.list.len(), 1);
    // The audit trail has it, with the operator.
    let audit = kestrel::audit::AuditLog::open(&data.path().join("audit.db")).unwrap();
    let e = wait::until("the sighting in the audit trail", WAIT, || {
        let entries = audit.entries().unwrap();
        match entries.iter().find(|e| e.action == "sighting") {
            Some(e) => Ok(e.clone()),
            None => Err(format!("no audit entry: {entries:?}")),
        }
    });
    assert_eq!(e.operator, "observer li");
    assert_eq!(e.aircraft, Some(1));
    assert!(
        e.detail.contains(&r.sighting.id.to_string()),
        "{}",
        e.detail
    );
    // While queued, an edit changes it in place.
    h.state()
        .handle()
        .send(Intent::Sightings(SightingIntent::Edit {
            id: r.sighting.id,
            edit: SightingEdit {
                note: Some("smoke from the roof".into()),
                ..Default::default()
            },
        }));
    wait_until(&mut h, "the edit saved and listed", |h| {
        contains(h, "changes saved: fire")
            && h.state().handle().view().sightings.list[0].sighting.note == "smoke from the roof"
    });
    assert_eq!(h.state().handle().view().sightings.list.len(), 1);
}

/// Right-clicks the middle of the map and marks a sighting there as a person.
fn mark_person_on_the_map(h: &mut Window) {
    let at = egui::pos2(690.0, 420.0);
    h.hover_at(at);
    h.step();
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Secondary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        h.step();
    }
    wait_until(h, "the map's menu", |h| contains(h, "Mark sighting here"));
    h.get_by_label("Mark sighting here").click();
    wait_until(h, "the category menu", |h| contains(h, "1  person"));
    // The menu settles (its size is measured in its first frames).
    h.run_steps(3);
    h.get_by_label("1  person").click();
    wait_until(h, "the core to confirm the save", |h| {
        contains(h, "sighting saved: person")
    });
}

#[test]
fn with_the_broker_down_a_sighting_stays_queued_and_is_acknowledged_once_dispatch_is_up() {
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("mqtt://127.0.0.1:{port}");
    let dispatch = dispatch_to(&url);
    let handle = start_core(ConsoleConfig {
        data_dir: Some(data.path().to_path_buf()),
        dispatch: dispatch.clone(),
        ..Default::default()
    });
    let mut h = window(handle, settings(dispatch));
    wait_until(&mut h, "dispatch offline", |h| {
        contains(h, "dispatch OFFLINE — 0 waiting")
    });
    mark_person_on_the_map(&mut h);
    wait_until(&mut h, "the sighting in the list", |h| {
        h.state().handle().view().sightings.list.len() == 1
    });
    let view = h.state().handle().view();
    assert_eq!(view.sightings.list[0].sighting.located_by, LocatedBy::Map);
    assert!(view.sightings.list[0]
        .sighting
        .position
        .accuracy_m
        .is_some());
    wait_until(&mut h, "the backlog in the status bar", |h| {
        contains(h, "dispatch OFFLINE — 1 waiting")
    });
    click_when_shown(&mut h, "Sightings (1)");
    wait_until(&mut h, "the list", |h| shows(h, "queued"));
    assert!(matches!(
        h.state().handle().view().sightings.dispatch.connection,
        DispatchConnection::Offline { .. }
    ));

    // The broker and dispatch come up.
    let _mosquitto = Mosquitto::start_on(port);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = DispatchStore::open(&data.path().join("dispatch.db")).unwrap();
    let mut rcfg = ReceiverConfig::new(
        BrokerConfig::new(url.parse::<BrokerUrl>().unwrap(), None, None).unwrap(),
    );
    rcfg.backoff_min = Duration::from_millis(20);
    rcfg.backoff_max = Duration::from_millis(300);
    let _receiver = {
        let _enter = runtime.enter();
        receiver::start(store.clone(), rcfg)
    };
    wait_until(&mut h, "the sighting acknowledged in the list", |h| {
        shows(h, "acknowledged") && contains(h, "dispatch: connected — 0 waiting")
    });
    assert!(!shows(&h, "queued"));
    let held = store.list().unwrap();
    assert_eq!(held.len(), 1, "dispatch holds {held:?}");
    assert_eq!(
        held[0].sighting.id,
        h.state().handle().view().sightings.list[0].sighting.id
    );
}

fn record(n: u128, cat: Category, state: DeliveryState, north: f64, east: f64) -> SightingRecord {
    let (lat, lon) = HOME;
    let time = Timestamp(1_764_400_000_000 + n as i64 * 97_000);
    SightingRecord {
        seq: n as i64,
        sighting: Sighting {
            id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n),
            revision: 0,
            time,
            aircraft: AircraftRef {
                sysid: Some((n % 3 + 1) as u8),
                callsign: None,
            },
            sortie: None,
            crew: None,
            position: Position {
                lat: lat + north,
                lon: lon + east,
                alt_m: Some(35.0),
                accuracy_m: Some(6.0 + n as f64),
            },
            located_by: LocatedBy::Aircraft,
            category: cat,
            priority: if cat == Category::Rescue {
                Priority::Urgent
            } else {
                Priority::Normal
            },
            note: format!("note {n}"),
            snapshot: None,
            corrects: None,
        },
        state,
        saved_at: time,
        delivered_at: None,
        acknowledged_at: None,
        corrected_by: None,
        dispatcher_ack: None,
    }
}

/// Sightings per delivery state, as the core counts them in the queue.
fn counts_of(list: &[SightingRecord]) -> QueueCounts {
    let mut c = QueueCounts::default();
    for r in list {
        match r.state {
            DeliveryState::Queued => c.queued += 1,
            DeliveryState::Delivered => c.delivered += 1,
            DeliveryState::Acknowledged => c.acknowledged += 1,
        }
    }
    c
}

/// A window without a core over a synthetic fleet, with `sightings` published.
fn detached(sightings: Vec<SightingRecord>, connection: DispatchConnection) -> Window {
    detached_with(sightings, connection, DispatchSettings::default())
}

fn detached_with(
    sightings: Vec<SightingRecord>,
    connection: DispatchConnection,
    dispatch: DispatchSettings,
) -> Window {
    utc();
    let handle = ConsoleHandle::detached();
    let mut fleet = SyntheticFleet::new(3, Instant::now());
    fleet.step(10.0);
    let mut view = fleet.view(10.0, 1);
    view.sightings.dispatch = DispatchState {
        connection,
        counts: counts_of(&sightings),
        console_id: "team-1".into(),
        broker: Some("mqtts://dispatch.example:8883".into()),
        cot: None,
        retry_at: None,
        ..Default::default()
    };
    view.sightings.total = sightings.len() as u64;
    view.sightings.list = Arc::new(sightings);
    handle.set_view(view);
    WindowBuilder::new(handle)
        .settings(settings(dispatch))
        .without_clock()
        .select(1)
        .rendered()
        .build()
}

#[test]
fn saved_is_shown_only_once_the_core_confirms() {
    let mut h = detached(Vec::new(), DispatchConnection::Connected);
    h.run_steps(2);
    h.get_by_label("Sighting (S)").click();
    h.run_steps(2);
    // The menu settles (its size is measured in its first frames).
    h.run_steps(3);
    h.get_by_label("6  rescue").click();
    h.run_steps(2);
    let intents = h.state().handle().take_intents();
    let id = match &intents[..] {
        [Intent::Sightings(SightingIntent::Mark { id, request })] => {
            assert_eq!(request.place, SightingPlace::Aircraft(1));
            assert_eq!(request.category, Category::Rescue);
            *id
        }
        other => panic!("{other:?}"),
    };
    assert!(contains(&h, "saving sighting: rescue"));
    assert!(!contains(&h, "sighting saved"));
    let (s, _) = kestrel::sightings::NewSighting::new(Category::Rescue, Position::new(36.4, 116.0))
        .into_sighting();
    h.state()
        .handle()
        .inject_event(Event::Sightings(SightingEvent::Saved {
            request: id,
            result: Ok(s),
        }));
    h.run_steps(2);
    assert!(contains(&h, "sighting saved: rescue"));
    // A refusal says why, and never "saved".
    h.get_by_label("Sighting (S)").click();
    h.run_steps(2);
    h.key_press(egui::Key::Num2);
    h.run_steps(2);
    let id = match &h.state().handle().take_intents()[..] {
        [Intent::Sightings(SightingIntent::Mark { id, .. })] => *id,
        other => panic!("{other:?}"),
    };
    h.state()
        .handle()
        .inject_event(Event::Sightings(SightingEvent::Saved {
            request: id,
            result: Err("disk full".into()),
        }));
    h.run_steps(2);
    assert!(contains(&h, "sighting NOT saved: disk full"));
}

#[test]
fn sightings_window_picture_and_editing_a_queued_one() {
    let list = vec![
        SightingRecord {
            dispatcher_ack: Some(DispatcherAcknowledgement {
                by: "Li.Na".into(),
                at: Timestamp(1_764_400_200_000),
            }),
            ..record(
                1,
                Category::Person,
                DeliveryState::Acknowledged,
                0.004,
                -0.006,
            )
        },
        record(
            2,
            Category::Vehicle,
            DeliveryState::Delivered,
            -0.003,
            0.004,
        ),
        record(3, Category::Fire, DeliveryState::Queued, 0.002, 0.007),
        record(4, Category::Rescue, DeliveryState::Queued, -0.005, -0.003),
    ];
    let mut h = detached(
        list,
        DispatchConnection::Offline {
            reason: "connection refused".into(),
        },
    );
    h.run_steps(2);
    assert!(contains(&h, "dispatch OFFLINE — 3 waiting"));
    click_when_shown(&mut h, "Sightings (3)");
    h.run_steps(3);
    for s in [
        "queued",
        "delivered",
        "acknowledged by dispatcher Li.Na",
        "rescue · URGENT",
    ] {
        assert!(shows(&h, s), "{s} missing");
    }
    // Select the queued fire (the list is newest first) and change its priority.
    let time =
        kestrel::time::DateTime::local(Timestamp(1_764_400_000_000 + 3 * 97_000).to_system_time())
            .hms();
    h.get_by_label(&time).click();
    h.run_steps(3);
    assert!(
        contains(&h, "Save changes"),
        "a queued sighting is edited in place"
    );
    h.snapshot("console_sightings_en");
    // The note is changed in place.
    let fire = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + 3);
    let note = |h: &Window| {
        let field = h.get_by_role_and_label(egui::accesskit::Role::MultilineTextInput, "Note");
        field.click();
        field.type_text(" (more)");
    };
    note(&h);
    h.run_steps(2);
    h.get_by_label("Save changes").click();
    h.run_steps(2);
    match &h.state().handle().take_intents()[..] {
        [Intent::Sightings(SightingIntent::Edit { id, edit })] => {
            assert_eq!(*id, fire);
            assert_eq!(edit.note.as_deref(), Some("note 3 (more)"));
            assert_eq!(edit.category, None);
        }
        other => panic!("{other:?}"),
    }
    // A sent one is corrected by appending.
    let time =
        kestrel::time::DateTime::local(Timestamp(1_764_400_000_000 + 97_000).to_system_time())
            .hms();
    h.get_by_label(&time).click();
    h.run_steps(3);
    assert!(contains(&h, "Correct (append)"));
    note(&h);
    h.run_steps(2);
    h.get_by_label("Correct (append)").click();
    h.run_steps(2);
    assert!(matches!(
        &h.state().handle().take_intents()[..],
        [Intent::Sightings(SightingIntent::Correct { .. })]
    ));
}

#[test]
fn dispatch_settings_refuse_a_bad_broker_url_and_apply_a_good_one() {
    let mut h = detached(Vec::new(), DispatchConnection::Off);
    h.run_steps(2);
    click_when_shown(&mut h, "Sightings (0)");
    h.run_steps(2);
    h.get_by_label("Dispatch settings").click();
    h.run_steps(3);
    let field = |h: &Window| {
        h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Broker")
            .click();
    };
    field(&h);
    h.run_steps(2);
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Broker")
        .type_text("http://dispatch");
    h.run_steps(2);
    h.get_by_label("Apply").click();
    h.run_steps(2);
    assert!(contains(&h, "use mqtt://HOST:PORT"), "no reason given");
    assert!(h.state().handle().take_intents().is_empty());
    assert!(!h.state().settings().dispatch.enabled());

    // Fix it: the core is reconfigured and the settings keep it (without any password).
    field(&h);
    h.run_steps(1);
    for _ in 0.."http://dispatch".len() {
        h.key_press(egui::Key::Backspace);
    }
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Broker")
        .type_text("mqtts://dispatch.example:8883");
    h.run_steps(2);
    h.get_by_label("Apply").click();
    h.run_steps(2);
    let intents = h.state().handle().take_intents();
    match &intents[..] {
        [Intent::Sightings(SightingIntent::Configure(s))] => {
            assert_eq!(s.broker, "mqtts://dispatch.example:8883")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        h.state().settings().dispatch.broker,
        "mqtts://dispatch.example:8883"
    );
}

#[test]
fn dispatch_settings_ask_for_the_tak_client_certificate_of_an_ssl_cot_target() {
    let mut dispatch = DispatchSettings::default();
    dispatch.cot.enabled = true;
    dispatch.cot.target = "ssl://tak.example:8089".into();
    let mut h = detached_with(Vec::new(), DispatchConnection::Off, dispatch);
    h.run_steps(2);
    click_when_shown(&mut h, "Sightings (0)");
    h.run_steps(2);
    h.get_by_label("Dispatch settings").click();
    h.run_steps(3);
    for label in [
        "TAK server CA file",
        "Client certificate file",
        "Client private key file",
    ] {
        assert!(shows(&h, label), "no {label} field");
    }
    h.get_by_label("Apply").click();
    h.run_steps(2);
    assert!(
        contains(&h, "needs the console's client certificate file"),
        "no reason given"
    );
    assert!(h.state().handle().take_intents().is_empty());

    let cert = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Client certificate file");
    cert.click();
    h.run_steps(1);
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Client certificate file")
        .type_text("/etc/kestrel/tak-client.pem");
    h.run_steps(2);
    if let Ok(dir) = std::env::var("KESTREL_SHOT_DIR") {
        h.render()
            .unwrap()
            .save(std::path::Path::new(&dir).join("dispatch_cot_tls.png"))
            .unwrap();
    }
    h.get_by_label("Apply").click();
    h.run_steps(2);
    match &h.state().handle().take_intents()[..] {
        [Intent::Sightings(SightingIntent::Configure(s))] => {
            assert_eq!(
                s.cot.cert_file.as_deref(),
                Some(std::path::Path::new("/etc/kestrel/tak-client.pem"))
            );
            assert_eq!(s.cot.key_file, None);
        }
        other => panic!("{other:?}"),
    }
}
