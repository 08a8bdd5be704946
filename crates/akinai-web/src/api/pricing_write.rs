//! Price writes of the API (`products:write`; issue #23, item 7): `POST /api/v1/customer-groups`
//! and `PUT /api/v1/customer-groups/{id}` (a group's name, discount and tax display), `PUT
//! /api/v1/products/{id}/price-rules` (variants' tiers, sale, quantities and group prices,
//! replaced whole), `POST /api/v1/coupons` (as `akinai coupons create`) and `PATCH
//! /api/v1/coupons/{id}` (stop or resume). Each goes through the back office's use case, so the
//! checks, the audit entry (the token as actor) and the refusals are the admin's; putting members
//! into groups stays in the back office (ADR 047 addendum).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use akinai_domain::admin::ManageCatalog;
use akinai_domain::coupon_input::CouponInput;
use akinai_domain::ids::{CouponId, ProductId, SkuId};
use akinai_domain::price_rules::GroupId;
use akinai_domain::price_rules_input::{GroupInput, RulesInput};

use super::page::{whole, ApiJson};
use super::pricing::{coupon_json, rules_json, CouponJson, CustomerGroupJson, PriceRulesJson};
use super::{Caller, Problem};
use crate::AppState;

/// A day as JSON Schema's `date` (`YYYY-MM-DD`), or `null`.
fn day<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    let Some(raw) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    let shaped = raw.len() == 10
        && raw.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    shaped
        .then(|| NaiveDate::parse_from_str(&raw, "%Y-%m-%d").ok())
        .flatten()
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom("a day as YYYY-MM-DD"))
}

/// A day as the back office's forms take it (empty for none).
fn typed(day: Option<NaiveDate>) -> String {
    day.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A customer group to create or to save whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupRequest {
    /// 1–40 characters, unique among the groups.
    #[schema(
        min_length = 1,
        max_length = 40,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub name: String,
    /// Off the list price for the group's members, in percent (0 for none).
    #[schema(minimum = 0, maximum = 100)]
    #[serde(default, deserialize_with = "whole")]
    pub discount_percent: i64,
    /// Show the group's members prices without tax, the tax beside them (business buyers).
    #[serde(default)]
    pub tax_exclusive: bool,
}

impl GroupRequest {
    fn input(&self) -> GroupInput {
        GroupInput {
            name: self.name.clone(),
            discount_percent: self.discount_percent.to_string(),
            tax_exclusive: if self.tax_exclusive { "1" } else { "" }.into(),
        }
    }
}

/// A quantity price: from `min_quantity` units on, each costs `price` (tax included).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TierRequest {
    #[schema(minimum = 2, maximum = 9999)]
    #[serde(deserialize_with = "whole")]
    pub min_quantity: i64,
    /// Below the list price and below every smaller quantity's price.
    #[schema(minimum = 0, maximum = 10000000)]
    #[serde(deserialize_with = "whole")]
    pub price: i64,
}

/// A sale price for a period of days in Japan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleRequest {
    /// Below the list price.
    #[schema(minimum = 0, maximum = 10000000)]
    #[serde(deserialize_with = "whole")]
    pub price: i64,
    /// The first day of the sale (none: from now).
    #[serde(default, deserialize_with = "day")]
    pub first_day: Option<NaiveDate>,
    /// The last day of the sale, included (none: no end).
    #[serde(default, deserialize_with = "day")]
    pub last_day: Option<NaiveDate>,
}

/// A group's own price for the variant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupPriceRequest {
    #[schema(minimum = 1)]
    #[serde(deserialize_with = "whole")]
    pub group_id: i64,
    /// Below the list price.
    #[schema(minimum = 0, maximum = 10000000)]
    #[serde(deserialize_with = "whole")]
    pub price: i64,
}

/// One variant's price rules, replacing its rules whole (what is left out is removed).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceRulesRequest {
    /// A variant of the product (`variants[].id`).
    #[schema(minimum = 1)]
    #[serde(deserialize_with = "whole")]
    pub variant_id: i64,
    #[schema(max_items = 5)]
    #[serde(default)]
    pub tiers: Vec<TierRequest>,
    #[serde(default)]
    pub sale: Option<SaleRequest>,
    #[serde(default)]
    pub group_prices: Vec<GroupPriceRequest>,
    /// Sold from this quantity on (0 or 1: any).
    #[schema(minimum = 0, maximum = 9999)]
    #[serde(default, deserialize_with = "whole")]
    pub min_quantity: i64,
    /// Sold in multiples of this (ケース単位; 0 or 1: any).
    #[schema(minimum = 0, maximum = 9999)]
    #[serde(default, deserialize_with = "whole")]
    pub multiple: i64,
}

