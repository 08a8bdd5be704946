//! 「クーポン」(issue #23, items 6–7): the shop's coupons with their rules and uses, the form to
//! make one (the same parser as `akinai coupons create`), and stopping or resuming one. Staff who
//! manage the catalog (`ManageCatalog`) see and change them; every change is audited.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::coupons::Coupon;
use akinai_core::CoreError;
use akinai_domain::admin::ManageCatalog;
use akinai_domain::coupon::Off;
use akinai_domain::coupon_input::CouponInput;
use akinai_domain::ids::CouponId;

use super::AdminExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

/// A coupon as the list shows it.
struct Row {
    id: i64,
    code: String,
    off: String,
    conditions: Vec<String>,
    period: String,
    uses: String,
    disabled: bool,
    made: String,
}

#[derive(Template)]
#[template(path = "admin/coupons.html")]
struct CouponsPage {
    rows: Vec<Row>,
    typed: CouponInput,
    errors: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    done: Option<&'static str>,
    csrf: String,
    /// The shop's categories with their IDs, for the targets field.
    categories: Vec<(i64, String)>,
}

impl CouponsPage {
    /// The error of a field, if it was refused.
    fn error_of(&self, field: &str) -> Option<&'static str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| *m)
    }
}

/// What each refused field needs, in the shop's words.
fn field_message(field: &str) -> (&'static str, &'static str) {
    match field {
        "code" => (
            "code",
            "英数字・ハイフン・アンダースコアで 3〜32 文字にしてください。",
        ),
        "kind" => ("kind", "「〜円引き」か「〜%引き」を選んでください。"),
        "value" => (
            "value",
            "円引きは 1 円以上、%引きは 1〜100 の整数にしてください。",
        ),
        "min_purchase" => ("min_purchase", "0 以上の整数(円)にしてください。"),
        "max_uses" => ("max_uses", "0 以上の整数にしてください(空欄で無制限)。"),
        "per_customer" => ("per_customer", "0 以上の整数にしてください(空欄で無制限)。"),
        "valid_from" => ("valid_from", "日付を YYYY-MM-DD で入力してください。"),
        "valid_until" => (
            "valid_until",
            "日付を YYYY-MM-DD で、開始日より後にしてください。",
        ),
        "categories" => (
            "categories",
            "カテゴリ ID をカンマ区切りで入力してください。",
        ),
        _ => ("products", "商品 ID をカンマ区切りで入力してください。"),
    }
}

/// A stored period bound as the form's day in Japan (`back_days` 1 for an exclusive end).
pub(super) fn day(t: Option<chrono::DateTime<chrono::Utc>>, back_days: i64) -> String {
    t.map_or_else(String::new, |t| {
        (t.with_timezone(&akinai_core::clock::jst()) - chrono::Duration::days(back_days))
            .format("%Y-%m-%d")
            .to_string()
    })
}

fn row(c: &Coupon) -> Row {
    let r = &c.rule;
    let mut conditions = Vec::new();
    if r.min_purchase.0 > 0 {
        conditions.push(format!("{}以上", r.min_purchase.display()));
    }
    if let Some(n) = r.per_customer {
        conditions.push(format!("お一人様 {n} 回まで"));
    }
    if r.first_order_only {
        conditions.push("初回のご注文のみ".into());
    }
    if !r.products.is_empty() {
        let ids: Vec<String> = r.products.iter().map(|p| p.0.to_string()).collect();
        conditions.push(format!("対象商品 ID {}", ids.join(", ")));
    }
    if !r.categories.is_empty() {
        let ids: Vec<String> = r.categories.iter().map(|c| c.0.to_string()).collect();
        conditions.push(format!(
            "対象カテゴリ ID {}(下位カテゴリを含む)",
            ids.join(", ")
        ));
    }
    let (from, until) = (day(r.valid_from, 0), day(r.valid_until, 1));
    Row {
        id: c.id.0,
        code: c.code.to_string(),
        off: match r.off {
            Off::Percent(p) => format!("{p}%引き"),
            Off::Amount(a) => format!("{}引き", a.display()),
        },
        conditions,
        period: if from.is_empty() && until.is_empty() {
            "期限なし".into()
        } else {
            format!("{from} 〜 {until}")
        },
        uses: match r.max_uses {
            Some(max) => format!("{} / {max}", c.used),
            None => format!("{} / 無制限", c.used),
        },
        disabled: c.disabled,
        made: format!("{} {}", c.created_by, super::local_time(c.created_at)),
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    typed: CouponInput,
    errors: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    done: Option<&'static str>,
) -> Result<Response, WebError> {
    let coupons = state.shop.coupons().list(200).await?;
    let categories = state
        .shop
        .storefront()
        .categories()
        .await?
        .into_iter()
        .map(|c| (c.id.0, c.name))
        .collect();
    let page = CouponsPage {
        categories,
        rows: coupons.iter().map(row).collect(),
        typed,
        errors,
        error,
        done,
        csrf: ctx.csrf.clone(),
    };
    ctx.page(status, &page)
}

#[derive(Deserialize)]
pub(super) struct Shown {
    done: Option<String>,
}

/// `GET /admin/coupons`.
pub(super) async fn coupons_get(
    State(state): State<AppState>,
    Query(shown): Query<Shown>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    a.authorize::<ManageCatalog>()?;
    let done = match shown.done.as_deref() {
        Some("created") => Some("クーポンを作成しました。"),
        Some("disabled") => Some("クーポンを停止しました。カートと注文確認で使えなくなります。"),
        Some("enabled") => Some("クーポンを再開しました。"),
        _ => None,
    };
    let typed = CouponInput {
        kind: "amount".into(),
        ..CouponInput::default()
    };
    page(&state, &ctx, StatusCode::OK, typed, Vec::new(), None, done).await
}

/// `POST /admin/coupons`: makes a coupon, or shows the form again with each refused field.
pub(super) async fn coupons_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(input): CsrfForm<CouponInput>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCatalog>()?;
    match state
        .shop
        .coupons()
        .create_as(&proof, &ctx.client, &input)
        .await
    {
        Ok(_) => Ok(ctx.redirect("/admin/coupons?done=created")),
        Err(CoreError::InvalidFields(fields)) => {
            let errors = fields.iter().map(|(f, _)| field_message(f)).collect();
            let error = Some("入力内容を確認してください。クーポンは作成していません。".into());
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(&state, &ctx, status, input, errors, error, None).await
        }
        Err(CoreError::Refused(fields)) => {
            let error = fields
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join(" ");
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(&state, &ctx, status, input, Vec::new(), Some(error), None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub(super) struct SwitchForm {
    /// `disable` or `enable`.
    #[serde(default)]
    action: String,
}

/// `POST /admin/coupons/{id}/switch`: stops or resumes a coupon.
pub(super) async fn switch_post(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<SwitchForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCatalog>()?;
    let id: CouponId = raw.parse().map_err(|_| CoreError::NotFound)?;
    let disabled = match f.action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(CoreError::NotFound.into()),
    };
    state
        .shop
        .coupons()
        .switch(&proof, &ctx.client, id, disabled)
        .await?;
    let done = if disabled { "disabled" } else { "enabled" };
    Ok(ctx.redirect(&format!("/admin/coupons?done={done}")))
}
