//! Reading real-shaped files: Shopify in both header sets, EC-CUBE 4 as its admin exports it
//! (Shift_JIS), akinai's own; broken files reported by row; a property test that no byte string
//! makes the reader panic.

use akinai_csv::{read_products, Format, Limits, TextEncoding};
use akinai_domain::tax::TaxCategory;
use akinai_domain::transfer::ImportedProduct;
use proptest::prelude::*;

fn read(
    bytes: Vec<u8>,
    format: Option<Format>,
) -> Result<
    (
        Format,
        TextEncoding,
        Vec<ImportedProduct>,
        Vec<akinai_csv::RowIssue>,
    ),
    akinai_csv::RowIssue,
> {
    let mut reader = read_products(std::io::Cursor::new(bytes), format, Limits::default())?;
    let mut products = Vec::new();
    for p in reader.by_ref() {
        products.push(p?);
    }
    let issues = reader.take_issues();
    Ok((reader.format, reader.encoding, products, issues))
}

const SHOPIFY_CLASSIC: &str = "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,Image Alt Text,Gift Card,SEO Title,SEO Description,Status
tshirt,綿のTシャツ,<p>やわらかい綿</p>,akinai,Apparel,衣料 > Tシャツ,,TRUE,サイズ,S,色,白,,,TS-S-W,200,shopify,5,deny,manual,2980.00,,TRUE,TRUE,,https://cdn.shopify.com/s/files/1/products/ts.jpg?v=1,1,,FALSE,,,active
tshirt,,,,,,,,,M,,白,,,TS-M-W,200,shopify,0,deny,manual,2980.00,,TRUE,TRUE,,https://cdn.shopify.com/s/files/1/products/ts-back.jpg?v=1,2,,,,,
tshirt,,,,,,,,,,,,,,,,,,,,,,,,,https://cdn.shopify.com/s/files/1/products/ts-side.jpg,3,,,,,
tea,緑茶,<p>静岡の緑茶</p>,akinai,,食品,\"軽減税率, お茶\",TRUE,Title,Default Title,,,,,,100,shopify,12,deny,manual,1080,,TRUE,TRUE,,,,,FALSE,,,draft
";

#[test]
fn shopify_classic_rows_group_into_products_variants_and_images() {
    let (format, encoding, products, issues) =
        read(SHOPIFY_CLASSIC.as_bytes().to_vec(), None).unwrap();
    assert_eq!((format, encoding), (Format::Shopify, TextEncoding::Utf8));
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(products.len(), 2);
    let shirt = &products[0];
    assert_eq!(shirt.handle, "tshirt");
    assert_eq!(shirt.name, "綿のTシャツ");
    assert_eq!(shirt.category_path, vec!["衣料", "Tシャツ"]);
    assert!(shirt.published);
    assert_eq!(shirt.variants.len(), 2);
    assert_eq!(shirt.variants[0].option_label, "S / 白");
    assert_eq!(shirt.variants[1].option_label, "M / 白");
    assert_eq!(shirt.variants[1].row, 3);
    assert_eq!(shirt.images, vec!["ts.jpg", "ts-back.jpg", "ts-side.jpg"]);
    let tea = &products[1];
    assert_eq!(tea.variants.len(), 1);
    assert_eq!(
        tea.variants[0].option_label, "",
        "Default Title is no option"
    );
    assert_eq!(tea.tax, Some(TaxCategory::Reduced), "tagged 軽減税率");
    assert!(!tea.published, "draft");
    assert!(
        tea.variants[0].code.starts_with("tea-"),
        "a blank SKU gets a stable code"
    );
    assert_eq!(tea.issues.len(), 1, "and says so");
}

