//! 掛け払い (invoice payment, issue #23 item 5; ADR 050): the payment terms a shop agrees with an
//! approved business customer (締め日 and 支払日, e.g. 月末締め翌月末払い), the billing period an
//! order falls in and its due date, the credit limit an order must stay within, and the monthly
//! statement (請求書) that collects a period's orders as one qualified invoice with the tax of each
//! rate computed once on the whole statement (JP-INV-2). Pure: no IO, no clock.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::money::MoneyOverflow;
use crate::pricing::RateTotal;
use crate::tax::{tax_included_in, RoundingMode, TaxCategory};
use crate::Yen;

/// A day of the month a period closes or a payment is due: a day 1–28, or the month's last day
/// (月末), which keeps every month valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonthDay {
    Day(u8),
    EndOfMonth,
}

impl MonthDay {
    /// This day in the month of `year`/`month`.
    pub fn in_month(self, year: i32, month: u32) -> Option<NaiveDate> {
        match self {
            MonthDay::Day(d) => NaiveDate::from_ymd_opt(year, month, u32::from(d)),
            MonthDay::EndOfMonth => NaiveDate::from_ymd_opt(year, month, 1)
                .and_then(|first| first.checked_add_months(Months::new(1)))
                .and_then(|next| next.pred_opt()),
        }
    }

    /// `末` or `20日`.
    pub fn label_ja(self) -> String {
        match self {
            MonthDay::Day(d) => format!("{d}日"),
            MonthDay::EndOfMonth => "末".to_string(),
        }
    }

    /// `0` (or `31`, `末`) for the month's end, else 1–28.
    pub fn parse(raw: &str) -> Option<MonthDay> {
        match raw.trim() {
            "0" | "31" | "末" | "end" => Some(MonthDay::EndOfMonth),
            s => s
                .parse::<u8>()
                .ok()
                .filter(|d| (1..=28).contains(d))
                .map(MonthDay::Day),
        }
    }
}

/// 締め日 and 支払日: a period closes on `closing`; its total is due on `pay_day` of the month
/// `months_after` months after the closing (1 = 翌月).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentTerms {
    pub closing: MonthDay,
    pub months_after: u8,
    pub pay_day: MonthDay,
}

impl Default for PaymentTerms {
    /// 月末締め翌月末払い, the most common terms.
    fn default() -> PaymentTerms {
        PaymentTerms {
            closing: MonthDay::EndOfMonth,
            months_after: 1,
            pay_day: MonthDay::EndOfMonth,
        }
    }
}

/// A billing period: the first and the last (closing) day, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Period {
    pub first: NaiveDate,
    pub closing: NaiveDate,
}

impl PaymentTerms {
    /// 「月末締め翌月末払い」, 「20日締め翌月10日払い」.
    pub fn label_ja(&self) -> String {
        let when = match self.months_after {
            0 => "当月".to_string(),
            1 => "翌月".to_string(),
            2 => "翌々月".to_string(),
            n => format!("{n}か月後の"),
        };
        let closing = match self.closing {
            MonthDay::EndOfMonth => "月末".to_string(),
            day => day.label_ja(),
        };
        format!("{closing}締め{when}{}払い", self.pay_day.label_ja())
    }

    /// The closing day of the month of `year`/`month`.
    fn closing_in(&self, year: i32, month: u32) -> Option<NaiveDate> {
        self.closing.in_month(year, month)
    }

    /// The billing period `day` falls in.
    pub fn period_of(&self, day: NaiveDate) -> Option<Period> {
        let this = self.closing_in(day.year(), day.month())?;
        let closing = if day <= this {
            this
        } else {
            let next = day.with_day(1)?.checked_add_months(Months::new(1))?;
            self.closing_in(next.year(), next.month())?
        };
        let before = closing.with_day(1)?.checked_sub_months(Months::new(1))?;
        let first = self.closing_in(before.year(), before.month())?.succ_opt()?;
        Some(Period { first, closing })
    }

    /// When a period closing on `closing` is due.
    pub fn due_date(&self, closing: NaiveDate) -> Option<NaiveDate> {
        let month = closing
            .with_day(1)?
            .checked_add_months(Months::new(u32::from(self.months_after)))?;
        let due = self.pay_day.in_month(month.year(), month.month())?;
        // 当月払い with a pay day before the closing day is paid the next month.
        if due < closing {
            let next = month.checked_add_months(Months::new(1))?;
            return self.pay_day.in_month(next.year(), next.month());
        }
        Some(due)
    }
}

