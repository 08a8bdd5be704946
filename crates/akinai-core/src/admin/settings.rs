//! The settings screens (admin issue, item 8): shop profile, 特定商取引法に基づく表記 (JP-TOK-1),
//! invoice registration number (JP-INV-1) and tax rounding, the bank account for transfers,
//! shipping fees (flat or per prefecture, free-over threshold), and — for owners, after
//! re-authentication — the member security policies (IPA-C-10).
//!
//! Each form is one [`SettingsSection`], parsed completely before anything is saved (a bad field
//! saves nothing), applied to the stored document and audited with the changed values before
//! and after (IPA-C-12).

use crate::Settings;
use akinai_domain::points::PointsPolicy;
use serde_json::{json, Map, Value};

use akinai_domain::address::{parse_text, Email, Prefecture};
use akinai_domain::admin::{ManageSecurity, ManageShop};
use akinai_domain::invoice::RegistrationNumber;
use akinai_domain::order::PaymentMethod;
use akinai_domain::payment_timing::MAX_TIMING;
use akinai_domain::settings::{
    CardCapture, CodFeeTier, FeeRule, MailTemplate, SecondFactorPolicy, ShopSettings,
};
use akinai_domain::tax::RoundingMode;
use akinai_domain::Yen;

use super::form_fields::Fields;
use super::manage::Reauth;
use super::{Authorized, SignedInAdmin};
use crate::accounts::Client;
use crate::settings::SETTINGS_CHANGED;
use crate::CoreError;

/// One settings form as typed: field name → value.
#[derive(Debug, Clone)]
pub enum SettingsSection {
    Profile(Vec<(String, String)>),
    Legal(Vec<(String, String)>),
    Invoice(Vec<(String, String)>),
    Bank(Vec<(String, String)>),
    /// The shipping method's code and its fields.
    Shipping(String, Vec<(String, String)>),
    Privacy(Vec<(String, String)>),
    Delivery(Vec<(String, String)>),
    /// The methods offered (`bank_transfer`, … = `1`), `cod_fees`, and `card_capture`
    /// (`on_payment` or `at_shipping`; blank keeps the current one).
    Payments(Vec<(String, String)>),
    /// The hold rules (payments issue, item 7): `amount_at_least` (blank: off),
    /// `orders_per_address_per_day` (0: off), `blocked` (one entry per line).
    Holds(Vec<(String, String)>),
    /// Search synonyms (`synonyms`: one group per line, e.g. 「革 レザー leather」).
    Search(Vec<(String, String)>),
    /// Points (`earn_percent` 0–20, 0 off; `expiry_days` 0–3650, 0 never).
    Points(Vec<(String, String)>),
    /// The order status whose mail this is, and its fields (`subject`, `body`; both empty to
    /// go back to the built-in text).
    MailTemplate(String, Vec<(String, String)>),
}

/// The order statuses whose mails the shop may word itself.
pub const MAIL_STATUSES: [&str; 5] = ["paid", "shipped", "delivered", "cancelled", "refunded"];

/// A text area of `key value` lines (blank lines skipped), each read by `parse`; `None` when a
/// line does not read.
fn per_line<T>(raw: &str, parse: impl Fn(&str, &str) -> Option<T>) -> Option<Vec<T>> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.split_once(char::is_whitespace)
                .and_then(|(k, v)| parse(k.trim(), v.trim()))
        })
        .collect()
}

/// Non-empty trimmed lines of a text area, each checked as text of at most `max` characters.
fn lines(raw: &str, max: usize) -> Option<Vec<String>> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| parse_text(l, max).ok())
        .collect()
}

/// Fields of the 特商法 notice: form name and longest length.
pub const LEGAL_FIELDS: [(&str, usize); 10] = [
    ("seller_name", 100),
    ("representative", 100),
    ("address", 200),
    ("phone", 30),
    ("email", 254),
    ("business_hours", 200),
    ("additional_fees", 1000),
    ("payment_timing", 1000),
    ("delivery_timing", 1000),
    ("returns_policy", 2000),
];

/// The per-method 支払の時期 fields of the 特商法 section (blank: the default text), in the
/// order of `PaymentTimings`' fields.
pub const TIMING_FIELDS: [(&str, PaymentMethod); 4] = [
    ("timing_bank_transfer", PaymentMethod::BankTransfer),
    ("timing_cash_on_delivery", PaymentMethod::CashOnDelivery),
    ("timing_card", PaymentMethod::Card),
    ("timing_konbini", PaymentMethod::Konbini),
];

