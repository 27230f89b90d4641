//! The command centre's page in a real browser: `kestrel dispatch serve --http` (the real
//! binary) on a real Mosquitto, two consoles flying the simulator over loopback MAVLink and
//! syncing through the broker, and Debian's headless Chromium driven over WebDriver. The
//! dispatcher logs in, sees every aircraft move, sees a sighting with its picture arrive, and
//! acknowledges it: the console then holds "acknowledged by dispatcher NAME". A console that
//! stops is shown quiet at its last position. The second test checks the page's locks without a
//! browser: logins, the brake on guessing, CSRF, viewers, cookies and headers.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use common::browser::Browser;
use common::cli::KESTREL;
use common::http::{self, Reply};
use common::mqtt::{free_port, Mosquitto};
use common::sim::{udp_fleet, wait_fleet};
use kestrel::dispatch::broker::BrokerConfig;
use kestrel::dispatch::outbox::fleet::station_source;
use kestrel::dispatch::outbox::sync::{self, SyncConfig};
use kestrel::dispatch::tasks::TaskState;
use kestrel::protocol::command::Command as Cmd;
use kestrel::sightings::model::SnapshotData;
use kestrel::sightings::{Category, NewSighting, Position, Priority, SightingStore};
use kestrel::tasking::{Answer, TaskInbox};
use kestrel_sim::Faults;

const WAIT: Duration = Duration::from_secs(60);
const DISPATCHER: &str = "li.na";
const DISPATCHER_PW: &str = "patrol-centre-2026";
const VIEWER: &str = "guest";
const VIEWER_PW: &str = "just-looking-2026";

/// `kestrel dispatch serve` with its page, killed when dropped.
struct Dispatch {
    child: Child,
    addr: SocketAddr,
    _data: tempfile::TempDir,
}

impl Dispatch {
    fn start(broker: &str) -> Self {
        Self::start_with(broker, &["--tiles", "none"], &[], None)
    }

    /// With more arguments and environment; `https` names the CA to reach it with (curl).
    fn start_with(
        broker: &str,
        args: &[&str],
        env: &[(&str, &Path)],
        https: Option<&Path>,
    ) -> Self {
        let data = tempfile::tempdir().unwrap();
        add_user(data.path(), DISPATCHER, "dispatcher", DISPATCHER_PW);
        add_user(data.path(), VIEWER, "viewer", VIEWER_PW);
        let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let mut cmd = Command::new(KESTREL);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .arg("--data-dir")
            .arg(data.path())
            .args(["dispatch", "serve", "--broker", broker])
            .args(["--backoff-min-ms", "20", "--backoff-max-ms", "300"])
            .args(args)
            .arg("--http")
            .arg(addr.to_string())
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(data.path().join("serve.log"))
                    .map(Stdio::from)
                    .unwrap_or_else(|_| Stdio::null()),
            )
            .spawn()
            .expect("start kestrel dispatch serve");
        let d = Self {
            child,
            addr,
            _data: data,
        };
        let started = Instant::now();
        loop {
            let up = match https {
                None => d.get("/api/config", &[]).is_ok(),
                Some(ca) => curl(ca, &[&format!("https://{addr}/api/config")])
                    .status
                    .success(),
            };
            if up {
                break;
            }
            assert!(started.elapsed() < WAIT, "the dispatch page never answered");
            std::thread::sleep(Duration::from_millis(50));
        }
        d
    }

    fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    fn get(&self, path: &str, headers: &[(&str, &str)]) -> std::io::Result<Reply> {
        http::request(self.addr, "GET", path, headers, None)
    }

    fn post(&self, path: &str, headers: &[(&str, &str)], body: &serde_json::Value) -> Reply {
        let mut h = vec![("Content-Type", "application/json")];
        h.extend_from_slice(headers);
        http::request(
            self.addr,
            "POST",
            path,
            &h,
            Some(body.to_string().as_bytes()),
        )
        .expect("request")
    }
}

impl Drop for Dispatch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self._data.path().join("serve.log"));
            eprintln!("kestrel dispatch serve said:\n{}", log.unwrap_or_default());
        }
    }
}

/// curl trusting only `ca`, to check the HTTPS page with an independent client.
fn curl(ca: &Path, args: &[&str]) -> std::process::Output {
    Command::new("curl")
        .args(["-sS", "--max-time", "10", "--cacert"])
        .arg(ca)
        .args(args)
        .output()
        .expect("run curl")
}

