//! Static assets, embedded in the binary and served under content-hashed names, so nothing on
//! disk is ever served (CCSG-V-2) and browsers may cache them forever. Product image placeholders
//! are drawn as SVG on the server until image upload arrives with the admin. A shop's theme files
//! are served from the approved in-memory copy that `akinai_core::integrity` keeps.

use std::sync::OnceLock;

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::conditional;
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

/// The page scripts: the bot challenge's proof of work, the passkey ceremonies, the address
/// book's postal-code autofill, the search box's suggestions and quick order's live check.
const SCRIPTS: [(&str, &str); 5] = [
    ("pow", include_str!("../assets/pow.js")),
    ("passkey", include_str!("../assets/passkey.js")),
    ("postal", include_str!("../assets/postal.js")),
    ("suggest", include_str!("../assets/suggest.js")),
    ("quick_order", include_str!("../assets/quick_order.js")),
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

/// The search box's suggestion script (every page that may run script).
pub fn suggest_script() -> Script {
    script(3)
}

/// Quick order's check as the buyer types.
pub fn quick_order_script() -> Script {
    script(4)
}

/// `/assets/{name}`: the stylesheet or a script, under a name holding its content's hash (so
/// kept for a year, and its tag is the name).
pub async fn asset_get(Path(name): Path<String>, request: HeaderMap) -> Result<Response, WebError> {
    let path = format!("/assets/{name}");
    let (content_type, body) = if path == css_path() {
        ("text/css; charset=utf-8", CSS)
    } else if let Some(e) = embedded().iter().find(|e| e.src == path) {
        ("text/javascript; charset=utf-8", e.body)
    } else {
        return Err(WebError::NotFound);
    };
    let response = (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response();
    Ok(conditional::answer(
        &request,
        &conditional::tag_named(&name),
        response,
    ))
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
    request: HeaderMap,
) -> Result<Response, WebError> {
    let file = state
        .shop
        .integrity()
        .theme_file(&name)
        .ok_or(WebError::NotFound)?;
    let content_type = file.content_type;
    // The approved file's digest names its bytes: a browser revalidating after five minutes gets
    // a 304 until the owner approves a change.
    let tag = conditional::tag_named(&hex::encode(&file.sha256[..16]));
    let response = (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        axum::body::Bytes::from_owner(ThemeBytes(file)),
    )
        .into_response();
    Ok(conditional::answer(&request, &tag, response))
}

/// `/media/{name}`: an uploaded product image, re-encoded by the upload pipeline and kept in the
/// database under a random name (ADR 014); the name never changes its content, so browsers may
/// keep it for a year. `nosniff` (set for every response) keeps browsers to the declared type.
pub async fn media_get(
    State(state): State<crate::AppState>,
    Path(name): Path<String>,
    request: HeaderMap,
) -> Result<Response, WebError> {
    let (content_type, bytes) = state.shop.catalog_admin().product_image(&name).await?;
    let response = (
        [
            (CONTENT_TYPE, content_type),
            (
                CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_string(),
            ),
        ],
        bytes,
    )
        .into_response();
    Ok(conditional::answer(
        &request,
        &conditional::tag_named(&name),
        response,
    ))
}

/// The `srcset` of a product image: the widths it is also served at, then the original (at most
/// 2,048 pixels), so a phone loads a 320- or 640-pixel picture for a card, not the original.
pub fn srcset(name: &impl std::fmt::Display) -> String {
    let Some(image) = akinai_domain::ids::ImageName::parse(&name.to_string()) else {
        return String::new();
    };
    let mut set: Vec<String> = akinai_domain::ids::IMAGE_WIDTHS
        .iter()
        .map(|w| format!("/media/{} {w}w", image.sized(*w)))
        .collect();
    set.push(format!(
        "/media/{image} {}w",
        akinai_core::images::OUTPUT_MAX_SIDE
    ));
    set.join(", ")
}

/// The motifs of the drawn stand-in pictures: a jacket, a cup, a bottle, a bag, a gift box, a
/// leaf, a bowl and a round tile, each an SVG fragment in the product's hue (`{h}`).
const MOTIFS: [&str; 8] = [
    "<path d=\"M105 80 L150 95 L195 80 L240 115 L220 150 L200 140 L200 225 L100 225 L100 140 L80 150 L60 115 Z\" fill=\"hsl({h},40%,62%)\"/><path d=\"M150 95 L150 225\" stroke=\"hsl({h},35%,45%)\" stroke-width=\"4\"/>",
    "<path d=\"M90 110 H200 V170 A55 55 0 0 1 90 170 Z\" fill=\"hsl({h},40%,62%)\"/><path d=\"M200 125 A25 25 0 0 1 200 175\" fill=\"none\" stroke=\"hsl({h},40%,55%)\" stroke-width=\"12\"/><rect x=\"70\" y=\"228\" width=\"150\" height=\"10\" rx=\"5\" fill=\"hsl({h},30%,72%)\"/>",
    "<rect x=\"130\" y=\"55\" width=\"40\" height=\"45\" rx=\"6\" fill=\"hsl({h},35%,50%)\"/><rect x=\"105\" y=\"95\" width=\"90\" height=\"150\" rx=\"22\" fill=\"hsl({h},40%,62%)\"/><rect x=\"115\" y=\"145\" width=\"70\" height=\"45\" rx=\"4\" fill=\"hsl({h},35%,88%)\"/>",
    "<path d=\"M115 110 A35 35 0 0 1 185 110\" fill=\"none\" stroke=\"hsl({h},35%,45%)\" stroke-width=\"10\"/><rect x=\"80\" y=\"105\" width=\"140\" height=\"120\" rx=\"14\" fill=\"hsl({h},40%,62%)\"/>",
    "<rect x=\"80\" y=\"120\" width=\"140\" height=\"105\" rx=\"6\" fill=\"hsl({h},40%,62%)\"/><rect x=\"70\" y=\"100\" width=\"160\" height=\"30\" rx=\"6\" fill=\"hsl({h},40%,55%)\"/><rect x=\"142\" y=\"100\" width=\"16\" height=\"125\" fill=\"hsl({h},50%,85%)\"/><path d=\"M150 100 C120 60 100 85 150 100 C200 85 180 60 150 100\" fill=\"hsl({h},50%,80%)\"/>",
    "<path d=\"M150 60 C230 90 230 200 150 240 C70 200 70 90 150 60 Z\" fill=\"hsl({h},40%,60%)\"/><path d=\"M150 75 V235\" stroke=\"hsl({h},35%,85%)\" stroke-width=\"5\"/>",
    "<path d=\"M70 130 H230 A80 80 0 0 1 70 130 Z\" fill=\"hsl({h},40%,62%)\"/><rect x=\"120\" y=\"205\" width=\"60\" height=\"14\" rx=\"5\" fill=\"hsl({h},35%,50%)\"/><path d=\"M110 110 C120 90 110 80 120 65 M150 110 C160 90 150 80 160 65\" fill=\"none\" stroke=\"hsl({h},30%,72%)\" stroke-width=\"5\"/>",
    "<circle cx=\"150\" cy=\"130\" r=\"60\" fill=\"hsl({h},40%,70%)\"/><rect x=\"70\" y=\"210\" width=\"160\" height=\"18\" rx=\"9\" fill=\"hsl({h},30%,75%)\"/>",
];

/// The motif that suits a product by the words of its name (a jacket for コート, a cup for 茶,
/// a bottle for 酒 …), or one by its id when no word says.
pub fn motif(name: &str, id: &i64) -> usize {
    const WORDS: [(usize, &[&str]); 7] = [
        (0, &["ジャケット", "コート", "シャツ", "ベルト"]),
        (1, &["茶", "カップ", "コーヒー", "急須"]),
        (
            2,
            &["酒", "ジュース", "醤油", "酢", "焼酎", "オイル", "みりん"],
        ),
        (3, &["バッグ", "リュック", "財布", "ケース", "ポーチ"]),
        (
            4,
            &["ギフト", "かりんとう", "バウム", "きんとん", "ようかん"],
        ),
        (5, &["ラグ", "い草", "石けん", "クリーム", "ノート", "味噌"]),
        (6, &["碗", "椀", "皿", "まな板", "包丁", "鍋"]),
    ];
    WORDS
        .iter()
        .find(|(_, words)| words.iter().any(|w| name.contains(w)))
        .map_or_else(
            || usize::try_from(id.rem_euclid(8)).unwrap_or(7),
            |(m, _)| *m,
        )
}

/// `/placeholder/{hue}-{motif}.svg` (or `{hue}.svg`): a drawn picture standing in for a
/// product photo until the shop uploads one — a motif (0–7, varied by product) on a soft tile
/// of the product's hue, so that the demo's products look different from each other.
pub async fn placeholder_get(Path(name): Path<String>) -> Result<Response, WebError> {
    let stem = name.strip_suffix(".svg").ok_or(WebError::NotFound)?;
    let (hue, motif) = stem.split_once('-').unwrap_or((stem, "7"));
    let hue: u16 = hue
        .parse()
        .ok()
        .filter(|h| *h < 360)
        .ok_or(WebError::NotFound)?;
    let motif = motif
        .parse::<usize>()
        .ok()
        .and_then(|m| MOTIFS.get(m))
        .ok_or(WebError::NotFound)?;
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 300 300\">\
         <rect width=\"300\" height=\"300\" fill=\"hsl({hue},35%,90%)\"/>{}</svg>",
        motif.replace("{h}", &hue.to_string())
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
