//! How each kind of document is laid out on A4: the title and number, the buyer or recipient,
//! the issuer block (name, address, phone, registration number), the order facts, the item
//! table and, where prices are shown, the totals and the tax per rate with the ※ note
//! (JP-INV-1/2). Amounts are tax-inclusive (総額表示).

use akinai_domain::documents::{rate_label, DocumentContent, DocumentKind};
use akinai_domain::picking::PickingList;
use akinai_domain::Yen;

use crate::canvas::{Align, Canvas, Column, LEFT, RIGHT, TOP};

const ISSUER_X: f32 = 340.0;

pub(crate) fn date_ja(d: chrono::NaiveDate) -> String {
    d.format("%Y年%m月%d日").to_string()
}

/// The top of a page: the title, and the number and date at the right.
pub(crate) fn heading(c: &mut Canvas<'_>, title: &str, size: f32, number: &str, date: String) {
    c.text_centred(TOP + 22.0, size, true, title);
    c.text_right(RIGHT, TOP + 4.0, 9.0, false, number);
    c.text_right(RIGHT, TOP + 17.0, 9.0, false, &date);
}

/// The shaded box with the amount that matters (billed, refunded).
pub(crate) fn amount_box(c: &mut Canvas<'_>, label: &str, amount: akinai_domain::Yen) {
    c.shade(LEFT, c.y, 300.0, 30.0, 240);
    c.text(LEFT + 8.0, c.y + 19.0, 10.0, true, label);
    c.text_right(LEFT + 292.0, c.y + 21.0, 16.0, true, &amount.display());
    c.y += 42.0;
}

/// Lays out one document onto `c`.
pub fn document(c: &mut Canvas<'_>, doc: &DocumentContent) {
    let number_label = match doc.kind {
        DocumentKind::Invoice | DocumentKind::Statement => format!("請求書番号 {}", doc.number),
        DocumentKind::Receipt => format!("領収書番号 {}", doc.number),
        DocumentKind::ReturnInvoice => format!("返還請求書番号 {}", doc.number),
        DocumentKind::DeliverySlip => format!("ご注文番号 {}", doc.order_number),
        DocumentKind::Quote => format!("見積番号 {}", doc.number),
    };
    let date = format!("発行日 {}", date_ja(doc.issued_on));
    heading(c, doc.title(), 20.0, &number_label, date);
    if doc.is_qualified_invoice() {
        c.text_centred(TOP + 38.0, 9.0, false, "(適格請求書)");
    }

    // Left column: the buyer (invoice) or the recipient (slip).
    let top = TOP + 62.0;
    c.y = top;
    match (&doc.ship_to, doc.kind) {
        (Some(to), DocumentKind::DeliverySlip) => {
            c.text(LEFT, c.y + 9.0, 9.0, false, "お届け先");
            c.y += 14.0;
            c.paragraph(LEFT, 280.0, 13.0, true, &format!("{} 様", to.name));
            c.paragraph(LEFT, 280.0, 9.0, false, &to.address);
            c.paragraph(LEFT, 280.0, 9.0, false, &format!("TEL {}", to.phone));
            c.y += 6.0;
            c.paragraph(
                LEFT,
                280.0,
                9.0,
                false,
                "このたびはお買い上げいただき、誠にありがとうございます。下記のとおり納品いたします。",
            );
        }
        _ => {
            // A statement is addressed to the company itself (御中).
            let honorific = if doc.kind == DocumentKind::Statement {
                "御中"
            } else {
                "様"
            };
            c.paragraph(
                LEFT,
                280.0,
                14.0,
                true,
                &format!("{} {honorific}", doc.buyer),
            );
            c.rule(LEFT, c.y, LEFT + 280.0, c.y, 0.8);
            c.y += 8.0;
            let words = if doc.kind == DocumentKind::Quote {
                "下記のとおりお見積り申し上げます。"
            } else {
                "下記のとおりご請求申し上げます。"
            };
            c.paragraph(LEFT, 280.0, 9.0, false, words);
        }
    }
    let left_end = c.y;

    // Right column: the issuer (the shop; ご依頼主 on a slip).
    c.y = top;
    if doc.kind == DocumentKind::DeliverySlip {
        c.text(ISSUER_X, c.y + 9.0, 9.0, false, "ご依頼主");
        c.y += 14.0;
    }
    c.paragraph(ISSUER_X, RIGHT - ISSUER_X, 10.5, true, &doc.issuer.name);
    c.paragraph(ISSUER_X, RIGHT - ISSUER_X, 8.5, false, &doc.issuer.address);
    c.paragraph(
        ISSUER_X,
        RIGHT - ISSUER_X,
        8.5,
        false,
        &format!("TEL {}", doc.issuer.phone),
    );
    if let (Some(n), DocumentKind::Invoice | DocumentKind::Quote | DocumentKind::Statement) =
        (&doc.registration_number, doc.kind)
    {
        c.paragraph(
            ISSUER_X,
            RIGHT - ISSUER_X,
            9.0,
            false,
            &format!("登録番号 {n}"),
        );
    }
    c.y = c.y.max(left_end) + 10.0;

    // Order facts (a quote's validity).
    let mut facts = match doc.kind {
        DocumentKind::Quote => vec![("有効期限", doc.valid_until.map(date_ja).unwrap_or_default())],
        DocumentKind::Statement => vec![
            (
                "ご請求期間",
                doc.period
                    .map(|(from, to)| format!("{} 〜 {}", date_ja(from), date_ja(to)))
                    .unwrap_or_default(),
            ),
            ("お支払期日", doc.due_on.map(date_ja).unwrap_or_default()),
            ("お支払方法", doc.payment_method.clone()),
        ],
        _ => vec![
            ("ご注文番号", doc.order_number.clone()),
            ("ご注文日(取引日)", date_ja(doc.transaction_date)),
            ("お支払方法", doc.payment_method.clone()),
        ],
    };
    if let Some(d) = &doc.delivery {
        facts.push(("お届け希望", d.clone()));
    }
    for (label, value) in facts {
        c.text(LEFT, c.y + 9.0, 9.0, false, label);
        c.text(LEFT + 95.0, c.y + 9.0, 9.0, false, &value);
        c.y += 14.0;
    }
    c.y += 6.0;
    if let Some(replaced) = &doc.replaces {
        // A corrected invoice says which one it replaces and why (a new document, the old
        // one is kept as it was).
        c.paragraph(LEFT, RIGHT - LEFT, 9.0, true, replaced);
        c.y += 6.0;
    }

    match doc.kind {
        DocumentKind::Invoice | DocumentKind::Statement if doc.show_prices => {
            amount_box(c, "ご請求金額(税込)", doc.grand_total)
        }
        DocumentKind::Quote => amount_box(c, "御見積金額(税込)", doc.grand_total),
        _ => {}
    }

    items(c, doc);
    if doc.show_prices {
        totals(c, doc);
    }
    if let Some(remarks) = &doc.remarks {
        c.y += 8.0;
        c.text(LEFT, c.y + 9.0, 9.0, true, "備考");
        c.y += 14.0;
        for line in remarks.lines() {
            c.paragraph(LEFT, RIGHT - LEFT, 9.0, false, line);
        }
    }
}

