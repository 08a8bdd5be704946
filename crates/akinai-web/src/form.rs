//! The form extractor of every state-changing route: [`CsrfForm`] first checks the CSRF token
//! (the `csrf` field must equal the `csrf` cookie, compared in constant time; SWS-6), then decodes
//! the body strictly. axum's `Form` decodes invalid UTF-8 lossily (into U+FFFD), which would store
//! garbage silently; here such bodies get a clear 400, an oversize body 413, a malformed one 400,
//! and a missing or wrong token 403, all through [`WebError`]. A handler that takes a
//! `CsrfForm` cannot forget the token check.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::WebError;

/// A URL-encoded form whose CSRF token matched the cookie and whose every key and value is valid
/// UTF-8 after percent-decoding.
pub struct CsrfForm<T>(pub T);

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

/// Whether `submitted` equals the cookie token, in time independent of where they differ.
pub fn same_token(cookie: Option<&str>, submitted: &str) -> bool {
    let Some(cookie) = cookie.filter(|c| akinai_core::tokens::parse(c).is_some()) else {
        return false;
    };
    let unmasked = unmask(submitted);
    akinai_core::tokens::same_secret(cookie, unmasked.as_deref().unwrap_or(submitted))
}

/// The CSRF token as a page carries it: a fresh random pad and the token XORed with it, in hex
/// (128 characters). The bytes differ on every response, so a compressed page that also
/// reflects what a visitor typed cannot leak the token through its length (BREACH); the cookie
/// keeps the token itself. A token that is not 64 hex characters is returned as it is.
pub fn masked_token(token: &str) -> String {
    let mut raw = [0u8; 32];
    if hex::decode_to_slice(token, &mut raw).is_err() {
        return token.to_string();
    }
    masked_token_of(&raw)
}

/// [`masked_token`] of a token given as its bytes (a new visitor's, just made): on the stack
/// and hex-encoded in place, since every page a new visitor opens runs this.
pub fn masked_token_of(raw: &[u8; 32]) -> String {
    // The pad, then the token XORed with it.
    let mut masked = [0u8; 64];
    let (pad, xored) = masked.split_at_mut(32);
    rand::RngCore::fill_bytes(&mut rand::rng(), pad);
    for (x, (t, p)) in xored.iter_mut().zip(raw.iter().zip(pad.iter())) {
        *x = t ^ p;
    }
    akinai_core::tokens::to_hex(&masked)
}

/// The token inside a masked form value; `None` when the value is not one.
fn unmask(submitted: &str) -> Option<String> {
    if submitted.len() != 128 {
        return None;
    }
    let bytes = hex::decode(submitted).ok()?;
    let (pad, xored) = bytes.split_at(bytes.len() / 2);
    Some(hex::encode(
        pad.iter()
            .zip(xored)
            .map(|(p, x)| p ^ x)
            .collect::<Vec<u8>>(),
    ))
}

impl<S, T> FromRequest<S> for CsrfForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, WebError> {
        let cookie = crate::cookies::get(req.headers(), crate::cookies::CSRF).map(str::to_string);
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
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| WebError::BadRequest(UNREADABLE))?;
        let submitted = pairs
            .iter()
            .find(|(k, _)| k == "csrf")
            .map_or("", |(_, v)| v.as_str());
        if !same_token(cookie.as_deref(), submitted) {
            return Err(WebError::Forbidden("errorpage.form_expired"));
        }
        if holds_card_data(&pairs) {
            tracing::warn!(target: "akinai::payments", "a form with card data was refused unread");
            return Err(WebError::BadRequest(CARD_DATA_REFUSED));
        }
        serde_urlencoded::from_bytes(&bytes)
            .map(CsrfForm)
            .map_err(|e| {
                tracing::debug!(error = %e, "form rejected");
                WebError::BadRequest(UNREADABLE)
            })
    }
}

/// The error detail for input holding card data.
pub const CARD_DATA_REFUSED: &str = "errorpage.card_data_refused";

/// CCSG-P-1 (非保持化): akinai takes no card data. A field named for a card number, expiry or
/// security code, or any value holding a Luhn-valid 14–19-digit number, refuses the whole form
/// before a handler sees it, so it is never stored, mailed or logged.
pub fn holds_card_data(pairs: &[(String, String)]) -> bool {
    pairs.iter().any(|(name, value)| {
        akinai_domain::card::card_field(name)
            || !akinai_domain::card::card_numbers(value).is_empty()
    })
}

/// A file upload (`multipart/form-data`) whose `csrf` field matched the cookie: the bytes of its
/// `image` field. The route's body limit bounds the whole request; a larger one is a 413.
pub struct CsrfUpload(pub Vec<u8>);

