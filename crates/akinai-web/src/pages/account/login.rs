//! Logging in and out: the password step (with the bot challenge when the throttling asks), the
//! second-factor step, logout, and the link of a new-device notice that ends one session.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::CoreError;

use super::signup::{answer, link_invalid};
use super::*;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;
use akinai_core::accounts::{LoginRequest, LoginStep};
use akinai_domain::ids::SessionId;

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    pub(crate) email: String,
    #[serde(default)]
    pub(crate) password: String,
    #[serde(default)]
    pub(crate) next: String,
    #[serde(default)]
    pub(crate) challenge: String,
    #[serde(default)]
    pub(crate) solution: String,
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
        .challenges()
        .login_challenge_needed(&ctx.client, email)
        .await?
        .then(|| state.shop.challenges().issue_challenge());
    let page = FormPage {
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
        passkey_login: state.shop.factors().passkey_request_options(),
        next: next.to_string(),
        ..FormPage::new(
            ctx.layout(state).await?,
            t,
            "account.login_title",
            "",
            "/account/login",
            "account.login_submit",
        )
    };
    ctx.page(status, &page)
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    pub(crate) next: String,
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
    match state.shop.accounts().login(&request, &ctx.client).await {
        Ok(LoginStep::Done(done)) => {
            ctx.start_session(done.session, done.new_device);
            let next = crate::layout::safe_local_path(&form.next).unwrap_or("/account");
            Ok(ctx.redirect(next))
        }
        Ok(LoginStep::SecondFactor { pending, by_mail }) => {
            ctx.set_second_step(Some(pending));
            Ok(ctx.redirect(if by_mail {
                "/account/login/code?by=mail"
            } else {
                "/account/login/code"
            }))
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
        Err(CoreError::TryLater(until)) => {
            let mut response = login_page(
                &ctx,
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                &form,
                Some("errorpage.try_later"),
            )
            .await?;
            crate::error::set_retry_after(&mut response, crate::error::seconds_until(until));
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct CodeForm {
    #[serde(default)]
    pub(crate) code: String,
    #[serde(default)]
    pub(crate) current_password: String,
    #[serde(default)]
    pub(crate) secret: String,
    #[serde(default)]
    pub(crate) by: String,
}

async fn code_page(
    ctx: &Ctx,
    state: &AppState,
    status: StatusCode,
    errors: &[(&'static str, &'static str)],
    by_mail: bool,
) -> Result<Response, WebError> {
    let t = ctx.t;
    let page = FormPage {
        fields: vec![field(t, "code", "text", "one-time-code", "", errors)],
        error: (!errors.is_empty()).then(|| t.get("account.totp_wrong_code")),
        links: vec![("/account/login", t.get("nav.login"))],
        hidden: if by_mail {
            vec![("by", "mail".to_string())]
        } else {
            Vec::new()
        },
        // A member with a passkey may use it instead of a code (it is a whole login).
        passkey_login: if by_mail {
            None
        } else {
            state.shop.factors().passkey_request_options()
        },
        next: "/account".into(),
        ..FormPage::new(
            ctx.layout(state).await?,
            t,
            "account.code_title",
            if by_mail {
                "account.code_intro_mail"
            } else {
                "account.code_intro"
            },
            "/account/login/code",
            "account.login_submit",
        )
    };
    ctx.page(status, &page)
}

/// The second step of a login (IPA-C-10): the code from the authenticator app or a recovery code.
pub async fn code_get(
    Query(q): Query<ByQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    if ctx.second_step.is_none() {
        return Ok(ctx.redirect("/account/login"));
    }
    code_page(&ctx, &state, StatusCode::OK, &[], q.by == "mail").await
}

#[derive(Deserialize)]
pub struct ByQuery {
    #[serde(default)]
    pub(crate) by: String,
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
        .accounts()
        .complete_login(&pending, &form.code, ctx.device.as_deref(), &ctx.client)
        .await
    {
        Ok(done) => {
            ctx.set_second_step(None);
            ctx.start_session(done.session, done.new_device);
            Ok(ctx.redirect("/account"))
        }
        Err(CoreError::InvalidForm(errors)) => {
            code_page(
                &ctx,
                &state,
                StatusCode::UNAUTHORIZED,
                &errors,
                form.by == "mail",
            )
            .await
        }
        Err(CoreError::LinkInvalid) => {
            ctx.set_second_step(None);
            Ok(ctx.redirect("/account/login"))
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
        .accounts()
        .logout(ctx.session_secret.as_deref(), &ctx.client)
        .await?;
    ctx.end_session();
    Ok(ctx.redirect("/"))
}

#[derive(Deserialize)]
pub struct EndLink {
    #[serde(default)]
    pub(crate) c: i64,
    #[serde(default)]
    pub(crate) s: i64,
    #[serde(default)]
    pub(crate) t: String,
}

/// The link of a new-device notice: a button that ends that one session (GET changes nothing).
pub async fn end_session_get(
    Query(q): Query<EndLink>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let t = ctx.t;
    let page = FormPage {
        hidden: vec![
            ("c", q.c.to_string()),
            ("s", q.s.to_string()),
            ("t", q.t.chars().take(64).collect()),
        ],
        ..FormPage::new(
            ctx.layout(&state).await?,
            t,
            "account.end_link_title",
            "account.end_link_intro",
            "/account/sessions/end",
            "account.end_session",
        )
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
        .accounts()
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
