//! SBS-1 feeds over TCP (`sbs://HOST:30003`): a task per feed connects, splits the byte stream
//! into lines (bounded, so a peer that never sends a newline cannot grow memory), reads each
//! with [`super::sbs::parse_line`] and hands the reports on; it reconnects with a growing pause
//! when the receiver goes away and keeps counters the window and `kestrel traffic watch` show.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;

use super::sbs::{self, MAX_LINE};
use super::target::TrafficUpdate;

/// Where an SBS-1 feed is: `sbs://HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FeedSpec {
    /// Host name or address of the receiver.
    pub host: String,
    /// Its BaseStation port (30003 by convention).
    pub port: u16,
}

/// Why a feed's connection string cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedSpecError {
    /// Not `sbs://HOST:PORT`.
    #[error("'{0}' is not a traffic feed; use sbs://HOST:PORT (e.g. sbs://192.168.1.20:30003, dump1090's BaseStation port)")]
    Form(String),
}

impl std::str::FromStr for FeedSpec {
    type Err = FeedSpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || FeedSpecError::Form(s.to_string());
        let rest = s.trim().strip_prefix("sbs://").ok_or_else(bad)?;
        let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port: u16 = port.parse().map_err(|_| bad())?;
        if host.is_empty() || port == 0 {
            return Err(bad());
        }
        Ok(FeedSpec {
            host: host.to_string(),
            port,
        })
    }
}

impl std::fmt::Display for FeedSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "sbs://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "sbs://{}:{}", self.host, self.port)
        }
    }
}

/// How a feed is doing.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct FeedStatus {
    /// The feed's connection string.
    pub name: String,
    /// Connected now.
    pub connected: bool,
    /// Times a connection was made.
    pub connections: u64,
    /// Lines read.
    pub lines: u64,
    /// Lines that were not SBS-1 (or too long), skipped.
    pub bad_lines: u64,
    /// The last problem: connection refused, closed, a bad line.
    pub last_error: Option<String>,
}

/// Splits a byte stream into lines of at most [`MAX_LINE`] bytes; longer lines are skipped whole
/// and counted.
#[derive(Debug, Default)]
pub struct LineSplitter {
    buf: Vec<u8>,
    skipping: bool,
    /// Over-long lines skipped so far.
    pub overlong: u64,
}

impl LineSplitter {
    /// Feeds bytes; calls `line` with every complete line (without its end of line).
    pub fn push(&mut self, bytes: &[u8], mut line: impl FnMut(&str)) {
        for chunk in bytes.split_inclusive(|b| *b == b'\n') {
            let complete = chunk.last() == Some(&b'\n');
            let body = if complete {
                &chunk[..chunk.len() - 1]
            } else {
                chunk
            };
            if !self.skipping {
                if self.buf.len() + body.len() > MAX_LINE {
                    self.buf.clear();
                    self.skipping = true;
                    self.overlong += 1;
                } else {
                    self.buf.extend_from_slice(body);
                }
            }
            if complete {
                if !self.skipping {
                    let text = String::from_utf8_lossy(&self.buf);
                    let text = text.trim_end_matches('\r');
                    if !text.trim().is_empty() {
                        line(text);
                    }
                }
                self.buf.clear();
                self.skipping = false;
            }
        }
    }
}

/// Where a feed's reports go: the report and its arrival time.
pub type Sink = Arc<dyn Fn(TrafficUpdate, Instant) + Send + Sync>;

/// Runs one feed until the task is aborted: connect, read, reconnect.
pub async fn run(spec: FeedSpec, sink: Sink, status: Arc<Mutex<FeedStatus>>) {
    let set =
        |f: &dyn Fn(&mut FeedStatus)| f(&mut status.lock().unwrap_or_else(|p| p.into_inner()));
    let mut pause = Duration::from_millis(500);
    loop {
        match tokio::net::TcpStream::connect((spec.host.as_str(), spec.port)).await {
            Ok(mut stream) => {
                set(&|s| {
                    s.connected = true;
                    s.connections += 1;
                });
                let mut split = LineSplitter::default();
                let mut buf = vec![0u8; 8192];
                let why = loop {
                    match stream.read(&mut buf).await {
                        Ok(0) => break "the receiver closed the connection".to_string(),
                        Ok(n) => {
                            let at = Instant::now();
                            let (mut lines, mut bad, mut err) = (0u64, 0u64, None);
                            let before = split.overlong;
                            split.push(&buf[..n], |l| {
                                lines += 1;
                                match sbs::parse_line(l) {
                                    Ok(Some(u)) => sink(u, at),
                                    Ok(None) => {}
                                    Err(e) => {
                                        bad += 1;
                                        err = Some(e.to_string());
                                    }
                                }
                            });
                            let overlong = split.overlong - before;
                            if overlong > 0 {
                                err = Some(sbs::SbsError::TooLong.to_string());
                            }
                            set(&|s| {
                                s.lines += lines + overlong;
                                s.bad_lines += bad + overlong;
                                if let Some(e) = &err {
                                    s.last_error = Some(e.clone());
                                }
                            });
                            pause = Duration::from_millis(500);
                        }
                        Err(e) => break format!("read failed: {e}"),
                    }
                };
                set(&|s| {
                    s.connected = false;
                    s.last_error = Some(why.clone());
                });
            }
            Err(e) => {
                let why = format!("cannot connect to {}:{}: {e}", spec.host, spec.port);
                set(&|s| {
                    s.connected = false;
                    s.last_error = Some(why.clone());
                });
            }
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_strings() {
        let f: FeedSpec = "sbs://192.168.1.20:30003".parse().unwrap();
        assert_eq!(f.port, 30003);
        assert_eq!(f.to_string(), "sbs://192.168.1.20:30003");
        let v6: FeedSpec = "sbs://[::1]:30003".parse().unwrap();
        assert_eq!(v6.host, "::1");
        assert_eq!(v6.to_string(), "sbs://[::1]:30003");
        for bad in [
            "tcp://a:1",
            "sbs://a",
            "sbs://:30003",
            "sbs://a:0",
            "sbs://a:x",
        ] {
            assert!(bad.parse::<FeedSpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn lines_split_across_reads_and_overlong_lines_are_skipped() {
        let mut s = LineSplitter::default();
        let mut got = Vec::new();
        s.push(b"MSG,1\r\nMS", |l| got.push(l.to_string()));
        s.push(b"G,2\n", |l| got.push(l.to_string()));
        s.push(&vec![b'x'; MAX_LINE + 10], |l| got.push(l.to_string()));
        s.push(b"yyy\nMSG,3\n", |l| got.push(l.to_string()));
        assert_eq!(got, ["MSG,1", "MSG,2", "MSG,3"]);
        assert_eq!(s.overlong, 1);
    }
}
