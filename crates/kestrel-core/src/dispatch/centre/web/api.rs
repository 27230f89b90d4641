//! The HTTP routes of the command centre's page (README.md, "Command centre in the browser"):
//! the page and its files, login and logout, the fleet, sightings and their pictures,
//! acknowledgement, key areas, map tiles, and a Server-Sent Events stream of what changes.
//! Every response carries a strict Content-Security-Policy; every change needs the session's
//! CSRF token in `X-Kestrel-CSRF`; errors are JSON `{"error": "a sentence"}`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use futures_util::stream::Stream;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::feed::{WebEvent, QUIET_AFTER};
use super::listener::ClientAddr;
use super::sessions::SessionUser;
use super::{assets, Shared};
use crate::dispatch::centre::task_book::NewTask;
use crate::tiles::{TileError, TileKey};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "kestrel_session";

/// The header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-kestrel-csrf";

/// Most sightings one list request returns.
const MAX_LIST: usize = 5000;

const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; \
    script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

type AppState = State<Arc<Shared>>;

/// Builds the routes.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/assets/{*path}", get(asset))
        .route("/api/config", get(config))
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/me", get(me))
        .route("/api/fleet", get(fleet))
        .route("/api/sightings", get(sightings))
        .route("/api/sightings/{id}/snapshot", get(snapshot))
        .route("/api/sightings/{id}/ack", post(acknowledge))
        .route("/api/areas", get(areas))
        .route("/api/tasks", get(tasks).post(create_task))
        .route("/api/tasks/{id}/close", post(close_task))
        .route("/api/events", get(events))
        .route("/api/video", get(video_list))
        .route("/api/video/{console}/{sysid}", post(video_open))
        .route("/api/video/sessions/{id}", delete(video_close))
        .route("/tiles/{z}/{x}/{y}", get(tile))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(shared)
}

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

/// An error the page shows as a sentence.
struct ApiError {
    status: StatusCode,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    fn internal(what: impl std::fmt::Display) -> Self {
        log::warn!("dispatch web: {what}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, what.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "error": self.message });
        let mut res = match self.retry_after {
            Some(s) => {
                body["retry_after_s"] = s.into();
                let mut r = (self.status, Json(body)).into_response();
                if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            None => (self.status, Json(body)).into_response(),
        };
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// Runs blocking work (SQLite, Argon2) off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("a background task failed: {e}")))
}

fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v)
}

/// The logged-in user, or 401.
fn user(s: &Shared, headers: &HeaderMap) -> ApiResult<SessionUser> {
    session_token(headers)
        .and_then(|t| s.sessions.get(t))
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "log in first"))
}

/// The logged-in user allowed to change things: the CSRF token matches, the account still
/// exists and its role (read again now) may act.
async fn actor(s: &Arc<Shared>, headers: &HeaderMap) -> ApiResult<SessionUser> {
    let user = with_token(s, headers)?;
    let accounts = s.accounts.clone();
    let name = user.name.clone();
    let now = blocking(move || accounts.get(&name))
        .await?
        .map_err(ApiError::internal)?;
    match now {
        None => {
            s.sessions.close_all_of(&user.name);
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "this account no longer exists",
            ))
        }
        Some(a) if !a.role.may_act() => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("{} is a viewer: viewers cannot acknowledge or task", a.name),
        )),
        Some(a) => Ok(SessionUser {
            role: a.role,
            ..user
        }),
    }
}

/// The logged-in user (of any role) whose request carries the session's CSRF token: for what
/// viewers may do that still changes something (opening live video).
fn with_token(s: &Shared, headers: &HeaderMap) -> ApiResult<SessionUser> {
    let user = user(s, headers)?;
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    if !sent.is_some_and(|t| constant_time_eq(t.as_bytes(), user.csrf.as_bytes())) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "the page's security token is missing or out of date; reload the page",
        ));
    }
    Ok(user)
}