#[test]
fn shopify_renamed_headers_are_read_the_same() {
    let file = "URL handle,Title,Description,Type,Tags,Status,Option1 name,Option1 value,SKU,Inventory quantity,Price,Charge tax,Product image URL
miso,味噌,<p>赤</p>,食品,,active,Title,Default Title,MISO-1,7,648,TRUE,https://x.example/miso.png
salt,塩,,食品,,active,Title,Default Title,SALT-1,3,300,FALSE,
";
    let (format, _, products, _) = read(file.as_bytes().to_vec(), None).unwrap();
    assert_eq!(format, Format::Shopify);
    assert_eq!(products[0].variants[0].code, "MISO-1");
    assert_eq!(products[0].variants[0].stock, "7");
    assert_eq!(products[0].variants[0].price, "648");
    assert_eq!(products[0].images, vec!["miso.png"]);
    assert_eq!(
        products[1].tax,
        Some(TaxCategory::NonTaxable),
        "Charge tax FALSE"
    );
}

fn eccube_export() -> Vec<u8> {
    let text = "商品ID,公開ステータス(ID),公開ステータス(名称),商品名,ショップ用メモ欄,商品説明(一覧),商品説明(詳細),検索ワード,フリーエリア,商品削除フラグ,商品画像,商品カテゴリ(ID),商品カテゴリ(名称),タグ(ID),販売種別(ID),規格分類1(ID),規格分類1(名称),規格分類2(ID),規格分類2(名称),発送日目安(ID),商品コード,在庫数,在庫数無制限フラグ,販売制限数,通常価格,販売価格,送料,税率
12,1,公開,手造り味噌,,赤味噌,<p>国産大豆〜100%</p>,,,0,\"miso1.jpg,miso2.jpg\",3,食品>調味料,,1,1,500g,,,,MISO-500,10,0,,,1000,,8
12,1,公開,手造り味噌,,赤味噌,<p>国産大豆〜100%</p>,,,0,\"miso1.jpg,miso2.jpg\",3,食品>調味料,,1,2,1kg,,,,MISO-1K,,1,,,1800,,8
13,2,非公開,湯呑み,,,,,,0,,4,器,,1,,,,,,YUNOMI,2,0,,,2500,,10
";
    let text = text.replace('〜', "～");
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    bytes.into_owned()
}

#[test]
fn an_ec_cube_export_in_shift_jis_is_read_by_規格() {
    let (format, encoding, products, issues) = read(eccube_export(), None).unwrap();
    assert_eq!((format, encoding), (Format::EcCube, TextEncoding::ShiftJis));
    assert!(issues.is_empty());
    assert_eq!(products.len(), 2);
    let miso = &products[0];
    assert_eq!(miso.handle, "ec-cube-12");
    assert_eq!(miso.description_html, "<p>国産大豆～100%</p>");
    assert_eq!(miso.category_path, vec!["食品", "調味料"]);
    assert_eq!(miso.tax, Some(TaxCategory::Reduced));
    assert_eq!(miso.images, vec!["miso1.jpg", "miso2.jpg"]);
    assert_eq!(
        miso.variants
            .iter()
            .map(|v| v.option_label.as_str())
            .collect::<Vec<_>>(),
        vec!["500g", "1kg"]
    );
    assert_eq!(miso.variants[1].stock, "99999", "unlimited");
    assert!(!products[1].published, "公開ステータス 2");
    assert_eq!(products[1].tax, Some(TaxCategory::Standard));
}

#[test]
fn akinai_files_keep_descriptions_exactly() {
    let file = "handle,name,category,description_html,tax,published,sku,option,price,stock,images
tea,緑茶,食品 > お茶,\"<p>静岡の\r\n緑茶</p>\",reduced,1,TEA-1,100g,540,3,
tea,緑茶,食品 > お茶,\"<p>静岡の\r\n緑茶</p>\",reduced,1,TEA-2,200g,1000,0,
";
    let (format, _, products, _) = read(file.as_bytes().to_vec(), None).unwrap();
    assert_eq!(format, Format::Akinai);
    assert_eq!(products[0].description_html, "<p>静岡の\r\n緑茶</p>");
    assert_eq!(products[0].variants.len(), 2);
}

