//! `/quick-order` (大量注文, issue #23 item 3): a form to type or paste product codes and
//! quantities, line by line, working without JavaScript. 「内容を確認する」 shows each line's
//! product, price and stock and the lines that cannot go in; 「カートに入れる」 adds every good
//! line and keeps the refused ones in the form with their reasons.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::storefront::quick_order::{read_upload, QuickOrder};
use akinai_domain::quick_order::Problem;

use crate::error::WebError;
use crate::form::{multipart_error, CsrfForm, CsrfMultipart};
use crate::i18n::Tr;
use crate::layout::{Ctx, Layout};
use crate::AppState;

/// A refused line as shown.
pub struct RefusedLine {
    pub line: usize,
    pub code: String,
    pub quantity: String,
    pub why: String,
}

#[derive(Template)]
#[template(path = "quick_order.html")]
pub struct QuickOrderPage {
    pub l: Layout,
    pub text: String,
    pub order: QuickOrder,
    pub refused: Vec<RefusedLine>,
    /// After 「確認する」: the preview table.
    pub checked: bool,
    /// Items just added to the cart.
    pub added: Option<usize>,
    pub error: Option<String>,
    /// 「もう一度注文する」: the order the lines come from.
    pub reorder_of: Option<String>,
    /// The check as the buyer types (progressive: the page works without it).
    pub script: crate::assets::Script,
}

#[derive(Deserialize)]
pub struct QuickOrderForm {
    #[serde(default)]
    lines: String,
    /// `check` or `add`.
    #[serde(default)]
    action: String,
}

fn why(t: Tr, p: Problem) -> String {
    match p {
        Problem::UnknownCode => t.get("quick_order.unknown").to_string(),
        Problem::BadQuantity(_) => t.get("quick_order.bad_quantity").to_string(),
        Problem::QuantityRule(why) => crate::pages::prices::quantity_rule_text(t, why),
        Problem::ShortOfStock { available } => {
            t.fmt("quick_order.short", &[("n", &available.to_string())])
        }
    }
}

struct Shown {
    text: String,
    order: QuickOrder,
    checked: bool,
    added: Option<usize>,
    error: Option<String>,
    reorder_of: Option<String>,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    shown: Shown,
) -> Result<Response, WebError> {
    let refused = shown
        .order
        .plan
        .refused
        .iter()
        .map(|r| RefusedLine {
            line: r.entry.line,
            code: r.entry.code.clone(),
            quantity: r.entry.quantity.clone(),
            why: why(ctx.t, r.problem),
        })
        .collect();
    let page = QuickOrderPage {
        l: ctx.layout(state).await?,
        text: shown.text,
        order: shown.order,
        refused,
        checked: shown.checked,
        added: shown.added,
        error: shown.error,
        reorder_of: shown.reorder_of,
        script: crate::assets::quick_order_script(),
    };
    ctx.page(status, &page)
}

/// `GET /quick-order`.
pub async fn quick_order_get(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let shown = Shown {
        text: String::new(),
        order: QuickOrder::default(),
        checked: false,
        added: None,
        error: None,
        reorder_of: None,
    };
    render(&state, &ctx, StatusCode::OK, shown).await
}

/// `POST /quick-order`: checks, or adds the good lines to the cart.
pub async fn quick_order_post(
    State(state): State<AppState>,
    mut ctx: Ctx,
    CsrfForm(form): CsrfForm<QuickOrderForm>,
) -> Result<Response, WebError> {
    let storefront = state.shop.storefront();
    let text = form.lines;
    if text.trim().is_empty() {
        let shown = Shown {
            text,
            order: QuickOrder::default(),
            checked: false,
            added: None,
            error: Some(ctx.t.get("quick_order.empty").to_string()),
            reorder_of: None,
        };
        return render(&state, &ctx, StatusCode::BAD_REQUEST, shown).await;
    }
    let (order, added, text) = if form.action == "add" {
        let (open, order) = storefront
            .quick_order(ctx.cart(), &pricing(&state, &ctx).await?, &text)
            .await?;
        if let Some(open) = open {
            ctx.set_cart(open.new_secret);
        }
        if order.too_many.is_none() && order.plan.refused.is_empty() {
            return Ok(ctx.redirect("/cart"));
        }
        let added = order.plan.planned.len();
        let left = if order.too_many.is_some() {
            text
        } else {
            order.plan.refused_text()
        };
        (order, Some(added), left)
    } else {
        (
            storefront
                .check_quick_order(ctx.cart(), &pricing(&state, &ctx).await?, &text)
                .await?,
            None,
            text,
        )
    };
    let error = order
        .too_many
        .map(|n| ctx.t.fmt("quick_order.too_many", &[("n", &n.to_string())]));
    let status = if error.is_some() || (added.is_some() && !order.plan.refused.is_empty()) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let shown = Shown {
        text,
        checked: added.is_none(),
        order,
        added: added.filter(|n| *n > 0),
        error,
        reorder_of: None,
    };
    render(&state, &ctx, status, shown).await
}

