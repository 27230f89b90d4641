//! The tile service: a background worker on a tokio runtime that gets tiles — from the disk cache,
//! over HTTP, or from an offline pack — decodes them off the UI thread, and hands back RGBA pixels
//! over a channel. The UI asks with [`TileClient::request`] (never blocks) and collects with
//! [`TileClient::results`]. [`TileStatus`] says whether the network looks reachable, for the
//! status bar.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use tokio::sync::{mpsc, Semaphore};

use super::cache::DiskCache;
use super::mbtiles::MbTiles;
use super::pmtiles::PmTilesPack;
use super::source::{XyzTemplate, OSM_URL};
use super::{decode, RgbaTile, TileError, TileKey, TileSourceConfig};

/// The User-Agent sent to tile servers (OpenStreetMap's policy asks for one that identifies the
/// application).
pub const USER_AGENT: &str = concat!(
    "Kestrel/",
    env!("CARGO_PKG_VERSION"),
    " (ground-control station; https://github.com/kestrel-gcs)"
);

/// A tile the service delivered, or why it could not.
#[derive(Debug, Clone)]
pub struct TileResult {
    /// Which tile.
    pub key: TileKey,
    /// The pixels, or the reason there are none.
    pub result: Result<RgbaTile, TileError>,
}

/// How the tile source is doing, shared with the UI.
#[derive(Debug)]
pub struct TileStatus {
    started: Instant,
    loaded: AtomicU64,
    failed: AtomicU64,
    in_flight: AtomicUsize,
    last_ok_ms: AtomicU64,
    last_network_error_ms: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl TileStatus {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            loaded: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            last_ok_ms: AtomicU64::new(0),
            last_network_error_ms: AtomicU64::new(0),
            last_error: Mutex::new(None),
        }
    }

    fn stamp(&self) -> u64 {
        // +1 so that 0 keeps meaning "never".
        self.started.elapsed().as_millis() as u64 + 1
    }

    fn on_ok(&self, from_network: bool) {
        self.loaded.fetch_add(1, Ordering::Relaxed);
        if from_network {
            self.last_ok_ms.store(self.stamp(), Ordering::Relaxed);
        }
    }

    fn on_error(&self, e: &TileError) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        if matches!(e, TileError::Network(_)) {
            self.last_network_error_ms
                .store(self.stamp(), Ordering::Relaxed);
        }
        if !matches!(e, TileError::Missing) {
            *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
        }
    }

    /// Whether the last network attempt failed and none has succeeded since: the map is being
    /// drawn from the cache and the grid only.
    pub fn offline(&self) -> bool {
        let err = self.last_network_error_ms.load(Ordering::Relaxed);
        err != 0 && err >= self.last_ok_ms.load(Ordering::Relaxed)
    }

    /// Tiles delivered so far.
    pub fn loaded(&self) -> u64 {
        self.loaded.load(Ordering::Relaxed)
    }

    /// Tile requests that failed so far.
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    /// Requests being worked on now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// The last error other than "no such tile", for the status bar's tooltip.
    pub fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The UI's end of a running tile service. Dropping it stops the service.
pub struct TileClient {
    source: TileSourceConfig,
    requests: mpsc::UnboundedSender<TileKey>,
    results: Receiver<TileResult>,
    status: Arc<TileStatus>,
}

impl TileClient {
    /// The source this client serves.
    pub fn source(&self) -> &TileSourceConfig {
        &self.source
    }

    /// Asks for a tile; the answer arrives later on [`TileClient::results`]. Never blocks.
    pub fn request(&self, key: TileKey) {
        let _ = self.requests.send(key);
    }

    /// Tiles that arrived since the last call. Never blocks.
    pub fn results(&self) -> crossbeam_channel::TryIter<'_, TileResult> {
        self.results.try_iter()
    }

    /// Waits for the next result (for tests and the command line; never on the UI thread).
    pub fn recv_timeout(&self, timeout: Duration) -> Option<TileResult> {
        self.results.recv_timeout(timeout).ok()
    }

    /// How the source is doing.
    pub fn status(&self) -> &Arc<TileStatus> {
        &self.status
    }
}

/// Where the service gets tiles from.
enum Backend {
    Http {
        template: XyzTemplate,
        client: reqwest::Client,
        cache: Option<DiskCache>,
    },
    MbTiles(Arc<Mutex<Result<MbTiles, TileError>>>),
    PmTiles(
        Box<tokio::sync::OnceCell<Result<PmTilesPack, TileError>>>,
        PathBuf,
    ),
    Grid,
}

