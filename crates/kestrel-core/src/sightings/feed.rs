//! A live list of sightings for the console: a background task reloads the list whenever the
//! queue changes (a new sighting, an edit, a delivery or an acknowledgement — also when another
//! process such as `kestrel sighting add` writes to the database) and publishes it as a cheap
//! `Arc` snapshot, so the UI reads it every frame without touching the disk.
//!
//! The list holds the newest [`LIVE_LIMIT`] sightings and the counts of the whole queue: over a
//! shift the queue grows by thousands, and reloading all of it at every delivery cost memory
//! that grew with the queue and time that grew with its square.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::store::{QueueCounts, SightingRecord, SightingStore};

/// How many of the newest sightings the console keeps on screen; `kestrel sighting list` shows
/// them all.
pub const LIVE_LIMIT: usize = 1000;

/// What the feed publishes: the newest sightings and the counts of the whole queue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveList {
    /// The newest sightings (at most [`LIVE_LIMIT`]), oldest first.
    pub recent: Arc<Vec<SightingRecord>>,
    /// Sightings per delivery state over the whole queue.
    pub counts: QueueCounts,
}

impl LiveList {
    /// Sightings in the whole queue.
    pub fn total(&self) -> u64 {
        self.counts.queued + self.counts.delivered + self.counts.acknowledged
    }
}

/// Shortest time between two reloads: bursts of changes cost one reload.
const MIN_RELOAD_INTERVAL: Duration = Duration::from_millis(100);

/// How often the database is checked for changes made by other processes.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Starts the feed (inside a tokio runtime). The task ends when every receiver is dropped.
pub fn watch_list(store: SightingStore) -> watch::Receiver<LiveList> {
    let (tx, rx) = watch::channel(LiveList::default());
    tokio::spawn(async move {
        let mut changes = store.changes();
        let mut version = None;
        loop {
            let s = store.clone();
            let loaded = tokio::task::spawn_blocking(move || {
                let v = s.data_version().ok();
                let list = s.recent(LIVE_LIMIT).and_then(|recent| {
                    Ok(LiveList {
                        recent: Arc::new(recent),
                        counts: s.counts()?,
                    })
                });
                (v, list)
            })
            .await;
            match loaded {
                Ok((v, Ok(list))) => {
                    version = v;
                    if tx.send(list).is_err() {
                        return;
                    }
                }
                Ok((_, Err(e))) => log::warn!("sightings list not reloaded: {e}"),
                Err(_) => return,
            }
            tokio::time::sleep(MIN_RELOAD_INTERVAL).await;
            // Wait for a change here or in another process.
            loop {
                tokio::select! {
                    r = changes.changed() => {
                        if r.is_err() {
                            return;
                        }
                        break;
                    }
                    _ = tokio::time::sleep(POLL_INTERVAL) => {
                        if tx.is_closed() {
                            return;
                        }
                        let s = store.clone();
                        let v = tokio::task::spawn_blocking(move || s.data_version().ok())
                            .await
                            .ok()
                            .flatten();
                        if v != version {
                            break;
                        }
                    }
                }
            }
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sightings::{Category, NewSighting, Position};

    #[tokio::test]
    async fn the_list_follows_additions_from_this_and_other_connections() {
        let dir = tempfile::tempdir().unwrap();
        let store = SightingStore::open_in(dir.path()).unwrap();
        let mut feed = watch_list(store.clone());
        let s = store
            .add(NewSighting::new(Category::Fire, Position::new(1.0, 2.0)))
            .await
            .unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !feed.borrow().recent.iter().any(|r| r.sighting.id == s.id) {
            tokio::time::timeout_at(deadline, feed.changed())
                .await
                .unwrap()
                .unwrap();
        }
        // Another store on the same file stands for another process.
        let other = SightingStore::open_in(dir.path()).unwrap();
        let t = other
            .add(NewSighting::new(Category::Crowd, Position::new(1.0, 2.0)))
            .await
            .unwrap();
        while !feed.borrow().recent.iter().any(|r| r.sighting.id == t.id) {
            tokio::time::timeout_at(deadline, feed.changed())
                .await
                .unwrap()
                .unwrap();
        }
        assert_eq!(feed.borrow().recent.len(), 2);
        assert_eq!(feed.borrow().total(), 2);
    }

    #[tokio::test]
    async fn a_long_queue_shows_its_newest_sightings_and_counts_them_all() {
        let dir = tempfile::tempdir().unwrap();
        let store = SightingStore::open_in(dir.path()).unwrap();
        let mut last = None;
        for _ in 0..LIVE_LIMIT + 5 {
            last = Some(
                store
                    .add(NewSighting::new(Category::Person, Position::new(1.0, 2.0)))
                    .await
                    .unwrap(),
            );
        }
        let last = last.unwrap();
        let mut feed = watch_list(store.clone());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while feed.borrow().total() < (LIVE_LIMIT + 5) as u64 {
            tokio::time::timeout_at(deadline, feed.changed())
                .await
                .unwrap()
                .unwrap();
        }
        let list = feed.borrow().clone();
        assert_eq!(list.recent.len(), LIVE_LIMIT);
        assert_eq!(list.counts.queued, (LIVE_LIMIT + 5) as u64);
        assert_eq!(list.recent.last().unwrap().sighting.id, last.id);
        assert!(list.recent.windows(2).all(|w| w[0].seq < w[1].seq));
    }
}
