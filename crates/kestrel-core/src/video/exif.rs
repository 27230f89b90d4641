//! A minimal EXIF (TIFF, little-endian) writer and reader for snapshot metadata: camera make
//! and model, description, capture time, and the GPS block (latitude, longitude, altitude,
//! heading, UTC time) that photo tools and map software read. Also finds JPEG segments
//! (APP1/COM) so sightings can read a snapshot's position back.

use std::time::SystemTime;

use crate::time::DateTime;

/// Where and which way the aircraft was when a picture was taken.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GeoTag {
    /// Latitude, degrees (WGS 84, north positive).
    pub lat: f64,
    /// Longitude, degrees (east positive).
    pub lon: f64,
    /// Altitude above mean sea level, metres, if known.
    pub alt_m: Option<f64>,
    /// Heading (true), degrees, if known.
    pub heading_deg: Option<f64>,
}

/// Text and time fields of the EXIF block.
#[derive(Clone, Debug)]
pub struct ExifFields {
    /// ImageDescription.
    pub description: String,
    /// Make (the software: "Kestrel").
    pub make: String,
    /// Model (the aircraft).
    pub model: String,
    /// DateTime / DateTimeOriginal and the GPS date/time stamp (UTC).
    pub time: SystemTime,
    /// GPS block, if the position is known.
    pub geo: Option<GeoTag>,
}

const ASCII: u16 = 2;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;
const BYTE: u16 = 1;

enum Value {
    Ascii(String),
    Byte(Vec<u8>),
    Long(u32),
    Rational(Vec<(u32, u32)>),
}

impl Value {
    fn kind_count(&self) -> (u16, u32) {
        match self {
            Value::Ascii(s) => (ASCII, s.len() as u32 + 1),
            Value::Byte(b) => (BYTE, b.len() as u32),
            Value::Long(_) => (LONG, 1),
            Value::Rational(r) => (RATIONAL, r.len() as u32),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            Value::Ascii(s) => {
                let mut v = s.as_bytes().to_vec();
                v.push(0);
                v
            }
            Value::Byte(b) => b.clone(),
            Value::Long(l) => l.to_le_bytes().to_vec(),
            Value::Rational(r) => r
                .iter()
                .flat_map(|(n, d)| n.to_le_bytes().into_iter().chain(d.to_le_bytes()))
                .collect(),
        }
    }
}

/// Serialises one IFD at `offset` (from the TIFF header); `next` is the next-IFD offset.
/// Returns the IFD bytes (entries followed by out-of-line values).
fn ifd(entries: &mut [(u16, Value)], offset: u32) -> Vec<u8> {
    entries.sort_by_key(|(tag, _)| *tag);
    let n = entries.len() as u32;
    let table_len = 2 + 12 * n + 4;
    let mut table = Vec::with_capacity(table_len as usize);
    let mut data: Vec<u8> = Vec::new();
    table.extend((n as u16).to_le_bytes());
    for (tag, value) in entries.iter() {
        let (kind, count) = value.kind_count();
        let mut bytes = value.bytes();
        table.extend(tag.to_le_bytes());
        table.extend(kind.to_le_bytes());
        table.extend(count.to_le_bytes());
        if bytes.len() <= 4 {
            bytes.resize(4, 0);
            table.extend(&bytes);
        } else {
            let at = offset + table_len + data.len() as u32;
            table.extend(at.to_le_bytes());
            data.extend(&bytes);
            if data.len() % 2 == 1 {
                data.push(0);
            }
        }
    }
    table.extend(0u32.to_le_bytes());
    table.extend(data);
    table
}

fn dms(deg: f64) -> Vec<(u32, u32)> {
    let a = deg.abs();
    let d = a.floor();
    let m = ((a - d) * 60.0).floor();
    let s = (a - d - m / 60.0) * 3600.0;
    vec![
        (d as u32, 1),
        (m as u32, 1),
        ((s * 10_000.0).round() as u32, 10_000),
    ]
}

fn length_of_ifd(entries: &[(u16, Value)]) -> u32 {
    let mut len = 2 + 12 * entries.len() as u32 + 4;
    for (_, v) in entries {
        let b = v.bytes().len() as u32;
        if b > 4 {
            len += b + (b % 2);
        }
    }
    len
}

