//! The one place where failures become responses.
//!
//! Client mistakes get a clear message in both languages; server faults get a generic page with a
//! request id, and the details go only to the log (never to the browser).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use rand::RngCore;

use akinai_core::CoreError;

/// A request that could not be answered with its page.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("request body too large")]
    TooLarge,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("template: {0}")]
    Render(#[from] askama::Error),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title_ja: &'a str,
    title_en: &'a str,
    detail: &'a str,
    request_id: Option<String>,
}

fn request_id() -> String {
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

impl WebError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str, &'static str) {
        match self {
            WebError::NotFound | WebError::Core(CoreError::NotFound) => (
                StatusCode::NOT_FOUND,
                "ページが見つかりません",
                "Page not found",
                "",
            ),
            WebError::BadRequest(detail) => (
                StatusCode::BAD_REQUEST,
                "リクエストが正しくありません",
                "Bad request",
                detail,
            ),
            WebError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "送信データが大きすぎます",
                "Request too large",
                "",
            ),
            WebError::Forbidden(detail) => (
                StatusCode::FORBIDDEN,
                "この操作はできません",
                "Forbidden",
                detail,
            ),
            WebError::Core(CoreError::Quantity(_)) => (
                StatusCode::BAD_REQUEST,
                "数量が正しくありません",
                "Invalid quantity",
                "",
            ),
            WebError::Core(CoreError::UnknownSku) => (
                StatusCode::BAD_REQUEST,
                "商品が見つかりません",
                "Unknown product",
                "",
            ),
            WebError::Core(CoreError::InsufficientStock { .. }) => (
                StatusCode::CONFLICT,
                "在庫が不足しています",
                "Not enough stock",
                "",
            ),
            WebError::Core(
                CoreError::EmptyCart | CoreError::CheckoutMissing | CoreError::CartChanged,
            ) => (
                StatusCode::CONFLICT,
                "カートの内容を確認してください",
                "Please check your cart",
                "",
            ),
            WebError::Core(CoreError::InvalidCheckout(_) | CoreError::Quote(_)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "ご注文内容を確認してください",
                "Please check your order",
                "",
            ),
            WebError::Core(CoreError::Store(_)) | WebError::Render(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "エラーが発生しました",
                "Something went wrong",
                "",
            ),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title_ja, title_en, detail) = self.parts();
        let request_id = status.is_server_error().then(request_id);
        if let Some(id) = &request_id {
            tracing::error!(request_id = %id, error = %self, "request failed");
        } else {
            tracing::debug!(status = status.as_u16(), error = %self, "request refused");
        }
        let page = ErrorPage {
            status: status.as_u16(),
            title_ja,
            title_en,
            detail,
            request_id,
        };
        let body = page.render().unwrap_or_else(|_| title_en.to_string());
        (status, Html(body)).into_response()
    }
}
