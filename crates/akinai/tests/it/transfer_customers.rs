//! Customers moving in (CSV issue, item 2; APPI): Shopify and EC-CUBE member files come in
//! without passwords — an imported member cannot log in until they set one — with the address
//! when it passes checkout's rules and the marketing consent as the file states it; members the
//! shop has are left alone; a broken file changes nothing; export → import round-trips.

use std::io::Cursor;

use akinai_core::audit::AuditContext;
use akinai_core::transfer::{ImportOptions, ImportReport};
use akinai_csv::{Format, OutEncoding};
use reqwest::StatusCode;

use crate::support::TestApp;

pub const SHOPIFY: &str = "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,Default Address Address1,Default Address Address2,Default Address City,Default Address Province Code,Default Address Country Code,Default Address Zip,Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,Tags
1001,花子,山田,hanako@example.jp,yes,,神宮前1-2-3,,渋谷区,JP-13,JP,150-0001,090-1234-5678,090-1234-5678,no,5000,2,,no,
1002,太郎,佐藤,Taro@Example.jp,no,,,,,,,,,,no,0,0,,no,
";

fn eccube() -> Vec<u8> {
    let text = "会員ID,お名前(姓),お名前(名),お名前(セイ),お名前(メイ),会社名,郵便番号,都道府県(ID),都道府県(名称),住所1,住所2,メールアドレス,TEL,性別(ID),誕生日,会員ステータス(ID)
7,鈴木,一郎,スズキ,イチロウ,,530-0001,27,大阪府,大阪市北区,梅田1-1-1,ichiro@example.jp,06-1234-5678,1,,2
";
    encoding_rs::SHIFT_JIS.encode(text).0.into_owned()
}

async fn import(app: &TestApp, bytes: Vec<u8>, dry_run: bool) -> ImportReport {
    let options = ImportOptions {
        dry_run,
        ..ImportOptions::default()
    };
    app.shop
        .transfer()
        .import_customers(
            Cursor::new(bytes),
            options,
            &AuditContext::cli("移行担当"),
            std::sync::Arc::new(|_| {}),
        )
        .await
        .unwrap()
}

/// IPA-C-10, JP-APPI: imported members have no password — no password logs them in — and their
/// consent is what the file said.
#[tokio::test]
async fn ipa_c_10_imported_members_come_without_passwords_and_with_their_consent() {
    let app = TestApp::demo().await;
    app.member("taro@example.jp").await; // already a member: left alone
    let plan = import(&app, SHOPIFY.as_bytes().to_vec(), true).await;
    assert_eq!(plan.format, Some(Format::Shopify));
    assert_eq!(
        (
            plan.summary.new,
            plan.summary.unchanged,
            plan.summary.errors
        ),
        (1, 1, 0),
        "{:?}",
        plan.issues
    );
    assert!(
        app.store
            .customer_by_email("hanako@example.jp")
            .await
            .unwrap()
            .is_none(),
        "dry run"
    );
    let done = import(&app, SHOPIFY.as_bytes().to_vec(), false).await;
    assert!(done.applied);
    let hanako = app
        .store
        .customer_by_email("hanako@example.jp")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hanako.name, "山田 花子");
    assert!(hanako.marketing_consent);
    assert!(
        !hanako.password_hash.starts_with("$argon2"),
        "no password was imported"
    );
    let book = app.store.addresses(hanako.id).await.unwrap();
    assert!(
        book.is_empty(),
        "Shopify has no フリガナ: the address is left out"
    );
    assert!(done
        .issues
        .iter()
        .any(|i| i.column == "address" && !i.is_error()));
    for password in ["", "!imported", "moss lantern river quietly"] {
        let page = app.shopper().login("hanako@example.jp", password).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{password:?}");
    }
    let taro = app
        .store
        .customer_by_email("taro@example.jp")
        .await
        .unwrap()
        .unwrap();
    assert!(
        taro.password_hash.starts_with("$argon2"),
        "the existing member is untouched"
    );
    assert_eq!(
        import(&app, SHOPIFY.as_bytes().to_vec(), false)
            .await
            .summary
            .unchanged,
        2
    );
    let audit = app
        .store
        .audit_entries_of("customers.import", 5)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert!(
        !audit[0].record.detail.contains("hanako"),
        "counts, never the people"
    );
}

