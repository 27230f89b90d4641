//! Dispatcher accounts for the command centre's page: a name, a role and an Argon2id password
//! hash (memory-hard, salted, PHC string), in a small SQLite file of their own next to
//! dispatch's database so the sightings database never holds credentials. Added and removed with
//! `kestrel dispatch user add|remove|list`; read by `dispatch serve` at every login.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rusqlite::{params, Connection, OptionalExtension};

use crate::dispatch::envelope::valid_dispatcher_name;
use crate::sightings::timestamp::Timestamp;

/// Default file name of the accounts database inside the data directory.
pub const ACCOUNTS_FILE: &str = "dispatch-accounts.db";

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// What an account may do in the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees everything; changes nothing.
    Viewer,
    /// Also acknowledges sightings (and, later, tasks teams).
    Dispatcher,
}

impl Role {
    /// The role's name as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Dispatcher => "dispatcher",
        }
    }

    /// Whether the role may change anything (acknowledge, task).
    pub fn may_act(self) -> bool {
        self == Role::Dispatcher
    }
}

impl FromStr for Role {
    type Err = AccountError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "dispatcher" => Ok(Role::Dispatcher),
            other => Err(AccountError::BadRole(other.to_string())),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One account, without its hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    /// The login name, shown to consoles as "acknowledged by dispatcher NAME".
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// When it was added.
    pub created_at: Timestamp,
}

