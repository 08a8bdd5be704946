//! 帳票 (issue 19): what each printed document of an order says, decided without IO from the
//! order and the shop's settings. An invoice (請求書; 適格請求書 when the shop is a registered
//! issuer, JP-INV-1) carries the issuer and its registration number, the buyer, the transaction
//! date, every line with ※ on reduced-rate items, and the totals and tax per rate computed once
//! per rate when the order was placed (JP-INV-2). A delivery slip (納品書) carries the recipient,
//! the sender and the items, with prices unless the order is a gift. The content is what is kept
//! (JP-INV-4): an issued document is stored as this value and every copy is drawn from it, so a
//! later change of the shop's address or a product's name never changes an issued invoice.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::checkout::CheckoutDetails;
use crate::order::PaymentMethod;
use crate::pricing::{PricedLine, Totals};
use crate::settings::ShopSettings;
use crate::tax::TaxCategory;
use crate::Yen;

pub use crate::receipts::{
    may_issue_receipt, InvoiceCorrection, ReceiptChoice, StampDuty, DEFAULT_RECEIPT_PURPOSE,
    STAMP_DUTY_FROM,
};

/// The kinds of document akinai draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 請求書 / 適格請求書: numbered, kept, never changed (JP-INV-1, JP-INV-4).
    Invoice,
    /// 納品書: drawn from the order whenever printed (not a tax document, not numbered).
    DeliverySlip,
    /// 領収書: issued once on request with the customer's 宛名 and 但し書き, numbered and kept;
    /// every later copy is marked 再発行.
    Receipt,
    /// 適格返還請求書 for a refund (JP-INV-3): numbered and kept; a further refund is a new one
    /// that corrects the last ([`crate::returns`]).
    ReturnInvoice,
    /// 御見積書 of a quote's revision (issue #23 item 4): drawn whenever asked, never kept here
    /// (the revision is kept with the quote). Not one of [`DocumentKind::ALL`], the kinds of an
    /// order.
    Quote,
    /// 請求書 of a company paying by invoice (issue #23 item 5): one qualified invoice for a
    /// billing period's orders, kept with the statement as issued (JP-INV-4). Not one of
    /// [`DocumentKind::ALL`] either.
    Statement,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 4] = [
        DocumentKind::Invoice,
        DocumentKind::DeliverySlip,
        DocumentKind::Receipt,
        DocumentKind::ReturnInvoice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice",
            DocumentKind::DeliverySlip => "delivery_slip",
            DocumentKind::Receipt => "receipt",
            DocumentKind::ReturnInvoice => "return_invoice",
            DocumentKind::Quote => "quote",
            DocumentKind::Statement => "statement",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether an issued copy is numbered and kept (JP-INV-4).
    pub fn is_kept(self) -> bool {
        matches!(
            self,
            DocumentKind::Invoice | DocumentKind::Receipt | DocumentKind::ReturnInvoice
        )
    }

    /// The document number of the `n`th kept document of this kind, e.g. `INV-00000012`.
    pub fn number(self, n: i64) -> String {
        let prefix = match self {
            DocumentKind::Invoice => "INV",
            DocumentKind::DeliverySlip => "DLV",
            DocumentKind::Receipt => "RCT",
            DocumentKind::ReturnInvoice => "RTN",
            DocumentKind::Quote => "Q",
            DocumentKind::Statement => "STM",
        };
        format!("{prefix}-{n:08}")
    }

    /// The file name offered to the browser (ASCII, so every browser keeps it).
    pub fn file_name(self, order_number: &str) -> String {
        match self {
            DocumentKind::Invoice => format!("invoice-{order_number}.pdf"),
            DocumentKind::DeliverySlip => format!("delivery-slip-{order_number}.pdf"),
            DocumentKind::Receipt => format!("receipt-{order_number}.pdf"),
            DocumentKind::ReturnInvoice => format!("return-invoice-{order_number}.pdf"),
            DocumentKind::Quote => format!("quote-{order_number}.pdf"),
            DocumentKind::Statement => format!("statement-{order_number}.pdf"),
        }
    }
}

/// A party printed on a document: the issuer (the shop) or the recipient of a parcel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    /// 〒 and address on one line (the shop's legal address is one line already).
    pub address: String,
    pub phone: String,
}

/// One item line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentLine {
    /// Product name and option, e.g. `帆布トート (生成り)`.
    pub name: String,
    pub code: String,
    pub quantity: u32,
    /// Tax-inclusive unit price and line amount (総額表示, JP-TAX-1).
    pub unit_price: Yen,
    pub amount: Yen,
    /// A reduced-rate (8%) item, marked ※ (JP-INV-1).
    pub reduced: bool,
}

