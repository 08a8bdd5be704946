//! Quotes (見積, issue #23 item 4; ADR 049): a shopper — a business member or a guest who leaves
//! contact details — asks for a quote on the cart; staff adjust quantities, unit prices, the
//! shipping fee and the validity and send it; the shopper reads it by an unguessable link,
//! downloads it as 見積書 and orders it at the quoted prices until the last valid day. Every
//! sending is a numbered revision kept as sent. Pure: the forms, the states and the totals
//! (tax once per rate, JP-INV-2, like an order).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::address::{parse_optional_text, parse_text, Email, FieldError, Phone};
use crate::checkout::FieldErrors;
use crate::coupon_input::MAX_YEN;
use crate::documents::{document_line, rate_line, DocumentContent, DocumentKind, Party};
use crate::ids::{CustomerId, OrderId, QuoteId, SkuId};
use crate::money::MoneyOverflow;
use crate::pricing::{totals, PricedLine, Totals};
use crate::settings::ShopSettings;
use crate::tax::RoundingMode;
use crate::Yen;

/// Days a quote stays valid unless staff choose otherwise.
pub const DEFAULT_VALID_DAYS: u64 = 30;
/// Most characters of a request's or a quote's message.
pub const NOTE_MAX: usize = 1000;

/// Where a quote stands as stored; [`Quote::state`] adds the expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteStatus {
    /// Asked for, not yet sent by the shop.
    Requested,
    /// Sent to the shopper (revision ≥ 1).
    Sent,
    /// Turned into an order.
    Ordered,
    /// Withdrawn by the shop.
    Withdrawn,
}

impl QuoteStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            QuoteStatus::Requested => "requested",
            QuoteStatus::Sent => "sent",
            QuoteStatus::Ordered => "ordered",
            QuoteStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<QuoteStatus> {
        [
            QuoteStatus::Requested,
            QuoteStatus::Sent,
            QuoteStatus::Ordered,
            QuoteStatus::Withdrawn,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// What a quote means today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteState {
    Requested,
    /// Sent and valid today: it can be ordered.
    Open,
    /// Sent, but the last valid day has passed.
    Expired,
    Ordered,
    Withdrawn,
}

impl QuoteState {
    /// The shop's and the shopper's word for it.
    pub fn label_ja(self) -> &'static str {
        match self {
            QuoteState::Requested => "見積依頼中",
            QuoteState::Open => "有効",
            QuoteState::Expired => "有効期限切れ",
            QuoteState::Ordered => "ご注文済み",
            QuoteState::Withdrawn => "取り下げ",
        }
    }
}

/// Who asked for the quote and how to reach them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteContact {
    pub name: String,
    pub email: String,
    pub phone: String,
    /// 会社名 (and 部署), as the shopper typed it or from the approved business account.
    pub company: String,
}

impl QuoteContact {
    /// The addressee printed on the 見積書: 「会社 氏名」.
    pub fn addressee(&self) -> String {
        if self.company.is_empty() {
            self.name.clone()
        } else {
            format!("{} {}", self.company, self.name)
        }
    }
}

/// A quote's line: the line as quoted and the list price it was asked at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    pub line: PricedLine,
    pub list_price: Yen,
}

/// A quote with its current lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub id: QuoteId,
    pub status: QuoteStatus,
    /// The number of times it was sent (0 while requested).
    pub revision: u32,
    /// The member who asked, `None` for a guest.
    pub customer: Option<CustomerId>,
    pub contact: QuoteContact,
    /// What the shopper wrote with the request.
    pub request_note: String,
    pub lines: Vec<QuoteLine>,
    /// The shipping fee as quoted (`None` until staff set it).
    pub shipping_fee: Option<Yen>,
    pub valid_until: Option<NaiveDate>,
    /// The shop's message to the shopper.
    pub message: String,
    pub order_id: Option<OrderId>,
    pub requested_at: DateTime<Utc>,
    /// What the link's token is derived from under the server's key (not a secret by itself).
    pub link_nonce: String,
}

impl Quote {
    /// `Q-00000012`.
    pub fn number(&self) -> String {
        format!("Q-{:08}", self.id.0)
    }

