//! Imports started in the admin (CSV issue, item 5; ADR 027). The browser's upload is kept in
//! the database in 1 MiB chunks while it arrives; once whole, the run moves to *planning* and a
//! worker job checks it (the dry run) exactly as the command line does, noting its progress as
//! it reads. The admin reads the report and confirms; a second job applies it (planning again
//! against the shop as it is then, so nothing changed in between is overwritten unseen). The
//! file is deleted once applied or failed, and a day after it was last touched in any case.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;

use akinai_csv::{Format, Limits};
use akinai_domain::admin::{Capability, ManageCatalog, ManageCustomers};
use akinai_domain::ids::TransferRunId;
use akinai_domain::transfer::{PlanAction, PlanSummary, PriceBasis, RowIssue};
use akinai_store::transfer_runs::{
    NewTransferRun, RunKind, RunState, TransferRun, PART_CSV, PART_IMAGES,
};
use akinai_store::{Job, NewJob, JOB_TRANSFER};

use super::import::{ImportOptions, ImportReport};
use super::upload::{ChunkReader, Upload};
use super::zip_images::ZipImages;
use super::ImageSource;
use super::Transfer;
use crate::accounts::Client;
use crate::admin::Authorized;
use crate::audit::AuditContext;
use crate::worker::JobFailure;
use crate::CoreError;

/// Bytes per stored chunk of an uploaded file.
pub const CHUNK: usize = 1 << 20;
/// Largest zip of images uploaded with a product file.
pub const MAX_IMAGES_ZIP_BYTES: u64 = 500 * 1024 * 1024;
/// Files of runs untouched this long are deleted by the worker's pruning.
pub const FILE_KEPT: chrono::Duration = chrono::Duration::hours(24);
/// How often a running step writes its progress.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(500);
/// Entries and issues a stored report keeps (the page shows fewer; the summary counts all).
const STORED: usize = 2_000;

/// The capability an import kind needs: the catalog's managers import products, the
/// customers' managers import members.
pub trait ImportCapability: Capability {
    const KIND: RunKind;
}

impl ImportCapability for ManageCatalog {
    const KIND: RunKind = RunKind::Products;
}

impl ImportCapability for ManageCustomers {
    const KIND: RunKind = RunKind::Customers;
}

/// What the admin chose on the upload form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunOptions {
    /// `None`: told by the header.
    pub format: Option<Format>,
    /// `None`: the format's usual basis.
    pub prices: Option<PriceBasis>,
}

#[derive(Serialize, Deserialize)]
struct StoredOptions {
    format: Option<String>,
    prices: Option<String>,
}

impl RunOptions {
    fn to_stored(self) -> String {
        json!({
            "format": self.format.map(Format::name),
            "prices": self.prices.map(PriceBasis::name),
        })
        .to_string()
    }

    fn from_stored(s: &str) -> RunOptions {
        let stored: Option<StoredOptions> = serde_json::from_str(s).ok();
        let stored = stored.unwrap_or(StoredOptions {
            format: None,
            prices: None,
        });
        RunOptions {
            format: stored.format.as_deref().and_then(Format::parse),
            prices: stored.prices.as_deref().and_then(PriceBasis::parse),
        }
    }
}

/// One new or updated record of a stored report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEntry {
    pub row: u64,
    /// The product's handle or the member's e-mail address.
    pub key: String,
    pub name: String,
    /// Empty for a new record; the changing fields for an update.
    pub changes: Vec<String>,
}

/// The report of a run's last step, as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunReport {
    pub format: Option<String>,
    pub encoding: Option<String>,
    pub applied: bool,
    pub summary: PlanSummary,
    pub categories_created: usize,
    pub entries: Vec<RunEntry>,
    pub issues: Vec<RowIssue>,
}

impl RunReport {
    fn of(r: &ImportReport) -> RunReport {
        RunReport {
            format: r.format.map(|f| f.name().to_string()),
            encoding: r.encoding.map(|e| e.label().to_string()),
            applied: r.applied,
            summary: r.summary,
            categories_created: r.categories_created,
            entries: r
                .entries
                .iter()
                .take(STORED)
                .map(|e| RunEntry {
                    row: e.row,
                    key: e.handle.clone(),
                    name: e.name.clone(),
                    changes: match &e.action {
                        PlanAction::Update(fields) => {
                            fields.iter().map(|f| (*f).to_string()).collect()
                        }
                        PlanAction::New | PlanAction::Unchanged => Vec::new(),
                    },
                })
                .collect(),
            issues: r.issues.iter().take(STORED).cloned().collect(),
        }
    }
}

/// A run with its report, for the admin's page.
#[derive(Debug, Clone)]
pub struct RunView {
    pub run: TransferRun,
    pub report: Option<RunReport>,
}

