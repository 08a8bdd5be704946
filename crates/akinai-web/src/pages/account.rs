//! Customer account pages: sign-up, e-mail verification, login and logout, my page, sessions,
//! password change, forgotten password and reset. Handlers only translate between forms and the
//! `akinai_core::accounts` use cases; every rule (throttling, strength, tokens) lives there.
//! Routes declared `Member`/`MemberForm` pass [`require_member`] first, so a handler taking
//! [`MemberExt`] cannot run without a live session.

use askama::Template;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use akinai_core::accounts::challenge::{Answer, Challenge};
use akinai_core::accounts::totp::TotpSetup;
use akinai_core::accounts::{describe_device, LoginRequest, LoginStep, Member, Registration};
use akinai_core::clock::jst;
use akinai_core::CoreError;
use akinai_domain::ids::SessionId;

use crate::error::WebError;
use crate::form::CsrfForm;
use crate::i18n::Tr;
use crate::layout::{Ctx, Layout};
use crate::pages::checkout::FieldView;
use crate::{cookies, AppState};

/// A form page of the account area.
#[derive(Template)]
#[template(path = "account_form.html")]
pub struct FormPage {
    pub l: Layout,
    pub title: &'static str,
    pub intro: &'static str,
    pub action: &'static str,
    pub submit: &'static str,
    pub fields: Vec<FieldView>,
    pub hidden: Vec<(&'static str, String)>,
    pub error: Option<&'static str>,
    pub links: Vec<(&'static str, &'static str)>,
    /// The bot challenge, when the throttling asks for it (script and no-JS fallback).
    pub challenge: Option<Challenge>,
    pub pow_src: &'static str,
    pub pow_integrity: &'static str,
}

/// A page that only says something (mail sent, link used, …).
#[derive(Template)]
#[template(path = "account_message.html")]
pub struct MessagePage {
    pub l: Layout,
    pub title: &'static str,
    pub text: &'static str,
    pub links: Vec<(&'static str, &'static str)>,
}

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

/// The logged-in member of a `Member`/`MemberForm` route.
pub struct MemberExt(pub Member);

impl FromRequestParts<AppState> for MemberExt {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<MemberExt, WebError> {
        parts
            .extensions
            .get::<Member>()
            .cloned()
            .map(MemberExt)
            .ok_or_else(|| WebError::LoginRequired(parts.uri.path().to_string()))
    }
}

/// Middleware of `Member`/`MemberForm` routes: a live session or a redirect to the login page.
pub async fn require_member(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let secret = cookies::get(request.headers(), cookies::SESSION).map(str::to_string);
    match state.shop.member(secret.as_deref()).await {
        Ok(Some(member)) => {
            request.extensions_mut().insert(member);
            next.run(request).await
        }
        Ok(None) => {
            let here = if request.method() == axum::http::Method::GET {
                request.uri().path().to_string()
            } else {
                "/account".into()
            };
            WebError::LoginRequired(here).into_response()
        }
        Err(e) => WebError::Core(e).into_response(),
    }
}

fn field(
    t: Tr,
    name: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: &str,
    errors: &[(&'static str, &'static str)],
) -> FieldView {
    FieldView {
        name,
        label: t.lookup(&format!("account.field_{name}")),
        value: value.to_string(),
        kind,
        autocomplete,
        required: true,
        hint: t.lookup(&format!("account.hint_{name}")),
        error: errors
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, key)| t.lookup(key).to_string()),
    }
}

async fn message(
    ctx: &Ctx,
    state: &AppState,
    status: StatusCode,
    title: &'static str,
    text: &'static str,
    links: Vec<(&'static str, &'static str)>,
) -> Result<Response, WebError> {
    let t = ctx.t;
    let page = MessagePage {
        l: ctx.layout(state).await?,
        title: t.get(title),
        text: t.get(text),
        links: links.into_iter().map(|(h, k)| (h, t.get(k))).collect(),
    };
    ctx.page(status, &page)
}

#[derive(Deserialize, Default)]
pub struct RegisterForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    solution: String,
}

fn answer(challenge: &str, solution: &str) -> Option<Answer> {
    (!challenge.is_empty()).then(|| Answer {
        challenge: challenge.chars().take(200).collect(),
        solution: solution.chars().take(40).collect(),
    })
}

