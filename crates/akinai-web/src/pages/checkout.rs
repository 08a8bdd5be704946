//! Guest checkout: the details form, the final confirmation screen (JP-TOK-2) and placing the
//! order.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::checkout::{CheckoutStart, Confirmation, NextStep};
use akinai_core::CoreError;
use akinai_domain::address::{FieldError, Prefecture};
use akinai_domain::checkout::{delivery_dates, CheckoutInput};
use akinai_domain::ids::AddressId;
use akinai_domain::order::PaymentMethod;
use akinai_domain::settings::{FeeRule, ShopSettings};

use crate::error::WebError;
use crate::form::CsrfForm;
use crate::i18n::{Lang, Tr};
use crate::layout::{Ctx, Layout};
use crate::AppState;

/// One `<option>` or radio button.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One text input of the form.
pub struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub kind: &'static str,
    pub autocomplete: &'static str,
    pub required: bool,
    pub hint: &'static str,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "checkout.html")]
pub struct CheckoutPage {
    pub l: Layout,
    pub contact: Vec<FieldView>,
    pub address: Vec<FieldView>,
    pub prefectures: Vec<Opt>,
    pub methods: Vec<Opt>,
    pub dates: Vec<Opt>,
    pub slots: Vec<Opt>,
    pub payments: Vec<Opt>,
    pub errors: HashMap<&'static str, String>,
    /// The member's saved addresses (id, one line each) to fill the form from.
    pub book: Vec<(AddressId, String)>,
    /// What 「住所を自動入力」 did, shown above the address fields.
    pub postal_notice: Option<String>,
    /// 「ギフト(金額を記載しない)」 is ticked.
    pub gift: bool,
    /// Invoice payment offered: the company's terms and what is left of its limit.
    pub invoice_note: Option<String>,
}

impl FieldView {
    /// The keyboard a phone shows for the field.
    pub fn inputmode(&self) -> &'static str {
        match self.name {
            "postal_code" => "numeric",
            "phone" => "tel",
            "email" => "email",
            _ => "text",
        }
    }

    /// The most characters the field takes (the domain's limits), 0 for no attribute.
    pub fn maxlength(&self) -> usize {
        use akinai_domain::address_book::{CITY_MAX, LINE_MAX, NAME_MAX};
        match self.name {
            "name" => NAME_MAX,
            "name_kana" => akinai_domain::address::Kana::MAX,
            "city" => CITY_MAX,
            "line1" | "line2" => LINE_MAX,
            "postal_code" => 10,
            "phone" => 13,
            "email" => 254,
            _ => 0,
        }
    }
}

/// A human description of a shipping method's fee.
fn method_label(t: Tr, m: &akinai_domain::settings::ShippingMethod) -> String {
    let fee = match &m.rule {
        FeeRule::Flat { fee } => fee.display(),
        FeeRule::PerPrefecture { default_fee, .. } => {
            t.fmt("checkout.fee_from", &[("fee", &default_fee.display())])
        }
    };
    let free = m
        .free_over
        .map(|f| t.fmt("checkout.free_over", &[("amount", &f.display())]))
        .unwrap_or_default();
    format!("{} — {fee}{free}", m.name)
}

/// 「請求書払い(掛け払い): 株式会社あきない 購買部・20日締め翌月末払い・ご利用限度額の残り: ¥450,000」.
fn invoice_note(t: Tr, a: &akinai_core::receivables::InvoiceAccount) -> String {
    let available = a.available().display();
    format!(
        "{}: {}・{}・{}",
        t.get("payment.invoice"),
        a.company.addressee(),
        a.terms.label_ja(),
        t.fmt("order.credit_note", &[("available", &available)])
    )
}

pub fn payment_label(t: Tr, m: PaymentMethod) -> &'static str {
    match m {
        PaymentMethod::BankTransfer => t.get("payment.bank_transfer"),
        PaymentMethod::CashOnDelivery => t.get("payment.cash_on_delivery"),
        PaymentMethod::Card => t.get("payment.card"),
        PaymentMethod::Konbini => t.get("payment.konbini"),
        PaymentMethod::Invoice => t.get("payment.invoice"),
    }
}

