//! Wall-clock time, written once: the calendar (days since 1970 ↔ year, month, day), a moment
//! broken down in UTC or local time ([`DateTime`]), every text form Kestrel writes (RFC 3339 with
//! and without milliseconds, the compact file-name form, EXIF, `HH:MM`, `HH:MM:SS`), the one
//! RFC 3339 reader, and the serde helpers for `SystemTime` as seconds since the epoch. No
//! calendar dependency: the proleptic Gregorian calendar is all Kestrel needs.
//!
//! - [`civil`]: days ↔ dates, leap years, month lengths.
//! - [`clock`]: `SystemTime` ↔ seconds and milliseconds since the Unix epoch.
//! - [`datetime`]: [`DateTime`] and its text forms.
//! - [`parse`]: reading RFC 3339 ([`parse_rfc3339`] for complete instants, [`parse_utc`] for the
//!   shorter forms people type).
//! - [`unix_time`]: serde for `SystemTime` (and `Option<SystemTime>`) as seconds since the epoch.

pub mod civil;
pub mod clock;
pub mod datetime;
pub mod parse;
pub mod unix_time;

pub use civil::{civil_from_days, days_from_civil, days_in_month, is_leap_year};
pub use clock::{from_unix_ms, now_unix, unix_micros, unix_ms, unix_secs};
pub use datetime::DateTime;
pub use parse::{parse_rfc3339, parse_utc, TimeError};
