//! Carrier label files (issue 19, item 2): one order as a row of the file a carrier's label
//! software imports — Yamato's B2クラウド 外部データ取込み (95 columns), Sagawa's e飛伝
//! standard CSV, or akinai's generic layout for anyone else — with the carrier's limits checked
//! here, without IO. A name or address that does not fit a carrier's field, or holds a
//! character its printers cannot print, is reported with the order, never cut short: the shop
//! fixes the order and exports it again. Only the 品名 (a summary akinai composes from the
//! items) is shortened to fit, and that is reported as a notice. Widths are counted as the
//! carriers count them: a full-width character takes two half-width places (its CP932 bytes).

use chrono::NaiveDate;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::checkout::CheckoutDetails;
use crate::fulfilment::Carrier;
use crate::money::Yen;
use crate::order::PaymentMethod;
use crate::pricing::PricedLine;
use crate::settings::{LegalNotice, ShippingMethod};
use crate::transfer::sjis_compatible;

mod layouts;
pub mod tracking;

pub use layouts::{GENERIC_HEADER, SAGAWA_HEADER, YAMATO_B2_HEADER};
pub use tracking::{
    parse_ship_date, plan_tracking, PlannedRow, RowVerdict, TrackedOrder, TrackingLine,
};

/// The label file layouts akinai writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LabelLayout {
    /// ヤマト運輸 B2クラウド 外部データ取込み.
    YamatoB2,
    /// 佐川急便 e飛伝 standard CSV (飛脚宅配便).
    Sagawa,
    /// akinai's own layout for other carriers (ゆうパックプリントR and others map it).
    Generic,
}

impl LabelLayout {
    pub const ALL: [LabelLayout; 3] = [
        LabelLayout::YamatoB2,
        LabelLayout::Sagawa,
        LabelLayout::Generic,
    ];

    /// The CLI's and the admin's names: `yamato-b2`, `sagawa`, `generic`.
    pub fn parse(name: &str) -> Option<LabelLayout> {
        LabelLayout::ALL.into_iter().find(|l| l.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            LabelLayout::YamatoB2 => "yamato-b2",
            LabelLayout::Sagawa => "sagawa",
            LabelLayout::Generic => "generic",
        }
    }

    /// The name staff read.
    pub fn label_ja(self) -> &'static str {
        match self {
            LabelLayout::YamatoB2 => "ヤマト運輸 B2クラウド",
            LabelLayout::Sagawa => "佐川急便 e飛伝",
            LabelLayout::Generic => "汎用(その他の配送業者)",
        }
    }

    pub fn header(self) -> &'static [&'static str] {
        match self {
            LabelLayout::YamatoB2 => &YAMATO_B2_HEADER,
            LabelLayout::Sagawa => &SAGAWA_HEADER,
            LabelLayout::Generic => &GENERIC_HEADER,
        }
    }

    /// The carrier recorded on orders shipped with this layout's slips.
    pub fn carrier(self) -> Carrier {
        match self {
            LabelLayout::YamatoB2 => Carrier::Yamato,
            LabelLayout::Sagawa => Carrier::Sagawa,
            LabelLayout::Generic => Carrier::Other,
        }
    }

    /// The file name offered for download.
    pub fn file_name(self, on: NaiveDate) -> String {
        format!("{}-{}.csv", self.name(), on.format("%Y%m%d"))
    }
}

/// The shop as ご依頼主 (sender), from its legal notice: the address there is one line, with
/// the postal code first when the shop wrote it so (`〒150-0001 東京都…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub name: String,
    pub postal_code: Option<String>,
    pub address: String,
    pub phone: String,
}