fn add_user(data: &Path, name: &str, role: &str, password: &str) {
    let out = Command::new(KESTREL)
        .arg("--data-dir")
        .arg(data)
        .args(["dispatch", "user", "add", name, "--role", role])
        .env("KESTREL_DISPATCH_PASSWORD", password)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "user add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn mode(name: &str) -> Cmd {
    Cmd::SetMode {
        custom_mode: kestrel::fleet::modes::copter_mode_number(name).expect("mode"),
    }
}

fn picture() -> Vec<u8> {
    let img = image::RgbImage::from_fn(320, 240, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 0x80])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

fn sync_config(url: &str) -> SyncConfig {
    let mut c = SyncConfig::new(BrokerConfig::new(url.parse().unwrap(), None, None).unwrap());
    c.backoff_min = Duration::from_millis(20);
    c.backoff_max = Duration::from_millis(300);
    c.fleet_interval = Duration::from_millis(500);
    c
}

#[test]
fn a_dispatcher_sees_the_fleet_move_and_a_sighting_arrive_and_acknowledges_it_by_name() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mosquitto = Mosquitto::start();
    let dispatch = Dispatch::start(&mosquitto.url());

    // Two consoles, two simulated aircraft each, syncing to the broker.
    let mut consoles = Vec::new();
    let mut inboxes = Vec::new();
    for team in ["team-1", "team-2"] {
        let (sim, station) = rt.block_on(udp_fleet(2, 5.0, Faults::default()));
        let dir = tempfile::tempdir().unwrap();
        let store = SightingStore::open_in(dir.path()).unwrap();
        rt.block_on(store.set_console_id(team)).unwrap();
        let inbox = TaskInbox::open_in(dir.path()).unwrap();
        let worker = {
            let _guard = rt.enter();
            let mut cfg = sync_config(&mosquitto.url());
            cfg.tasks = Some(inbox.clone());
            sync::start(store.clone(), cfg, Some(station_source(station.clone()))).unwrap()
        };
        inboxes.push(inbox);
        consoles.push((team, sim, station, dir, store, Some(worker)));
    }

    let browser = Browser::start("en-GB");
    browser.goto(&dispatch.url());
    browser.wait_for("#app[data-state='login']", WAIT);
    browser.type_into("#login-name", DISPATCHER);
    browser.type_into("#login-password", DISPATCHER_PW);
    browser.click("#login-submit");
    browser.wait_for("#app[data-state='ready']", WAIT);

    // Every aircraft of both consoles, with a position.
    browser.wait_until(
        "four aircraft with positions",
        WAIT,
        "return document.querySelectorAll('[data-testid=aircraft][data-lat]:not([data-lat=\"\"])').length == 4",
        json!([]),
    );
    let lat_of = |console: &str, sysid: u8| -> f64 {
        browser
            .eval(
                "const e = document.querySelector(`[data-testid=aircraft][data-console='${arguments[0]}'][data-sysid='${arguments[1]}']`);
                 return e ? Number(e.dataset.lat) : null;",
                json!([console, sysid]),
            )
            .as_f64()
            .expect("aircraft row with a latitude")
    };
    let before = lat_of("team-1", 1);

    // Team 1's first aircraft takes off and flies 200 m north: the page follows it.
    let (_, _, station, ..) = &consoles[0];
    let home = rt.block_on(wait_fleet(station, WAIT, "aircraft 1 position", |s| {
        s.get(1).and_then(|a| a.position)
    }));
    for c in [mode("GUIDED"), Cmd::Arm, Cmd::Takeoff { alt_m: 20.0 }] {
        let ack = rt.block_on(station.command(1, &c)).unwrap();
        assert!(ack.is_accepted(), "{c:?}: {ack:?}");
    }
    rt.block_on(wait_fleet(station, WAIT, "climbed", |s| {
        s.get(1).filter(|a| a.alt_rel_m > 15.0).map(|_| ())
    }));
    let goto = Cmd::Goto {
        lat: home.lat + 0.0018,
        lon: home.lon,
        alt_rel_m: 20.0,
    };
    assert!(rt
        .block_on(station.command(1, &goto))
        .unwrap()
        .is_accepted());
    browser.wait_until(
        "team-1's aircraft 1 moves north on the page",
        WAIT,
        "const e = document.querySelector(\"[data-testid=aircraft][data-console='team-1'][data-sysid='1']\");
         return e && Number(e.dataset.lat) > arguments[0] + 0.0005;",
        json!([before]),
    );
    assert!(lat_of("team-1", 1) > before);

    // A sighting with a picture, saved at team 2's console, arrives in the page with it.
    let (_, _, _, _, store2, _) = &consoles[1];
    let mut new = NewSighting::new(Category::Person, Position::new(home.lat, home.lon + 0.001))
        .note("man in red jacket by the east gate");
    new.priority = Priority::Urgent;
    new.snapshot = Some(SnapshotData::from_jpeg("gate.jpg", picture()).unwrap());
    let saved_at = Instant::now();
    let sighting = rt.block_on(store2.add(new)).unwrap();
    let row = format!("[data-testid=sighting][data-id='{}']", sighting.id);
    browser.wait_until(
        "the sighting with its picture in the page",
        WAIT,
        "const r = document.querySelector(arguments[0]);
         if (r) r.scrollIntoView();
         const img = r && r.querySelector('img[data-testid=snapshot]');
         return img && img.complete && img.naturalWidth == 320;",
        json!([row]),
    );
    println!(
        "sighting saved at the console -> shown with its picture in the page: {} ms",
        saved_at.elapsed().as_millis()
    );
    assert!(browser.text(&row).contains("man in red jacket"));

    // Acknowledged in the page: the console learns who.
    browser.click(&format!("{row} button[data-testid=ack]"));
    browser.wait_until(
        "the row says who acknowledged it",
        WAIT,
        "const r = document.querySelector(arguments[0]);
         return r && r.dataset.acked == 'true' && r.querySelector('[data-testid=ack-by]').innerText.includes(arguments[1]);",
        json!([row, DISPATCHER]),
    );
    let deadline = Instant::now() + WAIT;
    loop {
        let held = store2.get(sighting.id).unwrap().unwrap();
        if let Some(ack) = held.dispatcher_ack {
            assert_eq!(ack.by, DISPATCHER);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the console never heard who acknowledged it: {held:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // The dispatcher sends team 2 to the sighting, from its row; the team accepts; the
    // dispatcher closes the task with a reason, and the team's console shows it closed.
    browser.click(&format!("{row} button[data-testid=task-here]"));
    browser.wait_for("#task-form:not([hidden])", WAIT);
    browser.eval(
        "const s = document.getElementById('task-console'); s.value = 'team-2';
         s.dispatchEvent(new Event('change'));",
        json!([]),
    );
    browser.type_into("#task-note", " Check the east gate.");
    browser.click("#task-send");
    let task_id = browser
        .wait_until(
            "the task listed in the page",
            WAIT,
            "const r = document.querySelector(\"[data-testid=task][data-console='team-2']\");
             return r ? r.dataset.id : null;",
            json!([]),
        )
        .as_str()
        .unwrap()
        .parse::<uuid::Uuid>()
        .unwrap();
    let inbox2 = &inboxes[1];
    let deadline = Instant::now() + WAIT;
    let held = loop {
        if let Some(t) = inbox2.get(task_id).unwrap() {
            break t;
        }
        assert!(Instant::now() < deadline, "team 2 never got the task");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(held.note.contains("Check the east gate."), "{}", held.note);
    assert_eq!(held.created_by, DISPATCHER);
    let task_row = format!("[data-testid=task][data-id='{task_id}']");
    browser.wait_until(
        "the page shows the team received it",
        WAIT,
        "const r = document.querySelector(arguments[0]); return r && r.dataset.state == 'received';",
        json!([task_row]),
    );
    rt.block_on(inbox2.answer(task_id, Answer::Accept, Some("pilot".into())))
        .unwrap();
    browser.wait_until(
        "the page shows the team accepted",
        WAIT,
        "const r = document.querySelector(arguments[0]); return r && r.dataset.state == 'accepted';",
        json!([task_row]),
    );
    browser.screenshot(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("dispatch_web_task.png"));
    browser.click(&format!("{task_row} button[data-testid=task-close]"));
    browser.type_into(
        &format!("{task_row} input[data-testid=task-close-reason]"),
        "suspect detained",
    );
    browser.click(&format!(
        "{task_row} button[data-testid=task-close-confirm]"
    ));
    let deadline = Instant::now() + WAIT;
    loop {
        let t = inbox2.get(task_id).unwrap().unwrap();
        if t.state == TaskState::Closed {
            assert_eq!(t.reason.as_deref(), Some("suspect detained"));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the closure never reached team 2: {t:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // In Chinese.
    browser.click("#lang-zh");
    browser.wait_until(
        "the page in Chinese",
        WAIT,
        "return document.documentElement.lang == 'zh-CN' && document.body.innerText.includes('紧急');",
        json!([]),
    );
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR"));
    browser.screenshot(&shots.join("dispatch_web_zh.png"));
    browser.click("#lang-en");

    // Team 2's console stops sending: its aircraft turn quiet and stay where they were.
    let worker = consoles[1].5.take().unwrap();
    let _ = rt.block_on(worker.stop());
    browser.wait_until(
        "team-2's aircraft shown quiet",
        WAIT,
        "const rows = [...document.querySelectorAll(\"[data-testid=aircraft][data-console='team-2']\")];
         return rows.length == 2 && rows.every(r => r.dataset.quiet == 'true' && r.dataset.lat != '');",
        json!([]),
    );
    browser.screenshot(&shots.join("dispatch_web_en.png"));
    let errors: Vec<String> = browser
        .console_log()
        .into_iter()
        .filter(|l| l.contains("SEVERE"))
        .collect();
    assert!(errors.is_empty(), "the page logged errors: {errors:#?}");
}

#[test]
fn the_page_is_locked_to_accounts_and_every_change_needs_the_csrf_token_and_a_dispatcher() {
    let mosquitto = Mosquitto::start();
    let dispatch = Dispatch::start(&mosquitto.url());

    // The page and its files are served to anyone, with a strict CSP; data only after login.
    let page = dispatch.get("/", &[]).unwrap();
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert_eq!(
        dispatch
            .get("/assets/vendor/leaflet/leaflet.js", &[])
            .unwrap()
            .status,
        200
    );
    for path in ["/api/fleet", "/api/sightings", "/api/events", "/api/areas"] {
        assert_eq!(dispatch.get(path, &[]).unwrap().status, 401, "{path}");
    }
    assert_eq!(
        dispatch.get("/api/me", &[]).unwrap().json()["logged_in"],
        false
    );

    let login = |name: &str, pw: &str| {
        dispatch.post("/api/login", &[], &json!({"name": name, "password": pw}))
    };
    // The viewer logs in: an HttpOnly, SameSite=Strict cookie, and a CSRF token in the body.
    let ok = login(VIEWER, VIEWER_PW);
    assert_eq!(ok.status, 200);
    let set = ok.header("set-cookie").unwrap_or_default().to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = format!("kestrel_session={}", ok.cookie("kestrel_session").unwrap());
    let csrf = ok.json()["csrf"].as_str().unwrap().to_string();
    assert_eq!(ok.json()["role"], "viewer");
    let me = dispatch.get("/api/me", &[("Cookie", &cookie)]).unwrap();
    assert_eq!(me.json()["name"], VIEWER);
    assert!(!String::from_utf8_lossy(&me.body).contains("mqtt://"));

    // A wrong password is refused, and five in a row lock the name, and the
    // address they came from, out for a while.
    for _ in 0..5 {
        let r = login(DISPATCHER, "wrong password!");
        assert_eq!(r.status, 401);
        assert_eq!(r.json()["error"], "wrong name or password");
    }
    let locked = login(DISPATCHER, DISPATCHER_PW);
    assert_eq!(
        locked.status,
        429,
        "{}",
        String::from_utf8_lossy(&locked.body)
    );
    assert!(locked.json()["retry_after_s"].as_u64().unwrap() >= 1);

    let same_address = login(VIEWER, VIEWER_PW);
    assert_eq!(same_address.status, 429);
    assert!(
        dispatch
            .get("/api/me", &[("Cookie", &cookie)])
            .unwrap()
            .json()["logged_in"]
            == true
    );

    // Without the CSRF token a change is refused; with it, a viewer still cannot acknowledge.
    let id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    let no_token = dispatch.post(
        &format!("/api/sightings/{id}/ack"),
        &[("Cookie", &cookie)],
        &json!({}),
    );
    assert_eq!(no_token.status, 403);
    assert!(no_token.json()["error"]
        .as_str()
        .unwrap()
        .contains("security token"));
    let viewer = dispatch.post(
        &format!("/api/sightings/{id}/ack"),
        &[("Cookie", &cookie), ("X-Kestrel-CSRF", &csrf)],
        &json!({}),
    );
    assert_eq!(viewer.status, 403);
    assert!(viewer.json()["error"].as_str().unwrap().contains("viewer"));

    // Logged out, the cookie opens nothing.
    let out = dispatch.post(
        "/api/logout",
        &[("Cookie", &cookie), ("X-Kestrel-CSRF", &csrf)],
        &json!({}),
    );
    assert_eq!(out.status, 204);
    assert_eq!(
        dispatch
            .get("/api/fleet", &[("Cookie", &cookie)])
            .unwrap()
            .status,
        401
    );
}

#[test]
fn over_https_the_page_serves_tiles_from_an_offline_pack_and_the_key_areas() {
    let mosquitto = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let tls = common::mqtt::make_tls_files(dir.path(), "u", "p");
    // One PNG tile over Liaocheng in an MBTiles pack (rows are flipped in MBTiles).
    let (z, x, y) = (14u32, 13470u32, 6408u32);
    let png = {
        let img = image::RgbImage::from_pixel(256, 256, image::Rgb([0x20, 0x80, 0x40]));
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut out, image::ImageFormat::Png)
            .unwrap();
        out.into_inner()
    };
    let pack = dir.path().join("liaocheng.mbtiles");
    {
        let db = rusqlite::Connection::open(&pack).unwrap();
        db.execute_batch(
            "CREATE TABLE metadata (name TEXT, value TEXT);
             CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
             INSERT INTO metadata VALUES ('name', 'Liaocheng'), ('format', 'png');",
        )
        .unwrap();
        db.execute(
            "INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![z, x, (1u32 << z) - 1 - y, png],
        )
        .unwrap();
    }
    let areas = dir.path().join("areas.geojson");
    std::fs::write(
        &areas,
        r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"name":"Main Square","category":"crowded_place"},
             "geometry":{"type":"Polygon","coordinates":[[[115.98,36.45],[115.99,36.45],
             [115.99,36.46],[115.98,36.46],[115.98,36.45]]]}},
            {"type":"Feature","properties":{"name":"Gate cam","category":"camera",
             "rtsp":"rtsp://admin:secret@10.0.0.5/live"},
             "geometry":{"type":"Point","coordinates":[115.985,36.455]}}]}"#,
    )
    .unwrap();
    let dispatch = Dispatch::start_with(
        &mosquitto.url(),
        &[
            "--http-cert",
            tls.cert.to_str().unwrap(),
            "--tiles",
            pack.to_str().unwrap(),
            "--areas",
            areas.to_str().unwrap(),
        ],
        &[("KESTREL_HTTP_KEY_FILE", tls.key.as_path())],
        Some(&tls.ca),
    );
    let base = format!("https://{}", dispatch.addr);
    // Plain HTTP on the HTTPS port gets nowhere.
    assert!(dispatch
        .get("/api/config", &[])
        .map_or(true, |r| r.status != 200));
    // Log in with curl (it checks the certificate against our CA) and keep the cookie.
    let jar = dir.path().join("cookies");
    let jar = jar.to_str().unwrap();
    let body = json!({"name": DISPATCHER, "password": DISPATCHER_PW}).to_string();
    let login = curl(
        &tls.ca,
        &[
            "-i",
            "-c",
            jar,
            "-H",
            "Content-Type: application/json",
            "-d",
            &body,
            &format!("{base}/api/login"),
        ],
    );
    let head = String::from_utf8_lossy(&login.stdout).to_string();
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    assert!(
        head.lines()
            .any(|l| l.to_ascii_lowercase().starts_with("set-cookie:")
                && l.contains("Secure")
                && l.contains("HttpOnly")),
        "{head}"
    );
    let tile = dir.path().join("tile.png");
    let got = curl(
        &tls.ca,
        &[
            "-b",
            jar,
            "-o",
            tile.to_str().unwrap(),
            "-w",
            "%{http_code} %{content_type}",
            &format!("{base}/tiles/{z}/{x}/{y}"),
        ],
    );
    assert_eq!(String::from_utf8_lossy(&got.stdout), "200 image/png");
    assert_eq!(std::fs::read(&tile).unwrap(), png);
    let missing = curl(
        &tls.ca,
        &[
            "-b",
            jar,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &format!("{base}/tiles/{z}/{}/{y}", x + 1),
        ],
    );
    assert_eq!(String::from_utf8_lossy(&missing.stdout), "404");
    let areas = curl(&tls.ca, &["-b", jar, &format!("{base}/api/areas")]);
    let text = String::from_utf8_lossy(&areas.stdout).to_string();
    let areas: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(areas["features"][0]["properties"]["name"], "Main Square");
    assert_eq!(areas["features"][1]["properties"]["name"], "Gate cam");
    // A camera's address (and its password) never reaches a browser.
    assert!(!text.contains("secret") && !text.contains("rtsp"), "{text}");
}

/// Live video, camera to browser: a console flying the demo's simulated aircraft (with its
/// camera) and syncing to the broker; the dispatcher opens aircraft 1's live video in the page.
/// Dispatch asks the console over the broker, the console sends the stream it receives on over
/// SRT (no re-encoding), dispatch serves it to the browser over WebRTC, and the page's video
/// element plays frames. Closing the video stops the console sending.
#[test]
fn a_dispatcher_watches_an_aircrafts_live_video_sent_on_by_its_console() {
    use kestrel::console::sightings::CredentialSource;
    use kestrel::console::{ConsoleConfig, ConsoleHandle, DispatchSettings};

    let mosquitto = Mosquitto::start();
    let first = common::video::free_udp_port();
    let ports = format!("{first}-{}", first + 3);
    let dispatch = Dispatch::start_with(
        &mosquitto.url(),
        &["--tiles", "none", "--video-ports", &ports],
        &[],
        None,
    );
    let data = tempfile::tempdir().unwrap();
    let console = ConsoleHandle::start(ConsoleConfig {
        demo: Some(1),
        data_dir: Some(data.path().to_path_buf()),
        video: true,
        dispatch: DispatchSettings {
            broker: mosquitto.url(),
            console_id: "team-v".into(),
            credentials: CredentialSource::None,
            ..Default::default()
        },
        ..Default::default()
    })
    .expect("the console core starts");
    let relaying = |h: &ConsoleHandle| {
        h.view()
            .video
            .feeds
            .get(&1)
            .and_then(|f| f.status.relaying_to.clone())
    };

    let browser = Browser::start("en-GB");
    browser.goto(&dispatch.url());
    browser.wait_for("#app[data-state='login']", WAIT);
    browser.type_into("#login-name", VIEWER);
    browser.type_into("#login-password", VIEWER_PW);
    browser.click("#login-submit");
    browser.wait_for("#app[data-state='ready']", WAIT);
    let row = "[data-testid=aircraft][data-console='team-v'][data-sysid='1']";
    browser.wait_for(row, WAIT);
    assert_eq!(relaying(&console), None, "nobody watches yet");

    // A viewer account may watch (it cannot task or acknowledge).
    let opened = Instant::now();
    browser.click(&format!("{row} [data-testid=open-video]"));
    browser.wait_until(
        "the page plays the aircraft's live video",
        WAIT,
        "const v = document.getElementById('video-el');
         return Number(v.dataset.frames) >= 30 && v.videoWidth > 0;",
        json!([]),
    );
    println!(
        "live video opened in the page -> 30 frames played: {} ms",
        opened.elapsed().as_millis()
    );
    let size = browser.eval(
        "const v = document.getElementById('video-el'); return [v.videoWidth, v.videoHeight];",
        json!([]),
    );
    assert_eq!(size, json!([640, 360]), "the camera's own picture size");
    let to = relaying(&console).expect("the console sends aircraft 1's video to dispatch");
    assert!(to.starts_with("srt://127.0.0.1:"), "{to}");
    assert!(browser.text("#video-status").contains("Live"));
    browser.screenshot(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("dispatch_web_video.png"));

    // Closed in the page: dispatch stops asking, and the console stops sending within its lease.
    browser.click("#video-close");
    browser.wait_for("#video-panel[hidden]", WAIT);
    common::wait::until("the console stops sending the video", WAIT, || {
        relaying(&console).is_none().then_some(())
    });
    assert!(
        browser.console_log().iter().all(|l| !l.contains("SEVERE")),
        "{:?}",
        browser.console_log()
    );
}
