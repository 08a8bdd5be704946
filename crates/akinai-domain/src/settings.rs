//! Shop settings that drive the rules: legal notices, tax rounding, shipping fees, delivery slots,
//! payment methods. Stored as one document by the storage layer; edited by the admin issue, and
//! seeded with sensible defaults so a new shop is lawful from its first page.

use serde::{Deserialize, Serialize};

use crate::address::Prefecture;
use crate::order::PaymentMethod;
use crate::tax::RoundingMode;
use crate::Yen;

/// 特定商取引法に基づく表記 (JP-TOK-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalNotice {
    pub seller_name: String,
    pub representative: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub business_hours: String,
    pub additional_fees: String,
    pub payment_timing: String,
    /// 支払の時期 per method on the final confirmation screen (JP-TOK-2); blank: the default.
    #[serde(default)]
    pub payment_timings: crate::payment_timing::PaymentTimings,
    pub delivery_timing: String,
    /// 返品特約 (JP-TOK-3): shown on the notice page and the final confirmation screen.
    pub returns_policy: String,
}

/// Privacy policy (JP-APPI-1, JP-APPI-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyPolicy {
    pub business_operator: String,
    pub purposes: Vec<String>,
    pub third_parties: String,
    pub security_measures: String,
    pub request_procedure: String,
    pub contact: String,
}

/// How a shipping method's base fee is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeeRule {
    Flat {
        fee: Yen,
    },
    /// Per-prefecture table (JIS code → fee), with a fee for any prefecture not listed.
    PerPrefecture {
        default_fee: Yen,
        fees: Vec<(u8, Yen)>,
    },
}

/// A shipping method offered at checkout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShippingMethod {
    pub code: String,
    pub name: String,
    pub rule: FeeRule,
    /// Free shipping when the items total reaches this amount.
    pub free_over: Option<Yen>,
    /// Whether delivery date and time may be chosen (配送日時指定).
    pub allows_delivery_slot: bool,
}

impl ShippingMethod {
    /// The fee for delivery to `prefecture` of goods worth `items_total`.
    pub fn fee(&self, prefecture: Prefecture, items_total: Yen) -> Yen {
        if self
            .free_over
            .is_some_and(|threshold| items_total >= threshold)
        {
            return Yen::ZERO;
        }
        match &self.rule {
            FeeRule::Flat { fee } => *fee,
            FeeRule::PerPrefecture { default_fee, fees } => fees
                .iter()
                .find(|(code, _)| *code == prefecture.code())
                .map_or(*default_fee, |(_, fee)| *fee),
        }
    }
}

/// Rules for the delivery date and time a shopper may ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryRules {
    /// Earliest selectable date, in days after the order day.
    pub earliest_days: u32,
    /// Latest selectable date, in days after the order day.
    pub latest_days: u32,
    /// Time slots, e.g. "午前中", "14-16時".
    pub time_slots: Vec<String>,
}

/// Cash-on-delivery fee by order total: the first tier whose `up_to` covers the total applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodFeeTier {
    pub up_to: Yen,
    pub fee: Yen,
}

/// The shop's bank account for 銀行振込.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankAccount {
    pub bank: String,
    pub branch: String,
    pub account_type: String,
    pub number: String,
    pub holder: String,
    /// Days after ordering within which the transfer must arrive.
    pub due_days: u32,
}

