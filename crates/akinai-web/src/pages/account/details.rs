//! The member's own data (accounts issue, items 8 and 10): profile (name, phone), the address
//! book, and account deletion. Each change carries the current password (CCSG-F-3c); the rules,
//! notices and erasure live in `akinai_core::accounts::profile`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::accounts::Member;
use akinai_core::CoreError;
use akinai_domain::address::FieldError;
use akinai_domain::address_book::RecipientInput;
use akinai_domain::checkout::CheckoutInput;
use akinai_domain::ids::AddressId;

use super::*;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::{Ctx, Layout};
use crate::pages::checkout::{recipient_views, Opt, RecipientViews};
use crate::AppState;

type Errors = [(&'static str, &'static str)];

async fn profile_page(
    ctx: &Ctx,
    state: &AppState,
    m: &Member,
    status: StatusCode,
    form: Option<&ProfileForm>,
    errors: &Errors,
) -> Result<Response, WebError> {
    let t = ctx.t;
    let (name, phone) = match form {
        Some(f) => (f.name.clone(), f.phone.clone()),
        None => (
            m.customer.name.clone(),
            m.customer.phone.clone().unwrap_or_default(),
        ),
    };
    let mut phone = field(t, "phone", "tel", "tel", &phone, errors);
    phone.required = false;
    let fields = vec![
        field(t, "name", "text", "name", &name, errors),
        phone,
        current_password(t, errors),
    ];
    let keys = (
        "account.profile_title",
        "account.profile_intro",
        "/account/profile",
        "account.profile_submit",
    );
    let page = FormPage::settings(ctx.layout(state).await?, t, keys, fields, errors);
    ctx.page(status, &page)
}

pub async fn profile_get(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
) -> Result<Response, WebError> {
    profile_page(&ctx, &state, &m, StatusCode::OK, None, &[]).await
}

#[derive(Deserialize, Default)]
pub struct ProfileForm {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) phone: String,
    #[serde(default)]
    pub(crate) current_password: String,
}

