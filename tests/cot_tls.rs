//! Cursor-on-Target to a TAK server's SSL port, end to end over real sockets: an in-test TLS
//! server (rustls, as a TAK server is configured: a server certificate from its own CA, client
//! certificates required) receives Kestrel's CoT stream; a server whose certificate comes from
//! another CA, or one that does not accept Kestrel's client certificate, is refused with a clear
//! reason; a dropped connection is re-established. The test CAs and certificates are made with
//! the openssl CLI, like the Mosquitto TLS tests do.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use kestrel::dispatch::cot::{self, CotSender, CotStatus, CotTarget, CotTls};
use kestrel::dispatch::envelope::FleetAircraft;
use kestrel::dispatch::tls::ClientIdentity;
use kestrel::sightings::timestamp::Timestamp;
use kestrel::sightings::{Category, NewSighting, Position};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::AsyncReadExt;
use tokio_rustls::TlsAcceptor;

const WAIT: Duration = Duration::from_secs(30);

fn openssl(args: &[&str], paths: &[&Path]) {
    let mut cmd = Command::new("openssl");
    cmd.args(args);
    for p in paths {
        cmd.arg(p);
    }
    let out = cmd.output().expect("the openssl CLI runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA with a server certificate for localhost (the Mosquitto test helper) and a client
/// certificate signed by the same CA: (CA, server cert, server key, client cert, client key).
struct Pki {
    ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
}

fn make_pki(dir: &Path) -> Pki {
    let tls = common::mqtt::make_tls_files(dir, "u", "p");
    let p = |n: &str| dir.join(n);
    openssl(
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            "/CN=kestrel-console",
            "-keyout",
        ],
        &[&p("client.key"), Path::new("-out"), &p("client.csr")],
    );
    std::fs::write(
        p("client.cnf"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n",
    )
    .unwrap();
    openssl(
        &["x509", "-req", "-days", "2", "-in"],
        &[
            &p("client.csr"),
            Path::new("-CA"),
            &tls.ca,
            Path::new("-CAkey"),
            &p("ca.key"),
            Path::new("-CAcreateserial"),
            Path::new("-extfile"),
            &p("client.cnf"),
            Path::new("-out"),
            &p("client.crt"),
        ],
    );
    Pki {
        ca: tls.ca,
        server_cert: tls.cert,
        server_key: tls.key,
        client_cert: p("client.crt"),
        client_key: p("client.key"),
    }
}

/// A TAK-like SSL input: the server certificate of `server`, client certificates required and
/// checked against `client_ca`.
async fn tak_server(server: &Pki, client_ca: &Path) -> (tokio::net::TcpListener, TlsAcceptor) {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(client_ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let certs: Vec<_> = CertificateDer::pem_file_iter(&server.server_cert)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(&server.server_key).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    (listener, TlsAcceptor::from(Arc::new(config)))
}

fn client_tls(trust: &Pki, me: &Pki) -> CotTls {
    CotTls {
        ca_file: Some(trust.ca.clone()),
        identity: Some(ClientIdentity {
            cert_file: me.client_cert.clone(),
            key_file: Some(me.client_key.clone()),
        }),
    }
}

fn target(listener: &tokio::net::TcpListener) -> CotTarget {
    format!("ssl://localhost:{}", listener.local_addr().unwrap().port())
        .parse()
        .unwrap()
}

fn aircraft() -> FleetAircraft {
    FleetAircraft {
        sysid: 7,
        callsign: Some("EAGLE 7".into()),
        lat: Some(36.457),
        lon: Some(115.99),
        alt_amsl_m: 160.0,
        alt_rel_m: 60.0,
        heading_deg: 90.0,
        ground_speed_ms: 8.0,
        mode: "AUTO".into(),
        armed: true,
        battery_pct: Some(71.0),
        link: "connected".into(),
    }
}

/// Reads one whole `<event>…</event>` from an accepted TLS stream.
async fn read_event<S: tokio::io::AsyncRead + Unpin>(conn: &mut S, pending: &mut String) -> String {
    loop {
        if let Some(end) = pending.find("</event>") {
            let ev = pending[..end + "</event>".len()].to_string();
            pending.drain(..end + "</event>".len());
            return ev;
        }
        let mut buf = [0u8; 4096];
        let n = tokio::time::timeout(WAIT, conn.read(&mut buf))
            .await
            .expect("a CoT event within 30 s")
            .unwrap();
        assert!(n > 0, "connection closed early: {pending}");
        pending.push_str(std::str::from_utf8(&buf[..n]).unwrap());
    }
}

/// Waits until the sender's status satisfies `ok`; returns it.
async fn status_until(sender: &mut CotSender, ok: impl Fn(&CotStatus) -> bool) -> CotStatus {
    tokio::time::timeout(WAIT, async {
        loop {
            let s = sender.status();
            if ok(&s) {
                return s;
            }
            sender.status_changed().await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("status stayed {:?}", sender.status()))
}

#[tokio::test]
async fn cot_streams_to_a_tak_ssl_port_with_a_client_certificate_and_reconnects() {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki(dir.path());
    let (listener, acceptor) = tak_server(&pki, &pki.ca).await;
    let sender = CotSender::connect(target(&listener), &client_tls(&pki, &pki)).unwrap();
    assert_eq!(sender.target().to_string(), target(&listener).to_string());
    let a = aircraft();
    sender.send(cot::aircraft_event("team-3", &a, Timestamp::now()).unwrap());
    let sighting = NewSighting::new(Category::Vehicle, Position::new(36.4581, 115.9904))
        .note("white van & trailer")
        .into_sighting()
        .0;
    sender.send(cot::sighting_event(&sighting, "team-3"));

    let (tcp, _) = tokio::time::timeout(WAIT, listener.accept())
        .await
        .unwrap()
        .unwrap();
    let mut conn = acceptor
        .accept(tcp)
        .await
        .expect("TLS handshake with a client certificate");
    let (_, session) = conn.get_ref();
    assert!(
        session.peer_certificates().is_some_and(|c| !c.is_empty()),
        "Kestrel showed its client certificate"
    );
    let mut pending = String::new();
    for (uid, kind) in [
        ("kestrel-team-3-7".to_string(), "a-f-A-M-H-Q"),
        (format!("kestrel-sighting-{}", sighting.id), "a-u-G-E-V"),
    ] {
        let xml = read_event(&mut conn, &mut pending).await;
        let xml = xml.trim_start();
        let doc = roxmltree::Document::parse(xml).expect("well-formed CoT XML");
        let ev = doc.root_element();
        assert_eq!(ev.tag_name().name(), "event");
        assert_eq!(ev.attribute("version"), Some("2.0"));
        assert_eq!(ev.attribute("uid"), Some(uid.as_str()));
        assert_eq!(ev.attribute("type"), Some(kind));
        let point = ev.children().find(|n| n.has_tag_name("point")).unwrap();
        let lat: f64 = point.attribute("lat").unwrap().parse().unwrap();
        assert!((lat - 36.457).abs() < 0.01, "{xml}");
    }

    // The server drops the connection: Kestrel reconnects and the stream resumes.
    drop(conn);
    let (tcp, _) = loop {
        sender.send(cot::aircraft_event("team-3", &a, Timestamp::now()).unwrap());
        if let Ok(r) = tokio::time::timeout(Duration::from_millis(500), listener.accept()).await {
            break r.unwrap();
        }
    };
    let mut conn = acceptor.accept(tcp).await.expect("second TLS handshake");
    let mut pending = String::new();
    loop {
        sender.send(cot::aircraft_event("team-3", &a, Timestamp::now()).unwrap());
        let xml = read_event(&mut conn, &mut pending).await;
        if xml.contains("kestrel-team-3-7") {
            break;
        }
    }
    assert_eq!(sender.status(), CotStatus::Connected);
}

#[tokio::test]
async fn a_server_certificate_from_another_ca_or_a_refused_client_certificate_is_a_clear_error() {
    let ours = tempfile::tempdir().unwrap();
    let theirs = tempfile::tempdir().unwrap();
    let ours = make_pki(ours.path());
    let theirs = make_pki(theirs.path());

    // The server's certificate comes from a CA Kestrel does not trust.
    let (listener, acceptor) = tak_server(&theirs, &ours.ca).await;
    let mut sender = CotSender::connect(target(&listener), &client_tls(&ours, &ours)).unwrap();
    let accepting = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let _ = acceptor.accept(tcp).await;
        }
    });
    let status = status_until(&mut sender, |s| matches!(s, CotStatus::Down(_))).await;
    let CotStatus::Down(why) = status else {
        unreachable!()
    };
    assert!(
        why.contains("not signed by a trusted CA") && why.contains("ssl://localhost"),
        "{why}"
    );
    accepting.abort();

    // The server trusts only its own CA's clients: Kestrel's certificate (from ours) is refused.
    let (listener, acceptor) = tak_server(&theirs, &theirs.ca).await;
    let mut sender = CotSender::connect(target(&listener), &client_tls(&theirs, &ours)).unwrap();
    let accepting = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let _ = acceptor.accept(tcp).await;
        }
    });
    sender.send(cot::aircraft_event("team-3", &aircraft(), Timestamp::now()).unwrap());
    let status = status_until(&mut sender, |s| matches!(s, CotStatus::Down(_))).await;
    let CotStatus::Down(why) = status else {
        unreachable!()
    };
    assert!(
        why.contains("refused Kestrel's client certificate"),
        "{why}"
    );
    accepting.abort();
}

