//! The admin back office, served on its own listener (admin issue, items 1–4; IPA-C-4,
//! CCSG-V-1, SWS-11).
//!
//! [`router`] is never merged into the storefront's router: the binary serves it on
//! `admin_listen`. Its outermost layer is the allow-list: a request from an address outside
//! `admin_allow` (loopback only when the list is empty) gets a bare 403 before any routing, so
//! no login form is ever shown to it. Behind it, every page except login and enrolment needs a
//! live admin session (cookie `asid`, `Path=/admin`, `SameSite=Strict`), and each handler asks
//! the core for the capability it needs.

use std::net::IpAddr;
use std::sync::Arc;

use askama::Template;
use axum::extract::DefaultBodyLimit;
use axum::extract::{ConnectInfo, FromRequestParts, Query, Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::Deserialize;

use akinai_core::admin::SignedInAdmin;
use akinai_core::CoreError;
use akinai_domain::admin::{ViewAudit, ViewDashboard};

use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::proxy::ProxyNet;
use crate::AppState;

/// The admin session cookie.
pub const SESSION: &str = "asid";

mod api_tokens;
mod audit;
mod business;
mod catalog;
mod catalog_new;
mod categories;
mod coupons;
mod customers;
mod dashboard;
mod documents;
mod exports;
mod golive;
mod incidents;
mod logo;
mod manage;
pub(crate) mod menu;
mod operations;
mod order_desk;
mod order_payment;
mod order_words;
mod orders;
mod prices;
mod quotes;
mod receivables;
mod routes;
pub mod security_report;
mod security_tasks;
pub mod selfcheck;
mod settings;
mod shipping;
mod transfers;
mod webhooks;

use routes::routes;
pub use routes::{route_table, AdminRoute, Needs, ADMIN_FORM};

/// The admin's public URL (enrolment links made from the admin pages).
#[derive(Debug, Clone)]
pub struct AdminBase(pub String);

/// Who may reach the admin at all.
#[derive(Debug, Clone, Default)]
pub struct AllowList(pub Vec<ProxyNet>);

impl AllowList {
    /// Whether `ip` may reach the admin: listed, or loopback when nothing is listed.
    pub fn allows(&self, ip: IpAddr) -> bool {
        if self.0.is_empty() {
            ip.is_loopback()
        } else {
            self.0.iter().any(|n| n.contains(ip))
        }
    }
}

/// The admin router: allow-list first, then the pages. `base_url` is the admin's own URL, for
/// the enrolment links owners hand out.
pub fn router(state: AppState, allow: AllowList, base_url: &str) -> Router {
    let allow = Arc::new(allow);
    let base = AdminBase(base_url.trim_end_matches('/').to_string());
    let (mut open, mut signed_in) = (Router::new(), Router::new());
    for (info, handlers) in routes() {
        let handlers = handlers.layer(DefaultBodyLimit::max(info.body_limit));
        if info.get == Some(Needs::Nothing) || info.post == Some(Needs::Nothing) {
            open = open.route(info.path, handlers);
        } else {
            signed_in = signed_in.route(info.path, handlers);
        }
    }
    let signed_in = signed_in.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        require_admin,
    ));
    open.merge(signed_in)
        .route_layer(crate::around::AroundLayer(crate::metrics::MarkRoute))
        .fallback(|| async { WebError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::limits::rate_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::measure,
        ))
        .with_state(state.clone())
        .layer(axum::Extension(base))
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let allow = allow.clone();
                let trusted = state.config.trusted_proxies.clone();
                async move {
                    let peer = req
                        .extensions()
                        .get::<ConnectInfo<std::net::SocketAddr>>()
                        .map(|c| c.0.ip());
                    let ip = crate::proxy::client_ip(peer, req.headers(), &trusted);
                    if allow.allows(ip) {
                        next.run(req).await
                    } else {
                        tracing::warn!(%ip, "admin request from outside the allow-list refused");
                        (StatusCode::FORBIDDEN, "forbidden").into_response()
                    }
                }
            },
        ))
}

/// Whether a form was refused because the admin's password or code did not match on
/// re-authentication (the form says so rather than naming a field).
pub(super) fn reauth_failed(fields: &[(&str, &str)]) -> bool {
    fields.iter().any(|(_, k)| *k == "admin.reauth_failed")
}

/// A positive id from a path segment; anything else is a 404.
pub(super) fn path_id(raw: &str) -> Result<i64, WebError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(WebError::NotFound)
}

/// A time as the admin pages show it: JST, to the minute.
pub(super) fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&akinai_core::clock::jst())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The signed-in admin of a page behind [`require_admin`].
pub struct AdminExt(pub SignedInAdmin);