pub async fn profile_post(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> Result<Response, WebError> {
    match state
        .shop
        .profiles()
        .update_profile(
            &m,
            &form.name,
            &form.phone,
            &form.current_password,
            &ctx.client,
        )
        .await
    {
        Ok(()) => Ok(ctx.redirect("/account")),
        Err(CoreError::InvalidForm(errors)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            profile_page(&ctx, &state, &m, status, Some(&form), &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// One saved address in the list.
pub struct AddressView {
    pub id: AddressId,
    pub lines: Vec<String>,
    pub shared: bool,
}

#[derive(Template)]
#[template(path = "addresses.html")]
pub struct AddressesPage {
    pub l: Layout,
    pub addresses: Vec<AddressView>,
    pub full: bool,
    pub error: Option<&'static str>,
    /// The member's company, when they buy for one (addresses can be shared with it).
    pub company: Option<String>,
}

#[derive(Template)]
#[template(path = "address_form.html")]
pub struct AddressFormPage {
    pub l: Layout,
    pub action: String,
    pub contact: Vec<FieldView>,
    pub prefectures: Vec<Opt>,
    pub address: Vec<FieldView>,
    pub password: FieldView,
    pub errors: HashMap<&'static str, String>,
    pub error: Option<&'static str>,
    /// The postal-code autofill script.
    pub script: crate::assets::Script,
    /// What 「住所を自動入力」 did (without script), shown above the address fields.
    pub postal_notice: Option<String>,
}

/// The lines shown for a recipient: name, 〒 and address, phone.
pub fn recipient_lines(
    t: crate::i18n::Tr,
    r: &akinai_domain::address_book::Recipient,
) -> Vec<String> {
    let a = &r.address;
    let pref = if t.lang == crate::Lang::Ja {
        a.prefecture.name_ja()
    } else {
        a.prefecture.name_en()
    };
    vec![
        r.name.clone(),
        format!(
            "〒{} {pref}{}{} {}",
            a.postal_code.as_str(),
            a.city,
            a.line1,
            a.line2.as_deref().unwrap_or("")
        )
        .trim_end()
        .to_string(),
        r.phone.as_str().to_string(),
    ]
}

pub async fn addresses_get(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
) -> Result<Response, WebError> {
    addresses_page(&ctx, &state, &m, StatusCode::OK, None).await
}

async fn addresses_page(
    ctx: &Ctx,
    state: &AppState,
    m: &Member,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<Response, WebError> {
    let addresses: Vec<AddressView> = state
        .shop
        .profiles()
        .member_addresses(m)
        .await?
        .iter()
        .map(|a| AddressView {
            id: a.id,
            lines: recipient_lines(ctx.t, &a.recipient),
            shared: a.shared,
        })
        .collect();
    let company = state
        .shop
        .business()
        .membership(m)
        .await?
        .map(|ms| ms.company.addressee());
    let page = AddressesPage {
        l: ctx.layout(state).await?,
        full: addresses.len() >= akinai_domain::address_book::MAX_ADDRESSES,
        addresses,
        error,
        company,
    };
    ctx.page(status, &page)
}

/// What the address form shows besides the input: rejected fields (by key or in full) and what
/// 「住所を自動入力」 did.
#[derive(Default)]
struct Shown<'a> {
    errors: &'a Errors,
    fields: &'a [(&'static str, FieldError)],
    notice: Option<String>,
}

async fn address_form(
    ctx: &Ctx,
    state: &AppState,
    status: StatusCode,
    action: String,
    input: &RecipientInput,
    Shown {
        errors,
        fields,
        notice,
    }: Shown<'_>,
) -> Result<Response, WebError> {
    let t = ctx.t;
    let errors_map: HashMap<&'static str, String> = errors
        .iter()
        .map(|(f, k)| (*f, t.lookup(k).to_string()))
        .chain(fields.iter().map(|(f, e)| (*f, t.field(*e))))
        .collect();
    let as_checkout = CheckoutInput {
        name: input.name.clone(),
        name_kana: input.name_kana.clone(),
        phone: input.phone.clone(),
        postal_code: input.postal_code.clone(),
        prefecture: input.prefecture.clone(),
        city: input.city.clone(),
        line1: input.line1.clone(),
        line2: input.line2.clone(),
        ..CheckoutInput::default()
    };
    let RecipientViews {
        contact,
        prefectures,
        address,
    } = recipient_views(t, &as_checkout, &errors_map);
    let page = AddressFormPage {
        l: ctx.layout(state).await?,
        action,
        contact,
        prefectures,
        address,
        password: current_password(t, errors),
        script: crate::assets::postal_script(),
        postal_notice: notice,
        error: errors
            .iter()
            .find(|(f, _)| *f == "address")
            .map(|(_, k)| t.lookup(k))
            .or_else(|| {
                (!errors.is_empty() || !fields.is_empty()).then(|| t.get("account.check_fields"))
            }),
        errors: errors_map,
    };
    ctx.page(status, &page)
}

pub async fn address_new_get(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(_): MemberExt,
) -> Result<Response, WebError> {
    let input = RecipientInput::default();
    address_form(
        &ctx,
        &state,
        StatusCode::OK,
        "/account/addresses".into(),
        &input,
        Shown::default(),
    )
    .await
}

/// `/account/addresses/{id}`: the form to change one of the member's addresses (another
/// member's id is not found, SWS-11).
pub async fn address_edit_get(
    Path(id): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
) -> Result<Response, WebError> {
    let id: AddressId = id.parse().map_err(|_| WebError::NotFound)?;
    let saved = state
        .shop
        .profiles()
        .member_addresses(&m)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(WebError::NotFound)?;
    let input = RecipientInput::from(&saved.recipient);
    let action = format!("/account/addresses/{id}");
    address_form(
        &ctx,
        &state,
        StatusCode::OK,
        action,
        &input,
        Shown::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct AddressForm {
    #[serde(flatten)]
    pub(crate) input: RecipientInput,
    #[serde(default)]
    pub(crate) current_password: String,
    /// Set by the 「住所を自動入力」 button: fill the address and show the form again.
    #[serde(default)]
    pub(crate) autofill: Option<String>,
}

async fn save_address(
    state: &AppState,
    ctx: &Ctx,
    m: &Member,
    id: Option<AddressId>,
    mut form: AddressForm,
) -> Result<Response, WebError> {
    let action = id.map_or("/account/addresses".to_string(), |i| {
        format!("/account/addresses/{i}")
    });
    if form.autofill.is_some() {
        let notice = crate::pages::postal::autofill(ctx.t, form.input.address_fields());
        let shown = Shown {
            notice: Some(notice),
            ..Shown::default()
        };
        return address_form(ctx, state, StatusCode::OK, action, &form.input, shown).await;
    }
    match state
        .shop
        .profiles()
        .save_member_address(m, id, &form.input, &form.current_password, &ctx.client)
        .await
    {
        Ok(_) => Ok(ctx.redirect("/account/addresses")),
        Err(e @ (CoreError::InvalidForm(_) | CoreError::InvalidFields(_))) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let (errors, fields) = match e {
                CoreError::InvalidForm(errors) => (errors, Vec::new()),
                CoreError::InvalidFields(fields) => (Vec::new(), fields),
                _ => (Vec::new(), Vec::new()),
            };
            let shown = Shown {
                errors: &errors,
                fields: &fields,
                notice: None,
            };
            address_form(ctx, state, status, action, &form.input, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn address_add_post(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(form): CsrfForm<AddressForm>,
) -> Result<Response, WebError> {
    save_address(&state, &ctx, &m, None, form).await
}

pub async fn address_edit_post(
    Path(id): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(form): CsrfForm<AddressForm>,
) -> Result<Response, WebError> {
    let id: AddressId = id.parse().map_err(|_| WebError::NotFound)?;
    save_address(&state, &ctx, &m, Some(id), form).await
}

pub async fn address_delete_post(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(form): CsrfForm<IdPasswordForm>,
) -> Result<Response, WebError> {
    match state
        .shop
        .profiles()
        .delete_member_address(&m, AddressId(form.id), &form.current_password, &ctx.client)
        .await
    {
        Ok(()) => Ok(ctx.redirect("/account/addresses")),
        Err(CoreError::InvalidForm(errors)) => {
            let error = errors.first().map(|(_, k)| ctx.t.lookup(k));
            addresses_page(&ctx, &state, &m, StatusCode::UNPROCESSABLE_ENTITY, error).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn delete_page(
    ctx: &Ctx,
    state: &AppState,
    status: StatusCode,
    errors: &Errors,
) -> Result<Response, WebError> {
    let t = ctx.t;
    let mut confirm = field(t, "confirm", "checkbox", "off", "yes", errors);
    confirm.label = t.get("account.delete_confirm");
    confirm.hint = "";
    let page = FormPage {
        fields: vec![current_password(t, errors), confirm],
        error: errors.first().map(|(_, k)| t.lookup(k)),
        links: vec![("/account", t.get("nav.my_page"))],
        ..FormPage::new(
            ctx.layout(state).await?,
            t,
            "account.delete_title",
            "account.delete_intro",
            "/account/delete",
            "account.delete_submit",
        )
    };
    ctx.page(status, &page)
}

pub async fn delete_get(
    State(state): State<AppState>,
    ctx: Ctx,
    MemberExt(_): MemberExt,
) -> Result<Response, WebError> {
    delete_page(&ctx, &state, StatusCode::OK, &[]).await
}

#[derive(Deserialize, Default)]
pub struct DeleteForm {
    #[serde(default)]
    pub(crate) current_password: String,
    #[serde(default)]
    pub(crate) confirm: String,
}

/// `POST /account/delete`: deletes the account, ends this browser's session and says so.
pub async fn delete_post(
    State(state): State<AppState>,
    mut ctx: Ctx,
    MemberExt(m): MemberExt,
    CsrfForm(form): CsrfForm<DeleteForm>,
) -> Result<Response, WebError> {
    let confirmed = form.confirm == "yes";
    match state
        .shop
        .profiles()
        .delete_account(&m, &form.current_password, confirmed, &ctx.client)
        .await
    {
        Ok(()) => {
            ctx.end_session();
            message(
                &ctx,
                &state,
                StatusCode::OK,
                "account.deleted_title",
                "account.deleted_text",
                vec![("/", "nav.home")],
            )
            .await
        }
        Err(CoreError::InvalidForm(errors)) => {
            delete_page(&ctx, &state, StatusCode::UNPROCESSABLE_ENTITY, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}
