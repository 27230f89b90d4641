//! KMZ: a zip archive holding a KML document (conventionally `doc.kml`) and its icons. Only the
//! KML is read: the first `.kml` entry in the archive's directory, stored or deflated, its size
//! capped at [`super::MAX_KML_BYTES`] and its CRC checked. Enough of the zip format for what
//! Google Earth and GIS tools write; encrypted, multi-disk and zip64 archives are refused.

use std::io::Read;

use super::AreaError;
use super::MAX_KML_BYTES;

fn fmt_err(msg: impl Into<String>) -> AreaError {
    AreaError::Format(format!("KMZ: {}", msg.into()))
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]) as usize)
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
}

/// One file listed in the archive's central directory.
struct Entry {
    name: String,
    flags: usize,
    method: usize,
    crc: u32,
    compressed: usize,
    size: usize,
    local_header: usize,
}

fn directory(b: &[u8]) -> Option<Vec<Entry>> {
    // End of central directory: 22 bytes plus a comment of up to 64 KiB, at the end.
    let lowest = b.len().saturating_sub(22 + 65_535);
    let eocd = (lowest..=b.len().checked_sub(22)?)
        .rev()
        .find(|&i| b[i..].starts_with(b"PK\x05\x06"))?;
    let count = u16_at(b, eocd + 10)?;
    let mut at = u32_at(b, eocd + 16)?;
    let mut out = Vec::new();
    for _ in 0..count {
        if !b.get(at..)?.starts_with(b"PK\x01\x02") {
            return None;
        }
        let name_len = u16_at(b, at + 28)?;
        let skip = name_len + u16_at(b, at + 30)? + u16_at(b, at + 32)?;
        let name = b.get(at + 46..at + 46 + name_len)?;
        out.push(Entry {
            name: String::from_utf8_lossy(name).into_owned(),
            flags: u16_at(b, at + 8)?,
            method: u16_at(b, at + 10)?,
            crc: u32_at(b, at + 16)? as u32,
            compressed: u32_at(b, at + 20)?,
            size: u32_at(b, at + 24)?,
            local_header: u32_at(b, at + 42)?,
        });
        at = at.checked_add(46 + skip)?;
    }
    Some(out)
}

/// The KML document inside a KMZ archive, as text.
pub fn kml_text(b: &[u8]) -> Result<String, AreaError> {
    let entries = directory(b).ok_or_else(|| fmt_err("not a readable zip archive"))?;
    let e = entries
        .iter()
        .filter(|e| e.name.to_ascii_lowercase().ends_with(".kml"))
        .min_by_key(|e| e.name != "doc.kml")
        .ok_or_else(|| fmt_err("the archive holds no .kml file"))?;
    if e.flags & 1 != 0 {
        return Err(fmt_err(format!("{} is encrypted", e.name)));
    }
    if e.size > MAX_KML_BYTES {
        return Err(fmt_err(format!(
            "{} is {} bytes, more than the {} MB accepted",
            e.name,
            e.size,
            MAX_KML_BYTES / (1024 * 1024)
        )));
    }
    let data = (|| {
        let h = e.local_header;
        if !b.get(h..)?.starts_with(b"PK\x03\x04") {
            return None;
        }
        let start = h + 30 + u16_at(b, h + 26)? + u16_at(b, h + 28)?;
        b.get(start..start.checked_add(e.compressed)?)
    })()
    .ok_or_else(|| fmt_err(format!("{} lies outside the archive", e.name)))?;
    let mut out = Vec::new();
    match e.method {
        0 => out.extend_from_slice(data),
        8 => {
            flate2::read::DeflateDecoder::new(data)
                .take(MAX_KML_BYTES as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|err| fmt_err(format!("{} cannot be decompressed ({err})", e.name)))?;
        }
        m => {
            return Err(fmt_err(format!(
                "{} uses compression method {m}; only stored and deflated files are read",
                e.name
            )))
        }
    }
    if out.len() > MAX_KML_BYTES {
        return Err(fmt_err(format!("{} is larger than it claims", e.name)));
    }
    let mut crc = flate2::Crc::new();
    crc.update(&out);
    if crc.sum() != e.crc {
        return Err(fmt_err(format!(
            "{} is damaged (its checksum does not match)",
            e.name
        )));
    }
    String::from_utf8(out).map_err(|_| {
        fmt_err(format!(
            "{} is not UTF-8 text; save it as UTF-8 (GIS tools may write GBK)",
            e.name
        ))
    })
}
