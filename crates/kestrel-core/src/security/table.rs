//! The station's signing state: which aircraft sign (and with which key), one verifier per
//! aircraft counting rejected frames, and the one signing clock all outgoing frames share.
//! Links consult it for every frame; when no aircraft signs it costs one atomic load.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

use super::keystore::KeyStore;
use super::signing::{Rejection, SigningClock, SigningKey, Verifier, VerifyCounts};

/// Signing keys, verifiers and the clock, shared by all links of a station.
#[derive(Debug)]
pub struct SigningTable {
    any: AtomicBool,
    /// Per system id, how its own frames arrived: signed and unsigned counts (kept whether or
    /// not a key is held, so a station without the key can still tell a signing aircraft).
    seen_signed: [AtomicU64; 256],
    seen_unsigned: [AtomicU64; 256],
    last_signed: [AtomicBool; 256],
    keys: RwLock<HashMap<u8, SigningKey>>,
    verifiers: Mutex<HashMap<u8, Checked>>,
    clock: Mutex<(SigningClock, u64)>,
    store: Option<KeyStore>,
}

/// One signing aircraft's verifier and what it counted.
#[derive(Debug)]
struct Checked {
    verifier: Verifier,
    counts: VerifyCounts,
}

impl Checked {
    /// Checks a frame the aircraft sent: counted whatever the outcome.
    fn own(&mut self, frame: &[u8]) -> Result<(), Rejection> {
        let outcome = self.verifier.check(frame);
        self.counts.record(outcome);
        outcome
    }

    /// Checks a frame another station addressed to the aircraft: refusals are counted like the
    /// aircraft's own, but a good signature does not count as the aircraft signing.
    fn addressed(&mut self, frame: &[u8]) -> Result<(), Rejection> {
        let outcome = self.verifier.check(frame);
        if let Err(why) = outcome {
            self.counts.record_refusal(why);
        }
        outcome
    }
}

/// How often (in 10 µs units) the clock's floor is pushed ahead on disk: every minute.
const PERSIST_EVERY: u64 = 60 * 100_000;

impl SigningTable {
    /// A table with no keys. With a key store, the clock starts above its persisted floor and
    /// keeps it ahead of use; every aircraft that has a stored key signs from the start.
    pub fn new(store: Option<KeyStore>) -> Self {
        let floor = store.as_ref().map(|s| s.clock_floor()).unwrap_or(0);
        let table = Self {
            any: AtomicBool::new(false),
            seen_signed: std::array::from_fn(|_| AtomicU64::new(0)),
            seen_unsigned: std::array::from_fn(|_| AtomicU64::new(0)),
            last_signed: std::array::from_fn(|_| AtomicBool::new(false)),
            keys: RwLock::new(HashMap::new()),
            verifiers: Mutex::new(HashMap::new()),
            clock: Mutex::new((SigningClock::new(floor), 0)),
            store,
        };
        if let Some(store) = &table.store {
            for sysid in 1..=255u8 {
                if let Ok(Some(key)) = store.load(sysid) {
                    table.enable(sysid, key);
                }
            }
        }
        table
    }

    /// Whether any aircraft signs (fast path for links).
    #[inline]
    pub fn active(&self) -> bool {
        self.any.load(Ordering::Relaxed)
    }