/// The dispatcher's action is on record before it happens, or it does not happen. The entry
/// is written (and synced) off the async threads.
async fn audited_first(s: &Arc<Shared>, who: &str, action: &str, detail: &str) -> ApiResult<()> {
    let (shared, who_, action_, detail_) = (
        s.clone(),
        who.to_string(),
        action.to_string(),
        detail.to_string(),
    );
    blocking(move || shared.audit_first(&who_, &action_, &detail_))
        .await?
        .map_err(|e| {
            log::error!("dispatch web: {who}'s {action} refused: the audit trail failed: {e}");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("nothing was changed: dispatch's audit trail cannot be written ({e}); free some space on the dispatch server"),
            )
        })
}

/// Records how a dispatcher's action ended, off the async threads.
fn audit_outcome(s: &Arc<Shared>, who: &str, action: &str, detail: String) {
    let (shared, who, action) = (s.clone(), who.to_string(), action.to_string());
    tokio::task::spawn_blocking(move || shared.audit(&who, &action, &detail));
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn index() -> Response {
    asset_response("index.html")
}

async fn asset(Path(path): Path<String>) -> Response {
    asset_response(&path)
}

fn asset_response(path: &str) -> Response {
    match assets::find(path) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            a.bytes,
        )
            .into_response(),
        None => ApiError::new(StatusCode::NOT_FOUND, format!("no file {path}")).into_response(),
    }
}

async fn config(State(s): AppState) -> Response {
    Json(serde_json::json!({
        "tile_url": s.tiles.as_ref().map(|_| "/tiles/{z}/{x}/{y}"),
        "attribution": s.attribution,
        "max_zoom": 19,
        "quiet_after_s": QUIET_AFTER.as_secs(),
        "dispatch": s.dispatch_name,
    }))
    .into_response()
}

fn me_body(s: &Shared, u: &SessionUser) -> serde_json::Value {
    serde_json::json!({
        "logged_in": true,
        "name": u.name,
        "role": u.role,
        "csrf": u.csrf,
        "dispatch": s.dispatch_name,
    })
}

#[derive(serde::Deserialize)]
struct LoginBody {
    name: String,
    password: String,
}

async fn login(
    State(s): AppState,
    ConnectInfo(ClientAddr(peer)): ConnectInfo<ClientAddr>,
    Json(body): Json<LoginBody>,
) -> ApiResult<Response> {
    let addr = peer.ip();
    if let Some(wait) = s.limiter.wait(&body.name, addr) {
        let secs = wait.as_secs().max(1);
        log::warn!(
            "dispatch web: login for '{}' from {addr} refused: too many wrong passwords",
            body.name
        );
        return Err(ApiError {
            retry_after: Some(secs),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("too many attempts; try again in {secs} s"),
            )
        });
    }
    let accounts = s.accounts.clone();
    let (name, password) = (body.name.clone(), body.password);
    let account = blocking(move || accounts.verify(&name, &password))
        .await?
        .map_err(ApiError::internal)?;
    let Some(account) = account else {
        s.limiter.failed(&body.name, addr);
        log::warn!(
            "dispatch web: wrong name or password for '{}' from {addr}",
            body.name
        );
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "wrong name or password",
        ));
    };
    s.limiter.succeeded(&account.name, addr);
    let (token, user) = s
        .sessions
        .open(&account.name, account.role)
        .ok_or_else(|| ApiError::internal("the system gave no random bytes for a session"))?;
    log::info!(
        "dispatch web: {} ({}) logged in from {addr}",
        account.name,
        account.role
    );
    audit_outcome(
        &s,
        &account.name,
        "web.login",
        format!("from {addr} as {}", account.role),
    );
    let cookie = format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        super::sessions::IDLE_TIMEOUT.as_secs(),
        if s.https { "; Secure" } else { "" }
    );
    let mut res = Json(me_body(&s, &user)).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