#[test]
fn ragged_rows_and_unbalanced_quotes_are_reported_with_their_row() {
    let file = "handle,name,category,description_html,tax,published,sku,option,price,stock,images
a,A,,,standard,1,A-1,,100,1,
b,B,,,standard,1,B-1,,100,1,,extra
c,\"C,,,standard,1,C-1,,100,1,
d,D,,,standard,1,D-1,,100,1,
";
    let (_, _, products, issues) = read(file.as_bytes().to_vec(), None).unwrap();
    let rows: Vec<u64> = issues.iter().map(|i| i.row).collect();
    assert_eq!(rows, vec![3, 4], "{issues:?}");
    assert!(issues[0].message.contains("列の数"));
    assert_eq!(products.len(), 1, "only the whole row a");
}

#[test]
fn a_file_of_another_encoding_or_no_header_or_too_big_is_refused_whole() {
    let (euc, _, _) = encoding_rs::EUC_JP.encode("商品名,販売価格です\nみそ,100\n");
    let e = read(euc.into_owned(), None).unwrap_err();
    assert!(e.message.contains("文字コード"), "{e:?}");
    // UTF-8 at the start, broken later: refused at the row.
    let mut bytes =
        b"handle,name,category,description_html,tax,published,sku,option,price,stock,images\n"
            .to_vec();
    bytes.extend(b"a,A,,,standard,1,A-1,,100,1,\n".repeat(3000));
    bytes.extend(b"b,\x82\xa0\xff,,,standard,1,B-1,,100,1,\n");
    let e = read(bytes, None).unwrap_err();
    assert_eq!(e.row, 3002);
    assert!(e.message.contains("文字コード"));
    assert!(read(Vec::new(), None)
        .unwrap_err()
        .message
        .contains("ヘッダー"));
    assert!(read(b"x,y\n1,2\n".to_vec(), None)
        .unwrap_err()
        .message
        .contains("形式"));
    let e = read(SHOPIFY_CLASSIC.as_bytes().to_vec(), Some(Format::EcCube)).unwrap_err();
    assert!(e.message.contains("必要な列"), "{e:?}");
    let small = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    let mut reader = read_products(
        std::io::Cursor::new(SHOPIFY_CLASSIC.as_bytes().to_vec()),
        None,
        small,
    );
    let too_big = match &mut reader {
        Err(e) => e.clone(),
        Ok(r) => r.find_map(Result::err).unwrap(),
    };
    assert!(too_big.message.contains("大きすぎます"), "{too_big:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    /// Whatever the bytes, the reader answers with products or issues and never panics.
    #[test]
    fn the_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600), cut in 0usize..400) {
        let _ = read(bytes, None);
        let mut text = SHOPIFY_CLASSIC.as_bytes().to_vec();
        text.truncate(cut.min(text.len()));
        let _ = read(text.clone(), None);
        let _ = read(text, Some(Format::Akinai));
    }

    /// Random edits of a valid file keep row numbers within the file.
    #[test]
    fn issues_point_into_the_file(pos in 0usize..1500, byte in any::<u8>()) {
        let mut text = SHOPIFY_CLASSIC.as_bytes().to_vec();
        let at = pos % text.len();
        text[at] = byte;
        let lines = text.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        match read(text, None) {
            Ok((_, _, products, issues)) => {
                for i in issues.iter().chain(products.iter().flat_map(|p| p.issues.iter())) {
                    prop_assert!(i.row <= lines);
                }
            }
            Err(e) => prop_assert!(e.row <= lines),
        }
    }
}

#[test]
fn rows_are_numbered_the_same_with_crlf_line_ends() {
    let file = "handle,name,category,description_html,tax,published,sku,option,price,stock,images\r\na,A,,,standard,1,A-1,,100,1,\r\nb,B,,,standard,1,B-1,,100,1,\r\nc,C,,,standard,1,C-1,,100,1,\r\n";
    let (_, _, products, _) = read(file.as_bytes().to_vec(), None).unwrap();
    let rows: Vec<u64> = products.iter().map(|p| p.row).collect();
    assert_eq!(rows, vec![2, 3, 4]);
}
