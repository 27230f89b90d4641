//! Wall-clock instants as milliseconds since the Unix epoch, written as RFC 3339 UTC text
//! (`2025-05-01T12:00:00.123Z`) in JSON and Cursor-on-Target, and as integers in SQLite. The
//! calendar, the text and its reading are [`crate::time`]'s; this is the data-model type.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use crate::time::{from_unix_ms, parse_rfc3339, unix_ms, DateTime, TimeError};

/// A UTC instant with millisecond resolution: when a sighting was made, delivered or acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current wall-clock time.
    pub fn now() -> Self {
        Self::from_system_time(SystemTime::now())
    }

    /// Converts a `SystemTime` (times before 1970 become 1970).
    pub fn from_system_time(t: SystemTime) -> Self {
        Self(unix_ms(t).max(0))
    }

    /// Milliseconds since the Unix epoch.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// This instant plus `d`.
    pub fn plus(self, d: Duration) -> Self {
        Self(
            self.0
                .saturating_add(d.as_millis().min(i64::MAX as u128) as i64),
        )
    }

    /// As a `SystemTime`.
    pub fn to_system_time(self) -> SystemTime {
        from_unix_ms(self.0)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&DateTime::from_unix_ms(self.0).rfc3339_millis())
    }
}

impl FromStr for Timestamp {
    type Err = TimeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_rfc3339(s).map(Self)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_known_instants() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00.000Z");
        // 2024-02-29T23:59:59.999Z, a leap day.
        let t = Timestamp(1_709_251_199_999);
        assert_eq!(t.to_string(), "2024-02-29T23:59:59.999Z");
        assert_eq!("2024-02-29T23:59:59.999Z".parse::<Timestamp>(), Ok(t));
        assert_eq!("2024-03-01T01:59:59.999+02:00".parse::<Timestamp>(), Ok(t));
        assert_eq!(
            "2024-02-29T23:59:59Z".parse::<Timestamp>(),
            Ok(Timestamp(1_709_251_199_000))
        );
    }

    #[test]
    fn refuses_garbage() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00.Z",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
        }
    }

    #[test]
    fn round_trips_over_centuries() {
        for ms in [
            -86_400_000i64,
            951_782_400_000,
            4_102_444_800_123,
            1_234_567_890_123,
        ] {
            let t = Timestamp(ms);
            assert_eq!(t.to_string().parse::<Timestamp>(), Ok(t));
        }
    }
}
