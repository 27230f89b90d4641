//! The one RFC 3339 reader. It reads `YYYY-MM-DDTHH:MM[:SS[.fff…]][Z|±HH:MM]` (a `t` or a space
//! may replace the `T`, a `z` the `Z`) and checks every field, the day against its month. Two
//! doors lead to it: [`parse_rfc3339`] wants a complete instant (seconds and zone, as Kestrel
//! writes them), [`parse_utc`] also takes the shorter forms people type (minutes only, no zone
//! meaning UTC).

use super::civil::{days_from_civil, days_in_month};

/// Why a text is not a time; says what form is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Not a complete RFC 3339 instant (see [`parse_rfc3339`]).
    #[error("'{0}' is not a UTC time like 2025-05-01T12:00:00Z or 2025-05-01T12:00:00.123Z")]
    NotAnInstant(String),
    /// Not a time in any form [`parse_utc`] reads.
    #[error("'{0}' is not a time; write it like 2025-06-01T08:00Z or 2025-06-01T16:00+08:00")]
    NotATime(String),
}

/// What the reader found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Reading {
    /// Milliseconds since the Unix epoch (fractions beyond the millisecond are cut off).
    unix_ms: i64,
    /// Whether the seconds were written.
    has_seconds: bool,
    /// Whether a zone (`Z` or an offset) was written.
    has_zone: bool,
}

/// Reads a complete RFC 3339 instant, `2025-05-01T12:00:00Z`, `2025-05-01T12:00:00.123Z` or
/// `2025-05-01T20:00:00+08:00`, into milliseconds since the Unix epoch.
pub fn parse_rfc3339(s: &str) -> Result<i64, TimeError> {
    match read(s) {
        Some(r) if r.has_seconds && r.has_zone => Ok(r.unix_ms),
        _ => Err(TimeError::NotAnInstant(s.to_string())),
    }
}

/// Reads a time as people type it — `2025-06-01T08:00Z`, `2025-06-01 08:00:30`,
/// `2025-06-01T16:00+08:00`; no zone means UTC, surrounding spaces are ignored — into whole
/// seconds since the Unix epoch (fractions are dropped).
pub fn parse_utc(s: &str) -> Result<i64, TimeError> {
    read(s.trim())
        .map(|r| r.unix_ms.div_euclid(1000))
        .ok_or_else(|| TimeError::NotATime(s.to_string()))
}