    /// What it means on `today` (Japan).
    pub fn state(&self, today: NaiveDate) -> QuoteState {
        match self.status {
            QuoteStatus::Requested => QuoteState::Requested,
            QuoteStatus::Ordered => QuoteState::Ordered,
            QuoteStatus::Withdrawn => QuoteState::Withdrawn,
            QuoteStatus::Sent if self.valid_until.is_some_and(|d| d >= today) => QuoteState::Open,
            QuoteStatus::Sent => QuoteState::Expired,
        }
    }

    pub fn priced_lines(&self) -> Vec<PricedLine> {
        self.lines.iter().map(|l| l.line.clone()).collect()
    }

    /// The totals as quoted: items, shipping, tax once per rate (JP-INV-2).
    pub fn totals(&self, mode: RoundingMode) -> Result<Totals, MoneyOverflow> {
        totals(
            &self.priced_lines(),
            self.shipping_fee.unwrap_or(Yen::ZERO),
            Yen::ZERO,
            mode,
        )
    }

    /// The quoted total shown beside a quote in lists and mails: its lines and shipping fee, tax
    /// included (what [`Quote::totals`] adds up, without the per-rate breakdown).
    pub fn quoted_total(&self) -> Yen {
        let items: i64 = self.lines.iter().map(|l| l.line.line_total.0).sum();
        Yen(items + self.shipping_fee.map_or(0, |f| f.0))
    }

    /// Whether a cart holding `lines` (SKU and quantity) is exactly this quote's lines, so it
    /// is ordered at the quoted prices.
    pub fn matches(&self, lines: &[(SkuId, u32)]) -> bool {
        let mut quoted: Vec<(SkuId, u32)> = self
            .lines
            .iter()
            .map(|l| (l.line.sku_id, l.line.quantity))
            .collect();
        let mut cart = lines.to_vec();
        quoted.sort();
        cart.sort();
        quoted == cart
    }

    /// The quoted unit price of a SKU.
    pub fn unit_price(&self, sku: SkuId) -> Option<Yen> {
        self.lines
            .iter()
            .find(|l| l.line.sku_id == sku)
            .map(|l| l.line.unit_price)
    }
}

impl Quote {
    /// The 御見積書 of the quote as it stands (its last sending), issued on `issued_on`; tax once
    /// per rate as on an order (JP-INV-2), the shop as issuer with its registration number.
    pub fn document(
        &self,
        settings: &ShopSettings,
        issued_on: NaiveDate,
    ) -> Result<DocumentContent, MoneyOverflow> {
        let totals = self.totals(settings.rounding)?;
        let number = format!("{}-{}", self.number(), self.revision.max(1));
        Ok(DocumentContent {
            kind: DocumentKind::Quote,
            number: number.clone(),
            issued_on,
            order_number: number,
            transaction_date: issued_on,
            issuer: Party {
                name: settings.legal.seller_name.clone(),
                address: settings.legal.address.clone(),
                phone: settings.legal.phone.clone(),
            },
            registration_number: settings
                .invoice_number
                .as_ref()
                .map(|n| n.as_str().to_string()),
            buyer: self.contact.addressee(),
            ship_to: None,
            delivery: None,
            payment_method: String::new(),
            lines: self.lines.iter().map(|l| document_line(&l.line)).collect(),
            shipping_fee: totals.shipping_fee,
            payment_fee: Yen::ZERO,
            discount: Yen::ZERO,
            points: Yen::ZERO,
            grand_total: totals.grand_total,
            rates: totals.rates.iter().map(rate_line).collect(),
            show_prices: true,
            purpose: None,
            stamp: None,
            refers_to: None,
            logo: settings.logo.clone(),
            replaces: None,
            valid_until: self.valid_until,
            remarks: (!self.message.is_empty()).then(|| self.message.clone()),
            period: None,
            due_on: None,
            reissue: false,
        })
    }
}

/// Free text that may span lines: at most [`NOTE_MAX`] characters, no control characters
/// other than line breaks.
fn note(errors: &mut FieldErrors, field: &'static str, raw: &str) -> String {
    let text = raw.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.trim().to_string();
    if text.chars().count() > NOTE_MAX {
        errors.push((field, FieldError::TooLong(NOTE_MAX)));
    } else if text.chars().any(|c| c.is_control() && c != '\n') {
        errors.push((field, FieldError::Invalid));
    }
    text
}

