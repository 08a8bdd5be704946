//! Documents rendered for real and read back with poppler's `pdftotext` (CI requires it): what
//! a reader sees is what JP-INV-1 asks for.

use std::io::Write;
use std::process::Command;

use akinai_domain::documents::{DocumentContent, DocumentKind, DocumentLine, Party, RateLine};
use akinai_domain::Yen;
use chrono::NaiveDate;

use super::*;

pub(crate) fn invoice(lines: usize) -> DocumentContent {
    DocumentContent {
        kind: DocumentKind::Invoice,
        number: "INV-00000012".into(),
        issued_on: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
        order_number: "AK00000007".into(),
        transaction_date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        issuer: Party {
            name: "株式会社あきない商店".into(),
            address: "〒150-0001 東京都渋谷区神宮前1-2-3 あきないビル4階".into(),
            phone: "03-1234-5678".into(),
        },
        registration_number: Some("T1234567890123".into()),
        buyer: "山田 花子".into(),
        ship_to: None,
        delivery: None,
        payment_method: "銀行振込".into(),
        lines: (0..lines)
            .map(|i| DocumentLine {
                name: if i % 2 == 0 {
                    format!("静岡県産 深蒸し煎茶 100g 袋入り 品番違い{i}")
                } else {
                    format!("有田焼 湯呑み 藍染め 大ぶり 贈答用の木箱入り ({i})")
                },
                code: format!("SKU-{i:04}"),
                quantity: 2,
                unit_price: Yen(1_080),
                amount: Yen(2_160),
                reduced: i % 2 == 0,
            })
            .collect(),
        shipping_fee: Yen(880),
        discount: Yen::ZERO,
        points: Yen::ZERO,
        payment_fee: Yen(0),
        grand_total: Yen(2_160 * lines as i64 + 880),
        rates: vec![
            RateLine {
                rate_percent: 10,
                reduced: false,
                total: Yen(1_080 * lines as i64 + 880),
                tax: Yen(178),
                discount: Yen::ZERO,
            },
            RateLine {
                rate_percent: 8,
                reduced: true,
                total: Yen(1_080 * lines as i64),
                tax: Yen(80),
                discount: Yen::ZERO,
            },
        ],
        show_prices: true,
        purpose: None,
        stamp: None,
        refers_to: None,
        logo: None,
        replaces: None,
        valid_until: None,
        remarks: None,
        period: None,
        due_on: None,
        reissue: false,
    }
}

