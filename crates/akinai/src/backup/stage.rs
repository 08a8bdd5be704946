//! Gathers what a backup holds into a private scratch directory inside the data directory
//! (0700, removed when dropped): the store's snapshot and its row counts, the secret key and
//! backup recipient, the configuration with its secrets, and the theme.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};

use akinai_sqlite::SqliteStore;
use akinai_store::operations::OperationsStore;

use super::archive::Payload;
use super::{pg, settings};
use crate::config::Config;

/// The staged files; the scratch directory goes when this is dropped.
pub struct Staged {
    pub payload: Payload,
    _scratch: tempfile::TempDir,
}

/// Stages a backup of the shop as of now.
pub async fn stage(config: &Config, at: DateTime<Utc>) -> anyhow::Result<Staged> {
    crate::files::ensure_data_dir(&config.data_dir)?;
    let scratch = tempfile::Builder::new()
        .prefix(".backup-staging-")
        .tempdir_in(&config.data_dir)
        .context("cannot create a scratch directory in the data directory")?;
    let dir = scratch.path();
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let (backend, counts) = match &config.database_url {
        None => {
            let target = dir.join("akinai.db");
            let counts = snapshot_sqlite(&config.data_dir.join("akinai.db"), &target).await?;
            files.push(("store/akinai.db".into(), target));
            ("sqlite", counts)
        }
        Some(url) => {
            let target = dir.join("akinai.pgdump");
            let counts = pg::dump(url.expose(), &target).await?;
            files.push(("store/akinai.pgdump".into(), target));
            ("postgres", counts)
        }
    };
    for name in ["secret.key", settings::RECIPIENT_FILE] {
        let path = config.data_dir.join(name);
        if path.is_file() {
            files.push((format!("data/{name}"), path));
        }
    }
    let config_file = dir.join("akinai.toml");
    std::fs::write(&config_file, config.to_toml_with_secrets()?)?;
    files.push(("config/akinai.toml".into(), config_file));
    if let Some(theme) = &config.security.theme_dir {
        let copy = dir.join("theme");
        for rel in copy_tree(theme, &copy)? {
            files.push((format!("theme/{rel}"), copy.join(&rel)));
        }
    }
    Ok(Staged {
        payload: Payload {
            created_at: at,
            backend: backend.into(),
            counts,
            files,
        },
        _scratch: scratch,
    })
}

/// `VACUUM INTO` a copy of the live database (which keeps serving), then counts the copy's rows.
async fn snapshot_sqlite(
    live: &Path,
    target: &Path,
) -> anyhow::Result<akinai_store::operations::RowCounts> {
    anyhow::ensure!(
        live.is_file(),
        "no shop database at {} (is --data-dir right?)",
        live.display()
    );
    let store = SqliteStore::open(live)
        .await
        .with_context(|| format!("cannot open {}", live.display()))?;
    let snapshot = store.snapshot_into(target).await;
    store.close().await;
    snapshot.context("cannot take a snapshot of the database")?;
    let copy = SqliteStore::open(target).await?;
    let counts = copy.row_counts().await;
    copy.close().await;
    counts.context("the snapshot cannot be read")
}

/// Copies the regular files under `from` into `to`; returns their relative paths (`/`-joined).
/// Symbolic links are skipped (a theme is plain files).
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<Vec<String>> {
    let mut copied = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        let source = from.join(&rel);
        let entries = std::fs::read_dir(&source)
            .with_context(|| format!("cannot read the theme directory {}", source.display()))?;
        std::fs::create_dir_all(to.join(&rel))?;
        for entry in entries {
            let entry = entry?;
            let kind = entry.file_type()?;
            let child = rel.join(entry.file_name());
            if kind.is_dir() {
                pending.push(child);
            } else if kind.is_file() {
                std::fs::copy(entry.path(), to.join(&child))?;
                let parts: Vec<String> = child
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                copied.push(parts.join("/"));
            }
        }
    }
    copied.sort();
    Ok(copied)
}