/// The total and the tax of one rate (JP-INV-1/2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLine {
    pub rate_percent: u32,
    pub reduced: bool,
    /// Tax-inclusive total of everything at this rate, fees included.
    pub total: Yen,
    /// The tax contained in `total`, rounded once for the rate.
    pub tax: Yen,
    /// The part of a coupon's discount and the points used taken off this rate (already out of
    /// `total`).
    #[serde(default)]
    pub discount: Yen,
}

/// Everything a document says; stored as is for kept documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentContent {
    pub kind: DocumentKind,
    /// The document number (`INV-…`) of a kept document; the order number for a slip.
    pub number: String,
    pub issued_on: NaiveDate,
    pub order_number: String,
    /// The day of the transaction (the order's day in Japan).
    pub transaction_date: NaiveDate,
    pub issuer: Party,
    /// `T` + 13 digits when the shop is a registered issuer (適格請求書).
    pub registration_number: Option<String>,
    /// The buyer (宛名), printed with 様.
    pub buyer: String,
    /// Where the parcel goes (delivery slip).
    pub ship_to: Option<Party>,
    /// お届け希望日・時間帯, as printed.
    pub delivery: Option<String>,
    pub payment_method: String,
    pub lines: Vec<DocumentLine>,
    pub shipping_fee: Yen,
    pub payment_fee: Yen,
    /// A coupon's discount off the items (documents kept before coupons read as none).
    #[serde(default)]
    pub discount: Yen,
    /// Points used, taken off the items like a discount (documents kept before points read as
    /// none).
    #[serde(default)]
    pub points: Yen,
    pub grand_total: Yen,
    pub rates: Vec<RateLine>,
    /// Prices are printed (not on a gift's delivery slip).
    pub show_prices: bool,
    /// 但し書き of a receipt (「お品代として」).
    #[serde(default)]
    pub purpose: Option<String>,
    /// What the receipt says about stamp duty (収入印紙), if anything.
    #[serde(default)]
    pub stamp: Option<StampDuty>,
    /// What a return invoice returns: the original invoice (number and date) or the order.
    #[serde(default)]
    pub refers_to: Option<String>,
    /// The shop's logo when the document was made (the hash of a kept logo version).
    #[serde(default)]
    pub logo: Option<String>,
    /// A corrected invoice: which invoice it replaces and why, as printed.
    #[serde(default)]
    pub replaces: Option<String>,
    /// A quote's last valid day (御見積書).
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    /// The shop's message printed under the totals (備考 of a quote; 振込先 of a statement).
    #[serde(default)]
    pub remarks: Option<String>,
    /// A statement's billing period, first and closing day (ご請求期間).
    #[serde(default)]
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// When a statement is to be paid (お支払期日).
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    /// A later copy of a kept receipt: printed 「再発行」 (never stored as true).
    #[serde(default, skip_serializing)]
    pub reissue: bool,
}

/// Whether an invoice may still be issued for an order in this state (a cancelled order was
/// never a sale; one issued before the cancellation stays kept).
pub fn may_issue_invoice(status: crate::order::OrderStatus) -> bool {
    use crate::order::OrderStatus;
    !matches!(status, OrderStatus::Cancelled | OrderStatus::Refunded)
}

/// Whether the order's own invoice (請求書) may be issued: as [`may_issue_invoice`], and not
/// for an order paid by invoice, whose qualified invoice is the company's monthly statement
/// (ADR 050; two invoices for one sale would bill it twice).
pub fn may_issue_order_invoice(
    status: crate::order::OrderStatus,
    method: crate::order::PaymentMethod,
) -> bool {
    may_issue_invoice(status) && method != crate::order::PaymentMethod::Invoice
}

/// What an order contributes to its documents.
pub struct OrderFacts<'a> {
    pub order_number: &'a str,
    pub placed_on: NaiveDate,
    pub details: &'a CheckoutDetails,
    pub lines: &'a [PricedLine],
    pub totals: &'a Totals,
    /// Prefecture name in Japanese (the address is stored with its code).
    pub prefecture: &'a str,
    /// Shipping method's name as the shop calls it.
    pub shipping_method: &'a str,
}

/// An order's or a quote's line as printed: the name with its option, ※ for the reduced rate.
pub(crate) fn document_line(l: &PricedLine) -> DocumentLine {
    DocumentLine {
        name: if l.option_label.is_empty() {
            l.product_name.clone()
        } else {
            format!("{} ({})", l.product_name, l.option_label)
        },
        code: l.sku_code.clone(),
        quantity: l.quantity,
        unit_price: l.unit_price,
        amount: l.line_total,
        reduced: l.tax_category == TaxCategory::Reduced,
    }
}