#[test]
fn ssl_without_a_client_certificate_or_with_bad_files_is_refused_at_start() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _g = rt.enter();
    let t: CotTarget = "ssl://tak.example:8089".parse().unwrap();
    let e = CotSender::connect(t.clone(), &CotTls::default())
        .err()
        .unwrap();
    assert!(
        e.to_string().contains("needs Kestrel's client certificate"),
        "{e}"
    );
    let missing = CotTls {
        ca_file: Some("/nonexistent/ca.pem".into()),
        identity: Some(ClientIdentity {
            cert_file: "/nonexistent/client.pem".into(),
            key_file: None,
        }),
    };
    let e = CotSender::connect(t, &missing).err().unwrap();
    assert!(
        e.to_string()
            .contains("cannot read CA file /nonexistent/ca.pem"),
        "{e}"
    );
    let e = CotSender::connect("tcp://tak.example:8087".parse().unwrap(), &missing)
        .err()
        .unwrap();
    assert!(e.to_string().contains("has no TLS"), "{e}");

    // The command line: the same refusal, on one line.
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "dispatch",
            "serve",
            "--broker",
            "mqtt://127.0.0.1:1",
            "--cot",
            "ssl://127.0.0.1:8089",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("needs Kestrel's client certificate") && err.trim().lines().count() == 1,
        "{err}"
    );
}

