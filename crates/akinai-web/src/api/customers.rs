//! `GET /api/v1/customers` and `/api/v1/customers/{id}` (`customers:read`): personal data, so
//! every read is audited with the token as the actor (IPA-C-8).

use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use axum::Json;

use akinai_domain::ids::CustomerId;

use super::catalog::ListQuery;
use super::json::Customer;
use super::page::{self, ApiQuery};
use super::{Caller, Problem};
use crate::AppState;

/// Member accounts, newest first.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers",
    params(ListQuery),
    security(("bearer" = ["customers:read"])),
    responses(
        (status = 200, description = "A page of customers; `Link: rel=\"next\"` when there is more", body = super::openapi::CustomerPage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `customers:read`", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn customers_get(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, Problem> {
    let limit = page::limit(q.limit)?;
    let before = page::id_cursor(q.cursor.as_deref())?.map(CustomerId);
    let found = state
        .shop
        .api()
        .customers(&caller.0, before, limit, &caller.1)
        .await?;
    let items: Vec<Customer> = found.rows.into_iter().map(Customer::from).collect();
    Ok(page::respond(
        &uri,
        items,
        found.next.map(|id| id.0.to_string()),
    ))
}

/// One customer.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = i64, Path, description = "The customer's id", minimum = 1)),
    security(("bearer" = ["customers:read"])),
    responses(
        (status = 200, description = "The customer", body = Customer),
        (status = 400, description = "A bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `customers:read`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn customer_get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Customer>, Problem> {
    let id = CustomerId(super::path_id(&id)?);
    let detail = state.shop.api().customer(&caller.0, id, &caller.1).await?;
    Ok(Json(Customer::from(detail.view)))
}