/// The reader: `None` for anything that is not a valid time in the accepted form.
fn read(s: &str) -> Option<Reading> {
    if !s.is_ascii() {
        return None;
    }
    let b = s.as_bytes();
    let digits = |at: usize, len: usize| -> Option<i64> {
        let part = b.get(at..at + len)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |n, c| n * 10 + i64::from(c - b'0')))
    };
    let at = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute) = (digits(11, 2)?, digits(14, 2)?);
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":")) {
        return None;
    }
    let mut rest = &s[16..];
    let mut second = 0;
    let mut millis = 0;
    let has_seconds = rest.starts_with(':');
    if has_seconds {
        second = digits(17, 2)?;
        rest = &s[19..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            // The first three digits are the milliseconds; shorter fractions are scaled up.
            let ms: String = fraction[..n].chars().chain("00".chars()).take(3).collect();
            millis = ms.parse::<i64>().ok()?;
            rest = &fraction[n..];
        }
    }
    let (has_zone, offset_min) = match rest.as_bytes() {
        [] => (false, 0),
        [b'Z' | b'z'] => (true, 0),
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let base = s.len() - 5;
            let (oh, om) = (digits(base, 2)?, digits(base + 3, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let offset = oh * 60 + om;
            (true, if *sign == b'-' { -offset } else { offset })
        }
        _ => return None,
    };
    let month_ok = (1..=12).contains(&month);
    let month = u32::try_from(month).ok()?;
    if !month_ok
        || day < 1
        || day > i64::from(days_in_month(year, month))
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, u32::try_from(day).ok()?);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    Some(Reading {
        unix_ms: secs * 1000 + millis,
        has_seconds,
        has_zone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_instants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.000z"), Ok(0));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59.999Z"), Ok(-1));
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Ok(951_782_400_000));
        let leap = Ok(1_709_251_199_999);
        assert_eq!(parse_rfc3339("2024-02-29T23:59:59.999Z"), leap);
        assert_eq!(parse_rfc3339("2024-02-29t23:59:59.9999999Z"), leap);
        assert_eq!(parse_rfc3339("2024-03-01T01:59:59.999+02:00"), leap);
        assert_eq!(parse_rfc3339("2024-02-29T20:29:59.999-03:30"), leap);
        assert_eq!(
            parse_rfc3339("2024-02-29 23:59:59.9Z"),
            Ok(1_709_251_199_900)
        );
        assert_eq!(
            parse_rfc3339("2024-02-29T23:59:59.12Z"),
            Ok(1_709_251_199_120)
        );
    }

    #[test]
    fn typed_times() {
        assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_utc("2000-03-01T00:00Z"), Ok(951_868_800));
        let t = Ok(1_748_766_615); // 2025-06-01T08:30:15Z
        assert_eq!(parse_utc("2025-06-01T08:30:15Z"), t);
        assert_eq!(parse_utc("2025-06-01T16:30:15+08:00"), t);
        assert_eq!(parse_utc(" 2025-06-01 08:30:15.250 "), t);
        assert_eq!(parse_utc("2025-06-01t08:30:15z"), t);
        assert_eq!(parse_utc("2025-06-01T08:30"), Ok(1_748_766_600));
        assert_eq!(parse_utc("1969-12-31T23:59:59.5Z"), Ok(-1));
    }

    #[test]
    fn an_instant_needs_its_seconds_and_zone() {
        for s in [
            "2024-01-01T00:00:00",
            "2024-01-01T00:00Z",
            " 2024-01-01T00:00:00Z",
        ] {
            assert_eq!(
                parse_rfc3339(s),
                Err(TimeError::NotAnInstant(s.into())),
                "{s}"
            );
            assert!(parse_utc(s).is_ok(), "{s}");
        }
    }

    #[test]
    fn nonsense_is_refused_with_an_example() {
        for s in [
            "",
            "tomorrow",
            "2025-06-01",
            "2025-13-01T00:00:00Z",
            "2025-00-01T00:00:00Z",
            "2025-06-00T00:00:00Z",
            "2025-06-31T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2025-06-01T24:00:00Z",
            "2025-06-01T08:60:00Z",
            "2025-06-01T08:00:61Z",
            "2025-06-01T08:00:00.Z",
            "2025-06-01T08:00:5Z",
            "2025-06-01T08:00:00+8",
            "2025-06-01T08:00:00+08",
            "2025-06-01T08:00:00+0800",
            "2025-06-01T08:00:00+24:00",
            "2025-06-01T08:00:00+08:60",
            "2025-06-01T08:00:00+-1:00",
            "+025-06-01T08:00:00Z",
            "2025-6-01T08:00:00Z",
            "2025/06/01T08:00:00Z",
            "2025-06-01X08:00:00Z",
            "2025-06-01T08:00:00ZZ",
            "2025-06-01T08:00:00 Z",
            "２025-06-01T08:00:00Z",
            "2025-13-01T00:00Z",
            "2025-06-01T25:00Z",
            "2025-06-01T08:00+8",
        ] {
            let strict = parse_rfc3339(s).unwrap_err();
            assert!(strict.to_string().contains("2025-05-01T12:00:00Z"), "{s}");
            let loose = parse_utc(s).unwrap_err();
            assert!(loose.to_string().contains("2025-06-01T08:00Z"), "{s}");
            assert!(loose.to_string().contains(s.trim()), "{s}");
        }
    }

    #[test]
    fn what_is_written_reads_back() {
        use crate::time::DateTime;
        for ms in [
            -86_400_000i64,
            0,
            951_782_400_000,
            1_709_251_199_999,
            4_102_444_800_123,
        ] {
            let t = DateTime::from_unix_ms(ms);
            assert_eq!(parse_rfc3339(&t.rfc3339_millis()), Ok(ms));
            assert_eq!(parse_utc(&t.rfc3339()), Ok(ms.div_euclid(1000)));
            assert_eq!(parse_utc(&t.rfc3339_millis()), Ok(ms.div_euclid(1000)));
        }
        let t = parse_utc("2025-06-01T08:30:15Z").unwrap();
        assert_eq!(DateTime::from_unix_secs(t).hm(), "08:30");
    }

    #[test]
    fn a_leap_second_is_the_next_minute_start() {
        assert_eq!(
            parse_rfc3339("2016-12-31T23:59:60Z"),
            parse_rfc3339("2017-01-01T00:00:00Z")
        );
    }
}
