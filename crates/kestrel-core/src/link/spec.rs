//! Connection strings: how a user names a link (`udpin:0.0.0.0:14550`, `tcpout:10.0.0.2:5760`,
//! `serial:/dev/ttyUSB0:57600`, `tlog:flight.tlog`), parsed into a [`LinkSpec`] with errors that say
//! what to type instead.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

/// A parsed connection string: where a link reads and writes MAVLink frames.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkSpec {
    /// Listen for UDP datagrams on a local address; answer each aircraft at the address it came from.
    UdpIn(SocketAddr),
    /// Send UDP datagrams to a fixed remote address (and read what comes back).
    UdpOut(SocketAddr),
    /// Listen for TCP clients on a local address.
    TcpIn(SocketAddr),
    /// Connect to a TCP server (`HOST:PORT`), reconnecting when the connection drops.
    TcpOut(String),
    /// A serial port (radio modem or USB autopilot) at a baud rate.
    Serial {
        /// The device, e.g. /dev/ttyUSB0.
        port: String,
        /// Bits per second, e.g. 57600 for a SiK radio.
        baud: u32,
    },
    /// Replay a recorded `.tlog` as if it were a live link, `speed` times faster than recorded.
    TlogReplay {
        /// The recorded file.
        path: PathBuf,
        /// How many times faster than recorded (1 = real time).
        speed: f64,
    },
}

/// Why a connection string was refused; the message tells the user what a valid one looks like.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinkSpecError {
    /// No `scheme:` prefix.
    #[error("connection string '{0}' has no scheme; use udpin:HOST:PORT, udpout:HOST:PORT, tcpin:HOST:PORT, tcpout:HOST:PORT, serial:PORT:BAUD or tlog:FILE")]
    MissingScheme(String),
    /// A scheme Kestrel does not speak (e.g. a QGroundControl-style `udp://`).
    #[error("unknown link scheme '{scheme}' in '{input}'; use udpin:, udpout:, tcpin:, tcpout:, serial: or tlog:{hint}")]
    UnknownScheme {
        /// The scheme given.
        scheme: String,
        /// The whole connection string.
        input: String,
        /// A suggestion for a near miss (e.g. `udp:` → `udpin:`), or empty.
        hint: String,
    },
    /// The address is not a numeric HOST:PORT.
    #[error("'{input}' needs an address HOST:PORT with a numeric IP, e.g. {example}: {reason}")]
    BadAddress {
        /// The whole connection string.
        input: String,
        /// A valid one of the same kind.
        example: &'static str,
        /// Why the address did not parse.
        reason: String,
    },
    /// `serial:PORT` without `:BAUD`.
    #[error("'{0}' needs a baud rate: serial:PORT:BAUD, e.g. serial:/dev/ttyUSB0:57600")]
    MissingBaud(String),
    /// A baud rate that is not a positive number.
    #[error("'{0}': baud rate must be a positive number, e.g. serial:/dev/ttyUSB0:57600")]
    BadBaud(String),
    /// `tlog:` without a file.
    #[error("'{0}': tlog replay needs a file, e.g. tlog:flight.tlog or tlog:flight.tlog?speed=4")]
    MissingFile(String),
    /// A replay speed that is not a positive number.
    #[error("'{0}': replay speed must be a positive number, e.g. tlog:flight.tlog?speed=4")]
    BadSpeed(String),
}

impl FromStr for LinkSpec {
    type Err = LinkSpecError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let input = input.trim();
        let Some((scheme, rest)) = input.split_once(':') else {
            return Err(LinkSpecError::MissingScheme(input.to_string()));
        };
        let rest = rest.trim_start_matches("//");
        match scheme.to_ascii_lowercase().as_str() {
            "udpin" => parse_addr(input, rest, "udpin:0.0.0.0:14550").map(LinkSpec::UdpIn),
            "udpout" => parse_addr(input, rest, "udpout:127.0.0.1:14550").map(LinkSpec::UdpOut),
            "tcpin" => parse_addr(input, rest, "tcpin:0.0.0.0:5760").map(LinkSpec::TcpIn),
            "tcpout" => parse_host_port(input, rest).map(LinkSpec::TcpOut),
            "serial" => parse_serial(input, rest),
            "tlog" => parse_tlog(input, rest),
            other => {
                let hint = match other {
                    "udp" => " (udp: is ambiguous: udpin: listens, udpout: sends)",
                    "tcp" => " (tcp: is ambiguous: tcpin: listens, tcpout: connects)",
                    "file" => " (to replay a recording use tlog:FILE)",
                    _ => "",
                };
                Err(LinkSpecError::UnknownScheme {
                    scheme: other.to_string(),
                    input: input.to_string(),
                    hint: hint.to_string(),
                })
            }
        }
    }
}

