//! `GET /api/v1/shop`: the shop's name, currency and tax settings, for any admitted token.

use axum::extract::State;
use axum::Json;
use serde::Serialize;

use super::{Caller, Problem};
use crate::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaxRate {
    pub rate_percent: u32,
    /// `standard` or `reduced` (軽減税率).
    pub category: &'static str,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShopInfo {
    pub name: String,
    pub currency: &'static str,
    /// Prices are tax-inclusive (総額表示, JP-TAX-1); amounts are integer yen.
    pub prices_include_tax: bool,
    /// How the tax of each rate is rounded: `floor`, `ceil` or `half_up`.
    pub tax_rounding: &'static str,
    pub tax_rates: Vec<TaxRate>,
    /// `T` + 13 digits when the shop is a registered issuer of qualified invoices.
    pub invoice_registration_number: Option<String>,
}

/// The shop's name, currency and tax settings (any admitted token).
#[utoipa::path(get, path = "/api/v1/shop", tag = "shop",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The shop", body = ShopInfo),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn shop_get(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<ShopInfo>, Problem> {
    let s = state.shop.storefront().settings().await?;
    Ok(Json(ShopInfo {
        name: s.shop_name,
        currency: "JPY",
        prices_include_tax: true,
        tax_rounding: s.rounding.as_str(),
        tax_rates: akinai_domain::tax::TaxCategory::ALL
            .iter()
            .filter(|c| c.rate_percent() > 0)
            .map(|c| TaxRate {
                rate_percent: c.rate_percent(),
                category: c.as_str(),
            })
            .collect(),
        invoice_registration_number: s.invoice_number.map(|n| n.as_str().to_string()),
    }))
}
