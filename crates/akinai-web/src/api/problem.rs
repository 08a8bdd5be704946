//! API errors as RFC 9457 problem details (`application/problem+json`): `type` (a stable URI
//! naming the kind), `title`, `status`, `detail`, and `errors` per field for bad input. One shape
//! for every API error; nothing internal is told.

use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use akinai_domain::api::Scope;

/// One field's error.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// A problem details document (RFC 9457), the one shape of every API error.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

impl Problem {
    fn new(kind: &str, status: StatusCode, title: &str, detail: String) -> Problem {
        Problem {
            kind: format!("https://akinai.dev/problems/{kind}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            errors: Vec::new(),
        }
    }

    /// No token, a malformed, unknown, revoked or expired one, or one used from an address it
    /// is not allowed from: the caller is not told which.
    pub fn unauthenticated() -> Problem {
        Problem::new(
            "unauthenticated",
            StatusCode::UNAUTHORIZED,
            "Unauthenticated",
            "Send a valid API token as `Authorization: Bearer akn_…`.".into(),
        )
    }

    pub fn forbidden(scope: Scope) -> Problem {
        Problem::new(
            "insufficient-scope",
            StatusCode::FORBIDDEN,
            "Insufficient scope",
            format!("This token lacks the `{}` scope.", scope.as_str()),
        )
    }

    /// A query parameter or body field the API cannot use; `errors` names each.
    pub fn invalid(errors: Vec<FieldProblem>) -> Problem {
        let mut p = Problem::new(
            "invalid-request",
            StatusCode::BAD_REQUEST,
            "Invalid request",
            "Some parameters are not valid; see `errors`.".into(),
        );
        p.errors = errors;
        p
    }

    /// One bad parameter.
    pub fn invalid_field(field: &str, message: &str) -> Problem {
        Problem::invalid(vec![FieldProblem {
            field: field.to_string(),
            message: message.to_string(),
        }])
    }

    /// The shop is closed for maintenance; `message` is the operator's.
    pub fn unavailable(message: &str) -> Problem {
        Problem::new(
            "maintenance",
            StatusCode::SERVICE_UNAVAILABLE,
            "Closed for maintenance",
            if message.is_empty() {
                "The shop is closed for maintenance; try again later.".into()
            } else {
                message.to_string()
            },
        )
    }

    /// The payment provider did not answer; nothing was done.
    pub fn provider_unavailable() -> Problem {
        Problem::new(
            "provider-unavailable",
            StatusCode::SERVICE_UNAVAILABLE,
            "Payment provider unavailable",
            "The payment provider could not be reached; nothing was refunded. Retry later.".into(),
        )
    }

    /// The token's bucket is empty: wait `seconds`.
    pub fn too_many_requests(seconds: u64) -> Problem {
        Problem::new(
            "rate-limited",
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests",
            format!("This token sent too many requests; retry in {seconds} s (see Retry-After)."),
        )
    }

    pub fn method_not_allowed() -> Problem {
        Problem::new(
            "method-not-allowed",
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
            "This resource does not answer that method.".into(),
        )
    }

    /// An `Idempotency-Key` used before for a different request (issue 20: 422).
    pub fn idempotency_mismatch() -> Problem {
        Problem::new(
            "idempotency-key-reused",
            StatusCode::UNPROCESSABLE_ENTITY,
            "Idempotency-Key reused",
            "this Idempotency-Key was used in the last 24 hours for a different request; \
             use a new key for a new request"
                .into(),
        )
    }

    /// The first request with this `Idempotency-Key` is still running.
    pub fn idempotency_in_progress() -> Problem {
        Problem::new(
            "request-in-progress",
            StatusCode::CONFLICT,
            "Request in progress",
            "a request with this Idempotency-Key is still running; retry shortly".into(),
        )
    }

    /// The request conflicts with the state of the shop.
    pub fn conflict(detail: &str) -> Problem {
        Problem::new("conflict", StatusCode::CONFLICT, "Conflict", detail.into())
    }

    /// A body over the route's limit.
    pub fn payload_too_large() -> Problem {
        Problem::new(
            "payload-too-large",
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload too large",
            "the request body is larger than this endpoint takes".into(),
        )
    }

    pub fn not_found() -> Problem {
        Problem::new(
            "not-found",
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such resource.".into(),
        )
    }

    /// A failure on our side: logged, not described.
    pub fn internal(e: &dyn std::fmt::Display) -> Problem {
        tracing::error!(error = %e, "API request failed");
        Problem::new(
            "internal",
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "The request could not be completed; try again later.".into(),
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let unauthenticated = status == StatusCode::UNAUTHORIZED;
        let mut response = (status, axum::Json(self)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if unauthenticated {
            headers.insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"akinai\""),
            );
        }
        response
    }
}

impl From<akinai_core::CoreError> for Problem {
    fn from(e: akinai_core::CoreError) -> Problem {
        match e {
            akinai_core::CoreError::NotFound => Problem::not_found(),
            akinai_core::CoreError::Forbidden(name) => {
                match Scope::parse(name).or_else(|| Scope::granting(name)) {
                    Some(scope) => Problem::forbidden(scope),
                    // A capability no scope gives: the same refusal, naming nothing internal.
                    None => Problem::new(
                        "insufficient-scope",
                        StatusCode::FORBIDDEN,
                        "Insufficient scope",
                        "No API token may do this.".into(),
                    ),
                }
            }
            akinai_core::CoreError::InvalidForm(fields) => Problem::invalid(
                fields
                    .into_iter()
                    .map(|(field, key)| FieldProblem {
                        field: field.to_string(),
                        message: explain(key).to_string(),
                    })
                    .collect(),
            ),
            // Well-formed, but the shop's rules refuse some fields (rules JSON Schema cannot
            // state, e.g. a sale's last day before its first): 422 naming them.
            akinai_core::CoreError::InvalidFields(fields) => {
                let mut p = Problem::new(
                    "unprocessable-request",
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Unprocessable request",
                    "The request is well-formed, but the shop's rules refuse some fields; see \
                     `errors`."
                        .into(),
                );
                p.errors = fields
                    .into_iter()
                    .map(|(field, e)| FieldProblem {
                        field: field.to_string(),
                        message: explain(e.message_key()).to_string(),
                    })
                    .collect();
                p
            }
            // The shop's state refuses it (a name or code taken, a category that does not
            // exist): a conflict naming the fields.
            akinai_core::CoreError::Refused(fields) => {
                let mut p = Problem::conflict(
                    "the request conflicts with the shop's data (a name or code already taken, \
                     or an id that does not exist); see `errors`",
                );
                p.errors = fields
                    .into_iter()
                    .map(|(field, _)| FieldProblem {
                        field: field.to_string(),
                        message: "already taken, or refers to something that does not exist".into(),
                    })
                    .collect();
                p
            }
            other => Problem::internal(&other),
        }
    }
}

/// What a use case's message key means, for an API caller (in English, like the rest of the
/// API's errors).
fn explain(key: &str) -> &'static str {
    match key {
        "admin.code_taken" => "already the code of another SKU (codes are unique in the shop)",
        "error.too_long" => "too long",
        "error.required" => "required",
        "error.unprintable" => "contains a character outside JIS X 0208 (Shift_JIS)",
        "admin.stock_negative" => "the stock would go below zero",
        _ => "not valid",
    }
}
