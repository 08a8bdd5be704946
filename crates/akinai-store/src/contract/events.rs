//! Contract cases: the job outbox and the security event log.

use super::*;

pub(super) async fn jobs_are_leased_retried_and_completed(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 5)]).await;
    let order = new_order(store.as_ref(), 1, &[(ids[0].1, 1)]).await;
    let placed = store.place_order(&order).await.unwrap();
    let lease = Duration::minutes(5);
    let job = store.claim_job(t0(), t0() + lease).await.unwrap().unwrap();
    assert_eq!(job.attempts, 1);
    assert!(
        store.claim_job(t0(), t0() + lease).await.unwrap().is_none(),
        "leased jobs are not handed out twice"
    );
    // The worker died: after the lease the job is due again.
    let later = t0() + lease + Duration::seconds(1);
    let again = store
        .claim_job(later, later + lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.id, again.attempts), (job.id, 2));
    store
        .retry_job(job.id, later + Duration::minutes(1), "smtp 451")
        .await
        .unwrap();
    assert!(
        store
            .claim_job(later, later + lease)
            .await
            .unwrap()
            .is_none(),
        "not due before run_at"
    );
    let due = later + Duration::minutes(1);
    let third = store.claim_job(due, due + lease).await.unwrap().unwrap();
    assert_eq!(third.attempts, 3);
    store.complete_job(third.id, due).await.unwrap();
    assert_eq!(store.pending_jobs().await.unwrap(), 0);
    assert!(store
        .claim_job(due + lease * 2, due + lease * 3)
        .await
        .unwrap()
        .is_none());
    let stored = store.order(placed.id).await.unwrap().unwrap();
    assert_eq!(stored.confirmation_sent_at, Some(due));
}

pub(super) async fn security_events_are_recorded_and_listed_newest_first(store: Arc<dyn Store>) {
    for (i, ip) in [Some("192.0.2.1"), None, Some("2001:db8::1")]
        .into_iter()
        .enumerate()
    {
        store
            .record_security_event(&NewSecurityEvent {
                kind: "csp_violation".into(),
                at: t0() + Duration::seconds(i as i64),
                source_ip: ip.map(str::to_string),
                detail: serde_json::json!({ "n": i, "blocked": "inline" }),
            })
            .await
            .unwrap();
    }
    store
        .record_security_event(&NewSecurityEvent {
            kind: "other".into(),
            at: t0(),
            source_ip: None,
            detail: serde_json::json!({}),
        })
        .await
        .unwrap();
    let events = store
        .security_events("csp_violation", t0() + Duration::seconds(1), 10)
        .await
        .unwrap();
    let ns: Vec<i64> = events
        .iter()
        .map(|e| e.detail["n"].as_i64().unwrap())
        .collect();
    assert_eq!(ns, vec![2, 1], "since and newest-first");
    assert_eq!(events[0].source_ip.as_deref(), Some("2001:db8::1"));
    assert_eq!(events[1].source_ip, None);
    assert_eq!(events[0].at, t0() + Duration::seconds(2));
    assert_eq!(
        store
            .security_events("csp_violation", t0(), 1)
            .await
            .unwrap()
            .len(),
        1,
        "limit"
    );
    // Pruning drops what was recorded before the cut-off and keeps the rest.
    let pruned = store
        .prune_security_events(t0() + Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(pruned, 2, "the csp report at t0 and the other event");
    let left = store
        .security_events("csp_violation", t0() - Duration::days(1), 10)
        .await
        .unwrap();
    assert_eq!(left.len(), 2);
}

pub(super) async fn deduplicated_jobs_are_enqueued_once(store: Arc<dyn Store>) {
    let job = |key: Option<&str>| NewJob {
        kind: JOB_ALERT_MAIL.into(),
        payload: serde_json::json!({ "kind": "csp_violation" }),
        run_at: t0(),
        dedup_key: key.map(str::to_string),
    };
    assert!(store.enqueue_job(&job(Some("alert:csp:1"))).await.unwrap());
    assert!(!store.enqueue_job(&job(Some("alert:csp:1"))).await.unwrap());
    assert!(store.enqueue_job(&job(Some("alert:csp:2"))).await.unwrap());
    assert!(store.enqueue_job(&job(None)).await.unwrap());
    assert!(
        store.enqueue_job(&job(None)).await.unwrap(),
        "no key, no dedup"
    );
    assert_eq!(store.pending_jobs().await.unwrap(), 4);
    let claimed = store
        .claim_job(t0(), t0() + Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.kind, JOB_ALERT_MAIL);
    assert_eq!(claimed.payload["kind"], "csp_violation");
    store.complete_job(claimed.id, t0()).await.unwrap();
    assert!(
        !store.enqueue_job(&job(Some("alert:csp:1"))).await.unwrap(),
        "a done job still holds its key"
    );
}

pub(super) async fn theme_manifests_and_checkout_holds(store: Arc<dyn Store>) {
    assert!(store.current_theme_manifest().await.unwrap().is_none());
    let mut files = std::collections::BTreeMap::new();
    files.insert("theme.css".to_string(), "ab".repeat(32));
    let first = store
        .record_theme_manifest(&files, "owner@example.jp", t0())
        .await
        .unwrap();
    files.insert("logo.png".to_string(), "cd".repeat(32));
    let second = store
        .record_theme_manifest(&files, "owner@example.jp", t0() + Duration::hours(1))
        .await
        .unwrap();
    assert!(second > first);
    let current = store.current_theme_manifest().await.unwrap().unwrap();
    assert_eq!(current.id, second);
    assert_eq!(current.files, files);
    assert_eq!(current.approved_at, t0() + Duration::hours(1));

    assert!(store.open_checkout_holds().await.unwrap().is_empty());
    let detail = serde_json::json!({ "changed": ["theme.css"] });
    assert!(store
        .raise_checkout_hold("tamper_detected", &detail, t0())
        .await
        .unwrap());
    assert!(
        !store
            .raise_checkout_hold("tamper_detected", &detail, t0())
            .await
            .unwrap(),
        "one open hold per reason"
    );
    assert!(store
        .raise_checkout_hold("card_testing", &serde_json::json!({}), t0())
        .await
        .unwrap());
    let open = store.open_checkout_holds().await.unwrap();
    assert_eq!(open.len(), 2);
    assert_eq!(open[0].reason, "tamper_detected");
    assert_eq!(open[0].detail, detail);
    assert_eq!(open[0].raised_at, t0());
    assert_eq!(
        store
            .acknowledge_checkout_holds("owner@example.jp", t0())
            .await
            .unwrap(),
        2
    );
    assert!(store.open_checkout_holds().await.unwrap().is_empty());
    assert!(
        store
            .raise_checkout_hold("tamper_detected", &detail, t0())
            .await
            .unwrap(),
        "after acknowledgement the same reason can close checkout again"
    );
}
