//! Tamper detection (IPA-C-14, anti-skimming) and checkout holds.
//!
//! A shop may restyle the storefront with files in a theme directory (style sheets, images,
//! fonts; never scripts or markup: `akinai_domain::integrity`). The files become live only by a
//! deliberate, recorded theme update ([`Shop::approve_theme`]: the command line now, the admin
//! later), which stores every file's SHA-256 as the approved manifest. Each node serves only the
//! approved bytes, held in memory, so a file changed on disk is never served. [`Shop::check_integrity`]
//! runs at start and periodically: it re-hashes the directory, and any difference from the
//! manifest (a file modified, added or removed) raises a `tamper_detected` alert and — when
//! `close_checkout_on_tamper` is set, the default — a checkout hold. While a hold is open, no one
//! can enter checkout details or place an order ([`Shop::ensure_checkout_open`]); the hold stays
//! until an owner acknowledges it. Further files (the akinai executable, the configuration file)
//! can be watched: a change there raises an alert without closing checkout, since an upgrade
//! legitimately replaces the executable shortly before a restart.

use crate::Alerts;
use crate::Base;
use akinai_store::IntegrityStore;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use akinai_domain::ids::ThemeManifestId;
use akinai_domain::integrity::{
    diff, theme_file_kind, Changes, ThemeFileError, MAX_THEME_FILES, MAX_THEME_FILE_BYTES,
};
use akinai_store::CheckoutHold;

use crate::CoreError;

/// Alert kind and hold reason of a theme that differs from its approved manifest.
pub const TAMPER_DETECTED: &str = "tamper_detected";
/// Alert kind of a watched file (executable, configuration) that changed.
pub const WATCHED_FILE_CHANGED: &str = "watched_file_changed";

/// An approved theme file as served.
#[derive(Debug)]
pub struct ThemeFile {
    pub content_type: &'static str,
    pub sha256: [u8; 32],
    pub bytes: Vec<u8>,
}

/// What this process knows between checks.
#[derive(Debug, Default)]
pub(crate) struct IntegrityState {
    manifest_id: Option<ThemeManifestId>,
    theme: BTreeMap<String, Arc<ThemeFile>>,
    reported_theme: Option<Changes>,
    watched_baseline: BTreeMap<PathBuf, Option<String>>,
    reported_watched: BTreeSet<PathBuf>,
}

/// What one check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntegrityReport {
    /// Whether a theme manifest has been approved.
    pub theme_approved: bool,
    pub theme_changes: Changes,
    /// Watched files whose content differs from when this process started.
    pub watched_changed: Vec<PathBuf>,
}

/// A theme directory as found on disk.
#[derive(Debug, Default)]
struct Scan {
    files: BTreeMap<String, ThemeFile>,
    refused: BTreeMap<String, ThemeFileError>,
}

impl Scan {
    /// Name → SHA-256 hex of everything found; refused files get a hash no manifest contains.
    fn observed(&self) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = self
            .files
            .iter()
            .map(|(n, f)| (n.clone(), hex::encode(f.sha256)))
            .collect();
        for name in self.refused.keys() {
            out.insert(name.clone(), "refused".into());
        }
        out
    }
}

fn scan(dir: &Path) -> std::io::Result<Scan> {
    let mut found = Scan::default();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let meta = entry.path().symlink_metadata()?;
        let verdict = if !meta.is_file() {
            Err(ThemeFileError::NotAFile)
        } else if meta.len() > MAX_THEME_FILE_BYTES {
            Err(ThemeFileError::TooLarge)
        } else {
            theme_file_kind(&name)
        };
        match verdict {
            Ok(content_type) if found.files.len() < MAX_THEME_FILES => {
                let bytes = std::fs::read(entry.path())?;
                let sha256 = Sha256::digest(&bytes).into();
                found.files.insert(
                    name,
                    ThemeFile {
                        content_type,
                        sha256,
                        bytes,
                    },
                );
            }
            Ok(_) => {
                found.refused.insert(name, ThemeFileError::TooLarge);
            }
            Err(e) => {
                found.refused.insert(name, e);
            }
        }
    }
    Ok(found)
}

async fn scan_async(dir: PathBuf) -> Result<Scan, CoreError> {
    tokio::task::spawn_blocking(move || scan(&dir))
        .await
        .map_err(|e| CoreError::Integrity(e.to_string()))?
        .map_err(|e| CoreError::Integrity(e.to_string()))
}

fn hash_file(path: &Path) -> Option<String> {
    std::fs::read(path)
        .ok()
        .map(|b| hex::encode(Sha256::digest(&b)))
}

/// Tamper detection: the approved theme, watched files and the checkout hold.
#[derive(Clone)]
pub struct Integrity {
    pub(crate) base: Base,
    pub(crate) integrity_store: Arc<dyn IntegrityStore>,
    pub(crate) alerts: Alerts,
    pub(crate) state: Arc<std::sync::Mutex<IntegrityState>>,
}

impl Integrity {
    fn theme_dir(&self) -> Result<PathBuf, CoreError> {
        self.base
            .config
            .security
            .theme_dir
            .clone()
            .ok_or_else(|| CoreError::Integrity("no theme_dir is configured".into()))
    }

    /// A recorded theme update: approves the theme directory as it is now. Refuses (recording
    /// nothing) when any file may not be a theme file.
    pub async fn approve_theme(&self, by: &str) -> Result<(ThemeManifestId, usize), CoreError> {
        let found = scan_async(self.theme_dir()?).await?;
        if !found.refused.is_empty() {
            return Err(CoreError::ThemeRefused(
                found
                    .refused
                    .iter()
                    .map(|(n, e)| format!("{n}: {e}"))
                    .collect(),
            ));
        }
        let files = found.observed();
        let id = self
            .integrity_store
            .record_theme_manifest(&files, by, self.base.clock.now())
            .await?;
        tracing::info!(manifest = id.0, files = files.len(), by, "theme approved");
        self.check_integrity().await?;
        Ok((id, files.len()))
    }

