//! A moment broken down into calendar fields, in UTC or in the machine's local time, and every
//! text form Kestrel writes: RFC 3339 for files and messages, the compact forms for file names,
//! EXIF for photos, `HH:MM` and `HH:MM:SS` for what a pilot reads.

use std::time::SystemTime;

use super::civil::{civil_from_days, days_from_civil};
use super::clock::unix_ms;

/// Seconds in a day.
const DAY: i64 = 86_400;

/// A moment split into calendar fields, with the offset from UTC it was split in. Built from a
/// clock reading with [`DateTime::utc`], [`DateTime::local`] or [`DateTime::from_unix_ms`]; the
/// text forms are its methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
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
    /// Second 0..=60 (60 only for a leap second from the local time zone database).
    pub second: u32,
    /// Milliseconds 0..=999.
    pub millis: u32,
    /// Minutes east of UTC the fields are in (0 for UTC).
    pub offset_min: i32,
}

impl DateTime {
    /// The UTC fields of a millisecond count since the Unix epoch (negative before it).
    pub fn from_unix_ms(ms: i64) -> Self {
        let secs = ms.div_euclid(1000);
        let mut t = Self::from_unix_secs(secs);
        t.millis = ms.rem_euclid(1000) as u32;
        t
    }

    /// The UTC fields of a whole-second count since the Unix epoch.
    pub fn from_unix_secs(secs: i64) -> Self {
        let (year, month, day) = civil_from_days(secs.div_euclid(DAY));
        let of_day = secs.rem_euclid(DAY);
        Self {
            year,
            month,
            day,
            hour: (of_day / 3600) as u32,
            minute: (of_day % 3600 / 60) as u32,
            second: (of_day % 60) as u32,
            millis: 0,
            offset_min: 0,
        }
    }

    /// `t` in UTC.
    pub fn utc(t: SystemTime) -> Self {
        Self::from_unix_ms(unix_ms(t))
    }

    /// `t` in the machine's local time zone, for times a pilot reads (alert log, file names).
    /// Falls back to UTC where the zone cannot be read.
    pub fn local(t: SystemTime) -> Self {
        let ms = unix_ms(t);
        let secs = ms.div_euclid(1000);
        match local_fields(secs) {
            Some(mut local) => {
                local.millis = ms.rem_euclid(1000) as u32;
                local
            }
            None => Self::from_unix_ms(ms),
        }
    }

