//! Contract cases for operating the shop: row counts, the maintenance switch and backup runs.

use std::sync::Arc;

use chrono::Duration;

use super::{new_order, seed, t0};
use crate::operations::{BackupRun, Maintenance, RunKind};
use crate::Store;

pub(super) async fn counts_maintenance_and_backup_runs_round_trip(store: Arc<dyn Store>) {
    let empty = store.row_counts().await.unwrap();
    assert_eq!(empty.orders, 0);
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 50)]).await;
    let order = new_order(store.as_ref(), 1, &[(ids[0].1, 1)]).await;
    store.place_order(&order).await.unwrap();
    let counts = store.row_counts().await.unwrap();
    assert_eq!((counts.products, counts.skus, counts.orders), (1, 1, 1));
    let figures = store
        .figures(t0(), t0() - Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(figures.orders, 1);
    // The order's confirmation mail waits in the outbox.
    assert_eq!(
        (
            figures.jobs_queued,
            figures.jobs_retrying,
            figures.jobs_buried
        ),
        (1, 0, 0)
    );
    assert!(figures.oldest_open_job.is_some());
    assert_eq!(
        (
            figures.login_failures,
            figures.blocked_sources,
            figures.checkout_holds
        ),
        (0, 0, 0)
    );

    assert_eq!(store.maintenance().await.unwrap(), None);
    let on = Maintenance {
        message: "12時に再開します".into(),
        by: "operator".into(),
        since: t0(),
    };
    store.set_maintenance(Some(&on)).await.unwrap();
    let again = Maintenance {
        message: "13時に再開します".into(),
        ..on.clone()
    };
    store.set_maintenance(Some(&again)).await.unwrap();
    assert_eq!(store.maintenance().await.unwrap(), Some(again));
    store.set_maintenance(None).await.unwrap();
    assert_eq!(store.maintenance().await.unwrap(), None);

    assert_eq!(
        store.last_backup_run(RunKind::Backup, false).await.unwrap(),
        None
    );
    let run = |minutes: i64, ok: bool| BackupRun {
        kind: RunKind::Backup,
        at: t0() + Duration::minutes(minutes),
        ok,
        file: format!("akinai-backup-{minutes}.tar"),
        bytes: 100,
        millis: 5,
        detail: if ok {
            String::new()
        } else {
            "disk full".into()
        },
    };
    store.record_backup_run(&run(0, true)).await.unwrap();
    store.record_backup_run(&run(10, false)).await.unwrap();
    assert_eq!(
        store.last_backup_run(RunKind::Backup, false).await.unwrap(),
        Some(run(10, false))
    );
    assert_eq!(
        store.last_backup_run(RunKind::Backup, true).await.unwrap(),
        Some(run(0, true))
    );
    assert_eq!(
        store.last_backup_run(RunKind::Verify, false).await.unwrap(),
        None
    );
}

/// ADR 040: a named task is taken by one holder per slot; another holder gets it only after
/// the lease ran out, and nobody once the slot is done.
pub(super) async fn task_leases_let_one_node_run_each_slot(store: Arc<dyn Store>) {
    let (a, b) = ("node-a", "node-b");
    let t = t0();
    let until = t + Duration::minutes(5);
    assert!(store
        .take_task("backup.daily", "2026-12-05", a, t, until)
        .await
        .unwrap());
    assert!(
        !store
            .take_task("backup.daily", "2026-12-05", b, t, until)
            .await
            .unwrap(),
        "held by a"
    );
    assert!(
        store
            .take_task("payments.reconcile", "2026-12-05", b, t, until)
            .await
            .unwrap(),
        "another task is free"
    );
    assert!(!store
        .finish_task("backup.daily", "2026-12-05", b, t)
        .await
        .unwrap());
    assert!(store
        .finish_task("backup.daily", "2026-12-05", a, t)
        .await
        .unwrap());
    let later = t + Duration::minutes(1);
    for who in [a, b] {
        assert!(
            !store
                .take_task(
                    "backup.daily",
                    "2026-12-05",
                    who,
                    later,
                    later + Duration::minutes(5)
                )
                .await
                .unwrap(),
            "the slot is done"
        );
    }
    let next_day = t + Duration::days(1);
    assert!(store
        .take_task(
            "backup.daily",
            "2026-12-06",
            b,
            next_day,
            next_day + Duration::minutes(5)
        )
        .await
        .unwrap());
    // b dies holding it: a takes over once the lease has run out, not before.
    let soon = next_day + Duration::minutes(4);
    assert!(!store
        .take_task(
            "backup.daily",
            "2026-12-06",
            a,
            soon,
            soon + Duration::minutes(5)
        )
        .await
        .unwrap());
    let after = next_day + Duration::minutes(6);
    assert!(store
        .take_task(
            "backup.daily",
            "2026-12-06",
            a,
            after,
            after + Duration::minutes(5)
        )
        .await
        .unwrap());
    assert!(
        !store
            .finish_task("backup.daily", "2026-12-06", b, after)
            .await
            .unwrap(),
        "b lost it"
    );
}

/// ADR 042: a hint published by one node reaches every node listening, in order; a backend with
/// no other nodes (SQLite) has nothing to hear and publishing is harmless.
pub(super) async fn hints_reach_every_listening_node(store: Arc<dyn Store>) {
    use crate::hints::Hint;
    let first = store.subscribe_hints().await.unwrap();
    let second = store.subscribe_hints().await.unwrap();
    match (first, second) {
        (Some(mut a), Some(mut b)) => {
            assert_eq!(store.backend(), "postgres");
            store.publish_hint(Hint::Catalog).await.unwrap();
            store.publish_hint(Hint::Jobs).await.unwrap();
            for node in [&mut a, &mut b] {
                for expected in [Hint::Catalog, Hint::Jobs] {
                    let heard =
                        tokio::time::timeout(std::time::Duration::from_secs(30), node.recv())
                            .await
                            .expect("the hint arrives");
                    assert_eq!(heard, Some(expected));
                }
            }
        }
        (None, None) => {
            assert_eq!(store.backend(), "sqlite");
            store.publish_hint(Hint::Jobs).await.unwrap();
        }
        _ => panic!("a backend either hears hints or does not"),
    }
}
