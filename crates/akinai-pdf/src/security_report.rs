//! The monthly security report as a PDF (issue #22, item 4): the month and the shop at the top,
//! each section as a two-column table (what, figure or state), and the sign-off — or blank lines
//! for the meeting's signatures when it is not signed yet.

use akinai_domain::security_report::MonthlyReport;

use crate::canvas::{Align, Canvas, Column, LEFT, RIGHT, TOP};
use crate::draw::heading;
use crate::fonts::Fonts;
use crate::PdfError;

/// The report as an A4 PDF.
pub fn render_security_report(report: &MonthlyReport) -> Result<Vec<u8>, PdfError> {
    let fonts = Fonts::get().ok_or(PdfError::Font)?;
    let title = format!("セキュリティ月次報告 {}", report.month.label_ja());
    let made_on = (report.generated_at + chrono::Duration::hours(9)).date_naive();
    let mut c = Canvas::new(fonts, format!("{title} {}", report.shop_name));
    heading(
        &mut c,
        &title,
        18.0,
        &report.shop_name,
        format!("作成 {}", crate::draw::date_ja(made_on)),
    );
    c.y = TOP + 40.0;
    c.paragraph(
        LEFT,
        RIGHT - LEFT,
        9.0,
        false,
        &format!(
            "セキュリティ対策会議の資料(IPA「ECサイト構築・運用セキュリティガイドライン」の運用時の対策)。akinai {}。",
            report.version
        ),
    );
    let columns = [
        Column {
            title: "項目",
            width: 220.0,
            align: Align::Left,
        },
        Column {
            title: "件数・状態",
            width: RIGHT - LEFT - 220.0,
            align: Align::Left,
        },
    ];
    for section in &report.sections {
        c.y += 10.0;
        c.ensure(60.0);
        c.text(LEFT, c.y + 11.0, 11.0, true, &section.title);
        c.y += 18.0;
        if section.lines.is_empty() {
            c.paragraph(LEFT, RIGHT - LEFT, 9.0, false, &section.empty);
            continue;
        }
        let rows: Vec<Vec<String>> = section
            .lines
            .iter()
            .map(|l| vec![l.what.clone(), l.value.clone()])
            .collect();
        c.table(&columns, &rows, 8.5);
    }
    c.y += 16.0;
    c.ensure(70.0);
    c.text(LEFT, c.y + 11.0, 11.0, true, "承認");
    c.y += 22.0;
    match &report.sign_off {
        Some(s) => c.paragraph(
            LEFT,
            RIGHT - LEFT,
            9.0,
            false,
            &format!("{} — {}", s.what, s.value),
        ),
        None => {
            c.text(
                LEFT,
                c.y + 9.0,
                9.0,
                false,
                "日付 ____________    承認者 ______________________    備考 ______________________",
            );
            c.y += 20.0;
        }
    }
    crate::write(c.finish(), title, made_on, None)
}
