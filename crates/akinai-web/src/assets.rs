//! Static assets, embedded in the binary and served under content-hashed names, so nothing on
//! disk is ever served (CCSG-V-2) and browsers may cache them forever. Product image placeholders
//! are drawn as SVG on the server until image upload arrives with the admin. A shop's theme files
//! are served from the approved in-memory copy that `akinai_core::integrity` keeps.

use std::sync::OnceLock;

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::WebError;

const CSS: &str = include_str!("../assets/app.css");

/// What the binary embeds: every template and asset with its SHA-256 hex (IPA-C-14).
pub mod manifest {
    include!(concat!(env!("OUT_DIR"), "/manifest.rs"));
}

/// The URL path of the stylesheet, e.g. `/assets/app-1a2b3c4d5e6f7a8b.css`.
pub fn css_path() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let digest = hex::encode(Sha256::digest(CSS.as_bytes()));
        format!("/assets/app-{}.css", &digest[..16])
    })
}

/// The Subresource Integrity value of the stylesheet (`sha384-…`), so a browser refuses a
/// stylesheet altered on the way or by a proxy.
pub fn css_integrity() -> &'static str {
    static SRI: OnceLock<String> = OnceLock::new();
    SRI.get_or_init(|| {
        use base64::Engine;
        let digest = sha2::Sha384::digest(CSS.as_bytes());
        format!(
            "sha384-{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    })
}

/// A first-party script: its content-hashed URL path and Subresource Integrity value, for a
/// `<script src integrity nonce>` element under the CSP.
#[derive(Debug, Clone, Copy)]
pub struct Script {
    pub src: &'static str,
    pub integrity: &'static str,
}

/// The page scripts: the bot challenge's proof of work, the passkey ceremonies and the address
/// book's postal-code autofill.
const SCRIPTS: [(&str, &str); 3] = [
    ("pow", include_str!("../assets/pow.js")),
    ("passkey", include_str!("../assets/passkey.js")),
    ("postal", include_str!("../assets/postal.js")),
];

struct Embedded {
    src: String,
    integrity: String,
    body: &'static str,
}

fn embedded() -> &'static [Embedded] {
    static ALL: OnceLock<Vec<Embedded>> = OnceLock::new();
    ALL.get_or_init(|| {
        use base64::Engine;
        SCRIPTS
            .iter()
            .map(|(name, body)| {
                let digest = hex::encode(Sha256::digest(body.as_bytes()));
                let sri = base64::engine::general_purpose::STANDARD
                    .encode(sha2::Sha384::digest(body.as_bytes()));
                Embedded {
                    src: format!("/assets/{name}-{}.js", &digest[..16]),
                    integrity: format!("sha384-{sri}"),
                    body,
                }
            })
            .collect()
    })
}

fn script(i: usize) -> Script {
    let e = &embedded()[i];
    Script {
        src: &e.src,
        integrity: &e.integrity,
    }
}

/// The bot-challenge script.
pub fn pow_script() -> Script {
    script(0)
}

/// The passkey script.
pub fn passkey_script() -> Script {
    script(1)
}

/// The postal-code autofill script of the address book.
pub fn postal_script() -> Script {
    script(2)
}

pub async fn asset_get(Path(name): Path<String>) -> Result<Response, WebError> {
    let path = format!("/assets/{name}");
    let (content_type, body) = if path == css_path() {
        ("text/css; charset=utf-8", CSS)
    } else if let Some(e) = embedded().iter().find(|e| e.src == path) {
        ("text/javascript; charset=utf-8", e.body)
    } else {
        return Err(WebError::NotFound);
    };
    Ok((
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response())
}

/// The approved theme stylesheet's URL (versioned by its hash) and SRI value.
pub fn theme_css(shop: &akinai_core::Shop) -> Option<(String, String)> {
    use base64::Engine;
    let file = shop.integrity().theme_file("theme.css")?;
    Some((
        format!("/theme/theme.css?v={}", &hex::encode(file.sha256)[..16]),
        format!(
            "sha256-{}",
            base64::engine::general_purpose::STANDARD.encode(file.sha256)
        ),
    ))
}

/// An approved theme file's bytes, shared with the in-memory copy (no copy per request).
struct ThemeBytes(std::sync::Arc<akinai_core::integrity::ThemeFile>);

impl AsRef<[u8]> for ThemeBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0.bytes
    }
}

/// `/theme/{name}`: an approved theme file, exactly as approved (IPA-C-14). Files on disk that
/// were not approved, or changed since, are never served from here.
pub async fn theme_get(
    State(state): State<crate::AppState>,
    Path(name): Path<String>,
) -> Result<Response, WebError> {
    let file = state
        .shop
        .integrity()
        .theme_file(&name)
        .ok_or(WebError::NotFound)?;
    let content_type = file.content_type;
    Ok((
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        axum::body::Bytes::from_owner(ThemeBytes(file)),
    )
        .into_response())
}

/// `/media/{name}`: an uploaded product image, re-encoded by the upload pipeline and kept in the
/// database under a random name (ADR 014); the name never changes its content, so browsers may
/// keep it for a year. `nosniff` (set for every response) keeps browsers to the declared type.
pub async fn media_get(
    State(state): State<crate::AppState>,
    Path(name): Path<String>,
) -> Result<Response, WebError> {
    let (content_type, bytes) = state.shop.catalog_admin().product_image(&name).await?;
    Ok((
        [
            (CONTENT_TYPE, content_type),
            (
                CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `/placeholder/{hue}.svg`: a soft-coloured tile standing in for a product photo.
pub async fn placeholder_get(Path(name): Path<String>) -> Result<Response, WebError> {
    let hue: u16 = name
        .strip_suffix(".svg")
        .and_then(|h| h.parse().ok())
        .filter(|h| *h < 360)
        .ok_or(WebError::NotFound)?;
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 300 300\">\
         <rect width=\"300\" height=\"300\" fill=\"hsl({hue},35%,88%)\"/>\
         <circle cx=\"150\" cy=\"130\" r=\"60\" fill=\"hsl({hue},40%,70%)\"/>\
         <rect x=\"70\" y=\"210\" width=\"160\" height=\"18\" rx=\"9\" fill=\"hsl({hue},30%,75%)\"/></svg>"
    );
    Ok((
        [
            (CONTENT_TYPE, "image/svg+xml"),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        svg,
    )
        .into_response())
}
