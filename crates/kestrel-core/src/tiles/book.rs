//! Book-keeping of the tiles a map shows: which are loaded (holding whatever the UI made of them,
//! e.g. a texture), which are on their way, and which failed and when to try them again — with
//! exponential backoff, so that a tile that failed once (no network, server busy) is not left
//! empty forever and a dead server is not hammered. Least recently used tiles are evicted to bound
//! memory. Generic over the loaded value so it has no UI dependency.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{TileError, TileKey};

/// The first retry comes this long after a failure; each further failure doubles it...
pub const FIRST_RETRY: Duration = Duration::from_secs(1);
/// ...up to this.
pub const MAX_RETRY: Duration = Duration::from_secs(60);
/// Errors that retrying will not fix soon (404, bad image) are retried this rarely.
pub const SLOW_RETRY: Duration = Duration::from_secs(600);
/// A request with no answer for this long is asked again.
pub const PENDING_TIMEOUT: Duration = Duration::from_secs(60);

enum State<T> {
    Pending { since: Instant },
    Loaded(T),
    Failed { retry_at: Option<Instant> },
}

struct Entry<T> {
    state: State<T>,
    used: u64,
}

/// What the map should do about a tile it wants to draw.
pub enum Want<'a, T> {
    /// It is loaded: draw it.
    Ready(&'a T),
    /// Ask the tile service for it now (the book has marked it as on its way).
    Fetch,
    /// It is on its way or waiting for its next retry: draw a stand-in.
    Wait,
}

/// The tiles of one source.
pub struct TileBook<T> {
    entries: HashMap<TileKey, Entry<T>>,
    failures: HashMap<TileKey, u32>,
    capacity: usize,
    frame: u64,
    loaded: usize,
}

impl<T> TileBook<T> {
    /// A book keeping at most `capacity` loaded tiles.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            failures: HashMap::new(),
            capacity: capacity.max(16),
            frame: 0,
            loaded: 0,
        }
    }

    /// Call once per drawn frame, before asking for tiles; evicts tiles unused for longest when
    /// over capacity.
    pub fn begin_frame(&mut self) {
        self.frame += 1;
        if self.loaded > self.capacity {
            let mut used: Vec<(u64, TileKey)> = self
                .entries
                .iter()
                .filter(|(_, e)| matches!(e.state, State::Loaded(_)))
                .map(|(k, e)| (e.used, *k))
                .collect();
            used.sort_unstable();
            let excess = self.loaded - self.capacity;
            for (_, k) in used.into_iter().take(excess) {
                self.entries.remove(&k);
                self.loaded -= 1;
            }
        }
    }

    /// What to do about `key` at `now`.
    pub fn want(&mut self, key: TileKey, now: Instant) -> Want<'_, T> {
        let frame = self.frame;
        let entry = self.entries.entry(key).or_insert(Entry {
            state: State::Failed {
                retry_at: Some(now),
            },
            used: frame,
        });
        entry.used = frame;
        let fetch = match &entry.state {
            State::Loaded(_) => false,
            State::Pending { since } => now.saturating_duration_since(*since) >= PENDING_TIMEOUT,
            State::Failed { retry_at } => retry_at.is_some_and(|at| now >= at),
        };
        if fetch {
            entry.state = State::Pending { since: now };
            return Want::Fetch;
        }
        match &entry.state {
            State::Loaded(v) => Want::Ready(v),
            _ => Want::Wait,
        }
    }

    /// A loaded tile, without asking for it if missing (for stand-ins from other zoom levels).
    pub fn loaded(&mut self, key: TileKey) -> Option<&T> {
        let frame = self.frame;
        let e = self.entries.get_mut(&key)?;
        match &e.state {
            State::Loaded(v) => {
                e.used = frame;
                Some(v)
            }
            _ => None,
        }
    }

    /// Records what the tile service delivered for `key`.
    pub fn delivered(&mut self, key: TileKey, result: Result<T, TileError>, now: Instant) {
        let frame = self.frame;
        let entry = self.entries.entry(key).or_insert(Entry {
            state: State::Pending { since: now },
            used: frame,
        });
        let was_loaded = matches!(entry.state, State::Loaded(_));
        match result {
            Ok(v) => {
                entry.state = State::Loaded(v);
                self.failures.remove(&key);
                if !was_loaded {
                    self.loaded += 1;
                }
            }
            // Keep what we have; a refresh failing is not a reason to blank a tile.
            Err(_) if was_loaded => {}
            Err(e) => {
                let attempts = self.failures.entry(key).or_insert(0);
                *attempts += 1;
                let retry_at = match &e {
                    TileError::Missing | TileError::Pack(_) => None,
                    e if e.is_retryable() => Some(now + backoff(*attempts)),
                    _ => Some(now + SLOW_RETRY),
                };
                entry.state = State::Failed { retry_at };
            }
        }
    }

    /// Makes every tile waiting for a retry due now (e.g. the network came back).
    pub fn retry_failed_now(&mut self, now: Instant) {
        for e in self.entries.values_mut() {
            if let State::Failed { retry_at: Some(at) } = &mut e.state {
                *at = now;
            }
        }
    }

    /// How many times in a row `key` has failed.
    pub fn failures(&self, key: TileKey) -> u32 {
        self.failures.get(&key).copied().unwrap_or(0)
    }

    /// Number of loaded tiles.
    pub fn loaded_count(&self) -> usize {
        self.loaded
    }
}

