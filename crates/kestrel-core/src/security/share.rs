//! Handing an aircraft's signing key to another seat of its crew, explicitly: the seat that set
//! signing up writes the key to an owner-only file (`kestrel signing share`), the crew carries
//! it (a USB stick, the car's own network), and the other seat takes it in (`kestrel signing
//! accept`). Both steps are in each side's audit trail, with the key's fingerprint so the two
//! entries can be matched; the key itself is never printed and never crosses the MAVLink links.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::keystore::KeyStore;
use super::signing::SigningKey;

/// What a shared key file says.
const FORMAT: &str = "kestrel-signing-key/1";

/// A key file as `kestrel signing share` writes it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SharedKey {
    /// Always `kestrel-signing-key/1`.
    pub format: String,
    /// The aircraft it signs for.
    pub sysid: u8,
    /// The key, 64 hex digits.
    pub key: String,
    /// Who shared it.
    pub shared_by: String,
    /// When (RFC 3339, UTC).
    pub shared_at: String,
}

impl SharedKey {
    /// The key's fingerprint (first 8 bytes of its SHA-256, hex): safe to print and audit.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.key)
    }
}

/// The fingerprint of a key given as hex.
pub fn fingerprint(key_hex: &str) -> String {
    let digest = Sha256::digest(key_hex.trim().to_ascii_lowercase().as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a key could not be shared or taken in.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// No key for that aircraft here.
    #[error("no signing key for aircraft {0} here: set signing up first (kestrel signing setup)")]
    NoKey(u8),
    /// The file exists already; a key file is never overwritten.
    #[error("{0} exists already; choose a new file (a key file is never overwritten)")]
    Exists(String),
    /// Not a shared key file, or damaged.
    #[error("{path} is not a Kestrel signing key file: {why}")]
    Damaged {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Writes aircraft `sysid`'s key from `store` to a new owner-only file at `to`.
pub fn export(store: &KeyStore, sysid: u8, by: &str, to: &Path) -> Result<SharedKey, ShareError> {
    let key = store.load(sysid)?.ok_or(ShareError::NoKey(sysid))?;
    let shared = SharedKey {
        format: FORMAT.into(),
        sysid,
        key: key.to_hex(),
        shared_by: by.into(),
        shared_at: crate::time::DateTime::utc(std::time::SystemTime::now()).rfc3339(),
    };
    let text = serde_json::to_string_pretty(&shared).map_err(std::io::Error::other)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(to) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(ShareError::Exists(to.display().to_string()))
        }
        other => other?,
    };
    use std::io::Write;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(shared)
}

/// Reads a shared key file (without storing it).
pub fn read(from: &Path) -> Result<SharedKey, ShareError> {
    let damaged = |why: String| ShareError::Damaged {
        path: from.display().to_string(),
        why,
    };
    let text = std::fs::read_to_string(from)?;
    let shared: SharedKey = serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
    if shared.format != FORMAT {
        return Err(damaged(format!("format '{}', not {FORMAT}", shared.format)));
    }
    if shared.sysid == 0 {
        return Err(damaged("system id 0 is not an aircraft".into()));
    }
    if SigningKey::from_hex(&shared.key).is_none() {
        return Err(damaged("the key is not 64 hex digits".into()));
    }
    Ok(shared)
}

/// Stores the key of a shared key file in `store`.
pub fn import(store: &KeyStore, shared: &SharedKey) -> Result<(), ShareError> {
    let key = SigningKey::from_hex(&shared.key).ok_or_else(|| ShareError::Damaged {
        path: "the shared key".into(),
        why: "the key is not 64 hex digits".into(),
    })?;
    store.store(shared.sysid, &key)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_key_arrives_whole_owner_only_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let pilot = KeyStore::open(&dir.path().join("pilot")).unwrap();
        let seat = KeyStore::open(&dir.path().join("seat")).unwrap();
        let key = SigningKey::generate().unwrap();
        pilot.store(3, &key).unwrap();
        let file = dir.path().join("key.json");
        let shared = export(&pilot, 3, "Sgt. Li", &file).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(
            export(&pilot, 3, "Sgt. Li", &file),
            Err(ShareError::Exists(_))
        ));
        assert!(matches!(
            export(&pilot, 4, "Sgt. Li", &dir.path().join("k4.json")),
            Err(ShareError::NoKey(4))
        ));
        let got = read(&file).unwrap();
        assert_eq!(got, shared);
        import(&seat, &got).unwrap();
        assert_eq!(seat.load(3).unwrap(), Some(key));
        assert_eq!(got.fingerprint().len(), 16);

        std::fs::write(dir.path().join("bad.json"), "{\"format\":\"x\"}").unwrap();
        let err = read(&dir.path().join("bad.json")).unwrap_err().to_string();
        assert!(err.contains("not a Kestrel signing key file"), "{err}");
    }
}
