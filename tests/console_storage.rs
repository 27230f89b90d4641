//! The data directory's disk in the console: the status bar warns before the disk is full (in
//! both languages), and on a real filesystem filled under a running console core, a sighting
//! marked there is refused with what to do (nothing saved, nothing audited), then saved and
//! audited once space is freed.

mod common;

use std::time::Duration;

use common::console::{contains, core_in, english, wait_event, WindowBuilder};
use common::disk::SmallDisk;
use common::wait::{self, WAIT};
use kestrel::console::storage::StorageView;
use kestrel::console::{
    ConsoleHandle, ConsoleView, Event, Language, MarkRequest, Settings, SightingEvent,
    SightingIntent, SightingPlace, StorageIntent,
};
use kestrel::sightings::Category;
use kestrel::storage::{DiskSpace, DiskWarning};

fn status_bar_with(storage: StorageView, language: Language) -> common::console::Window {
    let handle = ConsoleHandle::detached();
    handle.set_view(ConsoleView {
        storage,
        ..Default::default()
    });
    let mut h = WindowBuilder::new(handle)
        .settings(Settings {
            language,
            ..english()
        })
        .without_clock()
        .build();
    h.run_steps(3);
    h
}

#[test]
fn the_status_bar_warns_before_the_disk_is_full() {
    let disk = Some(DiskSpace {
        total: 100_000_000_000,
        available: 3_000_000_000,
    });
    let filling = StorageView {
        disk,
        bytes_per_second: Some(4_000_000.0),
        warning: Some(DiskWarning::StopsIn(Duration::from_secs(12 * 60))),
        ..Default::default()
    };
    let h = status_bar_with(filling.clone(), Language::English);
    assert!(contains(&h, "Disk: 3.0 GB free"));
    assert!(contains(&h, "recordings stop in ~12 min"));
    let h = status_bar_with(filling, Language::Chinese);
    assert!(contains(&h, "约 12 分钟后录像停止"));

    let full = StorageView {
        disk,
        warning: Some(DiskWarning::Full),
        ..Default::default()
    };
    let h = status_bar_with(full, Language::English);
    assert!(contains(&h, "Disk full"));

    let calm = StorageView {
        disk,
        ..Default::default()
    };
    let h = status_bar_with(calm, Language::English);
    assert!(contains(&h, "Disk: 3.0 GB free"));
    assert!(!contains(&h, "recordings stop"));
}

fn mark(handle: &ConsoleHandle) -> Result<kestrel::sightings::Sighting, String> {
    let id = handle.next_command_id();
    let place = SightingPlace::Map {
        lat: 52.52,
        lon: 13.405,
        accuracy_m: Some(5.0),
        sysid: None,
    };
    handle.send(SightingIntent::Mark {
        id,
        request: MarkRequest::new(place, Category::Crowd),
    });
    let answer = wait_event(
        handle,
        "the sighting's answer",
        |e| matches!(e, Event::Sightings(SightingEvent::Saved { request, .. }) if *request == id),
    );
    match answer {
        Event::Sightings(SightingEvent::Saved { result, .. }) => result,
        _ => unreachable!(),
    }
}

fn warning_becomes(handle: &ConsoleHandle, expected: Option<DiskWarning>) {
    handle.send(StorageIntent::Measure);
    wait::until("the disk's warning in the view", WAIT, || {
        let v = handle.view();
        match (&v.storage.disk, v.storage.warning == expected) {
            (Some(_), true) => Ok(()),
            _ => Err(format!("{:?}", v.storage)),
        }
    });
}

#[test]
fn a_console_on_a_full_disk_refuses_a_sighting_and_saves_it_once_space_is_freed() {
    let Some(disk) = SmallDisk::mount("4m") else {
        return;
    };
    let data = disk.at.join("kestrel");
    let handle = core_in(&data);
    warning_becomes(&handle, None);
    let audit = || {
        kestrel::audit::AuditLog::open_to_read(&data.join("audit.db"))
            .map(|log| log.entries().unwrap())
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.action == "sighting")
            .count()
    };

    let ballast = disk.fill_leaving("ballast", 20 * 1024);
    warning_becomes(&handle, Some(DiskWarning::Full));
    let refused = mark(&handle).unwrap_err();
    assert!(refused.contains("nothing was saved"), "{refused}");
    assert!(refused.contains("kestrel storage"), "{refused}");
    assert_eq!(audit(), 0);

    common::disk::free(&ballast);
    warning_becomes(&handle, None);
    let saved = mark(&handle).expect("saved once space is freed");
    wait::until("the saved sighting in the list", WAIT, || {
        handle
            .view()
            .sightings
            .list
            .iter()
            .any(|r| r.sighting.id == saved.id)
    });
    assert_eq!(handle.view().sightings.list.len(), 1);
    assert_eq!(
        audit(),
        1,
        "its audit entry is written before it is answered"
    );
    drop(handle);
}
