//! Dispatch asking a console for an aircraft's live video: the message both sides share.
//!
//! While a dispatcher watches, `dispatch serve` publishes a [`LiveVideoRequest`] on the
//! console's live-video topic every few seconds (QoS 0: a lost one is followed by the next).
//! Each names the aircraft, the SRT listener at dispatch to send to, the stream's passphrase
//! and how long the request holds (its lease). The console sends the video it already receives
//! for as long as requests keep coming, and stops by itself when they stop: a dispatch that
//! crashed or lost its network leaves no console sending video into the void.

use std::time::Duration;

use super::envelope::{check_console, check_header, malformed, EnvelopeError, VERSION};

const KIND: &str = "live-video";

/// The longest lease a request may ask for.
pub const MAX_LEASE: Duration = Duration::from_secs(120);

/// One request for one aircraft's video.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LiveVideoRequest {
    /// The aircraft (MAVLink system id) at the console.
    pub aircraft: u8,
    /// Where to send: `srt://HOST:PORT` (dispatch listens there).
    pub url: String,
    /// SRT stream id to use (for dispatch's logs).
    pub streamid: String,
    /// SRT passphrase (10 to 79 characters), different for every stream.
    pub passphrase: String,
    /// SRT latency, milliseconds: how long lost packets are retransmitted.
    pub latency_ms: u32,
    /// How long this request holds, seconds; requests come again well before it runs out.
    pub lease_s: u32,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Wire {
    v: u32,
    kind: String,
    console: String,
    #[serde(flatten)]
    request: LiveVideoRequest,
}

impl LiveVideoRequest {
    /// How long the request holds.
    pub fn lease(&self) -> Duration {
        Duration::from_secs(u64::from(self.lease_s)).min(MAX_LEASE)
    }

    /// The JSON bytes for `console`'s topic.
    pub fn encode(&self, console: &str) -> Vec<u8> {
        serde_json::to_vec(&Wire {
            v: VERSION,
            kind: KIND.into(),
            console: console.to_string(),
            request: self.clone(),
        })
        .unwrap_or_default()
    }

    /// Decodes and checks a request that arrived on `topic_console`'s topic. The address must
    /// be an SRT URL and the passphrase a valid SRT one: nothing else is sent anywhere.
    pub fn decode(topic_console: &str, payload: &[u8]) -> Result<Self, EnvelopeError> {
        check_header(payload, KIND)?;
        let w: Wire = serde_json::from_slice(payload).map_err(malformed(KIND))?;
        check_console(topic_console, &w.console)?;
        let r = w.request;
        let invalid = |reason: &str| EnvelopeError::Invalid {
            kind: KIND,
            reason: reason.to_string(),
        };
        let host_port = r
            .url
            .strip_prefix("srt://")
            .ok_or_else(|| invalid("the address is not srt://HOST:PORT"))?;
        if host_port.is_empty()
            || host_port.len() > 255
            || !host_port
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]_".contains(c))
            || !host_port
                .rsplit(':')
                .next()
                .is_some_and(|p| p.parse::<u16>().is_ok_and(|p| p > 0))
        {
            return Err(invalid("the address is not srt://HOST:PORT"));
        }
        if !(10..=79).contains(&r.passphrase.len()) || !r.passphrase.is_ascii() {
            return Err(invalid(
                "the SRT passphrase must be 10 to 79 ASCII characters",
            ));
        }
        if r.streamid.len() > 512 || r.streamid.chars().any(char::is_control) {
            return Err(invalid(
                "the stream id is too long or has control characters",
            ));
        }
        if r.aircraft == 0 || r.lease_s == 0 || r.latency_ms > 10_000 {
            return Err(invalid("aircraft 0, a zero lease or a latency over 10 s"));
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> LiveVideoRequest {
        LiveVideoRequest {
            aircraft: 3,
            url: "srt://192.0.2.10:8890".into(),
            streamid: "team-1/3".into(),
            passphrase: "a1b2c3d4e5f6a7b8".into(),
            latency_ms: 300,
            lease_s: 15,
        }
    }

    #[test]
    fn a_request_survives_the_wire() {
        let r = request();
        assert_eq!(
            LiveVideoRequest::decode("team-1", &r.encode("team-1")).unwrap(),
            r
        );
    }

    #[test]
    fn a_request_for_another_console_or_somewhere_else_is_refused() {
        let r = request();
        assert!(LiveVideoRequest::decode("team-2", &r.encode("team-1")).is_err());
        for url in [
            "http://192.0.2.10:8890",
            "srt://host:0",
            "srt://host",
            "srt://h\" ! filesink location=/etc/passwd:1",
        ] {
            let bad = LiveVideoRequest {
                url: url.into(),
                ..request()
            };
            assert!(
                LiveVideoRequest::decode("team-1", &bad.encode("team-1")).is_err(),
                "{url}"
            );
        }
        let short = LiveVideoRequest {
            passphrase: "short".into(),
            ..request()
        };
        assert!(LiveVideoRequest::decode("team-1", &short.encode("team-1")).is_err());
    }
}