/// Everything the storefront needs to know about the shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopSettings {
    pub shop_name: String,
    pub tagline: String,
    pub legal: LegalNotice,
    pub privacy: PrivacyPolicy,
    pub rounding: RoundingMode,
    pub shipping_methods: Vec<ShippingMethod>,
    pub delivery: DeliveryRules,
    pub payment_methods: Vec<PaymentMethod>,
    pub cod_fees: Vec<CodFeeTier>,
    pub bank_account: BankAccount,
    /// Whether shoppers may order without an account (accounts issue, item 11). Settings saved
    /// before this existed read as `true`.
    #[serde(default = "yes")]
    pub guest_checkout: bool,
    /// When members must use a second factor (accounts issue, item 5; IPA-C-10).
    #[serde(default)]
    pub second_factor: SecondFactorPolicy,
    /// 適格請求書発行事業者の登録番号 (JP-INV-1), when the shop is a registered issuer.
    #[serde(default)]
    pub invoice_number: Option<crate::invoice::RegistrationNumber>,
    /// The shop's own wording of the order-step mails, by order status (`paid`, `shipped`,
    /// …); a status without one uses the built-in text.
    #[serde(default)]
    pub mail_templates: std::collections::BTreeMap<String, MailTemplate>,
    /// Rules that hold orders for review before shipping (payments issue, item 7).
    #[serde(default)]
    pub holds: crate::hold::HoldRules,
    /// Card testing thresholds (payments issue, item 6).
    #[serde(default)]
    pub card_testing: crate::card_testing::CardTestingRules,
    /// Card payments paused site-wide after a decline spike, until an owner resumes them.
    #[serde(default)]
    pub card_payments_paused: bool,
    /// When card payments are captured: when the shopper pays, or when the order ships.
    #[serde(default)]
    pub card_capture: CardCapture,
    /// Search synonyms, one group per line (革 レザー leather); settings saved before this
    /// existed read the default groups.
    #[serde(default = "crate::search::default_synonyms")]
    pub search_synonyms: Vec<String>,
    /// The logo printed on 帳票: the SHA-256 of a kept logo version (none uploaded: `None`).
    #[serde(default)]
    pub logo: Option<String>,
    /// Points for members (issue #23, item 6); settings saved before points existed read as
    /// points off.
    #[serde(default)]
    pub points: crate::points::PointsPolicy,
}

/// When the money of a card payment is taken (payments issue, item 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardCapture {
    /// 即時売上: captured as the shopper pays (the order is paid at once).
    #[default]
    OnPayment,
    /// 仮売上 → 実売上: the card issuer holds the money and the shop captures it when the order
    /// ships (the card brands' rule that a sale is recorded when goods are delivered); a hold
    /// not captured within the provider's window (Stripe: 7 days) lapses and the order is
    /// cancelled.
    AtShipping,
}

impl CardCapture {
    pub const ALL: [CardCapture; 2] = [CardCapture::OnPayment, CardCapture::AtShipping];

    pub fn as_str(self) -> &'static str {
        match self {
            CardCapture::OnPayment => "on_payment",
            CardCapture::AtShipping => "at_shipping",
        }
    }

    pub fn parse(s: &str) -> Option<CardCapture> {
        CardCapture::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A shop's wording of a customer mail: plain text with `{placeholders}` and nothing else — no
/// code, no markup; the order's link and the shop's signature are always added after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailTemplate {
    pub subject: String,
    pub body: String,
}

/// The placeholders a mail template may use.
pub const MAIL_PLACEHOLDERS: [&str; 6] =
    ["name", "shop", "number", "amount", "carrier", "tracking"];

/// Why a mail template was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unknown placeholder {{{0}}}")]
    UnknownPlaceholder(String),
    #[error("a brace is not closed or not opened")]
    UnbalancedBrace,
    #[error("the text is empty or too long")]
    Length,
    #[error("the subject must be one line")]
    MultilineSubject,
}

impl MailTemplate {
    /// Checks both parts: known placeholders only, balanced braces, no control characters but
    /// line breaks in the body, subject one line of at most 120 characters, body at most 4,000.
    pub fn check(&self) -> Result<(), TemplateError> {
        if self.subject.chars().any(char::is_control) {
            return Err(TemplateError::MultilineSubject);
        }
        if self.body.chars().any(|c| c.is_control() && c != '\n') {
            return Err(TemplateError::Length);
        }
        for (text, max) in [(&self.subject, 120), (&self.body, 4000)] {
            let n = text.chars().count();
            if n == 0 || n > max {
                return Err(TemplateError::Length);
            }
            let mut rest = text.as_str();
            while let Some(open) = rest.find(['{', '}']) {
                if rest[open..].starts_with('}') {
                    return Err(TemplateError::UnbalancedBrace);
                }
                let after = &rest[open + 1..];
                let close = after.find('}').ok_or(TemplateError::UnbalancedBrace)?;
                let key = &after[..close];
                if !MAIL_PLACEHOLDERS.contains(&key) {
                    return Err(TemplateError::UnknownPlaceholder(
                        key.chars().take(20).collect(),
                    ));
                }
                rest = &after[close + 1..];
            }
        }
        Ok(())
    }