impl PriceRulesRequest {
    fn input(&self) -> RulesInput {
        let sale = self.sale.as_ref();
        RulesInput {
            tiers: self
                .tiers
                .iter()
                .map(|t| (t.min_quantity.to_string(), t.price.to_string()))
                .collect(),
            sale_price: sale.map(|s| s.price.to_string()).unwrap_or_default(),
            sale_from: typed(sale.and_then(|s| s.first_day)),
            sale_until: typed(sale.and_then(|s| s.last_day)),
            min_quantity: self.min_quantity.to_string(),
            multiple: self.multiple.to_string(),
            group_prices: self
                .group_prices
                .iter()
                .map(|g| (GroupId(g.group_id), g.price.to_string()))
                .collect(),
        }
    }
}

/// `percent` or `amount` off.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CouponKind {
    Percent,
    Amount,
}

/// A coupon to make, as `akinai coupons create` makes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CouponRequest {
    /// 3–32 letters, digits, `-` or `_` (stored in upper case; unique).
    #[schema(min_length = 3, max_length = 32, pattern = "^[A-Za-z0-9_-]{3,32}$")]
    pub code: String,
    pub kind: CouponKind,
    /// Percent off (1–100) or yen off (1–10,000,000).
    #[schema(minimum = 1, maximum = 10000000)]
    #[serde(deserialize_with = "whole")]
    pub value: i64,
    /// The least the items must cost, tax included.
    #[schema(minimum = 0, maximum = 10000000)]
    #[serde(default, deserialize_with = "super::page::whole_or_none")]
    pub min_purchase: Option<i64>,
    /// Uses in all (none: no limit).
    #[schema(minimum = 1, maximum = 10000000)]
    #[serde(default, deserialize_with = "super::page::whole_or_none")]
    pub max_uses: Option<i64>,
    /// Uses per customer (none: no limit).
    #[schema(minimum = 1, maximum = 10000000)]
    #[serde(default, deserialize_with = "super::page::whole_or_none")]
    pub per_customer: Option<i64>,
    /// The first valid day in Japan (none: from now).
    #[serde(default, deserialize_with = "day")]
    pub first_day: Option<NaiveDate>,
    /// The last valid day in Japan, included (none: no end).
    #[serde(default, deserialize_with = "day")]
    pub last_day: Option<NaiveDate>,
    /// Only for a customer's first order.
    #[serde(default)]
    pub first_order_only: bool,
    /// Only these products' items count (with `category_ids` empty too: every product).
    #[schema(max_items = 100)]
    #[serde(default, deserialize_with = "super::page::whole_list")]
    pub product_ids: Vec<i64>,
    /// Only these categories' items (their subcategories included).
    #[schema(max_items = 100)]
    #[serde(default, deserialize_with = "super::page::whole_list")]
    pub category_ids: Vec<i64>,
}

impl CouponRequest {
    fn input(&self) -> CouponInput {
        let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        let list = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        CouponInput {
            code: self.code.clone(),
            kind: match self.kind {
                CouponKind::Percent => "percent",
                CouponKind::Amount => "amount",
            }
            .into(),
            value: self.value.to_string(),
            min_purchase: opt(self.min_purchase),
            max_uses: opt(self.max_uses),
            per_customer: opt(self.per_customer),
            valid_from: typed(self.first_day),
            valid_until: typed(self.last_day),
            first_order_only: if self.first_order_only { "1" } else { "" }.into(),
            products: list(&self.product_ids),
            categories: list(&self.category_ids),
        }
    }
}

/// Stops or resumes a coupon.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CouponChanges {
    /// A stopped coupon is refused on carts and at confirmation.
    pub disabled: bool,
}

/// The back office form's field names of price rules, as this API's JSON names them.
const RULE_FIELDS: [(&str, &str); 3] = [
    ("sale_price", "sale.price"),
    ("sale_from", "sale.first_day"),
    ("sale_until", "sale.last_day"),
];

/// The coupon form's field names, as this API's JSON names them.
const COUPON_FIELDS: [(&str, &str); 4] = [
    ("valid_from", "first_day"),
    ("valid_until", "last_day"),
    ("products", "product_ids"),
    ("categories", "category_ids"),
];

/// A use case's refusal with its fields named as the request's JSON names them.
fn renamed(e: akinai_core::CoreError, names: &[(&str, &str)]) -> Problem {
    let mut p = Problem::from(e);
    for f in &mut p.errors {
        if let Some((_, json)) = names.iter().find(|(form, _)| *form == f.field) {
            f.field = (*json).to_string();
        }
    }
    p
}

fn group_json(g: akinai_domain::price_rules::CustomerGroup) -> CustomerGroupJson {
    CustomerGroupJson {
        id: g.id.0,
        name: g.name,
        discount_percent: g.discount_percent,
        tax_exclusive: g.tax_exclusive,
    }
}

