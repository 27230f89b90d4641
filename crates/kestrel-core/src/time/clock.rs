//! `SystemTime` as numbers since the Unix epoch: the forms Kestrel stores (milliseconds in
//! SQLite, microseconds in the audit log) and writes to JSON (fractional seconds).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, negative before it (saturating far outside ±292 million
/// years).
pub fn unix_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => {
            // Round down, so the millisecond holds the instant (-0.5 ms is in millisecond -1).
            let d = e.duration();
            let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
            let partial = d.as_nanos() % 1_000_000 != 0;
            -ms - i64::from(partial)
        }
    }
}

/// Microseconds since the Unix epoch; 0 for times before it (the audit log's clock).
pub fn unix_micros(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Fractional seconds since the Unix epoch; 0.0 for times before it (the JSON form).
pub fn unix_secs(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Fractional seconds since the Unix epoch, now.
pub fn now_unix() -> f64 {
    unix_secs(SystemTime::now())
}

/// The `SystemTime` of a millisecond count since the epoch (counts before 1970 become 1970).
pub fn from_unix_ms(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_on_both_sides_of_the_epoch() {
        let t = UNIX_EPOCH + Duration::from_micros(1_748_786_589_250_750);
        assert_eq!(unix_ms(t), 1_748_786_589_250);
        assert_eq!(unix_micros(t), 1_748_786_589_250_750);
        assert_eq!(unix_secs(t), 1_748_786_589.250_75);
        assert_eq!(
            from_unix_ms(1_748_786_589_250),
            UNIX_EPOCH + Duration::from_millis(1_748_786_589_250)
        );
        assert_eq!(unix_ms(UNIX_EPOCH), 0);
        let before = UNIX_EPOCH - Duration::from_micros(1_500);
        assert_eq!(unix_ms(before), -2);
        assert_eq!(
            unix_ms(UNIX_EPOCH - Duration::from_millis(86_400_000)),
            -86_400_000
        );
        assert_eq!(unix_micros(before), 0);
        assert_eq!(unix_secs(before), 0.0);
        assert_eq!(from_unix_ms(-5), UNIX_EPOCH);
        assert!(now_unix() > 1.7e9);
    }
}