/// A rate's total and tax as printed (JP-INV-1/2).
pub(crate) fn rate_line(r: &crate::pricing::RateTotal) -> RateLine {
    RateLine {
        rate_percent: r.rate_percent,
        reduced: r.tax_category == TaxCategory::Reduced,
        total: r.total,
        tax: r.tax,
        discount: r.discount,
    }
}

/// The Japanese name of a payment method as printed on documents.
pub fn payment_method_ja(m: PaymentMethod) -> &'static str {
    match m {
        PaymentMethod::BankTransfer => "銀行振込",
        PaymentMethod::CashOnDelivery => "代金引換",
        PaymentMethod::Card => "クレジットカード",
        PaymentMethod::Konbini => "コンビニ払い",
        PaymentMethod::Invoice => "請求書払い",
    }
}

impl DocumentContent {
    /// The document of `kind` for an order, as of `issued_on`. `number` is the kept document's
    /// number; slips carry the order number.
    pub fn for_order(
        kind: DocumentKind,
        number: Option<String>,
        order: &OrderFacts<'_>,
        settings: &ShopSettings,
        issued_on: NaiveDate,
    ) -> DocumentContent {
        let d = order.details;
        let a = &d.address;
        let address = format!(
            "〒{} {}{}{}{}",
            a.postal_code.as_str(),
            order.prefecture,
            a.city,
            a.line1,
            a.line2
                .as_deref()
                .map(|l| format!(" {l}"))
                .unwrap_or_default()
        );
        let delivery = match (d.delivery_date, d.delivery_slot.as_deref()) {
            (None, None) => None,
            (date, slot) => Some(
                [
                    date.map(|x| x.format("%Y年%m月%d日").to_string()),
                    slot.map(str::to_string),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
            ),
        };
        DocumentContent {
            kind,
            number: number.unwrap_or_else(|| order.order_number.to_string()),
            issued_on,
            order_number: order.order_number.to_string(),
            transaction_date: order.placed_on,
            issuer: Party {
                name: settings.legal.seller_name.clone(),
                address: settings.legal.address.clone(),
                phone: settings.legal.phone.clone(),
            },
            registration_number: settings
                .invoice_number
                .as_ref()
                .map(|n| n.as_str().to_string()),
            buyer: d.name.clone(),
            ship_to: (kind == DocumentKind::DeliverySlip).then(|| Party {
                name: d.name.clone(),
                address,
                phone: d.phone.as_str().to_string(),
            }),
            delivery: delivery.map(|x| format!("{} {x}", order.shipping_method)),
            payment_method: payment_method_ja(d.payment_method).to_string(),
            lines: order.lines.iter().map(document_line).collect(),
            shipping_fee: order.totals.shipping_fee,
            payment_fee: order.totals.payment_fee,
            discount: order.totals.discount,
            points: order.totals.points,
            grand_total: order.totals.grand_total,
            rates: order.totals.rates.iter().map(rate_line).collect(),
            show_prices: !(kind == DocumentKind::DeliverySlip && d.gift),
            purpose: (kind == DocumentKind::Receipt).then(|| DEFAULT_RECEIPT_PURPOSE.to_string()),
            stamp: (kind == DocumentKind::Receipt)
                .then(|| {
                    let tax = order.totals.rates.iter().map(|r| r.tax.0).sum();
                    StampDuty::of(d.payment_method, order.totals.grand_total, Yen(tax))
                })
                .flatten(),
            refers_to: None,
            logo: settings.logo.clone(),
            replaces: None,
            valid_until: None,
            remarks: None,
            period: None,
            due_on: None,
            reissue: false,
        }
    }

    /// The title printed at the top.
    pub fn title(&self) -> &'static str {
        match self.kind {
            DocumentKind::Invoice | DocumentKind::Statement => "請求書",
            DocumentKind::DeliverySlip => "納品書",
            DocumentKind::Receipt => "領収書",
            DocumentKind::ReturnInvoice if self.registration_number.is_some() => "適格返還請求書",
            DocumentKind::ReturnInvoice => "返還請求書",
            DocumentKind::Quote => "御見積書",
        }
    }

    /// Whether this is a qualified invoice (適格請求書): an invoice of a registered issuer.
    pub fn is_qualified_invoice(&self) -> bool {
        matches!(self.kind, DocumentKind::Invoice | DocumentKind::Statement)
            && self.registration_number.is_some()
    }