/// Builds a TIFF/EXIF block (without the `Exif\0\0` prefix; the JPEG encoder adds it).
pub fn build(fields: &ExifFields) -> Vec<u8> {
    let time = DateTime::utc(fields.time).exif();
    let mut ifd0 = vec![
        (0x010E, Value::Ascii(fields.description.clone())),
        (0x010F, Value::Ascii(fields.make.clone())),
        (0x0110, Value::Ascii(fields.model.clone())),
        (0x0132, Value::Ascii(time.clone())),
        (0x8769, Value::Long(0)),
    ];
    if fields.geo.is_some() {
        ifd0.push((0x8825, Value::Long(0)));
    }
    let mut exif_ifd = vec![
        (0x9003, Value::Ascii(time.clone())),
        (0x9004, Value::Ascii(time)),
        (0x9010, Value::Ascii("+00:00".into())),
        (0x9011, Value::Ascii("+00:00".into())),
    ];
    let mut gps_ifd = Vec::new();
    if let Some(g) = fields.geo {
        let f = DateTime::utc(fields.time);
        gps_ifd.push((0x0000, Value::Byte(vec![2, 3, 0, 0])));
        gps_ifd.push((
            0x0001,
            Value::Ascii(if g.lat >= 0.0 { "N" } else { "S" }.into()),
        ));
        gps_ifd.push((0x0002, Value::Rational(dms(g.lat))));
        gps_ifd.push((
            0x0003,
            Value::Ascii(if g.lon >= 0.0 { "E" } else { "W" }.into()),
        ));
        gps_ifd.push((0x0004, Value::Rational(dms(g.lon))));
        if let Some(alt) = g.alt_m {
            gps_ifd.push((0x0005, Value::Byte(vec![u8::from(alt < 0.0)])));
            gps_ifd.push((
                0x0006,
                Value::Rational(vec![((alt.abs() * 100.0).round() as u32, 100)]),
            ));
        }
        gps_ifd.push((
            0x0007,
            Value::Rational(vec![
                (f.hour, 1),
                (f.minute, 1),
                (f.second * 1000 + f.millis, 1000),
            ]),
        ));
        if let Some(h) = g.heading_deg {
            gps_ifd.push((0x0010, Value::Ascii("T".into())));
            gps_ifd.push((
                0x0011,
                Value::Rational(vec![((h.rem_euclid(360.0) * 100.0).round() as u32, 100)]),
            ));
        }
        gps_ifd.push((0x001D, Value::Ascii(f.exif_date())));
    }
    // Layout: header (8) | IFD0 | Exif IFD | GPS IFD.
    let ifd0_at = 8u32;
    let exif_at = ifd0_at + length_of_ifd(&ifd0);
    let gps_at = exif_at + length_of_ifd(&exif_ifd);
    for (tag, v) in ifd0.iter_mut() {
        match *tag {
            0x8769 => *v = Value::Long(exif_at),
            0x8825 => *v = Value::Long(gps_at),
            _ => {}
        }
    }
    let mut out = vec![b'I', b'I', 42, 0];
    out.extend(ifd0_at.to_le_bytes());
    out.extend(ifd(&mut ifd0, ifd0_at));
    out.extend(ifd(&mut exif_ifd, exif_at));
    if !gps_ifd.is_empty() {
        out.extend(ifd(&mut gps_ifd, gps_at));
    }
    out
}

/// The payloads of JPEG marker segments with this marker (e.g. 0xE1 APP1, 0xFE COM), up to
/// the start of the image data.
pub fn jpeg_segments(jpeg: &[u8], marker: u8) -> Vec<&[u8]> {
    let mut out = Vec::new();
    if jpeg.len() < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8 {
        return out;
    }
    let mut i = 2;
    while i + 4 <= jpeg.len() {
        if jpeg[i] != 0xFF {
            break;
        }
        let m = jpeg[i + 1];
        if m == 0xDA || m == 0xD9 {
            break;
        }
        let len = u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]) as usize;
        if len < 2 || i + 2 + len > jpeg.len() {
            break;
        }
        if m == marker {
            out.push(&jpeg[i + 4..i + 2 + len]);
        }
        i += 2 + len;
    }
    out
}

/// Inserts a COM (comment) segment right after the JPEG start-of-image marker.
pub fn insert_comment(jpeg: &[u8], text: &str) -> Vec<u8> {
    let text = &text.as_bytes()[..text.len().min(65_000)];
    let mut out = Vec::with_capacity(jpeg.len() + text.len() + 4);
    out.extend(&jpeg[..2.min(jpeg.len())]);
    out.extend([0xFF, 0xFE]);
    out.extend(((text.len() + 2) as u16).to_be_bytes());
    out.extend(text);
    out.extend(&jpeg[2.min(jpeg.len())..]);
    out
}

struct Tiff<'a> {
    b: &'a [u8],
}

