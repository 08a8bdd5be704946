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
    pub pow_src: &'static str,
    pub pow_integrity: &'static str,
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
            pow_src: crate::assets::pow_path(),
            pow_integrity: crate::assets::pow_integrity(),
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

mod login;
mod profile;
mod signup;

pub use login::*;
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
