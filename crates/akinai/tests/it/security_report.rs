//! The monthly security report (issue #22, item 4) from a seeded month: incidents, attacks
//! stopped and alerts counted within the month only, admin account changes, the periodic tasks'
//! records, the self-assessment; its PDF; the sign-off, audited; and next month's comparison
//! with the signed month.

use chrono::Duration;
use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;
use akinai_domain::incident::IncidentKind;
use akinai_store::incidents::NewIncident;
use akinai_store::NewSecurityEvent;

use crate::support::admin;
use crate::support::TestApp;

async fn event(app: &TestApp, kind: &str, at: chrono::DateTime<chrono::Utc>) {
    app.store
        .record_security_event(&NewSecurityEvent {
            kind: kind.into(),
            at,
            source_ip: Some("192.0.2.9".into()),
            detail: serde_json::json!({}),
        })
        .await
        .unwrap();
}

/// IPA-M-5, IPA-O (log review): the report of November counts November's events only, lists the
/// month's incident, admin changes and task records, says the previous month was not signed,
/// and is signed off once by an owner; December's report compares with November's sign-off.
#[tokio::test]
async fn ipa_m_5_the_monthly_security_report_sums_up_the_month_and_is_signed_off() {
    let app = TestApp::demo().await;
    use akinai_core::clock::Clock as _;
    let now = app.clock.now();
    let (owner, _) = admin::signed_in(&app, "owner@example.jp", AdminRole::Owner).await;
    for _ in 0..3 {
        event(&app, "account.login_failure", now - Duration::days(2)).await;
    }
    event(&app, "card_testing", now - Duration::hours(5)).await;
    event(&app, "tamper_detected", now - Duration::hours(4)).await;
    event(&app, "account.login_failure", now - Duration::days(40)).await; // October
    app.store
        .open_incident(&NewIncident {
            kind: IncidentKind::Tampering,
            affected: "テーマの CSS".into(),
            personal_data: false,
            found_at: now - Duration::hours(4),
            opened_at: now - Duration::hours(3),
            opened_by: "店主 (admin:1)".into(),
        })
        .await
        .unwrap();
    let csrf = owner.get("/admin/security-tasks").await.hidden("csrf");
    let recorded = owner
        .post(
            "/admin/security-tasks",
            &[
                ("csrf", csrf.as_str()),
                ("task", "log-review"),
                ("done", "1"),
                ("note", "不審な操作なし"),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER);

    let page = owner.get("/admin/security-report?month=2026-11").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("セキュリティ月次報告 2026年11月"));
    assert!(
        body.contains("<td>会員ログインの失敗</td><td>3 件</td>"),
        "October's failure is not November's"
    );
    assert!(body.contains("<td>カードテストとして拒否した決済</td><td>1 件</td>"));
    assert!(body.contains("<td>テーマファイルの改ざん検知</td><td>1 件</td>"));
    assert!(
        body.contains("改ざん・スキミング(個人データ: なし)"),
        "{body}"
    );
    assert!(body.contains("対応中(開始"));
    assert!(
        body.contains("管理者の招待"),
        "the owner's invitation this month"
    );
    assert!(body.contains("不審な操作なし"));
    assert!(body.contains("2026年10月の承認の記録がないため比較できません"));
    assert!(body.contains("まだ承認されていません"));

    let (status, headers, pdf) = owner
        .get_bytes("/admin/security-report/pdf?month=2026-11")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    if let Some(text) = crate::documents::pdf_text(&pdf) {
        assert!(text.contains("セキュリティ月次報告 2026年11月"), "{text}");
        assert!(text.contains("会員ログインの失敗"));
    }

    let csrf = page.hidden("csrf");
    let future = owner
        .post(
            "/admin/security-report/sign-off",
            &[("csrf", csrf.as_str()), ("month", "2027-01"), ("note", "")],
        )
        .await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    let signed = owner
        .post(
            "/admin/security-report/sign-off",
            &[
                ("csrf", csrf.as_str()),
                ("month", "2026-11"),
                ("note", "TLS の設定を来月までに行う"),
            ],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let page = owner
        .get("/admin/security-report?month=2026-11&signed=1")
        .await;
    assert!(page.body.contains("承認を記録しました"));
    assert!(page.body.contains("TLS の設定を来月までに行う"));
    let audit = app
        .store
        .audit_entries_of("security_report.sign_off", 10)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].record.target, "security_report:2026-11");

    // December compares with November's sign-off.
    app.clock.advance(Duration::days(10));
    let (owner, _) = admin::signed_in(&app, "owner2@example.jp", AdminRole::Owner).await;
    let december = owner.get("/admin/security-report?month=2026-12").await;
    assert!(december.body.contains("2026年11月の承認時から新たに要対応"));
    assert!(december.body.contains("2026年11月の承認時から解消"));
    assert!(!december
        .body
        .contains("<td>会員ログインの失敗</td><td>3 件</td>"));
    let bad = owner.get("/admin/security-report?month=2026-13").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
