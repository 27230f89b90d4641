//! TLS client settings shared by every encrypted dispatch connection (the MQTT broker, the CoT
//! stream to a TAK server): which CAs to trust (a PEM file, or the system's roots) and, for
//! servers that demand one (TAK's SSL port), the client certificate and its private key, read
//! from PEM files. Private keys are never passwords on a command line: an encrypted key is
//! refused with the command that decrypts it into a file only its owner can read.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The certificate a client shows a server that requires one, and where its key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    /// PEM file with the client certificate (and any intermediate CAs).
    pub cert_file: PathBuf,
    /// PEM file with its private key; `None`: the key is in `cert_file` too.
    pub key_file: Option<PathBuf>,
}

fn read_certs(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{what} {} holds no PEM certificate",
            path.display()
        ));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let text = std::fs::read(path)
        .map_err(|e| format!("cannot read private key file {}: {e}", path.display()))?;
    if text.windows(9).any(|w| w == b"ENCRYPTED") {
        return Err(format!(
            "private key {} is encrypted; decrypt it once into a file only you can read (openssl pkey -in {} -out client-key.pem && chmod 600 client-key.pem) and use that",
            path.display(),
            path.display()
        ));
    }
    PrivateKeyDer::from_pem_slice(&text).map_err(|e| {
        format!(
            "{} holds no usable PEM private key ({e}); a .p12 from TAK converts with openssl pkcs12 -in client.p12 -nodes",
            path.display()
        )
    })
}

/// A TLS client configuration (aws-lc-rs, TLS 1.2 and 1.3) trusting the CAs in `ca_file` (or
/// the system's roots when `None`; `no_roots_hint` then says how to give a CA) and presenting
/// `identity` when given. Reads every file now, so mistakes show up at start.
pub fn client_config(
    ca_file: Option<&Path>,
    identity: Option<&ClientIdentity>,
    no_roots_hint: &str,
) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            for c in read_certs(path, "CA file")? {
                roots
                    .add(c)
                    .map_err(|e| format!("CA file {}: {e}", path.display()))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for c in found.certs {
                let _ = roots.add(c);
            }
            if roots.is_empty() {
                return Err(format!("no system CA certificates found; {no_roots_hint}"));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots);
    match identity {
        None => Ok(builder.with_no_client_auth()),
        Some(id) => {
            let certs = read_certs(&id.cert_file, "client certificate file")?;
            let key = read_key(id.key_file.as_deref().unwrap_or(&id.cert_file))?;
            builder.with_client_auth_cert(certs, key).map_err(|e| {
                format!(
                    "client certificate {} does not go with its private key: {e}",
                    id.cert_file.display()
                )
            })
        }
    }
}

/// A TLS server configuration (aws-lc-rs, TLS 1.2 and 1.3) for the command centre's web page:
/// the certificate chain in `cert_file` and its private key in `key_file`. Reads both now, so a
/// wrong file shows up at start, not at the first browser.
pub fn server_config(cert_file: &Path, key_file: &Path) -> Result<rustls::ServerConfig, String> {
    let certs = read_certs(cert_file, "certificate file")?;
    let key = read_key(key_file)?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            format!(
                "certificate {} does not go with private key {}: {e}",
                cert_file.display(),
                key_file.display()
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A TLS failure in words a user can act on (certificate not trusted, expired, wrong host name,
/// client certificate refused), or the error as it is.
pub fn describe(e: &std::io::Error) -> String {
    let Some(tls) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    else {
        return e.to_string();
    };
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    match tls {
        E::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => format!(
            "the server's certificate is not signed by a trusted CA ({tls}); check the CA file"
        ),
        E::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            format!("the server's certificate has expired ({tls})")
        }
        E::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => format!(
            "the server's certificate is for another host name ({tls}); connect by the name in its certificate"
        ),
        E::AlertReceived(
            A::CertificateRequired
            | A::BadCertificate
            | A::UnknownCA
            | A::CertificateUnknown
            | A::AccessDenied
            | A::CertificateRevoked
            | A::CertificateExpired
            // A server that finds a CA of the right name whose signature does not match.
            | A::DecryptError,
        ) => format!(
            "the server refused Kestrel's client certificate ({tls}); use a certificate its CA signed"
        ),
        other => format!("TLS: {other}"),
    }
}
