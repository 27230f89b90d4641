//! Hostile input never crashes the SBS-1 reader or the feed's line splitter, and whatever the
//! reader accepts is in range: property-based fuzzing (bounded, so it runs in CI in a few
//! seconds) with random text and bytes, mutated real lines and structure-aware lines built from
//! hostile field values. Raise the case count with PROPTEST_CASES for longer runs.

use kestrel::traffic::feed::LineSplitter;
use kestrel::traffic::sbs::{parse_line, MAX_LINE};
use kestrel::traffic::TrafficUpdate;
use proptest::prelude::*;

const REAL: &[&str] = &[
    "MSG,1,111,11111,7C1A2B,111111,2026/12/03,05:33:00.123,2026/12/03,05:33:00.123,HELI1   ,,,,,,,,,,,0",
    "MSG,3,111,11111,7C1A2B,111111,2026/12/03,05:33:00.123,2026/12/03,05:33:00.123,,500,,,36.45600,115.98500,,,0,0,0,0",
    "MSG,4,111,11111,7C1A2B,111111,2026/12/03,05:33:00.123,2026/12/03,05:33:00.123,,,97,271.5,,,-640,,0,0,0,0",
    "MSG,6,111,11111,7C1A2B,111111,2026/12/03,05:33:00.123,2026/12/03,05:33:00.123,,,,,,,,7000,0,0,0,0",
    "STA,,5,179,400AE7,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM",
];

fn assert_sane(u: &TrafficUpdate) {
    assert!(u.icao <= 0xFF_FFFF);
    if let Some(p) = u.position {
        assert!(
            (-90.0..=90.0).contains(&p.lat) && (-180.0..=180.0).contains(&p.lon),
            "{p:?}"
        );
    }
    for v in [u.alt_amsl_m, u.speed_ms, u.climb_ms].into_iter().flatten() {
        assert!(v.is_finite(), "{u:?}");
    }
    if let Some(t) = u.track_deg {
        assert!((0.0..360.0).contains(&t), "{u:?}");
    }
    if let Some(c) = &u.callsign {
        assert!(c.len() <= 8 && c.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }
}

fn hostile_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "",
            "0",
            "-1",
            "NaN",
            "inf",
            "-inf",
            "1e308",
            "-1e308",
            "36.5",
            "115.9",
            "91",
            "-181",
            "7C1A2B",
            "7c1a2b",
            "ZZZZZZ",
            "1234567",
            " ",
            "99999999999999999999",
            "0x10",
            "+5",
            "1_000",
            "2026/12/03",
            "05:33:00.123",
            "\u{0}",
            "é",
            "HELI1   ",
        ])
        .prop_map(String::from),
        "\\PC{0,10}",
        any::<f64>().prop_map(|f| f.to_string()),
        any::<i64>().prop_map(|i| i.to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn reader_never_panics_on_garbage(text in "\\PC{0,300}") {
        if let Ok(Some(u)) = parse_line(&text) { assert_sane(&u); }
    }

    #[test]
    fn reader_accepts_only_sane_structured_lines(
        ty in 0u8..10,
        fields in prop::collection::vec(hostile_value(), 0..24),
    ) {
        let line = format!("MSG,{ty},{}", fields.join(","));
        if let Ok(Some(u)) = parse_line(&line) { assert_sane(&u); }
    }

    #[test]
    fn reader_never_panics_on_mutated_real_lines(
        which in 0..REAL.len(),
        edits in prop::collection::vec((any::<usize>(), any::<char>()), 1..8),
    ) {
        let mut chars: Vec<char> = REAL[which].chars().collect();
        for (at, c) in edits {
            let i = at % (chars.len() + 1);
            if i < chars.len() && at % 2 == 0 { chars[i] = c; } else { chars.insert(i, c); }
        }
        let line: String = chars.into_iter().collect();
        if let Ok(Some(u)) = parse_line(&line) { assert_sane(&u); }
    }

    #[test]
    fn splitter_keeps_lines_bounded_however_the_bytes_arrive(
        bytes in prop::collection::vec(any::<u8>(), 0..3000),
        cuts in prop::collection::vec(any::<usize>(), 0..10),
    ) {
        let mut s = LineSplitter::default();
        let mut whole = Vec::new();
        s.push(&bytes, |l| whole.push(l.to_string()));
        // The same bytes cut anywhere give the same lines.
        let mut cut = LineSplitter::default();
        let mut pieces = Vec::new();
        let mut at = 0;
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
        points.sort_unstable();
        for p in points.into_iter().chain([bytes.len()]) {
            cut.push(&bytes[at..p], |l| pieces.push(l.to_string()));
            at = p;
        }
        prop_assert_eq!(&whole, &pieces);
        for l in &whole {
            prop_assert!(l.len() <= MAX_LINE * 3, "{}", l.len()); // lossy UTF-8 may grow bytes
            if let Ok(Some(u)) = parse_line(l) { assert_sane(&u); }
        }
    }
}

#[test]
fn real_lines_read() {
    let n = REAL
        .iter()
        .filter(|l| matches!(parse_line(l), Ok(Some(_))))
        .count();
    assert_eq!(n, 4);
}
