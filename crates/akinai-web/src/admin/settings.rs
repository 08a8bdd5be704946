//! The settings pages (admin issue, item 8): one page of forms (shop profile, 特商法 notice,
//! invoice number and rounding, bank account, each shipping method) for owners and managers, and
//! the member security policies for owners with re-authentication. The core parses, applies and
//! audits; a form with a bad field saves nothing and comes back with the message.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::admin::{
    Reauth, SettingsSection, SignedInAdmin, LEGAL_FIELDS, MAIL_STATUSES, TIMING_FIELDS,
};
use akinai_core::CoreError;
use akinai_domain::admin::{ManageSecurity, ManageShop};
use akinai_domain::order::PaymentMethod;
use akinai_domain::payment_timing::default_timing;
use akinai_domain::settings::{FeeRule, SecondFactorPolicy};
use akinai_domain::tax::RoundingMode;

use super::AdminExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

/// The Japanese label of each 特商法 field, in [`LEGAL_FIELDS`] order.
const LEGAL_LABELS: [&str; 10] = [
    "販売業者",
    "運営統括責任者",
    "所在地",
    "電話番号",
    "メールアドレス",
    "営業時間",
    "商品代金以外の必要料金",
    "支払時期・方法",
    "引渡し時期",
    "返品・交換(返品特約)",
];

