//! Opening a backup again: `akinai backup restore` into an empty data directory (and, for a
//! PostgreSQL shop, an empty database), and `akinai backup verify`, the restore drill: the same
//! restore into a scratch place, SQLite's own checks, the audit chain, the row counts against the
//! header, the shop started on it and asked for its health and home page — without listening —
//! and the time all that took (the recovery time, RTO).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use chrono::Utc;

use akinai_sqlite::SqliteStore;
use akinai_store::operations::{BackupRun, RowCounts, RunKind};

use super::archive::{self, Header};
use super::{pg, settings};
use crate::config::{Config, Overrides, Secret};

/// Where a backup was opened: its data directory and configuration file.
struct Opened {
    header: Header,
    config_file: PathBuf,
    data_dir: PathBuf,
    /// The database restored into (PostgreSQL), which wins over `AKINAI__DATABASE_URL`.
    database_url: Option<String>,
}

/// Places the unpacked payload in `unpacked` into `data_dir` and writes its configuration
/// (`data_dir`, theme and, for PostgreSQL, `database_url` pointing at the new places).
async fn place(
    unpacked: &Path,
    header: Header,
    data_dir: &Path,
    database_url: Option<&str>,
) -> anyhow::Result<Opened> {
    let mut config: toml::Value = toml::from_str(
        &std::fs::read_to_string(unpacked.join("config/akinai.toml"))
            .context("the backup has no configuration")?,
    )
    .context("the backup's configuration is damaged")?;
    let table = config
        .as_table_mut()
        .context("the backup's configuration is not a table")?;
    match header.backend.as_str() {
        "sqlite" => {
            std::fs::rename(unpacked.join("store/akinai.db"), data_dir.join("akinai.db"))
                .context("the backup holds no SQLite database")?;
        }
        "postgres" => {
            let url = database_url.context(
                "this is a PostgreSQL backup: give the empty database to restore into as \
                 database_url (--config FILE or AKINAI__DATABASE_URL)",
            )?;
            pg::restore_into(url, &unpacked.join("store/akinai.pgdump")).await?;
            table.insert("database_url".into(), toml::Value::String(url.into()));
        }
        other => anyhow::bail!("unknown backend {other:?} in the backup"),
    }
    for name in ["secret.key", settings::RECIPIENT_FILE] {
        let from = unpacked.join("data").join(name);
        if from.is_file() {
            std::fs::rename(&from, data_dir.join(name))?;
        }
    }
    let theme = unpacked.join("theme");
    if theme.is_dir() {
        std::fs::rename(&theme, data_dir.join("theme"))?;
        let security = table
            .entry("security")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let Some(s) = security.as_table_mut() {
            s.insert(
                "theme_dir".into(),
                toml::Value::String(path_text(&data_dir.join("theme"))?),
            );
        }
    }
    table.insert("data_dir".into(), toml::Value::String(path_text(data_dir)?));
    if let Some(backup) = table.get_mut("backup").and_then(|b| b.as_table_mut()) {
        // The old directory may not exist here; backups of the restored shop go under it.
        backup.remove("dir");
    }
    let config_file = data_dir.join("akinai.toml");
    crate::files::write_private(&config_file, toml::to_string_pretty(&config)?.as_bytes())?;
    Ok(Opened {
        header,
        config_file,
        data_dir: data_dir.to_path_buf(),
        database_url: database_url.map(str::to_string),
    })
}

fn path_text(path: &Path) -> anyhow::Result<String> {
    let absolute = std::path::absolute(path)?;
    absolute
        .to_str()
        .map(str::to_string)
        .context("the data directory's path is not UTF-8")
}

/// What the checks of a restored shop found.
struct Checked {
    counts: RowCounts,
    audit_entries: u64,
}

