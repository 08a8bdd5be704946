//! A logged-in member's pages: my page with the order history, sessions, password, e-mail
//! address and two-step verification (CCSG-F-3c, IPA-C-10, SWS-4, SWS-11).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::CoreError;

use super::signup::link_invalid;
use super::*;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::{Ctx, Layout};
use crate::AppState;
use akinai_core::accounts::totp::TotpSetup;
use akinai_core::accounts::{describe_device, Member};
use akinai_domain::ids::SessionId;

/// One order of the member's history.
pub struct OrderRow {
    pub id: i64,
    pub number: String,
    pub placed: String,
    pub status: &'static str,
    pub total: String,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub l: Layout,
    pub name: String,
    pub email: String,
    pub verified: bool,
    pub since: String,
    pub orders: Vec<OrderRow>,
    /// The id to continue the history from (`?before=`), when there are more.
    pub more: Option<i64>,
}

/// One session in the list.
pub struct SessionView {
    pub id: i64,
    pub current: bool,
    pub device: String,
    pub ip: String,
    pub created: String,
    pub last_seen: String,
}

#[derive(Template)]
#[template(path = "sessions.html")]
pub struct SessionsPage {
    pub l: Layout,
    pub sessions: Vec<SessionView>,
}

pub(crate) fn jst_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&jst()).format("%Y-%m-%d %H:%M").to_string()
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    pub(crate) before: Option<i64>,
}

/// My page: profile, order history (20 per page, newest first), security links.
pub async fn account_get(
    Query(q): Query<HistoryQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
) -> Result<Response, WebError> {
    let orders = state
        .shop
        .orders()
        .member_orders(&m, q.before.map(akinai_domain::ids::OrderId))
        .await?;
    let more = (orders.len() == akinai_core::accounts::ORDERS_PER_PAGE as usize)
        .then(|| orders.last().map(|o| o.id.0))
        .flatten();
    let orders = orders
        .into_iter()
        .map(|o| OrderRow {
            id: o.id.0,
            number: o.number(),
            placed: jst_time(o.placed_at),
            status: crate::pages::order::status_label(ctx.t, o.status),
            total: o.grand_total.to_string(),
        })
        .collect();
    let page = AccountPage {
        l: ctx.layout(&state).await?,
        name: m.customer.name.clone(),
        email: m.customer.email.clone(),
        verified: m.customer.email_verified_at.is_some(),
        since: jst_time(m.customer.created_at),
        orders,
        more,
    };
    ctx.page(StatusCode::OK, &page)
}

/// `/account/orders/{id}`: one of the member's orders, shown on its status page. Another
/// customer's order id answers 404 (SWS-11).
pub async fn member_order_get(
    axum::extract::Path(id): axum::extract::Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let (_, secret) = state
        .shop
        .orders()
        .member_order(&m, akinai_domain::ids::OrderId(id))
        .await?;
    Ok(ctx.redirect(&format!("/order/{secret}")))
}