/// Applies a section to `s`, or says which fields are wrong (nothing applied).
fn apply(s: &mut ShopSettings, section: &SettingsSection) -> Result<(), CoreError> {
    match section {
        SettingsSection::Profile(p) => {
            let mut f = Fields::new(p);
            let name = f.text("shop_name", 60);
            let tagline = f.text("tagline", 120);
            f.done()?;
            s.shop_name = name;
            s.tagline = tagline;
        }
        SettingsSection::Legal(p) => {
            let mut f = Fields::new(p);
            let mut v: Vec<String> = LEGAL_FIELDS
                .iter()
                .map(|(name, max)| f.text(name, *max))
                .collect();
            if Email::parse(f.raw("email")).is_err() {
                f.errors.push(("email", "error.invalid"));
            }
            let mut worded = TIMING_FIELDS.map(|(name, _)| f.optional_text(name, MAX_TIMING));
            f.done()?;
            let l = &mut s.legal;
            let t = &mut l.payment_timings;
            for (slot, text) in [
                &mut t.bank_transfer,
                &mut t.cash_on_delivery,
                &mut t.card,
                &mut t.konbini,
            ]
            .into_iter()
            .zip(worded.iter_mut())
            {
                *slot = std::mem::take(text);
            }
            // In LEGAL_FIELDS order, taken from the back.
            let mut next = || v.pop().unwrap_or_default();
            l.returns_policy = next();
            l.delivery_timing = next();
            l.payment_timing = next();
            l.additional_fees = next();
            l.business_hours = next();
            l.email = next();
            l.phone = next();
            l.address = next();
            l.representative = next();
            l.seller_name = next();
        }
        SettingsSection::Invoice(p) => {
            let mut f = Fields::new(p);
            let number = match f.raw("invoice_number").trim() {
                "" => None,
                n => match RegistrationNumber::parse(n) {
                    Ok(n) => Some(n),
                    Err(e) => {
                        f.errors.push(("invoice_number", e.message_key()));
                        None
                    }
                },
            };
            let rounding = match f.raw("rounding") {
                "floor" => Some(RoundingMode::Floor),
                "ceil" => Some(RoundingMode::Ceil),
                "half_up" => Some(RoundingMode::HalfUp),
                _ => None,
            };
            if rounding.is_none() {
                f.errors.push(("rounding", "error.invalid"));
            }
            f.done()?;
            s.invoice_number = number;
            s.rounding = rounding.unwrap_or_default();
        }
        SettingsSection::Bank(p) => {
            let mut f = Fields::new(p);
            let bank = f.text("bank", 60);
            let branch = f.text("branch", 60);
            let account_type = f.text("account_type", 10);
            let number = f.text("number", 20);
            let holder = f.text("holder", 100);
            let due_days = f.number("due_days", 60);
            f.done()?;
            let a = &mut s.bank_account;
            (a.bank, a.branch, a.account_type, a.number, a.holder) =
                (bank, branch, account_type, number, holder);
            a.due_days = u32::try_from(due_days).unwrap_or(7);
        }
        SettingsSection::Shipping(code, p) => {
            let mut f = Fields::new(p);
            let name = f.text("name", 60);
            let fee = f.number("fee", 100_000);
            let free_over = match f.raw("free_over").trim() {
                "" => None,
                _ => Some(Yen(f.number("free_over", 10_000_000))),
            };
            let table = per_line(f.raw("prefecture_fees"), |pref, amount| {
                let p = Prefecture::ALL.into_iter().find(|p| p.name_ja() == pref)?;
                let a = akinai_domain::catalog::parse_whole(amount, 0..=100_000)?;
                Some((p.code(), Yen(a)))
            })
            .unwrap_or_else(|| {
                f.errors.push(("prefecture_fees", "error.invalid"));
                Vec::new()
            });
            f.done()?;
            let method = s
                .shipping_methods
                .iter_mut()
                .find(|m| &m.code == code)
                .ok_or(CoreError::NotFound)?;
            method.name = name;
            method.free_over = free_over;
            method.rule = if table.is_empty() {
                FeeRule::Flat { fee: Yen(fee) }
            } else {
                FeeRule::PerPrefecture {
                    default_fee: Yen(fee),
                    fees: table,
                }
            };
        }
        SettingsSection::Privacy(p) => {
            let mut f = Fields::new(p);
            let operator = f.text("business_operator", 300);
            let third = f.text("third_parties", 2000);
            let security = f.text("security_measures", 2000);
            let request = f.text("request_procedure", 2000);
            let contact = f.text("contact", 300);
            let purposes = lines(f.raw("purposes"), 300).filter(|p| !p.is_empty());
            if purposes.is_none() {
                f.errors.push(("purposes", "error.invalid"));
            }
            f.done()?;
            let v = &mut s.privacy;
            (v.business_operator, v.third_parties, v.security_measures) =
                (operator, third, security);
            (v.request_procedure, v.contact) = (request, contact);
            v.purposes = purposes.unwrap_or_default();
        }
        SettingsSection::Delivery(p) => {
            let mut f = Fields::new(p);
            let earliest = f.number("earliest_days", 60);
            let latest = f.number("latest_days", 90);
            let slots = lines(f.raw("time_slots"), 20);
            if slots.is_none() {
                f.errors.push(("time_slots", "error.invalid"));
            }
            if latest < earliest {
                f.errors.push(("latest_days", "error.invalid"));
            }
            f.done()?;
            let d = &mut s.delivery;
            d.earliest_days = u32::try_from(earliest).unwrap_or(0);
            d.latest_days = u32::try_from(latest).unwrap_or(0);
            d.time_slots = slots.unwrap_or_default();
        }
        SettingsSection::Payments(p) => {
            let mut f = Fields::new(p);
            let methods: Vec<PaymentMethod> = PaymentMethod::ALL
                .into_iter()
                .filter(|m| m.shop_wide() && f.raw(m.as_str()) == "1")
                .collect();
            if methods.is_empty() {
                f.errors.push(("payment_methods", "error.required"));
            }
            let mut tiers = per_line(f.raw("cod_fees"), |up, fee| {
                Some(CodFeeTier {
                    up_to: Yen(akinai_domain::catalog::parse_whole(up, 0..=10_000_000)?),
                    fee: Yen(akinai_domain::catalog::parse_whole(fee, 0..=100_000)?),
                })
            })
            .unwrap_or_else(|| {
                f.errors.push(("cod_fees", "error.invalid"));
                Vec::new()
            });
            if methods.contains(&PaymentMethod::CashOnDelivery) && tiers.is_empty() {
                f.errors.push(("cod_fees", "error.required"));
            }
            // Blank keeps the current choice (a form from before the choice existed).
            let capture = match f.raw("card_capture").trim() {
                "" => Some(s.card_capture),
                c => CardCapture::parse(c),
            };
            if capture.is_none() {
                f.errors.push(("card_capture", "error.invalid"));
            }
            f.done()?;
            tiers.sort_by_key(|t| t.up_to);
            s.payment_methods = methods;
            s.cod_fees = tiers;
            s.card_capture = capture.unwrap_or_default();
        }
        SettingsSection::Holds(p) => {
            let mut f = Fields::new(p);
            let amount = match f.raw("amount_at_least").trim() {
                "" => None,
                _ => Some(Yen(f.number("amount_at_least", 100_000_000))),
            };
            let per_address = f.number("orders_per_address_per_day", 100);
            let blocked = lines(f.raw("blocked"), 200);
            if blocked.as_ref().is_none_or(|b| b.len() > 500) {
                f.errors.push(("blocked", "error.invalid"));
            }
            f.done()?;
            let h = &mut s.holds;
            h.amount_at_least = amount;
            h.orders_per_address_per_day = u32::try_from(per_address).unwrap_or(0);
            h.blocked = blocked.unwrap_or_default();
        }
        SettingsSection::Search(p) => {
            let mut f = Fields::new(p);
            let groups = lines(f.raw("synonyms"), 200);
            let max = akinai_domain::search::MAX_SYNONYM_GROUPS;
            if groups.as_ref().is_none_or(|g| g.len() > max) {
                f.errors.push(("synonyms", "error.invalid"));
            }
            f.done()?;
            s.search_synonyms = groups.unwrap_or_default();
        }
        SettingsSection::Points(p) => {
            let mut f = Fields::new(p);
            match PointsPolicy::parse(f.raw("earn_percent"), f.raw("expiry_days")) {
                Ok(policy) => s.points = policy,
                Err(bad) => f
                    .errors
                    .extend(bad.into_iter().map(|b| (b, "error.invalid"))),
            }
            f.done()?;
        }
        SettingsSection::MailTemplate(status, p) => {
            let f = Fields::new(p);
            if !MAIL_STATUSES.contains(&status.as_str()) {
                return Err(CoreError::NotFound);
            }
            let (subject, body) = (f.raw("subject").trim(), f.raw("body").trim());
            if subject.is_empty() && body.is_empty() {
                s.mail_templates.remove(status);
                return Ok(());
            }
            let template = MailTemplate {
                subject: subject.to_string(),
                body: body.replace("\r\n", "\n"),
            };
            template.check().map_err(|_| {
                CoreError::InvalidForm(vec![("template", "admin.template_invalid")])
            })?;
            s.mail_templates.insert(status.clone(), template);
        }
    }
    Ok(())
}

