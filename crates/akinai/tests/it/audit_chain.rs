//! IPA-C-12 / IPA-C-13: the audit chain checked incrementally, as the dashboard and the
//! self-assessment do on every view (issue #22, item 1: "verified, and incrementally, so it stays
//! fast for years of entries"). Entries added since the last check are verified from its
//! checkpoint; an entry changed after the checkpoint, or the checkpoint's own entry, is found at
//! once; one changed before it is found by the whole walk that runs again within a day.

use chrono::Duration;

use akinai_core::audit::{AuditContext, FULL_VERIFY_EVERY};

use crate::support::TestApp;

async fn record(app: &TestApp, n: usize) {
    for i in 0..n {
        app.shop
            .audit()
            .record(
                &AuditContext::cli("test"),
                "test.entry",
                &format!("entry:{i}"),
                serde_json::json!({ "i": i }),
            )
            .await
            .unwrap();
    }
}

/// Changes one stored entry behind akinai's back.
async fn edit(app: &TestApp, seq: i64) {
    let db = app.data_dir().join("akinai.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    sqlx::query("DROP TRIGGER IF EXISTS audit_log_no_update")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'cli:nobody' WHERE seq = $1")
        .bind(seq)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn ipa_c_12_the_chain_is_verified_from_its_checkpoint_and_walked_whole_daily() {
    let app = TestApp::builder().start().await;
    let audit = app.shop.audit();
    record(&app, 30).await;
    let (entries, head) = audit
        .verify_audit_since_checkpoint()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entries, 30);

    // New entries: verified from the checkpoint, same answer as the whole walk.
    record(&app, 20).await;
    let incremental = audit
        .verify_audit_since_checkpoint()
        .await
        .unwrap()
        .unwrap();
    let whole = audit.verify_audit(None).await.unwrap().unwrap();
    assert_eq!(incremental, whole);
    assert_eq!(incremental.0, 50);
    assert_ne!(incremental.1, head);

    // An entry after the checkpoint changed: found at once.
    record(&app, 5).await;
    edit(&app, 53).await;
    let broken = audit.verify_audit_since_checkpoint().await.unwrap();
    assert!(broken.is_err(), "{broken:?}");
    assert!(broken.unwrap_err().to_string().contains("53"));
}

#[tokio::test]
async fn ipa_c_12_a_changed_checkpoint_or_older_entry_is_found() {
    let app = TestApp::builder().start().await;
    let audit = app.shop.audit();
    record(&app, 40).await;
    assert!(audit.verify_audit_since_checkpoint().await.unwrap().is_ok());

    // The checkpoint's own entry changed: the whole chain is walked and the change found.
    edit(&app, 40).await;
    let broken = audit.verify_audit_since_checkpoint().await.unwrap();
    assert!(broken.unwrap_err().to_string().contains("40"));

    // An older entry changed after a good check: the check goes on from the checkpoint (the
    // entries it verified are not read again) until the daily whole walk finds it.
    let app = TestApp::builder().start().await;
    let audit = app.shop.audit();
    record(&app, 40).await;
    assert!(audit.verify_audit_since_checkpoint().await.unwrap().is_ok());
    edit(&app, 7).await;
    record(&app, 1).await;
    assert!(audit.verify_audit_since_checkpoint().await.unwrap().is_ok());
    assert!(
        audit.verify_audit(None).await.unwrap().is_err(),
        "the whole walk sees it"
    );
    app.clock.advance(FULL_VERIFY_EVERY + Duration::minutes(1));
    let broken = audit.verify_audit_since_checkpoint().await.unwrap();
    assert!(
        broken.unwrap_err().to_string().contains("entry 7"),
        "within a day"
    );
}