/// Starts tile services.
pub struct TileService;

impl TileService {
    /// Starts a service for `source` on `runtime`. Downloaded tiles are cached under
    /// `cache_root` (one folder per source) when given. `notify` is called whenever a result is
    /// ready (the console uses it to ask for a repaint).
    pub fn start(
        runtime: &tokio::runtime::Handle,
        source: TileSourceConfig,
        cache_root: Option<PathBuf>,
        notify: Arc<dyn Fn() + Send + Sync>,
    ) -> TileClient {
        let (req_tx, req_rx) = mpsc::unbounded_channel();
        let (res_tx, res_rx) = crossbeam_channel::unbounded();
        let status = Arc::new(TileStatus::new());
        let (backend, parallel) = match make_backend(&source, cache_root) {
            Ok(b) => b,
            Err(e) => {
                status.on_error(&e);
                (Backend::MbTiles(Arc::new(Mutex::new(Err(e)))), 1)
            }
        };
        runtime.spawn(worker(
            Arc::new(backend),
            parallel,
            req_rx,
            res_tx,
            status.clone(),
            notify,
        ));
        TileClient {
            source,
            requests: req_tx,
            results: res_rx,
            status,
        }
    }
}

fn make_backend(
    source: &TileSourceConfig,
    cache_root: Option<PathBuf>,
) -> Result<(Backend, usize), TileError> {
    let http = |url: &str, parallel: usize| -> Result<(Backend, usize), TileError> {
        let template = XyzTemplate::parse(url).map_err(TileError::Pack)?;
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| TileError::Network(e.to_string()))?;
        let cache = cache_root
            .as_ref()
            .map(|r| DiskCache::new(r, &template.cache_key()));
        Ok((
            Backend::Http {
                template,
                client,
                cache,
            },
            parallel,
        ))
    };
    match source {
        // OpenStreetMap's tile policy allows two connections per client.
        TileSourceConfig::OpenStreetMap => http(OSM_URL, 2),
        TileSourceConfig::Xyz { url, .. } => http(url, 6),
        TileSourceConfig::MbTiles { path } => Ok((
            Backend::MbTiles(Arc::new(Mutex::new(MbTiles::open(path)))),
            2,
        )),
        TileSourceConfig::PmTiles { path } => {
            Ok((Backend::PmTiles(Box::default(), path.clone()), 4))
        }
        TileSourceConfig::Grid => Ok((Backend::Grid, 1)),
    }
}

async fn worker(
    backend: Arc<Backend>,
    parallel: usize,
    mut requests: mpsc::UnboundedReceiver<TileKey>,
    results: Sender<TileResult>,
    status: Arc<TileStatus>,
    notify: Arc<dyn Fn() + Send + Sync>,
) {
    let permits = Arc::new(Semaphore::new(parallel.max(1)));
    while let Some(key) = requests.recv().await {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let backend = backend.clone();
        let results = results.clone();
        let status = status.clone();
        let notify = notify.clone();
        status.in_flight.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let result = fetch(&backend, key, &status).await;
            match &result {
                Ok(_) => {}
                Err(e) => status.on_error(e),
            }
            status.in_flight.fetch_sub(1, Ordering::Relaxed);
            drop(permit);
            if results.send(TileResult { key, result }).is_ok() {
                notify();
            }
        });
    }
}

async fn decode_off_thread(bytes: Vec<u8>) -> Result<RgbaTile, TileError> {
    tokio::task::spawn_blocking(move || decode(&bytes))
        .await
        .map_err(|e| TileError::Decode(e.to_string()))?
}

async fn fetch(
    backend: &Backend,
    key: TileKey,
    status: &TileStatus,
) -> Result<RgbaTile, TileError> {
    let (bytes, checked) = fetch_bytes(backend, key, status).await?;
    match checked {
        Some(tile) => Ok(tile),
        None => decode_off_thread(bytes).await,
    }
}