impl<S> FromRequest<S> for CsrfUpload
where
    S: Send + Sync,
{
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, WebError> {
        let cookie = crate::cookies::get(req.headers(), crate::cookies::CSRF).map(str::to_string);
        let unreadable = |status: StatusCode| {
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                WebError::TooLarge
            } else {
                WebError::BadRequest(UNREADABLE)
            }
        };
        let mut parts = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|e| unreadable(e.status()))?;
        let (mut csrf, mut file) = (String::new(), None);
        while let Some(field) = parts
            .next_field()
            .await
            .map_err(|e| unreadable(e.status()))?
        {
            match field.name() {
                Some("csrf") => {
                    csrf = field.text().await.map_err(|e| unreadable(e.status()))?;
                }
                Some("image") => {
                    let bytes = field.bytes().await.map_err(|e| unreadable(e.status()))?;
                    file = Some(bytes.to_vec());
                }
                _ => {}
            }
        }
        if !same_token(cookie.as_deref(), &csrf) {
            return Err(WebError::Forbidden("errorpage.form_expired"));
        }
        file.map(CsrfUpload).ok_or(WebError::BadRequest(UNREADABLE))
    }
}

/// A `multipart/form-data` request whose first field is a `csrf` matching the cookie: the rest
/// of its fields, to be read (and a file streamed) by the handler. Nothing of a request without
/// the token is read past that field.
pub struct CsrfMultipart(pub axum::extract::Multipart);

impl<S> FromRequest<S> for CsrfMultipart
where
    S: Send + Sync,
{
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, WebError> {
        let cookie = crate::cookies::get(req.headers(), crate::cookies::CSRF).map(str::to_string);
        let mut parts = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|e| multipart_error(e.status()))?;
        let first = parts
            .next_field()
            .await
            .map_err(|e| multipart_error(e.status()))?;
        let csrf = match first {
            Some(field) if field.name() == Some("csrf") => field
                .text()
                .await
                .map_err(|e| multipart_error(e.status()))?,
            _ => String::new(),
        };
        if !same_token(cookie.as_deref(), &csrf) {
            return Err(WebError::Forbidden("errorpage.form_expired"));
        }
        Ok(CsrfMultipart(parts))
    }
}

/// A broken or oversized multipart body as the error page shows it.
pub fn multipart_error(status: StatusCode) -> WebError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        WebError::TooLarge
    } else {
        WebError::BadRequest(UNREADABLE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sws_6_masked_tokens_differ_on_every_page_and_still_match_their_cookie() {
        let t = "ab".repeat(32);
        let (one, two) = (masked_token(&t), masked_token(&t));
        assert_eq!(one.len(), 128);
        assert_ne!(one, two, "a fresh pad every time (BREACH)");
        assert!(!one.contains(&t));
        assert!(same_token(Some(&t), &one) && same_token(Some(&t), &two));
        assert!(
            !same_token(Some(&"cd".repeat(32)), &one),
            "another cookie's mask"
        );
        let mut forged = one.clone();
        forged.replace_range(127..128, if one.ends_with('0') { "1" } else { "0" });
        assert!(!same_token(Some(&t), &forged));
    }

    #[test]
    fn tokens_must_match_a_well_formed_cookie() {
        let t = "ab".repeat(32);
        assert!(same_token(Some(&t), &t));
        assert!(!same_token(Some(&t), &"ac".repeat(32)));
        assert!(!same_token(Some(&t), ""));
        assert!(!same_token(None, &t));
        assert!(
            !same_token(Some("short"), "short"),
            "a malformed cookie never matches"
        );
    }

    proptest::proptest! {
        /// Fuzz-style property: any byte string is judged without panicking, and every form that
        /// a browser would send from valid text is accepted.
        #[test]
        fn arbitrary_bodies_never_panic(body in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = is_valid_utf8_form(&body);
            let _ = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body);
        }

        #[test]
        fn encoded_text_is_always_valid(pairs in proptest::collection::vec(("\\PC{0,20}", "\\PC{0,40}"), 0..8)) {
            let body = serde_urlencoded::to_string(&pairs).unwrap();
            proptest::prop_assert!(is_valid_utf8_form(body.as_bytes()));
            let back: Vec<(String, String)> = serde_urlencoded::from_bytes(body.as_bytes()).unwrap();
            proptest::prop_assert_eq!(back, pairs);
        }
    }

    #[test]
    fn invalid_utf8_is_detected_in_raw_and_encoded_form() {
        assert!(is_valid_utf8_form(b"name=%E5%B1%B1%E7%94%B0&q=a+b"));
        assert!(!is_valid_utf8_form(b"name=%FF%FE"));
        assert!(!is_valid_utf8_form(b"name=\xff"));
        assert!(!is_valid_utf8_form(b"%C3%28=x"));
    }
}
