use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::settings::ShopSettings;
use crate::tax::TaxCategory;

fn details(edit: impl FnOnce(&mut crate::checkout::CheckoutInput)) -> CheckoutDetails {
    let s = ShopSettings::starter("t");
    let mut input = crate::checkout::tests::input();
    edit(&mut input);
    input
        .parse(&s, NaiveDate::from_ymd_opt(2026, 11, 25).unwrap())
        .unwrap()
}

fn line(name: &str, qty: u32) -> PricedLine {
    PricedLine {
        sku_id: crate::ids::SkuId(1),
        product_id: crate::ids::ProductId(1),
        product_name: name.into(),
        option_label: String::new(),
        sku_code: "SKU-1".into(),
        unit_price: Yen(1_000),
        quantity: qty,
        tax_category: TaxCategory::Standard,
        line_total: Yen(1_000 * i64::from(qty)),
    }
}

fn row(
    layout: LabelLayout,
    d: &CheckoutDetails,
    lines: &[PricedLine],
) -> Result<LabelRow, Vec<LabelProblem>> {
    let settings = ShopSettings::starter("t");
    let method = settings.shipping_method(&d.shipping_method).cloned();
    let parcel = Parcel {
        order_number: "AK00000042",
        details: d,
        lines,
        grand_total: Yen(3_630),
        tax: Yen(330),
        method: method.as_ref(),
        ships_on: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
    };
    label_row(layout, &parcel, &Sender::from_legal(&settings.legal))
}

fn cell<'a>(layout: LabelLayout, r: &'a LabelRow, column: &str) -> &'a str {
    let i = layout.header().iter().position(|h| *h == column).unwrap();
    &r.cells[i]
}

#[test]
fn every_layout_writes_as_many_cells_as_its_header() {
    assert_eq!(YAMATO_B2_HEADER.len(), 95);
    assert_eq!(YAMATO_B2_HEADER[73], "複数口くくりキー");
    let d = details(|_| {});
    for layout in LabelLayout::ALL {
        let r = row(layout, &d, &[line("煎茶", 2)]).unwrap();
        assert_eq!(r.cells.len(), layout.header().len(), "{layout:?}");
        assert_eq!(LabelLayout::parse(layout.name()), Some(layout));
    }
}

#[test]
fn a_b2_row_carries_the_order_the_recipient_the_sender_and_the_slot_code() {
    let l = LabelLayout::YamatoB2;
    let d = details(|_| {});
    let r = row(l, &d, &[line("煎茶", 2), line("湯呑み", 1)]).unwrap();
    assert_eq!(cell(l, &r, "お客様管理番号"), "AK00000042");
    // The starter order pays cash on delivery: コレクト with the total and its tax.
    assert_eq!(cell(l, &r, "送り状種類"), "2");
    assert_eq!(cell(l, &r, "ｺﾚｸﾄ代金引換額（税込)"), "3630");
    assert_eq!(cell(l, &r, "内消費税額等"), "330");
    assert_eq!(cell(l, &r, "出荷予定日"), "2026/11/26");
    assert_eq!(cell(l, &r, "お届け予定日"), "2026/12/01");
    assert_eq!(cell(l, &r, "配達時間帯"), "0812");
    assert_eq!(cell(l, &r, "お届け先郵便番号"), "150-0001");
    assert_eq!(cell(l, &r, "お届け先住所"), "東京都渋谷区神宮前1-2-3");
    assert_eq!(cell(l, &r, "お届け先名"), "山田 花子");
    assert_eq!(cell(l, &r, "ご依頼主郵便番号"), "150-0001");
    assert!(!cell(l, &r, "ご依頼主住所").starts_with('〒'));
    assert_eq!(cell(l, &r, "品名１"), "煎茶 他1点");
}

#[test]
fn the_b2_slip_kind_follows_the_method_and_the_payment() {
    let l = LabelLayout::YamatoB2;
    let paid = details(|i| i.payment_method = "bank_transfer".into());
    let r = row(l, &paid, &[line("煎茶", 1)]).unwrap();
    assert_eq!(cell(l, &r, "送り状種類"), "0");
    assert_eq!(cell(l, &r, "ｺﾚｸﾄ代金引換額（税込)"), "");
    let letterbox = details(|i| {
        i.payment_method = "bank_transfer".into();
        i.shipping_method = "mail".into();
        i.delivery_date.clear();
        i.delivery_slot.clear();
    });
    let r = row(l, &letterbox, &[line("煎茶", 1)]).unwrap();
    assert_eq!(cell(l, &r, "送り状種類"), "7");
    let cod_letterbox = details(|i| {
        i.shipping_method = "mail".into();
        i.delivery_date.clear();
        i.delivery_slot.clear();
    });
    let problems = row(l, &cod_letterbox, &[line("煎茶", 1)]).unwrap_err();
    assert_eq!(problems[0].field, "送り状種類");
}