    /// Milliseconds since the Unix epoch of the moment these fields name.
    pub fn unix_ms(&self) -> i64 {
        let days = days_from_civil(self.year, self.month, self.day);
        let secs = days * DAY
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.offset_min) * 60;
        secs * 1000 + i64::from(self.millis)
    }

    /// RFC 3339 to the second: `2025-06-01T08:00:00Z` (or `…+08:00` for local fields).
    pub fn rfc3339(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.zone(":")
        )
    }

    /// RFC 3339 (ISO 8601) with milliseconds: `2025-06-01T08:00:00.250Z`.
    pub fn rfc3339_millis(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.millis,
            self.zone(":")
        )
    }

    /// ISO 8601 basic form, for file names that sort by time: `20250601T080000Z`.
    pub fn compact(&self) -> String {
        format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}{}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.zone("")
        )
    }

    /// Date and time without a zone, for file names a pilot reads: `20250601-080000`.
    pub fn file_stamp(&self) -> String {
        format!(
            "{:04}{:02}{:02}-{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// EXIF's DateTime form: `2025:06:01 08:00:00`.
    pub fn exif(&self) -> String {
        format!("{} {}", self.exif_date(), self.hms())
    }

    /// EXIF's date form (GPSDateStamp): `2025:06:01`.
    pub fn exif_date(&self) -> String {
        format!("{:04}:{:02}:{:02}", self.year, self.month, self.day)
    }

    /// `08:00`: the short form timelines use.
    pub fn hm(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }

    /// `08:00:00`.
    pub fn hms(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }

    /// `Z` for UTC, else the offset as `+08:00` (with `sep` between hours and minutes).
    fn zone(&self, sep: &str) -> String {
        if self.offset_min == 0 {
            return "Z".into();
        }
        let sign = if self.offset_min < 0 { '-' } else { '+' };
        let off = self.offset_min.unsigned_abs();
        format!("{sign}{:02}{sep}{:02}", off / 60, off % 60)
    }
}

/// The local fields of `secs`, with their offset from UTC.
#[cfg(unix)]
fn local_fields(secs: i64) -> Option<DateTime> {
    let t = libc::time_t::try_from(secs).ok()?;
    // SAFETY: localtime_r only writes into the tm we pass and reads the time zone database.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
    if !ok {
        return None;
    }
    let mut local = DateTime {
        year: i64::from(tm.tm_year) + 1900,
        month: u32::try_from(tm.tm_mon + 1).ok()?,
        day: u32::try_from(tm.tm_mday).ok()?,
        hour: u32::try_from(tm.tm_hour).ok()?,
        minute: u32::try_from(tm.tm_min).ok()?,
        second: u32::try_from(tm.tm_sec).ok()?,
        millis: 0,
        offset_min: 0,
    };
    // The offset is what the local fields read as UTC are ahead of the instant, to the minute.
    let ahead = local.unix_ms().div_euclid(1000) - secs;
    local.offset_min = i32::try_from((ahead + 30).div_euclid(60)).ok()?;
    Some(local)
}

#[cfg(not(unix))]
fn local_fields(_secs: i64) -> Option<DateTime> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn every_form_of_a_known_instant() {
        // 2025-06-01T14:03:09.250Z
        let t = DateTime::utc(UNIX_EPOCH + Duration::from_millis(1_748_786_589_250));
        assert_eq!(t.rfc3339(), "2025-06-01T14:03:09Z");
        assert_eq!(t.rfc3339_millis(), "2025-06-01T14:03:09.250Z");
        assert_eq!(t.compact(), "20250601T140309Z");
        assert_eq!(t.file_stamp(), "20250601-140309");
        assert_eq!(t.exif(), "2025:06:01 14:03:09");
        assert_eq!(t.exif_date(), "2025:06:01");
        assert_eq!(t.hm(), "14:03");
        assert_eq!(t.hms(), "14:03:09");
        assert_eq!(t.unix_ms(), 1_748_786_589_250);
    }

    #[test]
    fn the_epoch_leap_days_and_times_before_1970() {
        assert_eq!(
            DateTime::from_unix_ms(0).rfc3339_millis(),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(DateTime::utc(UNIX_EPOCH).file_stamp(), "19700101-000000");
        assert_eq!(
            DateTime::from_unix_secs(951_782_400).compact(),
            "20000229T000000Z"
        );
        assert_eq!(
            DateTime::from_unix_ms(1_709_251_199_999).rfc3339_millis(),
            "2024-02-29T23:59:59.999Z"
        );
        let t = DateTime::from_unix_secs(1_700_000_000);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2023, 11, 14, 22, 13, 20)
        );
        assert_eq!(
            DateTime::from_unix_ms(-1).rfc3339_millis(),
            "1969-12-31T23:59:59.999Z"
        );
        assert_eq!(
            DateTime::from_unix_ms(-86_400_000).rfc3339(),
            "1969-12-31T00:00:00Z"
        );
        for ms in [-86_400_001, -1, 0, 951_782_400_000, 4_102_444_800_123] {
            assert_eq!(DateTime::from_unix_ms(ms).unix_ms(), ms);
        }
    }

    #[test]
    fn offsets_are_written_after_the_fields() {
        let mut t = DateTime::from_unix_secs(1_748_786_589);
        t.hour = 22;
        t.offset_min = 8 * 60;
        assert_eq!(t.rfc3339(), "2025-06-01T22:03:09+08:00");
        assert_eq!(t.compact(), "20250601T220309+0800");
        assert_eq!(t.unix_ms(), 1_748_786_589_000);
        t.hour = 9;
        t.minute = 33;
        t.offset_min = -(4 * 60 + 30);
        assert_eq!(t.rfc3339(), "2025-06-01T09:33:09-04:30");
        assert_eq!(t.unix_ms(), 1_748_786_589_000);
    }

    #[test]
    fn local_time_names_the_same_instant() {
        let now = SystemTime::now();
        let local = DateTime::local(now);
        assert_eq!(local.unix_ms(), unix_ms(now));
        assert!(local.offset_min.abs() <= 14 * 60, "{local:?}");
    }
}