fn items(c: &mut Canvas<'_>, doc: &DocumentContent) {
    let name = |l: &akinai_domain::documents::DocumentLine| {
        if l.reduced {
            format!("※ {}", l.name)
        } else {
            l.name.clone()
        }
    };
    if doc.kind == DocumentKind::Statement {
        // One line per order and rate: the statement's detail (取引の明細).
        let columns = [
            Column {
                title: "ご注文日・ご注文番号",
                width: 300.0,
                align: Align::Left,
            },
            Column {
                title: "税率",
                width: 80.0,
                align: Align::Right,
            },
            Column {
                title: "金額(税込)",
                width: RIGHT - LEFT - 380.0,
                align: Align::Right,
            },
        ];
        let rows: Vec<Vec<String>> = doc
            .lines
            .iter()
            .map(|l| vec![l.name.clone(), l.code.clone(), l.amount.display()])
            .collect();
        c.table(&columns, &rows, 9.0);
    } else if doc.show_prices {
        let columns = [
            Column {
                title: "品名",
                width: 215.0,
                align: Align::Left,
            },
            Column {
                title: "品番",
                width: 90.0,
                align: Align::Left,
            },
            Column {
                title: "数量",
                width: 46.0,
                align: Align::Right,
            },
            Column {
                title: "単価(税込)",
                width: 78.0,
                align: Align::Right,
            },
            Column {
                title: "金額(税込)",
                width: RIGHT - LEFT - 429.0,
                align: Align::Right,
            },
        ];
        let rows: Vec<Vec<String>> = doc
            .lines
            .iter()
            .map(|l| {
                vec![
                    name(l),
                    l.code.clone(),
                    l.quantity.to_string(),
                    l.unit_price.display(),
                    l.amount.display(),
                ]
            })
            .collect();
        c.table(&columns, &rows, 9.0);
    } else {
        let columns = [
            Column {
                title: "品名",
                width: 330.0,
                align: Align::Left,
            },
            Column {
                title: "品番",
                width: 110.0,
                align: Align::Left,
            },
            Column {
                title: "数量",
                width: RIGHT - LEFT - 440.0,
                align: Align::Right,
            },
        ];
        let rows: Vec<Vec<String>> = doc
            .lines
            .iter()
            .map(|l| vec![name(l), l.code.clone(), l.quantity.to_string()])
            .collect();
        c.table(&columns, &rows, 9.0);
    }
}