/// The recipient part of an address form (checkout and the address book): name, kana, phone
/// and postal code; the prefecture choice; city and address lines.
pub struct RecipientViews {
    pub contact: Vec<FieldView>,
    pub prefectures: Vec<Opt>,
    pub address: Vec<FieldView>,
}

/// One text field: (name, label key, hint key), value, (input type, autocomplete), required.
fn text_field(
    t: Tr,
    errors: &HashMap<&'static str, String>,
    (name, label, hint): (&'static str, &'static str, &'static str),
    value: &str,
    (kind, autocomplete): (&'static str, &'static str),
    required: bool,
) -> FieldView {
    FieldView {
        name,
        label: t.get(label),
        value: value.to_string(),
        kind,
        autocomplete,
        required,
        hint: t.get(hint),
        error: errors.get(name).cloned(),
    }
}

pub fn recipient_views(
    t: Tr,
    input: &CheckoutInput,
    errors: &HashMap<&'static str, String>,
) -> RecipientViews {
    let f = |name: &'static str, value: &str, kind, autocomplete, required| {
        let label: &'static str = t.lookup(&format!("checkout.{name}"));
        let hint: &'static str = t.lookup(&format!("checkout.{name}_hint"));
        FieldView {
            name,
            label,
            value: value.to_string(),
            kind,
            autocomplete,
            required,
            hint,
            error: errors.get(name).cloned(),
        }
    };
    let contact = vec![
        f("name", &input.name, "text", "name", true),
        f("name_kana", &input.name_kana, "text", "off", true),
        f("phone", &input.phone, "tel", "tel", true),
        f(
            "postal_code",
            &input.postal_code,
            "text",
            "postal-code",
            true,
        ),
    ];
    let address = vec![
        f("city", &input.city, "text", "address-level2", true),
        f("line1", &input.line1, "text", "address-line1", true),
        f("line2", &input.line2, "text", "address-line2", false),
    ];
    let prefectures = Prefecture::ALL
        .iter()
        .map(|p| Opt {
            value: p.code().to_string(),
            label: if t.lang == Lang::Ja {
                p.name_ja()
            } else {
                p.name_en()
            }
            .to_string(),
            selected: input.prefecture == p.code().to_string(),
        })
        .collect();
    RecipientViews {
        contact,
        prefectures,
        address,
    }
}