/// The top-level settings (and one level down) that differ, as `(before, after)` objects.
fn changes(before: &ShopSettings, after: &ShopSettings) -> (Value, Value) {
    let (b, a) = (json!(before), json!(after));
    let (mut old, mut new) = (Map::new(), Map::new());
    if let (Some(b), Some(a)) = (b.as_object(), a.as_object()) {
        for (k, av) in a {
            let bv = b.get(k).cloned().unwrap_or(Value::Null);
            if &bv == av {
                continue;
            }
            match (bv.as_object(), av.as_object()) {
                (Some(bo), Some(ao)) => {
                    let keys = ao.iter().filter(|(kk, vv)| bo.get(*kk) != Some(*vv));
                    let (mut o, mut n) = (Map::new(), Map::new());
                    for (kk, vv) in keys {
                        o.insert(kk.clone(), bo.get(kk).cloned().unwrap_or(Value::Null));
                        n.insert(kk.clone(), vv.clone());
                    }
                    old.insert(k.clone(), Value::Object(o));
                    new.insert(k.clone(), Value::Object(n));
                }
                _ => {
                    old.insert(k.clone(), bv);
                    new.insert(k.clone(), av.clone());
                }
            }
        }
    }
    (Value::Object(old), Value::Object(new))
}

impl Settings {
    /// The current settings for the settings pages.
    pub async fn admin_settings(
        &self,
        _by: &Authorized<akinai_domain::admin::ViewSettings>,
    ) -> Result<ShopSettings, CoreError> {
        self.base.settings().await
    }

