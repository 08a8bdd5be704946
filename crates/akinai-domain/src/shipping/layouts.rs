//! The three label layouts, column by column. B2クラウド's 95 columns follow Yamato's template
//! (newb2web_template1, 外部データ取込み; the field widths are those of its column notes, in
//! half-width places); e飛伝's follow Sagawa's standard 飛脚宅配便 CSV (住所 and 名称 16
//! full-width characters a line, 品名 16); the generic layout carries every fact unabridged.
//! Columns akinai has nothing for stay empty: B2's 取込みパターン and e飛伝's template fill the
//! shop's fixed values (請求先顧客コード and the like).

use super::{
    is_cod, method_kind, street_address, Fields, LabelProblem, LabelRow, MethodKind, Parcel,
    Sender, Slot,
};

/// B2クラウド 外部データ取込み, 95 columns.
pub const YAMATO_B2_HEADER: [&str; 95] = [
    "お客様管理番号",
    "送り状種類",
    "クール区分",
    "伝票番号",
    "出荷予定日",
    "お届け予定日",
    "配達時間帯",
    "お届け先コード",
    "お届け先電話番号",
    "お届け先電話番号枝番",
    "お届け先郵便番号",
    "お届け先住所",
    "お届け先アパートマンション名",
    "お届け先会社・部門１",
    "お届け先会社・部門２",
    "お届け先名",
    "お届け先名(ｶﾅ)",
    "敬称",
    "ご依頼主コード",
    "ご依頼主電話番号",
    "ご依頼主電話番号枝番",
    "ご依頼主郵便番号",
    "ご依頼主住所",
    "ご依頼主アパートマンション",
    "ご依頼主名",
    "ご依頼主名(ｶﾅ)",
    "品名コード１",
    "品名１",
    "品名コード２",
    "品名２",
    "荷扱い１",
    "荷扱い２",
    "記事",
    "ｺﾚｸﾄ代金引換額（税込)",
    "内消費税額等",
    "止置き",
    "営業所コード",
    "発行枚数",
    "個数口表示フラグ",
    "請求先顧客コード",
    "請求先分類コード",
    "運賃管理番号",
    "クロネコwebコレクトデータ登録",
    "クロネコwebコレクト加盟店番号",
    "クロネコwebコレクト申込受付番号１",
    "クロネコwebコレクト申込受付番号２",
    "クロネコwebコレクト申込受付番号３",
    "お届け予定ｅメール利用区分",
    "お届け予定ｅメールe-mailアドレス",
    "入力機種",
    "お届け予定ｅメールメッセージ",
    "お届け完了ｅメール利用区分",
    "お届け完了ｅメールe-mailアドレス",
    "お届け完了ｅメールメッセージ",
    "クロネコ収納代行利用区分",
    "予備",
    "収納代行請求金額(税込)",
    "収納代行内消費税額等",
    "収納代行請求先郵便番号",
    "収納代行請求先住所",
    "収納代行請求先住所（アパートマンション名）",
    "収納代行請求先会社・部門名１",
    "収納代行請求先会社・部門名２",
    "収納代行請求先名(漢字)",
    "収納代行請求先名(カナ)",
    "収納代行問合せ先名(漢字)",
    "収納代行問合せ先郵便番号",
    "収納代行問合せ先住所",
    "収納代行問合せ先住所（アパートマンション名）",
    "収納代行問合せ先電話番号",
    "収納代行管理番号",
    "収納代行品名",
    "収納代行備考",
    "複数口くくりキー",
    "検索キータイトル1",
    "検索キー1",
    "検索キータイトル2",
    "検索キー2",
    "検索キータイトル3",
    "検索キー3",
    "検索キータイトル4",
    "検索キー4",
    "検索キータイトル5",
    "検索キー5",
    "予備",
    "予備",
    "投函予定メール利用区分",
    "投函予定メールe-mailアドレス",
    "投函予定メールメッセージ",
    "投函完了メール（お届け先宛）利用区分",
    "投函完了メール（お届け先宛）e-mailアドレス",
    "投函完了メール（お届け先宛）メッセージ",
    "投函完了メール（ご依頼主宛）利用区分",
    "投函完了メール（ご依頼主宛）e-mailアドレス",
    "投函完了メール（ご依頼主宛）メッセージ",
];