/// The terms form as staff type it: 締め日, months after, 支払日 (`末` or 1–28 each) and the
/// credit limit in yen (empty: invoice payment not offered).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TermsInput {
    pub closing: String,
    pub months_after: String,
    pub pay_day: String,
    pub credit_limit: String,
}

/// The terms and limit agreed with a company, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditTerms {
    pub terms: PaymentTerms,
    /// `None`: invoice payment not offered.
    pub credit_limit: Option<Yen>,
}

/// The most a credit limit may be (one hundred million yen).
pub const MAX_CREDIT_LIMIT: i64 = 100_000_000;

impl TermsInput {
    /// The agreed terms, or every field that is wrong.
    pub fn parse(&self) -> Result<CreditTerms, crate::checkout::FieldErrors> {
        use crate::address::FieldError;
        let mut errors: crate::checkout::FieldErrors = Vec::new();
        let closing = MonthDay::parse(&self.closing).unwrap_or_else(|| {
            errors.push(("closing", FieldError::Invalid));
            MonthDay::EndOfMonth
        });
        let pay_day = MonthDay::parse(&self.pay_day).unwrap_or_else(|| {
            errors.push(("pay_day", FieldError::Invalid));
            MonthDay::EndOfMonth
        });
        let months_after = match self.months_after.trim().parse::<u8>() {
            Ok(n) if n <= 3 => n,
            _ => {
                errors.push(("months_after", FieldError::Invalid));
                1
            }
        };
        let folded = crate::money::fold_typed_number(&self.credit_limit);
        let credit_limit = if folded.is_empty() {
            None
        } else {
            match folded.parse::<i64>() {
                Ok(n) if (0..=MAX_CREDIT_LIMIT).contains(&n) => Some(Yen(n)),
                _ => {
                    errors.push(("credit_limit", FieldError::Invalid));
                    None
                }
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CreditTerms {
            terms: PaymentTerms {
                closing,
                months_after,
                pay_day,
            },
            credit_limit,
        })
    }
}

/// Why an order cannot be paid by invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CreditRefusal {
    /// The company has no credit limit (掛け払い not agreed).
    #[error("invoice payment is not agreed for this company")]
    NotAgreed,
    /// The order would take what is owed past the limit; `available` is what is left.
    #[error("over the credit limit ({available} left)")]
    OverLimit { available: Yen },
}

/// Whether an order of `amount` fits the credit left: `outstanding` is what the company owes
/// (orders on invoice not yet paid), `limit` the agreed limit.
pub fn check_credit(
    limit: Option<Yen>,
    outstanding: Yen,
    amount: Yen,
) -> Result<(), CreditRefusal> {
    let limit = limit.ok_or(CreditRefusal::NotAgreed)?;
    let available = Yen((limit.0 - outstanding.0).max(0));
    if amount.0 > available.0 {
        return Err(CreditRefusal::OverLimit { available });
    }
    Ok(())
}

/// One order on a statement: its number, day and tax-inclusive totals per rate (after any
/// discount, fees in the standard rate), as the order keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementOrder {
    pub order_number: String,
    pub placed_on: NaiveDate,
    pub rates: Vec<(TaxCategory, Yen)>,
}

impl StatementOrder {
    pub fn total(&self) -> Yen {
        Yen(self.rates.iter().map(|r| r.1 .0).sum())
    }
}

/// The totals of a statement: per rate the sum of the orders' tax-inclusive amounts and the tax
/// contained in it, rounded once for the rate on the whole statement (JP-INV-2), and the total.
pub fn statement_totals(
    orders: &[StatementOrder],
    mode: RoundingMode,
) -> Result<(Vec<RateTotal>, Yen), MoneyOverflow> {
    let mut per_rate: BTreeMap<TaxCategory, Yen> = BTreeMap::new();
    for order in orders {
        for (rate, amount) in &order.rates {
            let slot = per_rate.entry(*rate).or_default();
            *slot = slot.checked_add(*amount)?;
        }
    }
    let total = per_rate
        .values()
        .try_fold(Yen::ZERO, |acc, v| acc.checked_add(*v))?;
    let rates = per_rate
        .into_iter()
        .filter(|(_, t)| *t != Yen::ZERO)
        .map(|(tax_category, total)| RateTotal {
            tax_category,
            rate_percent: tax_category.rate_percent(),
            total,
            tax: tax_included_in(total, tax_category.rate_percent(), mode),
            discount: Yen::ZERO,
        })
        .collect();
    Ok((rates, total))
}

