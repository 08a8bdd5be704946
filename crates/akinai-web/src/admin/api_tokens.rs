//! API トークン in the back office (issue 20, item 2): owners (`ManageSecurity`) list the tokens
//! with their scopes, expiry, allow-list and last use, make one (shown once, on the answer to the
//! form, never again), and revoke one. The core validates and audits.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::api::TokenRequest;
use akinai_core::CoreError;
use akinai_domain::admin::ManageSecurity;
use akinai_domain::api::Scope;
use akinai_domain::ids::ApiTokenId;

use super::AdminExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

/// A token as the list shows it.
struct TokenRow {
    id: i64,
    prefix: String,
    name: String,
    scopes: String,
    fence: String,
    expires: String,
    last_used: String,
    revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/api_tokens.html")]
struct TokensPage {
    csrf: String,
    rows: Vec<TokenRow>,
    scopes: Vec<(&'static str, &'static str)>,
    /// A token just made: its secret, shown this once.
    made: Option<(String, String)>,
    message: Option<&'static str>,
    error: Option<&'static str>,
}

fn scope_label(s: Scope) -> &'static str {
    match s {
        Scope::ProductsRead => "商品・在庫の参照",
        Scope::ProductsWrite => "商品・在庫の変更",
        Scope::OrdersRead => "注文の参照",
        Scope::OrdersWrite => {
            "注文の処理(入金確認・発送・配達完了・キャンセル・銀行振込等の返金済み記録)"
        }
        Scope::OrdersRefund => {
            "カード・コンビニ決済の返金(決済代行会社から返金。注文の処理と併せて付与)"
        }
        Scope::CustomersRead => "顧客情報の参照(個人情報。参照はすべて記録)",
        Scope::WebhooksRead => "Webhook の参照",
        Scope::WebhooksWrite => "Webhook の登録・変更",
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    a: &akinai_core::admin::SignedInAdmin,
    status: StatusCode,
    made: Option<(String, String)>,
    message: Option<&'static str>,
    error: Option<&'static str>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageSecurity>()?;
    let rows = state
        .shop
        .api_tokens()
        .list_for_owner(&proof)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id.0,
            prefix: t.token.prefix,
            name: t.token.name,
            scopes: t.token.scopes,
            fence: if t.token.allowed_ips.is_empty() {
                "制限なし".into()
            } else {
                t.token.allowed_ips
            },
            expires: t
                .token
                .expires_at
                .map_or_else(|| "なし".into(), super::local_time),
            last_used: t.last_used.map_or_else(
                || "未使用".into(),
                |(at, ip)| format!("{} ({ip})", super::local_time(at)),
            ),
            revoked: t.revoked.map(|(at, _)| super::local_time(at)),
        })
        .collect();
    let page = TokensPage {
        csrf: ctx.csrf.clone(),
        rows,
        scopes: Scope::ALL
            .iter()
            .map(|s| (s.as_str(), scope_label(*s)))
            .collect(),
        made,
        message,
        error,
    };
    ctx.page(status, &page)
}

/// `GET /admin/api-tokens`
pub(super) async fn tokens_get(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    page(&state, &ctx, &a, StatusCode::OK, None, None, None).await
}

/// `POST /admin/api-tokens`: makes a token and shows it once (no redirect: the secret is in
/// this answer only, with `no-store` like every admin page).
pub(super) async fn tokens_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageSecurity>()?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let scopes: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v.clone())
        .collect();
    let expires = field("expires");
    let expires_in_days = if expires.trim().is_empty() {
        None
    } else {
        // Not a number of days: passed on as 0, which the core refuses with the form's message.
        Some(expires.trim().parse::<u32>().unwrap_or(0))
    };
    let request = TokenRequest {
        name: field("name"),
        scopes: scopes.join(","),
        expires_in_days,
        allowed_ips: field("allowed_ips"),
    };
    match state
        .shop
        .api_tokens()
        .create_for_owner(&proof, &ctx.client, &request)
        .await
    {
        Ok(made) => {
            page(
                &state,
                &ctx,
                &a,
                StatusCode::OK,
                Some((made.prefix, made.secret)),
                None,
                None,
            )
            .await
        }
        Err(CoreError::InvalidForm(_)) => {
            page(
                &state,
                &ctx,
                &a,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                None,
                Some("名前(60 文字まで)と権限(1 つ以上)を入れてください。有効期限は 1〜1830 日、接続元は 203.0.113.7 や 203.0.113.0/24 の形です。作成していません。"),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct RevokeForm {
    #[serde(default)]
    id: i64,
}

/// `POST /admin/api-tokens/revoke`
pub(super) async fn revoke_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<RevokeForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageSecurity>()?;
    let outcome = state
        .shop
        .api_tokens()
        .revoke_for_owner(&proof, &ctx.client, ApiTokenId(f.id))
        .await;
    let (status, message, error) = match outcome {
        Ok(_) => (
            StatusCode::OK,
            Some("トークンを無効にしました。このトークンでの接続はすべて拒否されます。"),
            None,
        ),
        Err(CoreError::NotFound) => (
            StatusCode::NOT_FOUND,
            None,
            Some("そのトークンは見つからないか、すでに無効です。"),
        ),
        Err(e) => return Err(e.into()),
    };
    page(&state, &ctx, &a, status, None, message, error).await
}