/// The wait before retry number `attempts` (1-based): 1 s, 2 s, 4 s … capped at [`MAX_RETRY`].
pub fn backoff(attempts: u32) -> Duration {
    let factor = 1u32 << attempts.saturating_sub(1).min(16);
    (FIRST_RETRY * factor).min(MAX_RETRY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_fetch<T>(w: Want<'_, T>) -> bool {
        matches!(w, Want::Fetch)
    }

    #[test]
    fn failed_tiles_are_retried_with_growing_waits() {
        let t0 = Instant::now();
        let k = TileKey::new(5, 1, 1).unwrap();
        let mut book: TileBook<u32> = TileBook::new(100);
        book.begin_frame();
        assert!(is_fetch(book.want(k, t0)));
        assert!(matches!(book.want(k, t0), Want::Wait), "asked twice");
        let net = || Err(TileError::Network("unreachable".into()));
        book.delivered(k, net(), t0);
        assert!(matches!(
            book.want(k, t0 + Duration::from_millis(900)),
            Want::Wait
        ));
        assert!(is_fetch(book.want(k, t0 + Duration::from_secs(1))));
        book.delivered(k, net(), t0 + Duration::from_secs(1));
        // Second failure: two seconds.
        assert!(matches!(
            book.want(k, t0 + Duration::from_secs(2)),
            Want::Wait
        ));
        assert!(is_fetch(book.want(k, t0 + Duration::from_secs(3))));
        book.delivered(k, Ok(7), t0 + Duration::from_secs(3));
        assert!(matches!(
            book.want(k, t0 + Duration::from_secs(3)),
            Want::Ready(7)
        ));
        assert_eq!(book.failures(k), 0);
        assert_eq!(backoff(20), MAX_RETRY);
    }

    #[test]
    fn missing_tiles_are_not_asked_again_but_network_recovery_retries_at_once() {
        let t0 = Instant::now();
        let (a, b) = (
            TileKey::new(5, 1, 1).unwrap(),
            TileKey::new(5, 2, 1).unwrap(),
        );
        let mut book: TileBook<u32> = TileBook::new(100);
        assert!(is_fetch(book.want(a, t0)));
        assert!(is_fetch(book.want(b, t0)));
        book.delivered(a, Err(TileError::Missing), t0);
        book.delivered(b, Err(TileError::Network("x".into())), t0);
        for _ in 0..5 {
            book.delivered(b, Err(TileError::Network("x".into())), t0);
        }
        let later = t0 + Duration::from_secs(5);
        assert!(matches!(book.want(a, later + MAX_RETRY), Want::Wait));
        assert!(matches!(book.want(b, later), Want::Wait));
        book.retry_failed_now(later);
        assert!(is_fetch(book.want(b, later)));
        assert!(matches!(book.want(a, later), Want::Wait));
    }

    #[test]
    fn least_recently_used_tiles_are_evicted() {
        let t0 = Instant::now();
        let mut book: TileBook<u32> = TileBook::new(16);
        for x in 0..20 {
            let k = TileKey::new(5, x, 0).unwrap();
            book.begin_frame();
            let _ = book.want(k, t0);
            book.delivered(k, Ok(x), t0);
        }
        book.begin_frame();
        assert_eq!(book.loaded_count(), 16);
        assert!(book.loaded(TileKey::new(5, 0, 0).unwrap()).is_none());
        assert_eq!(book.loaded(TileKey::new(5, 19, 0).unwrap()), Some(&19));
    }
}
