//! The cart page and its forms. Failures re-render the page they came from with a message and a
//! 4xx status, and change nothing.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::storefront::cart::CartView;
use akinai_core::CoreError;
use akinai_domain::catalog::QuantityError;
use akinai_domain::ids::SkuId;

use crate::error::WebError;
use crate::form::CsrfForm;
use crate::i18n::Tr;
use crate::layout::{Ctx, Layout};
use crate::pages::catalog::render_product;
use crate::AppState;

#[derive(Template)]
#[template(path = "cart.html")]
pub struct CartPage {
    pub l: Layout,
    pub cart: CartView,
    pub error: Option<String>,
}

#[derive(Deserialize)]
pub struct AddForm {
    sku: String,
    #[serde(default)]
    quantity: String,
}

#[derive(Deserialize)]
pub struct LineForm {
    sku: String,
    #[serde(default)]
    quantity: String,
}

fn parse_sku(raw: &str) -> Result<SkuId, WebError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(SkuId)
        .ok_or(WebError::Core(CoreError::UnknownSku))
}

/// A translated message and status for a cart failure the shopper can fix.
fn user_error(t: Tr, e: &CoreError) -> Option<(String, StatusCode)> {
    let msg = match e {
        CoreError::Quantity(QuantityError::TooSmall) => {
            t.get("error.quantity_too_small").to_string()
        }
        CoreError::Quantity(QuantityError::TooLarge) => {
            t.get("error.quantity_too_large").to_string()
        }
        CoreError::Quantity(QuantityError::NotANumber) => {
            t.get("error.quantity_not_a_number").to_string()
        }
        CoreError::InsufficientStock { available, .. } => {
            return Some((
                t.fmt("error.insufficient_stock", &[("n", &available.to_string())]),
                StatusCode::CONFLICT,
            ))
        }
        CoreError::UnknownSku => t.get("error.unknown_sku").to_string(),
        _ => return None,
    };
    Some((msg, StatusCode::BAD_REQUEST))
}

async fn render_cart(
    state: &AppState,
    ctx: &Ctx,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let cart = state.shop.storefront().find_cart(ctx.cart()).await?;
    let view = state.shop.storefront().tidy_cart(cart.as_ref()).await?;
    let l = ctx.layout(state).await?;
    ctx.page(
        status,
        &CartPage {
            l,
            cart: view,
            error,
        },
    )
}

pub async fn cart_get(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    render_cart(&state, &ctx, None, StatusCode::OK).await
}

pub async fn cart_add_post(
    State(state): State<AppState>,
    mut ctx: Ctx,
    CsrfForm(form): CsrfForm<AddForm>,
) -> Result<Response, WebError> {
    let sku = parse_sku(&form.sku)?;
    match state
        .shop
        .storefront()
        .add_to_cart(ctx.cart(), sku, &form.quantity)
        .await
    {
        Ok(open) => {
            ctx.set_cart(open.new_secret);
            Ok(ctx.redirect("/cart"))
        }
        Err(e) => match (
            user_error(ctx.t, &e),
            state.shop.storefront().product_of_sku(sku).await,
        ) {
            (Some((msg, status)), Ok(Some(product))) => {
                render_product(&state, &ctx, product, Some(msg), status).await
            }
            _ => Err(e.into()),
        },
    }
}

pub async fn cart_update_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<LineForm>,
) -> Result<Response, WebError> {
    let sku = parse_sku(&form.sku)?;
    match state
        .shop
        .storefront()
        .update_cart_line(ctx.cart(), sku, &form.quantity)
        .await
    {
        Ok(()) => Ok(ctx.redirect("/cart")),
        Err(e) => match user_error(ctx.t, &e) {
            Some((msg, status)) => render_cart(&state, &ctx, Some(msg), status).await,
            None => Err(e.into()),
        },
    }
}

pub async fn cart_remove_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<LineForm>,
) -> Result<Response, WebError> {
    state
        .shop
        .storefront()
        .remove_cart_line(ctx.cart(), parse_sku(&form.sku)?)
        .await?;
    Ok(ctx.redirect("/cart"))
}
