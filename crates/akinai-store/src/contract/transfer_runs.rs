//! Contract case for imports started in the admin: the file's chunks come back in order, each
//! step starts once and together with its job, and a finished or old run's file is deleted.

use std::sync::Arc;

use chrono::Duration;

use super::t0;
use crate::transfer_runs::{NewTransferRun, RunKind, RunState, PART_CSV, PART_IMAGES};
use crate::{NewJob, Store, JOB_TRANSFER};

pub(super) async fn transfer_runs_start_each_step_once_with_its_job_and_drop_their_files(
    store: Arc<dyn Store>,
) {
    let new = NewTransferRun {
        kind: RunKind::Products,
        file_name: "商品.csv".into(),
        options: r#"{"format":"shopify"}"#.into(),
        created_by: "admin:1".into(),
        created_ip: Some("127.0.0.1".into()),
        at: t0(),
    };
    let id = store.create_transfer_run(&new).await.unwrap();
    for (seq, data) in [b"Handle,".as_slice(), b"Title\n".as_slice()]
        .iter()
        .enumerate()
    {
        store
            .put_transfer_chunk(id, PART_CSV, seq as i64, data)
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .transfer_chunk(id, PART_CSV, 1)
            .await
            .unwrap()
            .unwrap(),
        b"Title\n"
    );
    assert_eq!(store.transfer_chunk(id, PART_CSV, 2).await.unwrap(), None);
    let job = |step: &str| NewJob {
        kind: JOB_TRANSFER.into(),
        payload: serde_json::json!({ "run": id.0, "step": step }),
        run_at: t0(),
        dedup_key: None,
    };
    let pending = store.pending_jobs().await.unwrap();
    let plan = job("plan");
    assert!(store
        .advance_transfer_run(
            id,
            RunState::Uploading,
            RunState::Planning,
            Some((13, 2)),
            &plan
        )
        .await
        .unwrap());
    assert!(
        !store
            .advance_transfer_run(
                id,
                RunState::Uploading,
                RunState::Planning,
                Some((13, 2)),
                &plan
            )
            .await
            .unwrap(),
        "a step starts once"
    );
    assert_eq!(store.pending_jobs().await.unwrap(), pending + 1, "one job");
    store.set_transfer_progress(id, 1, 13).await.unwrap();
    let run = store.transfer_run(id).await.unwrap().unwrap();
    assert_eq!(
        (
            run.state,
            run.file_bytes,
            run.images_bytes,
            run.rows_done,
            run.bytes_done
        ),
        (RunState::Planning, 13, 2, 1, 13)
    );
    assert_eq!((run.file_name.as_str(), run.created_at), ("商品.csv", t0()));

    store
        .finish_transfer_step(
            id,
            RunState::Planned,
            Some(r#"{"new":1}"#),
            Some(r#"{"issues":[]}"#),
            None,
            false,
            t0() + Duration::minutes(1),
        )
        .await
        .unwrap();
    assert!(
        store
            .transfer_chunk(id, PART_CSV, 0)
            .await
            .unwrap()
            .is_some(),
        "kept to apply"
    );
    assert_eq!(
        store.transfer_report(id).await.unwrap().as_deref(),
        Some(r#"{"issues":[]}"#)
    );
    assert!(store
        .advance_transfer_run(
            id,
            RunState::Planned,
            RunState::Applying,
            None,
            &job("apply")
        )
        .await
        .unwrap());
    let run = store.transfer_run(id).await.unwrap().unwrap();
    assert_eq!(
        (run.file_bytes, run.rows_done),
        (13, 0),
        "progress restarts"
    );
    store
        .finish_transfer_step(
            id,
            RunState::Applied,
            Some(r#"{"new":1}"#),
            None,
            None,
            true,
            t0() + Duration::minutes(2),
        )
        .await
        .unwrap();
    assert_eq!(
        store.transfer_chunk(id, PART_CSV, 0).await.unwrap(),
        None,
        "dropped"
    );
    store
        .finish_transfer_step(id, RunState::Failed, None, None, Some("late"), true, t0())
        .await
        .unwrap();
    let run = store.transfer_run(id).await.unwrap().unwrap();
    assert_eq!(
        (run.state, run.error),
        (RunState::Applied, None),
        "an ended step is not overwritten"
    );
    assert_eq!(
        store.transfer_report(id).await.unwrap().as_deref(),
        Some(r#"{"issues":[]}"#),
        "a step without a report keeps the last"
    );

    let customers = NewTransferRun {
        kind: RunKind::Customers,
        ..new.clone()
    };
    let other = store.create_transfer_run(&customers).await.unwrap();
    store
        .put_transfer_chunk(other, PART_CSV, 0, b"x")
        .await
        .unwrap();
    store
        .put_transfer_chunk(other, PART_IMAGES, 0, b"PK")
        .await
        .unwrap();
    assert_eq!(
        store
            .transfer_chunk(other, PART_IMAGES, 0)
            .await
            .unwrap()
            .unwrap(),
        b"PK",
        "the parts are apart"
    );
    let listed = store.transfer_runs(RunKind::Products, 10).await.unwrap();
    assert_eq!(listed.iter().map(|r| r.id).collect::<Vec<_>>(), vec![id]);
    assert_eq!(store.prune_transfer_files(t0()).await.unwrap(), 0);
    assert_eq!(
        store
            .prune_transfer_files(t0() + Duration::hours(1))
            .await
            .unwrap(),
        2,
        "both parts of the untouched upload"
    );
    store.delete_transfer_run(other).await.unwrap();
    assert!(store.transfer_run(other).await.unwrap().is_none());
}