impl RunView {
    /// The summary of the last step (for lists).
    pub fn summary(run: &TransferRun) -> Option<PlanSummary> {
        run.summary
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
    }

    /// Whether the admin may apply it: planned, and not one error.
    pub fn can_apply(&self) -> bool {
        self.run.state == RunState::Planned
            && self.report.as_ref().is_some_and(|r| r.summary.errors == 0)
    }
}

impl Transfer {
    /// Starts an upload of a file to import; the file name is only shown.
    pub async fn start_upload<C: ImportCapability>(
        &self,
        by: &Authorized<C>,
        file_name: &str,
        options: RunOptions,
        client: &Client,
    ) -> Result<Upload, CoreError> {
        let who = by.principal().audit_context(client);
        let file_name: String = file_name
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let id = self
            .run_store
            .create_transfer_run(&NewTransferRun {
                kind: C::KIND,
                file_name,
                options: options.to_stored(),
                created_by: who.actor,
                created_ip: who.ip.map(|ip| ip.to_string()),
                at: self.base.clock.now(),
            })
            .await?;
        Ok(Upload {
            store: self.run_store.clone(),
            transfer: self.clone(),
            id,
            kind: C::KIND,
            part: PART_CSV,
            seq: 0,
            sizes: [0, 0],
            buffer: Vec::new(),
        })
    }

    pub(super) async fn advance(
        &self,
        id: TransferRunId,
        from: RunState,
        to: RunState,
        sizes: Option<(i64, i64)>,
    ) -> Result<bool, CoreError> {
        let step = if to == RunState::Applying {
            "apply"
        } else {
            "plan"
        };
        let job = NewJob {
            kind: JOB_TRANSFER.to_string(),
            payload: json!({ "run": id.0, "step": step }),
            run_at: self.base.clock.now(),
            dedup_key: None,
        };
        Ok(self
            .run_store
            .advance_transfer_run(id, from, to, sizes, &job)
            .await?)
    }

    /// One run of the capability's kind, with its report.
    pub async fn import_run<C: ImportCapability>(
        &self,
        _by: &Authorized<C>,
        id: TransferRunId,
    ) -> Result<RunView, CoreError> {
        let run = self
            .run_store
            .transfer_run(id)
            .await?
            .filter(|r| r.kind == C::KIND)
            .ok_or(CoreError::NotFound)?;
        let report = match run.state {
            RunState::Planned | RunState::Applied | RunState::Failed => self
                .run_store
                .transfer_report(id)
                .await?
                .and_then(|s| serde_json::from_str(&s).ok()),
            _ => None,
        };
        Ok(RunView { run, report })
    }

    /// The latest runs of the capability's kind, newest first.
    pub async fn import_runs<C: ImportCapability>(
        &self,
        _by: &Authorized<C>,
        limit: u32,
    ) -> Result<Vec<TransferRun>, CoreError> {
        Ok(self.run_store.transfer_runs(C::KIND, limit).await?)
    }

    /// The admin confirmed a checked run without errors: a job applies it.
    pub async fn confirm_import<C: ImportCapability>(
        &self,
        by: &Authorized<C>,
        id: TransferRunId,
    ) -> Result<(), CoreError> {
        let view = self.import_run(by, id).await?;
        let not_ready = || CoreError::InvalidForm(vec![("run", "transfer.not_ready")]);
        if !view.can_apply() {
            return Err(not_ready());
        }
        if !self
            .advance(id, RunState::Planned, RunState::Applying, None)
            .await?
        {
            return Err(not_ready());
        }
        Ok(())
    }

    /// Deletes the files of runs nobody touched for [`FILE_KEPT`].
    pub async fn prune_import_files(&self) -> Result<u64, CoreError> {
        let before = self.base.clock.now() - FILE_KEPT;
        Ok(self.run_store.prune_transfer_files(before).await?)
    }

