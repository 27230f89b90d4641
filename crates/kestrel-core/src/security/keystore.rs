//! Where signing keys and the signing clock live on disk: one owner-only (0600) file per aircraft
//! key, and the last signing timestamp, kept ahead of use so that a restart — even after a crash —
//! never reuses or goes back on a timestamp.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::signing::{timestamp_now, SigningKey};

/// How far ahead of use the persisted timestamp is kept (10 minutes, in 10 µs units).
const LEAD: u64 = 10 * 60 * 100_000;

/// A folder of per-aircraft signing keys plus the persisted signing clock.
#[derive(Debug, Clone)]
pub struct KeyStore {
    dir: PathBuf,
}

impl KeyStore {
    /// A key store in `dir` (created with owner-only permissions if missing).
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        fs::create_dir_all(dir).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot create key store {}: {e}", dir.display()),
            )
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }

    fn key_path(&self, sysid: u8) -> PathBuf {
        self.dir.join(format!("aircraft-{sysid}.key"))
    }

    /// The key of aircraft `sysid`, if one was stored.
    pub fn load(&self, sysid: u8) -> std::io::Result<Option<SigningKey>> {
        match fs::read_to_string(self.key_path(sysid)) {
            Ok(text) => SigningKey::from_hex(&text).map(Some).ok_or_else(|| {
                std::io::Error::other(format!(
                    "key file {} is damaged (expected 64 hex digits)",
                    self.key_path(sysid).display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Stores a key for aircraft `sysid`, readable only by the owner.
    pub fn store(&self, sysid: u8, key: &SigningKey) -> std::io::Result<()> {
        write_private(&self.key_path(sysid), key.to_hex().as_bytes())
    }

    /// Forgets the key of `sysid` (signing with it stops at the next start).
    pub fn remove(&self, sysid: u8) -> std::io::Result<()> {
        match fs::remove_file(self.key_path(sysid)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// The stored key of `sysid`, or a newly generated and stored one.
    pub fn get_or_create(&self, sysid: u8) -> std::io::Result<SigningKey> {
        if let Some(k) = self.load(sysid)? {
            return Ok(k);
        }
        let k = SigningKey::generate()?;
        self.store(sysid, &k)?;
        Ok(k)
    }

    fn clock_path(&self) -> PathBuf {
        self.dir.join("signing-timestamp")
    }

    /// The floor for a new signing clock: the persisted value (never reached before a restart).
    pub fn clock_floor(&self) -> u64 {
        fs::read_to_string(self.clock_path())
            .ok()
            .and_then(|t| t.trim().parse::<u64>().ok())
            .unwrap_or(0)
    }

    /// Persists a timestamp safely ahead of `last_used` when the stored one is about to be reached.
    /// Returns the persisted value.
    pub fn advance_clock(&self, last_used: u64) -> std::io::Result<u64> {
        let stored = self.clock_floor();
        if stored > last_used.max(timestamp_now()) + LEAD / 2 {
            return Ok(stored);
        }
        let ahead = last_used.max(timestamp_now()) + LEAD;
        write_private(&self.clock_path(), ahead.to_string().as_bytes())?;
        Ok(ahead)
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_owner_only_and_persist() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::open(&dir.path().join("keys")).unwrap();
        let k = store.get_or_create(3).unwrap();
        assert_eq!(store.get_or_create(3).unwrap(), k);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("keys/aircraft-3.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn clock_floor_stays_ahead_of_use() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::open(dir.path()).unwrap();
        let used = timestamp_now();
        let stored = store.advance_clock(used).unwrap();
        assert!(stored > used);
        assert_eq!(store.clock_floor(), stored);
    }
}
