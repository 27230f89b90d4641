//! Kestrel, the ground-control station for police drone patrol teams: the command line over the
//! headless core ([`kestrel_core`], re-exported here module by module) and, with the `console`
//! feature, the console window ([`ui`], the `kestrel-ui` crate). Scripts, tests and benchmarks
//! name everything `kestrel::…`.
#![warn(missing_docs)]

pub mod cli;

pub use kestrel_core::{
    alerts, audit, checklist, conformance, console, crew, db, dispatch, fleet, geo, link, paths,
    payload, plan, process, protocol, remote_id, router, seat, security, sightings, sound, station,
    storage, tasking, terrain, tiles, time, traffic, video,
};
#[cfg(feature = "console")]
pub use kestrel_ui as ui;
