//! A report as a PDF: a title, a few lines under it, and one table that runs over as many pages
//! as it needs with its header repeated (the security self-assessment; later the monthly
//! security report). Only the layout lives here; what the rows say is the caller's.

use akinai_domain::selfcheck::{Report, Status};

use crate::canvas::{Align, Canvas, Column, LEFT, RIGHT, TOP};
use crate::draw::heading;
use crate::fonts::Fonts;
use crate::PdfError;

/// The self-assessment as a PDF (A4, Japanese), one table row per requirement.
pub fn render_selfcheck(report: &Report, shop_name: &str) -> Result<Vec<u8>, PdfError> {
    let fonts = Fonts::get().ok_or(PdfError::Font)?;
    let made_on = (report.generated_at + chrono::Duration::hours(9)).date_naive();
    let mut c = Canvas::new(fonts, format!("セキュリティ自己点検 {shop_name}"));
    heading(
        &mut c,
        "セキュリティ自己点検",
        18.0,
        shop_name,
        format!("点検日時 {}", crate::draw::date_ja(made_on)),
    );
    c.y = TOP + 40.0;
    c.paragraph(
        LEFT,
        RIGHT - LEFT,
        9.0,
        false,
        &format!(
            "{}。要件は IPA「ECサイト構築・運用セキュリティガイドライン」、クレジットカード・セキュリティガイドライン、「安全なウェブサイトの作り方」と関係法令による。",
            report.headline_ja()
        ),
    );
    c.y += 6.0;
    let columns = [
        Column {
            title: "要件",
            width: 70.0,
            align: Align::Left,
        },
        Column {
            title: "状態",
            width: 46.0,
            align: Align::Left,
        },
        Column {
            title: "項目と確認した内容",
            width: 235.0,
            align: Align::Left,
        },
        Column {
            title: "対応",
            width: RIGHT - LEFT - 351.0,
            align: Align::Left,
        },
    ];
    let rows: Vec<Vec<String>> = report
        .rows
        .iter()
        .map(|r| {
            let mut found = r.title.clone();
            for e in &r.evidence {
                found.push_str(" / ");
                found.push_str(e);
            }
            let todo = match r.status {
                Status::Manual => r.question.clone().unwrap_or_default(),
                _ => r.fix.clone().unwrap_or_default(),
            };
            vec![r.id.clone(), r.status.label_ja().to_string(), found, todo]
        })
        .collect();
    c.table(&columns, &rows, 7.5);
    crate::write(c.finish(), "セキュリティ自己点検".into(), made_on, None)
}
