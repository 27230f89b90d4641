//! Turning an aircraft's VIDEO_STREAM_INFORMATION (MAVLink message 269) into our source URI,
//! read the way QGroundControl reads it: for RTP/UDP and MPEG-TS the `uri` is a port number
//! or `udp://HOST:PORT` (we listen on every interface unless it names a multicast group), for
//! RTSP the URL itself; the `encoding` field selects H.265.
//!
//! The fleet state can keep the latest message per aircraft and call [`source_from_info`]
//! when the operator has not set a source by hand.

use mavlink::dialects::ardupilotmega::{
    VideoStreamEncoding, VideoStreamStatusFlags, VideoStreamType, VIDEO_STREAM_INFORMATION_DATA,
};

use super::source::{Codec, VideoSource, DEFAULT_LATENCY_MS};
use super::VideoError;

fn is_multicast(host: &str) -> bool {
    host.parse::<std::net::IpAddr>()
        .map(|ip| ip.is_multicast())
        .unwrap_or(false)
}

/// Reads the port and optional host from a QGC-style UDP `uri` field: `5600`, `:5600`,
/// `udp://0.0.0.0:5600`, `udp265://…`, `mpegts://…`, `HOST:PORT`.
fn udp_target(uri: &str) -> Option<(String, u16, Option<Codec>)> {
    let (scheme, rest) = match uri.split_once("://") {
        Some((s, r)) => (Some(s.to_ascii_lowercase()), r),
        None => (None, uri),
    };
    let codec = match scheme.as_deref() {
        Some("udp265") => Some(Codec::H265),
        _ => None,
    };
    let rest = rest.split(['?', '/']).next().unwrap_or("");
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h.trim_matches(['[', ']']).to_string(), p),
        None => (String::new(), rest),
    };
    let port: u16 = port.trim().parse().ok().filter(|p| *p != 0)?;
    let host = if is_multicast(&host) {
        host
    } else {
        "0.0.0.0".to_string()
    };
    Some((host, port, codec))
}

/// The source an aircraft announces in VIDEO_STREAM_INFORMATION.
pub fn source_from_info(info: &VIDEO_STREAM_INFORMATION_DATA) -> Result<VideoSource, VideoError> {
    let uri = info
        .uri
        .to_str()
        .map_err(|_| VideoError::BadSource("VIDEO_STREAM_INFORMATION uri is not UTF-8".into()))?
        .trim();
    let codec_field = match info.encoding {
        VideoStreamEncoding::VIDEO_STREAM_ENCODING_H265 => Some(Codec::H265),
        VideoStreamEncoding::VIDEO_STREAM_ENCODING_H264 => Some(Codec::H264),
        _ => None,
    };
    match info.mavtype {
        VideoStreamType::VIDEO_STREAM_TYPE_RTSP => {
            let src: VideoSource = uri.parse()?;
            match src {
                VideoSource::Rtsp { .. } => Ok(src),
                _ => Err(VideoError::BadSource(format!(
                    "VIDEO_STREAM_INFORMATION says RTSP but the uri is {uri:?}"
                ))),
            }
        }
        VideoStreamType::VIDEO_STREAM_TYPE_RTPUDP => {
            let (host, port, codec_uri) = udp_target(uri).ok_or_else(|| {
                VideoError::BadSource(format!(
                    "VIDEO_STREAM_INFORMATION RTP/UDP uri {uri:?} has no port"
                ))
            })?;
            Ok(VideoSource::Udp {
                host,
                port,
                codec: codec_field.or(codec_uri).unwrap_or(Codec::H264),
                latency_ms: DEFAULT_LATENCY_MS,
            })
        }
        VideoStreamType::VIDEO_STREAM_TYPE_MPEG_TS => {
            let (host, port, _) = udp_target(uri).ok_or_else(|| {
                VideoError::BadSource(format!(
                    "VIDEO_STREAM_INFORMATION MPEG-TS uri {uri:?} has no port"
                ))
            })?;
            Ok(VideoSource::MpegTs {
                host,
                port,
                codec: codec_field.unwrap_or(Codec::H264),
            })
        }
        other => Err(VideoError::BadSource(format!(
            "VIDEO_STREAM_INFORMATION stream type {other:?} ({uri:?}) is not supported; \
             set the aircraft's video source by hand"
        ))),
    }
}

/// Where an aircraft's video source came from, for the settings screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceOrigin {
    /// Set by the operator.
    Configured,
    /// Announced by the aircraft (VIDEO_STREAM_INFORMATION).
    Announced,
    /// The default: RTP H.264 on UDP 5600 + aircraft index.
    Default,
}

