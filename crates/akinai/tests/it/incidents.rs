//! The incident register (operations issue, item 4; IPA-M-5, JP-APPI-3): owners open an incident
//! with what it affects and when the shop found out, see APPI's report deadlines (60 days for
//! unauthorised access, 30 for a mistaken mail, none without personal data), record actions,
//! close it with a record, and export it for the report; each step is audited; managers cannot.

use chrono::Duration;
use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;

use crate::support::{admin, TestApp};

fn local(app: &TestApp, ago: Duration) -> String {
    (akinai_core::Clock::now(app.clock.as_ref()) - ago)
        .with_timezone(&akinai_core::clock::jst())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

#[tokio::test]
async fn jp_appi_3_an_incident_shows_the_report_deadlines_records_actions_and_closes_once() {
    let app = TestApp::demo().await;
    let (manager, _) = admin::signed_in(&app, "manager@example.jp", AdminRole::Manager).await;
    assert_eq!(
        manager.get("/admin/incidents").await.status,
        StatusCode::FORBIDDEN
    );
    let (owner, _) = admin::signed_in(&app, "owner@example.jp", AdminRole::Owner).await;

    let future = owner
        .admin_post(
            "/admin/incidents",
            &[
                ("kind", "unauthorised_access"),
                ("found_at", &local(&app, -Duration::days(1))),
                ("affected", "会員のログイン"),
            ],
        )
        .await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        future.body.contains("未来の日時は指定できません"),
        "{}",
        future.body
    );

    let found = local(&app, Duration::days(2));
    let opened = owner
        .admin_post(
            "/admin/incidents",
            &[
                ("kind", "unauthorised_access"),
                ("found_at", &found),
                ("personal_data", "1"),
                ("affected", "会員 12 名の住所・電話番号\n管理画面のログ"),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let path = opened.location().to_string();
    let page = owner.get(&path).await;
    assert!(page.body.contains("確報(60 日以内)"), "{}", page.body);
    assert!(
        page.body.contains("あと 58 日"),
        "60 days from two days ago: {}",
        page.body
    );
    assert!(page.body.contains("速報(速やかに)"));
    assert!(page.body.contains("あと 3 日"), "5 days from two days ago");

    let misdelivered = owner
        .admin_post(
            "/admin/incidents",
            &[
                ("kind", "leak"),
                ("found_at", &local(&app, Duration::hours(1))),
                ("personal_data", "1"),
                ("affected", "注文確認メールの誤送信 1 件"),
            ],
        )
        .await;
    let leak = owner.get(misdelivered.location()).await;
    assert!(leak.body.contains("確報(30 日以内)"), "{}", leak.body);
    let outage = owner
        .admin_post(
            "/admin/incidents",
            &[
                ("kind", "outage"),
                ("found_at", &local(&app, Duration::hours(1))),
                ("affected", "30 分間つながらなかった"),
            ],
        )
        .await;
    let down = owner.get(outage.location()).await;
    assert!(
        !down.body.contains("報告期限"),
        "no personal data, nothing to report"
    );

    for text in ["メンテナンスに切り替えた", "管理者のパスワードを変更した"]
    {
        let done = owner.admin_post(&path, &[("text", text)]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
    }
    let empty = owner.admin_post(&path, &[("text", "  ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let closed = owner
        .admin_post(
            &format!("{path}/close"),
            &[("text", "原因: 使い回しのパスワード")],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    let again = owner
        .admin_post(&format!("{path}/close"), &[("text", "もう一度")])
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "closed once");
    let late = owner.admin_post(&path, &[("text", "後から")]).await;
    assert_eq!(
        late.status,
        StatusCode::NOT_FOUND,
        "no action after closing"
    );

    let export = owner.get(&format!("{path}/export")).await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    for must in [
        "種類: 不正アクセス",
        "個人データの漏えい等のおそれ: あり",
        "60 日以内",
        "会員 12 名の住所・電話番号",
        "メンテナンスに切り替えた",
        "原因: 使い回しのパスワード",
    ] {
        assert!(export.body.contains(must), "{must} in\n{}", export.body);
    }
    let list = owner.get("/admin/incidents").await;
    assert!(list.body.contains("終了") && list.body.contains("対応中"));
    let actions = app.audit_actions().await;
    for a in ["incident.open", "incident.action", "incident.close"] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
}
