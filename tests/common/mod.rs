//! The integration tests' one harness: waiting on conditions with a deadline ([`wait`]), a
//! simulator and a station joined over loopback sockets ([`sim`]), the console's core and window
//! under test ([`console`]), a crew database with a sortie ([`crew`]), a small real filesystem to fill ([`disk`]), an independent reader of video files ([`ffprobe`]), the `kestrel` binary ([`cli`]), video streams ([`video`]), a real MQTT broker ([`mqtt`]), a small
//! HTTP client ([`http`]) and a real browser ([`browser`]). Each
//! test binary uses a part of it.

#![allow(dead_code)]

pub mod browser;
pub mod cli;
pub mod console;
pub mod crew;
pub mod disk;
pub mod ffprobe;
pub mod http;
pub mod mqtt;
pub mod sim;
pub mod video;
pub mod wait;