/// The text of a PDF as `pdftotext -layout` reads it, or `None` without the tool.
fn pdftotext(pdf: &[u8]) -> Option<String> {
    let found = Command::new("sh")
        .args(["-c", "command -v pdftotext"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("AKINAI_REQUIRE_OPS_TOOLS").as_deref() != Ok("1"),
            "pdftotext required but not installed"
        );
        eprintln!("NOTE: the PDF read-back DID NOT RUN: pdftotext is not installed");
        return None;
    }
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(file.path())
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

fn pages_of(text: &str) -> usize {
    text.split('\u{c}').filter(|p| !p.trim().is_empty()).count()
}

#[test]
fn jp_inv_1_a_qualified_invoice_reads_back_with_every_required_item() {
    let doc = invoice(3);
    let pdf = render(&doc, None).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // The font is subset: a page of text is tens of kilobytes, not the 4.6 MB font.
    assert!(pdf.len() < 200_000, "{} bytes", pdf.len());
    let Some(text) = pdftotext(&pdf) else { return };
    for needle in [
        "請求書",
        "適格請求書",
        "INV-00000012",
        "山田 花子 様",
        "株式会社あきない商店",
        "登録番号 T1234567890123",
        "2026年12月01日",
        "※ 静岡県産",
        "10%対象",
        "8%対象(軽減税率)",
        "¥7,360",
        "¥178",
        "¥80",
        "※印は軽減税率(8%)対象商品です。",
        "1 / 1",
    ] {
        assert!(text.contains(needle), "{needle} missing in:\n{text}");
    }
}

#[test]
fn a_long_invoice_repeats_its_table_header_and_numbers_its_pages() {
    let doc = invoice(90);
    let pages = layout(&doc, None).unwrap();
    assert!(pages.len() >= 3, "{} pages", pages.len());
    let pdf = render(&doc, None).unwrap();
    let Some(text) = pdftotext(&pdf) else { return };
    let n = pages_of(&text);
    assert_eq!(n, pages.len());
    for (i, page) in text.split('\u{c}').take(n).enumerate() {
        assert!(
            page.contains("品名") && page.contains("金額(税込)"),
            "page {i}"
        );
        assert!(page.contains(&format!("{} / {n}", i + 1)), "page {i}");
    }
    // The last item and the tax summary are on the last page.
    assert!(text.contains("SKU-0089"));
}

#[test]
fn a_gift_delivery_slip_prints_no_prices_and_batches_restart_page_numbers() {
    let mut slip = invoice(2);
    slip.kind = DocumentKind::DeliverySlip;
    slip.number = slip.order_number.clone();
    slip.show_prices = false;
    slip.ship_to = Some(Party {
        name: "佐藤 次郎".into(),
        address: "〒060-0001 北海道札幌市中央区北一条西1-1".into(),
        phone: "011-000-0000".into(),
    });
    slip.delivery = Some("宅配便 2026年12月05日 午前中".into());
    let pdf = render_all(&[slip.clone(), invoice(90)], None).unwrap();
    let Some(text) = pdftotext(&pdf) else { return };
    let first = text.split('\u{c}').next().unwrap();
    for needle in [
        "納品書",
        "お届け先",
        "佐藤 次郎 様",
        "ご依頼主",
        "午前中",
        "1 / 1",
    ] {
        assert!(first.contains(needle), "{needle} missing in:\n{first}");
    }
    assert!(
        !first.contains('¥'),
        "a gift slip shows no prices:\n{first}"
    );
    assert!(!first.contains("登録番号"));
    // The invoice after it starts again at page 1.
    let second = text.split('\u{c}').nth(1).unwrap();
    assert!(second.contains("請求書") && second.contains("1 / "));
}

#[test]
fn every_character_of_a_document_has_a_glyph() {
    let fonts = Fonts::get().unwrap();
    for page in layout(&invoice(4), None).unwrap() {
        for op in page {
            if let Op::Text { text, .. } = op {
                assert!(text.chars().all(|c| fonts.covers(c)), "{text}");
            }
        }
    }
}

#[test]
fn an_empty_batch_is_refused() {
    assert!(matches!(render_all(&[], None), Err(PdfError::Empty)));
}

#[test]
fn a_reissued_receipt_for_cash_of_50000_yen_or_more_says_so_and_has_a_stamp_box() {
    let mut doc = invoice(40);
    doc.kind = DocumentKind::Receipt;
    doc.number = "RCT-00000003".into();
    doc.buyer = "株式会社テスト商事".into();
    doc.purpose = Some("書籍代として".into());
    doc.stamp = akinai_domain::documents::StampDuty::of(
        akinai_domain::order::PaymentMethod::BankTransfer,
        doc.grand_total,
        Yen(5_000),
    );
    assert_eq!(
        doc.stamp,
        Some(akinai_domain::documents::StampDuty::OnPaper)
    );
    doc.reissue = true;
    let Some(text) = pdftotext(&render(&doc, None).unwrap()) else {
        return;
    };
    for needle in [
        "領収書",
        "再発行",
        "RCT-00000003",
        "株式会社テスト商事 様",
        "但し 書籍代として",
        "上記正に領収いたしました",
        "10%対象",
        "登録番号 T1234567890123",
        "収入印紙",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    // The first copy has no reissue mark; a card payment's receipt says it takes no stamp.
    doc.reissue = false;
    doc.stamp = akinai_domain::documents::StampDuty::of(
        akinai_domain::order::PaymentMethod::Card,
        doc.grand_total,
        Yen(5_000),
    );
    let text = pdftotext(&render(&doc, None).unwrap()).unwrap();
    assert!(!text.contains("再発行"), "{text}");
    assert!(!text.contains("収入印紙"), "{text}");
    assert!(text.contains("印紙税の課税対象外"), "{text}");
}

/// A PNG logo of `w` × `h` pixels, as the upload pipeline stores them.
fn png_logo(w: u32, h: u32) -> Vec<u8> {
    let picture =
        image::RgbaImage::from_fn(w, h, |x, _| image::Rgba([200, (x % 256) as u8, 40, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn the_logo_sits_at_the_top_left_of_each_first_page_within_its_box() {
    let bytes = png_logo(600, 200);
    let logo = Logo {
        bytes: &bytes,
        png: true,
        width: 600,
        height: 200,
    };
    let mut doc = invoice(90);
    // A document made before any logo was uploaded stays without one.
    let without = layout(&doc, Some(&logo)).unwrap();
    assert!(!without
        .iter()
        .flatten()
        .any(|op| matches!(op, Op::Logo { .. })));
    doc.logo = Some("ab".repeat(32));
    let pages = layout(&doc, Some(&logo)).unwrap();
    assert!(pages.len() > 1);
    let logos: Vec<(usize, &Op)> = pages
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.iter().map(move |op| (i, op)))
        .filter(|(_, op)| matches!(op, Op::Logo { .. }))
        .collect();
    assert_eq!(logos.len(), 1, "on the first page only");
    let (page, Op::Logo { x, y, w, h }) = logos[0] else {
        unreachable!()
    };
    assert_eq!(page, 0);
    // Scaled to fit 150 × 36 points, keeping its shape (3 : 1).
    assert!(
        (w - 108.0).abs() < 0.01 && (h - 36.0).abs() < 0.01,
        "{w} × {h}"
    );
    assert!(*x >= canvas::LEFT && *y > 0.0 && y + h <= canvas::TOP + 24.0);
    // A reissued receipt's mark moves out of the logo's corner.
    let mut receipt = invoice(1);
    receipt.kind = DocumentKind::Receipt;
    receipt.reissue = true;
    receipt.logo = doc.logo.clone();
    let first = &layout(&receipt, Some(&logo)).unwrap()[0];
    let mark = first
        .iter()
        .find_map(|op| match op {
            Op::Text { x, text, .. } if text == "再発行" => Some(*x),
            _ => None,
        })
        .unwrap();
    assert!(mark > x + w, "the 再発行 mark at {mark} overlaps the logo");
}

#[test]
fn the_logo_is_embedded_once_in_a_batch_of_slips() {
    let bytes = png_logo(320, 80);
    let logo = Logo {
        bytes: &bytes,
        png: true,
        width: 320,
        height: 80,
    };
    let mut slip = invoice(2);
    slip.kind = DocumentKind::DeliverySlip;
    slip.logo = Some("ab".repeat(32));
    let pdf = render_all(&[slip.clone(), slip.clone(), slip], Some(&logo)).unwrap();
    let found = Command::new("sh")
        .args(["-c", "command -v pdfimages"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("AKINAI_REQUIRE_OPS_TOOLS").as_deref() != Ok("1"),
            "pdfimages required but not installed"
        );
        eprintln!("NOTE: the image listing DID NOT RUN: pdfimages is not installed");
        return;
    }
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(&pdf).unwrap();
    let out = Command::new("pdfimages")
        .arg("-list")
        .arg(file.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let listing = String::from_utf8(out.stdout).unwrap();
    // One row per page that shows it, all the same object, 320 × 80.
    let rows: Vec<Vec<&str>> = listing
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().collect::<Vec<&str>>())
        .filter(|r| r.get(2) == Some(&"image"))
        .collect();
    assert_eq!(rows.len(), 3, "{listing}");
    assert!(
        rows.iter().all(|r| r[3] == "320" && r[4] == "80"),
        "{listing}"
    );
    assert!(
        rows.iter().all(|r| r[10] == rows[0][10]),
        "one object: {listing}"
    );
}

#[test]
fn jp_inv_4_a_corrected_invoice_says_which_invoice_it_replaces_and_why() {
    let mut doc = invoice(2);
    doc.number = "INV-00000015".into();
    doc.buyer = "株式会社やまだ 経理部".into();
    doc.replaces = Some(
        "本書は請求書 INV-00000012(2026年12月03日発行)を訂正したものです。訂正の理由:宛名の誤りのため"
            .into(),
    );
    let pdf = render(&doc, None).unwrap();
    let Some(text) = pdftotext(&pdf) else { return };
    for needle in [
        "INV-00000015",
        "株式会社やまだ 経理部 様",
        "本書は請求書 INV-00000012(2026年12月03日発行)を訂正したものです。",
        "宛名の誤りのため",
    ] {
        assert!(text.contains(needle), "{needle} missing in:\n{text}");
    }
}

#[test]
fn a_quote_reads_back_with_its_validity_amount_tax_per_rate_and_remarks() {
    let mut doc = invoice(2);
    doc.kind = DocumentKind::Quote;
    doc.number = "Q-00000003-2".into();
    doc.order_number = doc.number.clone();
    doc.valid_until = NaiveDate::from_ymd_opt(2026, 12, 31);
    doc.remarks = Some("送料はサービスいたします。\n納期はご注文から 5 営業日です。".into());
    let pdf = render(&doc, None).unwrap();
    if let Some(path) = std::env::var_os("AKINAI_KEEP_PDF") {
        std::fs::write(path, &pdf).unwrap();
    }
    let Some(text) = pdftotext(&pdf) else { return };
    for expected in [
        "御見積書",
        "見積番号 Q-00000003-2",
        "下記のとおりお見積り申し上げます。",
        "登録番号 T1234567890123",
        "有効期限",
        "2026年12月31日",
        "御見積金額(税込)",
        &doc.grand_total.display(),
        "内消費税",
        "備考",
        "送料はサービスいたします。",
        "納期はご注文から 5 営業日です。",
    ] {
        assert!(text.contains(expected), "{expected} missing in:\n{text}");
    }
    assert!(
        !text.contains("ご注文番号"),
        "a quote is not an order:\n{text}"
    );
}

#[test]
fn jp_inv_2_a_statement_reads_back_as_a_qualified_invoice_with_its_period_due_date_and_orders() {
    use akinai_domain::receivables::{statement_document, Period, StatementFacts, StatementOrder};
    use akinai_domain::tax::TaxCategory;
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let mut settings = akinai_domain::settings::ShopSettings::starter("あきない商店");
    settings.invoice_number =
        akinai_domain::invoice::RegistrationNumber::parse("T1234567890123").ok();
    let orders = [
        StatementOrder {
            order_number: "AK00000001".into(),
            placed_on: day("2026-11-03"),
            rates: vec![
                (TaxCategory::Standard, Yen(11_000)),
                (TaxCategory::Reduced, Yen(1_080)),
            ],
        },
        StatementOrder {
            order_number: "AK00000002".into(),
            placed_on: day("2026-11-20"),
            rates: vec![(TaxCategory::Reduced, Yen(2_161))],
        },
    ];
    let mut doc = statement_document(&StatementFacts {
        settings: &settings,
        addressee: "株式会社あきない 購買部".into(),
        period: Period {
            first: day("2026-11-01"),
            closing: day("2026-11-30"),
        },
        due_on: day("2026-12-31"),
        issued_on: day("2026-12-01"),
        orders: &orders,
    })
    .unwrap();
    doc.number = "STM-00000001".into();
    let pdf = render(&doc, None).unwrap();
    if let Some(path) = std::env::var_os("AKINAI_KEEP_PDF") {
        std::fs::write(path, &pdf).unwrap();
    }
    let Some(text) = pdftotext(&pdf) else { return };
    for expected in [
        "請求書",
        "(適格請求書)",
        "請求書番号 STM-00000001",
        "株式会社あきない 購買部 御中",
        "登録番号 T1234567890123",
        "ご請求期間",
        "2026年11月01日 〜 2026年11月30日",
        "お支払期日",
        "2026年12月31日",
        "請求書払い",
        "ご請求金額(税込)",
        "¥14,241",
        "2026年11月20日 ご注文 AK00000002",
        "※8%",
        "¥240",
        "¥1,000",
        "お振込先",
    ] {
        assert!(text.contains(expected), "{expected} missing in:\n{text}");
    }
    assert!(
        !text.contains("送料"),
        "the orders hold their shipping:\n{text}"
    );
}