    /// Starts signing with `sysid`: its frames must carry this key's signature, ours will too.
    pub fn enable(&self, sysid: u8, key: SigningKey) {
        self.keys
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(sysid, key.clone());
        self.verifiers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                sysid,
                Checked {
                    verifier: Verifier::new(*key.bytes()),
                    counts: VerifyCounts::default(),
                },
            );
        self.any.store(true, Ordering::Relaxed);
    }

    /// Stops signing with `sysid` (its frames are accepted unsigned again).
    pub fn disable(&self, sysid: u8) {
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        keys.remove(&sysid);
        self.any.store(!keys.is_empty(), Ordering::Relaxed);
        self.verifiers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&sysid);
    }

    /// Notes how a frame from `sender` arrived (MAVLink 2 incompatibility flag 0x01: signed).
    #[inline]
    pub fn observe(&self, sender: u8, frame: &[u8]) {
        let signed = frame.first() == Some(&0xFD) && frame.get(2).is_some_and(|f| f & 0x01 != 0);
        let counter = if signed {
            &self.seen_signed[usize::from(sender)]
        } else {
            &self.seen_unsigned[usize::from(sender)]
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.last_signed[usize::from(sender)].store(signed, Ordering::Relaxed);
    }

    /// Whether the latest frame heard from `sysid` itself carried a signature.
    pub fn signs(&self, sysid: u8) -> bool {
        self.last_signed[usize::from(sysid)].load(Ordering::Relaxed)
    }

    /// How `sysid`'s own frames arrived so far: (signed, unsigned).
    pub fn seen(&self, sysid: u8) -> (u64, u64) {
        (
            self.seen_signed[usize::from(sysid)].load(Ordering::Relaxed),
            self.seen_unsigned[usize::from(sysid)].load(Ordering::Relaxed),
        )
    }

    /// Every key held, once each (a station with keys signs what it sends before it knows who
    /// is behind a link).
    pub fn keys_held(&self) -> Vec<SigningKey> {
        if !self.active() {
            return Vec::new();
        }
        let mut held: Vec<SigningKey> = Vec::new();
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let mut ids: Vec<&u8> = keys.keys().collect();
        ids.sort_unstable();
        for id in ids {
            let k = &keys[id];
            if !held.contains(k) {
                held.push(k.clone());
            }
        }
        held
    }

    /// The key aircraft `sysid` signs with, if it signs.
    pub fn key_for(&self, sysid: u8) -> Option<SigningKey> {
        if !self.active() {
            return None;
        }
        self.keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&sysid)
            .cloned()
    }

    /// Checks an inbound frame from `sysid`; frames of aircraft that do not sign pass.
    pub fn verify(&self, sysid: u8, frame: &[u8]) -> Result<(), Rejection> {
        if !self.active() {
            return Ok(());
        }
        match self
            .verifiers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&sysid)
        {
            Some(v) => v.own(frame),
            None => Ok(()),
        }
    }

    /// Checks an inbound frame (`frame`, sent by system `sender`): a frame from a signing
    /// aircraft must carry its signature; a frame from anyone else addressed to a signing
    /// aircraft (another station commanding it, heard on a shared radio channel) must carry that
    /// aircraft's signature too, or it is refused and counted against the aircraft — someone
    /// without the key is trying to command it. `target` tells which system the frame is
    /// addressed to (0 or none for broadcasts); it is asked only when needed, as it decodes.
    pub fn verify_frame(
        &self,
        sender: u8,
        frame: &[u8],
        target: impl FnOnce() -> Option<u8>,
    ) -> Result<(), Rejection> {
        if !self.active() {
            return Ok(());
        }
        let mut verifiers = self.verifiers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = verifiers.get_mut(&sender) {
            return v.own(frame);
        }
        drop(verifiers);
        let Some(target) = target().filter(|t| *t != 0 && *t != sender) else {
            return Ok(());
        };
        let mut verifiers = self.verifiers.lock().unwrap_or_else(|e| e.into_inner());
        match verifiers.get_mut(&target) {
            Some(v) => v.addressed(frame),
            None => Ok(()),
        }
    }

    /// The next signing timestamp; pushes the persisted floor ahead about once a minute.
    pub fn next_timestamp(&self) -> u64 {
        let mut guard = self.clock.lock().unwrap_or_else(|e| e.into_inner());
        let ts = guard.0.tick();
        if ts >= guard.1 {
            if let Some(store) = &self.store {
                guard.1 = match store.advance_clock(ts) {
                    Ok(_) => ts + PERSIST_EVERY,
                    Err(e) => {
                        eprintln!("kestrel: signing clock not persisted: {e}");
                        ts + PERSIST_EVERY / 10
                    }
                };
            } else {
                guard.1 = u64::MAX;
            }
        }
        ts
    }

    /// Per signing aircraft: what its verifier accepted and refused.
    pub fn counts(&self) -> Vec<(u8, VerifyCounts)> {
        let mut v: Vec<(u8, VerifyCounts)> = self
            .verifiers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(s, c)| (*s, c.counts))
            .collect();
        v.sort_by_key(|(s, _)| *s);
        v
    }

    /// The key store, if keys are persisted.
    pub fn store(&self) -> Option<&KeyStore> {
        self.store.as_ref()
    }
}
