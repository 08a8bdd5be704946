//! Malware scanning of uploads (CCSG-V-4) through a ClamAV daemon.
//!
//! When `security.clamd` is configured, every upload passes [`Shop::check_upload`] before it is
//! stored: the bytes are streamed to `clamd` with its `INSTREAM` command over a Unix or TCP
//! socket. The check **fails closed**: an infected file is refused (and raises an alert), and so
//! is any file that could not be scanned — daemon down, timeout, size limit, garbled reply. When
//! no daemon is configured the check passes, and `akinai config check` shows that it is off.
//! Nothing is spawned: the daemon is the host's (Debian's `clamav-daemon`), reached by socket.

use crate::CatalogAdmin;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::CoreError;

/// Alert kind of an upload that carried malware.
pub const MALWARE_UPLOAD: &str = "malware_upload";

/// Bytes sent per `INSTREAM` chunk.
const CHUNK: usize = 64 * 1024;
/// Longest reply read from the daemon.
const MAX_REPLY: usize = 1024;

/// Where the daemon listens: `unix:/run/clamav/clamd.ctl` or `tcp:127.0.0.1:3310`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClamdAddr {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

impl FromStr for ClamdAddr {
    type Err = String;

    fn from_str(s: &str) -> Result<ClamdAddr, String> {
        if let Some(path) = s.strip_prefix("unix:") {
            if path.starts_with('/') {
                return Ok(ClamdAddr::Unix(path.into()));
            }
        } else if let Some(addr) = s.strip_prefix("tcp:") {
            if let Ok(a) = addr.parse() {
                return Ok(ClamdAddr::Tcp(a));
            }
        }
        Err(format!(
            "`{s}` is not unix:/absolute/path or tcp:host-ip:port"
        ))
    }
}

/// What the daemon said about a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    /// The signature name, e.g. `Win.Test.EICAR_HDB-1`.
    Infected(String),
}

/// Why a file could not be scanned.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot reach clamd: {0}")]
    Connect(std::io::Error),
    #[error("clamd did not answer in time")]
    Timeout,
    #[error("talking to clamd failed: {0}")]
    Io(std::io::Error),
    #[error("clamd could not scan the file: {0}")]
    Refused(String),
}

/// A client of one ClamAV daemon.
#[derive(Debug, Clone)]
pub struct Clamd {
    pub addr: ClamdAddr,
    /// Whole-scan deadline (connect, send, verdict).
    pub timeout: Duration,
}

impl Clamd {
    pub fn new(addr: ClamdAddr) -> Clamd {
        Clamd {
            addr,
            timeout: Duration::from_secs(30),
        }
    }

    /// Scans `bytes`.
    pub async fn scan(&self, bytes: &[u8]) -> Result<Verdict, ScanError> {
        let work = async {
            match &self.addr {
                ClamdAddr::Unix(path) => {
                    let s = tokio::net::UnixStream::connect(path)
                        .await
                        .map_err(ScanError::Connect)?;
                    instream(s, bytes).await
                }
                ClamdAddr::Tcp(addr) => {
                    let s = tokio::net::TcpStream::connect(addr)
                        .await
                        .map_err(ScanError::Connect)?;
                    instream(s, bytes).await
                }
            }
        };
        tokio::time::timeout(self.timeout, work)
            .await
            .map_err(|_| ScanError::Timeout)?
    }

    /// Whether the daemon answers `PING` with `PONG`.
    pub async fn ping(&self) -> Result<(), ScanError> {
        let work = async {
            let reply = match &self.addr {
                ClamdAddr::Unix(p) => {
                    command(
                        tokio::net::UnixStream::connect(p)
                            .await
                            .map_err(ScanError::Connect)?,
                        b"zPING\0",
                    )
                    .await?
                }
                ClamdAddr::Tcp(a) => {
                    command(
                        tokio::net::TcpStream::connect(a)
                            .await
                            .map_err(ScanError::Connect)?,
                        b"zPING\0",
                    )
                    .await?
                }
            };
            if reply == "PONG" {
                Ok(())
            } else {
                Err(ScanError::Refused(reply))
            }
        };
        tokio::time::timeout(self.timeout, work)
            .await
            .map_err(|_| ScanError::Timeout)?
    }
}

async fn command<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    cmd: &[u8],
) -> Result<String, ScanError> {
    s.write_all(cmd).await.map_err(ScanError::Io)?;
    read_reply(&mut s).await
}