fn totals(c: &mut Canvas<'_>, doc: &DocumentContent) {
    let items: i64 = doc.lines.iter().map(|l| l.amount.0).sum();
    let mut rows = vec![("商品合計", Yen(items), false)];
    if doc.kind == DocumentKind::Statement {
        // The orders' amounts already hold their shipping and fees.
        rows.clear();
    }
    if doc.discount.0 != 0 {
        rows.push(("クーポン値引", Yen(-doc.discount.0), false));
    }
    if doc.points.0 != 0 {
        rows.push(("ポイント値引", Yen(-doc.points.0), false));
    }
    if doc.kind != DocumentKind::Statement {
        rows.push(("送料", doc.shipping_fee, false));
    }
    if doc.payment_fee.0 != 0 {
        rows.push(("手数料", doc.payment_fee, false));
    }
    rows.push(("合計(税込)", doc.grand_total, true));
    c.ensure(rows.len() as f32 * 15.0 + 20.0 + doc.rates.len() as f32 * 15.0 + 40.0);
    c.y += 6.0;
    let label_x = RIGHT - 200.0;
    for (label, amount, bold) in rows {
        c.text(label_x, c.y + 10.0, 9.5, bold, label);
        c.text_right(RIGHT - 4.0, c.y + 10.0, 9.5, bold, &amount.display());
        c.y += 15.0;
        if bold {
            c.rule(label_x, c.y - 2.0, RIGHT, c.y - 2.0, 0.8);
        }
    }
    c.y += 10.0;
    // The tax per rate, computed once per rate (JP-INV-2), and with a coupon the share of the
    // discount each rate's amount is already reduced by.
    let mut columns = vec![
        Column {
            title: "税率区分",
            width: 160.0,
            align: Align::Left,
        },
        Column {
            title: "対象金額(税込)",
            width: 110.0,
            align: Align::Right,
        },
        Column {
            title: "内消費税",
            width: 100.0,
            align: Align::Right,
        },
    ];
    let discounted = doc.discount.0 != 0 || doc.points.0 != 0;
    if discounted {
        columns.push(Column {
            title: "値引の配分",
            width: 110.0,
            align: Align::Right,
        });
    }
    let rows: Vec<Vec<String>> = doc
        .rates
        .iter()
        .map(|r| {
            let mut row = vec![rate_label(r), r.total.display(), r.tax.display()];
            if discounted {
                row.push(format!("値引 -{} 反映後", r.discount.display()));
            }
            row
        })
        .collect();
    c.table(&columns, &rows, 9.0);
    if doc.has_reduced() {
        c.y += 6.0;
        c.paragraph(
            LEFT,
            RIGHT - LEFT,
            8.5,
            false,
            "※印は軽減税率(8%)対象商品です。",
        );
    }
}

/// Lays out a picking list: the orders it covers, then one row per SKU with a box to tick.
pub fn picking_list(c: &mut Canvas<'_>, list: &PickingList) {
    let counts = format!(
        "注文 {} 件・{} 品目・{} 点",
        list.order_numbers.len(),
        list.lines.len(),
        list.units()
    );
    let date = format!("作成日 {}", date_ja(list.made_on));
    heading(c, "ピッキングリスト", 20.0, &date, counts);
    c.y = TOP + 48.0;
    c.paragraph(
        LEFT,
        RIGHT - LEFT,
        8.5,
        false,
        &format!("対象の注文: {}", list.order_numbers.join("、")),
    );
    c.y += 6.0;
    let columns = [
        Column {
            title: "棚番",
            width: 56.0,
            align: Align::Left,
        },
        Column {
            title: "SKU",
            width: 100.0,
            align: Align::Left,
        },
        Column {
            title: "商品名",
            width: 164.0,
            align: Align::Left,
        },
        Column {
            title: "規格",
            width: 96.0,
            align: Align::Left,
        },
        Column {
            title: "数量",
            width: 40.0,
            align: Align::Right,
        },
        Column {
            title: "注文数",
            width: 40.0,
            align: Align::Right,
        },
        Column {
            title: "済",
            width: 15.0,
            align: Align::Left,
        },
    ];
    let rows: Vec<Vec<String>> = list
        .lines
        .iter()
        .map(|l| {
            vec![
                l.location.clone(),
                l.sku_code.clone(),
                l.product_name.clone(),
                l.option_label.clone(),
                l.quantity.to_string(),
                l.orders.to_string(),
                "□".to_string(),
            ]
        })
        .collect();
    c.table(&columns, &rows, 9.0);
}