struct ShippingForm {
    code: String,
    name: String,
    fee: i64,
    free_over: String,
    table: String,
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    csrf: String,
    shop_name: String,
    tagline: String,
    legal: Vec<(&'static str, &'static str, String, bool)>,
    /// Per-method 支払の時期: field name, method label, the owner's text, the default text.
    timings: Vec<(&'static str, &'static str, String, &'static str)>,
    invoice_number: String,
    rounding: &'static str,
    bank: Vec<(&'static str, &'static str, String)>,
    due_days: u32,
    shipping: Vec<ShippingForm>,
    privacy: Vec<(&'static str, &'static str, String)>,
    purposes: String,
    earliest_days: u32,
    latest_days: u32,
    time_slots: String,
    hold_amount: String,
    hold_per_address: u32,
    hold_blocked: String,
    /// The search synonyms, one group per line.
    synonyms: String,
    points: akinai_domain::points::PointsPolicy,
    bank_transfer: bool,
    cash_on_delivery: bool,
    card: bool,
    konbini: bool,
    capture_at_shipping: bool,
    cod_fees: String,
    /// Status code, its label, the shop's subject and body (empty when built-in).
    mails: Vec<(&'static str, &'static str, String, String)>,
    can_security: bool,
    /// False for roles that only read the settings (auditors).
    can_edit: bool,
    /// Card payments paused after a decline spike (owners resume them).
    card_paused: bool,
    second_factor: &'static str,
    guest_checkout: bool,
    /// A logo is uploaded (the preview and the remove button show).
    logo: bool,
    message: Option<&'static str>,
    error: Option<&'static str>,
}

pub(super) async fn page(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    status: StatusCode,
    message: Option<&'static str>,
    error: Option<&'static str>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<akinai_domain::admin::ViewSettings>()?;
    let s = state.shop.settings().admin_settings(&proof).await?;
    let l = &s.legal;
    let legal_values = [
        &l.seller_name,
        &l.representative,
        &l.address,
        &l.phone,
        &l.email,
        &l.business_hours,
        &l.additional_fees,
        &l.payment_timing,
        &l.delivery_timing,
        &l.returns_policy,
    ];
    let legal = LEGAL_FIELDS
        .iter()
        .zip(LEGAL_LABELS)
        .zip(legal_values)
        .map(|(((name, max), label), value)| (*name, label, value.clone(), *max > 200))
        .collect();
    let timings = TIMING_FIELDS
        .iter()
        .map(|(name, method)| {
            (
                *name,
                super::order_desk::payment_label(*method),
                l.payment_timings.worded(*method).to_string(),
                default_timing(*method, s.card_capture),
            )
        })
        .collect();
    let b = &s.bank_account;
    let page = SettingsPage {
        csrf: ctx.csrf.clone(),
        shop_name: s.shop_name.clone(),
        tagline: s.tagline.clone(),
        legal,
        timings,
        invoice_number: s
            .invoice_number
            .as_ref()
            .map(|n| n.as_str().to_string())
            .unwrap_or_default(),
        rounding: match s.rounding {
            RoundingMode::Floor => "floor",
            RoundingMode::Ceil => "ceil",
            RoundingMode::HalfUp => "half_up",
        },
        bank: vec![
            ("bank", "銀行名", b.bank.clone()),
            ("branch", "支店名", b.branch.clone()),
            ("account_type", "種別(普通・当座)", b.account_type.clone()),
            ("number", "口座番号", b.number.clone()),
            ("holder", "口座名義", b.holder.clone()),
        ],
        due_days: b.due_days,
        shipping: s
            .shipping_methods
            .iter()
            .map(|m| {
                let (fee, table) = match &m.rule {
                    FeeRule::Flat { fee } => (fee.0, String::new()),
                    FeeRule::PerPrefecture { default_fee, fees } => (
                        default_fee.0,
                        fees.iter()
                            .filter_map(|(code, fee)| {
                                akinai_domain::address::Prefecture::from_code(*code)
                                    .map(|p| format!("{} {}", p.name_ja(), fee.0))
                            })
                            .collect::<Vec<_>>()
                            .join("\n"),
                    ),
                };
                ShippingForm {
                    code: m.code.clone(),
                    name: m.name.clone(),
                    fee,
                    free_over: m.free_over.map(|y| y.0.to_string()).unwrap_or_default(),
                    table,
                }
            })
            .collect(),
        privacy: vec![
            (
                "business_operator",
                "事業者の名称・住所・代表者",
                s.privacy.business_operator.clone(),
            ),
            (
                "third_parties",
                "第三者提供・委託",
                s.privacy.third_parties.clone(),
            ),
            (
                "security_measures",
                "安全管理措置",
                s.privacy.security_measures.clone(),
            ),
            (
                "request_procedure",
                "開示等の請求の手続き",
                s.privacy.request_procedure.clone(),
            ),
            ("contact", "お問い合わせ窓口", s.privacy.contact.clone()),
        ],
        purposes: s.privacy.purposes.join("\n"),
        earliest_days: s.delivery.earliest_days,
        latest_days: s.delivery.latest_days,
        time_slots: s.delivery.time_slots.join("\n"),
        hold_amount: s
            .holds
            .amount_at_least
            .map(|y| y.0.to_string())
            .unwrap_or_default(),
        hold_per_address: s.holds.orders_per_address_per_day,
        hold_blocked: s.holds.blocked.join("\n"),
        synonyms: s.search_synonyms.join("\n"),
        points: s.points,
        bank_transfer: s.payment_methods.contains(&PaymentMethod::BankTransfer),
        cash_on_delivery: s.payment_methods.contains(&PaymentMethod::CashOnDelivery),
        card: s.payment_methods.contains(&PaymentMethod::Card),
        konbini: s.payment_methods.contains(&PaymentMethod::Konbini),
        capture_at_shipping: s.card_capture == akinai_domain::settings::CardCapture::AtShipping,
        cod_fees: s
            .cod_fees
            .iter()
            .map(|t| format!("{} {}", t.up_to.0, t.fee.0))
            .collect::<Vec<_>>()
            .join("\n"),
        mails: MAIL_STATUSES
            .iter()
            .zip(["入金確認", "発送", "配達完了", "キャンセル", "返金"])
            .map(|(code, label)| {
                let own = s.mail_templates.get(*code);
                (
                    *code,
                    label,
                    own.map(|t| t.subject.clone()).unwrap_or_default(),
                    own.map(|t| t.body.clone()).unwrap_or_default(),
                )
            })
            .collect(),
        can_security: a.holds::<ManageSecurity>(),
        can_edit: a.holds::<ManageShop>(),
        card_paused: s.card_payments_paused,
        second_factor: match s.second_factor {
            SecondFactorPolicy::Optional => "optional",
            SecondFactorPolicy::Required => "required",
            SecondFactorPolicy::OnRisk => "on_risk",
        },
        guest_checkout: s.guest_checkout,
        logo: s.logo.is_some(),
        message,
        error,
    };
    ctx.page(status, &page)
}

#[derive(Deserialize, Default)]
pub(super) struct SavedQuery {
    #[serde(default)]
    pub(super) saved: String,
}

pub(super) async fn settings_get(
    Query(q): Query<SavedQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let message =
        (q.saved == "1").then_some("保存しました。お店の画面には 1 分以内に反映されます。");
    page(&state, &ctx, &a, StatusCode::OK, message, None).await
}

async fn answer(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    outcome: Result<(), CoreError>,
) -> Result<Response, WebError> {
    match outcome {
        Ok(()) => Ok(ctx.redirect("/admin/settings?saved=1")),
        Err(CoreError::InvalidForm(fields)) => {
            let text = if super::reauth_failed(&fields) {
                "パスワードまたは認証コードが違います。変更していません。"
            } else if fields.iter().any(|(f, _)| *f == "invoice_number") {
                "登録番号は「T」と 13 桁の数字で入力してください(チェックディジットも確認します)。変更していません。"
            } else if fields.iter().any(|(f, _)| *f == "template") {
                "メールの文面に使えるのは {name} {shop} {number} {amount} {carrier} {tracking} だけです(件名は 1 行・120 文字まで)。変更していません。"
            } else if fields
                .iter()
                .any(|(f, _)| *f == "cod_fees" || *f == "payment_methods")
            {
                "支払方法を 1 つ以上選び、代金引換の手数料は「10000 330」(この金額まで 手数料)のように 1 行に 1 つ入力してください。変更していません。"
            } else if fields.iter().any(|(f, _)| *f == "synonyms") {
                "同義語は 1 行に 1 組(1 行 200 文字まで、500 組まで)で入力してください。変更していません。"
            } else if fields.iter().any(|(f, _)| *f == "prefecture_fees") {
                "都道府県別の送料は「北海道 1200」のように 1 行に 1 つ入力してください。変更していません。"
            } else {
                "入力内容を確認してください(必須項目・文字数・金額)。変更していません。"
            };
            page(
                state,
                ctx,
                a,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(text),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn section_post(
    Path(section): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageShop>()?;
    let code = fields
        .iter()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let section = match section.as_str() {
        "profile" => SettingsSection::Profile(fields),
        "legal" => SettingsSection::Legal(fields),
        "invoice" => SettingsSection::Invoice(fields),
        "bank" => SettingsSection::Bank(fields),
        "shipping" => SettingsSection::Shipping(code, fields),
        "privacy" => SettingsSection::Privacy(fields),
        "delivery" => SettingsSection::Delivery(fields),
        "payments" => SettingsSection::Payments(fields),
        "holds" => SettingsSection::Holds(fields),
        "search" => SettingsSection::Search(fields),
        "points" => SettingsSection::Points(fields),
        "mail" => SettingsSection::MailTemplate(code, fields),
        _ => return Err(WebError::NotFound),
    };
    let outcome = state
        .shop
        .settings()
        .save_settings_section(&proof, &section, &ctx.client)
        .await;
    answer(&state, &ctx, &a, outcome).await
}

#[derive(Deserialize, Default)]
pub(super) struct SecurityForm {
    #[serde(default)]
    second_factor: String,
    #[serde(default)]
    guest_checkout: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

impl SecurityForm {
    /// The owner's password and code, asked again for security changes.
    fn reauth(&self) -> Reauth {
        Reauth {
            password: self.password.clone(),
            code: self.code.clone(),
        }
    }
}

pub(super) async fn security_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<SecurityForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageSecurity>()?;
    let reauth = f.reauth();
    let outcome = state
        .shop
        .settings()
        .save_security_policies(
            &proof,
            &f.second_factor,
            f.guest_checkout == "1",
            &reauth,
            &ctx.client,
        )
        .await;
    answer(&state, &ctx, &a, outcome).await
}

/// Resumes card payments after a pause (owners, password and code).
pub(super) async fn resume_card_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<SecurityForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageSecurity>()?;
    let reauth = f.reauth();
    let outcome = state
        .shop
        .payments()
        .resume_card_payments(&proof, &reauth, &ctx.client)
        .await;
    answer(&state, &ctx, &a, outcome).await
}