impl Tiff<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        Some(u16::from_le_bytes(self.b.get(at..at + 2)?.try_into().ok()?))
    }
    fn u32(&self, at: usize) -> Option<u32> {
        Some(u32::from_le_bytes(self.b.get(at..at + 4)?.try_into().ok()?))
    }
    /// (tag → (type, count, value-or-offset position)) of the IFD at `at`.
    fn entries(&self, at: usize) -> Option<Vec<(u16, u16, u32, usize)>> {
        let n = self.u16(at)? as usize;
        let mut v = Vec::with_capacity(n);
        for k in 0..n {
            let e = at + 2 + 12 * k;
            let tag = self.u16(e)?;
            let kind = self.u16(e + 2)?;
            let count = self.u32(e + 4)?;
            let size = match kind {
                1 | 2 => 1,
                3 => 2,
                4 => 4,
                5 => 8,
                _ => 0,
            } * count as usize;
            let pos = if size <= 4 {
                e + 8
            } else {
                self.u32(e + 8)? as usize
            };
            v.push((tag, kind, count, pos));
        }
        Some(v)
    }
    fn rationals(&self, pos: usize, count: u32) -> Option<Vec<f64>> {
        (0..count as usize)
            .map(|k| {
                let n = self.u32(pos + 8 * k)? as f64;
                let d = self.u32(pos + 8 * k + 4)? as f64;
                (d != 0.0).then(|| n / d)
            })
            .collect()
    }
    fn ascii(&self, pos: usize, count: u32) -> Option<String> {
        let s = self.b.get(pos..pos + count as usize)?;
        Some(
            String::from_utf8_lossy(s)
                .trim_end_matches('\0')
                .to_string(),
        )
    }
}

/// Reads the GPS position back from a TIFF/EXIF block (as written by [`build`] or a camera;
/// little-endian only).
pub fn read_geotag(tiff: &[u8]) -> Option<GeoTag> {
    let t = Tiff { b: tiff };
    if tiff.get(0..4)? != [b'I', b'I', 42, 0] {
        return None;
    }
    let ifd0 = t.entries(t.u32(4)? as usize)?;
    let gps_at = ifd0.iter().find(|e| e.0 == 0x8825).map(|e| e.3)?;
    let gps = t.entries(t.u32(gps_at)? as usize)?;
    let get = |tag: u16| gps.iter().find(|e| e.0 == tag).copied();
    let deg = |tag: u16, reftag: u16, neg: &str| -> Option<f64> {
        let (_, _, c, p) = get(tag)?;
        let r = t.rationals(p, c)?;
        let v = r.first()? + r.get(1).unwrap_or(&0.0) / 60.0 + r.get(2).unwrap_or(&0.0) / 3600.0;
        let (_, _, rc, rp) = get(reftag)?;
        Some(if t.ascii(rp, rc)? == neg { -v } else { v })
    };
    let lat = deg(0x0002, 0x0001, "S")?;
    let lon = deg(0x0004, 0x0003, "W")?;
    let alt_m = get(0x0006).and_then(|(_, _, c, p)| {
        let a = *t.rationals(p, c)?.first()?;
        let below = get(0x0005).and_then(|(_, _, _, p)| tiff.get(p).copied()) == Some(1);
        Some(if below { -a } else { a })
    });
    let heading_deg = get(0x0011).and_then(|(_, _, c, p)| t.rationals(p, c)?.first().copied());
    Some(GeoTag {
        lat,
        lon,
        alt_m,
        heading_deg,
    })
}

/// Reads an ASCII tag of IFD0 (e.g. 0x0110 Model) from a TIFF/EXIF block.
pub fn read_ifd0_text(tiff: &[u8], tag: u16) -> Option<String> {
    let t = Tiff { b: tiff };
    let ifd0 = t.entries(t.u32(4)? as usize)?;
    let (_, kind, c, p) = ifd0.into_iter().find(|e| e.0 == tag)?;
    (kind == ASCII).then(|| t.ascii(p, c)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn gps_round_trips_to_centimetres() {
        let geo = GeoTag {
            lat: -36.456_789,
            lon: 115.985_123,
            alt_m: Some(-12.5),
            heading_deg: Some(271.25),
        };
        let tiff = build(&ExifFields {
            description: "snapshot".into(),
            make: "Kestrel".into(),
            model: "K1".into(),
            time: UNIX_EPOCH + Duration::from_secs(1_748_786_589),
            geo: Some(geo),
        });
        let back = read_geotag(&tiff).unwrap();
        assert!((back.lat - geo.lat).abs() < 1e-7, "{back:?}");
        assert!((back.lon - geo.lon).abs() < 1e-7, "{back:?}");
        assert_eq!(back.alt_m, Some(-12.5));
        assert_eq!(back.heading_deg, Some(271.25));
        assert_eq!(read_ifd0_text(&tiff, 0x0110).as_deref(), Some("K1"));
        assert_eq!(
            read_ifd0_text(&tiff, 0x0132).as_deref(),
            Some("2025:06:01 14:03:09")
        );
    }

    #[test]
    fn without_position_there_is_no_gps_block() {
        let tiff = build(&ExifFields {
            description: String::new(),
            make: "Kestrel".into(),
            model: "K1".into(),
            time: UNIX_EPOCH,
            geo: None,
        });
        assert!(read_geotag(&tiff).is_none());
    }

    #[test]
    fn comment_segment_is_found() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xD9];
        let with = insert_comment(&jpeg, "hello");
        assert_eq!(jpeg_segments(&with, 0xFE), vec![b"hello".as_slice()]);
        assert!(jpeg_segments(&[1, 2, 3], 0xFE).is_empty());
    }
}
