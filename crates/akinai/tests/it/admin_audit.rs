//! What the back office shows of its own work (admin issue, items 4 and 7): SWS-11 — only owners
//! and managers read the audit trail; IPA-C-12 — the audit list's filters; the dashboard's
//! security panel (failed logins, the audit chain's check); CCSG-F-3c — flagged orders wait in
//! their queue until cleared with a note.

use chrono::Duration;
use reqwest::StatusCode;

use akinai_core::audit::AuditContext;
use akinai_domain::admin::AdminRole;

use crate::support::admin::{self, enrolled, login};
use crate::support::TestApp;

fn now(app: &TestApp) -> chrono::DateTime<chrono::Utc> {
    akinai_core::Clock::now(app.clock.as_ref())
}

#[tokio::test]
async fn sws_11_only_owners_and_managers_read_the_audit_trail() {
    let app = TestApp::demo().await;
    let (viewer, vs) = enrolled(&app, "viewer@example.jp", AdminRole::Viewer).await;
    let (manager, ms) = enrolled(&app, "manager@example.jp", AdminRole::Manager).await;
    assert_eq!(
        login(&app, &viewer, "viewer@example.jp", &vs).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        login(&app, &manager, "manager@example.jp", &ms).await,
        StatusCode::SEE_OTHER
    );
    let dash = viewer.get("/admin").await;
    assert!(!dash.body.contains("/admin/audit"), "no link for viewers");
    assert_eq!(
        viewer.get("/admin/audit").await.status,
        StatusCode::FORBIDDEN
    );
    let log = manager.get("/admin/audit").await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(log.body.contains("admin.login") && log.body.contains("admin.enrol"));
    // Filtered by action: only enrolments.
    let enrolments = manager.get("/admin/audit?action=admin.enrol").await;
    assert_eq!(enrolments.status, StatusCode::OK);
    assert_eq!(enrolments.body.matches("<td>admin.enrol</td>").count(), 2);
    assert!(!enrolments.body.contains("<td>admin.login</td>"));
    // Nobody without a session sees it; logging out ends the session on the server.
    assert_eq!(
        app.admin_user(None).get("/admin/audit").await.status,
        StatusCode::SEE_OTHER
    );
    let out = manager.submit("/admin/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        manager.get("/admin/audit").await.status,
        StatusCode::SEE_OTHER
    );
}

/// CCSG-F-3c / item 6 (flagged queue), IPA-C-8 masking: an established member's order to a new
/// address waits in the queue; staff see the recipient masked, managers in full, viewers not at
/// all; clearing needs a note and is audited.
#[tokio::test]
async fn ccsg_f_3c_flagged_orders_wait_in_the_queue_until_cleared_with_a_note() {
    let app = TestApp::demo().await;
    app.flagged_member_order("flag-admin@example.jp").await;

    let (staff, ss) = enrolled(&app, "staff@example.jp", AdminRole::Staff).await;
    let (manager, ms) = enrolled(&app, "manager@example.jp", AdminRole::Manager).await;
    let (viewer, vs) = enrolled(&app, "viewer@example.jp", AdminRole::Viewer).await;
    for (b, e, s) in [
        (&staff, "staff@example.jp", &ss),
        (&manager, "manager@example.jp", &ms),
        (&viewer, "viewer@example.jp", &vs),
    ] {
        assert_eq!(login(&app, b, e, s).await, StatusCode::SEE_OTHER);
    }
    assert_eq!(
        viewer.get("/admin/orders/flagged").await.status,
        StatusCode::FORBIDDEN
    );
    let masked = staff.get("/admin/orders/flagged").await;
    assert_eq!(masked.status, StatusCode::OK);
    assert!(masked.body.contains("お届け先の変更直後"));
    assert!(masked.body.contains("山＊＊") && !masked.body.contains("山田 花子"));
    assert!(
        !masked.body.contains("道玄坂"),
        "the street is hidden from staff"
    );
    let full = manager.get("/admin/orders/flagged").await;
    assert!(full.body.contains("山田 花子") && full.body.contains("道玄坂9-9-9"));
    let id = app.store.orders_awaiting_review(10).await.unwrap()[0]
        .0
        .to_string();
    let no_note = staff
        .submit("/admin/orders/flagged/clear", &[("id", &id), ("note", " ")])
        .await;
    assert_eq!(no_note.status, StatusCode::UNPROCESSABLE_ENTITY);
    let cleared = staff
        .submit(
            "/admin/orders/flagged/clear",
            &[("id", &id), ("note", "電話でご本人に確認済み")],
        )
        .await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER);
    assert!(app
        .store
        .orders_awaiting_review(10)
        .await
        .unwrap()
        .is_empty());
    let entry = &app
        .store
        .audit_entries_of("order.review_cleared", 1)
        .await
        .unwrap()[0];
    assert!(entry.record.detail.contains("電話でご本人に確認済み"));
    assert_eq!(entry.record.target, format!("order:{id}"));
}