/// `zINSTREAM`: chunks prefixed by their length (4 bytes, big-endian), ended by a zero length.
async fn instream<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    bytes: &[u8],
) -> Result<Verdict, ScanError> {
    s.write_all(b"zINSTREAM\0").await.map_err(ScanError::Io)?;
    for chunk in bytes.chunks(CHUNK) {
        let len =
            u32::try_from(chunk.len()).map_err(|_| ScanError::Refused("chunk too large".into()))?;
        s.write_all(&len.to_be_bytes())
            .await
            .map_err(ScanError::Io)?;
        s.write_all(chunk).await.map_err(ScanError::Io)?;
    }
    s.write_all(&0u32.to_be_bytes())
        .await
        .map_err(ScanError::Io)?;
    s.flush().await.map_err(ScanError::Io)?;
    parse_reply(&read_reply(&mut s).await?)
}

/// Reads up to the terminating NUL (or the end of the stream).
async fn read_reply<S: AsyncRead + Unpin>(s: &mut S) -> Result<String, ScanError> {
    let mut reply = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        let n = s.read(&mut buf).await.map_err(ScanError::Io)?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
        if reply.contains(&0) || reply.len() > MAX_REPLY {
            break;
        }
    }
    let end = reply.iter().position(|b| *b == 0).unwrap_or(reply.len());
    Ok(String::from_utf8_lossy(&reply[..end]).trim().to_string())
}

/// `stream: OK`, `stream: <name> FOUND`, anything else (`… ERROR`) is a refusal.
pub fn parse_reply(reply: &str) -> Result<Verdict, ScanError> {
    let body = reply.strip_prefix("stream: ").unwrap_or(reply);
    if body == "OK" {
        return Ok(Verdict::Clean);
    }
    match body.strip_suffix(" FOUND") {
        Some(name) if !name.is_empty() => Ok(Verdict::Infected(name.to_string())),
        _ => Err(ScanError::Refused(reply.chars().take(200).collect())),
    }
}

impl CatalogAdmin {
    /// Scans an upload before it is stored (fail-closed; see the module doc). `what` names the
    /// upload for the alert (e.g. a file name); `source_ip` is the uploader's address.
    pub async fn check_upload(
        &self,
        bytes: &[u8],
        what: &str,
        source_ip: Option<std::net::IpAddr>,
    ) -> Result<(), CoreError> {
        let Some(addr) = &self.base.config.security.clamd else {
            return Ok(());
        };
        match Clamd::new(addr.clone()).scan(bytes).await {
            Ok(Verdict::Clean) => Ok(()),
            Ok(Verdict::Infected(signature)) => {
                let name: String = what.chars().filter(|c| !c.is_control()).take(200).collect();
                self.alerts
                    .raise_alert(
                        MALWARE_UPLOAD,
                        "an upload contained malware and was refused",
                        source_ip,
                        json!({ "file": name, "signature": signature, "bytes": bytes.len() }),
                    )
                    .await?;
                Err(CoreError::UploadRejected)
            }
            Err(e) => {
                tracing::error!(error = %e, "upload not scanned; refusing it (fail-closed)");
                Err(CoreError::ScannerUnavailable)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read_strictly() {
        assert_eq!(parse_reply("stream: OK").unwrap(), Verdict::Clean);
        assert_eq!(
            parse_reply("stream: Win.Test.EICAR_HDB-1 FOUND").unwrap(),
            Verdict::Infected("Win.Test.EICAR_HDB-1".into())
        );
        for bad in [
            "INSTREAM size limit exceeded. ERROR",
            "stream: FOUND",
            "",
            "stream: OKAY",
        ] {
            assert!(parse_reply(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn addresses_parse() {
        assert_eq!(
            "unix:/run/clamav/clamd.ctl".parse(),
            Ok(ClamdAddr::Unix("/run/clamav/clamd.ctl".into()))
        );
        assert_eq!(
            "tcp:127.0.0.1:3310".parse(),
            Ok(ClamdAddr::Tcp("127.0.0.1:3310".parse().unwrap()))
        );
        for bad in ["unix:relative", "tcp:localhost:3310", "/run/clamd.ctl", ""] {
            assert!(bad.parse::<ClamdAddr>().is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_replies_never_panic(reply in "\\PC{0,100}") {
            let _ = parse_reply(&reply);
        }
    }
}
