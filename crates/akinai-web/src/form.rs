//! A strict form extractor. axum's `Form` decodes invalid UTF-8 lossily (into U+FFFD), which would
//! store garbage silently; [`StrictForm`] refuses such bodies with a clear 400 instead, maps an
//! oversize body to 413, and a malformed one to 400, all through [`WebError`].

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::WebError;

/// A URL-encoded form whose every key and value is valid UTF-8 after percent-decoding.
pub struct StrictForm<T>(pub T);

/// Catalogue key of the message for an unreadable form.
const UNREADABLE: &str = "errorpage.unreadable_form";

/// Whether every percent-decoded component of `body` is valid UTF-8.
pub fn is_valid_utf8_form(body: &[u8]) -> bool {
    body.split(|b| *b == b'&')
        .flat_map(|pair| pair.split(|b| *b == b'='))
        .all(|part| {
            let plus_as_space: Vec<u8> = part
                .iter()
                .map(|b| if *b == b'+' { b' ' } else { *b })
                .collect();
            let decoded: Vec<u8> = percent_encoding::percent_decode(&plus_as_space).collect();
            std::str::from_utf8(&decoded).is_ok()
        })
}

impl<S, T> FromRequest<S> for StrictForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, WebError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                WebError::TooLarge
            } else {
                WebError::BadRequest(UNREADABLE)
            }
        })?;
        if !is_valid_utf8_form(&bytes) {
            return Err(WebError::BadRequest(UNREADABLE));
        }
        serde_urlencoded::from_bytes(&bytes)
            .map(StrictForm)
            .map_err(|e| {
                tracing::debug!(error = %e, "form rejected");
                WebError::BadRequest(UNREADABLE)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_detected_in_raw_and_encoded_form() {
        assert!(is_valid_utf8_form(b"name=%E5%B1%B1%E7%94%B0&q=a+b"));
        assert!(!is_valid_utf8_form(b"name=%FF%FE"));
        assert!(!is_valid_utf8_form(b"name=\xff"));
        assert!(!is_valid_utf8_form(b"%C3%28=x"));
    }
}