    /// `text` with each `{key}` replaced by its value, in one pass: a value containing braces
    /// is not expanded again.
    pub fn render(text: &str, vars: &[(&str, &str)]) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) => {
                    let key = &after[..close];
                    match vars.iter().find(|(k, _)| *k == key) {
                        Some((_, v)) => out.push_str(v),
                        None => out.push_str(&rest[open..open + close + 2]),
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    out.push_str(&rest[open..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// The shop's second-factor policy for members.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecondFactorPolicy {
    /// Members choose; a member who set one up is asked at every login.
    #[default]
    Optional,
    /// Every member must set up a second factor (an authenticator app or a passkey) before
    /// using the account, and is asked at every login.
    Required,
    /// Asked only when the login is risky: a browser or network the account has not used
    /// before. Members without a factor of their own then confirm a code sent by mail.
    OnRisk,
}

fn yes() -> bool {
    true
}

impl ShopSettings {
    pub fn shipping_method(&self, code: &str) -> Option<&ShippingMethod> {
        self.shipping_methods.iter().find(|m| m.code == code)
    }

    /// The cash-on-delivery fee for an amount to collect, or `None` above the highest tier
    /// (carriers refuse to collect more).
    pub fn cod_fee(&self, amount: Yen) -> Option<Yen> {
        self.cod_fees
            .iter()
            .find(|t| amount <= t.up_to)
            .map(|t| t.fee)
    }

    /// Settings of a new shop: lawful and usable, to be edited by the owner.
    pub fn starter(shop_name: &str) -> ShopSettings {
        ShopSettings {
            shop_name: shop_name.to_string(),
            tagline: "職人の手仕事と、毎日の暮らしの道具".into(),
            legal: LegalNotice {
                seller_name: "株式会社あきない商店".into(),
                representative: "代表取締役 山田 太郎".into(),
                address: "〒150-0001 東京都渋谷区神宮前1-2-3".into(),
                phone: "03-1234-5678".into(),
                email: "shop@akinai.example".into(),
                business_hours: "平日 10:00〜17:00(土日祝・年末年始を除く)".into(),
                additional_fees: "送料(配送方法と地域により異なります)、代金引換手数料、銀行振込手数料はお客様負担となります。".into(),
                payment_timing: "銀行振込:ご注文後7日以内の前払い。代金引換:商品お受け取り時。".into(),
                payment_timings: Default::default(),
                delivery_timing: "ご入金確認後(代金引換はご注文確認後)3営業日以内に発送します。".into(),
                returns_policy: "商品到着後8日以内に限り、未使用品の返品を承ります。お客様都合の返品送料はお客様負担です。不良品の場合は当店負担で交換いたします。".into(),
            },
            privacy: PrivacyPolicy {
                business_operator: "株式会社あきない商店 代表取締役 山田 太郎 (東京都渋谷区神宮前1-2-3)".into(),
                purposes: vec![
                    "ご注文商品の発送、代金の請求およびお支払いの確認".into(),
                    "ご注文・お問い合わせへの連絡".into(),
                    "不正利用の防止".into(),
                ],
                third_parties: "法令に基づく場合を除き、ご本人の同意なく第三者に提供しません。配送業者および決済事業者に業務上必要な範囲で委託します。".into(),
                security_measures: "通信の暗号化、アクセス制御、操作ログの記録、従業者への教育を行っています。".into(),
                request_procedure: "保有個人データの開示・訂正・利用停止等のご請求は、下記窓口までご連絡ください。ご本人確認のうえ対応します。".into(),
                contact: "個人情報お問い合わせ窓口 shop@akinai.example / 03-1234-5678".into(),
            },
            rounding: RoundingMode::Floor,
            shipping_methods: vec![
                ShippingMethod {
                    code: "standard".into(),
                    name: "宅配便".into(),
                    rule: FeeRule::PerPrefecture {
                        default_fee: Yen(800),
                        fees: vec![(1, Yen(1500)), (47, Yen(1800))],
                    },
                    free_over: Some(Yen(10000)),
                    allows_delivery_slot: true,
                },
                ShippingMethod {
                    code: "mail".into(),
                    name: "メール便(ポスト投函・日時指定不可)".into(),
                    rule: FeeRule::Flat { fee: Yen(370) },
                    free_over: None,
                    allows_delivery_slot: false,
                },
            ],
            delivery: DeliveryRules {
                earliest_days: 3,
                latest_days: 14,
                time_slots: vec![
                    "午前中".into(),
                    "14時〜16時".into(),
                    "16時〜18時".into(),
                    "18時〜20時".into(),
                    "19時〜21時".into(),
                ],
            },
            payment_methods: vec![PaymentMethod::BankTransfer, PaymentMethod::CashOnDelivery],
            cod_fees: vec![
                CodFeeTier { up_to: Yen(10_000), fee: Yen(330) },
                CodFeeTier { up_to: Yen(30_000), fee: Yen(440) },
                CodFeeTier { up_to: Yen(100_000), fee: Yen(660) },
                CodFeeTier { up_to: Yen(300_000), fee: Yen(1_100) },
            ],
            bank_account: BankAccount {
                bank: "あきない銀行".into(),
                branch: "渋谷支店".into(),
                account_type: "普通".into(),
                number: "1234567".into(),
                holder: "カ)アキナイシヨウテン".into(),
                due_days: 7,
            },
            guest_checkout: true,
            second_factor: SecondFactorPolicy::Optional,
            invoice_number: None,
            mail_templates: Default::default(),
            holds: Default::default(),
            card_testing: Default::default(),
            card_payments_paused: false,
            card_capture: CardCapture::OnPayment,
            search_synonyms: crate::search::default_synonyms(),
            logo: None,
            // 1 point per 100 yen, lapsing a year after the last earning or spending (the
            // common practice of Japanese shops; EC-CUBE ships 1% too).
            points: crate::points::PointsPolicy {
                earn_percent: 1,
                expiry_days: 365,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_templates_allow_known_placeholders_only() {
        let t = |subject: &str, body: &str| MailTemplate {
            subject: subject.into(),
            body: body.into(),
        };
        assert_eq!(
            t("【{shop}】発送 {number}", "{name} 様\n{carrier} {tracking}").check(),
            Ok(())
        );
        assert_eq!(
            t("{shop}", "{password}").check(),
            Err(TemplateError::UnknownPlaceholder("password".into()))
        );
        assert_eq!(t("{shop", "x").check(), Err(TemplateError::UnbalancedBrace));
        assert_eq!(t("x}", "x").check(), Err(TemplateError::UnbalancedBrace));
        assert_eq!(t("a\nb", "x").check(), Err(TemplateError::MultilineSubject));
        assert_eq!(t("", "x").check(), Err(TemplateError::Length));
        assert_eq!(
            MailTemplate::render(
                "{name} 様 {number}",
                &[("name", "{number}"), ("number", "AK1")]
            ),
            "{number} 様 AK1",
            "values are not expanded again"
        );
    }

    #[test]
    fn shipping_fees_follow_the_table_and_threshold() {
        let s = ShopSettings::starter("t");
        let m = s.shipping_method("standard").unwrap();
        assert_eq!(m.fee(Prefecture::Tokyo, Yen(5000)), Yen(800));
        assert_eq!(m.fee(Prefecture::Hokkaido, Yen(5000)), Yen(1500));
        assert_eq!(m.fee(Prefecture::Okinawa, Yen(9999)), Yen(1800));
        assert_eq!(m.fee(Prefecture::Okinawa, Yen(10000)), Yen(0));
        assert_eq!(
            s.shipping_method("mail")
                .unwrap()
                .fee(Prefecture::Tokyo, Yen(50000)),
            Yen(370)
        );
    }

    #[test]
    fn cod_fee_tiers() {
        let s = ShopSettings::starter("t");
        assert_eq!(s.cod_fee(Yen(10_000)), Some(Yen(330)));
        assert_eq!(s.cod_fee(Yen(10_001)), Some(Yen(440)));
        assert_eq!(s.cod_fee(Yen(300_001)), None);
    }
}