fn parse_addr(input: &str, rest: &str, example: &'static str) -> Result<SocketAddr, LinkSpecError> {
    rest.parse::<SocketAddr>()
        .map_err(|e| LinkSpecError::BadAddress {
            input: input.to_string(),
            example,
            reason: e.to_string(),
        })
}

fn parse_host_port(input: &str, rest: &str) -> Result<String, LinkSpecError> {
    let bad = |reason: &str| LinkSpecError::BadAddress {
        input: input.to_string(),
        example: "tcpout:127.0.0.1:5760",
        reason: reason.to_string(),
    };
    let (host, port) = rest.rsplit_once(':').ok_or_else(|| bad("missing :PORT"))?;
    if host.is_empty() {
        return Err(bad("missing host"));
    }
    port.parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| bad("port must be 1-65535"))?;
    Ok(rest.to_string())
}

fn parse_serial(input: &str, rest: &str) -> Result<LinkSpec, LinkSpecError> {
    let Some((port, baud)) = rest.rsplit_once(':') else {
        return Err(LinkSpecError::MissingBaud(input.to_string()));
    };
    if port.is_empty() {
        return Err(LinkSpecError::MissingBaud(input.to_string()));
    }
    let baud = baud
        .parse::<u32>()
        .ok()
        .filter(|b| *b > 0)
        .ok_or_else(|| LinkSpecError::BadBaud(input.to_string()))?;
    Ok(LinkSpec::Serial {
        port: port.to_string(),
        baud,
    })
}

fn parse_tlog(input: &str, rest: &str) -> Result<LinkSpec, LinkSpecError> {
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    if path.is_empty() {
        return Err(LinkSpecError::MissingFile(input.to_string()));
    }
    let mut speed = 1.0;
    if let Some(q) = query {
        let value = q
            .strip_prefix("speed=")
            .ok_or_else(|| LinkSpecError::BadSpeed(input.to_string()))?;
        speed = value
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0)
            .ok_or_else(|| LinkSpecError::BadSpeed(input.to_string()))?;
    }
    Ok(LinkSpec::TlogReplay {
        path: PathBuf::from(path),
        speed,
    })
}

impl fmt::Display for LinkSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkSpec::UdpIn(a) => write!(f, "udpin:{a}"),
            LinkSpec::UdpOut(a) => write!(f, "udpout:{a}"),
            LinkSpec::TcpIn(a) => write!(f, "tcpin:{a}"),
            LinkSpec::TcpOut(a) => write!(f, "tcpout:{a}"),
            LinkSpec::Serial { port, baud } => write!(f, "serial:{port}:{baud}"),
            LinkSpec::TlogReplay { path, speed } if *speed == 1.0 => {
                write!(f, "tlog:{}", path.display())
            }
            LinkSpec::TlogReplay { path, speed } => {
                write!(f, "tlog:{}?speed={speed}", path.display())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_scheme() {
        assert_eq!(
            "udpin:0.0.0.0:14550".parse::<LinkSpec>().unwrap(),
            LinkSpec::UdpIn("0.0.0.0:14550".parse().unwrap())
        );
        assert_eq!(
            "tcpout:localhost:5760".parse::<LinkSpec>().unwrap(),
            LinkSpec::TcpOut("localhost:5760".into())
        );
        assert_eq!(
            "serial:/dev/ttyUSB0:57600".parse::<LinkSpec>().unwrap(),
            LinkSpec::Serial {
                port: "/dev/ttyUSB0".into(),
                baud: 57600
            }
        );
        assert_eq!(
            "tlog:a.tlog?speed=4".parse::<LinkSpec>().unwrap(),
            LinkSpec::TlogReplay {
                path: "a.tlog".into(),
                speed: 4.0
            }
        );
    }

    #[test]
    fn refuses_wrong_strings_with_a_hint() {
        let e = "udp:127.0.0.1:14550".parse::<LinkSpec>().unwrap_err();
        assert!(e.to_string().contains("udpin"), "{e}");
        let e = "serial:/dev/ttyUSB0".parse::<LinkSpec>().unwrap_err();
        assert!(e.to_string().contains("baud"), "{e}");
        let e = "udpin:nonsense".parse::<LinkSpec>().unwrap_err();
        assert!(matches!(e, LinkSpecError::BadAddress { .. }));
        assert!("127.0.0.1:14550".parse::<LinkSpec>().is_err());
        assert!("tcpout:host:99999".parse::<LinkSpec>().is_err());
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "udpin:0.0.0.0:14550",
            "tcpout:10.0.0.2:5760",
            "serial:COM3:115200",
        ] {
            assert_eq!(s.parse::<LinkSpec>().unwrap().to_string(), s);
        }
    }
}