/// An EC-CUBE 会員 file (Shift_JIS) brings the address with its フリガナ into the address book.
#[tokio::test]
async fn an_ec_cube_member_file_brings_the_address_book_entry() {
    let app = TestApp::empty().await;
    let done = import(&app, eccube(), false).await;
    assert!(done.applied, "{:?}", done.issues);
    let ichiro = app
        .store
        .customer_by_email("ichiro@example.jp")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ichiro.name, "鈴木 一郎");
    assert!(
        !ichiro.marketing_consent,
        "no consent column: never assumed"
    );
    let book = app.store.addresses(ichiro.id).await.unwrap();
    assert_eq!(book.len(), 1);
    assert_eq!(book[0].recipient.address.prefecture.name_ja(), "大阪府");
    assert_eq!(book[0].recipient.name_kana.as_str(), "スズキ イチロウ");
}

/// A file with a bad address, a duplicate and a broken e-mail: refused whole, nothing written.
#[tokio::test]
async fn a_broken_member_file_is_reported_and_changes_nothing() {
    let app = TestApp::empty().await;
    let file = "email,name,phone,marketing\na@example.jp,一人目,,1\nb@example,二人目,,0\na@example.jp,三人目,,0\n";
    let report = import(&app, file.as_bytes().to_vec(), false).await;
    assert!(report.failed() && !report.applied);
    let rows: Vec<(u64, &str)> = report
        .issues
        .iter()
        .filter(|i| i.is_error())
        .map(|i| (i.row, i.column.as_str()))
        .collect();
    assert_eq!(rows, vec![(3, "email"), (4, "email")]);
    assert!(app
        .store
        .customer_by_email("a@example.jp")
        .await
        .unwrap()
        .is_none());
}

/// Members exported and imported into an empty shop come back with their addresses and consent.
#[tokio::test]
async fn members_move_out_and_back_in() {
    let app = TestApp::empty().await;
    assert!(import(&app, eccube(), false).await.applied);
    let mut out = Vec::new();
    app.shop
        .transfer()
        .export_customers(OutEncoding::Utf8, &mut out, &AuditContext::cli("t"))
        .await
        .unwrap();
    let other = TestApp::empty().await;
    let report = import(&other, out.clone(), false).await;
    assert!(
        report.applied && report.summary.new == 1,
        "{:?}",
        report.issues
    );
    let mut again = Vec::new();
    other
        .shop
        .transfer()
        .export_customers(OutEncoding::Utf8, &mut again, &AuditContext::cli("t"))
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        String::from_utf8(again).unwrap()
    );
}

/// JP-APPI: invitations go only when the owner sends them, once per member, in hourly batches,
/// saying what the data is used for; the link sets a password, and then the member can log in.
#[tokio::test]
async fn jp_appi_invitations_go_in_batches_and_let_the_member_set_a_password() {
    let app = TestApp::empty().await;
    assert!(
        import(&app, SHOPIFY.as_bytes().to_vec(), false)
            .await
            .applied
    );
    assert!(import(&app, eccube(), false).await.applied);
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(
        app.mails().is_empty(),
        "nothing is sent until the owner says so"
    );
    let who = AuditContext::cli("店長");
    assert_eq!(
        app.shop.transfer().invite_imported(2, &who).await.unwrap(),
        3
    );
    assert_eq!(
        app.shop.transfer().invite_imported(2, &who).await.unwrap(),
        0,
        "once each"
    );
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert_eq!(app.mails().len(), 2, "two this hour");
    app.clock.advance(chrono::Duration::hours(1));
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert_eq!(app.mails().len(), 3, "the rest the next hour");
    let mail = app
        .mails()
        .into_iter()
        .find(|m| m.contains("To: hanako@example.jp"))
        .unwrap();
    assert!(
        mail.contains("会員サービスとご注文の手続きのためだけに使います"),
        "the purpose is stated"
    );

    let link = app.link_in_mail("hanako@example.jp", "/account/password/reset?t=");
    let s = app.shopper();
    let token = s.get(&link).await.hidden("t");
    let new = "copper meadow after rain";
    let done = s
        .submit(
            "/account/password/reset",
            &[("t", &token), ("password", new)],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(
        app.shopper().login("hanako@example.jp", new).await.status,
        StatusCode::SEE_OTHER
    );
    let audit = app
        .store
        .audit_entries_of("customers.invite", 5)
        .await
        .unwrap();
    assert!(audit
        .iter()
        .any(|e| e.record.detail.contains("\"queued\":3")));
}
