//! The console's sightings and dispatch settings: which MQTT broker to send sightings and fleet
//! positions to, under which console id, with which CA and credentials, whether to export
//! Cursor-on-Target to TAK, and the camera used to place sightings picked in the video. Secrets
//! never live in the settings file: it names a credentials file or two environment variables.

use std::path::PathBuf;

use crate::dispatch::broker::{BrokerConfig, BrokerUrl, Credentials, ENV_PASSWORD, ENV_USERNAME};
use crate::dispatch::cot::{CotTarget, CotTls, DEFAULT_TARGET};
use crate::dispatch::tls::ClientIdentity;

/// Where the broker user name and password come from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum CredentialSource {
    /// No user name (a broker that allows anonymous clients).
    None,
    /// A file with the user name on line 1 and the password on line 2 (chmod 600).
    File {
        /// The file.
        path: PathBuf,
    },
    /// Two environment variables of the console's process.
    Env {
        /// Holds the user name.
        username_var: String,
        /// Holds the password.
        password_var: String,
    },
}

impl Default for CredentialSource {
    fn default() -> Self {
        CredentialSource::Env {
            username_var: ENV_USERNAME.into(),
            password_var: ENV_PASSWORD.into(),
        }
    }
}

impl CredentialSource {
    /// Reads the credentials now; `None` when there are none (an unset pair of variables too).
    pub fn load(&self) -> Result<Option<Credentials>, String> {
        match self {
            CredentialSource::None => Ok(None),
            CredentialSource::File { path } => Credentials::from_file(path)
                .map(Some)
                .map_err(|e| e.to_string()),
            CredentialSource::Env {
                username_var,
                password_var,
            } => {
                let get = |v: &str| std::env::var(v).ok().filter(|s| !s.is_empty());
                match (get(username_var), get(password_var)) {
                    (None, None) => Ok(None),
                    (Some(u), Some(p)) => Ok(Some(Credentials::new(u, p))),
                    _ => Err(format!(
                        "set both {username_var} and {password_var} for the broker, or neither"
                    )),
                }
            }
        }
    }
}

/// Cursor-on-Target export of this console's sightings and aircraft to TAK.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CotSettings {
    /// Export on or off.
    pub enabled: bool,
    /// `udp://239.2.3.1:6969` (TAK's multicast group), `udp://HOST:PORT`, `tcp://HOST:PORT` or
    /// `ssl://HOST:8089` (a TAK server's SSL port).
    pub target: String,
    /// ssl:// only: PEM file of the CA that signed the TAK server's certificate (empty: the
    /// system's CAs).
    pub ca_file: Option<PathBuf>,
    /// ssl:// only: PEM file with the console's client certificate (TAK servers require one).
    pub cert_file: Option<PathBuf>,
    /// ssl:// only: PEM file with the certificate's private key (empty: in the certificate file).
    pub key_file: Option<PathBuf>,
}

impl Default for CotSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            target: DEFAULT_TARGET.into(),
            ca_file: None,
            cert_file: None,
            key_file: None,
        }
    }
}

/// The payload camera, for placing a sighting picked in the video on the ground.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CameraSettings {
    /// Horizontal field of view, degrees.
    pub hfov_deg: f64,
    /// Image width / height (the vertical field of view follows from it).
    pub aspect: f64,
    /// Pitch of a camera without a reporting gimbal, degrees relative to the airframe (negative
    /// looks down); used until MOUNT_STATUS or GIMBAL_DEVICE_ATTITUDE_STATUS arrives.
    pub fixed_pitch_deg: f64,
}

impl Default for CameraSettings {
    fn default() -> Self {
        Self {
            hfov_deg: 70.0,
            aspect: 16.0 / 9.0,
            fixed_pitch_deg: -45.0,
        }
    }
}

/// Everything the console needs to send sightings to dispatch.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DispatchSettings {
    /// `mqtt://HOST:PORT` or `mqtts://HOST:PORT`; empty: sightings are kept and queued locally
    /// only (they go out when a broker is set).
    pub broker: String,
    /// This console's id on the broker (its topics); empty keeps the id in the sightings
    /// database.
    pub console_id: String,
    /// PEM file of the CA that signed the broker's certificate (mqtts:// only; empty: the
    /// system's CAs).
    pub ca_file: Option<PathBuf>,
    /// Where the broker user name and password come from.
    pub credentials: CredentialSource,
    /// Cursor-on-Target export.
    pub cot: CotSettings,
    /// The payload camera.
    pub camera: CameraSettings,
}

impl DispatchSettings {
    /// Whether a broker is configured.
    pub fn enabled(&self) -> bool {
        !self.broker.trim().is_empty()
    }

    /// The broker configuration (reads the CA and credentials now); `Ok(None)` when no broker is
    /// configured. Errors say what to fix.
    pub fn broker_config(&self) -> Result<Option<BrokerConfig>, String> {
        if !self.enabled() {
            return Ok(None);
        }
        let url: BrokerUrl = self.broker.trim().parse().map_err(|e| format!("{e}"))?;
        let credentials = self.credentials.load()?;
        let ca = self
            .ca_file
            .as_deref()
            .filter(|p| !p.as_os_str().is_empty());
        BrokerConfig::new(url, ca, credentials)
            .map(Some)
            .map_err(|e| e.to_string())
    }