/// Item 9 (security panel): owners and managers see the last day's failed logins and the audit
/// chain's state on the dashboard; staff do not.
#[tokio::test]
async fn the_dashboard_security_panel_counts_failed_logins_and_checks_the_audit_chain() {
    let app = TestApp::demo().await;
    app.member("panel@example.jp").await;
    let attacker = app.shopper_from("198.51.100.50");
    for _ in 0..3 {
        attacker
            .login("panel@example.jp", "wrong wrong wrong")
            .await;
    }
    let (manager, ms) = enrolled(&app, "manager@example.jp", AdminRole::Manager).await;
    let (staff, ss) = enrolled(&app, "staff@example.jp", AdminRole::Staff).await;
    assert_eq!(
        login(&app, &manager, "manager@example.jp", &ms).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        login(&app, &staff, "staff@example.jp", &ss).await,
        StatusCode::SEE_OTHER
    );
    let dash = manager.get("/admin").await;
    assert!(
        dash.body.contains("<dd class=\"failed-logins\">3</dd>"),
        "{}",
        dash.body
    );
    assert!(dash.body.contains("操作ログ: 改ざんなし"));
    assert!(!staff.get("/admin").await.body.contains("security-panel"));
}

/// IPA-C-12 (item 4, list and filter view): the audit list narrows by action, actor, target and
/// JST day, pages with its filters kept, and refuses a malformed filter clearly.
#[tokio::test]
async fn ipa_c_12_the_audit_list_filters_by_action_actor_target_and_day() {
    let app = TestApp::demo().await;
    let (owner, _) = admin::signed_in(&app, "owner@example.jp", AdminRole::Owner).await;
    let who = AuditContext::cli("ops");
    for n in 0..60 {
        app.shop
            .audit()
            .record(
                &who,
                "test.bulk",
                &format!("thing:{}", n % 2),
                serde_json::json!({ "n": n }),
            )
            .await
            .unwrap();
    }
    let by_actor = owner
        .get("/admin/audit?actor=cli%3Aops&target=thing%3A1")
        .await;
    assert_eq!(by_actor.status, StatusCode::OK);
    assert_eq!(by_actor.body.matches("<td>thing:1</td>").count(), 30);
    assert!(!by_actor.body.contains("<td>thing:0</td>"));
    let page1 = owner.get("/admin/audit?action=test.bulk").await;
    assert_eq!(page1.body.matches("<td>test.bulk</td>").count(), 50);
    let end = page1.body.find("\" rel=\"older\"").expect("an older link");
    let start = page1.body[..end].rfind("href=\"").unwrap() + "href=\"".len();
    let older = page1.body[start..end]
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    assert!(older.contains("action=test.bulk"), "{older}");
    let page2 = owner.get(&older).await;
    assert_eq!(page2.body.matches("<td>test.bulk</td>").count(), 10);
    let today = now(&app)
        .with_timezone(&akinai_core::clock::jst())
        .format("%Y-%m-%d")
        .to_string();
    let tomorrow = (now(&app) + Duration::days(1))
        .with_timezone(&akinai_core::clock::jst())
        .format("%Y-%m-%d")
        .to_string();
    let day = owner
        .get(&format!(
            "/admin/audit?action=test.bulk&from={today}&to={today}"
        ))
        .await;
    assert_eq!(day.body.matches("<td>test.bulk</td>").count(), 50);
    let later = owner
        .get(&format!("/admin/audit?action=test.bulk&from={tomorrow}"))
        .await;
    assert_eq!(later.body.matches("<td>test.bulk</td>").count(), 0);
    let bad = owner.get("/admin/audit?from=2026-13-01").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("検索条件が正しくありません"));
}

