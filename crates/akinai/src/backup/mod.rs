//! Encrypted backups (operations issue, item 1; IPA-C-13): `akinai backup init | create | list |
//! verify | restore`. A backup holds a consistent snapshot of the store taken while the shop
//! serves (SQLite `VACUUM INTO`; PostgreSQL `pg_dump` of an exported snapshot), the secret key,
//! the theme and the configuration with its secrets — compressed and encrypted with age to the
//! shop's recipient, so the server never holds the key that opens its backups (ADR 024).

pub mod archive;
mod pg;
mod restore;
pub mod schedule;
pub mod settings;
mod stage;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use chrono::Utc;

use akinai_store::operations::{BackupRun, RunKind};

use crate::config::Config;
pub use restore::{restore, verify};

/// The recipient backups are encrypted to: the configured one, or the one `backup init` wrote.
pub fn recipient(config: &Config) -> anyhow::Result<age::x25519::Recipient> {
    if let Some(r) = &config.backup.recipient {
        return r
            .parse()
            .map_err(|e| anyhow::anyhow!("backup.recipient: {e}"));
    }
    let path = config.data_dir.join(settings::RECIPIENT_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => anyhow::bail!(
            "no backup key yet: run `akinai backup init` first (backups are always encrypted; \
             none is written without a key)"
        ),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    text.trim()
        .parse()
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// `akinai backup init`: a new key pair; the recipient into the data directory, the identity to
/// `identity_out` (default `./akinai-backup-identity.txt`), never over an existing file.
pub fn init(config: &Config, identity_out: Option<PathBuf>) -> anyhow::Result<()> {
    use age::secrecy::ExposeSecret;
    crate::files::ensure_data_dir(&config.data_dir)?;
    let recipient_path = config.data_dir.join(settings::RECIPIENT_FILE);
    anyhow::ensure!(
        !recipient_path.exists(),
        "{} exists already: this shop has a backup key. To replace it, move that file away \
         first (backups made so far still need the old identity)",
        recipient_path.display()
    );
    let identity_path = identity_out.unwrap_or_else(|| PathBuf::from("akinai-backup-identity.txt"));
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public();
    let text = format!(
        "# akinai backup identity: opens this shop's backups. Keep it OFF the server.\n\
         # created: {}\n# public key: {public}\n{}\n",
        Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        identity.to_string().expose_secret()
    );
    crate::files::write_private(&identity_path, text.as_bytes())?;
    crate::files::write_private(&recipient_path, format!("{public}\n").as_bytes())?;
    println!("akinai: backup key created");
    println!(
        "  public recipient (stays on the server): {}",
        recipient_path.display()
    );
    println!("  private identity: {}", identity_path.display());
    println!(
        "akinai: copy the identity file OFF this server now (a password manager, a USB key in \
         the safe) and delete it here. Without it no backup can be restored; with it anyone \
         holding a backup can read it. `akinai backup verify` and `restore` ask for it."
    );
    Ok(())
}

/// Takes one backup into `out` (default: the configured directory); records the run.
pub async fn create(config: &Config, out: Option<&Path>) -> anyhow::Result<()> {
    let dir = out.map_or_else(|| config.backup.dir(&config.data_dir), Path::to_path_buf);
    let (path, header, millis) = take(config, &dir).await?;
    println!(
        "akinai: backup written: {} ({} bytes, {} ms)",
        path.display(),
        header.payload_bytes,
        millis
    );
    println!("  {}", counts_line(&header.counts));
    Ok(())
}

/// `products 207, skus 412, …` for the operator.
pub(crate) fn counts_line(counts: &akinai_store::operations::RowCounts) -> String {
    counts
        .named()
        .iter()
        .map(|(n, c)| format!("{n} {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Takes one backup into `dir` and records the run in the store (a failure too); returns the
/// file, its header and the milliseconds it took.
pub async fn take(config: &Config, dir: &Path) -> anyhow::Result<(PathBuf, archive::Header, i64)> {
    let started = Instant::now();
    let at = Utc::now();
    let result = async {
        let recipient = recipient(config)?;
        let staged = stage::stage(config, at).await?;
        let dir = dir.to_path_buf();
        tokio::task::spawn_blocking(move || {
            let written = archive::write(&staged.payload, &recipient, &dir);
            drop(staged);
            written
        })
        .await
        .context("the backup task failed")?
    }
    .await;
    let millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let run = match &result {
        Ok((path, header)) => BackupRun {
            kind: RunKind::Backup,
            at,
            ok: true,
            file: crate::files::name_of(path),
            bytes: i64::try_from(header.payload_bytes).unwrap_or(i64::MAX),
            millis,
            detail: String::new(),
        },
        Err(e) => BackupRun {
            kind: RunKind::Backup,
            at,
            ok: false,
            file: String::new(),
            bytes: 0,
            millis,
            detail: format!("{e:#}"),
        },
    };
    record_run(config, &run).await;
    result.map(|(path, header)| (path, header, millis))
}

/// Records a run in the shop's store, without applying migrations (a backup taken before an
/// upgrade must not upgrade). A store too old to have the record is only logged.
pub(crate) async fn record_run(config: &Config, run: &BackupRun) {
    let recorded = async {
        let store = crate::open_store_as_is(config).await?;
        store.record_backup_run(run).await?;
        anyhow::Ok(())
    }
    .await;
    if let Err(e) = recorded {
        tracing::warn!(error = %format!("{e:#}"), kind = run.kind.as_str(), "backup run not recorded");
    }
}

/// Before `serve` or `migrate` applies new migrations to an existing shop: a backup, unless
/// `backup.before_migrations` is off. Without a backup key it says so and goes on (the upgrade
/// is not held hostage by a missing key); a failing backup stops the upgrade.
pub async fn before_upgrade(config: &Config) -> anyhow::Result<()> {
    if !config.backup.before_migrations {
        return Ok(());
    }
    if config.database_url.is_none() && !config.data_dir.join("akinai.db").is_file() {
        return Ok(());
    }
    let state = crate::schema_state(config).await?;
    if state.is_new() || state.pending() == 0 || state.newer_than_binary().is_some() {
        return Ok(());
    }
    if let Err(e) = recipient(config) {
        println!(
            "akinai: warning: {} new migration(s) to apply and no backup taken first: {e:#}",
            state.pending()
        );
        return Ok(());
    }
    println!(
        "akinai: backing up before applying {} new migration(s)",
        state.pending()
    );
    let (path, _, _) = take(config, &config.backup.dir(&config.data_dir))
        .await
        .context("the backup before the upgrade failed; nothing was migrated")?;
    println!("akinai: backup written: {}", path.display());
    Ok(())
}

/// `akinai backup list`: the backups in `dir` (default: the configured directory), oldest
/// first, read from their headers (no key needed).
pub fn list(config: &Config, dir: Option<&Path>) -> anyhow::Result<()> {
    let dir = dir.map_or_else(|| config.backup.dir(&config.data_dir), Path::to_path_buf);
    let files = backup_files(&dir)?;
    if files.is_empty() {
        println!("no backups in {}", dir.display());
        return Ok(());
    }
    println!(
        "{:<38} {:>12} {:<8} {:>8} {:>9} {:>8}  akinai",
        "file", "bytes", "backend", "orders", "products", "members"
    );
    for file in files {
        match archive::read_header(&file) {
            Ok(h) => println!(
                "{:<38} {:>12} {:<8} {:>8} {:>9} {:>8}  {}",
                crate::files::name_of(&file),
                h.payload_bytes,
                h.backend,
                h.counts.orders,
                h.counts.products,
                h.counts.customers,
                h.akinai_version
            ),
            Err(e) => println!("{:<38} UNREADABLE: {e:#}", crate::files::name_of(&file)),
        }
    }
    Ok(())
}

/// The backup files in `dir`, oldest first (their names sort by time).
pub fn backup_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    for entry in entries {
        let entry = entry?;
        if archive::is_backup_name(&entry.file_name().to_string_lossy()) {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}