/// e飛伝 standard 飛脚宅配便 CSV.
pub const SAGAWA_HEADER: [&str; 42] = [
    "住所録コード",
    "お届け先電話番号",
    "お届け先郵便番号",
    "お届け先住所１",
    "お届け先住所２",
    "お届け先住所３",
    "お届け先名称１",
    "お届け先名称２",
    "お客様管理ナンバー",
    "お客様コード",
    "部署・担当者",
    "荷送人電話番号",
    "ご依頼主電話番号",
    "ご依頼主郵便番号",
    "ご依頼主住所１",
    "ご依頼主住所２",
    "ご依頼主名称１",
    "ご依頼主名称２",
    "荷姿コード",
    "品名１",
    "品名２",
    "品名３",
    "品名４",
    "品名５",
    "出荷個数",
    "便種(スピードで選択)",
    "便種(商品)",
    "配達日",
    "配達指定時間帯",
    "配達指定時間(時分)",
    "代引金額",
    "消費税",
    "決済種別",
    "保険金額",
    "保険金額印字",
    "指定シール１",
    "指定シール２",
    "指定シール３",
    "営業店止め",
    "SRC区分",
    "営業店コード",
    "元着区分",
];

/// akinai's generic layout.
pub const GENERIC_HEADER: [&str; 21] = [
    "注文番号",
    "配送方法",
    "支払方法",
    "代引金額(税込)",
    "うち消費税",
    "お届け先名",
    "お届け先名(フリガナ)",
    "お届け先電話番号",
    "お届け先郵便番号",
    "お届け先都道府県",
    "お届け先市区町村",
    "お届け先番地",
    "お届け先建物名",
    "ご依頼主名",
    "ご依頼主電話番号",
    "ご依頼主郵便番号",
    "ご依頼主住所",
    "品名",
    "個数",
    "お届け希望日",
    "お届け希望時間帯",
];

/// The most B2 collects on delivery (コレクト), yen.
const YAMATO_COD_LIMIT: i64 = 300_000;

fn sender_postal(f: &mut Fields, sender: &Sender, field: &'static str) -> String {
    match &sender.postal_code {
        Some(code) => code.clone(),
        None => {
            f.problem(
                field,
                "ショップの郵便番号がわかりません。ショップ設定の所在地を「〒123-4567 …」で始めてください".into(),
            );
            String::new()
        }
    }
}

fn slot_code(
    f: &mut Fields,
    field: &'static str,
    slot: Option<&str>,
    code: fn(Slot) -> Option<&'static str>,
    carrier: &str,
) -> String {
    let Some(label) = slot else {
        return String::new();
    };
    match Slot::parse(label).and_then(code) {
        Some(c) => c.to_string(),
        None => {
            f.problem(
                field,
                format!("お届け時間帯「{label}」は{carrier}の時間帯にありません。時間帯を直すか、お客様に確認してください"),
            );
            String::new()
        }
    }
}

fn quantity(parcel: &Parcel<'_>) -> u32 {
    parcel.lines.iter().map(|l| l.quantity).sum()
}

pub(super) fn yamato_b2(
    parcel: &Parcel<'_>,
    sender: &Sender,
) -> Result<LabelRow, Vec<LabelProblem>> {
    let d = parcel.details;
    let mut f = Fields::new();
    let cod = is_cod(parcel);
    let kind = match (method_kind(parcel.method), cod) {
        (MethodKind::Parcel, false) => "0",
        (MethodKind::Parcel, true) => "2",
        (MethodKind::Compact, false) => "8",
        (MethodKind::Compact, true) => "9",
        (MethodKind::Letterbox, false) => "7",
        (MethodKind::Letterbox, true) => {
            f.problem(
                "送り状種類",
                "ネコポス(ポスト投函)では代金引換を扱えません。配送方法か支払方法を直してください"
                    .into(),
            );
            ""
        }
    };
    if cod && parcel.grand_total.0 > YAMATO_COD_LIMIT {
        f.problem(
            "ｺﾚｸﾄ代金引換額（税込)",
            format!(
                "代金引換はヤマトでは{YAMATO_COD_LIMIT}円までです(この注文は{}円)",
                parcel.grand_total.0
            ),
        );
    }
    let mut cells = vec![String::new(); YAMATO_B2_HEADER.len()];
    cells[0] = f.fit("お客様管理番号", parcel.order_number, 20);
    cells[1] = kind.to_string();
    cells[2] = "0".into();
    cells[4] = parcel.ships_on.format("%Y/%m/%d").to_string();
    cells[5] = d
        .delivery_date
        .map(|x| x.format("%Y/%m/%d").to_string())
        .unwrap_or_default();
    cells[6] = slot_code(
        &mut f,
        "配達時間帯",
        d.delivery_slot.as_deref(),
        Slot::yamato,
        "ヤマト",
    );
    cells[8] = f.fit("お届け先電話番号", d.phone.as_str(), 15);
    cells[10] = d.address.postal_code.as_str().to_string();
    cells[11] = f.fit("お届け先住所", &street_address(d), 64);
    cells[12] = f.fit(
        "お届け先アパートマンション名",
        d.address.line2.as_deref().unwrap_or_default(),
        32,
    );
    cells[15] = f.fit("お届け先名", &d.name, 32);
    cells[17] = "様".into();
    cells[19] = f.fit("ご依頼主電話番号", &sender.phone, 15);
    cells[21] = sender_postal(&mut f, sender, "ご依頼主郵便番号");
    cells[22] = f.fit("ご依頼主住所", &sender.address, 64);
    cells[24] = f.fit("ご依頼主名", &sender.name, 32);
    cells[27] = f.goods("品名１", parcel.lines, 50);
    if cod {
        cells[33] = parcel.grand_total.0.to_string();
        cells[34] = parcel.tax.0.to_string();
    }
    cells[35] = "0".into();
    cells[41] = "01".into();
    f.finish(cells)
}