/// The source to play for aircraft number `index` (0-based): the operator's setting wins, then
/// what the aircraft announced (if usable), then the default port.
pub fn choose_source(
    configured: Option<&VideoSource>,
    announced: Option<&VIDEO_STREAM_INFORMATION_DATA>,
    index: u16,
) -> (VideoSource, SourceOrigin) {
    if let Some(c) = configured {
        return (c.clone(), SourceOrigin::Configured);
    }
    if let Some(src) = announced.and_then(|i| source_from_info(i).ok()) {
        return (src, SourceOrigin::Announced);
    }
    (
        VideoSource::default_for_aircraft(index),
        SourceOrigin::Default,
    )
}

/// Whether the aircraft says the stream is running (flag VIDEO_STREAM_STATUS_FLAGS_RUNNING).
pub fn is_running(info: &VIDEO_STREAM_INFORMATION_DATA) -> bool {
    info.flags
        .contains(VideoStreamStatusFlags::VIDEO_STREAM_STATUS_FLAGS_RUNNING)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(
        kind: VideoStreamType,
        uri: &str,
        enc: VideoStreamEncoding,
    ) -> VIDEO_STREAM_INFORMATION_DATA {
        VIDEO_STREAM_INFORMATION_DATA {
            mavtype: kind,
            uri: uri.into(),
            encoding: enc,
            ..Default::default()
        }
    }

    #[test]
    fn qgc_style_uris_map_to_our_sources() {
        use VideoStreamEncoding::*;
        use VideoStreamType::*;
        let cases = [
            (
                VIDEO_STREAM_TYPE_RTPUDP,
                "5601",
                VIDEO_STREAM_ENCODING_H264,
                "udp://0.0.0.0:5601",
            ),
            (
                VIDEO_STREAM_TYPE_RTPUDP,
                "udp://0.0.0.0:5602",
                VIDEO_STREAM_ENCODING_UNKNOWN,
                "udp://0.0.0.0:5602",
            ),
            (
                VIDEO_STREAM_TYPE_RTPUDP,
                "udp://192.168.1.20:5603",
                VIDEO_STREAM_ENCODING_H265,
                "udp://0.0.0.0:5603?codec=h265",
            ),
            (
                VIDEO_STREAM_TYPE_RTPUDP,
                "udp265://0.0.0.0:5604",
                VIDEO_STREAM_ENCODING_UNKNOWN,
                "udp://0.0.0.0:5604?codec=h265",
            ),
            (
                VIDEO_STREAM_TYPE_RTPUDP,
                "udp://239.0.0.5:5605",
                VIDEO_STREAM_ENCODING_H264,
                "udp://239.0.0.5:5605",
            ),
            (
                VIDEO_STREAM_TYPE_MPEG_TS,
                "5606",
                VIDEO_STREAM_ENCODING_H264,
                "mpegts://0.0.0.0:5606",
            ),
            (
                VIDEO_STREAM_TYPE_RTSP,
                "rtsp://10.0.0.1:8554/video",
                VIDEO_STREAM_ENCODING_H264,
                "rtsp://10.0.0.1:8554/video",
            ),
        ];
        for (kind, uri, enc, want) in cases {
            let got = source_from_info(&info(kind, uri, enc)).unwrap();
            assert_eq!(got.to_string(), want, "{uri}");
        }
    }

    #[test]
    fn configured_beats_announced_beats_default() {
        let announced = info(
            VideoStreamType::VIDEO_STREAM_TYPE_RTPUDP,
            "5610",
            VideoStreamEncoding::VIDEO_STREAM_ENCODING_H264,
        );
        let mine: VideoSource = "rtsp://cam/live".parse().unwrap();
        assert_eq!(
            choose_source(Some(&mine), Some(&announced), 2),
            (mine.clone(), SourceOrigin::Configured)
        );
        let (s, o) = choose_source(None, Some(&announced), 2);
        assert_eq!(
            (s.to_string().as_str(), o),
            ("udp://0.0.0.0:5610", SourceOrigin::Announced)
        );
        let junk = info(
            VideoStreamType::VIDEO_STREAM_TYPE_WHEP,
            "https://x",
            VideoStreamEncoding::VIDEO_STREAM_ENCODING_H264,
        );
        let (s, o) = choose_source(None, Some(&junk), 2);
        assert_eq!(
            (s.to_string().as_str(), o),
            ("udp://0.0.0.0:5602", SourceOrigin::Default)
        );
    }

    #[test]
    fn unusable_announcements_are_explained() {
        use VideoStreamEncoding::*;
        use VideoStreamType::*;
        for (kind, uri, hint) in [
            (VIDEO_STREAM_TYPE_RTPUDP, "", "no port"),
            (VIDEO_STREAM_TYPE_RTSP, "5600", "expected udp://"),
            (
                VIDEO_STREAM_TYPE_TCP_MPEG,
                "tcp://1.2.3.4:5000",
                "not supported",
            ),
        ] {
            let e = source_from_info(&info(kind, uri, VIDEO_STREAM_ENCODING_H264)).unwrap_err();
            assert!(e.to_string().contains(hint), "{uri}: {e}");
        }
    }
}
