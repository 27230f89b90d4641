//! Where a video stream comes from, written as a URI everywhere (settings, CLI, fleet state):
//! `udp://HOST:PORT[?codec=h265]` (RTP), `rtsp://…`, `mpegts://HOST:PORT`, or
//! `pipeline:GST-LAUNCH-DESCRIPTION`. Parsing here is pure text; [`super::pipeline`] turns a
//! source into a GStreamer pipeline.

use std::fmt;
use std::str::FromStr;

use super::VideoError;

/// First UDP port of the per-aircraft defaults; aircraft `i` streams to `5600 + i`, the port
/// QGroundControl listens on for its first stream.
pub const DEFAULT_UDP_PORT: u16 = 5600;

/// Default jitter-buffer depth for RTP sources, milliseconds. In-order packets pass straight
/// through; this only bounds how long a missing packet is waited for.
pub const DEFAULT_LATENCY_MS: u32 = 50;

/// The video compression a source carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    /// H.264 / AVC, what almost every drone camera sends.
    H264,
    /// H.265 / HEVC.
    H265,
}

impl Codec {
    /// Lower-case name as written in URIs (`?codec=h265`).
    pub fn as_str(self) -> &'static str {
        match self {
            Codec::H264 => "h264",
            Codec::H265 => "h265",
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Codec {
    type Err = VideoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "h264" | "avc" => Ok(Codec::H264),
            "h265" | "hevc" => Ok(Codec::H265),
            other => Err(VideoError::BadSource(format!(
                "unknown codec {other:?}: use h264 or h265"
            ))),
        }
    }
}

/// A parsed stream source. `Display` writes it back as the canonical URI.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum VideoSource {
    /// RTP over UDP: listen on `host:port` (`0.0.0.0` = every interface; a multicast group is
    /// joined).
    Udp {
        /// Address to listen on.
        host: String,
        /// UDP port.
        port: u16,
        /// Payload codec.
        codec: Codec,
        /// Jitter-buffer depth in milliseconds.
        latency_ms: u32,
    },
    /// An RTSP server (camera or video server); the full URL as given, including credentials.
    Rtsp {
        /// `rtsp://` or `rtsps://` URL.
        url: String,
        /// Jitter-buffer depth in milliseconds.
        latency_ms: u32,
    },
    /// MPEG transport stream over UDP (raw, not RTP).
    MpegTs {
        /// Address to listen on.
        host: String,
        /// UDP port.
        port: u16,
        /// Elementary video codec inside the transport stream.
        codec: Codec,
    },
    /// A custom gst-launch description that must end in an `appsink name=sink` (it receives
    /// RGBA); add a `tee name=rec` on the encoded stream to make it recordable.
    Pipeline(String),
}

impl VideoSource {
    /// The default source of aircraft number `index` (0-based): RTP H.264 on UDP port
    /// 5600 + index on every interface.
    pub fn default_for_aircraft(index: u16) -> Self {
        VideoSource::Udp {
            host: "0.0.0.0".into(),
            port: DEFAULT_UDP_PORT.saturating_add(index),
            codec: Codec::H264,
            latency_ms: DEFAULT_LATENCY_MS,
        }
    }

    /// The codec of the encoded stream, when the source says (custom pipelines do not).
    pub fn codec(&self) -> Option<Codec> {
        match self {
            VideoSource::Udp { codec, .. } | VideoSource::MpegTs { codec, .. } => Some(*codec),
            VideoSource::Rtsp { .. } | VideoSource::Pipeline(_) => None,
        }
    }

    /// Short kind name for tables and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            VideoSource::Udp { .. } => "udp",
            VideoSource::Rtsp { .. } => "rtsp",
            VideoSource::MpegTs { .. } => "mpegts",
            VideoSource::Pipeline(_) => "pipeline",
        }
    }

    /// The URI with any password replaced by `***`, for logs and screens.
    pub fn redacted(&self) -> String {
        match self {
            VideoSource::Rtsp { .. } => {
                let s = self.to_string();
                let Some(scheme_end) = s.find("://") else {
                    return s;
                };
                let rest = &s[scheme_end + 3..];
                let authority_end = rest.find('/').unwrap_or(rest.len());
                match rest[..authority_end].rfind('@') {
                    Some(at) => {
                        let userinfo = &rest[..at];
                        let user = userinfo.split(':').next().unwrap_or("");
                        format!("{}{}:***{}", &s[..scheme_end + 3], user, &rest[at..])
                    }
                    None => s,
                }
            }
            _ => self.to_string(),
        }
    }
}

