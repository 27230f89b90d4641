//! Logged-in browsers and the brake on password guessing.
//!
//! A session is a random 256-bit token in an HttpOnly, SameSite=Strict cookie, held only in
//! memory (a restarted server asks everyone to log in again), with its own random CSRF token
//! the page must echo in a header on every change. Sessions end after [`IDLE_TIMEOUT`] without
//! a request, or at logout.
//!
//! [`LoginLimiter`] counts failed logins per name and per client address: after
//! [`FREE_ATTEMPTS`] failures in a row, each further attempt waits 30 s, doubling to 15 min.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::accounts::Role;

/// How long a session lasts without a request (a shift, with room).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(12 * 3600);

/// Failed logins allowed in a row before the limiter starts making people wait.
pub const FREE_ATTEMPTS: u32 = 5;

const FIRST_LOCKOUT: Duration = Duration::from_secs(30);
const LONGEST_LOCKOUT: Duration = Duration::from_secs(15 * 60);

/// Who a session belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUser {
    /// The account name.
    pub name: String,
    /// Its role when it logged in (checked again against the accounts file on each change).
    pub role: Role,
    /// The token the page must send in `X-Kestrel-CSRF`.
    pub csrf: String,
}

struct Held {
    user: SessionUser,
    last_seen: Instant,
}

/// The open sessions.
#[derive(Default)]
pub struct Sessions {
    held: Mutex<HashMap<String, Held>>,
}

impl Sessions {
    /// Opens a session; returns its cookie token and its user (with the CSRF token), or
    /// `None` if the operating system gives no randomness (no guessable tokens are handed out).
    pub fn open(&self, name: &str, role: Role) -> Option<(String, SessionUser)> {
        let token = random_hex(32)?;
        let user = SessionUser {
            name: name.to_string(),
            role,
            csrf: random_hex(16)?,
        };
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        held.retain(|_, h| now.duration_since(h.last_seen) < IDLE_TIMEOUT);
        held.insert(
            token.clone(),
            Held {
                user: user.clone(),
                last_seen: now,
            },
        );
        Some((token, user))
    }

    /// The user of a live session, refreshing its idle timer.
    pub fn get(&self, token: &str) -> Option<SessionUser> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match held.get_mut(token) {
            Some(h) if now.duration_since(h.last_seen) < IDLE_TIMEOUT => {
                h.last_seen = now;
                Some(h.user.clone())
            }
            Some(_) => {
                held.remove(token);
                None
            }
            None => None,
        }
    }

    /// Ends a session.
    pub fn close(&self, token: &str) {
        self.held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(token);
    }

    /// Ends every session of `name` (its account was removed).
    pub fn close_all_of(&self, name: &str) {
        self.held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, h| h.user.name != name);
    }
}

/// Failed-login counts, by name and by client address.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<Key, Failures>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Name(String),
    Addr(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    until: Option<Instant>,
}

impl LoginLimiter {
    /// How long `name` from `addr` must still wait before trying again, if at all.
    pub fn wait(&self, name: &str, addr: IpAddr) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        [Key::Name(name.to_string()), Key::Addr(addr)]
            .iter()
            .filter_map(|k| failures.get(k)?.until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max()
    }

    /// Counts a failed attempt.
    pub fn failed(&self, name: &str, addr: IpAddr) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        for key in [Key::Name(name.to_string()), Key::Addr(addr)] {
            let f = failures.entry(key).or_insert(Failures {
                count: 0,
                until: None,
            });
            f.count += 1;
            if f.count >= FREE_ATTEMPTS {
                let doublings = (f.count - FREE_ATTEMPTS).min(10);
                let lock = (FIRST_LOCKOUT * 2u32.pow(doublings)).min(LONGEST_LOCKOUT);
                f.until = Some(now + lock);
            }
        }
    }

    /// Clears the count after a good login.
    pub fn succeeded(&self, name: &str, addr: IpAddr) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.remove(&Key::Name(name.to_string()));
        failures.remove(&Key::Addr(addr));
    }
}

/// `bytes` random bytes as lowercase hex.
fn random_hex(bytes: usize) -> Option<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).ok()?;
    Some(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_open_refresh_and_close() {
        let s = Sessions::default();
        let (token, user) = s.open("li.na", Role::Dispatcher).unwrap();
        assert_eq!(token.len(), 64);
        assert_eq!(user.csrf.len(), 32);
        assert_eq!(s.get(&token), Some(user));
        assert_eq!(s.get("forged"), None);
        s.close(&token);
        assert_eq!(s.get(&token), None);
    }

    #[test]
    fn the_limiter_lets_five_wrong_passwords_through_then_makes_the_sixth_wait() {
        let l = LoginLimiter::default();
        let addr: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..FREE_ATTEMPTS - 1 {
            l.failed("li.na", addr);
            assert_eq!(l.wait("li.na", addr), None);
        }
        l.failed("li.na", addr);
        let wait = l.wait("li.na", addr).expect("locked out");
        assert!(wait > Duration::from_secs(25) && wait <= FIRST_LOCKOUT);
        // The same address guessing another name waits too; another address for the name too.
        assert!(l.wait("wang.wei", addr).is_some());
        assert!(l.wait("li.na", "192.0.2.8".parse().unwrap()).is_some());
        l.succeeded("li.na", addr);
        assert_eq!(l.wait("li.na", addr), None);
    }
}