/// Gets a tile's encoded bytes (PNG, JPEG, WebP…) from the backend; for downloads also the
/// decoded pixels, since a download is decoded once to check it before it is cached.
async fn fetch_bytes(
    backend: &Backend,
    key: TileKey,
    status: &TileStatus,
) -> Result<(Vec<u8>, Option<RgbaTile>), TileError> {
    match backend {
        Backend::Grid => Err(TileError::Missing),
        Backend::MbTiles(pack) => {
            let pack = pack.clone();
            let bytes = tokio::task::spawn_blocking(move || {
                match &*pack.lock().unwrap_or_else(|p| p.into_inner()) {
                    Ok(p) => p.get(key),
                    Err(e) => Err(e.clone()),
                }
            })
            .await
            .map_err(|e| TileError::Pack(e.to_string()))??;
            status.on_ok(false);
            Ok((bytes, None))
        }
        Backend::PmTiles(cell, path) => {
            let pack = cell.get_or_init(|| PmTilesPack::open(path)).await;
            let pack = pack.as_ref().map_err(|e| e.clone())?;
            let bytes = pack.get(key).await?;
            status.on_ok(false);
            Ok((bytes, None))
        }
        Backend::Http {
            template,
            client,
            cache,
        } => {
            let cached = match cache {
                Some(c) => {
                    let c = c.clone();
                    tokio::task::spawn_blocking(move || c.get(key))
                        .await
                        .ok()
                        .flatten()
                }
                None => None,
            };
            if let Some(hit) = &cached {
                if !hit.stale {
                    status.on_ok(false);
                    return Ok((hit.bytes.clone(), None));
                }
            }
            match download(client, &template.url(key)).await {
                Ok(bytes) => {
                    let tile = decode_off_thread(bytes.clone()).await?;
                    if let Some(c) = cache {
                        let c = c.clone();
                        let keep = bytes.clone();
                        // Only tiles that decode are worth keeping.
                        let _ = tokio::task::spawn_blocking(move || c.put(key, &keep)).await;
                    }
                    status.on_ok(true);
                    Ok((bytes, Some(tile)))
                }
                Err(e) => match cached {
                    // A stale tile beats no tile.
                    Some(hit) => {
                        status.on_error(&e);
                        Ok((hit.bytes, None))
                    }
                    None => Err(e),
                },
            }
        }
    }
}

/// Encoded tiles on request, for servers that hand tiles on rather than draw them (the
/// command centre's web map): the same sources, disk cache and offline packs as the console's
/// [`TileService`], without decoding what is not downloaded.
#[derive(Clone)]
pub struct TileBytes {
    backend: Arc<Backend>,
    permits: Arc<Semaphore>,
    status: Arc<TileStatus>,
}

impl TileBytes {
    /// Tiles from `source`, caching downloads under `cache_root` (one folder per source).
    pub fn new(source: &TileSourceConfig, cache_root: Option<PathBuf>) -> Self {
        let status = Arc::new(TileStatus::new());
        let (backend, parallel) = match make_backend(source, cache_root) {
            Ok(b) => b,
            Err(e) => {
                status.on_error(&e);
                (Backend::MbTiles(Arc::new(Mutex::new(Err(e)))), 1)
            }
        };
        Self {
            backend: Arc::new(backend),
            permits: Arc::new(Semaphore::new(parallel.max(1))),
            status,
        }
    }

    /// One tile's encoded bytes, or why there are none. At most as many fetches run at once as
    /// the source allows (two for OpenStreetMap); the rest wait their turn.
    pub async fn get(&self, key: TileKey) -> Result<Vec<u8>, TileError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| TileError::Network("tile fetcher closed".into()))?;
        let result = fetch_bytes(&self.backend, key, &self.status).await;
        if let Err(e) = &result {
            self.status.on_error(e);
        }
        result.map(|(bytes, _)| bytes)
    }

    /// How the source is doing.
    pub fn status(&self) -> &Arc<TileStatus> {
        &self.status
    }
}

async fn download(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, TileError> {
    let resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| TileError::Network(error_chain(&e)))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(TileError::Http {
            status: status.as_u16(),
            url: redact_key(url),
        });
    }
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| TileError::Network(error_chain(&e)))?;
    Ok(bytes.to_vec())
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

