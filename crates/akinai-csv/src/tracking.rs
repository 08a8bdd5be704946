//! Reading a carrier's issued-slip file back (issue 19, item 3): B2クラウド's 発行済みデータ
//! (お客様管理番号 and 伝票番号), e飛伝's output (お客様管理ナンバー and the お問い合せ
//! 送り状番号) or akinai's generic form (注文番号, 送り状番号 and optionally 出荷日), in UTF-8
//! or Shift_JIS. The columns are found by their header, so a file with more or fewer columns
//! than the layout still reads; only the cells are handed on — what they mean is the domain's
//! ([`akinai_domain::shipping::plan_tracking`]).

use std::io::Read;

use akinai_domain::shipping::{LabelLayout, TrackingLine};

use crate::decode::decode;
use crate::table::{Table, TableError};
use crate::{FileError, Limits, TextEncoding};

/// Most rows a tracking file may hold.
pub const MAX_TRACKING_ROWS: u64 = 20_000;

/// The headers that name the order, the tracking number and the ship date, per layout (the
/// generic names are accepted in every layout).
fn columns(layout: LabelLayout) -> (Vec<&'static str>, Vec<&'static str>, Vec<&'static str>) {
    let mut order = vec!["注文番号", "order_number"];
    let mut tracking = vec![
        "送り状番号",
        "問い合わせ番号",
        "お問い合わせ番号",
        "tracking_number",
    ];
    let date = vec!["出荷日", "出荷予定日", "ship_date"];
    match layout {
        LabelLayout::YamatoB2 => {
            order.insert(0, "お客様管理番号");
            tracking.insert(0, "伝票番号");
        }
        LabelLayout::Sagawa => {
            order.insert(0, "お客様管理ナンバー");
            tracking.splice(
                0..0,
                [
                    "お問い合せ送り状No.",
                    "お問合せ送り状No.",
                    "お問い合せ送り状番号",
                    "お問合せ送り状番号",
                ],
            );
        }
        LabelLayout::Generic => {}
    }
    (order, tracking, date)
}

/// The rows of a tracking file, with the encoding it was in.
pub fn read_tracking<R: Read>(
    input: R,
    layout: LabelLayout,
) -> Result<(TextEncoding, Vec<TrackingLine>), FileError> {
    let (encoding, text) = decode(input)?;
    let limits = Limits {
        max_bytes: 20 * 1024 * 1024,
        max_rows: MAX_TRACKING_ROWS,
        max_cell_chars: 1_000,
    };
    let mut table = Table::open(text, limits)?;
    let (order, tracking, date) = columns(layout);
    let order = table.column(&order);
    let tracking = table.column(&tracking);
    let date = table.column(&date);
    let (Some(order), Some(tracking)) = (order, tracking) else {
        let names = columns(layout);
        return Err(FileError::error(
            1,
            "",
            "",
            format!(
                "注文番号と送り状番号の列が見つかりません(見出しを「{}」と「{}」にしてください)",
                names.0[0], names.1[0]
            ),
        ));
    };
    let mut lines = Vec::new();
    loop {
        match table.next_row() {
            Ok(Some(row)) => {
                let order_number = row.get(Some(order)).to_string();
                let tracking_number = row.get(Some(tracking)).to_string();
                if order_number.is_empty() && tracking_number.is_empty() {
                    continue;
                }
                lines.push(TrackingLine {
                    row: row.number,
                    order_number,
                    tracking_number,
                    shipped_on: row.get(date).to_string(),
                });
            }
            Ok(None) => break,
            Err(TableError::Row(issue)) | Err(TableError::File(issue)) => return Err(issue),
        }
    }
    Ok((encoding, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_b2_issued_file_in_shift_jis_reads_its_order_and_slip_numbers() {
        let text = "お客様管理番号,送り状種類,クール区分,伝票番号,出荷予定日\r\nAK00000012,0,0,123456789012,2026/12/04\r\n,,,,\r\n";
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        let (encoding, lines) = read_tracking(&bytes[..], LabelLayout::YamatoB2).unwrap();
        assert_eq!(encoding, TextEncoding::ShiftJis);
        assert_eq!(
            lines,
            vec![TrackingLine {
                row: 2,
                order_number: "AK00000012".into(),
                tracking_number: "123456789012".into(),
                shipped_on: "2026/12/04".into(),
            }]
        );
    }

    #[test]
    fn a_file_without_the_columns_is_refused_naming_them() {
        let e = read_tracking(&b"a,b\r\n1,2\r\n"[..], LabelLayout::Sagawa).unwrap_err();
        assert!(e.message.contains("お客様管理ナンバー"), "{}", e.message);
    }
}
