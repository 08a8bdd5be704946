//! 特定商取引法に基づく表記 (JP-TOK-1), the privacy policy (JP-APPI-1) and the accessibility
//! statement (アクセシビリティ方針, JIS X 8341-3:2016), rendered from the shop settings and linked
//! from every page's footer.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use akinai_domain::settings::ShopSettings;

use crate::error::WebError;
use crate::layout::{Ctx, Layout};
use crate::AppState;

#[derive(Template)]
#[template(path = "tokushoho.html")]
pub struct TokushohoPage {
    pub l: Layout,
    pub s: ShopSettings,
    /// The payment methods the shop takes now, by name.
    pub methods: String,
}

#[derive(Template)]
#[template(path = "privacy.html")]
pub struct PrivacyPage {
    pub l: Layout,
    pub s: ShopSettings,
}

pub async fn tokushoho_get(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let s = state.shop.payments().checkout_settings().await?;
    let methods = s
        .payment_methods
        .iter()
        .map(|m| crate::pages::checkout::payment_label(ctx.t, *m))
        .collect::<Vec<_>>()
        .join(" / ");
    ctx.page(
        StatusCode::OK,
        &TokushohoPage {
            l: ctx.layout(&state).await?,
            s,
            methods,
        },
    )
}

pub async fn privacy_get(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let s = state.shop.storefront().settings().await?;
    ctx.page(
        StatusCode::OK,
        &PrivacyPage {
            l: ctx.layout(&state).await?,
            s,
        },
    )
}

#[derive(Template)]
#[template(path = "accessibility.html")]
pub struct AccessibilityPage {
    pub l: Layout,
    pub s: ShopSettings,
}

pub async fn accessibility_get(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let s = state.shop.storefront().settings().await?;
    ctx.page(
        StatusCode::OK,
        &AccessibilityPage {
            l: ctx.layout(&state).await?,
            s,
        },
    )
}