/// Hides API keys (`tk=`, `key=`, `access_token=`) in URLs shown to the user or logged.
pub fn redact_key(url: &str) -> String {
    const SECRET: [&str; 5] = ["tk", "key", "apikey", "access_token", "token"];
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if SECRET.contains(&k.to_ascii_lowercase().as_str()) => format!("{k}=***"),
            _ => p.to_string(),
        })
        .collect();
    format!("{base}?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    pub(crate) fn png() -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(4, 4, image::Rgba([10, 20, 30, 255]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    /// A tiny HTTP server answering each request with the next status in `script` (200 = a PNG).
    fn server(script: Vec<u16>) -> (String, std::thread::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/{{z}}/{{x}}/{{y}}.png",
            listener.local_addr().unwrap()
        );
        let handle = std::thread::spawn(move || {
            let mut paths = Vec::new();
            for status in script {
                let (mut stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                reader.read_line(&mut first).unwrap();
                paths.push(first.split_whitespace().nth(1).unwrap_or("").to_string());
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l).unwrap() == 0 || l == "\r\n" {
                        break;
                    }
                }
                let body = if status == 200 {
                    png()
                } else {
                    b"busy".to_vec()
                };
                write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .unwrap();
                stream.write_all(&body).unwrap();
            }
            paths
        });
        (url, handle)
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn downloads_caches_and_serves_from_cache_when_the_server_is_gone() {
        let rt = runtime();
        let cache = tempfile::tempdir().unwrap();
        let (url, server) = server(vec![503, 200]);
        let source = TileSourceConfig::Xyz {
            name: "test".into(),
            url: url.clone(),
        };
        let k = TileKey::new(14, 13470, 6408).unwrap();
        let client = TileService::start(
            rt.handle(),
            source.clone(),
            Some(cache.path().to_path_buf()),
            Arc::new(|| {}),
        );
        client.request(k);
        let first = client.recv_timeout(Duration::from_secs(20)).unwrap();
        assert_eq!(
            first.result.unwrap_err(),
            TileError::Http {
                status: 503,
                url: url.replace("{z}/{x}/{y}", "14/13470/6408")
            }
        );
        client.request(k);
        let second = client.recv_timeout(Duration::from_secs(20)).unwrap();
        assert_eq!(second.result.unwrap().width, 4);
        assert_eq!(server.join().unwrap(), vec!["/14/13470/6408.png"; 2]);
        assert!(!client.status().offline());

        // The server is gone: a cached tile still comes, an uncached one fails as a network error.
        let client = TileService::start(
            rt.handle(),
            source,
            Some(cache.path().to_path_buf()),
            Arc::new(|| {}),
        );
        client.request(k);
        assert!(client
            .recv_timeout(Duration::from_secs(20))
            .unwrap()
            .result
            .is_ok());
        client.request(TileKey::new(14, 1, 1).unwrap());
        let miss = client.recv_timeout(Duration::from_secs(30)).unwrap();
        assert!(
            matches!(miss.result, Err(TileError::Network(_))),
            "{miss:?}"
        );
        assert!(client.status().offline());
    }

    #[test]
    fn offline_packs_serve_tiles_and_say_what_is_wrong_with_bad_ones() {
        let rt = runtime();
        let dir = tempfile::tempdir().unwrap();
        let k = TileKey::new(14, 13470, 6408).unwrap();
        let mb = dir.path().join("a.mbtiles");
        crate::tiles::mbtiles::tests::write_pack(&mb, &[(k, png())]);
        let pm = dir.path().join("a.pmtiles");
        crate::tiles::pmtiles::tests::write_pack(&pm, &[(k, png())]);
        for source in [
            TileSourceConfig::MbTiles { path: mb },
            TileSourceConfig::PmTiles { path: pm },
        ] {
            let client = TileService::start(rt.handle(), source.clone(), None, Arc::new(|| {}));
            client.request(k);
            let got = client.recv_timeout(Duration::from_secs(20)).unwrap();
            assert_eq!(got.result.unwrap().height, 4, "{source:?}");
            client.request(TileKey::new(3, 1, 1).unwrap());
            let missing = client.recv_timeout(Duration::from_secs(20)).unwrap();
            assert_eq!(missing.result.unwrap_err(), TileError::Missing);
            assert!(!client.status().offline());
        }
        let bad = TileService::start(
            rt.handle(),
            TileSourceConfig::MbTiles {
                path: dir.path().join("nope.mbtiles"),
            },
            None,
            Arc::new(|| {}),
        );
        bad.request(k);
        assert!(matches!(
            bad.recv_timeout(Duration::from_secs(20)).unwrap().result,
            Err(TileError::Pack(_))
        ));
        assert!(bad.status().last_error().unwrap().contains("nope.mbtiles"));
    }

    #[test]
    fn keys_are_not_shown() {
        assert_eq!(
            redact_key("https://t0.tianditu.gov.cn/DataServer?T=vec_w&x=1&tk=SECRET"),
            "https://t0.tianditu.gov.cn/DataServer?T=vec_w&x=1&tk=***"
        );
        assert_eq!(redact_key("https://h/x?key=abc"), "https://h/x?key=***");
    }
}