pub(super) fn sagawa(parcel: &Parcel<'_>, sender: &Sender) -> Result<LabelRow, Vec<LabelProblem>> {
    let d = parcel.details;
    let mut f = Fields::new();
    let cod = is_cod(parcel);
    let mut cells = vec![String::new(); SAGAWA_HEADER.len()];
    cells[1] = f.fit("お届け先電話番号", d.phone.as_str(), 14);
    cells[2] = d.address.postal_code.as_str().to_string();
    let town = format!("{}{}", d.address.prefecture.name_ja(), d.address.city);
    cells[3] = f.fit("お届け先住所１", &town, 32);
    cells[4] = f.fit("お届け先住所２", &d.address.line1, 32);
    cells[5] = f.fit(
        "お届け先住所３",
        d.address.line2.as_deref().unwrap_or_default(),
        32,
    );
    cells[6] = f.fit("お届け先名称１", &d.name, 32);
    cells[8] = f.fit("お客様管理ナンバー", parcel.order_number, 16);
    cells[12] = f.fit("ご依頼主電話番号", &sender.phone, 14);
    cells[13] = sender_postal(&mut f, sender, "ご依頼主郵便番号");
    cells[14] = f.fit("ご依頼主住所１", &sender.address, 32);
    cells[16] = f.fit("ご依頼主名称１", &sender.name, 32);
    cells[19] = f.goods("品名１", parcel.lines, 32);
    cells[24] = "1".into();
    cells[27] = d
        .delivery_date
        .map(|x| x.format("%Y%m%d").to_string())
        .unwrap_or_default();
    cells[28] = slot_code(
        &mut f,
        "配達指定時間帯",
        d.delivery_slot.as_deref(),
        Slot::sagawa,
        "佐川急便",
    );
    if cod {
        cells[30] = parcel.grand_total.0.to_string();
        cells[31] = parcel.tax.0.to_string();
    }
    cells[41] = "1".into();
    f.finish(cells)
}

pub(super) fn generic(parcel: &Parcel<'_>, sender: &Sender) -> Result<LabelRow, Vec<LabelProblem>> {
    let d = parcel.details;
    let mut f = Fields::new();
    let cod = is_cod(parcel);
    let method = parcel
        .method
        .map_or_else(|| d.shipping_method.clone(), |m| m.name.clone());
    let cells = vec![
        parcel.order_number.to_string(),
        f.fit("配送方法", &method, 0),
        crate::documents::payment_method_ja(d.payment_method).to_string(),
        if cod {
            parcel.grand_total.0.to_string()
        } else {
            String::new()
        },
        if cod {
            parcel.tax.0.to_string()
        } else {
            String::new()
        },
        f.fit("お届け先名", &d.name, 0),
        f.fit("お届け先名(フリガナ)", d.name_kana.as_str(), 0),
        d.phone.as_str().to_string(),
        d.address.postal_code.as_str().to_string(),
        d.address.prefecture.name_ja().to_string(),
        f.fit("お届け先市区町村", &d.address.city, 0),
        f.fit("お届け先番地", &d.address.line1, 0),
        f.fit(
            "お届け先建物名",
            d.address.line2.as_deref().unwrap_or_default(),
            0,
        ),
        f.fit("ご依頼主名", &sender.name, 0),
        f.fit("ご依頼主電話番号", &sender.phone, 0),
        sender.postal_code.clone().unwrap_or_default(),
        f.fit("ご依頼主住所", &sender.address, 0),
        f.goods("品名", parcel.lines, 100),
        quantity(parcel).to_string(),
        d.delivery_date
            .map(|x| x.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        f.fit(
            "お届け希望時間帯",
            d.delivery_slot.as_deref().unwrap_or_default(),
            0,
        ),
    ];
    f.finish(cells)
}
