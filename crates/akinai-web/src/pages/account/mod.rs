//! Customer account pages (split by area into `signup`, `login`, `profile`): sign-up, e-mail verification, login and logout, my page, sessions,
//! password change, forgotten password and reset. Handlers only translate between forms and the
//! `akinai_core::accounts` use cases; every rule (throttling, strength, tokens) lives there.
//! Routes declared `Member`/`MemberForm` pass [`require_member`] first, so a handler taking
//! [`MemberExt`] cannot run without a live session.

use askama::Template;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use akinai_core::accounts::challenge::{Answer, Challenge};
use akinai_core::accounts::{Member, Registration};
use akinai_core::clock::jst;

use crate::error::WebError;
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
    /// Passkey login options (JSON for the page script), on the login and second-step pages.
    pub passkey_login: Option<String>,
    /// Where a passkey login goes on to.
    pub next: String,
    pub pow: crate::assets::Script,
    pub passkey: crate::assets::Script,
}

impl FormPage {
    /// A form page with the catalogue texts `title`, `intro` (may be `""`) and `submit`, posting
    /// to `action`; fields, hidden values, links and the challenge are set by the caller.
    pub fn new(
        l: Layout,
        t: Tr,
        title: &'static str,
        intro: &'static str,
        action: &'static str,
        submit: &'static str,
    ) -> FormPage {
        FormPage {
            l,
            title: t.get(title),
            intro: if intro.is_empty() { "" } else { t.get(intro) },
            action,
            submit: t.get(submit),
            fields: Vec::new(),
            hidden: Vec::new(),
            error: None,
            links: Vec::new(),
            challenge: None,
            passkey_login: None,
            next: String::new(),
            pow: crate::assets::pow_script(),
            passkey: crate::assets::passkey_script(),
        }
    }
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

/// The member pages open to a member who must still set up a second factor (shop policy
/// "required", IPA-C-10): the factor pages themselves.
const SETUP_PATHS: [&str; 4] = [
    "/account/passkeys",
    "/account/totp",
    "/account/sessions",
    "/account/sessions/revoke-all",
];

/// Middleware of `Member`/`MemberForm` routes: a live session or a redirect to the login page;
/// under the "required" second-factor policy, a member without a factor is sent to set one up.
pub async fn require_member(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let secret = cookies::get(request.headers(), cookies::SESSION).map(str::to_string);
    match state.shop.accounts().member(secret.as_deref()).await {
        Ok(Some(member)) => {
            let path = request.uri().path();
            if !SETUP_PATHS.contains(&path) {
                match state
                    .shop
                    .accounts()
                    .second_factor_setup_needed(&member)
                    .await
                {
                    Ok(true) => {
                        return axum::response::Redirect::to("/account/passkeys?setup=1")
                            .into_response()
                    }
                    Ok(false) => {}
                    Err(e) => return WebError::Core(e).into_response(),
                }
            }
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

pub(crate) fn field(
    t: Tr,
    name: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: &str,
    errors: &[(&'static str, &'static str)],
) -> FieldView {
    let mut view = FieldView {
        name,
        label: t.lookup(&format!("account.field_{name}")),
        value: value.to_string(),
        kind,
        autocomplete,
        required: true,
        hint: t.lookup(&format!("account.hint_{name}")),
        error: None,
    };
    // "Too long" names the field's limit, which the field knows (its `maxlength`).
    let max = view.maxlength().to_string();
    view.error = errors
        .iter()
        .find(|(f, _)| *f == name)
        .map(|(_, key)| match *key {
            "error.too_long" if max != "0" => t.fmt("error.too_long_max", &[("max", &max)]),
            key => t.lookup(key).to_string(),
        });
    view
}

/// The "current password" field of every change that needs re-authentication (CCSG-F-3c).
pub(crate) fn current_password(t: Tr, errors: &[(&'static str, &'static str)]) -> FieldView {
    field(
        t,
        "current_password",
        "password",
        "current-password",
        "",
        errors,
    )
}

/// A form that names one of the member's things by id and carries the current password
/// (removing a passkey or an address).
#[derive(serde::Deserialize, Default)]
pub struct IdPasswordForm {
    #[serde(default)]
    pub(crate) id: i64,
    #[serde(default)]
    pub(crate) current_password: String,
}

impl FormPage {
    /// A member's settings form (`keys`: title, intro, action, submit): its fields, "check
    /// the fields" when there are errors, and a link back to my page.
    pub fn settings(
        l: Layout,
        t: Tr,
        keys: (&'static str, &'static str, &'static str, &'static str),
        fields: Vec<FieldView>,
        errors: &[(&'static str, &'static str)],
    ) -> FormPage {
        let (title, intro, action, submit) = keys;
        FormPage {
            fields,
            error: (!errors.is_empty()).then(|| t.get("account.check_fields")),
            links: vec![("/account", t.get("nav.my_page"))],
            ..FormPage::new(l, t, title, intro, action, submit)
        }
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

mod business;
mod details;
mod login;
mod passkey;
mod points;
mod profile;
mod signup;

pub use business::*;
pub use details::*;
pub use login::*;
pub use passkey::*;
pub use points::*;
pub use profile::*;
pub use signup::*;

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
}
