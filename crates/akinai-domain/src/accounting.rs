//! The monthly sales journal for the shop's accountant (issue 19, item 5): one line per order
//! and tax rate — the sale on the day it was ordered, each refund on the day it was made as a
//! negative (or reversed) line — in a generic layout, in freee's 取引インポート layout or in 弥生
//! 会計's インポート形式 (仕訳, no header, Shift_JIS). Amounts are tax-inclusive with the tax of
//! each rate as computed once for the order (JP-INV-2); refunds are spread over the rates by
//! [`crate::returns::refunded_per_rate`]. Account and tax-category names are the packages'
//! defaults (売上高, 売掛金, 課税売上10% …); an accountant maps others on import.

use chrono::NaiveDate;
use serde::Serialize;

use crate::documents::{payment_method_ja, RateLine};
use crate::order::PaymentMethod;

/// The journal layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JournalLayout {
    Generic,
    Freee,
    Yayoi,
}

/// Whether a line records a sale or a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Sale,
    Refund,
}

/// One order's sale or one refund, with its amounts per rate.
pub struct Entry<'a> {
    pub on: NaiveDate,
    pub order_number: &'a str,
    pub payment: PaymentMethod,
    pub kind: EntryKind,
    pub rates: &'a [RateLine],
}

/// The generic layout's columns.
pub const GENERIC_HEADER: [&str; 8] = [
    "日付",
    "注文番号",
    "区分",
    "支払方法",
    "税率",
    "軽減税率",
    "金額(税込)",
    "うち消費税",
];

/// freee 取引インポート's columns.
pub const FREEE_HEADER: [&str; 17] = [
    "収支区分",
    "管理番号",
    "発生日",
    "決済期日",
    "取引先",
    "勘定科目",
    "税区分",
    "金額",
    "税計算区分",
    "税額",
    "備考",
    "品目",
    "部門",
    "メモタグ(複数指定可、カンマ区切り)",
    "決済日",
    "決済口座",
    "決済金額",
];

/// How many columns a 弥生インポート形式 line has.
pub const YAYOI_COLUMNS: usize = 25;

impl JournalLayout {
    pub const ALL: [JournalLayout; 3] = [
        JournalLayout::Generic,
        JournalLayout::Freee,
        JournalLayout::Yayoi,
    ];

    /// The CLI's names: `generic`, `freee`, `yayoi`.
    pub fn parse(name: &str) -> Option<JournalLayout> {
        JournalLayout::ALL.into_iter().find(|l| l.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            JournalLayout::Generic => "generic",
            JournalLayout::Freee => "freee",
            JournalLayout::Yayoi => "yayoi",
        }
    }

    /// The header row, if the layout has one (弥生's has none).
    pub fn header(self) -> Option<&'static [&'static str]> {
        match self {
            JournalLayout::Generic => Some(&GENERIC_HEADER),
            JournalLayout::Freee => Some(&FREEE_HEADER),
            JournalLayout::Yayoi => None,
        }
    }

    /// Whether the file is Shift_JIS (弥生) rather than UTF-8 with a BOM.
    pub fn shift_jis(self) -> bool {
        self == JournalLayout::Yayoi
    }
}

fn rate_name(r: &RateLine) -> String {
    format!("{}%", r.rate_percent)
}