/// IPA-M-3 (issue #22, item 1): owners see the self-assessment in the back office — every
/// requirement with its status, the enrolled owner counted live, the fix of what fails — and a
/// manager, who does not hold `ManageSecurity`, is refused.
#[tokio::test]
async fn ipa_m_3_owners_see_the_self_assessment_with_live_evidence() {
    let app = TestApp::demo().await;
    let (owner, _) = admin::signed_in(&app, "owner@example.jp", AdminRole::Owner).await;
    let page = owner.get("/admin/selfcheck").await;
    assert_eq!(page.status, StatusCode::OK);
    let map = akinai_domain::selfcheck::requirements().unwrap();
    for r in &map {
        assert!(
            page.body.contains(&format!("<code>{}</code>", r.id)),
            "{}",
            r.id
        );
    }
    assert!(page
        .body
        .contains("管理者 1 名(登録済み 1 名、うちオーナー 1 名)"));
    assert!(page.body.contains("要対応"));
    assert!(page.body.contains("akinai backup init"), "the fix is shown");
    assert!(page.body.contains("aria-current=\"page\""));
    let (manager, _) = admin::signed_in(&app, "manager@example.jp", AdminRole::Manager).await;
    assert_eq!(
        manager.get("/admin/selfcheck").await.status,
        StatusCode::FORBIDDEN
    );
}

