//! 郵便番号から住所入力. `GET /postal-code/{7 digits}` answers the towns a code is given to as
//! JSON (for the address book's script), and [`autofill`] fills a submitted address form on the
//! server when the shopper pressed 「住所を自動入力」 (the checkout runs no script, CCSG-V-3, and
//! every form works without JavaScript).

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use akinai_domain::address::PostalCode;
use akinai_domain::postal::{self, AddressFields, Filled, PlaceView};

use crate::i18n::Tr;

#[derive(Serialize)]
struct Answer {
    postal_code: String,
    places: Vec<PlaceView>,
}

#[derive(Serialize)]
struct Problem {
    error: &'static str,
}

/// The towns of a postal code: 200 with a list (several for some codes), 404 with an empty
/// list for a code Japan Post does not know, 400 for anything but seven digits. Cached a day:
/// the data changes monthly.
pub async fn postal_code_get(Path(code): Path<String>, request: HeaderMap) -> Response {
    let digits = code.len() == 7 && code.bytes().all(|b| b.is_ascii_digit());
    let Some(code) = PostalCode::parse(&code).ok().filter(|_| digits) else {
        let body = Problem {
            error: "a postal code is seven digits, e.g. /postal-code/1500001",
        };
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    };
    let places = postal::places(&code);
    let status = if places.is_empty() {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    let answer = Answer {
        postal_code: code.as_str().to_string(),
        places,
    };
    let Ok(body) = serde_json::to_vec(&answer) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    // The tag of the answer itself: it changes only with the embedded postal data.
    let tag = crate::conditional::tag_of(&body);
    let response = (
        status,
        [
            (CACHE_CONTROL, "public, max-age=86400"),
            (CONTENT_TYPE, "application/json"),
        ],
        body,
    )
        .into_response();
    crate::conditional::answer(&request, &tag, response)
}

/// Fills the form's address from its postal code and says what happened, in the shopper's
/// language, for the notice above the address fields.
pub fn autofill(t: Tr, fields: AddressFields<'_>) -> String {
    match postal::fill(fields) {
        Filled::One => t.get("postal.filled").to_string(),
        Filled::Several(towns) => t.fmt("postal.several", &[("towns", &towns.join("、"))]),
        Filled::Unknown => t.get("postal.unknown").to_string(),
        Filled::Malformed => t.get("postal.malformed").to_string(),
    }
}
