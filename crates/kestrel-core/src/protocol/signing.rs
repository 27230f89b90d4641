//! Setting up MAVLink 2 signing with an aircraft: send it a key with SETUP_SIGNING over a link the
//! user trusts, then sign everything we send it and refuse whatever it sends unsigned — but only
//! once the aircraft has proved it signs, so a lost SETUP_SIGNING cannot cut the aircraft off.

use std::time::Duration;

use mavlink::dialects::ardupilotmega::{MavMessage, SETUP_SIGNING_DATA};

use crate::security::signing::timestamp_now;
use crate::security::SigningKey;
use crate::station::Station;

/// Why signing could not be set up or removed.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// A key is only sent over a trusted link, and the aircraft is on none.
    #[error("aircraft {0} is not heard on any trusted link: mark the link it is connected to as trusted (e.g. --trusted) before sending it a key")]
    NoTrustedLink(u8),
    /// The aircraft never sent signed frames after SETUP_SIGNING.
    #[error("aircraft {0} did not start signing after {1} attempts (does its firmware support MAVLink 2 signing?); signing left off")]
    NotConfirmed(u8, u32),
    /// Revoke asked for an aircraft without a stored key.
    #[error("aircraft {0} has no signing key on this station: nothing to revoke")]
    NoKey(u8),
    /// The aircraft kept signing after being told to stop.
    #[error("aircraft {0} still signs after {1} attempts to revoke its key; the key is kept (use --forget to drop it here anyway)")]
    RevokeNotConfirmed(u8, u32),
    /// The key file could not be written.
    #[error("cannot store the key: {0}")]
    Store(#[from] std::io::Error),
    /// SETUP_SIGNING could not be sent.
    #[error(transparent)]
    Send(#[from] crate::station::SendError),
}

fn setup_message(sysid: u8, key: &SigningKey) -> MavMessage {
    MavMessage::SETUP_SIGNING(SETUP_SIGNING_DATA {
        initial_timestamp: timestamp_now(),
        target_system: sysid,
        target_component: 1,
        secret_key: *key.bytes(),
    })
}

impl Station {
    /// Gives aircraft `sysid` a signing key (the stored one, or a new one) over a trusted link and
    /// turns signing on for it once it answers with a correctly signed frame.
    pub async fn setup_signing(&self, sysid: u8) -> Result<(), SigningError> {
        let now = std::time::Instant::now();
        let trusted = self.trusted_links();
        let link = self
            .snapshot()
            .get(sysid)
            .and_then(|a| {
                a.links
                    .iter()
                    .filter(|p| trusted.contains(&p.link))
                    .max_by_key(|p| p.last_heard.min(now))
                    .map(|p| p.link)
            })
            .ok_or(SigningError::NoTrustedLink(sysid))?;
        let key = match self.signing().store() {
            Some(store) => store.get_or_create(sysid)?,
            None => SigningKey::generate()?,
        };
        const ATTEMPTS: u32 = 3;
        for _ in 0..ATTEMPTS {
            self.send_via(link, sysid, setup_message(sysid, &key))?;
            // Give the message time to leave unsigned before our frames to it become signed.
            tokio::time::sleep(Duration::from_millis(100)).await;
            self.signing().enable(sysid, key.clone());
            let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
            while tokio::time::Instant::now() < deadline {
                let accepted = self
                    .signing()
                    .counts()
                    .into_iter()
                    .find(|(s, _)| *s == sysid)
                    .map(|(_, c)| c.accepted)
                    .unwrap_or(0);
                if accepted > 0 {
                    self.audit(
                        Some(sysid),
                        "signing",
                        "signing key installed".into(),
                        "accepted".into(),
                    );
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            self.signing().disable(sysid);
        }
        if let Some(store) = self.signing().store() {
            let _ = store.remove(sysid);
        }
        self.audit(
            Some(sysid),
            "signing",
            "signing key installed".into(),
            "not confirmed".into(),
        );
        Err(SigningError::NotConfirmed(sysid, ATTEMPTS))
    }
}

impl Station {
    /// Turns signing off with aircraft `sysid`: sends it SETUP_SIGNING with an all-zero key
    /// (signed with the current key, so only the key holder can do it), waits until its frames
    /// arrive unsigned, then stops signing and forgets the stored key. Without confirmation the
    /// key is kept, so the aircraft is never left signing with a key nobody holds.
    pub async fn revoke_signing(&self, sysid: u8) -> Result<(), SigningError> {
        if self.signing().key_for(sysid).is_none() {
            return Err(SigningError::NoKey(sysid));
        }
        let unsigned_seen = || {
            self.signing()
                .counts()
                .into_iter()
                .find(|(s, _)| *s == sysid)
                .map(|(_, c)| c.unsigned)
                .unwrap_or(0)
        };
        const ATTEMPTS: u32 = 3;
        for _ in 0..ATTEMPTS {
            let before = unsigned_seen();
            self.send_to(
                sysid,
                MavMessage::SETUP_SIGNING(SETUP_SIGNING_DATA {
                    initial_timestamp: 0,
                    target_system: sysid,
                    target_component: 1,
                    secret_key: [0; 32],
                }),
            )?;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
            while tokio::time::Instant::now() < deadline {
                if unsigned_seen() > before {
                    self.signing().disable(sysid);
                    if let Some(store) = self.signing().store() {
                        store.remove(sysid)?;
                    }
                    self.audit(
                        Some(sysid),
                        "signing",
                        "signing key revoked".into(),
                        "accepted".into(),
                    );
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        self.audit(
            Some(sysid),
            "signing",
            "signing key revoked".into(),
            "not confirmed".into(),
        );
        Err(SigningError::RevokeNotConfirmed(sysid, ATTEMPTS))
    }

    /// Forgets the key of `sysid` on this station only (the aircraft keeps signing with it): for
    /// an aircraft that is gone, or whose key is being replaced on the bench.
    pub fn forget_signing_key(&self, sysid: u8) -> Result<(), SigningError> {
        self.signing().disable(sysid);
        if let Some(store) = self.signing().store() {
            store.remove(sysid)?;
        }
        self.audit(
            Some(sysid),
            "signing",
            "signing key forgotten locally".into(),
            "done".into(),
        );
        Ok(())
    }
}

impl Station {
    /// Per aircraft heard (and per stored key), whether signing works and how many of its frames
    /// were refused, sorted by system id.
    pub fn signing_status(&self) -> Vec<crate::security::SigningRow> {
        let counts = self.signing().counts();
        let mut ids: Vec<u8> = self.snapshot().aircraft.iter().map(|a| a.sysid).collect();
        ids.extend(counts.iter().map(|(s, _)| *s));
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .map(|s| {
                let c = counts.iter().find(|(id, _)| *id == s).map(|(_, c)| *c);
                crate::security::SigningRow::new(
                    s,
                    self.signing().key_for(s).is_some(),
                    c,
                    self.signing().signs(s),
                )
            })
            .collect()
    }
}
