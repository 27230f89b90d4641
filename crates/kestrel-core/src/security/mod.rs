//! Security: MAVLink 2 signing and the stores its secrets live in.

pub mod keystore;
pub mod share;
pub mod signing;
pub mod status;
pub mod table;

pub use keystore::KeyStore;
pub use signing::{Rejection, SigningClock, SigningKey, Verifier, VerifyCounts};
pub use status::{SigningRow, SigningState};
pub use table::SigningTable;
