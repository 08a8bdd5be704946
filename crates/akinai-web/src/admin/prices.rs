//! 「顧客グループ」 and 「価格設定」 (issue #23, items 1 and 7; ADR 047): the shop's customer
//! groups with their discount and tax display, a customer's group, and each SKU's quantity
//! tiers, sale, order quantities and group prices. Groups are `ManageCustomers`, prices
//! `ManageCatalog`; every change is audited by the core.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::prices::ProductPrices;
use akinai_core::CoreError;
use akinai_domain::admin::{ManageCatalog, ManageCustomers};
use akinai_domain::ids::{CustomerId, ProductId, SkuId};
use akinai_domain::price_rules::CustomerGroup;
use akinai_domain::price_rules::GroupId;
use akinai_domain::price_rules_input::{GroupInput, RulesInput, MAX_TIERS};

use super::coupons::day;
use super::AdminExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

#[derive(Template)]
#[template(path = "admin/customer_groups.html")]
struct GroupsPage {
    groups: Vec<CustomerGroup>,
    typed: GroupInput,
    error: Option<String>,
    done: bool,
    csrf: String,
}

/// The shop's words for a refused field.
fn field_text(field: &str) -> &'static str {
    match field {
        "name" => "グループ名を 40 文字以内で入力してください。",
        "discount_percent" => "割引率は 0〜100 の整数(%)にしてください。",
        "tiers" => "まとめ買い価格は、数量を 2〜9999、価格を通常価格より安くし、数量が多いほど安くなるようにしてください(5 段まで)。",
        "sale_price" => "セール価格は通常価格より安い金額(円)にしてください。期間だけを入れることはできません。",
        "sale_from" | "sale_until" => "セール期間は YYYY-MM-DD で、終了日を開始日以降にしてください。",
        "min_quantity" => "最小注文数は 0〜9999 の整数にしてください(0 と 1 は制限なし)。",
        "multiple" => "注文単位は 0〜9999 の整数にしてください(0 と 1 は制限なし)。",
        _ => "グループ価格は通常価格より安い金額(円)にしてください。",
    }
}

fn refusal_text(e: &CoreError) -> Option<String> {
    match e {
        CoreError::InvalidFields(fields) => {
            let mut texts: Vec<&str> = fields.iter().map(|(f, _)| field_text(f)).collect();
            texts.dedup();
            Some(format!("保存していません。{}", texts.join(" ")))
        }
        CoreError::Refused(fields) => Some(
            fields
                .iter()
                .map(|(_, m)| m.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => None,
    }
}

#[derive(Deserialize, Default)]
pub(super) struct Done {
    #[serde(default)]
    done: String,
}

async fn groups_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    typed: GroupInput,
    error: Option<String>,
    done: bool,
) -> Result<Response, WebError> {
    let page = GroupsPage {
        groups: state.shop.prices().groups().await?,
        typed,
        error,
        done,
        csrf: ctx.csrf.clone(),
    };
    ctx.page(status, &page)
}

/// `GET /admin/customer-groups`.
pub(super) async fn groups_get(
    State(state): State<AppState>,
    Query(q): Query<Done>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    a.authorize::<ManageCustomers>()?;
    let done = q.done == "1";
    groups_page(
        &state,
        &ctx,
        StatusCode::OK,
        GroupInput::default(),
        None,
        done,
    )
    .await
}

/// `POST /admin/customer-groups` (a new group) and `POST /admin/customer-groups/{id}`.
async fn save_group(
    state: &AppState,
    ctx: &Ctx,
    a: &akinai_core::admin::SignedInAdmin,
    id: Option<GroupId>,
    input: GroupInput,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCustomers>()?;
    let saved = state
        .shop
        .prices()
        .save_group(&proof, &ctx.client, id, &input)
        .await;
    match saved {
        Ok(_) => Ok(ctx.redirect("/admin/customer-groups?done=1")),
        Err(e) => match refusal_text(&e) {
            Some(text) => {
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                groups_page(state, ctx, status, input, Some(text), false).await
            }
            None => Err(e.into()),
        },
    }
}

pub(super) async fn groups_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(input): CsrfForm<GroupInput>,
) -> Result<Response, WebError> {
    save_group(&state, &ctx, &a, None, input).await
}

pub(super) async fn group_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(input): CsrfForm<GroupInput>,
) -> Result<Response, WebError> {
    a.authorize::<ManageCustomers>()?;
    let id = GroupId(super::path_id(&raw)?);
    save_group(&state, &ctx, &a, Some(id), input).await
}

#[derive(Deserialize, Default)]
pub(super) struct GroupChoice {
    #[serde(default)]
    group: String,
}

/// `POST /admin/customers/{id}/group`: puts the customer into a group (`0`: none).
pub(super) async fn customer_group_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<GroupChoice>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCustomers>()?;
    let id = CustomerId(super::path_id(&raw)?);
    let group = match f.group.trim().parse::<i64>() {
        Ok(0) => None,
        Ok(n) if n > 0 => Some(GroupId(n)),
        _ => return Err(WebError::NotFound),
    };
    state
        .shop
        .prices()
        .set_customer_group(&proof, &ctx.client, id, group)
        .await?;
    Ok(ctx.redirect(&format!("/admin/customers/{}?done=1", id.0)))
}

