//! The one place where failures become responses.
//!
//! Client mistakes get a clear message in both languages; server faults get a generic page with a
//! request id, and the details go only to the log (never to the browser).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use rand::RngCore;

use akinai_core::i18n::{Lang, Tr};
use akinai_core::{CoreError, StoreError};

/// A request that could not be answered with its page.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    /// The request is malformed; carries the catalogue key of the explanation.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("request body too large")]
    TooLarge,
    /// The request is refused; carries the catalogue key of the explanation.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("a handler panicked")]
    Panicked,
    /// The page needs a logged-in member; carries the path to come back to.
    #[error("login required")]
    LoginRequired(String),
    #[error("template: {0}")]
    Render(#[from] askama::Error),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title_ja: &'a str,
    title_en: &'a str,
    detail_ja: &'a str,
    detail_en: &'a str,
    reference_ja: &'a str,
    reference_en: &'a str,
    home_ja: &'a str,
    home_en: &'a str,
    request_id: Option<String>,
}

/// What an error response said, left in its extensions so that the storefront can show it again
/// inside the shop's own page ([`crate::error_page`]).
#[derive(Debug, Clone)]
pub struct ErrorShown {
    pub status: StatusCode,
    /// Catalogue keys of the title and the detail ("" for none).
    pub title: &'static str,
    pub detail: &'static str,
    pub request_id: Option<String>,
}

tokio::task_local! {
    /// The id of the request being answered (set by [`crate::metrics::measure`]), so the error
    /// page, the log lines and the `X-Request-Id` header name the same request.
    pub static REQUEST_ID: String;
}

/// A new random request id (16 hex digits).
pub fn new_request_id() -> String {
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    // From a table of digit pairs (every request makes one; `hex::encode` went char by char).
    akinai_core::tokens::to_hex(&b)
}

fn request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| new_request_id())
}