/// The lines of `entry` in `layout`, one per rate with an amount.
pub fn journal_rows(layout: JournalLayout, entry: &Entry<'_>) -> Vec<Vec<String>> {
    let refund = entry.kind == EntryKind::Refund;
    let note = format!(
        "{} {}{}",
        entry.order_number,
        payment_method_ja(entry.payment),
        if refund { " 返金" } else { "" }
    );
    entry
        .rates
        .iter()
        .filter(|r| r.total.0 > 0)
        .map(|r| match layout {
            JournalLayout::Generic => {
                let sign = if refund { -1 } else { 1 };
                vec![
                    entry.on.format("%Y-%m-%d").to_string(),
                    entry.order_number.to_string(),
                    if refund { "返金" } else { "売上" }.to_string(),
                    payment_method_ja(entry.payment).to_string(),
                    rate_name(r),
                    if r.reduced { "1" } else { "0" }.to_string(),
                    (sign * r.total.0).to_string(),
                    (sign * r.tax.0).to_string(),
                ]
            }
            JournalLayout::Freee => vec![
                if refund { "支出" } else { "収入" }.to_string(),
                entry.order_number.to_string(),
                entry.on.format("%Y/%m/%d").to_string(),
                String::new(),
                String::new(),
                "売上高".to_string(),
                if r.reduced {
                    format!("課税売上{}%（軽）", r.rate_percent)
                } else {
                    format!("課税売上{}%", r.rate_percent)
                },
                r.total.0.to_string(),
                "内税".to_string(),
                r.tax.0.to_string(),
                note.clone(),
                String::new(),
                String::new(),
                "akinai".to_string(),
                String::new(),
                String::new(),
                String::new(),
            ],
            JournalLayout::Yayoi => {
                let tax_class = if r.reduced {
                    format!("課税売上込軽減{}%", r.rate_percent)
                } else {
                    format!("課税売上込{}%", r.rate_percent)
                };
                let receivable = [
                    "売掛金".to_string(),
                    "対象外".to_string(),
                    r.total.0.to_string(),
                    "0".to_string(),
                ];
                let sales = [
                    "売上高".to_string(),
                    tax_class,
                    r.total.0.to_string(),
                    r.tax.0.to_string(),
                ];
                // A sale debits 売掛金 and credits 売上高; a refund the other way round.
                let (debit, credit) = if refund {
                    (sales, receivable)
                } else {
                    (receivable, sales)
                };
                let mut row = vec![
                    "2000".to_string(),
                    String::new(),
                    String::new(),
                    entry.on.format("%Y/%m/%d").to_string(),
                ];
                for side in [debit, credit] {
                    let [account, class, amount, tax] = side;
                    row.extend([account, String::new(), String::new(), class, amount, tax]);
                }
                row.extend([
                    note.clone(),
                    String::new(),
                    String::new(),
                    "0".to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    "no".to_string(),
                ]);
                row
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Yen;

    fn rates() -> Vec<RateLine> {
        vec![
            RateLine {
                rate_percent: 10,
                reduced: false,
                total: Yen(3_300),
                tax: Yen(300),
                discount: Yen::ZERO,
            },
            RateLine {
                rate_percent: 8,
                reduced: true,
                total: Yen(1_080),
                tax: Yen(80),
                discount: Yen::ZERO,
            },
        ]
    }

    fn entry(kind: EntryKind, rates: &[RateLine]) -> Entry<'_> {
        Entry {
            on: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
            order_number: "AK00000012",
            payment: PaymentMethod::BankTransfer,
            kind,
            rates,
        }
    }

    #[test]
    fn every_layout_writes_one_line_per_rate_with_its_column_count() {
        let r = rates();
        for layout in JournalLayout::ALL {
            let rows = journal_rows(layout, &entry(EntryKind::Sale, &r));
            assert_eq!(rows.len(), 2);
            let width = layout.header().map_or(YAYOI_COLUMNS, <[&str]>::len);
            assert!(rows.iter().all(|row| row.len() == width), "{layout:?}");
            assert_eq!(JournalLayout::parse(layout.name()), Some(layout));
        }
    }

    #[test]
    fn refunds_are_negative_in_the_generic_layout_and_reversed_in_yayoi() {
        let r = rates();
        let sale = journal_rows(JournalLayout::Generic, &entry(EntryKind::Sale, &r));
        assert_eq!(sale[0][6..], ["3300".to_string(), "300".to_string()]);
        let refund = journal_rows(JournalLayout::Generic, &entry(EntryKind::Refund, &r));
        assert_eq!(
            refund[1][2..],
            ["返金", "銀行振込", "8%", "1", "-1080", "-80"].map(String::from)
        );
        let yayoi = journal_rows(JournalLayout::Yayoi, &entry(EntryKind::Refund, &r));
        assert_eq!(yayoi[0][4], "売上高", "a refund debits sales");
        assert_eq!(yayoi[0][10], "売掛金");
        assert_eq!(yayoi[1][7], "課税売上込軽減8%");
        let freee = journal_rows(JournalLayout::Freee, &entry(EntryKind::Refund, &r));
        assert_eq!(freee[1][0], "支出");
        assert_eq!(freee[1][6], "課税売上8%（軽）");
    }
}
