//! The return invoice (適格返還請求書, JP-INV-3) on A4: its number and date, the buyer, the
//! issuer with its registration number, the transaction it returns (the original invoice's
//! number and date, or the order), the amount refunded, and the refund per rate with its tax.

use akinai_domain::documents::DocumentContent;

use crate::canvas::{Canvas, LEFT, RIGHT, TOP};
use crate::draw::{amount_box, date_ja, heading};
use crate::receipt::rates_block;

/// Lays out a return invoice onto `c`.
pub fn return_invoice(c: &mut Canvas<'_>, doc: &DocumentContent) {
    let number = format!("返還請求書番号 {}", doc.number);
    heading(
        c,
        doc.title(),
        20.0,
        &number,
        format!("発行日 {}", date_ja(doc.issued_on)),
    );
    c.y = TOP + 62.0;
    c.paragraph(LEFT, 280.0, 14.0, true, &format!("{} 様", doc.buyer));
    c.rule(LEFT, c.y, LEFT + 280.0, c.y, 0.8);
    c.y += 8.0;
    c.paragraph(LEFT, 280.0, 9.0, false, "下記のとおりご返金いたしました。");
    let left_end = c.y;

    let x = 340.0;
    c.y = TOP + 62.0;
    c.paragraph(x, RIGHT - x, 10.5, true, &doc.issuer.name);
    c.paragraph(x, RIGHT - x, 8.5, false, &doc.issuer.address);
    c.paragraph(
        x,
        RIGHT - x,
        8.5,
        false,
        &format!("TEL {}", doc.issuer.phone),
    );
    if let Some(n) = &doc.registration_number {
        c.paragraph(x, RIGHT - x, 9.0, false, &format!("登録番号 {n}"));
    }
    c.y = c.y.max(left_end) + 12.0;

    let facts = [
        ("対象のお取引", doc.refers_to.clone().unwrap_or_default()),
        ("ご注文番号", doc.order_number.clone()),
        ("元のお取引日", date_ja(doc.transaction_date)),
        ("ご返金日", date_ja(doc.issued_on)),
        ("お支払方法", doc.payment_method.clone()),
    ];
    for (label, value) in facts {
        c.text(LEFT, c.y + 9.0, 9.0, false, label);
        c.text(LEFT + 80.0, c.y + 9.0, 9.0, false, &value);
        c.y += 14.0;
    }
    c.y += 8.0;
    amount_box(c, "ご返金額(税込)", doc.grand_total);
    rates_block(c, doc);
}
