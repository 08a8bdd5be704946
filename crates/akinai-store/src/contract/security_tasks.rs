//! Contract case for the periodic security work's records.

use std::sync::Arc;

use chrono::Duration;

use super::t0;
use crate::security_tasks::TaskRecord;
use crate::Store;

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
}
