//! An idle console rests: with a link open and no aircraft heard, the core does not ask the
//! window to draw (a laptop in a patrol car keeps its battery); once an aircraft is heard it
//! publishes again at its usual rate.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::console::{aircraft, start_core};
use common::sim::free_udp_addr;
use common::wait::{self, WAIT};

use kestrel::console::ConsoleConfig;
use kestrel::link::LinkSpec;
use kestrel_sim::{Endpoint, SimConfig, Simulator};

/// How long the console is watched for repaints while nothing happens.
const QUIET: Duration = Duration::from_secs(2);

#[test]
fn with_nothing_heard_the_core_stops_asking_for_frames_and_starts_again_for_an_aircraft() {
    let addr = free_udp_addr();
    let handle = start_core(ConsoleConfig {
        links: vec![LinkSpec::UdpIn(addr)],
        ..Default::default()
    });
    let repaints = Arc::new(AtomicU64::new(0));
    let counter = repaints.clone();
    handle.set_repaint_hook(Arc::new(move || {
        counter.fetch_add(1, Ordering::Relaxed);
    }));
    wait::until("the link to be listed as open", WAIT, || {
        !handle.view().links.list.is_empty()
    });
    // Let start-up publications (links opening, stores loading) settle: wait until a whole
    // second passes without a publication, then watch a quiet stretch.
    wait::until("start-up publications to settle", WAIT, || {
        let before = handle.view().seq;
        std::thread::sleep(Duration::from_secs(1));
        handle.view().seq == before
    });
    let before = repaints.load(Ordering::Relaxed);
    let seq = handle.view().seq;
    std::thread::sleep(QUIET);
    let asked = repaints.load(Ordering::Relaxed) - before;
    assert!(
        asked <= 1,
        "an idle core asked for {asked} frames in {QUIET:?} (it publishes at 10 Hz only when something changes)"
    );
    assert_eq!(handle.view().seq, seq, "nothing new was published");

    let _sim = Simulator::start(SimConfig {
        endpoint: Endpoint::Udp(addr),
        ..aircraft(1)
    })
    .expect("the simulator starts");
    wait::until("the aircraft on the published view", WAIT, || {
        !handle.view().fleet.aircraft.is_empty()
    });
    let heard = repaints.load(Ordering::Relaxed);
    wait::until(
        "publications at the usual rate while an aircraft talks",
        WAIT,
        || repaints.load(Ordering::Relaxed) >= heard + 10,
    );
}