async fn register_page(
    ctx: &Ctx,
    state: &AppState,
    status: StatusCode,
    form: &RegisterForm,
    errors: &[(&'static str, &'static str)],
) -> Result<Response, WebError> {
    let t = ctx.t;
    let challenge = state
        .shop
        .signup_challenge_needed(&ctx.client)
        .await?
        .then(|| state.shop.issue_challenge());
    let page = FormPage {
        l: ctx.layout(state).await?,
        title: t.get("account.register_title"),
        intro: t.get("account.register_intro"),
        action: "/account/register",
        submit: t.get("account.register_submit"),
        fields: vec![
            field(t, "email", "email", "email", &form.email, errors),
            field(t, "name", "text", "name", &form.name, errors),
            field(t, "password", "password", "new-password", "", errors),
        ],
        hidden: Vec::new(),
        error: (!errors.is_empty()).then(|| t.get("account.check_fields")),
        links: vec![("/account/login", t.get("account.have_account"))],
        challenge,
        pow_src: crate::assets::pow_path(),
        pow_integrity: crate::assets::pow_integrity(),
    };
    ctx.page(status, &page)
}

pub async fn register_get(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    register_page(&ctx, &state, StatusCode::OK, &RegisterForm::default(), &[]).await
}

pub async fn register_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<RegisterForm>,
) -> Result<Response, WebError> {
    let registration = Registration {
        email: form.email.clone(),
        name: form.name.clone(),
        password: form.password.clone(),
        answer: answer(&form.challenge, &form.solution),
    };
    match state.shop.register(&registration, &ctx.client).await {
        Ok(()) => {
            message(
                &ctx,
                &state,
                StatusCode::OK,
                "account.check_mail_title",
                "account.check_mail_text",
                vec![("/", "errorpage.home")],
            )
            .await
        }
        Err(CoreError::InvalidForm(errors)) => {
            register_page(
                &ctx,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &errors,
            )
            .await
        }
        Err(CoreError::ChallengeRequired) => {
            register_page(
                &ctx,
                &state,
                StatusCode::FORBIDDEN,
                &form,
                &[("challenge", "account.challenge_needed")],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    t: String,
}

pub async fn verify_get(
    Query(q): Query<LinkQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let t = ctx.t;
    // Opening the link changes nothing (SWS-6); the button posts it.
    let page = FormPage {
        l: ctx.layout(&state).await?,
        title: t.get("account.verify_title"),
        intro: t.get("account.verify_intro"),
        action: "/account/verify",
        submit: t.get("account.verify_submit"),
        fields: Vec::new(),
        hidden: vec![("t", q.t.chars().take(64).collect())],
        error: None,
        links: Vec::new(),
        challenge: None,
        pow_src: crate::assets::pow_path(),
        pow_integrity: crate::assets::pow_integrity(),
    };
    ctx.page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    t: String,
}

pub async fn verify_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<Response, WebError> {
    match state.shop.verify_email(&form.t, &ctx.client).await {
        Ok(()) => {
            message(
                &ctx,
                &state,
                StatusCode::OK,
                "account.verified_title",
                "account.verified_text",
                vec![("/account/login", "nav.login")],
            )
            .await
        }
        Err(CoreError::LinkInvalid) => link_invalid(&ctx, &state).await,
        Err(e) => Err(e.into()),
    }
}

async fn link_invalid(ctx: &Ctx, state: &AppState) -> Result<Response, WebError> {
    message(
        ctx,
        state,
        StatusCode::BAD_REQUEST,
        "account.link_invalid_title",
        "account.link_invalid",
        vec![("/account/password/forgot", "account.forgot_link")],
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    solution: String,
}

async fn login_page(
    ctx: &Ctx,
    state: &AppState,
    status: StatusCode,
    form: &LoginForm,
    error: Option<&'static str>,
) -> Result<Response, WebError> {
    let t = ctx.t;
    let next = crate::layout::safe_local_path(&form.next).unwrap_or("/account");
    let email = (!form.email.is_empty()).then_some(form.email.as_str());
    let challenge = state
        .shop
        .login_challenge_needed(&ctx.client, email)
        .await?
        .then(|| state.shop.issue_challenge());
    let page = FormPage {
        l: ctx.layout(state).await?,
        title: t.get("account.login_title"),
        intro: "",
        action: "/account/login",
        submit: t.get("account.login_submit"),
        fields: vec![
            field(t, "email", "email", "username", &form.email, &[]),
            field(t, "password", "password", "current-password", "", &[]),
        ],
        hidden: vec![("next", next.to_string())],
        error: error.map(|k| t.get(k)),
        links: vec![
            ("/account/password/forgot", t.get("account.forgot_link")),
            ("/account/register", t.get("account.register_link")),
        ],
        challenge,
        pow_src: crate::assets::pow_path(),
        pow_integrity: crate::assets::pow_integrity(),
    };
    ctx.page(status, &page)
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_get(
    Query(q): Query<NextQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let form = LoginForm {
        next: q.next,
        ..LoginForm::default()
    };
    login_page(&ctx, &state, StatusCode::OK, &form, None).await
}

pub async fn login_post(
    State(state): State<AppState>,
    mut ctx: Ctx,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, WebError> {
    let request = LoginRequest {
        email: form.email.clone(),
        password: form.password.clone(),
        device: ctx.device.clone(),
        answer: answer(&form.challenge, &form.solution),
    };
    match state.shop.login(&request, &ctx.client).await {
        Ok(LoginStep::Done(done)) => {
            ctx.start_session(done.session, done.new_device);
            let next = crate::layout::safe_local_path(&form.next).unwrap_or("/account");
            Ok(ctx.redirect(next))
        }
        Ok(LoginStep::SecondFactor { pending }) => {
            ctx.set_second_step(Some(pending));
            Ok(ctx.redirect("/account/login/code"))
        }
        Err(CoreError::LoginFailed) => {
            login_page(
                &ctx,
                &state,
                StatusCode::UNAUTHORIZED,
                &form,
                Some("account.login_failed"),
            )
            .await
        }
        Err(CoreError::ChallengeRequired) => {
            login_page(
                &ctx,
                &state,
                StatusCode::FORBIDDEN,
                &form,
                Some("account.challenge_needed"),
            )
            .await
        }
        Err(e @ CoreError::TryLater(_)) => {
            let mut response = login_page(
                &ctx,
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                &form,
                Some("errorpage.try_later"),
            )
            .await?;
            let retry = WebError::Core(e).into_response();
            if let Some(v) = retry.headers().get(axum::http::header::RETRY_AFTER) {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v.clone());
            }
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    secret: String,
}

async fn code_page(
    ctx: &Ctx,
    state: &AppState,
    status: StatusCode,
    errors: &[(&'static str, &'static str)],
) -> Result<Response, WebError> {
    let t = ctx.t;
    let page = FormPage {
        l: ctx.layout(state).await?,
        title: t.get("account.code_title"),
        intro: t.get("account.code_intro"),
        action: "/account/login/code",
        submit: t.get("account.login_submit"),
        fields: vec![field(t, "code", "text", "one-time-code", "", errors)],
        hidden: Vec::new(),
        error: (!errors.is_empty()).then(|| t.get("account.totp_wrong_code")),
        links: vec![("/account/login", t.get("nav.login"))],
        challenge: None,
        pow_src: crate::assets::pow_path(),
        pow_integrity: crate::assets::pow_integrity(),
    };
    ctx.page(status, &page)
}

/// The second step of a login (IPA-C-10): the code from the authenticator app or a recovery code.
pub async fn code_get(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    if ctx.second_step.is_none() {
        return Ok(ctx.redirect("/account/login"));
    }
    code_page(&ctx, &state, StatusCode::OK, &[]).await
}

pub async fn code_post(
    State(state): State<AppState>,
    mut ctx: Ctx,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, WebError> {
    let Some(pending) = ctx.second_step.clone() else {
        return Ok(ctx.redirect("/account/login"));
    };
    match state
        .shop
        .complete_login(&pending, &form.code, ctx.device.as_deref(), &ctx.client)
        .await
    {
        Ok(done) => {
            ctx.set_second_step(None);
            ctx.start_session(done.session, done.new_device);
            Ok(ctx.redirect("/account"))
        }
        Err(CoreError::InvalidForm(errors)) => {
            code_page(&ctx, &state, StatusCode::UNAUTHORIZED, &errors).await
        }
        Err(CoreError::LinkInvalid) => {
            ctx.set_second_step(None);
            Ok(ctx.redirect("/account/login"))
        }
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
    let enabled = state.shop.totp_enabled(m.customer.id).await?;
    let setup = if enabled {
        None
    } else {
        Some(state.shop.totp_setup(m).await?)
    };
    let page = TotpPage {
        l: ctx.layout(state).await?,
        enabled,
        setup,
        codes,
        fields: vec![
            field(t, "code", "text", "one-time-code", "", errors),
            field(
                t,
                "current_password",
                "password",
                "current-password",
                "",
                errors,
            ),
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

#[derive(Deserialize)]
pub struct EmptyForm {}

pub async fn logout_post(
    State(state): State<AppState>,
    mut ctx: Ctx,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, WebError> {
    state
        .shop
        .logout(ctx.session_secret.as_deref(), &ctx.client)
        .await?;
    ctx.end_session();
    Ok(ctx.redirect("/"))
}

fn jst_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&jst()).format("%Y-%m-%d %H:%M").to_string()
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    before: Option<i64>,
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
pub struct EndLink {
    #[serde(default)]
    c: i64,
    #[serde(default)]
    s: i64,
    #[serde(default)]
    t: String,
}

/// The link of a new-device notice: a button that ends that one session (GET changes nothing).
pub async fn end_session_get(
    Query(q): Query<EndLink>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let t = ctx.t;
    let page = FormPage {
        l: ctx.layout(&state).await?,
        title: t.get("account.end_link_title"),
        intro: t.get("account.end_link_intro"),
        action: "/account/sessions/end",
        submit: t.get("account.end_session"),
        fields: Vec::new(),
        hidden: vec![
            ("c", q.c.to_string()),
            ("s", q.s.to_string()),
            ("t", q.t.chars().take(64).collect()),
        ],
        error: None,
        links: Vec::new(),
        challenge: None,
        pow_src: crate::assets::pow_path(),
        pow_integrity: crate::assets::pow_integrity(),
    };
    ctx.page(StatusCode::OK, &page)
}

pub async fn end_session_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<EndLink>,
) -> Result<Response, WebError> {
    let customer = akinai_domain::ids::CustomerId(form.c);
    match state
        .shop
        .end_session_by_link(customer, SessionId(form.s), &form.t, &ctx.client)
        .await
    {
        Ok(()) => {
            message(
                &ctx,
                &state,
                StatusCode::OK,
                "account.end_link_done_title",
                "account.end_link_done",
                vec![("/account/password/forgot", "account.forgot_link")],
            )
            .await
        }
        Err(CoreError::LinkInvalid) => link_invalid(&ctx, &state).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct RevokeForm {
    session: i64,
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
    state.shop.logout_everywhere(&m, &ctx.client).await?;
    ctx.end_session();
    Ok(ctx.redirect("/account/login"))
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    t: String,
}

async fn password_page(
    ctx: &Ctx,
    state: &AppState,
    status: StatusCode,
    errors: &[(&'static str, &'static str)],
) -> Result<Response, WebError> {
    let t = ctx.t;
    let page = FormPage {
        l: ctx.layout(state).await?,
        title: t.get("account.password_title"),
        intro: t.get("account.password_intro"),
        action: "/account/password",
        submit: t.get("account.password_submit"),
        fields: vec![
            field(
                t,
                "current_password",
                "password",
                "current-password",
                "",
                errors,
            ),
            field(t, "password", "password", "new-password", "", errors),
        ],
        hidden: Vec::new(),
        error: (!errors.is_empty()).then(|| t.get("account.check_fields")),
        links: vec![("/account", t.get("nav.my_page"))],
        challenge: None,
        pow_src: crate::assets::pow_path(),
        pow_integrity: crate::assets::pow_integrity(),
    };
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
    email: String,
    #[serde(default)]
    current_password: String,
}

async fn email_page(
    ctx: &Ctx,
    state: &AppState,
    status: StatusCode,
    form: &EmailForm,
    errors: &[(&'static str, &'static str)],
) -> Result<Response, WebError> {
    let t = ctx.t;
    let page = FormPage {
        l: ctx.layout(state).await?,
        title: t.get("account.email_title"),
        intro: t.get("account.email_intro"),
        action: "/account/email",
        submit: t.get("account.email_submit"),
        fields: vec![
            field(t, "email", "email", "email", &form.email, errors),
            field(
                t,
                "current_password",
                "password",
                "current-password",
                "",
                errors,
            ),
        ],
        hidden: Vec::new(),
        error: (!errors.is_empty()).then(|| t.get("account.check_fields")),
        links: vec![("/account", t.get("nav.my_page"))],
        challenge: None,
        pow_src: crate::assets::pow_path(),
        pow_integrity: crate::assets::pow_integrity(),
    };
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
    c: i64,
    #[serde(default)]
    e: String,
    #[serde(default)]
    n: String,
}

/// The confirmation link mailed to the new address (GET changes nothing).
pub async fn email_confirm_get(
    Query(q): Query<EmailLink>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let t = ctx.t;
    let page = FormPage {
        l: ctx.layout(&state).await?,
        title: t.get("account.email_confirm_title"),
        intro: t.get("account.email_confirm_intro"),
        action: "/account/email/confirm",
        submit: t.get("account.verify_submit"),
        fields: Vec::new(),
        hidden: vec![
            ("c", q.c.to_string()),
            ("e", q.e.chars().take(254).collect()),
            ("n", q.n.chars().take(64).collect()),
        ],
        error: None,
        links: Vec::new(),
        challenge: None,
        pow_src: crate::assets::pow_path(),
        pow_integrity: crate::assets::pow_integrity(),
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

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub async fn forgot_get(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let t = ctx.t;
    let page = FormPage {
        l: ctx.layout(&state).await?,
        title: t.get("account.forgot_title"),
        intro: t.get("account.forgot_intro"),
        action: "/account/password/forgot",
        submit: t.get("account.forgot_submit"),
        fields: vec![field(t, "email", "email", "email", "", &[])],
        hidden: Vec::new(),
        error: None,
        links: vec![("/account/login", t.get("nav.login"))],
        challenge: None,
        pow_src: crate::assets::pow_path(),
        pow_integrity: crate::assets::pow_integrity(),
    };
    ctx.page(StatusCode::OK, &page)
}

pub async fn forgot_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Result<Response, WebError> {
    state
        .shop
        .request_password_reset(&form.email, &ctx.client)
        .await?;
    message(
        &ctx,
        &state,
        StatusCode::OK,
        "account.check_mail_title",
        "account.forgot_sent",
        vec![("/account/login", "nav.login")],
    )
    .await
}

async fn reset_page(
    ctx: &Ctx,
    state: &AppState,
    status: StatusCode,
    token: &str,
    errors: &[(&'static str, &'static str)],
) -> Result<Response, WebError> {
    let t = ctx.t;
    let page = FormPage {
        l: ctx.layout(state).await?,
        title: t.get("account.reset_title"),
        intro: t.get("account.reset_intro"),
        action: "/account/password/reset",
        submit: t.get("account.password_submit"),
        fields: vec![field(t, "password", "password", "new-password", "", errors)],
        hidden: vec![("t", token.chars().take(64).collect())],
        error: (!errors.is_empty()).then(|| t.get("account.check_fields")),
        links: Vec::new(),
        challenge: None,
        pow_src: crate::assets::pow_path(),
        pow_integrity: crate::assets::pow_integrity(),
    };
    ctx.page(status, &page)
}

pub async fn reset_get(
    Query(q): Query<LinkQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    if !state.shop.reset_link_valid(&q.t).await? {
        return link_invalid(&ctx, &state).await;
    }
    reset_page(&ctx, &state, StatusCode::OK, &q.t, &[]).await
}

pub async fn reset_post(
    State(state): State<AppState>,
    mut ctx: Ctx,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, WebError> {
    match state
        .shop
        .reset_password(&form.t, &form.password, &ctx.client)
        .await
    {
        Ok(()) => {
            ctx.end_session();
            message(
                &ctx,
                &state,
                StatusCode::OK,
                "account.password_changed_title",
                "account.reset_done",
                vec![("/account/login", "nav.login")],
            )
            .await
        }
        Err(CoreError::InvalidForm(errors)) => {
            reset_page(
                &ctx,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form.t,
                &errors,
            )
            .await
        }
        Err(CoreError::LinkInvalid) => link_invalid(&ctx, &state).await,
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key composed at run time exists in both catalogues.
    #[test]
    fn composed_catalogue_keys_exist() {
        for lang in [crate::Lang::Ja, crate::Lang::En] {
            let t = Tr::new(lang);
            for name in ["email", "name", "password", "current_password", "code"] {
                for part in ["field", "hint"] {
                    let key = format!("account.{part}_{name}");
                    assert!(!t.lookup(&key).is_empty(), "{key} ({lang:?})");
                }
            }
            for p in [
                akinai_domain::account::PasswordProblem::TooShort,
                akinai_domain::account::PasswordProblem::TooLong,
                akinai_domain::account::PasswordProblem::Personal,
                akinai_domain::account::PasswordProblem::TooWeak,
            ] {
                assert!(!t.lookup(p.message_key()).is_empty(), "{p:?}");
            }
            for key in [
                "account.wrong_password",
                "error.required",
                "error.invalid",
                "error.too_long",
            ] {
                assert!(!t.lookup(key).is_empty(), "{key}");
            }
        }
    }

    #[test]
    fn devices_are_summarised_from_user_agents() {
        assert_eq!(
            describe_device("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"),
            "Safari / iPhone"
        );
        assert_eq!(
            describe_device("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0"),
            "Edge / Windows"
        );
        assert_eq!(describe_device(""), "? / ?");
    }
}
