//! Maintenance mode and the owner's operations page (operations issue, items 1, 2 and 4;
//! IPA-M-5): the storefront closes with a styled 503 and `Retry-After` while health checks,
//! webhooks, the stylesheet and the admin keep working; `/readyz` tells load balancers; the
//! admin's switch needs the owner's password and code again and is audited; the operations page
//! and the dashboard show the state of backups.

use chrono::Duration;
use reqwest::StatusCode;

use akinai_core::accounts::totp::code_at;
use akinai_core::audit::AuditContext;
use akinai_core::operations::{BackupRun, RunKind};
use akinai_domain::admin::AdminRole;

use crate::support::admin::{self, ADMIN_PASSWORD};
use crate::support::TestApp;

#[tokio::test]
async fn ipa_m_5_maintenance_closes_the_storefront_but_not_health_webhooks_assets_or_admin() {
    let app = TestApp::demo().await;
    let (owner, _) = admin::signed_in(&app, "owner@example.jp", AdminRole::Owner).await;
    let shopper = app.shopper();
    let home = shopper.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let css = home.attr("rel=\"stylesheet\" href");
    assert_eq!(shopper.get("/readyz").await.status, StatusCode::OK);

    app.shop
        .operations()
        .switch_maintenance(
            &AuditContext::cli("ops"),
            "ops",
            Some("15時に再開します <script>"),
        )
        .await
        .unwrap();
    for path in [
        "/",
        "/search?q=茶",
        "/cart",
        "/account/login",
        "/legal/tokushoho",
    ] {
        let page = shopper.get(path).await;
        assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(page.headers["retry-after"], "300", "{path}");
        assert!(page.body.contains("ただいまメンテナンス中です"), "{path}");
        assert!(page.body.contains("15時に再開します"), "{path}");
        assert!(
            !page.body.contains("<script>"),
            "{path}: the message is escaped"
        );
        assert!(page.body.contains(&css), "the page is styled");
    }
    assert_eq!(shopper.get("/healthz").await.status, StatusCode::OK);
    let ready = shopper.get("/readyz").await;
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "maintenance")
    );
    assert_eq!(shopper.get(&css).await.status, StatusCode::OK);
    let webhook = shopper.post_raw("/webhooks/stripe", b"{}".to_vec()).await;
    assert_ne!(webhook.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(owner.get("/admin").await.status, StatusCode::OK);
    let ops = owner.get("/admin/operations").await;
    assert!(
        ops.body.contains("メンテナンス中(お店は閉じています)"),
        "{}",
        ops.body
    );

    app.shop
        .operations()
        .switch_maintenance(&AuditContext::cli("ops"), "ops", None)
        .await
        .unwrap();
    assert_eq!(shopper.get("/").await.status, StatusCode::OK);
    assert_eq!(shopper.get("/readyz").await.status, StatusCode::OK);
    let actions = app.audit_actions().await;
    assert!(
        actions.contains(&"maintenance.on".to_string()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"maintenance.off".to_string()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn ipa_m_5_the_admin_switch_is_for_owners_who_sign_again_and_is_audited() {
    let app = TestApp::demo().await;
    let (manager, _) = admin::signed_in(&app, "manager@example.jp", AdminRole::Manager).await;
    assert_eq!(
        manager.get("/admin/operations").await.status,
        StatusCode::FORBIDDEN
    );
    let refused = manager
        .admin_post("/admin/operations/maintenance", &[("switch", "on")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let (owner, secret) = admin::signed_in(&app, "owner@example.jp", AdminRole::Owner).await;
    let now = || akinai_core::Clock::now(app.clock.as_ref());
    app.clock.advance(Duration::seconds(30));
    let wrong = owner
        .admin_post(
            "/admin/operations/maintenance",
            &[
                ("switch", "on"),
                ("message", "点検中です"),
                ("password", "not the password"),
                ("code", &code_at(&secret, now()).unwrap()),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("パスワードまたは認証コードが違います"));
    assert_eq!(app.shopper().get("/").await.status, StatusCode::OK);

    let long = "長".repeat(501);
    app.clock.advance(Duration::seconds(30));
    let too_long = owner
        .admin_post(
            "/admin/operations/maintenance",
            &[
                ("switch", "on"),
                ("message", &long),
                ("password", ADMIN_PASSWORD),
                ("code", &code_at(&secret, now()).unwrap()),
            ],
        )
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long.body.contains("500 文字まで"), "{}", too_long.body);
    assert_eq!(app.shopper().get("/").await.status, StatusCode::OK);

    app.clock.advance(Duration::seconds(30));
    let closed = owner
        .admin_post(
            "/admin/operations/maintenance",
            &[
                ("switch", "on"),
                ("message", "点検中です"),
                ("password", ADMIN_PASSWORD),
                ("code", &code_at(&secret, now()).unwrap()),
            ],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    let page = app.shopper().get("/").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.body.contains("点検中です"));

    app.clock.advance(Duration::seconds(30));
    let opened = owner
        .admin_post(
            "/admin/operations/maintenance",
            &[
                ("switch", "off"),
                ("password", ADMIN_PASSWORD),
                ("code", &code_at(&secret, now()).unwrap()),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    assert_eq!(app.shopper().get("/").await.status, StatusCode::OK);
    let entries = app.store.audit_entries(0, 1000).await.unwrap();
    let on = entries
        .iter()
        .find(|e| e.record.action == "maintenance.on")
        .unwrap();
    assert!(on.record.actor.starts_with("admin:"), "{}", on.record.actor);
    assert!(
        on.record.detail.contains("点検中です"),
        "{}",
        on.record.detail
    );
    assert!(entries.iter().any(|e| e.record.action == "maintenance.off"));
}

#[tokio::test]
async fn ipa_c_13_the_dashboard_and_operations_page_show_backups_and_warn_when_overdue() {
    let app = TestApp::demo().await;
    let (owner, _) = admin::signed_in(&app, "owner@example.jp", AdminRole::Owner).await;
    let dashboard = owner.get("/admin").await;
    assert!(dashboard.body.contains("最後のバックアップ"));
    assert!(dashboard.body.contains("まだありません"));
    let page = owner.get("/admin/operations").await;
    assert!(
        page.body.contains("まだバックアップがありません"),
        "{}",
        page.body
    );

    let now = akinai_core::Clock::now(app.clock.as_ref());
    let run = |kind, hours_ago: i64, ok: bool| BackupRun {
        kind,
        at: now - Duration::hours(hours_ago),
        ok,
        file: format!("akinai-backup-{hours_ago}.tar"),
        bytes: 3 * 1024 * 1024,
        millis: 1500,
        detail: if ok {
            String::new()
        } else {
            "disk full".into()
        },
    };
    let ops = app.shop.operations();
    ops.record_backup_run(&run(RunKind::Backup, 30, true))
        .await
        .unwrap();
    ops.record_backup_run(&run(RunKind::Backup, 2, false))
        .await
        .unwrap();
    let page = owner.get("/admin/operations").await;
    assert!(
        page.body
            .contains("26 時間以上、成功したバックアップがありません"),
        "{}",
        page.body
    );
    assert!(page.body.contains("disk full"));
    assert!(page.body.contains("3.0 MB"));

    ops.record_backup_run(&run(RunKind::Backup, 1, true))
        .await
        .unwrap();
    ops.record_backup_run(&run(RunKind::Verify, 1, true))
        .await
        .unwrap();
    let page = owner.get("/admin/operations").await;
    assert!(!page.body.contains("成功したバックアップがありません"));
    assert!(page.body.contains("akinai-backup-1.tar"));
    let dashboard = owner.get("/admin").await;
    assert!(!dashboard.body.contains("26 時間以上成功していません"));
    assert!(!dashboard.body.contains("復元テスト: まだ行っていません"));
}

/// Several nodes share one PostgreSQL database: the switch one node makes is what every other
/// node reads from the store (each trusts its own read for at most `MAINTENANCE_TTL`, 2 s).
#[tokio::test]
async fn ipa_m_5_maintenance_switched_on_one_node_closes_the_others() {
    let Some((node_a, db)) = TestApp::postgres().await else {
        return;
    };
    let node = || {
        TestApp::builder()
            .store(std::sync::Arc::new(db.store.clone()))
            .start()
    };
    node_a
        .shop
        .operations()
        .switch_maintenance(&AuditContext::cli("ops"), "ops", Some("点検中"))
        .await
        .unwrap();
    let node_b = node().await;
    let page = node_b.shopper().get("/").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.body.contains("点検中"));
    assert_eq!(
        node_b.shopper().get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    node_b
        .shop
        .operations()
        .switch_maintenance(&AuditContext::cli("ops"), "ops", None)
        .await
        .unwrap();
    let node_c = node().await;
    assert_eq!(node_c.shopper().get("/").await.status, StatusCode::OK);
    drop((node_a, node_b, node_c));
    db.drop_database().await;
}