#[test]
fn the_console_shows_why_its_cot_stream_to_tak_is_down() {
    use kestrel::console::{ConsoleConfig, DispatchSettings};
    let ours = tempfile::tempdir().unwrap();
    let theirs = tempfile::tempdir().unwrap();
    let ours = make_pki(ours.path());
    let theirs = make_pki(theirs.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (listener, acceptor) = rt.block_on(tak_server(&theirs, &ours.ca));
    let port = listener.local_addr().unwrap().port();
    rt.spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let _ = acceptor.accept(tcp).await;
        }
    });
    let mut dispatch = DispatchSettings::default();
    dispatch.cot.enabled = true;
    dispatch.cot.target = format!("ssl://localhost:{port}");
    dispatch.cot.ca_file = Some(ours.ca.clone());
    dispatch.cot.cert_file = Some(ours.client_cert.clone());
    dispatch.cot.key_file = Some(ours.client_key.clone());
    let data = tempfile::tempdir().unwrap();
    let handle = common::console::start_core(ConsoleConfig {
        data_dir: Some(data.path().to_path_buf()),
        dispatch,
        ..Default::default()
    });
    let why = common::wait::until("the CoT status in the view", WAIT, || {
        handle.view().sightings.dispatch.cot_down.clone()
    });
    assert!(why.contains("not signed by a trusted CA"), "{why}");
}
