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
use akinai_domain::coupon::{Discount, Refusal};
use akinai_domain::ids::SkuId;
use akinai_domain::points::PointsRefusal;
use akinai_domain::pricing::PricedLine;
use akinai_domain::Yen;

use crate::error::WebError;
use crate::form::CsrfForm;
use crate::i18n::Tr;
use crate::layout::{Ctx, Layout};
use crate::pages::catalog::render_product;
use crate::pages::prices::{quantity_rule_text, PriceText};
use crate::AppState;

#[derive(Template)]
#[template(path = "cart.html")]
pub struct CartPage {
    pub l: Layout,
    pub cart: CartView,
    pub error: Option<String>,
    pub coupon: CouponBox,
    /// For a member who holds points or chose some.
    pub points: Option<PointsBox>,
    pub prices: PriceText,
}

/// The cart's points box: the balance, the points chosen and what they take off, or why they
/// cannot be used as chosen (with the typed number and its error after a refusal).
#[derive(Default)]
pub struct PointsBox {
    pub balance: i64,
    pub chosen: i64,
    pub amount: Option<Yen>,
    pub message: Option<String>,
    pub typed: String,
    pub error: Option<String>,
}

#[derive(Deserialize)]
pub struct PointsForm {
    #[serde(default)]
    points: String,
}

/// The shopper's words for why points cannot be used.
pub fn points_refusal_text(t: Tr, why: PointsRefusal) -> String {
    match why {
        PointsRefusal::MoreThanBalance(n) => t.fmt(why.key(), &[("n", &n.to_string())]),
        PointsRefusal::MoreThanItems(a) => t.fmt(why.key(), &[("amount", &a.display())]),
        PointsRefusal::MembersOnly => t.get(why.key()).to_string(),
    }
}

/// The cart's coupon box: the code applied and what it takes off, or why it does not apply now,
/// or the form to enter one (with the typed code and its error after a refusal).
#[derive(Default)]
pub struct CouponBox {
    pub code: Option<String>,
    pub discount: Option<Yen>,
    pub after: Option<Yen>,
    pub message: Option<String>,
    pub typed: String,
    pub error: Option<String>,
}

#[derive(Deserialize)]
pub struct CouponForm {
    #[serde(default)]
    code: String,
}

/// The shopper's words for why a coupon does not apply.
pub fn refusal_text(t: Tr, why: Refusal) -> String {
    match why {
        Refusal::BelowMinimum(min) => t.fmt(why.key(), &[("amount", &min.display())]),
        _ => t.get(why.key()).to_string(),
    }
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
        CoreError::QuantityRule { why, .. } => {
            return Some((quantity_rule_text(t, *why), StatusCode::CONFLICT))
        }
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
    render_cart_with(state, ctx, error, CouponBox::default(), None, status).await
}

async fn render_cart_with(
    state: &AppState,
    ctx: &Ctx,
    error: Option<String>,
    mut coupon: CouponBox,
    refused_points: Option<PointsBox>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let cart = state.shop.storefront().find_cart(ctx.cart()).await?;
    let pricing = state
        .shop
        .checkout()
        .pricing(ctx.session_secret.as_deref())
        .await?;
    let view = state
        .shop
        .storefront()
        .tidy_cart(cart.as_ref(), &pricing)
        .await?;
    let lines: Vec<PricedLine> = view.lines.iter().map(|l| l.line.clone()).collect();
    let mut coupon_discount = Discount::none();
    if let Some(applied) = state.shop.coupons().on_cart(cart.as_ref(), &lines).await? {
        match applied.outcome {
            Ok(d) => {
                coupon.discount = Some(d.total);
                coupon.after = Some(Yen(view.items_total.0 - d.total.0));
                coupon_discount = d;
            }
            Err(why) => {
                coupon.message = Some(ctx.t.fmt(
                    "coupon.not_applied",
                    &[("code", &applied.code), ("why", &refusal_text(ctx.t, why))],
                ));
            }
        }
        coupon.code = Some(applied.code);
    }
    let held = state
        .shop
        .points()
        .on_cart(
            cart.as_ref(),
            ctx.session_secret.as_deref(),
            &lines,
            &coupon_discount,
        )
        .await?;
    // A refusal is shown even to a shopper without points (a guest who tried).
    let points = match held {
        None => refused_points,
        Some(p) => {
            let mut b = refused_points.unwrap_or_default();
            (b.balance, b.chosen) = (p.balance, p.chosen);
            match p.outcome {
                Ok(d) if d.total.0 > 0 => b.amount = Some(d.total),
                Ok(_) => {}
                Err(why) => {
                    b.message = Some(ctx.t.fmt(
                        "points.not_applied",
                        &[
                            ("n", &p.chosen.to_string()),
                            ("why", &points_refusal_text(ctx.t, why)),
                        ],
                    ))
                }
            }
            Some(b)
        }
    };
    let l = ctx.layout(state).await?;
    ctx.page(
        status,
        &CartPage {
            l,
            cart: view,
            error,
            coupon,
            points,
            prices: PriceText { t: ctx.t, pricing },
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

/// `POST /cart/coupon`: applies the typed code to the cart, or shows the cart again saying why
/// not (unknown codes are throttled per source address, IPA-C-7).
pub async fn cart_coupon_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<CouponForm>,
) -> Result<Response, WebError> {
    let pricing = state
        .shop
        .checkout()
        .pricing(ctx.session_secret.as_deref())
        .await?;
    match state
        .shop
        .coupons()
        .apply_to_cart(ctx.cart(), &pricing, &form.code, ctx.client.ip)
        .await
    {
        Ok(()) => Ok(ctx.redirect("/cart")),
        Err(CoreError::Coupon(why)) => {
            let status = if why == Refusal::Unknown {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::CONFLICT
            };
            let coupon = CouponBox {
                typed: form.code.chars().take(64).collect(),
                error: Some(refusal_text(ctx.t, why)),
                ..CouponBox::default()
            };
            render_cart_with(&state, &ctx, None, coupon, None, status).await
        }
        Err(CoreError::EmptyCart) => Ok(ctx.redirect("/cart")),
        Err(e) => Err(e.into()),
    }
}

/// `POST /cart/coupon/remove`: takes the coupon off the cart.
pub async fn cart_coupon_remove_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(_): CsrfForm<CouponForm>,
) -> Result<Response, WebError> {
    state.shop.coupons().remove_from_cart(ctx.cart()).await?;
    Ok(ctx.redirect("/cart"))
}

/// `POST /cart/points`: keeps how many points to use, or shows the cart again saying why not.
pub async fn cart_points_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<PointsForm>,
) -> Result<Response, WebError> {
    let refused = |error: String| PointsBox {
        typed: form.points.chars().take(16).collect(),
        error: Some(error),
        ..PointsBox::default()
    };
    let outcome = state
        .shop
        .points()
        .choose_on_cart(ctx.cart(), ctx.session_secret.as_deref(), &form.points)
        .await;
    let (b, status) = match outcome {
        Ok(()) | Err(CoreError::EmptyCart) => return Ok(ctx.redirect("/cart")),
        Err(CoreError::Points(why)) => (
            refused(points_refusal_text(ctx.t, why)),
            StatusCode::CONFLICT,
        ),
        Err(CoreError::InvalidForm(_)) => (
            refused(ctx.t.get("points.not_a_number").to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return Err(e.into()),
    };
    render_cart_with(&state, &ctx, None, CouponBox::default(), Some(b), status).await
}