/// One SKU's form on the price page, as stored or as typed.
struct SkuForm {
    sku: akinai_domain::catalog::Sku,
    tiers: Vec<(String, String)>,
    sale_price: String,
    sale_from: String,
    sale_until: String,
    min_quantity: String,
    multiple: String,
    /// Each group's id, name and typed price.
    groups: Vec<(i64, String, String)>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/product_prices.html")]
struct PricesPage {
    product_id: i64,
    product_name: String,
    skus: Vec<SkuForm>,
    done: bool,
    csrf: String,
}

fn shown(p: ProductPrices, typed: Option<(SkuId, RulesInput, String)>) -> Vec<SkuForm> {
    let groups = &p.groups;
    p.rules
        .into_iter()
        .map(|(sku, r)| {
            if let Some((_, input, error)) = typed.as_ref().filter(|t| t.0 == sku.id) {
                let mut tiers = input.tiers.clone();
                tiers.resize(MAX_TIERS, Default::default());
                return SkuForm {
                    sku,
                    tiers,
                    sale_price: input.sale_price.clone(),
                    sale_from: input.sale_from.clone(),
                    sale_until: input.sale_until.clone(),
                    min_quantity: input.min_quantity.clone(),
                    multiple: input.multiple.clone(),
                    groups: groups
                        .iter()
                        .map(|g| {
                            let typed = input
                                .group_prices
                                .iter()
                                .find(|(id, _)| *id == g.id)
                                .map(|(_, v)| v.clone())
                                .unwrap_or_default();
                            (g.id.0, g.name.clone(), typed)
                        })
                        .collect(),
                    error: Some(error.clone()),
                };
            }
            let mut tiers: Vec<(String, String)> = r
                .tiers
                .iter()
                .map(|t| (t.min_quantity.to_string(), t.price.0.to_string()))
                .collect();
            tiers.resize(MAX_TIERS, Default::default());
            let number = |n: u32| if n > 1 { n.to_string() } else { String::new() };
            SkuForm {
                tiers,
                sale_price: r.sale.map(|s| s.price.0.to_string()).unwrap_or_default(),
                sale_from: day(r.sale.and_then(|s| s.from), 0),
                sale_until: day(r.sale.and_then(|s| s.until), 1),
                min_quantity: number(r.min_quantity),
                multiple: number(r.multiple),
                groups: groups
                    .iter()
                    .map(|g| {
                        let price = r.group_prices.get(&g.id).map(|p| p.0.to_string());
                        (g.id.0, g.name.clone(), price.unwrap_or_default())
                    })
                    .collect(),
                error: None,
                sku,
            }
        })
        .collect()
}

async fn prices_page(
    state: &AppState,
    ctx: &Ctx,
    a: &akinai_core::admin::SignedInAdmin,
    product: ProductId,
    status: StatusCode,
    typed: Option<(SkuId, RulesInput, String)>,
    done: bool,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCatalog>()?;
    let p = state.shop.prices().product_prices(&proof, product).await?;
    let page = PricesPage {
        product_id: product.0,
        product_name: p.product.name.clone(),
        skus: shown(p, typed),
        done,
        csrf: ctx.csrf.clone(),
    };
    ctx.page(status, &page)
}

/// `GET /admin/products/{id}/prices`.
pub(super) async fn prices_get(
    Path(raw): Path<String>,
    Query(q): Query<Done>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    a.authorize::<ManageCatalog>()?;
    let id = ProductId(super::path_id(&raw)?);
    prices_page(&state, &ctx, &a, id, StatusCode::OK, None, q.done == "1").await
}

/// The form's fields: `tier_qty_N`/`tier_price_N`, the sale, the quantities, `group_ID`.
fn rules_input(f: &HashMap<String, String>) -> Result<RulesInput, WebError> {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let mut group_prices = Vec::new();
    for (k, v) in f {
        if let Some(id) = k.strip_prefix("group_") {
            group_prices.push((GroupId(super::path_id(id)?), v.clone()));
        }
    }
    group_prices.sort_by_key(|g| g.0);
    Ok(RulesInput {
        tiers: (1..=MAX_TIERS)
            .map(|n| {
                (
                    get(&format!("tier_qty_{n}")),
                    get(&format!("tier_price_{n}")),
                )
            })
            .collect(),
        sale_price: get("sale_price"),
        sale_from: get("sale_from"),
        sale_until: get("sale_until"),
        min_quantity: get("min_quantity"),
        multiple: get("multiple"),
        group_prices,
    })
}

/// `POST /admin/products/{id}/prices/{sku}`: replaces the SKU's rules, or shows its form again
/// with every refused field (nothing saved).
pub(super) async fn sku_prices_post(
    Path((raw, raw_sku)): Path<(String, String)>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCatalog>()?;
    let product = ProductId(super::path_id(&raw)?);
    let sku = SkuId(super::path_id(&raw_sku)?);
    let input = rules_input(&f)?;
    let saved = state
        .shop
        .prices()
        .set_sku_rules(&proof, &ctx.client, product, sku, &input)
        .await;
    match saved {
        Ok(()) => Ok(ctx.redirect(&format!("/admin/products/{}/prices?done=1", product.0))),
        Err(e) => match refusal_text(&e) {
            Some(text) => {
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                let typed = Some((sku, input, text));
                prices_page(&state, &ctx, &a, product, status, typed, false).await
            }
            None => Err(e.into()),
        },
    }
}
