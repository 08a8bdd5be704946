//! Passkeys (IPA-C-10): logging in with one, and the member's list where passkeys are added
//! (with the current password) and removed. The ceremonies run in the browser through the
//! first-party `passkey.js`; these handlers only carry the results to
//! `akinai_core::accounts::passkey`, which verifies them.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::accounts::passkey::{PasskeyLogin, PasskeyRegistration};
use akinai_core::accounts::Member;
use akinai_core::CoreError;
use akinai_domain::ids::PasskeyId;

use super::*;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::{Ctx, Layout};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct PasskeyLoginForm {
    #[serde(default)]
    pub(crate) credential_id: String,
    #[serde(default)]
    pub(crate) client_data: String,
    #[serde(default)]
    pub(crate) authenticator_data: String,
    #[serde(default)]
    pub(crate) signature: String,
    #[serde(default)]
    pub(crate) user_handle: String,
    #[serde(default)]
    pub(crate) next: String,
}

/// `POST /account/login/passkey`: a login with a passkey alone. A refusal reads like a wrong
/// password: the login page again, 401.
pub async fn passkey_login_post(
    State(state): State<AppState>,
    mut ctx: Ctx,
    CsrfForm(form): CsrfForm<PasskeyLoginForm>,
) -> Result<Response, WebError> {
    let request = PasskeyLogin {
        credential_id: form.credential_id,
        client_data: form.client_data,
        authenticator_data: form.authenticator_data,
        signature: form.signature,
        user_handle: form.user_handle,
        device: ctx.device.clone(),
    };
    match state
        .shop
        .accounts()
        .passkey_login(&request, &ctx.client)
        .await
    {
        Ok(done) => {
            ctx.set_second_step(None);
            ctx.start_session(done.session, done.new_device);
            let next = crate::layout::safe_local_path(&form.next).unwrap_or("/account");
            Ok(ctx.redirect(next))
        }
        Err(CoreError::LoginFailed) => {
            let page = FormPage {
                error: Some(ctx.t.get("account.passkey_not_used")),
                links: vec![("/account/login", ctx.t.get("nav.login"))],
                ..FormPage::new(
                    ctx.layout(&state).await?,
                    ctx.t,
                    "account.login_title",
                    "",
                    "/account/login",
                    "account.login_submit",
                )
            };
            ctx.page(StatusCode::UNAUTHORIZED, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// One passkey in the list.
pub struct PasskeyView {
    pub id: PasskeyId,
    pub name: String,
    pub created: String,
    pub last_used: String,
}

#[derive(Template)]
#[template(path = "passkeys.html")]
pub struct PasskeysPage {
    pub l: Layout,
    pub passkeys: Vec<PasskeyView>,
    /// Creation options for the page script; `None` where passkeys cannot work.
    pub options: Option<String>,
    pub fields: Vec<FieldView>,
    pub error: Option<&'static str>,
    pub script: crate::assets::Script,
    /// The shop requires a second factor and the member has none yet.
    pub setup: bool,
}

async fn passkeys_page(
    ctx: &Ctx,
    state: &AppState,
    m: &Member,
    status: StatusCode,
    errors: &[(&'static str, &'static str)],
) -> Result<Response, WebError> {
    let t = ctx.t;
    let passkeys = state
        .shop
        .factors()
        .member_passkeys(m)
        .await?
        .into_iter()
        .map(|p| PasskeyView {
            id: p.id,
            name: p.name,
            created: jst_time(p.created_at),
            last_used: p.last_used_at.map(jst_time).unwrap_or_default(),
        })
        .collect();
    let options = if state.shop.factors().passkeys_available() {
        Some(state.shop.factors().passkey_creation_options(m).await?)
    } else {
        None
    };
    let mut name = field(t, "passkey_name", "text", "off", "", errors);
    name.required = false;
    let page = PasskeysPage {
        l: ctx.layout(state).await?,
        passkeys,
        options,
        fields: vec![name, current_password(t, errors)],
        error: errors.first().map(|(_, k)| t.lookup(k)),
        script: crate::assets::passkey_script(),
        setup: state.shop.accounts().second_factor_setup_needed(m).await?,
    };
    ctx.page(status, &page)
}

pub async fn passkeys_get(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
) -> Result<Response, WebError> {
    passkeys_page(&ctx, &state, &m, StatusCode::OK, &[]).await
}

#[derive(Deserialize, Default)]
pub struct AddPasskeyForm {
    #[serde(default)]
    pub(crate) passkey_name: String,
    #[serde(default)]
    pub(crate) current_password: String,
    #[serde(default)]
    pub(crate) client_data: String,
    #[serde(default)]
    pub(crate) attestation: String,
}

/// `POST /account/passkeys`: adds the passkey the browser just made.
pub async fn passkeys_post(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(form): CsrfForm<AddPasskeyForm>,
) -> Result<Response, WebError> {
    let registration = PasskeyRegistration {
        name: form.passkey_name,
        client_data: form.client_data,
        attestation: form.attestation,
        current_password: form.current_password,
    };
    match state
        .shop
        .factors()
        .add_passkey(&m, &registration, &ctx.client)
        .await
    {
        Ok(()) => Ok(ctx.redirect("/account/passkeys")),
        Err(CoreError::InvalidForm(errors)) => {
            passkeys_page(&ctx, &state, &m, StatusCode::UNPROCESSABLE_ENTITY, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /account/passkeys/delete`: removes one of the member's passkeys (another member's id
/// is not found).
pub async fn passkey_delete_post(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(form): CsrfForm<IdPasswordForm>,
) -> Result<Response, WebError> {
    match state
        .shop
        .factors()
        .remove_passkey(&m, PasskeyId(form.id), &form.current_password, &ctx.client)
        .await
    {
        Ok(()) => Ok(ctx.redirect("/account/passkeys")),
        Err(CoreError::InvalidForm(errors)) => {
            passkeys_page(&ctx, &state, &m, StatusCode::UNPROCESSABLE_ENTITY, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}