    /// Saves one settings form.
    pub async fn save_settings_section(
        &self,
        by: &Authorized<ManageShop>,
        section: &SettingsSection,
        client: &Client,
    ) -> Result<(), CoreError> {
        let s = by.admin()?;
        let before = self.base.settings().await?;
        let mut after = before.clone();
        apply(&mut after, section)?;
        self.save_and_audit(s, &before, &after, client).await
    }

    /// Changes the member security policies: owners only, after password and code again.
    pub async fn save_security_policies(
        &self,
        by: &Authorized<ManageSecurity>,
        second_factor: &str,
        guest_checkout: bool,
        reauth: &Reauth,
        client: &Client,
    ) -> Result<(), CoreError> {
        let s = by.admin()?;
        let policy = match second_factor {
            "optional" => SecondFactorPolicy::Optional,
            "required" => SecondFactorPolicy::Required,
            "on_risk" => SecondFactorPolicy::OnRisk,
            _ => {
                return Err(CoreError::InvalidForm(vec![(
                    "second_factor",
                    "error.invalid",
                )]))
            }
        };
        self.admin_accounts.reauthenticate_admin(s, reauth).await?;
        let before = self.base.settings().await?;
        let mut after = before.clone();
        after.second_factor = policy;
        after.guest_checkout = guest_checkout;
        self.save_and_audit(s, &before, &after, client).await
    }

