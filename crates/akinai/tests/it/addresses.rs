//! Addresses that carriers can deliver to (issue #15, items 10, 11 and 16): characters a delivery
//! label cannot print are refused with the character named, the postal code must belong to the
//! prefecture, limits are stated, メール便 says it has no date choice, and 「住所を自動入力」 fills
//! the form from Japan Post's data — as JSON for the address book's script and on the server for
//! the scriptless checkout.

use axum::http::StatusCode;

use crate::support::{TestApp, MEMBER_PASSWORD};

/// The `selected` prefecture `<option>` of a rendered form.
fn selected_prefecture(body: &str) -> Option<&str> {
    let at = body.find("\" selected>")?;
    let start = body[..at].rfind("value=\"")? + "value=\"".len();
    Some(&body[start..at])
}

#[tokio::test]
async fn jp_carrier_labels_refuse_unprintable_characters_and_name_them() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    shopper.add(app.sku_named("米味噌").await, "1").await;
    let page = shopper
        .submit_details(&[("name", "山田 花子😀"), ("line2", "ハイツ𠮷野 101")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("「😀」は配送伝票に印字できない文字"),
        "{}",
        page.body
    );
    assert!(page.body.contains("「𠮷」は配送伝票に印字できない文字"));
    assert_eq!(page.body.matches("class=\"field invalid\"").count(), 2);
    assert_eq!(
        shopper.get("/checkout/confirm").await.location(),
        "/checkout",
        "nothing was saved"
    );
}

#[tokio::test]
async fn a_postal_code_of_another_prefecture_is_refused_before_the_fee_is_computed() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    shopper.add(app.sku_named("米味噌").await, "1").await;
    let page = shopper
        .submit_details(&[("postal_code", "060-0001"), ("prefecture", "13")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains("この郵便番号は北海道の番号です。都道府県か郵便番号をご確認ください。"),
        "{}",
        page.body
    );
    let unknown = shopper.submit_details(&[("postal_code", "000-0000")]).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("日本郵便のデータに見つかりません"));
    let right = shopper
        .submit_details(&[("postal_code", "060-0001"), ("prefecture", "1")])
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
}

#[tokio::test]
async fn limits_are_stated_and_mail_delivery_says_it_takes_no_date() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    shopper.add(app.sku_named("米味噌").await, "1").await;
    let long = "あ".repeat(101);
    let page = shopper
        .submit_details(&[("line1", &long), ("shipping_method", "mail")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("100文字以内で入力してください。"));
    assert!(!page.body.contains("長すぎます"));
    assert_eq!(
        page.body
            .matches("この配送方法(ポストへのお届け)では、お届け日・時間帯を指定できません")
            .count(),
        1,
        "one message for date and time, not two format errors"
    );
    assert!(!page.body.contains("形式が正しくありません"));
}

#[tokio::test]
async fn the_postal_code_endpoint_answers_towns_as_json() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let page = shopper.get("/postal-code/1500001").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.headers["content-type"].to_str().unwrap(),
        "application/json"
    );
    let json: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    assert_eq!(json["postal_code"], "150-0001");
    let place = &json["places"][0];
    assert_eq!(place["prefecture_code"], 13);
    assert_eq!(place["prefecture"], "東京都");
    assert_eq!(place["city"], "渋谷区");
    assert_eq!(place["town"], "神宮前");
    assert_eq!(place["town_kana"], "ジングウマエ");
    let two: serde_json::Value =
        serde_json::from_str(&shopper.get("/postal-code/4980000").await.body).unwrap();
    let prefectures: Vec<&str> = two["places"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["prefecture"].as_str().unwrap())
        .collect();
    assert!(prefectures.contains(&"愛知県") && prefectures.contains(&"三重県"));
    let unknown = shopper.get("/postal-code/0000000").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("\"places\":[]"));
    for bad in ["150-0001", "15000012", "abcdefg"] {
        let page = shopper.get(&format!("/postal-code/{bad}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn the_checkout_fills_the_address_from_the_postal_code_without_javascript() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    shopper.add(app.sku_named("米味噌").await, "1").await;
    let form = shopper.get("/checkout").await;
    assert!(
        form.body.contains("name=\"autofill\""),
        "the button is there"
    );
    assert!(
        !form.body.contains("<script"),
        "CCSG-V-3: the checkout stays scriptless"
    );
    let page = shopper
        .submit(
            "/checkout",
            &[
                ("autofill", "1"),
                ("name", "山田 花子"),
                ("postal_code", "０６０－０００１"),
                ("prefecture", ""),
                ("city", ""),
                ("line1", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(selected_prefecture(&page.body), Some("1"));
    assert!(page.body.contains("value=\"札幌市中央区\""));
    assert!(page.body.contains("value=\"北一条西\""));
    assert!(page.body.contains("value=\"060-0001\""));
    assert!(page.body.contains("郵便番号から住所を入力しました"));
    assert!(
        page.body.contains("value=\"山田 花子\""),
        "what was typed stays"
    );
    assert!(
        !page.body.contains("class=\"field invalid\""),
        "no errors yet"
    );
    assert_eq!(
        shopper.get("/checkout/confirm").await.location(),
        "/checkout",
        "filling the form saves nothing"
    );
}

#[tokio::test]
async fn the_address_book_fills_without_javascript_and_loads_the_autofill_script() {
    let app = TestApp::demo().await;
    let member = app.member("postal@example.jp").await;
    let form = member.get("/account/addresses/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("/assets/postal-"),
        "the script is linked"
    );
    let page = member
        .submit(
            "/account/addresses",
            &[
                ("autofill", "1"),
                ("postal_code", "4980000"),
                ("current_password", MEMBER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("複数の地域があります"), "{}", page.body);
    assert!(page.body.contains("愛知県弥富市") && page.body.contains("三重県"));
    let saved = member
        .submit(
            "/account/addresses",
            &[
                ("name", "山田 花子"),
                ("name_kana", "ヤマダ ハナコ"),
                ("phone", "090-1234-5678"),
                ("postal_code", "060-0001"),
                ("prefecture", "13"),
                ("city", "札幌市中央区"),
                ("line1", "北一条西2"),
                ("current_password", MEMBER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(saved.body.contains("この郵便番号は北海道の番号です"));
    let book = member.get("/account/addresses").await;
    assert!(!book.body.contains("北一条西2"), "nothing was saved");
}

#[tokio::test]
async fn a_members_too_long_name_is_told_the_limit() {
    let app = TestApp::demo().await;
    let member = app.member("long-name@example.jp").await;
    let long = "名".repeat(51);
    let page = member
        .submit(
            "/account/profile",
            &[
                ("name", long.as_str()),
                ("phone", ""),
                ("current_password", MEMBER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(
        page.body.contains("50文字以内で入力してください。"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("maxlength=\"50\""),
        "the field says it too"
    );
}