#[test]
fn an_address_too_long_for_the_carrier_is_reported_never_cut() {
    let long = "神宮前一丁目二番三号".repeat(3);
    let d = details(|i| i.line1 = long.clone());
    let problems = row(LabelLayout::YamatoB2, &d, &[line("煎茶", 1)]).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].field, "お届け先住所");
    assert!(problems[0].message.contains("全角32文字"), "{:?}", problems);
    let problems = row(LabelLayout::Sagawa, &d, &[line("煎茶", 1)]).unwrap_err();
    assert_eq!(problems[0].field, "お届け先住所２");
    // The generic layout has no limits of its own.
    let r = row(LabelLayout::Generic, &d, &[line("煎茶", 1)]).unwrap();
    assert_eq!(cell(LabelLayout::Generic, &r, "お届け先番地"), long);
}

#[test]
fn a_long_item_name_is_shortened_to_fit_with_a_notice() {
    let name = "有機栽培の深蒸し煎茶 静岡県牧之原産 一番摘み 限定ギフト箱入り";
    let r = row(
        LabelLayout::Sagawa,
        &details(|_| {}),
        &[line(name, 1), line("急須", 2)],
    )
    .unwrap();
    let goods = cell(LabelLayout::Sagawa, &r, "品名１");
    assert!(goods.ends_with("… 他2点"), "{goods}");
    assert!(label_width(goods).unwrap() <= 32);
    assert_eq!(r.notices.len(), 1);
    assert_eq!(r.notices[0].field, "品名１");
}

#[test]
fn slots_map_to_each_carriers_codes_or_are_reported() {
    assert_eq!(Slot::parse("14時〜16時"), Some(Slot::Hours(14, 16)));
    assert_eq!(Slot::parse("１９−２１時"), Some(Slot::Hours(19, 21)));
    assert_eq!(Slot::parse("午前中"), Some(Slot::Morning));
    assert_eq!(Slot::parse("夜"), None);
    let d = details(|i| i.delivery_slot = "19時〜21時".into());
    let r = row(LabelLayout::Sagawa, &d, &[line("煎茶", 1)]).unwrap();
    assert_eq!(cell(LabelLayout::Sagawa, &r, "配達指定時間帯"), "19");
    let mut d = details(|_| {});
    d.delivery_slot = Some("12時〜14時".into());
    let problems = row(LabelLayout::YamatoB2, &d, &[line("煎茶", 1)]).unwrap_err();
    assert_eq!(problems[0].field, "配達時間帯");
    let r = row(LabelLayout::Sagawa, &d, &[line("煎茶", 1)]).unwrap();
    assert_eq!(cell(LabelLayout::Sagawa, &r, "配達指定時間帯"), "12");
}

#[test]
fn characters_a_label_cannot_print_are_named_and_wave_dashes_are_mapped() {
    let mut d = details(|_| {});
    d.name = "山田 花子🌸".into();
    let problems = row(LabelLayout::YamatoB2, &d, &[line("煎茶", 1)]).unwrap_err();
    assert!(problems[0].message.contains('🌸'), "{problems:?}");
    d.name = "山田〜花子".into();
    let r = row(LabelLayout::YamatoB2, &d, &[line("煎茶", 1)]).unwrap();
    assert_eq!(cell(LabelLayout::YamatoB2, &r, "お届け先名"), "山田～花子");
}

#[test]
fn a_shop_address_without_a_postal_code_is_reported() {
    let mut settings = ShopSettings::starter("t");
    settings.legal.address = "東京都渋谷区神宮前1-2-3".into();
    let sender = Sender::from_legal(&settings.legal);
    assert_eq!(sender.postal_code, None);
    let d = details(|_| {});
    let lines = [line("煎茶", 1)];
    let parcel = Parcel {
        order_number: "AK00000042",
        details: &d,
        lines: &lines,
        grand_total: Yen(1_100),
        tax: Yen(100),
        method: None,
        ships_on: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
    };
    let problems = label_row(LabelLayout::YamatoB2, &parcel, &sender).unwrap_err();
    assert_eq!(problems[0].field, "ご依頼主郵便番号");
}

proptest! {
    /// Whatever the recipient's name, a row either fits every width or says why not.
    #[test]
    fn a_written_name_always_fits_its_column(name in "[あ-んア-ン一-龥a-z 〜]{1,40}") {
        let mut d = details(|_| {});
        d.name = name;
        match row(LabelLayout::YamatoB2, &d, &[line("煎茶", 1)]) {
            Ok(r) => prop_assert!(label_width(cell(LabelLayout::YamatoB2, &r, "お届け先名")).unwrap() <= 32),
            Err(problems) => prop_assert!(problems.iter().any(|p| p.field == "お届け先名")),
        }
    }
}