    /// Whether any line is at the reduced rate (the ※ note is printed).
    pub fn has_reduced(&self) -> bool {
        self.lines.iter().any(|l| l.reduced)
    }
}

/// How a rate is named in a document's tax summary, e.g. `10%対象` or `8%対象(軽減税率)`.
pub fn rate_label(r: &RateLine) -> String {
    match (r.rate_percent, r.reduced) {
        (0, _) => "非課税".to_string(),
        (p, true) => format!("{p}%対象(軽減税率)"),
        (p, false) => format!("{p}%対象"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoice::RegistrationNumber;
    use crate::pricing::{totals, PricedLine};
    use crate::tax::RoundingMode;

    fn details() -> CheckoutDetails {
        let s = ShopSettings::starter("t");
        crate::checkout::tests::input()
            .parse(&s, NaiveDate::from_ymd_opt(2026, 11, 25).unwrap())
            .unwrap()
    }

    fn line(name: &str, price: i64, qty: u32, cat: TaxCategory) -> PricedLine {
        PricedLine {
            sku_id: crate::ids::SkuId(1),
            product_id: crate::ids::ProductId(1),
            product_name: name.into(),
            option_label: String::new(),
            sku_code: format!("{name}-1"),
            unit_price: Yen(price),
            quantity: qty,
            tax_category: cat,
            line_total: Yen(price * i64::from(qty)),
        }
    }

    #[test]
    fn stamp_duty_applies_to_cash_receipts_of_50000_yen_before_tax_and_never_to_cards() {
        use PaymentMethod::*;
        // ¥54,999 with ¥5,000 tax is ¥49,999 before tax: no stamp.
        assert_eq!(StampDuty::of(BankTransfer, Yen(54_999), Yen(5_000)), None);
        for cash in [BankTransfer, CashOnDelivery, Konbini] {
            assert_eq!(
                StampDuty::of(cash, Yen(55_000), Yen(5_000)),
                Some(StampDuty::OnPaper)
            );
        }
        assert_eq!(
            StampDuty::of(Card, Yen(1_000_000), Yen(90_000)),
            Some(StampDuty::CardPayment)
        );
    }

    #[test]
    fn a_receipt_waits_for_the_money_and_its_choice_is_checked() {
        use crate::order::OrderStatus::*;
        assert!(!may_issue_receipt(Placed, PaymentMethod::BankTransfer));
        assert!(may_issue_receipt(Paid, PaymentMethod::BankTransfer));
        assert!(!may_issue_receipt(Shipped, PaymentMethod::CashOnDelivery));
        assert!(may_issue_receipt(Delivered, PaymentMethod::CashOnDelivery));
        assert!(!may_issue_receipt(Refunded, PaymentMethod::Card));
        let ok = ReceiptChoice::parse(" 株式会社テスト ", "書籍代として").unwrap();
        assert_eq!(ok.addressee, "株式会社テスト");
        let errors = ReceiptChoice::parse("", &"あ".repeat(41)).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["addressee", "purpose"]);
    }

    #[test]
    fn jp_inv_1_an_invoice_of_a_registered_shop_carries_every_required_item() {
        let mut settings = ShopSettings::starter("t");
        settings.invoice_number = Some(RegistrationNumber::parse("T1234567890123").unwrap());
        let details = details();
        let lines = vec![
            line("煎茶", 1_080, 3, TaxCategory::Reduced),
            line("湯呑み", 2_200, 1, TaxCategory::Standard),
        ];
        let t = totals(&lines, Yen(880), Yen(0), RoundingMode::Floor).unwrap();
        let facts = OrderFacts {
            order_number: "AK00000007",
            placed_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            details: &details,
            lines: &lines,
            totals: &t,
            prefecture: "東京都",
            shipping_method: "宅配便",
        };
        let doc = DocumentContent::for_order(
            DocumentKind::Invoice,
            Some(DocumentKind::Invoice.number(12)),
            &facts,
            &settings,
            NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
        );
        assert!(doc.is_qualified_invoice());
        assert_eq!(doc.number, "INV-00000012");
        assert_eq!(doc.registration_number.as_deref(), Some("T1234567890123"));
        assert_eq!(doc.issuer.name, settings.legal.seller_name);
        assert_eq!(doc.buyer, details.name);
        assert_eq!(doc.transaction_date.to_string(), "2026-12-01");
        assert!(doc.lines[0].reduced && !doc.lines[1].reduced);
        assert!(doc.has_reduced());
        // Per-rate totals and tax are the order's, computed once per rate (JP-INV-2).
        assert_eq!(doc.rates.len(), 2);
        assert_eq!(
            doc.rates
                .iter()
                .map(|r| r.total)
                .fold(Yen(0), |a, b| Yen(a.0 + b.0)),
            doc.grand_total
        );
        assert_eq!(rate_label(&doc.rates[0]), "10%対象");
        assert_eq!(rate_label(&doc.rates[1]), "8%対象(軽減税率)");
        assert!(doc.ship_to.is_none());
        // Kept as JSON and read back unchanged (JP-INV-4).
        let json = serde_json::to_string(&doc).unwrap();
        assert_eq!(serde_json::from_str::<DocumentContent>(&json).unwrap(), doc);
    }

    #[test]
    fn a_delivery_slip_names_the_recipient_and_the_delivery_wish() {
        let settings = ShopSettings::starter("t");
        let details = details();
        let lines = vec![line("湯呑み", 2_200, 1, TaxCategory::Standard)];
        let t = totals(&lines, Yen(880), Yen(0), RoundingMode::Floor).unwrap();
        let facts = OrderFacts {
            order_number: "AK00000007",
            placed_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            details: &details,
            lines: &lines,
            totals: &t,
            prefecture: "東京都",
            shipping_method: "宅配便",
        };
        let doc = DocumentContent::for_order(
            DocumentKind::DeliverySlip,
            None,
            &facts,
            &settings,
            NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
        );
        assert_eq!(doc.number, "AK00000007");
        assert_eq!(doc.title(), "納品書");
        let to = doc.ship_to.as_ref().unwrap();
        assert!(to
            .address
            .starts_with(&format!("〒{}", details.address.postal_code.as_str())));
        assert!(to.address.contains("東京都"));
        assert_eq!(
            doc.delivery.as_deref(),
            Some("宅配便 2026年12月01日 午前中")
        );
        assert!(!doc.is_qualified_invoice());
    }

    #[test]
    fn kinds_round_trip_and_number() {
        for k in DocumentKind::ALL {
            assert_eq!(DocumentKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(DocumentKind::Invoice.number(1), "INV-00000001");
        assert!(DocumentKind::Invoice.is_kept() && !DocumentKind::DeliverySlip.is_kept());
        use crate::order::OrderStatus;
        assert!(may_issue_invoice(OrderStatus::Placed) && may_issue_invoice(OrderStatus::Shipped));
        assert!(!may_issue_invoice(OrderStatus::Cancelled));
        assert!(!may_issue_invoice(OrderStatus::Refunded));
        assert!(may_issue_order_invoice(
            OrderStatus::Shipped,
            PaymentMethod::BankTransfer
        ));
        assert!(!may_issue_order_invoice(
            OrderStatus::Shipped,
            PaymentMethod::Invoice
        ));
        assert_eq!(
            DocumentKind::DeliverySlip.file_name("AK00000001"),
            "delivery-slip-AK00000001.pdf"
        );
    }

    proptest::proptest! {
        /// JP-INV-2 on every document: for any cart, the invoice, receipt and slip carry the
        /// order's per-rate totals and taxes exactly, and the rates add up to the grand total.
        #[test]
        fn every_documents_rates_are_the_orders(
            cart in proptest::collection::vec((1i64..20_000, 1u32..5, proptest::bool::ANY), 1..12),
            shipping in 0i64..2_000,
        ) {
            let lines: Vec<PricedLine> = cart
                .iter()
                .map(|(price, qty, reduced)| {
                    let cat = if *reduced { TaxCategory::Reduced } else { TaxCategory::Standard };
                    line("品", *price, *qty, cat)
                })
                .collect();
            let t = totals(&lines, Yen(shipping), Yen(0), RoundingMode::Floor).unwrap();
            let details = details();
            let facts = OrderFacts {
                order_number: "AK00000001",
                placed_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                details: &details,
                lines: &lines,
                totals: &t,
                prefecture: "東京都",
                shipping_method: "宅配便",
            };
            let settings = ShopSettings::starter("t");
            for kind in [DocumentKind::Invoice, DocumentKind::Receipt, DocumentKind::DeliverySlip] {
                let doc = DocumentContent::for_order(kind, None, &facts, &settings, facts.placed_on);
                proptest::prop_assert_eq!(doc.rates.len(), t.rates.len());
                for (d, o) in doc.rates.iter().zip(&t.rates) {
                    proptest::prop_assert_eq!((d.rate_percent, d.total, d.tax), (o.rate_percent, o.total, o.tax));
                }
                let sum: i64 = doc.rates.iter().map(|r| r.total.0).sum();
                proptest::prop_assert_eq!(sum, doc.grand_total.0);
            }
        }
    }
}