    pub(crate) async fn save_and_audit(
        &self,
        s: &SignedInAdmin,
        before: &ShopSettings,
        after: &ShopSettings,
        client: &Client,
    ) -> Result<(), CoreError> {
        if before == after {
            return Ok(());
        }
        self.settings_store.save_settings(after).await?;
        self.base.caches.settings.forget(&());
        let (old, new) = changes(before, after);
        self.audit
            .record(
                &s.audit_context(client),
                SETTINGS_CHANGED,
                "settings",
                json!({ "before": old, "after": new }),
            )
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn jp_inv_1_the_invoice_number_is_validated_and_may_be_removed() {
        let mut s = ShopSettings::starter("店");
        let bad =
            SettingsSection::Invoice(pairs(&[("invoice_number", "T123"), ("rounding", "floor")]));
        assert!(matches!(
            apply(&mut s, &bad),
            Err(CoreError::InvalidForm(_))
        ));
        assert_eq!(s, ShopSettings::starter("店"), "nothing applied");
        let good = SettingsSection::Invoice(pairs(&[
            ("invoice_number", "T1234567890123"),
            ("rounding", "half_up"),
        ]));
        apply(&mut s, &good).unwrap();
        assert_eq!(
            s.invoice_number.as_ref().map(|n| n.as_str()),
            Some("T1234567890123")
        );
        assert_eq!(s.rounding, RoundingMode::HalfUp);
        let none =
            SettingsSection::Invoice(pairs(&[("invoice_number", ""), ("rounding", "floor")]));
        apply(&mut s, &none).unwrap();
        assert_eq!(s.invoice_number, None);
    }

    #[test]
    fn shipping_fees_per_prefecture_are_read_from_lines() {
        let mut s = ShopSettings::starter("店");
        let code = s.shipping_methods[0].code.clone();
        let section = SettingsSection::Shipping(
            code.clone(),
            pairs(&[
                ("name", "宅配便"),
                ("fee", "800"),
                ("free_over", "10,000"),
                ("prefecture_fees", "北海道 1200\n沖縄県　１５００\n"),
            ]),
        );
        apply(&mut s, &section).unwrap();
        let m = s.shipping_method(&code).unwrap();
        assert_eq!(m.free_over, Some(Yen(10_000)));
        assert_eq!(m.fee(Prefecture::Hokkaido, Yen(1000)), Yen(1200));
        assert_eq!(m.fee(Prefecture::Okinawa, Yen(1000)), Yen(1500));
        assert_eq!(m.fee(Prefecture::Tokyo, Yen(1000)), Yen(800));
        assert_eq!(m.fee(Prefecture::Okinawa, Yen(10_000)), Yen::ZERO);
        let bad = SettingsSection::Shipping(
            code,
            pairs(&[
                ("name", "宅配便"),
                ("fee", "800"),
                ("prefecture_fees", "ホッカイドウ 1200"),
            ]),
        );
        assert!(apply(&mut s, &bad).is_err());
    }

    #[test]
    fn mail_templates_are_checked_and_can_be_removed() {
        let mut s = ShopSettings::starter("店");
        let bad = SettingsSection::MailTemplate(
            "shipped".into(),
            pairs(&[("subject", "{shop}"), ("body", "{system('x')}")]),
        );
        assert!(matches!(
            apply(&mut s, &bad),
            Err(CoreError::InvalidForm(_))
        ));
        let good = SettingsSection::MailTemplate(
            "shipped".into(),
            pairs(&[
                ("subject", "【{shop}】お届けに向かっています"),
                ("body", "{name} 様\r\n{carrier} {tracking}"),
            ]),
        );
        apply(&mut s, &good).unwrap();
        assert_eq!(
            s.mail_templates["shipped"].body,
            "{name} 様\n{carrier} {tracking}"
        );
        let unknown = SettingsSection::MailTemplate(
            "placed".into(),
            pairs(&[("subject", "x"), ("body", "y")]),
        );
        assert!(matches!(apply(&mut s, &unknown), Err(CoreError::NotFound)));
        let reset = SettingsSection::MailTemplate(
            "shipped".into(),
            pairs(&[("subject", ""), ("body", "")]),
        );
        apply(&mut s, &reset).unwrap();
        assert!(s.mail_templates.is_empty());
    }

    #[test]
    fn payments_need_a_method_and_cash_on_delivery_needs_fees() {
        let mut s = ShopSettings::starter("店");
        let none = SettingsSection::Payments(pairs(&[("cod_fees", "")]));
        assert!(apply(&mut s, &none).is_err());
        let cod = SettingsSection::Payments(pairs(&[("cash_on_delivery", "1"), ("cod_fees", "")]));
        assert!(apply(&mut s, &cod).is_err());
        let ok = SettingsSection::Payments(pairs(&[
            ("bank_transfer", "1"),
            ("cash_on_delivery", "1"),
            ("cod_fees", "30000 440\n10000 330"),
        ]));
        apply(&mut s, &ok).unwrap();
        assert_eq!(s.cod_fee(Yen(5000)), Some(Yen(330)));
        assert_eq!(s.cod_fee(Yen(20_000)), Some(Yen(440)));
        assert_eq!(s.cod_fee(Yen(50_000)), None);
    }

    #[test]
    fn changes_name_only_what_differs() {
        let before = ShopSettings::starter("店");
        let mut after = before.clone();
        after.legal.phone = "03-0000-0000".into();
        let (old, new) = changes(&before, &after);
        assert_eq!(old, json!({ "legal": { "phone": "03-1234-5678" } }));
        assert_eq!(new, json!({ "legal": { "phone": "03-0000-0000" } }));
    }
}