pub async fn sessions_get(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
) -> Result<Response, WebError> {
    let sessions = state
        .shop
        .accounts()
        .member_sessions(&m)
        .await?
        .into_iter()
        .map(|s| SessionView {
            id: s.id.0,
            current: s.id == m.session.id,
            device: describe_device(&s.user_agent),
            ip: s.ip.unwrap_or_default(),
            created: jst_time(s.created_at),
            last_seen: jst_time(s.last_seen_at),
        })
        .collect();
    let page = SessionsPage {
        l: ctx.layout(&state).await?,
        sessions,
    };
    ctx.page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct RevokeForm {
    pub(crate) session: i64,
}

pub async fn session_revoke_post(
    State(state): State<AppState>,
    mut ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(form): CsrfForm<RevokeForm>,
) -> Result<Response, WebError> {
    let id = SessionId(form.session);
    state
        .shop
        .accounts()
        .revoke_member_session(&m, id, &ctx.client)
        .await?;
    if id == m.session.id {
        ctx.end_session();
        return Ok(ctx.redirect("/account/login"));
    }
    Ok(ctx.redirect("/account/sessions"))
}

pub async fn sessions_revoke_all_post(
    State(state): State<AppState>,
    mut ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, WebError> {
    state
        .shop
        .accounts()
        .logout_everywhere(&m, &ctx.client)
        .await?;
    ctx.end_session();
    Ok(ctx.redirect("/account/login"))
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    pub(crate) current_password: String,
    #[serde(default)]
    pub(crate) password: String,
    #[serde(default)]
    pub(crate) t: String,
}

async fn password_page(
    ctx: &Ctx,
    state: &AppState,
    status: StatusCode,
    errors: &[(&'static str, &'static str)],
) -> Result<Response, WebError> {
    let t = ctx.t;
    let fields = vec![
        current_password(t, errors),
        field(t, "password", "password", "new-password", "", errors),
    ];
    let keys = (
        "account.password_title",
        "account.password_intro",
        "/account/password",
        "account.password_submit",
    );
    let page = FormPage::settings(ctx.layout(state).await?, t, keys, fields, errors);
    ctx.page(status, &page)
}

pub async fn password_get(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(_): MemberExt,
) -> Result<Response, WebError> {
    password_page(&ctx, &state, StatusCode::OK, &[]).await
}

pub async fn password_post(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, WebError> {
    match state
        .shop
        .accounts()
        .change_password(&m, &form.current_password, &form.password, &ctx.client)
        .await
    {
        Ok(()) => {
            message(
                &ctx,
                &state,
                StatusCode::OK,
                "account.password_changed_title",
                "account.password_changed_text",
                vec![("/account", "nav.my_page")],
            )
            .await
        }
        Err(CoreError::InvalidForm(errors)) => {
            password_page(&ctx, &state, StatusCode::UNPROCESSABLE_ENTITY, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct EmailForm {
    #[serde(default)]
    pub(crate) email: String,
    #[serde(default)]
    pub(crate) current_password: String,
}

async fn email_page(
    ctx: &Ctx,
    state: &AppState,
    status: StatusCode,
    form: &EmailForm,
    errors: &[(&'static str, &'static str)],
) -> Result<Response, WebError> {
    let t = ctx.t;
    let fields = vec![
        field(t, "email", "email", "email", &form.email, errors),
        current_password(t, errors),
    ];
    let keys = (
        "account.email_title",
        "account.email_intro",
        "/account/email",
        "account.email_submit",
    );
    let page = FormPage::settings(ctx.layout(state).await?, t, keys, fields, errors);
    ctx.page(status, &page)
}

pub async fn email_get(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(_): MemberExt,
) -> Result<Response, WebError> {
    email_page(&ctx, &state, StatusCode::OK, &EmailForm::default(), &[]).await
}

/// CCSG-F-3c: an e-mail change needs the current password and a confirmation from the new
/// address.
pub async fn email_post(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> Result<Response, WebError> {
    match state
        .shop
        .accounts()
        .request_email_change(&m, &form.email, &form.current_password, &ctx.client)
        .await
    {
        Ok(()) => {
            message(
                &ctx,
                &state,
                StatusCode::OK,
                "account.check_mail_title",
                "account.email_sent",
                vec![("/account", "nav.my_page")],
            )
            .await
        }
        Err(CoreError::InvalidForm(errors)) => {
            email_page(
                &ctx,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct EmailLink {
    #[serde(default)]
    pub(crate) c: i64,
    #[serde(default)]
    pub(crate) e: String,
    #[serde(default)]
    pub(crate) n: String,
}

/// The confirmation link mailed to the new address (GET changes nothing).
pub async fn email_confirm_get(
    Query(q): Query<EmailLink>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let t = ctx.t;
    let page = FormPage {
        hidden: vec![
            ("c", q.c.to_string()),
            ("e", q.e.chars().take(254).collect()),
            ("n", q.n.chars().take(64).collect()),
        ],
        ..FormPage::new(
            ctx.layout(&state).await?,
            t,
            "account.email_confirm_title",
            "account.email_confirm_intro",
            "/account/email/confirm",
            "account.verify_submit",
        )
    };
    ctx.page(StatusCode::OK, &page)
}

pub async fn email_confirm_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<EmailLink>,
) -> Result<Response, WebError> {
    let customer = akinai_domain::ids::CustomerId(form.c);
    match state
        .shop
        .accounts()
        .confirm_email_change(customer, &form.e, &form.n, &ctx.client)
        .await
    {
        Ok(()) => {
            message(
                &ctx,
                &state,
                StatusCode::OK,
                "account.email_changed_title",
                "account.email_changed_text",
                vec![("/account", "nav.my_page")],
            )
            .await
        }
        Err(CoreError::LinkInvalid) => link_invalid(&ctx, &state).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "totp.html")]
pub struct TotpPage {
    pub l: Layout,
    pub enabled: bool,
    pub setup: Option<TotpSetup>,
    pub codes: Vec<String>,
    pub fields: Vec<FieldView>,
    pub error: Option<&'static str>,
}

async fn totp_page(
    ctx: &Ctx,
    state: &AppState,
    m: &Member,
    status: StatusCode,
    errors: &[(&'static str, &'static str)],
    codes: Vec<String>,
) -> Result<Response, WebError> {
    let t = ctx.t;
    let enabled = state.shop.factors().totp_enabled(m.customer.id).await?;
    let setup = if enabled {
        None
    } else {
        Some(state.shop.factors().totp_setup(m).await?)
    };
    let page = TotpPage {
        l: ctx.layout(state).await?,
        enabled,
        setup,
        codes,
        fields: vec![
            field(t, "code", "text", "one-time-code", "", errors),
            current_password(t, errors),
        ],
        error: (!errors.is_empty()).then(|| t.get("account.check_fields")),
    };
    ctx.page(status, &page)
}

pub async fn totp_get(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
) -> Result<Response, WebError> {
    totp_page(&ctx, &state, &m, StatusCode::OK, &[], Vec::new()).await
}

/// Turns the authenticator app on; the recovery codes are shown once.
pub async fn totp_post(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, WebError> {
    match state
        .shop
        .factors()
        .enable_totp(
            &m,
            &form.secret,
            &form.code,
            &form.current_password,
            &ctx.client,
        )
        .await
    {
        Ok(codes) => totp_page(&ctx, &state, &m, StatusCode::OK, &[], codes).await,
        Err(CoreError::InvalidForm(errors)) => {
            totp_page(
                &ctx,
                &state,
                &m,
                StatusCode::UNPROCESSABLE_ENTITY,
                &errors,
                Vec::new(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn totp_disable_post(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, WebError> {
    match state
        .shop
        .factors()
        .disable_totp(&m, &form.current_password, &form.code, &ctx.client)
        .await
    {
        Ok(()) => Ok(ctx.redirect("/account/totp")),
        Err(CoreError::InvalidForm(errors)) => {
            totp_page(
                &ctx,
                &state,
                &m,
                StatusCode::UNPROCESSABLE_ENTITY,
                &errors,
                Vec::new(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