/// Why an account could not be added, read or checked.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The accounts file failed.
    #[error("dispatcher accounts ({path}): {source}")]
    Db {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// A name that cannot be an account.
    #[error("'{0}' cannot be a dispatcher name: use 1-64 letters, digits, '.', '-' or '_'")]
    BadName(String),
    /// A role that does not exist.
    #[error("'{0}' is not a role: use viewer or dispatcher")]
    BadRole(String),
    /// A password too short to protect a police system.
    #[error("the password is too short: use at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    /// The name is taken.
    #[error("there is already a dispatcher '{0}'; remove it first or pick another name")]
    Exists(String),
    /// No such account.
    #[error("no dispatcher '{0}'")]
    Unknown(String),
    /// Hashing failed (it should not).
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// The accounts file. Each call opens its own connection, so the server can check logins from
/// blocking tasks while `kestrel dispatch user add` writes.
#[derive(Debug, Clone)]
pub struct AccountStore {
    path: PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS accounts(
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'dispatcher')),
    hash TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
";

impl AccountStore {
    /// The accounts file at `path` (created, with its folder, on first use).
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open(&self) -> Result<Connection, AccountError> {
        let db = |source| AccountError::Db {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let c = Connection::open(&self.path).map_err(db)?;
        c.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(db)?;
        c.execute_batch(SCHEMA).map_err(db)?;
        Ok(c)
    }

    fn db_err(&self, source: rusqlite::Error) -> AccountError {
        AccountError::Db {
            path: self.path.clone(),
            source,
        }
    }

    /// Adds an account with a freshly salted Argon2id hash of `password`.
    pub fn add(&self, name: &str, role: Role, password: &str) -> Result<Account, AccountError> {
        if !valid_dispatcher_name(name) {
            return Err(AccountError::BadName(name.to_string()));
        }
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(AccountError::WeakPassword);
        }
        let hash = hash_password(password)?;
        let c = self.open()?;
        let now = Timestamp::now();
        let added = c
            .execute(
                "INSERT INTO accounts(name, role, hash, created_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(name) DO NOTHING",
                params![name, role.as_str(), hash, now.millis()],
            )
            .map_err(|e| self.db_err(e))?;
        if added == 0 {
            return Err(AccountError::Exists(name.to_string()));
        }
        Ok(Account {
            name: name.to_string(),
            role,
            created_at: now,
        })
    }

    /// Removes an account (its open sessions end at their next request).
    pub fn remove(&self, name: &str) -> Result<(), AccountError> {
        let c = self.open()?;
        let n = c
            .execute("DELETE FROM accounts WHERE name = ?1", [name])
            .map_err(|e| self.db_err(e))?;
        if n == 0 {
            return Err(AccountError::Unknown(name.to_string()));
        }
        Ok(())
    }

    /// Every account, by name.
    pub fn list(&self) -> Result<Vec<Account>, AccountError> {
        let c = self.open()?;
        let mut stmt = c
            .prepare("SELECT name, role, created_ms FROM accounts ORDER BY name")
            .map_err(|e| self.db_err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(|e| self.db_err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (name, role, created) = row.map_err(|e| self.db_err(e))?;
            out.push(Account {
                name,
                role: role.parse()?,
                created_at: Timestamp(created),
            });
        }
        Ok(out)
    }

    /// The account `name` if it still exists (sessions check this, so a removed account or a
    /// changed role takes effect at once).
    pub fn get(&self, name: &str) -> Result<Option<Account>, AccountError> {
        Ok(self.lookup(name)?.map(|(a, _)| a))
    }

    fn lookup(&self, name: &str) -> Result<Option<(Account, String)>, AccountError> {
        let c = self.open()?;
        let row = c
            .query_row(
                "SELECT role, hash, created_ms FROM accounts WHERE name = ?1",
                [name],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.db_err(e))?;
        match row {
            None => Ok(None),
            Some((role, hash, created)) => Ok(Some((
                Account {
                    name: name.to_string(),
                    role: role.parse()?,
                    created_at: Timestamp(created),
                },
                hash,
            ))),
        }
    }

    /// Checks a login. Slow on purpose (Argon2id): call it off the async threads. An unknown
    /// name costs the same as a wrong password, so timing does not tell which names exist.
    pub fn verify(&self, name: &str, password: &str) -> Result<Option<Account>, AccountError> {
        match self.lookup(name)? {
            Some((account, hash)) => Ok(check(password, &hash).then_some(account)),
            None => {
                let _ = check(password, dummy_hash());
                Ok(None)
            }
        }
    }
}

fn hash_password(password: &str) -> Result<String, AccountError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

fn check(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of nothing anyone knows, checked against for unknown names.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not-an-account-password").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_added_checked_listed_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = AccountStore::new(&dir.path().join(ACCOUNTS_FILE));
        store
            .add("li.na", Role::Dispatcher, "correct horse battery")
            .unwrap();
        store
            .add("观察员", Role::Viewer, "viewer password")
            .unwrap();
        assert_eq!(
            store
                .verify("li.na", "correct horse battery")
                .unwrap()
                .map(|a| a.role),
            Some(Role::Dispatcher)
        );
        assert_eq!(store.verify("li.na", "wrong password").unwrap(), None);
        assert_eq!(
            store.verify("nobody", "correct horse battery").unwrap(),
            None
        );
        assert!(matches!(
            store.add("li.na", Role::Viewer, "another password"),
            Err(AccountError::Exists(_))
        ));
        assert!(matches!(
            store.add("x", Role::Viewer, "short"),
            Err(AccountError::WeakPassword)
        ));
        assert!(matches!(
            store.add("a b", Role::Viewer, "long enough password"),
            Err(AccountError::BadName(_))
        ));
        let names: Vec<String> = store.list().unwrap().into_iter().map(|a| a.name).collect();
        assert_eq!(names, ["li.na", "观察员"]);
        // The hash is Argon2id, salted: the password is nowhere in the file.
        let raw = std::fs::read(store.path()).unwrap();
        assert!(!raw
            .windows(b"correct horse".len())
            .any(|w| w == b"correct horse"));
        assert!(String::from_utf8_lossy(&raw).contains("$argon2id$"));
        store.remove("li.na").unwrap();
        assert_eq!(store.get("li.na").unwrap(), None);
        assert!(matches!(
            store.remove("li.na"),
            Err(AccountError::Unknown(_))
        ));
    }
}