/// IPA-O (periodic work, issue #22 item 3): the calendar lists every task with its due date; an
/// owner records one done (audited, no longer overdue, and the self-assessment shows the record
/// as the answer of its manual rows); "not done" needs a reason; a manager is refused.
#[tokio::test]
async fn ipa_o_periodic_tasks_are_recorded_audited_and_answer_the_self_assessment() {
    let app = TestApp::demo().await;
    let (owner, _) = admin::signed_in(&app, "owner@example.jp", AdminRole::Owner).await;
    let page = owner.get("/admin/security-tasks").await;
    assert_eq!(page.status, StatusCode::OK);
    let tasks = akinai_domain::security_tasks::TASKS;
    assert_eq!(page.body.matches("name=\"task\"").count(), tasks.len());
    assert!(page.body.contains(&format!("期限切れ {} 件", tasks.len())));
    let csrf = page.hidden("csrf");

    let refused = owner
        .post(
            "/admin/security-tasks",
            &[
                ("csrf", csrf.as_str()),
                ("task", "diagnosis"),
                ("done", "0"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("理由を備考に"));
    let recorded = owner
        .post(
            "/admin/security-tasks",
            &[
                ("csrf", csrf.as_str()),
                ("task", "diagnosis"),
                ("done", "1"),
                ("note", "OWASP ZAP でステージングを診断、指摘なし"),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let page = owner.get("/admin/security-tasks?recorded=diagnosis").await;
    assert!(page.body.contains("「脆弱性診断」を記録しました"));
    assert!(page
        .body
        .contains(&format!("期限切れ {} 件", tasks.len() - 1)));
    assert!(page.body.contains("OWASP ZAP でステージングを診断"));
    let dashboard = owner.get("/admin").await;
    assert!(dashboard
        .body
        .contains(&format!("期限切れ {} 件", tasks.len() - 1)));
    let audit = app.shop.audit().verify_audit(None).await.unwrap().unwrap();
    assert!(audit.0 >= 1);
    let entries = app
        .store
        .audit_entries_of("security_task.record", 10)
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].record.target, "security_task:diagnosis");

    let check = owner.get("/admin/selfcheck").await;
    assert!(check.body.contains("最後の記録(定期作業「脆弱性診断」)"));
    assert!(check.body.contains("OWASP ZAP でステージングを診断"));

    let (manager, _) = admin::signed_in(&app, "manager@example.jp", AdminRole::Manager).await;
    assert_eq!(
        manager.get("/admin/security-tasks").await.status,
        StatusCode::FORBIDDEN
    );
}

/// IPA-O (periodic work, item 3): overdue tasks raise one reminder a week across all workers (a
/// weekly lease), listing them; a week later, with every task recorded, no reminder goes out.
#[tokio::test]
async fn ipa_o_overdue_tasks_are_reminded_once_a_week() {
    use akinai_core::clock::Clock as _;
    use akinai_core::worker::TASKS_OVERDUE;
    let app = TestApp::demo().await;
    let start = app.clock.now();
    let jobs = app.shop.jobs();
    assert!(
        jobs.remind_overdue_tasks().await.unwrap(),
        "all overdue at first"
    );
    assert!(!jobs.remind_overdue_tasks().await.unwrap(), "once a week");
    let events = app
        .store
        .security_events(TASKS_OVERDUE, start - Duration::hours(1), 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    let tasks = akinai_domain::security_tasks::TASKS;
    assert_eq!(
        events[0].detail["tasks"].as_array().unwrap().len(),
        tasks.len()
    );

    app.clock.advance(Duration::days(7));
    let (owner, _) = admin::signed_in(&app, "owner@example.jp", AdminRole::Owner).await;
    let csrf = owner.get("/admin/security-tasks").await.hidden("csrf");
    for t in tasks {
        let done = owner
            .post(
                "/admin/security-tasks",
                &[("csrf", csrf.as_str()), ("task", t.key), ("done", "1")],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", t.key);
    }
    assert!(
        !jobs.remind_overdue_tasks().await.unwrap(),
        "nothing overdue"
    );
    let events = app
        .store
        .security_events(TASKS_OVERDUE, start - Duration::hours(1), 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
}

/// System audit (issue #22, item 6): an auditor reads the audit trail, the self-assessment, the
/// periodic tasks, the monthly report and the settings — without a form to change them — sees
/// customers masked, and is refused every change (the route matrix walks the rest).
#[tokio::test]
async fn sws_11_an_auditor_reads_the_security_records_and_changes_nothing() {
    let app = TestApp::demo().await;
    let (auditor, _) = admin::signed_in(&app, "auditor@example.jp", AdminRole::Auditor).await;
    for path in [
        "/admin/audit",
        "/admin/selfcheck",
        "/admin/security-tasks",
        "/admin/security-report",
        "/admin/settings",
        "/admin/customers",
    ] {
        assert_eq!(auditor.get(path).await.status, StatusCode::OK, "{path}");
    }
    let tasks = auditor.get("/admin/security-tasks").await;
    assert!(!tasks.body.contains("name=\"task\""), "no record form");
    assert!(tasks.body.contains("閲覧のみ"));
    let report = auditor.get("/admin/security-report").await;
    assert!(!report.body.contains("/admin/security-report/sign-off"));
    let settings = auditor.get("/admin/settings").await;
    assert!(settings.body.contains("閲覧のみです"));
    assert!(settings
        .body
        .contains("<fieldset class=\"read-only\" disabled>"));
    let csrf = settings.hidden("csrf");
    for (path, fields) in [
        (
            "/admin/security-tasks",
            vec![("task", "diagnosis"), ("done", "1")],
        ),
        (
            "/admin/security-report/sign-off",
            vec![("month", "2026-10")],
        ),
        ("/admin/settings/profile", vec![("shop_name", "乗っ取り")]),
    ] {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields);
        assert_eq!(
            auditor.post(path, &form).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    for path in [
        "/admin/orders/export",
        "/admin/admins",
        "/admin/products/new",
    ] {
        assert_eq!(
            auditor.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

/// IPA-C-3 and the go-live gate (issue #22, item 5): the owner's page lists the failures that
/// stop a production start; a diagnosis with a future date is refused and stores nothing, a
/// complete one is kept, clears IPA-C-3 and counts as the periodic diagnosis; an exception needs
/// a reason and a blocking requirement; with one for every remaining blocker the gate opens, and
/// a withdrawal closes it again. Every record is audited; auditors read without forms, managers
/// not at all.
#[tokio::test]
async fn ipa_c_3_the_owner_records_the_diagnosis_and_exceptions_audited() {
    let app = TestApp::demo().await;
    let deployment = akinai_domain::selfcheck::Deployment::default();
    let gate = || async { app.shop.golive().gate(deployment.clone()).await.unwrap().1 };
    let (owner, _) = admin::signed_in(&app, "owner@example.jp", AdminRole::Owner).await;
    let page = owner.get("/admin/go-live").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("公開できません"), "{}", page.body);
    assert!(page.body.contains("id=\"req-IPA-C-3\""));
    let csrf = page.hidden("csrf");

    let diagnosis = |day: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("performed_on", day.to_string()),
            ("performer", "株式会社セキュア診断".to_string()),
            ("tool", "OWASP ZAP 2.16".to_string()),
            ("findings", "Cookie の SameSite 未設定(低)".to_string()),
            ("fixes", "設定して再診断で解消".to_string()),
        ]
    };
    let form =
        |fields: &[(&'static str, String)]| -> Vec<(&'static str, String)> { fields.to_vec() };
    let send = |fields: Vec<(&'static str, String)>, path: &'static str| {
        let owner = &owner;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            owner.post(path, &pairs).await
        }
    };
    let tomorrow = (now(&app) + Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let mut future = diagnosis("x");
    future[1].1 = tomorrow;
    let refused = send(form(&future), "/admin/go-live/diagnosis").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("未来の日付"), "{}", refused.body);
    assert!(
        refused.body.contains("株式会社セキュア診断"),
        "what was typed is kept"
    );
    assert!(app.shop.golive().diagnoses(10).await.unwrap().is_empty());

    let day = (now(&app) - Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    let mut good = diagnosis("x");
    good[1].1 = day.clone();
    let recorded = send(form(&good), "/admin/go-live/diagnosis").await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let page = owner.get("/admin/go-live?done=diagnosis").await;
    assert!(page.body.contains("脆弱性診断を記録しました"));
    assert!(page.body.contains(&day) && page.body.contains("OWASP ZAP 2.16"));
    assert!(
        !page.body.contains("id=\"req-IPA-C-3\""),
        "IPA-C-3 passes now"
    );
    let tasks = app.shop.security_tasks().views().await.unwrap();
    let periodic = tasks.iter().find(|v| v.def.key == "diagnosis").unwrap();
    assert!(periodic
        .last_done
        .as_ref()
        .unwrap()
        .note
        .contains("OWASP ZAP 2.16"));

    // Exceptions: a reason and a blocking requirement are needed.
    let exception = |id: &str, reason: &str, action: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("requirement", id.to_string()),
            ("reason", reason.to_string()),
            ("action", action.to_string()),
        ]
    };
    let blockers: Vec<String> = gate().await.refusing().map(|b| b.row.id.clone()).collect();
    assert!(!blockers.is_empty() && !blockers.contains(&"IPA-C-3".to_string()));
    let first = blockers[0].as_str();
    let no_reason = send(exception(first, " ", "record"), "/admin/go-live/exception").await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("理由を入力してください"));
    let not_blocking = send(
        exception("CCSG-V-4", "理由", "record"),
        "/admin/go-live/exception",
    )
    .await;
    assert_eq!(not_blocking.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(not_blocking.body.contains("公開を止める項目ではありません"));
    for id in &blockers {
        let reason = format!("{id}: 前段の設定で対応済み、来月までに直す");
        let done = send(exception(id, &reason, "record"), "/admin/go-live/exception").await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    }
    assert!(gate().await.open());
    let page = owner.get("/admin/go-live?done=exception").await;
    assert!(page.body.contains("公開できます"), "{}", page.body);
    assert!(page.body.contains("来月までに直す"));

    let withdrawn = send(exception(first, "", "withdraw"), "/admin/go-live/exception").await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    assert!(!gate().await.open(), "a withdrawal closes the gate again");

    let count = |action: &'static str| {
        let store = app.store.clone();
        async move { store.audit_entries_of(action, 100).await.unwrap() }
    };
    let d = count(akinai_core::golive::DIAGNOSIS_RECORDED).await;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].record.target, "golive:IPA-C-3");
    assert!(
        d[0].record.actor.starts_with("admin:"),
        "{}",
        d[0].record.actor
    );
    assert_eq!(
        count(akinai_core::golive::EXCEPTION_RECORDED).await.len(),
        blockers.len()
    );
    let w = count(akinai_core::golive::EXCEPTION_WITHDRAWN).await;
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].record.target, format!("golive:{first}"));
    assert!(app.shop.audit().verify_audit(None).await.unwrap().is_ok());

    let (auditor, _) = admin::signed_in(&app, "auditor@example.jp", AdminRole::Auditor).await;
    let read = auditor.get("/admin/go-live").await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(!read.body.contains("例外として記録する") && !read.body.contains("診断を記録する"));
    let csrf = auditor.get("/admin/settings").await.hidden("csrf");
    let post = auditor
        .post(
            "/admin/go-live/exception",
            &[
                ("csrf", csrf.as_str()),
                ("requirement", first),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    let (manager, _) = admin::signed_in(&app, "manager@example.jp", AdminRole::Manager).await;
    assert_eq!(
        manager.get("/admin/go-live").await.status,
        StatusCode::FORBIDDEN
    );
}