async fn logout(State(s): AppState, headers: HeaderMap) -> ApiResult<Response> {
    let u = user(&s, &headers)?;
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    if !sent.is_some_and(|t| constant_time_eq(t.as_bytes(), u.csrf.as_bytes())) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "the page's security token is missing or out of date; reload the page",
        ));
    }
    if let Some(t) = session_token(&headers) {
        s.sessions.close(t);
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("kestrel_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    Ok(res)
}

/// Who is logged in; `{"logged_in": false}` (not a 401, which browsers log as an error) when
/// nobody is.
async fn me(State(s): AppState, headers: HeaderMap) -> Response {
    match user(&s, &headers) {
        Ok(u) => Json(me_body(&s, &u)).into_response(),
        Err(_) => Json(serde_json::json!({ "logged_in": false })).into_response(),
    }
}

async fn fleet(State(s): AppState, headers: HeaderMap) -> ApiResult<Response> {
    user(&s, &headers)?;
    Ok(Json(s.feed.fleet()).into_response())
}

#[derive(serde::Deserialize)]
struct ListQuery {
    limit: Option<usize>,
}

async fn sightings(
    State(s): AppState,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    user(&s, &headers)?;
    let limit = q.limit.unwrap_or(500).clamp(1, MAX_LIST);
    let store = s.store.clone();
    let (total, list) = blocking(move || {
        Ok::<_, String>((
            store.count().map_err(|e| e.to_string())?,
            store.recent(limit).map_err(|e| e.to_string())?,
        ))
    })
    .await?
    .map_err(ApiError::internal)?;
    Ok(Json(serde_json::json!({ "total": total, "sightings": list })).into_response())
}

fn parse_id(id: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(id)
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, format!("no sighting {id}")))
}

async fn snapshot(
    State(s): AppState,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    user(&s, &headers)?;
    let id = parse_id(&id)?;
    let store = s.store.clone();
    let jpeg = blocking(move || store.snapshot_jpeg(id))
        .await?
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "this sighting has no picture"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        jpeg,
    )
        .into_response())
}

async fn acknowledge(
    State(s): AppState,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let u = actor(&s, &headers).await?;
    let id = parse_id(&id)?;
    audited_first(
        &s,
        &u.name,
        "sighting.acknowledge",
        &format!("sighting {id}"),
    )
    .await?;
    let (held, _) = s
        .store
        .acknowledge(id, &u.name)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no sighting {id}")))?;
    let ack = held
        .ack
        .clone()
        .ok_or_else(|| ApiError::internal(format!("the acknowledgement of {id} was not kept")))?;
    if ack.by == u.name {
        log::info!(
            "dispatch web: {} acknowledged sighting {id} from {}",
            u.name,
            held.console
        );
    }
    if ack.by == u.name {
        audit_outcome(
            &s,
            &u.name,
            "sighting.acknowledge",
            format!("sighting {id} from {}", held.console),
        );
    }
    s.acks.poke();
    s.feed.sighting_changed(id);
    Ok(Json(ack).into_response())
}

async fn tasks(
    State(s): AppState,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    user(&s, &headers)?;
    let limit = q.limit.unwrap_or(200).clamp(1, MAX_LIST);
    let store = s.store.clone();
    let list = blocking(move || store.tasks(limit))
        .await?
        .map_err(ApiError::internal)?;
    Ok(Json(serde_json::json!({ "tasks": list })).into_response())
}

async fn create_task(
    State(s): AppState,
    headers: HeaderMap,
    Json(new): Json<NewTask>,
) -> ApiResult<Response> {
    let u = actor(&s, &headers).await?;
    let console = new.console.clone();
    audited_first(
        &s,
        &u.name,
        "task.create",
        &format!(
            "task to {console} at {:.6}, {:.6}: {}",
            new.lat, new.lon, new.note
        ),
    )
    .await?;
    let task = s
        .store
        .create_task(new, &u.name)
        .await
        .map_err(ApiError::internal)?
        .map_err(|why| ApiError::new(StatusCode::BAD_REQUEST, why))?;
    log::info!(
        "dispatch web: {} sent {console} to {:.6}, {:.6} (task {}): {}",
        u.name,
        task.lat,
        task.lon,
        task.id,
        task.note
    );
    audit_outcome(
        &s,
        &u.name,
        "task.create",
        format!("task {} to {console}: {}", task.id, task.note),
    );
    s.acks.poke();
    s.feed.task_changed(task.id);
    Ok(Json(task).into_response())
}

