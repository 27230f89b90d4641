//! Running the `kestrel` binary the tests were built with, on a data directory.

use std::path::Path;
use std::process::{Command, Output};

/// The `kestrel` binary under test.
pub const KESTREL: &str = env!("CARGO_BIN_EXE_kestrel");

/// Runs `kestrel --data-dir DATA ARGS…` to completion.
pub fn kestrel(data: &Path, args: &[&str]) -> Output {
    Command::new(KESTREL)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .expect("run kestrel")
}
