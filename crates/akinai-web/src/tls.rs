//! Built-in TLS (IPA-C-9) for shops that run without a reverse proxy: rustls with the `ring`
//! provider (pure Rust and assembly, no OpenSSL), TLS 1.2 and 1.3 with rustls' safe defaults,
//! HTTP/1.1 by ALPN. The certificate chain and key come from PEM files (e.g. Let's Encrypt's
//! `fullchain.pem` and `privkey.pem`); [`CertStore::reload_if_changed`] re-reads them when their
//! modification time changes, and `serve` calls it periodically, so a renewed certificate is
//! picked up without a restart. A file that fails to load keeps the previous certificate in
//! service and is logged.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls;
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::TlsAcceptor;

/// Why a certificate or key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the certificate chain {0}: {1}")]
    Certificates(PathBuf, String),
    #[error("{0} holds no certificate")]
    NoCertificate(PathBuf),
    #[error("cannot read the private key {0}: {1}")]
    Key(PathBuf, String),
    #[error("the private key in {0} is not usable: {1}")]
    UnusableKey(PathBuf, String),
    #[error("TLS configuration: {0}")]
    Config(String),
}

/// The served certificate, replaceable while connections are being accepted.
#[derive(Debug)]
pub struct CertStore {
    cert_file: PathBuf,
    key_file: PathBuf,
    current: RwLock<(Arc<CertifiedKey>, Option<SystemTime>, Option<SystemTime>)>,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn load(cert_file: &Path, key_file: &Path) -> Result<CertifiedKey, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_file)
        .map_err(|e| TlsError::Certificates(cert_file.into(), e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::Certificates(cert_file.into(), e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate(cert_file.into()));
    }
    let key = PrivateKeyDer::from_pem_file(key_file)
        .map_err(|e| TlsError::Key(key_file.into(), e.to_string()))?;
    let signing = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|e| TlsError::UnusableKey(key_file.into(), e.to_string()))?;
    let certified = CertifiedKey::new(certs, signing);
    certified
        .keys_match()
        .map_err(|e| TlsError::UnusableKey(key_file.into(), e.to_string()))?;
    Ok(certified)
}

impl CertStore {
    /// Loads the chain and key; errors say which file is wrong and why.
    pub fn open(cert_file: &Path, key_file: &Path) -> Result<Arc<CertStore>, TlsError> {
        let key = load(cert_file, key_file)?;
        Ok(Arc::new(CertStore {
            cert_file: cert_file.into(),
            key_file: key_file.into(),
            current: RwLock::new((Arc::new(key), modified(cert_file), modified(key_file))),
        }))
    }

    /// Re-reads the files if either changed since the last load. Returns whether a new
    /// certificate is now served; a broken new file leaves the old certificate in service.
    pub fn reload_if_changed(&self) -> Result<bool, TlsError> {
        let (cert_m, key_m) = (modified(&self.cert_file), modified(&self.key_file));
        let unchanged = self
            .current
            .read()
            .map(|c| c.1 == cert_m && c.2 == key_m)
            .unwrap_or(false);
        if unchanged {
            return Ok(false);
        }
        let key = load(&self.cert_file, &self.key_file)?;
        if let Ok(mut current) = self.current.write() {
            *current = (Arc::new(key), cert_m, key_m);
        }
        tracing::info!(cert = %self.cert_file.display(), "TLS certificate reloaded");
        Ok(true)
    }

    /// An acceptor serving this store's current certificate.
    pub fn acceptor(self: &Arc<Self>) -> Result<TlsAcceptor, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        // HTTP/2 for browsers that offer it (one connection, multiplexed, compressed headers:
        // what phones on mobile networks gain most from), HTTP/1.1 otherwise.
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.current.read().ok().map(|c| c.0.clone())
    }
}
