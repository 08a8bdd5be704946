//! Contract cases: the audit trail's hash chain (IPA-C-13).

use super::*;

use akinai_domain::audit::{verify, AuditRecord};

fn record(n: usize) -> AuditRecord {
    AuditRecord {
        at: t0() + Duration::seconds(n as i64),
        actor: "cli:owner@example.jp".into(),
        action: "settings.change".into(),
        target: "settings".into(),
        ip: None,
        request_id: Some(format!("req-{n}")),
        detail: format!(r#"{{"n":{n},"text":"日本語"}}"#),
    }
}

pub(super) async fn audit_entries_form_one_chain_even_when_appended_concurrently(
    store: Arc<dyn Store>,
) {
    let first = store.append_audit(&record(0)).await.unwrap();
    assert_eq!(first.seq, 1);
    let mut tasks = Vec::new();
    for n in 1..=20 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.append_audit(&record(n)).await.unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let all = store.audit_entries(0, 1000).await.unwrap();
    assert_eq!(all.len(), 21);
    let (count, head) = verify(all.clone(), None).unwrap();
    assert_eq!((count, head), (21, all[20].hash.clone()));
    assert_eq!(all[0].record, record(0), "stored exactly, time included");
    // Paging continues after a sequence number.
    let page = store.audit_entries(19, 10).await.unwrap();
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![20, 21]);
}
