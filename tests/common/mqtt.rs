//! A real Mosquitto broker for tests (and the sightings benchmark, which includes this file with
//! `#[path]`, so it stays self-contained): started on a free loopback port with a config written
//! to a temporary folder, killed when dropped. Plain or TLS with passwords. If mosquitto is not
//! installed the test fails and says how to install it.

#![allow(dead_code)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Finds the mosquitto binary (Debian puts it in /usr/sbin, which is not always on PATH).
pub fn mosquitto_binary() -> PathBuf {
    for dir in std::env::var("PATH").unwrap_or_default().split(':').chain([
        "/usr/sbin",
        "/usr/local/sbin",
        "/opt/homebrew/sbin",
    ]) {
        let p = Path::new(dir).join("mosquitto");
        if p.is_file() {
            return p;
        }
    }
    panic!(
        "mosquitto (the MQTT broker) is not installed; these tests need a real broker. \
         Install it with `scripts/install-deps.sh` or `sudo apt-get install mosquitto`"
    );
}

/// A free TCP port on 127.0.0.1 (free when asked; bind it soon).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

/// TLS settings for a broker listener.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// A mosquitto password file; anonymous clients are refused when set.
    pub passwords: Option<PathBuf>,
}

/// A running broker.
pub struct Mosquitto {
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
    tls: Option<TlsFiles>,
}

impl Mosquitto {
    /// Starts a plain broker on a free port, configured as README.md recommends
    /// (`set_tcp_nodelay true`).
    pub fn start() -> Self {
        Self::start_configured(false)
    }

    /// Starts a plain broker with mosquitto's default `set_tcp_nodelay false` (Nagle's algorithm
    /// on), to measure what that costs.
    pub fn start_with_nagle() -> Self {
        Self::start_configured(true)
    }

    fn start_configured(nagle: bool) -> Self {
        for _ in 0..5 {
            if let Some(m) = Self::try_start_with(free_port(), None, nagle) {
                return m;
            }
        }
        panic!("mosquitto did not start on any of 5 free ports");
    }

    /// Starts a plain broker on `port` (e.g. again after [`Mosquitto::stop`]).
    pub fn start_on(port: u16) -> Self {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(m) = Self::try_start(port, None) {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "mosquitto did not start on port {port}"
            );
            // Retried until the port is free again (e.g. just after a broker on it was killed).
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Starts a TLS broker on a free port.
    pub fn start_tls(tls: TlsFiles) -> Self {
        for _ in 0..5 {
            if let Some(m) = Self::try_start(free_port(), Some(tls.clone())) {
                return m;
            }
        }
        panic!("mosquitto (TLS) did not start on any of 5 free ports");
    }

    fn try_start(port: u16, tls: Option<TlsFiles>) -> Option<Self> {
        Self::try_start_with(port, tls, false)
    }

    fn try_start_with(port: u16, tls: Option<TlsFiles>, nagle: bool) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let conf = dir.path().join("mosquitto.conf");
        let mut text = format!(
            "listener {port} 127.0.0.1\npersistence false\nset_tcp_nodelay {}\n",
            !nagle
        );
        match &tls {
            None => text.push_str("allow_anonymous true\n"),
            Some(t) => {
                text.push_str(&format!(
                    "cafile {}\ncertfile {}\nkeyfile {}\n",
                    t.ca.display(),
                    t.cert.display(),
                    t.key.display()
                ));
                match &t.passwords {
                    Some(p) => text.push_str(&format!(
                        "allow_anonymous false\npassword_file {}\n",
                        p.display()
                    )),
                    None => text.push_str("allow_anonymous true\n"),
                }
            }
        }
        std::fs::write(&conf, text).expect("write mosquitto.conf");
        let log = std::fs::File::create(dir.path().join("mosquitto.log")).expect("log file");
        let mut child = Command::new(mosquitto_binary())
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::from(log.try_clone().expect("log file")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("cannot run mosquitto");
        // Ready once it says so: mosquitto logs "running" after every listener is up, so a
        // listener that fails in start-up (e.g. an unreadable key) is seen as an exit instead.
        let log_path = dir.path().join("mosquitto.log");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                return None;
            }
            let running = std::fs::read_to_string(&log_path)
                .is_ok_and(|l| l.lines().any(|l| l.ends_with(" running")));
            if running && TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Self {
                    port,
                    child,
                    dir,
                    tls,
                });
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `mqtt://127.0.0.1:PORT` (or `mqtts://` for a TLS broker).
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "mqtts" } else { "mqtt" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// What the broker logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("mosquitto.log")).unwrap_or_default()
    }

    /// Kills the broker (the port becomes free again).
    pub fn stop(mut self) -> u16 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.port
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates a test CA, a server certificate for 127.0.0.1/localhost signed by it, and a
/// mosquitto password file with `user`/`password`, in `dir` (needs the openssl CLI and
/// mosquitto_passwd, both installed with mosquitto's Debian dependencies).
pub fn make_tls_files(dir: &Path, user: &str, password: &str) -> TlsFiles {
    let run = |cmd: &mut Command| {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
        assert!(
            out.status.success(),
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let p = |name: &str| dir.join(name);
    run(Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=Kestrel Test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout",
        ])
        .arg(p("ca.key"))
        .arg("-out")
        .arg(p("ca.crt")));
    run(Command::new("openssl")
        .args([
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(p("server.key"))
        .arg("-out")
        .arg(p("server.csr")));
    std::fs::write(
        p("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(Command::new("openssl")
        .args(["x509", "-req", "-days", "2", "-in"])
        .arg(p("server.csr"))
        .arg("-CA")
        .arg(p("ca.crt"))
        .arg("-CAkey")
        .arg(p("ca.key"))
        .arg("-CAcreateserial")
        .arg("-extfile")
        .arg(p("ext.cnf"))
        .arg("-out")
        .arg(p("server.crt")));
    let passwd = Path::new("/usr/bin/mosquitto_passwd");
    let passwd = if passwd.exists() {
        passwd.to_path_buf()
    } else {
        PathBuf::from("mosquitto_passwd")
    };
    run(Command::new(passwd)
        .arg("-c")
        .arg("-b")
        .arg(p("passwords"))
        .arg(user)
        .arg(password));
    // Mosquitto started as root drops to its own user, which must be able to read these.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
        for f in ["ca.crt", "server.crt", "server.key", "passwords"] {
            let _ = std::fs::set_permissions(p(f), std::fs::Permissions::from_mode(0o644));
        }
    }
    TlsFiles {
        ca: p("ca.crt"),
        cert: p("server.crt"),
        key: p("server.key"),
        passwords: Some(p("passwords")),
    }
}