fn checkout_page(
    l: Layout,
    t: Tr,
    input: &CheckoutInput,
    errors: &[(&'static str, FieldError)],
    settings: &ShopSettings,
    today: chrono::NaiveDate,
) -> CheckoutPage {
    let errors: HashMap<&'static str, String> =
        errors.iter().map(|(f, e)| (*f, t.field(*e))).collect();
    let RecipientViews {
        mut contact,
        prefectures,
        address,
    } = recipient_views(t, input, &errors);
    contact.insert(
        2,
        text_field(
            t,
            &errors,
            ("email", "checkout.email", "checkout.email_hint"),
            &input.email,
            ("email", "email"),
            true,
        ),
    );
    let chosen_method = if input.shipping_method.is_empty() {
        settings
            .shipping_methods
            .first()
            .map(|m| m.code.clone())
            .unwrap_or_default()
    } else {
        input.shipping_method.clone()
    };
    let methods = settings
        .shipping_methods
        .iter()
        .map(|m| Opt {
            value: m.code.clone(),
            label: method_label(t, m),
            selected: m.code == chosen_method,
        })
        .collect();
    let mut dates = vec![Opt {
        value: String::new(),
        label: t.get("checkout.no_preference").to_string(),
        selected: input.delivery_date.is_empty(),
    }];
    dates.extend(delivery_dates(settings, today).into_iter().map(|d| {
        let value = d.format("%Y-%m-%d").to_string();
        Opt {
            selected: input.delivery_date == value,
            label: format_date(t, d),
            value,
        }
    }));
    let mut slots = vec![Opt {
        value: String::new(),
        label: t.get("checkout.no_preference").to_string(),
        selected: input.delivery_slot.is_empty(),
    }];
    slots.extend(settings.delivery.time_slots.iter().map(|s| Opt {
        value: s.clone(),
        label: s.clone(),
        selected: input.delivery_slot == *s,
    }));
    let chosen_payment = if input.payment_method.is_empty() {
        settings
            .payment_methods
            .first()
            .map(|m| m.as_str().to_string())
            .unwrap_or_default()
    } else {
        input.payment_method.clone()
    };
    let payments = settings
        .payment_methods
        .iter()
        .map(|m| Opt {
            value: m.as_str().to_string(),
            label: payment_label(t, *m).to_string(),
            selected: m.as_str() == chosen_payment,
        })
        .collect();
    CheckoutPage {
        l,
        contact,
        address,
        prefectures,
        methods,
        dates,
        slots,
        payments,
        errors,
        book: Vec::new(),
        postal_notice: None,
        gift: input.gift.trim() == "1",
        invoice_note: None,
    }
}

/// `2026年12月01日(火)` or `Tue 1 Dec 2026`.
pub fn format_date(t: Tr, d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    if t.lang == Lang::Ja {
        let wd =
            ["月", "火", "水", "木", "金", "土", "日"][d.weekday().num_days_from_monday() as usize];
        format!("{}({wd})", d.format("%Y年%m月%d日"))
    } else {
        d.format("%a %-d %b %Y").to_string()
    }
}

#[derive(Deserialize)]
pub struct CheckoutQuery {
    /// A saved address of the member to fill the form with.
    address: Option<AddressId>,
}

pub async fn checkout_get(
    Query(q): Query<CheckoutQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let start = state
        .shop
        .checkout()
        .begin_checkout(ctx.cart(), ctx.session_secret.as_deref(), q.address)
        .await?;
    let form = match start {
        CheckoutStart::SignInFirst => return Err(WebError::LoginRequired("/checkout".into())),
        CheckoutStart::SecondFactorFirst => return Ok(ctx.redirect("/account/passkeys?setup=1")),
        CheckoutStart::EmptyCart => return Ok(ctx.redirect("/cart")),
        CheckoutStart::Form(form) => form,
    };
    let l = ctx.layout(&state).await?;
    let mut page = checkout_page(l, ctx.t, &form.input, &[], &form.settings, form.today);
    page.invoice_note = form.invoice.as_ref().map(|a| invoice_note(ctx.t, a));
    page.book = form
        .book
        .iter()
        .map(|a| {
            (
                a.id,
                crate::pages::account::recipient_lines(ctx.t, &a.recipient).join(" / "),
            )
        })
        .collect();
    ctx.page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct CheckoutForm {
    #[serde(flatten)]
    input: CheckoutInput,
    /// Set by the 「住所を自動入力」 button: fill the address and show the form again.
    #[serde(default)]
    autofill: Option<String>,
}

pub async fn checkout_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(mut form): CsrfForm<CheckoutForm>,
) -> Result<Response, WebError> {
    if form.autofill.is_some() {
        let notice = super::postal::autofill(ctx.t, form.input.address_fields());
        let (settings, today) = state
            .shop
            .checkout()
            .form_options(ctx.session_secret.as_deref())
            .await?;
        let l = ctx.layout(&state).await?;
        let mut page = checkout_page(l, ctx.t, &form.input, &[], &settings, today);
        page.postal_notice = Some(notice);
        return ctx.page(StatusCode::OK, &page);
    }
    match state
        .shop
        .checkout()
        .save_checkout(ctx.cart(), ctx.session_secret.as_deref(), &form.input)
        .await
    {
        Ok(()) => Ok(ctx.redirect("/checkout/confirm")),
        Err(CoreError::InvalidFields(errors)) => {
            let (settings, today) = state
                .shop
                .checkout()
                .form_options(ctx.session_secret.as_deref())
                .await?;
            let l = ctx.layout(&state).await?;
            let page = checkout_page(l, ctx.t, &form.input, &errors, &settings, today);
            ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(CoreError::EmptyCart) => Ok(ctx.redirect("/cart")),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub l: Layout,
    pub c: Confirmation,
    pub payment: &'static str,
    pub payment_timing: String,
    /// A card payment is only held now and charged when the order ships (the shop's setting):
    /// part of 支払の時期 on the 特商法 final screen.
    pub card_at_shipping: bool,
    pub shipping_method: String,
    pub prefecture: &'static str,
    pub delivery_date: String,
    pub changed: bool,
}

#[derive(Deserialize)]
pub struct ConfirmQuery {
    changed: Option<String>,
}

pub async fn confirm_get(
    Query(q): Query<ConfirmQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let c = match state
        .shop
        .checkout()
        .confirmation(ctx.cart(), ctx.session_secret.as_deref())
        .await
    {
        Ok(c) => c,
        Err(CoreError::CheckoutMissing | CoreError::InvalidFields(_)) => {
            return Ok(ctx.redirect("/checkout"))
        }
        // The cart page says what is short, or why the coupon no longer applies.
        Err(
            CoreError::EmptyCart
            | CoreError::InsufficientStock { .. }
            | CoreError::Coupon(_)
            | CoreError::Points(_),
        ) => return Ok(ctx.redirect("/cart")),
        Err(e) => return Err(e.into()),
    };
    let t = ctx.t;
    let d = &c.details;
    let page = ConfirmPage {
        payment: payment_label(t, d.payment_method),
        payment_timing: match &c.invoice {
            // The company's own terms come first on the 特商法 final screen.
            Some(a) => format!(
                "{}。{}",
                a.terms.label_ja(),
                akinai_domain::payment_timing::default_timing(
                    PaymentMethod::Invoice,
                    c.settings.card_capture
                )
            ),
            None => c
                .settings
                .legal
                .payment_timings
                .text(d.payment_method, c.settings.card_capture),
        },
        card_at_shipping: d.payment_method == PaymentMethod::Card
            && c.settings.card_capture == akinai_domain::settings::CardCapture::AtShipping,
        shipping_method: c
            .settings
            .shipping_method(&d.shipping_method)
            .map(|m| m.name.clone())
            .unwrap_or_default(),
        prefecture: if t.lang == Lang::Ja {
            d.address.prefecture.name_ja()
        } else {
            d.address.prefecture.name_en()
        },
        delivery_date: d
            .delivery_date
            .map(|x| format_date(t, x))
            .unwrap_or_else(|| t.get("checkout.no_preference").to_string()),
        changed: q.changed.is_some(),
        l: ctx.layout(&state).await?,
        c,
    };
    ctx.page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct PlaceForm {
    fingerprint: String,
}

pub async fn confirm_post(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<PlaceForm>,
) -> Result<Response, WebError> {
    match state
        .shop
        .checkout()
        .place_and_pay(
            ctx.cart(),
            ctx.session_secret.as_deref(),
            &form.fingerprint,
            &ctx.client,
        )
        .await
    {
        // Card and konbini: straight on to the provider's page. If it cannot be reached now,
        // the status page offers the button again.
        Ok(placed) => Ok(match placed.next {
            NextStep::Provider(url) => crate::pages::payment::provider_redirect(&state, &ctx, &url),
            NextStep::Challenge => crate::pages::payment::to_challenge(&ctx, &placed.status_secret),
            NextStep::StatusPage => ctx.redirect(&format!("/order/{}", placed.status_secret)),
        }),
        Err(CoreError::CartChanged) => Ok(ctx.redirect("/checkout/confirm?changed=1")),
        Err(CoreError::EmptyCart) => Ok(ctx.redirect("/cart")),
        Err(CoreError::InsufficientStock { .. } | CoreError::Coupon(_) | CoreError::Points(_)) => {
            Ok(ctx.redirect("/cart"))
        }
        Err(CoreError::CheckoutMissing | CoreError::InvalidFields(_)) => {
            Ok(ctx.redirect("/checkout"))
        }
        Err(e) => Err(e.into()),
    }
}