impl FromRequestParts<AppState> for AdminExt {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<AdminExt, WebError> {
        parts
            .extensions
            .get::<SignedInAdmin>()
            .cloned()
            .map(AdminExt)
            .ok_or(WebError::NotFound)
    }
}

async fn require_admin(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let secret = crate::cookies::get(request.headers(), SESSION).map(str::to_string);
    match state
        .shop
        .admin_accounts()
        .signed_in_admin(secret.as_deref())
        .await
    {
        Ok(Some(admin)) => {
            request.extensions_mut().insert(admin.clone());
            let writes = !request.method().is_safe();
            let response = menu::scoped(admin, next.run(request)).await;
            if writes
                && !response.status().is_client_error()
                && !response.status().is_server_error()
            {
                // A change made here shows on this node's storefront at once, and on the
                // others when they hear the hint (or by expiry; ADR 006, ADR 030, ADR 042).
                state.changed().await;
            }
            response
        }
        Ok(None) => axum::response::Redirect::to("/admin/login").into_response(),
        Err(e) => WebError::Core(e).into_response(),
    }
}

fn session_cookie(response: &mut Response, value: &str, secure: bool) {
    let max_age = if value.is_empty() { 0 } else { 12 * 3600 };
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION}={value}; Path=/admin; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(SET_COOKIE, v);
    }
}

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    csrf: String,
    error: bool,
    email: String,
    /// Just after a completed enrolment: say so.
    enrolled: bool,
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    #[serde(default)]
    enrolled: Option<String>,
}

async fn login_get(Query(q): Query<LoginQuery>, ctx: Ctx) -> Result<Response, WebError> {
    let page = LoginPage {
        csrf: ctx.csrf.clone(),
        error: false,
        email: String::new(),
        enrolled: q.enrolled.is_some(),
    };
    ctx.page(StatusCode::OK, &page)
}

#[derive(Deserialize, Default)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

async fn login_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, WebError> {
    match state
        .shop
        .admin_accounts()
        .admin_login(&form.email, &form.password, &form.code, &ctx.client)
        .await
    {
        Ok(secret) => {
            let mut response = ctx.redirect("/admin");
            session_cookie(&mut response, &secret, state.config.secure_cookies);
            Ok(response)
        }
        Err(CoreError::LoginFailed) => {
            let page = LoginPage {
                csrf: ctx.csrf.clone(),
                error: true,
                email: form.email.chars().take(254).collect(),
                enrolled: false,
            };
            ctx.page(StatusCode::UNAUTHORIZED, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admin/enrol.html")]
struct EnrolPage {
    csrf: String,
    link: String,
    name: String,
    email: String,
    secret: String,
    qr_svg: String,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
struct LinkQuery {
    #[serde(default)]
    t: String,
}

async fn enrol_page(
    state: &AppState,
    ctx: &Ctx,
    link: &str,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<Response, WebError> {
    let (admin, setup) = state.shop.admin_accounts().admin_enrolment(link).await?;
    let page = EnrolPage {
        csrf: ctx.csrf.clone(),
        link: link.to_string(),
        name: admin.name,
        email: admin.email,
        secret: setup.secret,
        qr_svg: setup.qr_svg,
        error,
    };
    ctx.page(status, &page)
}

/// The enrolment link: set a password and an authenticator app (both required).
async fn enrol_get(
    Query(q): Query<LinkQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    enrol_page(&state, &ctx, &q.t, StatusCode::OK, None).await
}

#[derive(Deserialize, Default)]
struct EnrolForm {
    #[serde(default)]
    t: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

async fn enrol_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<EnrolForm>,
) -> Result<Response, WebError> {
    match state
        .shop
        .admin_accounts()
        .complete_admin_enrolment(&form.t, &form.password, &form.code, &ctx.client)
        .await
    {
        Ok(()) => Ok(ctx.redirect("/admin/login?enrolled=1")),
        Err(CoreError::InvalidForm(errors)) => {
            let key = errors.first().map_or("account.check_fields", |(_, k)| *k);
            let error = Some(ctx.t.lookup(key)).filter(|s| !s.is_empty());
            enrol_page(
                &state,
                &ctx,
                &form.t,
                StatusCode::UNPROCESSABLE_ENTITY,
                error,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A form with nothing but the CSRF token (a button).
#[derive(Deserialize)]
pub(super) struct EmptyForm {}

async fn logout_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, WebError> {
    state
        .shop
        .admin_accounts()
        .admin_logout(&a, &ctx.client)
        .await?;
    let mut response = ctx.redirect("/admin/login");
    session_cookie(&mut response, "", state.config.secure_cookies);
    Ok(response)
}