impl Sender {
    pub fn from_legal(legal: &LegalNotice) -> Sender {
        let line: String = legal.address.nfkc().collect();
        let line = line.trim();
        let rest = line.strip_prefix('〒').unwrap_or(line).trim_start();
        let code: String = rest.chars().take(8).collect();
        let digits = code.chars().filter(char::is_ascii_digit).count();
        let postal = code.len() == 8 && digits == 7 && code.as_bytes().get(3) == Some(&b'-');
        let (postal_code, address) = if postal {
            (Some(code), rest[8..].trim().to_string())
        } else {
            (None, line.to_string())
        };
        Sender {
            name: legal.seller_name.clone(),
            postal_code,
            address,
            phone: legal.phone.nfkc().collect::<String>().trim().to_string(),
        }
    }
}

/// What a label row is made of: one order that is ready to ship.
pub struct Parcel<'a> {
    pub order_number: &'a str,
    pub details: &'a CheckoutDetails,
    pub lines: &'a [PricedLine],
    /// What the carrier collects on a cash-on-delivery order (the order's total, tax included).
    pub grand_total: Yen,
    /// The consumption tax in that total.
    pub tax: Yen,
    /// The shop's shipping method, if it still exists.
    pub method: Option<&'a ShippingMethod>,
    /// 出荷予定日: the day the file is made.
    pub ships_on: NaiveDate,
}

/// Something about one order's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelProblem {
    /// The carrier's column.
    pub field: &'static str,
    pub message: String,
}

/// A row ready to write, with notices (a shortened 品名) that do not keep it out of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelRow {
    pub cells: Vec<String>,
    pub notices: Vec<LabelProblem>,
}

/// A delivery time slot as the shop named it, read as hours (`14時〜16時` → 14–16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Morning,
    Hours(u32, u32),
}

impl Slot {
    pub fn parse(label: &str) -> Option<Slot> {
        let text: String = label.nfkc().collect();
        if text.contains("午前") {
            return Some(Slot::Morning);
        }
        let mut numbers = text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse::<u32>().ok());
        match (numbers.next(), numbers.next()) {
            (Some(from), Some(to)) if from < to && to <= 24 => Some(Slot::Hours(from, to)),
            _ => None,
        }
    }

    /// B2's 配達時間帯 code.
    fn yamato(self) -> Option<&'static str> {
        match self {
            Slot::Morning => Some("0812"),
            Slot::Hours(14, 16) => Some("1416"),
            Slot::Hours(16, 18) => Some("1618"),
            Slot::Hours(18, 20) => Some("1820"),
            Slot::Hours(19, 21) => Some("1921"),
            Slot::Hours(..) => None,
        }
    }

    /// e飛伝's 配達指定時間帯 code.
    fn sagawa(self) -> Option<&'static str> {
        match self {
            Slot::Morning => Some("01"),
            Slot::Hours(12, 14) => Some("12"),
            Slot::Hours(14, 16) => Some("14"),
            Slot::Hours(16, 18) => Some("16"),
            Slot::Hours(18, 20) => Some("18"),
            Slot::Hours(19, 21) => Some("19"),
            Slot::Hours(18, 21) => Some("04"),
            Slot::Hours(..) => None,
        }
    }
}

/// Half-width places `text` takes on a label (its CP932 bytes), or the first character a
/// label cannot hold.
pub fn label_width(text: &str) -> Result<usize, char> {
    let mapped = sjis_compatible(text);
    if let Some(c) = mapped
        .chars()
        .find(|c| !crate::address::printable_on_labels(*c))
    {
        return Err(c);
    }
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&mapped);
    Ok(bytes.len())
}

/// Collects a row's cells, checking each against its carrier's width.
struct Fields {
    problems: Vec<LabelProblem>,
    notices: Vec<LabelProblem>,
}

impl Fields {
    fn new() -> Fields {
        Fields {
            problems: Vec::new(),
            notices: Vec::new(),
        }
    }

    fn problem(&mut self, field: &'static str, message: String) {
        self.problems.push(LabelProblem { field, message });
    }

