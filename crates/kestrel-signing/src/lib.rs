//! MAVLink 2 message signing, written once for both ends of the link: the ground station
//! (`kestrel-core`) and the simulated aircraft (`kestrel-sim`) use this crate, so the two can
//! never disagree about what a good, fresh signed frame is.
//!
//! What is here, following <https://mavlink.io/en/guide/message_signing.html>:
//! - [`signature`]: the 48-bit signature (the first 6 bytes of SHA-256 over the key and the frame
//!   up to and including the timestamp), and [`sign_frame`], which turns an unsigned MAVLink 2
//!   frame into a signed one;
//! - [`streams`]: the acceptance rules per stream (link id, system, component): a timestamp not
//!   newer than the stream's last one is a [`Rejection::Replayed`] frame; the first frame of a new
//!   stream more than a minute behind the local timestamp is [`Rejection::TooOld`];
//! - [`verifier`]: both checks together for one key ([`Verifier`]), and the counts of what was
//!   accepted and refused ([`VerifyCounts`]);
//! - [`clock`]: the signing clock (10 µs units since 2015-01-01) that only ever goes forward.
//!
//! Keys are plain 32-byte arrays here; how they are generated, stored and shown is each program's
//! business.

#![warn(missing_docs)]

pub mod clock;
mod counts;
mod rejection;
pub mod signature;
pub mod streams;
pub mod verifier;

pub use clock::{timestamp_now, SigningClock};
pub use counts::VerifyCounts;
pub use rejection::Rejection;
pub use signature::{encode_signed, sign_frame, signature, SignError, SignatureTrailer};
pub use streams::{StreamId, StreamTimestamps, NEW_STREAM_MAX_AGE};
pub use verifier::Verifier;

/// Bytes in a signing key.
pub const KEY_LEN: usize = 32;
/// Bytes a signature adds to a frame: link id, 6-byte timestamp, 6-byte signature.
pub const SIGNATURE_LEN: usize = 13;
/// MAVLink 2 incompatibility flag: the frame carries a signature.
pub const IFLAG_SIGNED: u8 = 0x01;
/// MAVLink 2 start byte (MAVLink 1 frames cannot be signed).
pub const STX_V2: u8 = 0xFD;
/// Bytes in a MAVLink 2 header, start byte included.
pub const HEADER_V2_LEN: usize = 10;
/// Bytes of the checksum after the payload.
pub const CHECKSUM_LEN: usize = 2;
