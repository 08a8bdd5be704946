//! Query parameters, JSON bodies and keyset pages of the API: a query or body that does not
//! parse is a 400 problem naming it (never axum's plain-text rejection; over the route's limit,
//! 413); a list answers
//! `{"items": […], "next_cursor": …}` and, when there is more, a `Link: <…>; rel="next"` header
//! (RFC 8288) that repeats the request's own filters with the next cursor. Cursors are opaque
//! to callers.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::LINK;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Serialize;

use akinai_core::api::{DEFAULT_LIMIT, MAX_LIMIT};

use super::Problem;

/// The request's query string parsed into `T`, or a 400 problem.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(query)
            .map(ApiQuery)
            .map_err(|e| Problem::invalid_field("query", &e.to_string()))
    }
}

/// A JSON request body parsed into `T`, or a 400 problem (never axum's plain-text rejection).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        Json::<T>::from_request(req, state)
            .await
            .map(|Json(v)| ApiJson(v))
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Problem::payload_too_large()
                } else {
                    Problem::invalid_field("body", &e.body_text())
                }
            })
    }
}

/// `limit`: 1–250, 50 when absent.
pub fn limit(given: Option<u32>) -> Result<u32, Problem> {
    match given {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(Problem::invalid_field(
            "limit",
            "must be a whole number from 1 to 250",
        )),
    }
}

/// A numeric cursor (products and customers: the last id of the page before).
pub fn id_cursor(given: Option<&str>) -> Result<Option<i64>, Problem> {
    given
        .map(|c| {
            c.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| Problem::invalid_field("cursor", "is not a cursor of this list"))
        })
        .transpose()
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The page as JSON with its `Link: rel="next"` header, built from the request's path and query
/// with `cursor` replaced.
pub fn respond<T: Serialize>(uri: &Uri, items: Vec<T>, next: Option<String>) -> Response {
    let link = next.as_ref().and_then(|cursor| {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default();
        pairs.retain(|(k, _)| k != "cursor");
        pairs.push(("cursor".into(), cursor.clone()));
        let query = serde_urlencoded::to_string(&pairs).ok()?;
        HeaderValue::from_str(&format!("<{}?{query}>; rel=\"next\"", uri.path())).ok()
    });
    let mut response = Json(Page {
        items,
        next_cursor: next,
    })
    .into_response();
    if let Some(link) = link {
        response.headers_mut().insert(LINK, link);
    }
    response
}

/// A whole number, also when a client writes it as `120.0` (JSON does not tell them apart).
pub(crate) fn whole<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    use serde::Deserialize;
    let n = serde_json::Number::deserialize(d)?;
    n.as_i64()
        .or_else(|| {
            n.as_f64()
                // Any integral value in i64's range: a large one (an id that does not exist)
                // then answers as the same integer written without `.0` would (schemathesis
                // found `1517821059902071.0` refused with 400). i64::MAX written as a float
                // reads as 2^63, which the cast saturates to i64::MAX (schemathesis sent
                // `9223372036854775807.0` for an int64 id).
                .filter(|f| f.fract() == 0.0 && f.abs() <= 2f64.powi(63))
                .map(|f| f as i64)
        })
        .ok_or_else(|| serde::de::Error::custom("expected a whole number"))
}

/// [`whole`] for a field that may be left out or `null`.
pub(crate) fn whole_or_none<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<i64>, D::Error> {
    use serde::Deserialize;
    match Option::<serde_json::Number>::deserialize(d)? {
        None => Ok(None),
        Some(n) => whole(serde_json::Value::Number(n))
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// A list of [`whole`] numbers (ids), absent for none.
pub(crate) fn whole_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    use serde::Deserialize;
    Vec::<serde_json::Number>::deserialize(d)?
        .into_iter()
        .map(|n| whole(serde_json::Value::Number(n)).map_err(serde::de::Error::custom))
        .collect()
}

#[cfg(test)]
mod whole_tests {
    #[derive(serde::Deserialize)]
    struct N {
        #[serde(deserialize_with = "super::whole")]
        n: i64,
    }

    fn read(json: &str) -> Option<i64> {
        serde_json::from_str::<N>(json).ok().map(|x| x.n)
    }

    #[test]
    fn integral_floats_read_as_the_integer_and_fractions_are_refused() {
        assert_eq!(read(r#"{"n": 120.0}"#), Some(120));
        assert_eq!(
            read(r#"{"n": 1517821059902071.0}"#),
            Some(1_517_821_059_902_071)
        );
        assert_eq!(read(r#"{"n": 7}"#), Some(7));
        assert_eq!(read(r#"{"n": 1.5}"#), None);
        assert_eq!(read(r#"{"n": 1e300}"#), None);
        assert_eq!(read(r#"{"n": 9223372036854775807.0}"#), Some(i64::MAX));
        assert_eq!(read(r#"{"n": -9223372036854775808.0}"#), Some(i64::MIN));
        assert_eq!(read(r#"{"n": 9.3e18}"#), None);
    }

    /// Schemathesis sent `3738103735346190.0` as a group id: serde_json's default float parser
    /// read it as `…190.5` (not correctly rounded) and the API answered 400 to a valid body. The
    /// workspace turns on serde_json's `float_roundtrip`; this reads the body as the handler does.
    #[test]
    fn integral_floats_near_two_to_the_52nd_read_exactly_in_a_request_body() {
        for (written, id) in [
            ("3738103735346190.0", 3_738_103_735_346_190),
            ("3.7381037353461900e15", 3_738_103_735_346_190),
            ("37381037353461900e-1", 3_738_103_735_346_190),
            ("4503599627370497.0", 4_503_599_627_370_497),
        ] {
            let body = format!(
                r#"[{{"variant_id": 1, "group_prices": [{{"group_id": {written}, "price": 1}}]}}]"#
            );
            let read = axum::Json::<Vec<crate::api::pricing_write::PriceRulesRequest>>::from_bytes(
                body.as_bytes(),
            )
            .map(|axum::Json(rules)| rules[0].group_prices[0].group_id)
            .map_err(|e| e.body_text());
            assert_eq!(read, Ok(id), "{written}");
        }
        assert_eq!(read(r#"{"n": 3738103735346190.5}"#), None);
    }
}