#[derive(serde::Deserialize)]
struct CloseBody {
    #[serde(default)]
    reason: Option<String>,
}

async fn close_task(
    State(s): AppState,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<CloseBody>,
) -> ApiResult<Response> {
    let u = actor(&s, &headers).await?;
    let id = Uuid::parse_str(&id)
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, format!("no task {id}")))?;
    if body
        .reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > crate::dispatch::tasks::MAX_REASON_CHARS)
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "the reason is too long",
        ));
    }
    audited_first(&s, &u.name, "task.close", &format!("task {id}")).await?;
    let task = s
        .store
        .close_task(id, &u.name, body.reason.clone())
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no task {id}")))?;
    audit_outcome(
        &s,
        &u.name,
        "task.close",
        format!(
            "task {id} of {}{}",
            task.console,
            body.reason.map(|r| format!(": {r}")).unwrap_or_default()
        ),
    );
    s.acks.poke();
    s.feed.task_changed(id);
    Ok(Json(task).into_response())
}

async fn areas(State(s): AppState, headers: HeaderMap) -> ApiResult<Response> {
    user(&s, &headers)?;
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        s.areas_geojson.clone(),
    )
        .into_response())
}

async fn tile(
    State(s): AppState,
    headers: HeaderMap,
    Path((z, x, y)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    user(&s, &headers)?;
    let number = |t: &str| -> Option<u32> { t.split('.').next()?.parse().ok() };
    let key = match (number(&z), number(&x), number(&y)) {
        (Some(z), Some(x), Some(y)) if z <= 22 => TileKey::new(z as u8, x, y),
        _ => None,
    }
    .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such tile"))?;
    let tiles = s
        .tiles
        .as_ref()
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no map tiles are configured"))?;
    match tiles.get(key).await {
        Ok(bytes) => Ok((
            [
                (header::CONTENT_TYPE, image_type(&bytes)),
                (header::CACHE_CONTROL, "private, max-age=86400"),
            ],
            Body::from(bytes),
        )
            .into_response()),
        Err(TileError::Missing) => Err(ApiError::new(StatusCode::NOT_FOUND, "no such tile")),
        Err(e) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("tile {}/{}/{}: {e}", key.z, key.x, key.y),
        )),
    }
}

fn image_type(bytes: &[u8]) -> &'static str {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [0xFF, 0xD8, ..] => "image/jpeg",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        _ => "application/octet-stream",
    }
}

/// How often the fleet is pushed at most, and at least.
const FLEET_MIN_INTERVAL: Duration = Duration::from_secs(1);
const FLEET_MAX_INTERVAL: Duration = Duration::from_secs(5);

struct PageStream {
    shared: Arc<Shared>,
    token: String,
    events: broadcast::Receiver<WebEvent>,
    fleet: tokio::sync::watch::Receiver<u64>,
    tick: tokio::time::Interval,
    last_fleet: Option<Instant>,
    fleet_due: bool,
}

async fn events(
    State(s): AppState,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    user(&s, &headers)?;
    let token = session_token(&headers).unwrap_or_default().to_string();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let state = PageStream {
        events: s.feed.subscribe(),
        fleet: s.feed.fleet_changes(),
        shared: s,
        token,
        tick,
        last_fleet: None,
        fleet_due: true,
    };
    let stream = futures_util::stream::unfold(state, |mut st| async move {
        let event = next_event(&mut st).await?;
        Some((Ok(event), st))
    });
    Ok(Sse::new(stream).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("keepalive"),
    ))
}

