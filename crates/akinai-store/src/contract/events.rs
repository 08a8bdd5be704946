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
}