    /// The worker's side: plans or applies the run the job names.
    pub(crate) async fn run_transfer_job(&self, job: &Job) -> Result<(), JobFailure> {
        let id = job
            .payload
            .get("run")
            .and_then(serde_json::Value::as_i64)
            .map(TransferRunId)
            .ok_or_else(|| JobFailure::Permanent("transfer job without a run".into()))?;
        let step = job.payload.get("step").and_then(serde_json::Value::as_str);
        let transient = |e: CoreError| JobFailure::Transient(e.to_string());
        let Some(run) = self
            .run_store
            .transfer_run(id)
            .await
            .map_err(|e| transient(e.into()))?
        else {
            return Err(JobFailure::Permanent(format!("transfer run {} gone", id.0)));
        };
        let dry_run = match (step, run.state) {
            (Some("plan"), RunState::Planning) => true,
            (Some("apply"), RunState::Applying) => false,
            // A job repeated after its step ended (a lease ran out): nothing to do.
            _ => return Ok(()),
        };
        match self.run_step(&run, dry_run).await {
            Ok(report) => {
                let failed = report.failed() && !dry_run;
                let state = match (dry_run, failed) {
                    (true, _) => RunState::Planned,
                    (false, false) => RunState::Applied,
                    (false, true) => RunState::Failed,
                };
                let error = failed.then_some("transfer.changed_since_check");
                self.finish(&run, state, Some(&RunReport::of(&report)), error)
                    .await
                    .map_err(transient)
            }
            Err(e @ CoreError::Store(akinai_store::StoreError::Unavailable(_))) => {
                Err(transient(e))
            }
            Err(CoreError::InvalidForm(fields)) => {
                let key = fields.first().map_or("transfer.step_failed", |f| f.1);
                self.finish(&run, RunState::Failed, None, Some(key))
                    .await
                    .map_err(transient)
            }
            Err(e) => {
                tracing::error!(run = id.0, error = %e, "import step failed");
                self.finish(&run, RunState::Failed, None, Some("transfer.step_failed"))
                    .await
                    .map_err(transient)
            }
        }
    }

    async fn finish(
        &self,
        run: &TransferRun,
        state: RunState,
        report: Option<&RunReport>,
        error: Option<&str>,
    ) -> Result<(), CoreError> {
        let summary = report.map(|r| json!(r.summary).to_string());
        let report = report.map(|r| json!(r).to_string());
        let drop_file = state != RunState::Planned;
        self.run_store
            .finish_transfer_step(
                run.id,
                state,
                summary.as_deref(),
                report.as_deref(),
                error,
                drop_file,
                self.base.clock.now(),
            )
            .await?;
        Ok(())
    }

    /// Copies the run's zip of images from the store into a temporary file (deleted when
    /// dropped) and opens it.
    async fn spool_images(&self, id: TransferRunId) -> Result<ZipImages<std::fs::File>, CoreError> {
        use std::io::{Seek, Write};
        let io = |e: std::io::Error| {
            CoreError::Store(akinai_store::StoreError::Unavailable(format!(
                "temporary file for images: {e}"
            )))
        };
        let mut file = tempfile::tempfile().map_err(io)?;
        let mut seq = 0;
        while let Some(chunk) = self.run_store.transfer_chunk(id, PART_IMAGES, seq).await? {
            file.write_all(&chunk).map_err(io)?;
            seq += 1;
        }
        file.rewind().map_err(io)?;
        ZipImages::open(file).map_err(|e| {
            tracing::warn!(run = id.0, error = %e, "the images of an import are not a zip");
            CoreError::InvalidForm(vec![("images", "transfer.images_not_zip")])
        })
    }

    /// Runs the import over the stored file, writing progress as it reads.
    async fn run_step(&self, run: &TransferRun, dry_run: bool) -> Result<ImportReport, CoreError> {
        let images = match run.images_bytes {
            0 => None,
            _ => Some(self.spool_images(run.id).await?),
        };
        let options = RunOptions::from_stored(&run.options);
        let options = ImportOptions {
            format: options.format,
            prices: options.prices,
            dry_run,
            limits: Limits::default(),
        };
        let who = AuditContext {
            actor: run.created_by.clone(),
            ip: run.created_ip.as_deref().and_then(|ip| ip.parse().ok()),
            request_id: None,
        };
        let (rows, bytes) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let input = ChunkReader::new(self.run_store.clone(), run.id, PART_CSV, bytes.clone());
        let progress: super::Progress = {
            let rows = rows.clone();
            Arc::new(move |n| rows.store(n, Ordering::Relaxed))
        };
        // Stopped when the step ends, however it ends (dropped with this future too).
        let _reporter = AbortOnDrop({
            let (store, id) = (self.run_store.clone(), run.id);
            let (rows, bytes) = (rows.clone(), bytes.clone());
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(PROGRESS_EVERY);
                loop {
                    tick.tick().await;
                    let count = |a: &AtomicU64| i64::try_from(a.load(Ordering::Relaxed));
                    if let (Ok(r), Ok(b)) = (count(&rows), count(&bytes)) {
                        if let Err(e) = store.set_transfer_progress(id, r, b).await {
                            tracing::warn!(run = id.0, error = %e, "could not note progress");
                        }
                    }
                }
            })
        });
        match run.kind {
            RunKind::Products => {
                let source = images.as_ref().map(|z| z as &dyn ImageSource);
                self.import_products(input, options, source, &who, progress)
                    .await
            }
            RunKind::Customers => self.import_customers(input, options, &who, progress).await,
        }
    }
}

/// A task aborted when this guard is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
