//! Where the simulator keeps its aircraft's signing keys between runs (`--signing-store`), as
//! ArduPilot keeps its key and last signing timestamp in storage: a restarted simulator still
//! refuses unsigned commands. One owner-only (0600) text file, one line per signing aircraft:
//! `SYSID KEY_HEX TIMESTAMP`. Written atomically (temporary file, then rename).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// The file name used when `--signing-store` names a directory.
pub const FILE_NAME: &str = "kestrel-sim-signing";

/// One aircraft's stored signing state.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct StoredKey {
    /// The 32-byte secret key.
    pub key: [u8; 32],
    /// The newest signing timestamp used or seen (10 µs units since 2015); never gone back on.
    pub timestamp: u64,
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoredKey(<redacted>, {})", self.timestamp)
    }
}

/// The signing store: a file path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningStore {
    path: PathBuf,
}

impl SigningStore {
    /// The store at `path`: that file, or [`FILE_NAME`] inside it when `path` is a directory.
    pub fn at(path: &Path) -> Self {
        let path = if path.is_dir() {
            path.join(FILE_NAME)
        } else {
            path.to_path_buf()
        };
        Self { path }
    }

    /// The file the keys are kept in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored keys by system id; none when the file does not exist yet.
    pub fn load(&self) -> anyhow::Result<BTreeMap<u8, StoredKey>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot read the signing store {}", self.path.display())
                })
            }
        };
        let mut keys = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let entry = parse_line(line).with_context(|| {
                format!(
                    "signing store {} line {} is damaged (expected SYSID KEY_HEX TIMESTAMP); fix or delete the file",
                    self.path.display(),
                    n + 1
                )
            })?;
            keys.insert(entry.0, entry.1);
        }
        Ok(keys)
    }

    /// Replaces the stored keys with `keys` (owner-only file).
    pub fn save(&self, keys: &BTreeMap<u8, StoredKey>) -> anyhow::Result<()> {
        let mut text = String::from("# kestrel-sim signing keys: SYSID KEY_HEX TIMESTAMP\n");
        for (sysid, k) in keys {
            let hex: String = k.key.iter().map(|b| format!("{b:02x}")).collect();
            text.push_str(&format!("{sysid} {hex} {}\n", k.timestamp));
        }
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let tmp = self.path.with_extension("tmp");
        let write = || -> std::io::Result<()> {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(&tmp)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            }
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        };
        write().with_context(|| format!("cannot write the signing store {}", self.path.display()))
    }
}

fn parse_line(line: &str) -> Option<(u8, StoredKey)> {
    let mut parts = line.split_whitespace();
    let sysid: u8 = parts.next()?.parse().ok()?;
    let hex = parts.next()?;
    let timestamp: u64 = parts.next()?.parse().ok()?;
    if hex.len() != 64 || parts.next().is_some() {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, b) in key.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some((sysid, StoredKey { key, timestamp }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_owner_only_and_damage_reported() {
        let dir = std::env::temp_dir().join(format!("kestrel-sim-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = SigningStore::at(&dir);
        assert_eq!(store.path(), dir.join(FILE_NAME));
        assert!(store.load().unwrap().is_empty());
        let mut keys = BTreeMap::new();
        keys.insert(
            3,
            StoredKey {
                key: [0xab; 32],
                timestamp: 42,
            },
        );
        store.save(&keys).unwrap();
        assert_eq!(store.load().unwrap(), keys);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(store.path(), "3 nothex 1\n").unwrap();
        let err = store.load().unwrap_err();
        assert!(format!("{err:#}").contains("line 1 is damaged"), "{err:#}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