fn bad(uri: &str, why: &str) -> VideoError {
    VideoError::BadSource(format!("{uri:?}: {why}"))
}

/// Splits `HOST:PORT` (IPv6 as `[::1]:PORT`).
fn host_port(uri: &str, authority: &str) -> Result<(String, u16), VideoError> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let end = rest
            .find(']')
            .ok_or_else(|| bad(uri, "unclosed [ in IPv6 address"))?;
        let port = rest[end + 1..]
            .strip_prefix(':')
            .ok_or_else(|| bad(uri, "missing :PORT"))?;
        (rest[..end].to_string(), port)
    } else {
        let (h, p) = authority
            .rsplit_once(':')
            .ok_or_else(|| bad(uri, "expected HOST:PORT, e.g. udp://0.0.0.0:5600"))?;
        (h.to_string(), p)
    };
    let port: u16 = port
        .parse()
        .map_err(|_| bad(uri, "the port must be a number 1..65535"))?;
    if port == 0 {
        return Err(bad(uri, "the port must be a number 1..65535"));
    }
    let host = if host.is_empty() {
        "0.0.0.0".to_string()
    } else {
        host
    };
    if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
    {
        return Err(bad(
            uri,
            "the host may only contain letters, digits, '.', '-', '_' and ':'",
        ));
    }
    Ok((host, port))
}

/// Query parameters understood after `?`: `codec=h264|h265`, `latency=MS`.
struct Query {
    codec: Codec,
    latency_ms: u32,
}

fn parse_query(uri: &str, query: Option<&str>) -> Result<Query, VideoError> {
    let mut q = Query {
        codec: Codec::H264,
        latency_ms: DEFAULT_LATENCY_MS,
    };
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "codec" => q.codec = v.parse()?,
            "latency" => {
                q.latency_ms = v
                    .parse()
                    .ok()
                    .filter(|ms| *ms <= 10_000)
                    .ok_or_else(|| bad(uri, "latency must be 0..10000 milliseconds"))?
            }
            other => {
                return Err(bad(
                    uri,
                    &format!("unknown option {other:?} (known: codec, latency)"),
                ))
            }
        }
    }
    Ok(q)
}

impl FromStr for VideoSource {
    type Err = VideoError;

    fn from_str(uri: &str) -> Result<Self, Self::Err> {
        let uri = uri.trim();
        if let Some(desc) = uri.strip_prefix("pipeline:") {
            let desc = desc.trim();
            if desc.is_empty() {
                return Err(bad(uri, "the pipeline description is empty"));
            }
            if !desc.contains("name=sink") {
                return Err(bad(
                    uri,
                    "a custom pipeline must end in `appsink name=sink` (after `videoconvert`)",
                ));
            }
            return Ok(VideoSource::Pipeline(desc.to_string()));
        }
        let (scheme, rest) = uri.split_once("://").ok_or_else(|| {
            bad(
                uri,
                "expected udp://HOST:PORT, rtsp://..., mpegts://HOST:PORT or pipeline:DESCRIPTION",
            )
        })?;
        match scheme.to_ascii_lowercase().as_str() {
            "udp" | "rtp" => {
                let (authority, query) = match rest.split_once('?') {
                    Some((a, q)) => (a, Some(q)),
                    None => (rest, None),
                };
                let (host, port) = host_port(uri, authority.trim_end_matches('/'))?;
                let q = parse_query(uri, query)?;
                Ok(VideoSource::Udp {
                    host,
                    port,
                    codec: q.codec,
                    latency_ms: q.latency_ms,
                })
            }
            "mpegts" => {
                let (authority, query) = match rest.split_once('?') {
                    Some((a, q)) => (a, Some(q)),
                    None => (rest, None),
                };
                let (host, port) = host_port(uri, authority.trim_end_matches('/'))?;
                let q = parse_query(uri, query)?;
                Ok(VideoSource::MpegTs {
                    host,
                    port,
                    codec: q.codec,
                })
            }
            "rtsp" | "rtsps" | "rtspt" => {
                if rest.is_empty() || rest.starts_with('/') {
                    return Err(bad(uri, "the RTSP URL has no host"));
                }
                if rest.chars().any(|c| c.is_whitespace() || c == '"') {
                    return Err(bad(uri, "the RTSP URL contains spaces or quotes"));
                }
                Ok(VideoSource::Rtsp {
                    url: uri.to_string(),
                    latency_ms: DEFAULT_LATENCY_MS,
                })
            }
            other => Err(bad(
                uri,
                &format!("unknown scheme {other:?}: use udp, rtsp, mpegts or pipeline"),
            )),
        }
    }
}