    /// The CoT target when export is on.
    pub fn cot_target(&self) -> Result<Option<CotTarget>, String> {
        if !self.cot.enabled {
            return Ok(None);
        }
        self.cot
            .target
            .trim()
            .parse()
            .map(Some)
            .map_err(|e: crate::dispatch::cot::CotTargetError| e.to_string())
    }

    /// The TLS files for an ssl:// CoT target (empty paths count as not given).
    pub fn cot_tls(&self) -> CotTls {
        let given = |p: &Option<PathBuf>| p.clone().filter(|p| !p.as_os_str().is_empty());
        CotTls {
            ca_file: given(&self.cot.ca_file),
            identity: given(&self.cot.cert_file).map(|cert_file| ClientIdentity {
                cert_file,
                key_file: given(&self.cot.key_file),
            }),
        }
    }

    /// ssl:// targets need a client certificate; other targets take no TLS files.
    fn validate_cot_tls(&self) -> Result<(), String> {
        let Some(target) = self.cot_target()? else {
            return Ok(());
        };
        let tls = self.cot_tls();
        match target {
            CotTarget::Ssl(_) if tls.identity.is_none() => Err(format!(
                "CoT to {target} needs the console's client certificate file (TAK servers require one)"
            )),
            CotTarget::Ssl(_) => Ok(()),
            _ if tls != CotTls::default() => Err(format!(
                "CoT certificate files are for ssl:// targets; {target} has no TLS"
            )),
            _ => Ok(()),
        }
    }

    /// Checks everything the pilot can type without touching the network or files: the broker
    /// URL, the console id and the CoT target.
    pub fn validate(&self) -> Result<(), String> {
        if self.enabled() {
            self.broker
                .trim()
                .parse::<BrokerUrl>()
                .map_err(|e| e.to_string())?;
        }
        let id = self.console_id.trim();
        if !id.is_empty() && !crate::sightings::store::valid_console_id(id) {
            return Err(format!(
                "console id '{id}' may hold only letters, digits, '-' and '_' (at most 64)"
            ));
        }
        self.cot_target()?;
        self.validate_cot_tls()?;
        let c = &self.camera;
        if !(c.hfov_deg.is_finite() && c.hfov_deg > 1.0 && c.hfov_deg < 170.0) {
            return Err(format!(
                "camera field of view {}° must be between 1 and 170 degrees",
                c.hfov_deg
            ));
        }
        if !(c.aspect.is_finite() && c.aspect > 0.2 && c.aspect < 5.0) {
            return Err(format!("camera aspect ratio {} is not plausible", c.aspect));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_off_and_old_files_load() {
        let d: DispatchSettings = serde_json::from_str("{}").unwrap();
        assert!(!d.enabled());
        assert_eq!(d.broker_config().unwrap().map(|_| ()), None);
        assert_eq!(d.cot_target().unwrap(), None);
        assert!(d.validate().is_ok());
    }

    #[test]
    fn secrets_are_named_not_stored() {
        let d = DispatchSettings {
            broker: "mqtt://127.0.0.1:1883".into(),
            credentials: CredentialSource::Env {
                username_var: "KESTREL_TEST_NO_SUCH_USER".into(),
                password_var: "KESTREL_TEST_NO_SUCH_PASS".into(),
            },
            ..Default::default()
        };
        let json = serde_json::to_string(&d).unwrap();
        assert!(json.contains("\"from\":\"env\""), "{json}");
        assert!(d.broker_config().unwrap().is_some());
        let f = DispatchSettings {
            credentials: CredentialSource::File {
                path: "/nonexistent/kestrel-creds".into(),
            },
            ..d.clone()
        };
        let e = f.broker_config().unwrap_err();
        assert!(e.contains("/nonexistent/kestrel-creds"), "{e}");
    }

    #[test]
    fn bad_input_is_refused_with_the_reason() {
        let mut d = DispatchSettings {
            broker: "http://x".into(),
            ..Default::default()
        };
        assert!(d.validate().unwrap_err().contains("mqtt://"));
        d.broker = "mqtts://broker.example:8883".into();
        d.console_id = "team 1".into();
        assert!(d.validate().unwrap_err().contains("console id"));
        d.console_id = "team-1".into();
        d.cot = CotSettings {
            enabled: true,
            target: "239.2.3.1".into(),
            ..Default::default()
        };
        assert!(d.validate().unwrap_err().contains("udp://"));
        d.cot.target = "udp://239.2.3.1:6969".into();
        assert!(d.validate().is_ok());
    }

    #[test]
    fn an_ssl_cot_target_needs_a_client_certificate_and_only_it_takes_files() {
        let mut d = DispatchSettings::default();
        d.cot.enabled = true;
        d.cot.target = "ssl://tak.example:8089".into();
        assert!(d.validate().unwrap_err().contains("client certificate"));
        d.cot.cert_file = Some("/etc/kestrel/tak-client.pem".into());
        d.cot.key_file = Some("".into());
        assert!(d.validate().is_ok());
        let tls = d.cot_tls();
        assert_eq!(
            tls.identity.unwrap().key_file,
            None,
            "an empty key path means none"
        );
        d.cot.target = "udp://239.2.3.1:6969".into();
        assert!(d.validate().unwrap_err().contains("ssl://"));
        // Settings files written before TLS load, with the new fields empty.
        let old: DispatchSettings =
            serde_json::from_str(r#"{"cot":{"enabled":true,"target":"tcp://tak:8087"}}"#).unwrap();
        assert_eq!(old.cot.cert_file, None);
        assert!(old.validate().is_ok());
    }
}
