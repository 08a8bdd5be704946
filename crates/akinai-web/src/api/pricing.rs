//! `GET /api/v1/customer-groups`, `/api/v1/products/{id}/price-rules` and `/api/v1/coupons`
//! (`products:read`; issue #23, item 7): the price rules and campaigns a connected system (a
//! spreadsheet, an ERP) reads to quote the shop's prices as the storefront computes them.

use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;

use akinai_domain::coupon::Off;
use akinai_domain::ids::ProductId;

use super::json::jst;
use super::{Caller, Problem};
use crate::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CustomerGroup)]
pub struct CustomerGroupJson {
    pub id: i64,
    pub name: String,
    /// Off the list price for the group's members, in percent (0 for none).
    pub discount_percent: u32,
    /// Whether the group's members see prices without tax beside the tax-included ones.
    pub tax_exclusive: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TierJson {
    /// From this quantity on.
    pub min_quantity: u32,
    /// Tax-inclusive unit price in yen.
    pub price: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SaleJson {
    pub price: i64,
    /// The sale runs from this instant (none: already).
    pub from: Option<DateTime<FixedOffset>>,
    /// …until before this instant (none: no end).
    pub until: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupPriceJson {
    pub group_id: i64,
    pub price: i64,
}

/// One variant's price rules: the buyer pays the lowest applicable price (list, sale while it
/// runs, the tier reached, the group's price, the list price less the group's discount).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PriceRules)]
pub struct PriceRulesJson {
    pub variant_id: i64,
    pub list_price: i64,
    pub tiers: Vec<TierJson>,
    pub sale: Option<SaleJson>,
    pub group_prices: Vec<GroupPriceJson>,
    /// Sold from this quantity on (0 or 1: any).
    pub min_quantity: u32,
    /// Sold in multiples of this (0 or 1: any).
    pub multiple: u32,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Coupon)]
pub struct CouponJson {
    pub id: i64,
    /// As shoppers type it (case and width do not matter).
    pub code: String,
    /// `percent` or `amount`.
    pub kind: String,
    /// Percent off, or yen off.
    pub value: i64,
    pub min_purchase: i64,
    pub max_uses: Option<u32>,
    pub per_customer: Option<u32>,
    pub used: u32,
    pub valid_from: Option<DateTime<FixedOffset>>,
    pub valid_until: Option<DateTime<FixedOffset>>,
    pub first_order_only: bool,
    pub product_ids: Vec<i64>,
    pub category_ids: Vec<i64>,
    pub disabled: bool,
}

/// The shop's customer groups.
#[utoipa::path(get, path = "/api/v1/customer-groups", tag = "products",
    security(("bearer" = ["products:read"])),
    responses(
        (status = 200, description = "The customer groups", body = Vec<CustomerGroupJson>),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:read`", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn customer_groups_get(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<CustomerGroupJson>>, Problem> {
    let groups = state.shop.api().customer_groups(&caller.0).await?;
    Ok(Json(
        groups
            .into_iter()
            .map(|g| CustomerGroupJson {
                id: g.id.0,
                name: g.name,
                discount_percent: g.discount_percent,
                tax_exclusive: g.tax_exclusive,
            })
            .collect(),
    ))
}

/// Each variant of a product with its tiers, sale, quantities and group prices.
#[utoipa::path(get, path = "/api/v1/products/{id}/price-rules", tag = "products",
    params(("id" = i64, Path, description = "The product's id", minimum = 1)),
    security(("bearer" = ["products:read"])),
    responses(
        (status = 200, description = "The variants' price rules", body = Vec<PriceRulesJson>),
        (status = 400, description = "A bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:read`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn price_rules_get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<PriceRulesJson>>, Problem> {
    let id = super::path_id(&id)?;
    let rules = state
        .shop
        .api()
        .price_rules(&caller.0, ProductId(id))
        .await?;
    Ok(Json(rules_json(rules)))
}

/// Variants' rules as the API shows them.
pub(super) fn rules_json(
    rules: Vec<(
        akinai_domain::ids::SkuId,
        akinai_domain::price_rules::PriceRules,
    )>,
) -> Vec<PriceRulesJson> {
    rules
        .into_iter()
        .map(|(sku, r)| PriceRulesJson {
            variant_id: sku.0,
            list_price: r.list_price.0,
            tiers: r
                .tiers
                .iter()
                .map(|t| TierJson {
                    min_quantity: t.min_quantity,
                    price: t.price.0,
                })
                .collect(),
            sale: r.sale.map(|s| SaleJson {
                price: s.price.0,
                from: s.from.map(jst),
                until: s.until.map(jst),
            }),
            group_prices: r
                .group_prices
                .iter()
                .map(|(g, p)| GroupPriceJson {
                    group_id: g.0,
                    price: p.0,
                })
                .collect(),
            min_quantity: r.min_quantity,
            multiple: r.multiple,
        })
        .collect()
}

/// The shop's coupons, newest first (at most 500).
#[utoipa::path(get, path = "/api/v1/coupons", tag = "products",
    security(("bearer" = ["products:read"])),
    responses(
        (status = 200, description = "The coupons", body = Vec<CouponJson>),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:read`", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn coupons_get(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<CouponJson>>, Problem> {
    let coupons = state.shop.api().coupons(&caller.0).await?;
    Ok(Json(coupons.into_iter().map(coupon_json).collect()))
}

/// A coupon as the API shows it.
pub(super) fn coupon_json(c: akinai_core::coupons::Coupon) -> CouponJson {
    let (kind, value) = match c.rule.off {
        Off::Percent(p) => ("percent", i64::from(p)),
        Off::Amount(a) => ("amount", a.0),
    };
    CouponJson {
        id: c.id.0,
        code: c.code.to_string(),
        kind: kind.into(),
        value,
        min_purchase: c.rule.min_purchase.0,
        max_uses: c.rule.max_uses,
        per_customer: c.rule.per_customer,
        used: c.used,
        valid_from: c.rule.valid_from.map(jst),
        valid_until: c.rule.valid_until.map(jst),
        first_order_only: c.rule.first_order_only,
        product_ids: c.rule.products.iter().map(|p| p.0).collect(),
        category_ids: c.rule.categories.iter().map(|c| c.0).collect(),
        disabled: c.disabled,
    }
}