    /// Re-hashes the theme directory and the watched files, raises alerts (and a checkout hold)
    /// for differences not reported before, and refreshes the served theme.
    pub async fn check_integrity(&self) -> Result<IntegrityReport, CoreError> {
        let mut report = IntegrityReport::default();
        if let Some(dir) = self.base.config.security.theme_dir.clone() {
            self.check_theme(dir, &mut report).await?;
        }
        self.check_watched(&mut report).await?;
        Ok(report)
    }

    async fn check_theme(
        &self,
        dir: PathBuf,
        report: &mut IntegrityReport,
    ) -> Result<(), CoreError> {
        let manifest = self.integrity_store.current_theme_manifest().await?;
        let found = scan_async(dir).await?;
        let Some(manifest) = manifest else {
            if !found.files.is_empty() || !found.refused.is_empty() {
                tracing::warn!(
                    "theme files are present but not approved; run `akinai theme approve`"
                );
            }
            self.lock_integrity().theme.clear();
            return Ok(());
        };
        report.theme_approved = true;
        report.theme_changes = diff(&manifest.files, &found.observed());
        let new_changes = {
            let mut state = self.lock_integrity();
            let same_manifest = state.manifest_id == Some(manifest.id);
            let mut served = BTreeMap::new();
            let mut found = found;
            for (name, hash) in &manifest.files {
                let fresh = found
                    .files
                    .remove(name)
                    .filter(|f| hex::encode(f.sha256) == *hash)
                    .map(Arc::new);
                // A file changed on disk keeps being served from the approved copy in memory.
                let kept = same_manifest
                    .then(|| state.theme.get(name).cloned())
                    .flatten();
                if let Some(file) = fresh.or(kept) {
                    served.insert(name.clone(), file);
                }
            }
            state.theme = served;
            state.manifest_id = Some(manifest.id);
            let changes = (!report.theme_changes.is_empty()).then(|| report.theme_changes.clone());
            let new = changes.is_some() && state.reported_theme != changes;
            state.reported_theme = changes;
            new
        };
        if new_changes {
            let detail = json!({ "theme": &report.theme_changes, "manifest": manifest.id });
            self.alerts
                .raise_alert(
                    TAMPER_DETECTED,
                    "theme files differ from the approved theme",
                    None,
                    detail.clone(),
                )
                .await?;
            if self.base.config.security.close_checkout_on_tamper
                && self
                    .integrity_store
                    .raise_checkout_hold(TAMPER_DETECTED, &detail, self.base.clock.now())
                    .await?
            {
                tracing::warn!(target: "akinai::alert", "checkout closed until an owner acknowledges the tamper alert");
            }
        }
        Ok(())
    }

    async fn check_watched(&self, report: &mut IntegrityReport) -> Result<(), CoreError> {
        let paths = self.base.config.security.watched_files.clone();
        let hashes = tokio::task::spawn_blocking(move || {
            paths
                .into_iter()
                .map(|p| {
                    let h = hash_file(&p);
                    (p, h)
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| CoreError::Integrity(e.to_string()))?;
        let mut newly_changed = Vec::new();
        {
            let mut state = self.lock_integrity();
            for (path, hash) in hashes {
                let baseline = state
                    .watched_baseline
                    .entry(path.clone())
                    .or_insert_with(|| hash.clone());
                if *baseline != hash {
                    report.watched_changed.push(path.clone());
                    if state.reported_watched.insert(path.clone()) {
                        newly_changed.push(path);
                    }
                }
            }
        }
        for path in newly_changed {
            self.alerts
                .raise_alert(
                    WATCHED_FILE_CHANGED,
                    "a watched file changed on disk (expected only during an upgrade)",
                    None,
                    json!({ "path": path.display().to_string() }),
                )
                .await?;
        }
        Ok(())
    }

    fn lock_integrity(&self) -> std::sync::MutexGuard<'_, IntegrityState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs [`Shop::check_integrity`] now and every `interval` until `shutdown` turns true.
    pub async fn run_integrity_checks(
        &self,
        interval: Duration,
        mut shutdown: watch::Receiver<bool>,
    ) {
        loop {
            if let Err(e) = self.check_integrity().await {
                tracing::error!(error = %e, "integrity check failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
    }

    /// An approved theme file, as approved.
    pub fn theme_file(&self, name: &str) -> Option<Arc<ThemeFile>> {
        self.lock_integrity().theme.get(name).cloned()
    }

    /// `Ok` while no checkout hold is open.
    pub async fn ensure_checkout_open(&self) -> Result<(), CoreError> {
        if self.integrity_store.open_checkout_holds().await?.is_empty() {
            Ok(())
        } else {
            Err(CoreError::CheckoutClosed)
        }
    }

    /// The open checkout holds.
    pub async fn checkout_holds(&self) -> Result<Vec<CheckoutHold>, CoreError> {
        Ok(self.integrity_store.open_checkout_holds().await?)
    }

    /// An owner acknowledges the open holds; checkout opens again. Returns how many.
    pub async fn acknowledge_checkout_holds(&self, by: &str) -> Result<u64, CoreError> {
        let n = self
            .integrity_store
            .acknowledge_checkout_holds(by, self.base.clock.now())
            .await?;
        tracing::warn!(target: "akinai::alert", by, holds = n, "checkout holds acknowledged; checkout open");
        Ok(n)
    }
}