/// `POST /quick-order/upload` (multipart, the CSV in `file`): the file's lines checked, and put
/// in the form for 「カートに入れる」.
pub async fn quick_order_upload_post(
    State(state): State<AppState>,
    ctx: Ctx,
    req: axum::extract::Request,
) -> Result<Response, WebError> {
    use axum::extract::FromRequest;
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        // Read within the limit (413 beyond, as every form), then refused like a form without
        // its token: there is none where this form puts it.
        axum::body::to_bytes(req.into_body(), crate::body_limit::QUICK_ORDER)
            .await
            .map_err(|_| WebError::TooLarge)?;
        return Err(WebError::Forbidden("errorpage.form_expired"));
    }
    let CsrfMultipart(mut parts) = CsrfMultipart::from_request(req, &state).await?;
    let mut bytes = Vec::new();
    while let Some(field) = parts
        .next_field()
        .await
        .map_err(|e| multipart_error(e.status()))?
    {
        if field.name() == Some("file") {
            bytes = field
                .bytes()
                .await
                .map_err(|e| multipart_error(e.status()))?
                .to_vec();
        }
    }
    let Some(text) = read_upload(&bytes).filter(|t| !t.trim().is_empty()) else {
        let shown = Shown {
            text: String::new(),
            order: QuickOrder::default(),
            checked: false,
            added: None,
            error: Some(ctx.t.get("quick_order.unreadable").to_string()),
            reorder_of: None,
        };
        return render(&state, &ctx, StatusCode::UNPROCESSABLE_ENTITY, shown).await;
    };
    let order = state
        .shop
        .storefront()
        .check_quick_order(ctx.cart(), &pricing(&state, &ctx).await?, &text)
        .await?;
    let error = order
        .too_many
        .map(|n| ctx.t.fmt("quick_order.too_many", &[("n", &n.to_string())]));
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let shown = Shown {
        text,
        order,
        checked: true,
        added: None,
        error,
        reorder_of: None,
    };
    render(&state, &ctx, status, shown).await
}

/// `GET /order/{token}/reorder` (「もう一度注文する」): the order's lines in the form, checked
/// against today's catalog, prices and stock; nothing goes into the cart until 「カートに入れる」.
pub async fn reorder_get(
    axum::extract::Path(token): axum::extract::Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let order = state.shop.orders().order_by_status_secret(&token).await?;
    let text = akinai_domain::quick_order::reorder_text(&order.lines);
    let checked = state
        .shop
        .storefront()
        .check_quick_order(ctx.cart(), &pricing(&state, &ctx).await?, &text)
        .await?;
    let shown = Shown {
        text,
        order: checked,
        checked: true,
        added: None,
        error: None,
        reorder_of: Some(order.number()),
    };
    render(&state, &ctx, StatusCode::OK, shown).await
}

/// Rows the live check shows at most (the summary counts them all).
const PREVIEW_ROWS: usize = 200;

/// One row of the live check: a SKU to go in, or a line that cannot, with why.
#[derive(serde::Serialize)]
struct PreviewRow {
    line: String,
    code: String,
    product: String,
    price: String,
    quantity: String,
    stock: String,
    error: bool,
}

/// `POST /quick-order/preview` (`lines`): the check of 「内容を確認する」 as JSON, for the script
/// that shows it as the buyer types. Changes nothing.
pub async fn quick_order_preview_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<QuickOrderForm>,
) -> Result<Response, WebError> {
    use axum::response::IntoResponse;
    let t = ctx.t;
    let order = state
        .shop
        .storefront()
        .check_quick_order(ctx.cart(), &pricing(&state, &ctx).await?, &form.lines)
        .await?;
    let p = &order.plan;
    let mut rows: Vec<PreviewRow> = p
        .refused
        .iter()
        .map(|r| PreviewRow {
            line: r.entry.line.to_string(),
            code: r.entry.code.clone(),
            product: why(t, r.problem),
            price: String::new(),
            quantity: r.entry.quantity.clone(),
            stock: String::new(),
            error: true,
        })
        .collect();
    rows.extend(p.planned.iter().map(|s| {
        PreviewRow {
            line: s
                .lines
                .iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            code: s.sku.code.clone(),
            product: if s.sku.option_label.is_empty() {
                s.sku.product_name.clone()
            } else {
                format!("{} ({})", s.sku.product_name, s.sku.option_label)
            },
            price: order.unit_price(s).display(),
            quantity: s.adding.to_string(),
            stock: s.sku.stock.to_string(),
            error: false,
        }
    }));
    rows.truncate(PREVIEW_ROWS);
    let summary = match order.too_many {
        Some(n) => t.fmt("quick_order.too_many", &[("n", &n.to_string())]),
        None => t.fmt(
            "quick_order.live_summary",
            &[
                ("ok", &p.planned.len().to_string()),
                ("refused", &p.refused.len().to_string()),
            ],
        ),
    };
    let columns = [
        "quick_order.line",
        "quick_order.code",
        "quick_order.product",
        "quick_order.price",
        "quick_order.quantity",
        "quick_order.stock",
    ]
    .map(|k| t.get(k));
    Ok(axum::Json(serde_json::json!({
        "summary": summary,
        "columns": columns,
        "rows": rows,
    }))
    .into_response())
}

/// Whom the lines are priced for: the signed-in member's customer group, or a consumer.
async fn pricing(
    state: &AppState,
    ctx: &Ctx,
) -> Result<akinai_core::storefront::prices::Pricing, WebError> {
    Ok(state
        .shop
        .checkout()
        .pricing(ctx.session_secret.as_deref())
        .await?)
}