/// Creates a customer group.
#[utoipa::path(post, path = "/api/v1/customer-groups", tag = "products",
    params(("Idempotency-Key" = String, Header, description = "A new key for each new request", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    request_body = GroupRequest,
    security(("bearer" = ["products:write"])),
    responses(
        (status = 201, description = "The group as saved", body = CustomerGroupJson),
        (status = 400, description = "A body that does not parse or breaks the schema (named in `errors`), or a bad Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:write`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another group has the name, or the Idempotency-Key's request is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field the shop's rules refuse (named in `errors`), or the Idempotency-Key was used for a different request", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn customer_groups_post(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(g): ApiJson<GroupRequest>,
) -> Result<(StatusCode, Json<CustomerGroupJson>), Problem> {
    let saved = state
        .shop
        .api()
        .save_customer_group(&caller.0, &caller.1, None, &g.input())
        .await?;
    Ok((StatusCode::CREATED, Json(group_json(saved))))
}

/// Saves a customer group whole.
#[utoipa::path(put, path = "/api/v1/customer-groups/{id}", tag = "products",
    params(("id" = i64, Path, description = "The group's id", minimum = 1)),
    request_body = GroupRequest,
    security(("bearer" = ["products:write"])),
    responses(
        (status = 200, description = "The group as saved", body = CustomerGroupJson),
        (status = 400, description = "A bad id, or a body that does not parse or breaks the schema (named in `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another group has the name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field the shop's rules refuse (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn customer_group_put(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(g): ApiJson<GroupRequest>,
) -> Result<Json<CustomerGroupJson>, Problem> {
    let id = GroupId(super::path_id(&id)?);
    let saved = state
        .shop
        .api()
        .save_customer_group(&caller.0, &caller.1, Some(id), &g.input())
        .await?;
    Ok(Json(group_json(saved)))
}

/// Replaces the price rules of the variants given (the others keep theirs); every variant is
/// checked before any is saved.
#[utoipa::path(put, path = "/api/v1/products/{id}/price-rules", tag = "products",
    params(("id" = i64, Path, description = "The product's id", minimum = 1)),
    request_body(content = Vec<PriceRulesRequest>, description = "Variants of the product (none: nothing changes)"),
    security(("bearer" = ["products:write"])),
    responses(
        (status = 200, description = "Every variant's price rules as saved", body = Vec<PriceRulesJson>),
        (status = 400, description = "A bad id, or a body that does not parse or breaks the schema (named in `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product, variant of it, or group", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field the shop's rules refuse (named in `errors`): tiers that do not fall as the quantity rises, a price not below the list price, a sale that ends before it starts; nothing is saved", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn price_rules_put(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(rules): ApiJson<Vec<PriceRulesRequest>>,
) -> Result<Json<Vec<PriceRulesJson>>, Problem> {
    let id = ProductId(super::path_id(&id)?);
    let proof = caller.0.authorize::<ManageCatalog>()?;
    let inputs: Vec<(SkuId, RulesInput)> = rules
        .iter()
        .map(|r| (SkuId(r.variant_id), r.input()))
        .collect();
    let saved = state
        .shop
        .prices()
        .set_product_rules(&proof, &caller.1, id, &inputs)
        .await
        .map_err(|e| renamed(e, &RULE_FIELDS))?;
    Ok(Json(rules_json(saved)))
}

/// Makes a coupon.
#[utoipa::path(post, path = "/api/v1/coupons", tag = "products",
    params(("Idempotency-Key" = String, Header, description = "A new key for each new request", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    request_body = CouponRequest,
    security(("bearer" = ["products:write"])),
    responses(
        (status = 201, description = "The coupon as saved", body = CouponJson),
        (status = 400, description = "A body that does not parse or breaks the schema (named in `errors`), or a bad Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:write`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken or a category does not exist (named in `errors`), or the Idempotency-Key's request is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field the shop's rules refuse (named in `errors`: a percent over 100, a last day before the first), or the Idempotency-Key was used for a different request", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn coupons_post(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(c): ApiJson<CouponRequest>,
) -> Result<(StatusCode, Json<CouponJson>), Problem> {
    let proof = caller.0.authorize::<ManageCatalog>()?;
    let coupon = state
        .shop
        .coupons()
        .create_as(&proof, &caller.1, &c.input())
        .await
        .map_err(|e| renamed(e, &COUPON_FIELDS))?;
    Ok((StatusCode::CREATED, Json(coupon_json(coupon))))
}

/// Stops or resumes a coupon (kept for the orders that used it).
#[utoipa::path(patch, path = "/api/v1/coupons/{id}", tag = "products",
    params(("id" = i64, Path, description = "The coupon's id", minimum = 1)),
    request_body = CouponChanges,
    security(("bearer" = ["products:write"])),
    responses(
        (status = 204, description = "Stopped or resumed"),
        (status = 400, description = "A bad id or field (named in `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `products:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such coupon", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn coupon_patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(c): ApiJson<CouponChanges>,
) -> Result<StatusCode, Problem> {
    let id = CouponId(super::path_id(&id)?);
    let proof = caller.0.authorize::<ManageCatalog>()?;
    state
        .shop
        .coupons()
        .switch(&proof, &caller.1, id, c.disabled)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
