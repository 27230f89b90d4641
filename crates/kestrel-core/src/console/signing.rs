//! The console's side of MAVLink 2 signing: marking links trusted (the only links a key is ever
//! sent over), and setting up or revoking signing with an aircraft in the background, reporting
//! the outcome to the window. The work itself is the station's (`Station::setup_signing`,
//! `Station::revoke_signing`), which also writes the audit trail; trust changes are audited here.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::fleet::FleetSnapshot;
use crate::link::LinkId;
use crate::security::SigningRow;
use crate::station::Station;

use super::alerts::AlertDesk;
use super::published::lock;
use super::published::EventSink;
use super::{ConsoleConfig, ConsoleError, Core, Service};

/// After a setup or revoke finishes, refused frames of that aircraft are expected for this long
/// (frames already on their way when the key changed) and raise no alert.
const SETTLE: Duration = Duration::from_secs(3);

/// What the window asks about signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigningIntent {
    /// Trust a link (keys may be sent over it) or stop trusting it.
    SetTrusted {
        /// The link.
        link: LinkId,
        /// Trusted or not.
        trusted: bool,
    },
    /// Give the aircraft a key over a trusted link and start signing (answered by an outcome).
    Setup(u8),
    /// Tell the aircraft to stop signing and delete its key (answered by an outcome).
    Revoke(u8),
}

/// Which signing operation an outcome is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningOp {
    /// Key sent, signing started.
    Setup,
    /// Signing stopped, key deleted.
    Revoke,
}

/// How a setup or revoke ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningOutcome {
    /// The aircraft.
    pub sysid: u8,
    /// What was asked.
    pub op: SigningOp,
    /// Confirmed by the aircraft, or why not (the core's error text).
    pub result: Result<(), String>,
}

/// MAVLink 2 signing per aircraft: whether it works and how many frames were refused.
pub type SigningRows = Arc<Vec<SigningRow>>;

/// Runs signing operations for the console's core and feeds refused frames to the alert desk.
pub struct SigningService {
    station: Station,
    alerts: AlertDesk,
    events: EventSink,
    trusted_names: BTreeSet<String>,
    applied: HashSet<LinkId>,
    /// Per aircraft: `None` while an operation runs, else when the last one finished.
    busy: Arc<Mutex<HashMap<u8, Option<Instant>>>>,
    rows: SigningRows,
}

impl Service for SigningService {
    type Intent = SigningIntent;
    type Event = SigningOutcome;
    type View = SigningRows;

    /// Trusts the links named in the configuration (connection strings) once they are open.
    async fn start(core: &Core, config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        Ok(Self {
            station: core.station.clone(),
            alerts: core.alerts.clone(),
            events: core.events.clone(),
            trusted_names: config.trusted_links.iter().cloned().collect(),
            applied: HashSet::new(),
            busy: Arc::default(),
            rows: Arc::default(),
        })
    }

    /// Setup and revoke run in the background.
    async fn handle(&mut self, intent: SigningIntent) {
        match intent {
            SigningIntent::SetTrusted { link, trusted } => {
                let Some(status) = self.station.links().into_iter().find(|l| l.id == link) else {
                    return;
                };
                if self.station.set_trusted(link, trusted) {
                    if trusted {
                        self.trusted_names.insert(status.name.clone());
                    } else {
                        self.trusted_names.remove(&status.name);
                    }
                    self.applied.insert(link);
                    if status.trusted != trusted {
                        self.station.audit(
                            None,
                            "link trust",
                            format!(
                                "link {} {}",
                                status.name,
                                if trusted {
                                    "marked trusted (signing keys may be sent over it)"
                                } else {
                                    "no longer trusted"
                                }
                            ),
                            "done".into(),
                        );
                    }
                }
            }
            SigningIntent::Setup(sysid) => self.spawn(sysid, SigningOp::Setup),
            SigningIntent::Revoke(sysid) => self.spawn(sysid, SigningOp::Revoke),
        }
    }

    fn publish(&mut self, _fleet: &FleetSnapshot) -> SigningRows {
        self.observe_links();
        let rows = self.station.signing_status();
        self.alerts.update_signing(&rows, &self.settling());
        if *self.rows != rows {
            self.rows = Arc::new(rows);
        }
        self.rows.clone()
    }
}

impl SigningService {
    fn spawn(&self, sysid: u8, op: SigningOp) {
        {
            let mut busy = lock(&self.busy);
            if matches!(busy.get(&sysid), Some(None)) {
                self.events.emit(SigningOutcome {
                    sysid,
                    op,
                    result: Err(format!(
                        "a signing change for aircraft {sysid} is still under way"
                    )),
                });
                return;
            }
            busy.insert(sysid, None);
        }
        let station = self.station.clone();
        let busy = self.busy.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let result = match op {
                SigningOp::Setup => station.setup_signing(sysid).await,
                SigningOp::Revoke => station.revoke_signing(sysid).await,
            }
            .map_err(|e| e.to_string());
            lock(&busy).insert(sysid, Some(Instant::now()));
            events.emit(SigningOutcome { sysid, op, result });
        });
    }

    /// Marks newly opened links trusted when their connection string was trusted before (the
    /// settings remember trust by connection string). Called at every publication.
    fn observe_links(&mut self) {
        if self.trusted_names.is_empty() {
            return;
        }
        for l in self.station.links() {
            if !self.applied.contains(&l.id) && self.trusted_names.contains(&l.name) {
                self.applied.insert(l.id);
                if !l.trusted {
                    self.station.set_trusted(l.id, true);
                }
            }
        }
    }

    /// Aircraft whose refused frames are expected now (signing being changed, or just changed).
    fn settling(&self) -> Vec<u8> {
        let now = Instant::now();
        lock(&self.busy)
            .iter()
            .filter(|(_, done)| done.is_none_or(|t| now.duration_since(t) < SETTLE))
            .map(|(s, _)| *s)
            .collect()
    }
}