/// The request form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuoteRequestInput {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub company: String,
    pub note: String,
}

/// A request, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteRequest {
    pub contact: QuoteContact,
    pub note: String,
}

impl QuoteRequestInput {
    /// The contact details and note, or every field that is wrong.
    pub fn parse(&self) -> Result<QuoteRequest, FieldErrors> {
        let mut errors: FieldErrors = Vec::new();
        let name = parse_text(&self.name, 60).unwrap_or_else(|e| {
            errors.push(("name", e));
            String::new()
        });
        let email = Email::parse(&self.email).map_or_else(
            |e| {
                errors.push(("email", e));
                String::new()
            },
            |e| e.as_str().to_string(),
        );
        let phone = Phone::parse(&self.phone).map_or_else(
            |e| {
                errors.push(("phone", e));
                String::new()
            },
            |p| p.as_str().to_string(),
        );
        let company = parse_optional_text(&self.company, 160).unwrap_or_else(|e| {
            errors.push(("company", e));
            None
        });
        let note = note(&mut errors, "note", &self.note);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(QuoteRequest {
            contact: QuoteContact {
                name,
                email,
                phone,
                company: company.unwrap_or_default(),
            },
            note,
        })
    }
}

/// The shop's edit of a quote as typed: per line (by SKU) the quantity and unit price, then
/// the shipping fee, the last valid day and the message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuoteEditInput {
    /// `(sku, quantity, unit price)`; quantity `0` drops the line.
    pub lines: Vec<(SkuId, String, String)>,
    pub shipping_fee: String,
    pub valid_until: String,
    pub message: String,
}

/// A checked edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteEdit {
    /// `(sku, quantity, unit price)`, lines kept in the quote's order.
    pub lines: Vec<(SkuId, u32, Yen)>,
    pub shipping_fee: Yen,
    pub valid_until: NaiveDate,
    pub message: String,
}

/// The most units of one quoted line.
pub const MAX_QUOTE_QUANTITY: u32 = 99_999;

fn whole(raw: &str) -> Option<i64> {
    crate::money::fold_typed_number(raw).parse::<i64>().ok()
}

impl QuoteEditInput {
    /// The edit for a quote whose lines are `skus`, on `today`; every wrong field at once. At
    /// least one line must stay, and the last valid day is today or later.
    pub fn parse(&self, skus: &[SkuId], today: NaiveDate) -> Result<QuoteEdit, FieldErrors> {
        let mut errors: FieldErrors = Vec::new();
        let mut lines = Vec::new();
        for sku in skus {
            let Some((_, q, p)) = self.lines.iter().find(|l| l.0 == *sku) else {
                continue;
            };
            let quantity = match whole(q) {
                Some(n) if (0..=i64::from(MAX_QUOTE_QUANTITY)).contains(&n) => n as u32,
                _ => {
                    errors.push(("quantity", FieldError::Invalid));
                    continue;
                }
            };
            let price = match whole(p) {
                Some(n) if (0..=MAX_YEN).contains(&n) => Yen(n),
                _ => {
                    errors.push(("unit_price", FieldError::Invalid));
                    continue;
                }
            };
            if quantity > 0 {
                lines.push((*sku, quantity, price));
            }
        }
        if lines.is_empty() && !errors.iter().any(|e| e.0 == "quantity") {
            errors.push(("lines", FieldError::Required));
        }
        let shipping_fee = match whole(&self.shipping_fee) {
            Some(n) if (0..=MAX_YEN).contains(&n) => Yen(n),
            _ => {
                errors.push(("shipping_fee", FieldError::Invalid));
                Yen::ZERO
            }
        };
        let valid_until =
            match NaiveDate::parse_from_str(&self.valid_until.trim().replace('/', "-"), "%Y-%m-%d")
            {
                Ok(d) if d >= today => d,
                _ => {
                    errors.push(("valid_until", FieldError::Invalid));
                    today
                }
            };
        let message = note(&mut errors, "message", &self.message);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(QuoteEdit {
            lines,
            shipping_fee,
            valid_until,
            message,
        })
    }
}

#[cfg(test)]
#[path = "quote_tests.rs"]
mod tests;