    /// `value` when it fits `max` half-width places (0: no limit), else a problem and "".
    fn fit(&mut self, field: &'static str, value: &str, max: usize) -> String {
        match label_width(value) {
            Err(c) => {
                self.problem(
                    field,
                    format!("「{c}」は送り状に印字できない文字です。別の文字に直してください"),
                );
                String::new()
            }
            Ok(w) if max > 0 && w > max => {
                self.problem(
                    field,
                    format!(
                        "長すぎます(全角{}文字・半角{}文字まで、いまは半角{}文字分)。注文の内容を短く直してください",
                        max / 2,
                        max,
                        w
                    ),
                );
                String::new()
            }
            Ok(_) => sjis_compatible(value).into_owned(),
        }
    }

    /// The 品名 akinai composes: the first item's name, `他N点` when there are more, shortened
    /// with `…` to fit `max` (a notice says so).
    fn goods(&mut self, field: &'static str, lines: &[PricedLine], max: usize) -> String {
        let first = lines
            .first()
            .map_or_else(String::new, |l| l.product_name.clone());
        let more = lines
            .iter()
            .map(|l| l.quantity)
            .sum::<u32>()
            .saturating_sub(lines.first().map_or(0, |l| l.quantity));
        let tail = if more > 0 {
            format!(" 他{more}点")
        } else {
            String::new()
        };
        let printable: String = first
            .chars()
            .filter(|c| crate::address::printable_on_labels(*c))
            .collect();
        let whole = format!("{printable}{tail}");
        if label_width(&whole).is_ok_and(|w| w <= max) {
            return sjis_compatible(&whole).into_owned();
        }
        let mut name = String::new();
        for c in printable.chars() {
            let candidate = format!("{name}{c}…{tail}");
            if label_width(&candidate).is_ok_and(|w| w <= max) {
                name.push(c);
            } else {
                break;
            }
        }
        let short = format!("{name}…{tail}");
        self.notices.push(LabelProblem {
            field,
            message: format!("品名を「{short}」に短くしました"),
        });
        sjis_compatible(&short).into_owned()
    }

    fn finish(self, cells: Vec<String>) -> Result<LabelRow, Vec<LabelProblem>> {
        if self.problems.is_empty() {
            Ok(LabelRow {
                cells,
                notices: self.notices,
            })
        } else {
            Err(self.problems)
        }
    }
}

/// The row of `parcel` in `layout`, or every reason it cannot be written.
pub fn label_row(
    layout: LabelLayout,
    parcel: &Parcel<'_>,
    sender: &Sender,
) -> Result<LabelRow, Vec<LabelProblem>> {
    match layout {
        LabelLayout::YamatoB2 => layouts::yamato_b2(parcel, sender),
        LabelLayout::Sagawa => layouts::sagawa(parcel, sender),
        LabelLayout::Generic => layouts::generic(parcel, sender),
    }
}

/// The prefecture, city and street of the parcel's address on one line (建物 apart).
fn street_address(d: &CheckoutDetails) -> String {
    format!(
        "{}{}{}",
        d.address.prefecture.name_ja(),
        d.address.city,
        d.address.line1
    )
}

fn is_cod(parcel: &Parcel<'_>) -> bool {
    parcel.details.payment_method == PaymentMethod::CashOnDelivery
}

/// Whether the shop's method goes to the letterbox (no date or time may be chosen: メール便,
/// ネコポス) or is a compact box, as its name and code say.
fn method_kind(method: Option<&ShippingMethod>) -> MethodKind {
    let Some(m) = method else {
        return MethodKind::Parcel;
    };
    let words = format!("{} {}", m.code, m.name).to_lowercase();
    if words.contains("コンパクト") || words.contains("compact") {
        MethodKind::Compact
    } else if !m.allows_delivery_slot
        || words.contains("ネコポス")
        || words.contains("nekopos")
        || words.contains("メール便")
    {
        MethodKind::Letterbox
    } else {
        MethodKind::Parcel
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MethodKind {
    Parcel,
    Compact,
    Letterbox,
}

#[cfg(test)]
mod tests;
