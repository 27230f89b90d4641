//! The mission each aircraft holds, as the window draws it: downloaded when an aircraft's
//! mission is unknown or changed size, recorded after an upload (planning, the demo), and
//! claimed while an upload runs so that no download crosses it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::fleet::FleetSnapshot;
use crate::plan::mission::{MissionItem, MissionKind};
use crate::protocol::TransferPolicy;
use crate::station::Station;

use super::published::lock;
use super::{ConsoleConfig, ConsoleError, Core, Service};

/// A mission download that failed is not tried again for this long.
const MISSION_RETRY: Duration = Duration::from_secs(15);

/// Mission items each aircraft holds (item 0 is home), as last downloaded or uploaded.
pub type Missions = Arc<BTreeMap<u8, Arc<Vec<MissionItem>>>>;

/// Missions known per aircraft and the transfers under way. Cheap to clone; clones share.
#[derive(Clone, Default)]
pub struct MissionBook(Arc<Mutex<Book>>);

#[derive(Default)]
struct Book {
    items: BTreeMap<u8, Arc<Vec<MissionItem>>>,
    fetching: HashSet<u8>,
    tried: HashMap<u8, (Instant, Option<u16>)>,
    published: Option<Missions>,
}

impl MissionBook {
    /// Records the items an aircraft holds (after an upload or download).
    pub fn set(&self, sysid: u8, items: Vec<MissionItem>) {
        let mut book = lock(&self.0);
        book.items.insert(sysid, Arc::new(items));
        book.published = None;
    }

    /// Claims `sysid`'s mission transfer for an upload: `false` while a download runs. Release
    /// it with [`MissionBook::release`].
    pub fn claim(&self, sysid: u8) -> bool {
        lock(&self.0).fetching.insert(sysid)
    }

    /// Lets downloads of `sysid`'s mission start again.
    pub fn release(&self, sysid: u8) {
        lock(&self.0).fetching.remove(&sysid);
    }

    fn snapshot(&self) -> Missions {
        let mut book = lock(&self.0);
        let items = book.items.clone();
        book.published
            .get_or_insert_with(|| Arc::new(items))
            .clone()
    }

    /// Aircraft whose mission should be downloaded now; each is claimed for the download.
    fn due_downloads(&self, fleet: &FleetSnapshot, now: Instant) -> Vec<u8> {
        let mut book = lock(&self.0);
        let mut due = Vec::new();
        for a in &fleet.aircraft {
            if book.fetching.contains(&a.sysid) || a.position.is_none() {
                continue;
            }
            let have = book.items.get(&a.sysid).map(|v| v.len());
            let want = a.mission_total;
            let matches = match (have, want) {
                (Some(h), Some(w)) => h == usize::from(w) || h == usize::from(w) + 1,
                (Some(_), None) => true,
                (None, _) => false,
            };
            if matches {
                continue;
            }
            if let Some((at, total)) = book.tried.get(&a.sysid) {
                if *total == want && now.duration_since(*at) < MISSION_RETRY {
                    continue;
                }
            }
            book.tried.insert(a.sysid, (now, want));
            book.fetching.insert(a.sysid);
            due.push(a.sysid);
        }
        due
    }
}

/// The mission service takes no intents: it follows the fleet by itself.
#[derive(Debug, Clone)]
pub enum MissionIntent {}

/// The mission service tells the window nothing: the book is in the view.
#[derive(Debug, Clone)]
pub enum MissionEvent {}

/// Downloads missions in the background and publishes the book.
pub struct MissionService {
    station: Station,
    book: MissionBook,
}

impl Service for MissionService {
    type Intent = MissionIntent;
    type Event = MissionEvent;
    type View = Missions;

    async fn start(core: &Core, _config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        Ok(Self {
            station: core.station.clone(),
            book: core.missions.clone(),
        })
    }

    async fn handle(&mut self, intent: MissionIntent) {
        match intent {}
    }

    fn publish(&mut self, fleet: &FleetSnapshot) -> Missions {
        for sysid in self.book.due_downloads(fleet, Instant::now()) {
            let (station, book) = (self.station.clone(), self.book.clone());
            tokio::spawn(async move {
                let got = station
                    .download_items(sysid, MissionKind::Mission, TransferPolicy::default())
                    .await;
                if let Ok((items, _)) = got {
                    book.set(sysid, items);
                }
                book.release(sysid);
            });
        }
        self.book.snapshot()
    }
}