/// Checks a restored shop: SQLite's own checks, the shop built on it (migrations applied), the
/// audit chain, the row counts against the header, and `/healthz` and `/` answered in-process.
async fn check(opened: &Opened) -> anyhow::Result<Checked> {
    let mut config = Config::load(
        Some(&opened.config_file),
        &Overrides {
            data_dir: Some(opened.data_dir.clone()),
            ..Overrides::default()
        },
    )?;
    // What was restored is checked, whatever the environment names.
    config.database_url = opened.database_url.as_deref().map(Secret::new);
    if config.database_url.is_none() {
        let store = SqliteStore::open(&opened.data_dir.join("akinai.db")).await?;
        let problems = store.integrity_problems().await;
        store.close().await;
        let problems = problems?;
        anyhow::ensure!(
            problems.is_empty(),
            "SQLite finds the restored database damaged: {}",
            problems.join("; ")
        );
    }
    let shop = crate::build_shop(&config).await?;
    let audit_entries = match shop.audit().verify_audit(None).await? {
        Ok((n, _head)) => n,
        Err(broken) => anyhow::bail!("the restored audit trail is broken: {broken}"),
    };
    let counts = shop.operations().row_counts().await?;
    let differ: Vec<String> = opened
        .header
        .counts
        .named()
        .iter()
        .zip(counts.named())
        .filter(|(a, b)| a.1 != b.1)
        .map(|((name, want), (_, got))| format!("{name}: {got} restored, {want} in the header"))
        .collect();
    anyhow::ensure!(
        differ.is_empty(),
        "the restored rows differ from the backup's header: {}",
        differ.join(", ")
    );
    let app = akinai_web::router(crate::app_state(&config, shop));
    for path in ["/healthz", "/"] {
        use tower::ServiceExt;
        let request = axum::http::Request::get(path)
            .header("host", "localhost")
            .body(axum::body::Body::empty())?;
        let response = app.clone().oneshot(request).await?;
        anyhow::ensure!(
            response.status().is_success(),
            "the restored shop answers {path} with {}",
            response.status()
        );
    }
    Ok(Checked {
        counts,
        audit_entries,
    })
}

/// `akinai backup restore FILE --identity KEY --data-dir NEW`.
pub async fn restore(
    config: &Config,
    file: &Path,
    identity: &Path,
    data_dir: &Path,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let identities = archive::read_identity(identity)?;
    let fresh = match std::fs::read_dir(data_dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", data_dir.display())),
    };
    anyhow::ensure!(
        fresh,
        "{} is not empty: a restore only goes into a new, empty data directory",
        data_dir.display()
    );
    crate::files::ensure_data_dir(data_dir)?;
    let unpacked = tempfile::Builder::new()
        .prefix(".restore-")
        .tempdir_in(data_dir)?;
    let (header, _manifest) = {
        let (file, dir) = (file.to_path_buf(), unpacked.path().to_path_buf());
        tokio::task::spawn_blocking(move || archive::unpack(&file, &identities, &dir)).await??
    };
    let url = config.database_url.as_ref().map(|u| u.expose().to_string());
    let opened = place(unpacked.path(), header, data_dir, url.as_deref()).await?;
    drop(unpacked);
    let checked = check(&opened).await?;
    println!(
        "akinai: restored {} into {} in {} ms",
        crate::files::name_of(file),
        data_dir.display(),
        started.elapsed().as_millis()
    );
    print_counts(&checked);
    println!(
        "akinai: serve it with: akinai serve --config {}",
        opened.config_file.display()
    );
    Ok(())
}

/// `akinai backup verify FILE --identity KEY`: the restore drill. Records the run.
pub async fn verify(config: &Config, file: &Path, identity: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let at = Utc::now();
    let result = drill(config, file, identity).await;
    let millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let bytes = std::fs::metadata(file).map_or(0, |m| i64::try_from(m.len()).unwrap_or(0));
    let run = BackupRun {
        kind: RunKind::Verify,
        at,
        ok: result.is_ok(),
        file: crate::files::name_of(file),
        bytes,
        millis,
        detail: result
            .as_ref()
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default(),
    };
    super::record_run(config, &run).await;
    let checked = result?;
    println!(
        "akinai: {} verified: decrypted, checksums match, database sound, audit chain intact \
         ({} entries), row counts match, the shop starts and answers",
        crate::files::name_of(file),
        checked.audit_entries
    );
    print_counts(&checked);
    println!("akinai: restore time (RTO) {millis} ms");
    Ok(())
}

async fn drill(config: &Config, file: &Path, identity: &Path) -> anyhow::Result<Checked> {
    let identities = archive::read_identity(identity)?;
    let scratch = tempfile::Builder::new().prefix("akinai-drill-").tempdir()?;
    let unpacked = scratch.path().join("unpacked");
    let data_dir = scratch.path().join("data");
    std::fs::create_dir_all(&unpacked)?;
    std::fs::create_dir_all(&data_dir)?;
    let (header, _manifest) = {
        let (file, dir) = (file.to_path_buf(), unpacked.clone());
        tokio::task::spawn_blocking(move || archive::unpack(&file, &identities, &dir)).await??
    };
    if header.backend != "postgres" {
        let opened = place(&unpacked, header, &data_dir, None).await?;
        return check(&opened).await;
    }
    let shop_url = config.database_url.as_ref().context(
        "this is a PostgreSQL backup: the drill restores it into a scratch database on the \
         server of database_url, which is not configured here",
    )?;
    let db = pg::Scratch::create(shop_url.expose()).await?;
    let checked = async {
        let opened = place(&unpacked, header, &data_dir, Some(&db.url)).await?;
        check(&opened).await
    }
    .await;
    db.drop_database().await?;
    checked
}

fn print_counts(checked: &Checked) {
    println!("  {}", super::counts_line(&checked.counts));
}