/// What a statement is drawn from: the shop, the company billed, the period, the orders.
pub struct StatementFacts<'a> {
    pub settings: &'a crate::settings::ShopSettings,
    /// 「株式会社あきない 購買部」.
    pub addressee: String,
    pub period: Period,
    pub due_on: NaiveDate,
    pub issued_on: NaiveDate,
    pub orders: &'a [StatementOrder],
}

/// How a rate is named on a statement's order line.
fn rate_short(rate: TaxCategory) -> &'static str {
    match rate {
        TaxCategory::Standard => "10%",
        TaxCategory::Reduced => "※8%",
        TaxCategory::NonTaxable => "非課税",
    }
}

/// The statement as a document (請求書, a qualified invoice when the shop is registered): one
/// line per order and rate, the rates' totals with each rate's tax rounded once on the whole
/// statement (JP-INV-2), the due date and where to pay. Its number is the kept row's
/// ([`crate::documents::DocumentKind::Statement`]), filled in when it is read.
pub fn statement_document(
    f: &StatementFacts<'_>,
) -> Result<crate::documents::DocumentContent, MoneyOverflow> {
    use crate::documents::{rate_line, DocumentContent, DocumentKind, DocumentLine, Party};
    let (rates, total) = statement_totals(f.orders, f.settings.rounding)?;
    let lines = f
        .orders
        .iter()
        .flat_map(|o| {
            o.rates.iter().map(move |(rate, amount)| DocumentLine {
                name: format!(
                    "{} ご注文 {}",
                    o.placed_on.format("%Y年%m月%d日"),
                    o.order_number
                ),
                code: rate_short(*rate).to_string(),
                quantity: 1,
                unit_price: *amount,
                amount: *amount,
                reduced: rate.is_reduced(),
            })
        })
        .collect();
    let a = &f.settings.bank_account;
    let pay_to = format!(
        "お振込先: {} {} {} {} {}\nお振込手数料はご負担くださいますようお願いいたします。",
        a.bank, a.branch, a.account_type, a.number, a.holder
    );
    Ok(DocumentContent {
        kind: DocumentKind::Statement,
        number: String::new(),
        issued_on: f.issued_on,
        order_number: String::new(),
        transaction_date: f.period.closing,
        issuer: Party {
            name: f.settings.legal.seller_name.clone(),
            address: f.settings.legal.address.clone(),
            phone: f.settings.legal.phone.clone(),
        },
        registration_number: f
            .settings
            .invoice_number
            .as_ref()
            .map(|n| n.as_str().to_string()),
        buyer: f.addressee.clone(),
        ship_to: None,
        delivery: None,
        payment_method: crate::documents::payment_method_ja(crate::order::PaymentMethod::Invoice)
            .to_string(),
        lines,
        shipping_fee: Yen::ZERO,
        payment_fee: Yen::ZERO,
        discount: Yen::ZERO,
        points: Yen::ZERO,
        grand_total: total,
        rates: rates.iter().map(rate_line).collect(),
        show_prices: true,
        purpose: None,
        stamp: None,
        refers_to: None,
        logo: f.settings.logo.clone(),
        replaces: None,
        valid_until: None,
        remarks: Some(pay_to),
        period: Some((f.period.first, f.period.closing)),
        due_on: Some(f.due_on),
        reissue: false,
    })
}

/// Where a statement stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementState {
    Paid,
    /// Not yet due.
    Open,
    /// Past the due date and not paid in full; `days` late.
    Overdue {
        days: i64,
    },
}

/// The state of a statement of `total` due on `due`, of which `received` was paid.
pub fn statement_state(
    total: Yen,
    received: Yen,
    due: NaiveDate,
    today: NaiveDate,
) -> StatementState {
    if received.0 >= total.0 {
        StatementState::Paid
    } else if today > due {
        StatementState::Overdue {
            days: (today - due).num_days(),
        }
    } else {
        StatementState::Open
    }
}

#[cfg(test)]
#[path = "receivables_tests.rs"]
mod tests;