impl WebError {
    /// Status, title key and detail key ("" for none).
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            WebError::NotFound | WebError::Core(CoreError::NotFound) => {
                (StatusCode::NOT_FOUND, "errorpage.page_not_found", "")
            }
            WebError::BadRequest(detail) => {
                (StatusCode::BAD_REQUEST, "errorpage.bad_request", detail)
            }
            WebError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "errorpage.request_too_large",
                "",
            ),
            WebError::Forbidden(detail) => (StatusCode::FORBIDDEN, "errorpage.forbidden", detail),
            WebError::Core(CoreError::Forbidden(_)) => {
                (StatusCode::FORBIDDEN, "errorpage.forbidden", "")
            }
            WebError::Core(CoreError::Quantity(_)) => {
                (StatusCode::BAD_REQUEST, "errorpage.invalid_quantity", "")
            }
            WebError::Core(CoreError::InvalidReport) => {
                (StatusCode::BAD_REQUEST, "errorpage.bad_request", "")
            }
            WebError::Core(CoreError::UnknownSku) => {
                (StatusCode::BAD_REQUEST, "errorpage.unknown_product", "")
            }
            WebError::Core(CoreError::InsufficientStock { .. }) => {
                (StatusCode::CONFLICT, "errorpage.not_enough_stock", "")
            }
            WebError::Core(CoreError::QuantityRule { .. }) => {
                (StatusCode::CONFLICT, "errorpage.quantity_rule", "")
            }
            WebError::Core(
                CoreError::EmptyCart | CoreError::CheckoutMissing | CoreError::CartChanged,
            ) => (StatusCode::CONFLICT, "errorpage.please_check_your_cart", ""),
            WebError::Core(CoreError::InvalidFields(_) | CoreError::Quote(_)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "errorpage.please_check_your_order",
                "",
            ),
            WebError::Core(CoreError::Coupon(_)) => {
                (StatusCode::CONFLICT, "errorpage.coupon_refused", "")
            }
            WebError::Core(CoreError::Points(_)) => {
                (StatusCode::CONFLICT, "errorpage.points_refused", "")
            }
            WebError::Core(CoreError::CheckoutClosed) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "errorpage.checkout_closed",
                "errorpage.checkout_closed_detail",
            ),
            WebError::Core(CoreError::Busy) => {
                (StatusCode::SERVICE_UNAVAILABLE, "errorpage.busy", "")
            }
            // The database cannot be reached or cannot write (its disk is full): nothing was
            // saved, and the shopper is told so (operations issue, item 5).
            WebError::Core(CoreError::Store(StoreError::Unavailable(_))) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "errorpage.store_unavailable",
                "errorpage.store_unavailable_detail",
            ),
            WebError::Core(CoreError::TryLater(_)) => {
                (StatusCode::TOO_MANY_REQUESTS, "errorpage.try_later", "")
            }
            WebError::Core(CoreError::MembersOnly) => (
                StatusCode::FORBIDDEN,
                "errorpage.members_only",
                "errorpage.members_only_detail",
            ),
            WebError::Core(CoreError::ChallengeRequired) => {
                (StatusCode::FORBIDDEN, "account.challenge_needed", "")
            }
            WebError::Core(CoreError::LoginFailed) => {
                (StatusCode::UNAUTHORIZED, "account.login_failed", "")
            }
            WebError::Core(CoreError::InvalidForm(_)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "errorpage.please_check_your_order",
                "",
            ),
            WebError::Core(CoreError::Refused(_)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "errorpage.bad_request",
                "",
            ),
            WebError::Core(CoreError::LinkInvalid) => {
                (StatusCode::BAD_REQUEST, "account.link_invalid", "")
            }
            WebError::LoginRequired(_) => (StatusCode::SEE_OTHER, "nav.login", ""),
            WebError::Core(CoreError::UploadRejected) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "errorpage.upload_rejected",
                "",
            ),
            WebError::Core(CoreError::ImageRejected(_)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "errorpage.image_rejected",
                "",
            ),
            WebError::Core(CoreError::PaymentUnavailable(_)) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "errorpage.payment_unavailable",
                "",
            ),
            WebError::Core(CoreError::PaymentRefused) => {
                (StatusCode::FORBIDDEN, "errorpage.payment_refused", "")
            }
            WebError::Core(CoreError::OverCreditLimit { .. }) => {
                (StatusCode::CONFLICT, "errorpage.over_credit_limit", "")
            }
            WebError::Core(CoreError::QuoteClosed) => {
                (StatusCode::CONFLICT, "errorpage.quote_closed", "")
            }
            WebError::Core(CoreError::PaymentClosed) => {
                (StatusCode::CONFLICT, "errorpage.payment_closed", "")
            }
            WebError::Core(CoreError::WebhookRefused(_)) => {
                (StatusCode::BAD_REQUEST, "errorpage.bad_request", "")
            }
            WebError::Core(CoreError::ScannerUnavailable) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "errorpage.upload_not_scanned",
                "",
            ),
            WebError::Core(
                CoreError::Store(_)
                | CoreError::Integrity(_)
                | CoreError::ThemeRefused(_)
                | CoreError::Export(_)
                | CoreError::Document(_),
            )
            | WebError::Render(_)
            | WebError::Panicked => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "errorpage.something_went_wrong",
                "",
            ),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::LoginRequired(next) = &self {
            let target = format!(
                "/account/login?next={}",
                percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC)
            );
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(v) = axum::http::HeaderValue::from_str(&target) {
                response
                    .headers_mut()
                    .insert(axum::http::header::LOCATION, v);
            }
            return response;
        }
        let retry_after = match &self {
            WebError::Core(CoreError::TryLater(until)) => Some(seconds_until(*until)),
            WebError::Core(CoreError::Busy) => Some(1),
            WebError::Core(CoreError::Store(StoreError::Unavailable(_))) => Some(60),
            _ => None,
        };
        let (status, title, detail) = self.parts();
        let request_id = status.is_server_error().then(request_id);
        if let Some(id) = &request_id {
            tracing::error!(request_id = %id, error = %self, "request failed");
        } else {
            tracing::debug!(status = status.as_u16(), error = %self, "request refused");
        }
        let (ja, en) = (Tr::new(Lang::Ja), Tr::new(Lang::En));
        let pick = |t: Tr, key: &'static str| if key.is_empty() { "" } else { t.get(key) };
        let page = ErrorPage {
            status: status.as_u16(),
            title_ja: ja.get(title),
            title_en: en.get(title),
            detail_ja: pick(ja, detail),
            detail_en: pick(en, detail),
            reference_ja: ja.get("errorpage.reference"),
            reference_en: en.get("errorpage.reference"),
            home_ja: ja.get("errorpage.home"),
            home_en: en.get("errorpage.home"),
            request_id: request_id.clone(),
        };
        let body = page.render().unwrap_or_else(|_| en.get(title).to_string());
        let mut response = (status, Html(body)).into_response();
        response.extensions_mut().insert(ErrorShown {
            status,
            title,
            detail,
            request_id,
        });
        if let Some(secs) = retry_after {
            set_retry_after(&mut response, secs);
        }
        response
    }
}

/// Seconds from now until `until`, between 1 and an hour (for `Retry-After`).
pub fn seconds_until(until: chrono::DateTime<chrono::Utc>) -> i64 {
    (until - chrono::Utc::now()).num_seconds().clamp(1, 3600)
}

/// Adds `Retry-After: secs` to a response (429 and 503 answers).
pub fn set_retry_after(response: &mut Response, secs: i64) {
    if let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string()) {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, v);
    }
}

#[cfg(test)]
mod tests {
    use super::new_request_id;

    #[test]
    fn a_request_id_is_sixteen_lowercase_hex_digits_and_new_each_time() {
        let (a, b) = (new_request_id(), new_request_id());
        for id in [&a, &b] {
            assert_eq!(id.len(), 16, "{id}");
            assert!(
                id.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')),
                "{id}"
            );
        }
        assert_ne!(a, b);
    }
}
