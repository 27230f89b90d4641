//! UTC time stamps for recording file names, container tags and snapshot metadata, without a
//! calendar dependency: `2025-06-01T14:03:09Z`, `20250601T140309Z` and EXIF's
//! `2025:06:01 14:03:09`.

use std::time::{SystemTime, UNIX_EPOCH};

/// A moment split into UTC calendar fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UtcFields {
    /// Year, e.g. 2025.
    pub year: i64,
    /// Month 1..=12.
    pub month: u32,
    /// Day of month 1..=31.
    pub day: u32,
    /// Hour 0..=23.
    pub hour: u32,
    /// Minute 0..=59.
    pub minute: u32,
    /// Second 0..=59.
    pub second: u32,
    /// Milliseconds 0..=999.
    pub millis: u32,
}

/// Splits `t` into UTC fields (times before 1970 clamp to the epoch).
pub fn utc_fields(t: SystemTime) -> UtcFields {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = if month <= 2 { y + 1 } else { y };
    UtcFields {
        year,
        month,
        day,
        hour: (rem / 3600) as u32,
        minute: (rem % 3600 / 60) as u32,
        second: (rem % 60) as u32,
        millis: d.subsec_millis(),
    }
}

/// ISO 8601 in UTC with milliseconds: `2025-06-01T14:03:09.250Z`.
pub fn iso8601(t: SystemTime) -> String {
    let f = utc_fields(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        f.year, f.month, f.day, f.hour, f.minute, f.second, f.millis
    )
}

/// Compact form for file names: `20250601T140309Z`.
pub fn compact(t: SystemTime) -> String {
    let f = utc_fields(t);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        f.year, f.month, f.day, f.hour, f.minute, f.second
    )
}

/// EXIF DateTime form (UTC): `2025:06:01 14:03:09`.
pub fn exif(t: SystemTime) -> String {
    let f = utc_fields(t);
    format!(
        "{:04}:{:02}:{:02} {:02}:{:02}:{:02}",
        f.year, f.month, f.day, f.hour, f.minute, f.second
    )
}

/// Seconds since the Unix epoch as a float, for JSON.
pub fn unix_secs(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn known_dates() {
        let t = UNIX_EPOCH + Duration::from_millis(1_748_786_589_250); // 2025-06-01T14:03:09.250Z
        assert_eq!(iso8601(t), "2025-06-01T14:03:09.250Z");
        assert_eq!(compact(t), "20250601T140309Z");
        assert_eq!(exif(t), "2025:06:01 14:03:09");
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // Leap day.
        let leap = UNIX_EPOCH + Duration::from_secs(1_709_164_800); // 2024-02-29T00:00:00Z
        assert_eq!(compact(leap), "20240229T000000Z");
    }
}