/// The next event for one page; `None` ends the stream (logged out, or the server stops).
async fn next_event(st: &mut PageStream) -> Option<Event> {
    let mut stopping = st.shared.stopping.clone();
    loop {
        if *stopping.borrow() || st.shared.sessions.get(&st.token).is_none() {
            return None;
        }
        let fleet_wait = st.last_fleet.map(|t| t.elapsed());
        if st.fleet_due && fleet_wait.is_none_or(|w| w >= FLEET_MIN_INTERVAL)
            || fleet_wait.is_some_and(|w| w >= FLEET_MAX_INTERVAL)
        {
            st.fleet_due = false;
            st.last_fleet = Some(Instant::now());
            return Event::default()
                .event("fleet")
                .json_data(st.shared.feed.fleet())
                .ok();
        }
        tokio::select! {
            ev = st.events.recv() => match ev {
                Ok(WebEvent::Sighting(id)) => {
                    let store = st.shared.store.clone();
                    let held = tokio::task::spawn_blocking(move || store.get(id)).await;
                    if let Ok(Ok(Some(s))) = held {
                        if let Ok(e) = Event::default().event("sighting").json_data(s) {
                            return Some(e);
                        }
                    }
                }
                Ok(WebEvent::Task(id)) => {
                    let store = st.shared.store.clone();
                    let held = tokio::task::spawn_blocking(move || store.task(id)).await;
                    if let Ok(Ok(Some(t))) = held {
                        if let Ok(e) = Event::default().event("task").json_data(t) {
                            return Some(e);
                        }
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    // Too much at once for this page: it reloads the list instead.
                    return Some(Event::default().event("resync").data(n.to_string()));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            },
            changed = st.fleet.changed() => {
                if changed.is_err() {
                    return None;
                }
                st.fleet_due = true;
            }
            _ = st.tick.tick() => {}
            _ = stopping.changed() => return None,
        }
    }
}

fn video_hub(s: &Shared) -> ApiResult<Arc<super::video::VideoHub>> {
    s.video.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "live video is off at this dispatch (start `kestrel dispatch serve` with --video-ports)",
        )
    })
}

async fn video_list(State(s): AppState, headers: HeaderMap) -> ApiResult<Response> {
    user(&s, &headers)?;
    let hub = video_hub(&s)?;
    Ok(Json(blocking(move || hub.viewers()).await?).into_response())
}

/// WHEP-style: the browser's SDP offer in, the SDP answer (with every candidate) out, and the
/// viewer's resource in `Location` for closing it.
async fn video_open(
    State(s): AppState,
    headers: HeaderMap,
    Path((console, sysid)): Path<(String, String)>,
    offer: String,
) -> ApiResult<Response> {
    let u = with_token(&s, &headers)?;
    let hub = video_hub(&s)?;
    let sysid: u8 = sysid.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::new(StatusCode::BAD_REQUEST, "the aircraft's system id is 1-255")
    })?;
    if !s.feed.knows(&console, sysid) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("dispatch has not heard of aircraft {sysid} of {console}"),
        ));
    }
    if !offer.trim_start().starts_with("v=0") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "send the browser's SDP offer as the request body (application/sdp)",
        ));
    }
    let what = format!("live video of {console}/{sysid}");
    audited_first(&s, &u.name, "video.watch", &what).await?;
    let (name, c) = (u.name.clone(), console.clone());
    let opened = blocking(move || hub.open(&c, sysid, &offer, &name)).await?;
    let (id, answer) = opened.map_err(|e| {
        use super::video::HubError;
        use crate::video::webrtc::ViewerError;
        let status = match &e {
            HubError::Viewer(ViewerError::Offer(_)) => StatusCode::BAD_REQUEST,
            HubError::NoPort(..) | HubError::Full => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_GATEWAY,
        };
        log::warn!("dispatch web: {}'s {what} failed: {e}", u.name);
        ApiError::new(status, e.to_string())
    })?;
    log::info!("dispatch web: {} watches {what} (viewer {id})", u.name);
    audit_outcome(&s, &u.name, "video.watch", format!("{what}: viewer {id}"));
    let mut res = (StatusCode::CREATED, answer).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/sdp"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("/api/video/sessions/{id}")) {
        h.insert(header::LOCATION, v);
    }
    Ok(res)
}

async fn video_close(
    State(s): AppState,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let u = with_token(&s, &headers)?;
    let hub = video_hub(&s)?;
    let id = parse_id(&id)?;
    let name = u.name.clone();
    if !blocking(move || hub.close(id, &name)).await? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no such video viewer of yours",
        ));
    }
    audit_outcome(&s, &u.name, "video.close", format!("viewer {id}"));
    Ok(StatusCode::NO_CONTENT.into_response())
}