fn write_authority(f: &mut fmt::Formatter<'_>, host: &str, port: u16) -> fmt::Result {
    if host.contains(':') {
        write!(f, "[{host}]:{port}")
    } else {
        write!(f, "{host}:{port}")
    }
}

impl fmt::Display for VideoSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VideoSource::Udp {
                host,
                port,
                codec,
                latency_ms,
            } => {
                f.write_str("udp://")?;
                write_authority(f, host, *port)?;
                let mut sep = '?';
                if *codec != Codec::H264 {
                    write!(f, "{sep}codec={codec}")?;
                    sep = '&';
                }
                if *latency_ms != DEFAULT_LATENCY_MS {
                    write!(f, "{sep}latency={latency_ms}")?;
                }
                Ok(())
            }
            VideoSource::MpegTs { host, port, codec } => {
                f.write_str("mpegts://")?;
                write_authority(f, host, *port)?;
                if *codec != Codec::H264 {
                    write!(f, "?codec={codec}")?;
                }
                Ok(())
            }
            VideoSource::Rtsp { url, .. } => f.write_str(url),
            VideoSource::Pipeline(desc) => write!(f, "pipeline:{desc}"),
        }
    }
}

impl serde::Serialize for VideoSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for VideoSource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip() {
        for uri in [
            "udp://0.0.0.0:5600",
            "udp://239.1.1.1:5601?codec=h265",
            "udp://127.0.0.1:5602?codec=h265&latency=200",
            "udp://[::1]:5600",
            "mpegts://0.0.0.0:5700",
            "mpegts://0.0.0.0:5700?codec=h265",
            "rtsp://user:pw@10.0.0.5:8554/live",
            "pipeline:videotestsrc ! videoconvert ! appsink name=sink",
        ] {
            let s: VideoSource = uri.parse().unwrap();
            assert_eq!(s.to_string(), uri);
            assert_eq!(s.to_string().parse::<VideoSource>().unwrap(), s);
        }
    }

    #[test]
    fn udp_fields_and_defaults() {
        let s: VideoSource = "udp://:5605".parse().unwrap();
        assert_eq!(
            s,
            VideoSource::Udp {
                host: "0.0.0.0".into(),
                port: 5605,
                codec: Codec::H264,
                latency_ms: DEFAULT_LATENCY_MS
            }
        );
        assert_eq!(
            VideoSource::default_for_aircraft(3).to_string(),
            "udp://0.0.0.0:5603"
        );
        assert_eq!(s.codec(), Some(Codec::H264));
    }

    #[test]
    fn bad_uris_say_what_is_wrong() {
        for (uri, hint) in [
            ("udp://0.0.0.0", "HOST:PORT"),
            ("udp://0.0.0.0:99999", "port"),
            ("udp://0.0.0.0:0", "port"),
            ("udp://0.0.0.0:5600?codec=vp8", "unknown codec"),
            ("udp://0.0.0.0:5600?fps=3", "unknown option"),
            ("udp://0.0.0.0:5600?latency=-1", "latency"),
            ("http://cam/stream", "unknown scheme"),
            ("5600", "expected udp://"),
            ("pipeline:videotestsrc ! fakesink", "appsink name=sink"),
            ("pipeline:", "empty"),
            ("rtsp:///live", "no host"),
            ("udp://a b:5600", "host may only"),
            ("udp://x\"y:5600", "host may only"),
        ] {
            let e = uri.parse::<VideoSource>().unwrap_err().to_string();
            assert!(e.contains(hint), "{uri}: {e}");
        }
    }

    #[test]
    fn passwords_are_redacted() {
        let s: VideoSource = "rtsp://admin:secret@cam:554/h264".parse().unwrap();
        assert_eq!(s.redacted(), "rtsp://admin:***@cam:554/h264");
        let s: VideoSource = "rtsp://cam:554/h264".parse().unwrap();
        assert_eq!(s.redacted(), "rtsp://cam:554/h264");
    }

    #[test]
    fn serde_uses_the_uri() {
        let s: VideoSource = "udp://0.0.0.0:5601?codec=h265".parse().unwrap();
        let j = serde_json::to_string(&s).unwrap();
        assert_eq!(j, "\"udp://0.0.0.0:5601?codec=h265\"");
        assert_eq!(serde_json::from_str::<VideoSource>(&j).unwrap(), s);
    }
}
