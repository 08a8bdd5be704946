//! Pages before a session exists: sign-up and its verification link, forgotten password and the
//! reset link (CCSG-F-3a, SWS-C2-5).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::CoreError;

use super::*;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct RegisterForm {
    #[serde(default)]
    pub(crate) email: String,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) password: String,
    #[serde(default)]
    pub(crate) challenge: String,
    #[serde(default)]
    pub(crate) solution: String,
}

pub(crate) fn answer(challenge: &str, solution: &str) -> Option<Answer> {
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
        .challenges()
        .signup_challenge_needed(&ctx.client)
        .await?
        .then(|| state.shop.challenges().issue_challenge());
    let page = FormPage {
        fields: vec![
            field(t, "email", "email", "email", &form.email, errors),
            field(t, "name", "text", "name", &form.name, errors),
            field(t, "password", "password", "new-password", "", errors),
        ],
        error: (!errors.is_empty()).then(|| t.get("account.check_fields")),
        links: vec![("/account/login", t.get("account.have_account"))],
        challenge,
        ..FormPage::new(
            ctx.layout(state).await?,
            t,
            "account.register_title",
            "account.register_intro",
            "/account/register",
            "account.register_submit",
        )
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
    match state
        .shop
        .accounts()
        .register(&registration, &ctx.client)
        .await
    {
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
    pub(crate) t: String,
}

pub async fn verify_get(
    Query(q): Query<LinkQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let t = ctx.t;
    // Opening the link changes nothing (SWS-6); the button posts it.
    let page = FormPage {
        hidden: vec![("t", q.t.chars().take(64).collect())],
        ..FormPage::new(
            ctx.layout(&state).await?,
            t,
            "account.verify_title",
            "account.verify_intro",
            "/account/verify",
            "account.verify_submit",
        )
    };
    ctx.page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub(crate) t: String,
}

pub async fn verify_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<Response, WebError> {
    match state
        .shop
        .accounts()
        .verify_email(&form.t, &ctx.client)
        .await
    {
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

pub(crate) async fn link_invalid(ctx: &Ctx, state: &AppState) -> Result<Response, WebError> {
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

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    pub(crate) email: String,
}

pub async fn forgot_get(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let t = ctx.t;
    let page = FormPage {
        fields: vec![field(t, "email", "email", "email", "", &[])],
        links: vec![("/account/login", t.get("nav.login"))],
        ..FormPage::new(
            ctx.layout(&state).await?,
            t,
            "account.forgot_title",
            "account.forgot_intro",
            "/account/password/forgot",
            "account.forgot_submit",
        )
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
        .accounts()
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
        fields: vec![field(t, "password", "password", "new-password", "", errors)],
        hidden: vec![("t", token.chars().take(64).collect())],
        error: (!errors.is_empty()).then(|| t.get("account.check_fields")),
        ..FormPage::new(
            ctx.layout(state).await?,
            t,
            "account.reset_title",
            "account.reset_intro",
            "/account/password/reset",
            "account.password_submit",
        )
    };
    ctx.page(status, &page)
}

pub async fn reset_get(
    Query(q): Query<LinkQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    if !state.shop.accounts().reset_link_valid(&q.t).await? {
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
        .accounts()
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
