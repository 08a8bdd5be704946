//! The 領収書 (receipt) on A4: the number and date, 「再発行」 on every copy after the first, the
//! customer's 宛名 and 但し書き, the amount received, the amounts and tax per rate (so a
//! registered shop's receipt serves as an 適格簡易請求書, JP-INV-1), the issuer with its
//! registration number, and the stamp-duty note with a box for the 収入印紙 where one is due.

use akinai_domain::documents::{rate_label, DocumentContent, StampDuty};

use crate::canvas::{Canvas, LEFT, RIGHT, TOP};
use crate::draw::{date_ja, heading};

/// Lays out a receipt onto `c`.
pub fn receipt(c: &mut Canvas<'_>, doc: &DocumentContent) {
    let number = format!("領収書番号 {}", doc.number);
    heading(
        c,
        doc.title(),
        22.0,
        &number,
        format!("発行日 {}", date_ja(doc.issued_on)),
    );
    if doc.reissue {
        // At the right under the date: the top left is the logo's.
        c.shade(RIGHT - 62.0, TOP + 26.0, 62.0, 24.0, 215);
        c.text(RIGHT - 54.0, TOP + 43.0, 13.0, true, "再発行");
    }

    c.y = TOP + 64.0;
    c.paragraph(LEFT, 330.0, 15.0, true, &format!("{} 様", doc.buyer));
    c.rule(LEFT, c.y, LEFT + 330.0, c.y, 0.8);
    c.y += 18.0;

    c.shade(LEFT, c.y, RIGHT - LEFT, 44.0, 240);
    c.text(LEFT + 12.0, c.y + 27.0, 11.0, true, "金額");
    c.text_centred(
        c.y + 31.0,
        22.0,
        true,
        &format!("{}-(税込)", doc.grand_total.display()),
    );
    c.y += 56.0;
    let purpose = doc.purpose.as_deref().unwrap_or_default();
    c.paragraph(LEFT, RIGHT - LEFT, 11.0, false, &format!("但し {purpose}"));
    c.paragraph(
        LEFT,
        RIGHT - LEFT,
        11.0,
        false,
        "上記正に領収いたしました。",
    );
    c.y += 8.0;

    rates_block(c, doc);
    c.y += 8.0;
    let facts = [
        ("ご注文番号", doc.order_number.clone()),
        ("お取引日", date_ja(doc.transaction_date)),
        ("お支払方法", doc.payment_method.clone()),
    ];
    for (label, value) in facts {
        c.text(LEFT, c.y + 9.0, 9.0, false, label);
        c.text(LEFT + 80.0, c.y + 9.0, 9.0, false, &value);
        c.y += 14.0;
    }
    let facts_end = c.y;

    // The issuer, with the stamp box beside it when one is due.
    c.y += 14.0;
    let issuer_x = 300.0;
    c.paragraph(issuer_x, RIGHT - issuer_x, 11.0, true, &doc.issuer.name);
    c.paragraph(issuer_x, RIGHT - issuer_x, 8.5, false, &doc.issuer.address);
    c.paragraph(
        issuer_x,
        RIGHT - issuer_x,
        8.5,
        false,
        &format!("TEL {}", doc.issuer.phone),
    );
    if let Some(n) = &doc.registration_number {
        c.paragraph(
            issuer_x,
            RIGHT - issuer_x,
            9.0,
            false,
            &format!("登録番号 {n}"),
        );
    }
    if doc.stamp == Some(StampDuty::OnPaper) {
        let (x, y) = (LEFT, facts_end + 14.0);
        c.rule(x, y, x + 70.0, y, 0.6);
        c.rule(x, y + 70.0, x + 70.0, y + 70.0, 0.6);
        c.rule(x, y, x, y + 70.0, 0.6);
        c.rule(x + 70.0, y, x + 70.0, y + 70.0, 0.6);
        c.text(x + 14.0, y + 39.0, 10.0, false, "収入印紙");
        c.y = c.y.max(y + 78.0);
    }
    if let Some(stamp) = doc.stamp {
        c.y += 8.0;
        c.paragraph(LEFT, RIGHT - LEFT, 8.5, false, stamp.note());
    }
}

/// The amounts per rate, each with its tax computed once (JP-INV-2), and the ※ note.
pub(crate) fn rates_block(c: &mut Canvas<'_>, doc: &DocumentContent) {
    for r in &doc.rates {
        let label = rate_label(r);
        c.text(LEFT, c.y + 10.0, 10.0, false, &format!("{label}対象"));
        c.text_right(LEFT + 260.0, c.y + 10.0, 10.0, false, &r.total.display());
        c.text_right(
            LEFT + 400.0,
            c.y + 10.0,
            10.0,
            false,
            &format!("(内消費税 {})", r.tax.display()),
        );
        if r.discount.0 != 0 {
            c.text(
                LEFT + 410.0,
                c.y + 10.0,
                8.5,
                false,
                &format!("値引 -{} 反映後", r.discount.display()),
            );
        }
        c.y += 15.0;
    }
    if doc.has_reduced() {
        c.paragraph(LEFT, RIGHT - LEFT, 8.5, false, "※ は軽減税率(8%)対象です。");
    }
}
