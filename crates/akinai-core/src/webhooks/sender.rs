//! The HTTP side of webhook deliveries, guarded against SSRF (ADR 038): every name is resolved
//! by [`GuardedResolver`], which refuses a name when any of its addresses is internal
//! (loopback, private, link-local, metadata; `akinai_domain::webhook::is_public`), so a
//! delivery connects only to addresses it checked (no second lookup to rebind); literal
//! addresses and `localhost` are refused by `parse_url` before any connection. Redirects are
//! not followed, timeouts are short, and at most [`MAX_BODY`] bytes of an answer are read.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use akinai_domain::webhook::{is_public, parse_url};

use crate::CoreError;

/// Bytes of a receiver's answer kept for the delivery log.
pub const MAX_BODY: usize = 512;
/// A delivery that takes longer is a failed attempt.
pub const TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Resolves names and refuses those that lead to an internal address.
struct GuardedResolver {
    allow_internal: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_internal = self.allow_internal;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allow_internal && addrs.iter().any(|a| !is_public(a.ip())) {
                let refused = std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!("{host} resolves to an internal address; refused"),
                );
                return Err(Box::new(refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// What a receiver answered: its status and the start of its body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// Posts signed events.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    allow_internal: bool,
}

impl Sender {
    pub fn new(allow_internal: bool) -> Result<Sender, CoreError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .dns_resolver(Arc::new(GuardedResolver { allow_internal }))
            .user_agent(concat!("akinai-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CoreError::Integrity(format!("webhook client: {e}")))?;
        Ok(Sender {
            client,
            allow_internal,
        })
    }

    /// Posts `body` with `headers`; `Err` says why nothing was answered (refused destination,
    /// connection, timeout).
    pub async fn post(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: &str,
    ) -> Result<Answer, String> {
        let url = parse_url(url, self.allow_internal).map_err(|e| format!("refused: {e}"))?;
        let mut request = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let mut response = request.send().await.map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let mut kept = Vec::new();
        while kept.len() < MAX_BODY {
            match response.chunk().await {
                Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        kept.truncate(MAX_BODY);
        Ok(Answer {
            status,
            body: String::from_utf8_lossy(&kept).into_owned(),
        })
    }
}

/// An error by its innermost cause (reqwest wraps the resolver's and the socket's reasons).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("timed out after {} s", TIMEOUT.as_secs());
    }
    let mut cause: &dyn std::error::Error = e;
    while let Some(s) = cause.source() {
        cause = s;
    }
    if e.is_connect() {
        format!("could not connect: {cause}")
    } else {
        cause.to_string()
    }
}
