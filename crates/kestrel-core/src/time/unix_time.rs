//! Serde for `SystemTime` as fractional seconds since the Unix epoch, the form JSON readers
//! expect: `#[serde(with = "crate::time::unix_time")]`, or [`option`] for an
//! `Option<SystemTime>`.

use serde::{Deserialize, Deserializer, Serializer};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::clock::unix_secs;

/// Writes the time as fractional seconds since the epoch (0 before it).
pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(unix_secs(*t))
}

/// Reads fractional seconds since the epoch (negative values become the epoch).
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
    Ok(from_secs(f64::deserialize(d)?))
}

fn from_secs(secs: f64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs_f64(secs.max(0.0))
}

/// The same for `Option<SystemTime>` (`null` for `None`).
pub mod option {
    use super::*;

    /// Writes the time as fractional seconds since the epoch, or `null`.
    pub fn serialize<S: Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&unix_secs(*t)),
            None => s.serialize_none(),
        }
    }

    /// Reads fractional seconds since the epoch, or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SystemTime>, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.map(from_secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Stamped {
        #[serde(with = "super")]
        at: SystemTime,
        #[serde(with = "super::option", default)]
        until: Option<SystemTime>,
    }

    #[test]
    fn seconds_with_a_fraction_both_ways() {
        let at = UNIX_EPOCH + Duration::from_millis(1_748_786_589_250);
        let s = Stamped { at, until: None };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"at":1748786589.25,"until":null}"#);
        assert_eq!(serde_json::from_str::<Stamped>(&json).unwrap(), s);
        let back: Stamped = serde_json::from_str(r#"{"at":-5,"until":2.5}"#).unwrap();
        assert_eq!(back.at, UNIX_EPOCH);
        assert_eq!(back.until, Some(UNIX_EPOCH + Duration::from_millis(2500)));
        assert_eq!(
            serde_json::from_str::<Stamped>(r#"{"at":0}"#)
                .unwrap()
                .until,
            None
        );
    }
}
