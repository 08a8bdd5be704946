//! Contract case for the periodic security work's records.

use std::sync::Arc;

use chrono::Duration;

use super::t0;
use crate::security_tasks::{ReportSignOff, TaskRecord};
use crate::{NewSecurityEvent, Store};

pub(super) async fn security_tasks_keep_every_record_and_show_the_latest(store: Arc<dyn Store>) {
    assert!(store.latest_security_tasks().await.unwrap().is_empty());
    let record = |task: &str, done: bool, minutes: i64, note: &str| TaskRecord {
        task: task.into(),
        done,
        note: note.into(),
        by: "店主 (admin:1)".into(),
        at: t0() + Duration::minutes(minutes),
    };
    let first = record("patch-check", true, 0, "apt-get upgrade 済み");
    let skipped = record("patch-check", false, 10, "再起動できず来週に延期");
    let diagnosis = record("diagnosis", true, 5, "ZAP で診断、指摘なし");
    for r in [&first, &diagnosis, &skipped] {
        store.record_security_task(r).await.unwrap();
    }
    let latest = store.latest_security_tasks().await.unwrap();
    assert_eq!(latest.len(), 3, "{latest:?}");
    assert!(
        latest.contains(&first),
        "the last done record of patch-check"
    );
    assert!(latest.contains(&skipped), "and its newest record");
    assert!(latest.contains(&diagnosis));
    let history = store
        .security_task_history("patch-check", 10)
        .await
        .unwrap();
    assert_eq!(history, vec![skipped, first], "newest first");
    assert!(store
        .security_task_history("unknown", 10)
        .await
        .unwrap()
        .is_empty());

    // The month's report: the latest sign-off counts; other months have none.
    assert_eq!(store.report_sign_off("2026-11").await.unwrap(), None);
    let signed = |minutes: i64, note: &str| ReportSignOff {
        month: "2026-11".into(),
        by: "店主 (admin:1)".into(),
        at: t0() + Duration::minutes(minutes),
        note: note.into(),
        failing: vec!["IPA-C-9".into(), "IPA-O-? (WAF)".into()],
    };
    store
        .record_report_sign_off(&signed(0, "初回"))
        .await
        .unwrap();
    store
        .record_report_sign_off(&signed(5, "訂正"))
        .await
        .unwrap();
    assert_eq!(
        store.report_sign_off("2026-11").await.unwrap(),
        Some(signed(5, "訂正"))
    );
    assert_eq!(store.report_sign_off("2026-10").await.unwrap(), None);
}

pub(super) async fn security_events_are_counted_by_kind_within_a_window(store: Arc<dyn Store>) {
    for (kind, minutes) in [
        ("csp_violation", -1),
        ("csp_violation", 0),
        ("csp_violation", 59),
        ("account.login_failure", 30),
        ("csp_violation", 60),
    ] {
        store
            .record_security_event(&NewSecurityEvent {
                kind: kind.into(),
                at: t0() + Duration::minutes(minutes),
                source_ip: None,
                detail: serde_json::json!({}),
            })
            .await
            .unwrap();
    }
    let counts = store
        .count_security_events(t0(), t0() + Duration::minutes(60))
        .await
        .unwrap();
    assert_eq!(
        counts,
        vec![
            ("account.login_failure".to_string(), 1),
            ("csp_violation".to_string(), 2)
        ]
    );
}
