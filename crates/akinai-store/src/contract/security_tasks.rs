//! Contract cases for the periodic security work's records and the go-live gate's.

use std::sync::Arc;

use chrono::Duration;

use super::t0;
use crate::security_tasks::{DiagnosisRecord, GoLiveException, ReportSignOff, TaskRecord};
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

pub(super) async fn go_live_records_keep_diagnoses_and_the_exceptions_in_force(
    store: Arc<dyn Store>,
) {
    assert!(store.diagnoses(10).await.unwrap().is_empty());
    let diagnosis = |day: &str, minutes: i64| DiagnosisRecord {
        performed_on: day.into(),
        performer: "株式会社診断".into(),
        tool: "OWASP ZAP 2.16".into(),
        findings: "CSP の report-uri 未設定(低)".into(),
        fixes: "設定済み".into(),
        by: "店主 (admin:1)".into(),
        at: t0() + Duration::minutes(minutes),
    };
    let (first, second) = (diagnosis("2026-11-20", 0), diagnosis("2026-11-27", 5));
    store.record_diagnosis(&first).await.unwrap();
    store.record_diagnosis(&second).await.unwrap();
    assert_eq!(
        store.diagnoses(10).await.unwrap(),
        vec![second.clone(), first]
    );
    assert_eq!(store.diagnoses(1).await.unwrap(), vec![second]);

    assert!(store.go_live_exceptions().await.unwrap().is_empty());
    let exception = |id: &str, withdrawn: bool, minutes: i64| GoLiveException {
        requirement: id.into(),
        reason: format!("{id} の理由"),
        withdrawn,
        by: "店主 (admin:1)".into(),
        at: t0() + Duration::minutes(minutes),
    };
    for e in [
        exception("IPA-C-9", false, 0),
        exception("IPA-C-13", false, 1),
        exception("IPA-C-9", true, 2),
        exception("JP-TOK-1", true, 3),
        exception("JP-TOK-1", false, 4),
    ] {
        store.record_go_live_exception(&e).await.unwrap();
    }
    assert_eq!(
        store.go_live_exceptions().await.unwrap(),
        vec![
            exception("IPA-C-13", false, 1),
            exception("JP-TOK-1", false, 4)
        ],
        "a withdrawal ends an exception; a newer one starts it again"
    );
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
