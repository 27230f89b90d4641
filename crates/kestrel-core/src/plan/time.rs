//! Wall-clock times for shifts and sorties: seconds since the Unix epoch (UTC), written and read
//! as RFC 3339 (`2025-06-01T08:00:00Z`, or with an offset such as `+08:00`). Small on purpose:
//! plans need no calendar beyond this.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2025-06-01T08:00:00Z` for a Unix time (whole seconds, UTC).
pub fn format_utc(t: i64) -> String {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// `08:00` (UTC) for a Unix time: the short form timelines use.
pub fn format_hm(t: i64) -> String {
    let secs = t.rem_euclid(86_400);
    format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

/// Reads `YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]` (a space may replace the `T`; no zone means UTC).
pub fn parse_utc(s: &str) -> Result<i64, String> {
    let bad = || {
        format!("'{s}' is not a time; write it like 2025-06-01T08:00Z or 2025-06-01T16:00+08:00")
    };
    let t = s.trim();
    if t.len() < 16 || !t.is_ascii() {
        return Err(bad());
    }
    let num = |a: usize, b: usize| {
        t.get(a..b)
            .and_then(|x| x.parse::<i64>().ok())
            .ok_or_else(bad)
    };
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    if &t[4..5] != "-"
        || &t[7..8] != "-"
        || !matches!(&t[10..11], "T" | "t" | " ")
        || &t[13..14] != ":"
    {
        return Err(bad());
    }
    let (h, mi) = (num(11, 13)?, num(14, 16)?);
    let mut rest = &t[16..];
    let mut sec = 0;
    if let Some(r) = rest.strip_prefix(':') {
        let digits: String = r.chars().take_while(|c| c.is_ascii_digit()).collect();
        sec = digits.parse::<i64>().map_err(|_| bad())?;
        rest = &r[digits.len()..];
        // Fractions of a second are ignored.
        if let Some(f) = rest.strip_prefix('.') {
            let n = f.chars().take_while(|c| c.is_ascii_digit()).count();
            rest = &f[n..];
        }
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        r if (r.starts_with('+') || r.starts_with('-')) && r.len() == 6 && &r[3..4] == ":" => {
            let oh = r[1..3].parse::<i64>().map_err(|_| bad())?;
            let om = r[4..6].parse::<i64>().map_err(|_| bad())?;
            let o = oh * 3600 + om * 60;
            if r.starts_with('-') {
                -o
            } else {
                o
            }
        }
        _ => return Err(bad()),
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return Err(bad());
    }
    Ok(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates_round_trip() {
        assert_eq!(parse_utc("1970-01-01T00:00:00Z").unwrap(), 0);
        assert_eq!(parse_utc("2000-03-01T00:00Z").unwrap(), 951_868_800);
        let t = parse_utc("2025-06-01T08:30:15Z").unwrap();
        assert_eq!(format_utc(t), "2025-06-01T08:30:15Z");
        assert_eq!(format_hm(t), "08:30");
        assert_eq!(parse_utc("2025-06-01T16:30:15+08:00").unwrap(), t);
        assert_eq!(parse_utc("2025-06-01 08:30:15.250").unwrap(), t);
    }

    #[test]
    fn nonsense_is_refused_with_an_example() {
        for s in [
            "tomorrow",
            "2025-13-01T00:00Z",
            "2025-06-01T25:00Z",
            "2025-06-01T08:00+8",
        ] {
            assert!(
                parse_utc(s).unwrap_err().contains("2025-06-01T08:00Z"),
                "{s}"
            );
        }
    }
}
