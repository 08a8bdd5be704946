//! Storage of imports started in the admin (CSV issue, item 5; ADR 027): the uploaded file kept
//! in the database in chunks (so the worker that plans and applies it may run on another node),
//! the run's state and progress, and its report. Starting a step and queueing the worker's job
//! for it happen in one transaction, so a run is never left waiting for a job that was lost.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::ids::TransferRunId;

use crate::{NewJob, StoreResult};

/// The part of a run's upload that is its CSV file.
pub const PART_CSV: i64 = 0;
/// The part that is a zip of the products' images.
pub const PART_IMAGES: i64 = 1;

/// What a run imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    Products,
    Customers,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Products => "products",
            RunKind::Customers => "customers",
        }
    }

    pub fn parse(s: &str) -> Option<RunKind> {
        match s {
            "products" => Some(RunKind::Products),
            "customers" => Some(RunKind::Customers),
            _ => None,
        }
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// The file is being received.
    Uploading,
    /// The worker is checking the file (the dry run).
    Planning,
    /// Checked; the report says whether it can be applied.
    Planned,
    /// The worker is writing it.
    Applying,
    /// Written.
    Applied,
    /// A step could not finish (the error says why); nothing was written.
    Failed,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Uploading => "uploading",
            RunState::Planning => "planning",
            RunState::Planned => "planned",
            RunState::Applying => "applying",
            RunState::Applied => "applied",
            RunState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<RunState> {
        [
            RunState::Uploading,
            RunState::Planning,
            RunState::Planned,
            RunState::Applying,
            RunState::Applied,
            RunState::Failed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// Whether the worker is still at it (the page refreshes).
    pub fn busy(self) -> bool {
        matches!(
            self,
            RunState::Uploading | RunState::Planning | RunState::Applying
        )
    }
}

/// A new run, before its file arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransferRun {
    pub kind: RunKind,
    /// The uploaded file's name as the browser gave it (shown only).
    pub file_name: String,
    /// The import options as JSON (format, price basis).
    pub options: String,
    /// The audit actor (`admin:<id>`) and address of who started it.
    pub created_by: String,
    pub created_ip: Option<String>,
    pub at: DateTime<Utc>,
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRun {
    pub id: TransferRunId,
    pub kind: RunKind,
    pub file_name: String,
    pub file_bytes: i64,
    /// The size of the zip of images uploaded with it (0: none).
    pub images_bytes: i64,
    pub options: String,
    pub state: RunState,
    /// Rows and bytes of the file the current step has read.
    pub rows_done: i64,
    pub bytes_done: i64,
    /// The summary as JSON (new, updated, unchanged, errors, warnings), once planned.
    pub summary: Option<String>,
    /// Why the step failed.
    pub error: Option<String>,
    pub created_by: String,
    pub created_ip: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[async_trait]
pub trait TransferRunStore: Send + Sync {
    /// Records a run in [`RunState::Uploading`].
    async fn create_transfer_run(&self, run: &NewTransferRun) -> StoreResult<TransferRunId>;
    /// Stores chunk `seq` of one of the run's files (`part`: [`PART_CSV`] or [`PART_IMAGES`]).
    async fn put_transfer_chunk(
        &self,
        id: TransferRunId,
        part: i64,
        seq: i64,
        data: &[u8],
    ) -> StoreResult<()>;
    /// Chunk `seq` of one of the run's files, `None` past its end (or once the files were dropped).
    async fn transfer_chunk(
        &self,
        id: TransferRunId,
        part: i64,
        seq: i64,
    ) -> StoreResult<Option<Vec<u8>>>;
    /// Moves the run from `from` to `to` and queues `job` in the same transaction; `false` (and
    /// nothing queued) when the run was not in `from`. `sizes` (the CSV's and the images'
    /// bytes) are recorded when the upload ends.
    async fn advance_transfer_run(
        &self,
        id: TransferRunId,
        from: RunState,
        to: RunState,
        sizes: Option<(i64, i64)>,
        job: &NewJob,
    ) -> StoreResult<bool>;
    /// Notes how many rows and bytes the current step has read.
    async fn set_transfer_progress(
        &self,
        id: TransferRunId,
        rows: i64,
        bytes: i64,
    ) -> StoreResult<()>;
    /// Ends a step: the new state, summary, report and error — only of a run still planning or
    /// applying, so a step repeated after its lease ran out cannot overwrite how the first one
    /// ended. With `drop_file` the file's chunks are deleted too (after the apply or a failure:
    /// a customer file is personal data).
    #[allow(clippy::too_many_arguments)]
    async fn finish_transfer_step(
        &self,
        id: TransferRunId,
        state: RunState,
        summary: Option<&str>,
        report: Option<&str>,
        error: Option<&str>,
        drop_file: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn transfer_run(&self, id: TransferRunId) -> StoreResult<Option<TransferRun>>;
    /// The full report (JSON) of the run's last step.
    async fn transfer_report(&self, id: TransferRunId) -> StoreResult<Option<String>>;
    /// The latest runs of a kind, newest first.
    async fn transfer_runs(&self, kind: RunKind, limit: u32) -> StoreResult<Vec<TransferRun>>;
    /// Deletes the files of runs last changed before `before` (abandoned uploads and plans
    /// never applied); how many files.
    async fn prune_transfer_files(&self, before: DateTime<Utc>) -> StoreResult<u64>;
    /// Deletes a run that never got its whole file.
    async fn delete_transfer_run(&self, id: TransferRunId) -> StoreResult<()>;
}
