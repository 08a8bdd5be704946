//! Backups inside `serve` (operations issue, item 1): one a day at `backup.time_jst` — taken by
//! the one node that gets the day's lease when several serve one database (ADR 040) —, copied to
//! `backup.copy_dir` and handed to `backup.copy_command` for off-site storage, old ones pruned by
//! the retention policy (`akinai_domain::retention`), the newest checked every Sunday, and an
//! alert (log, security events, mail) when a backup, a copy or a check fails or no backup has
//! succeeded for a day and more.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Datelike, Utc, Weekday};
use tokio::sync::watch;

use akinai_core::Shop;
use akinai_domain::retention::{self, Retention};

use super::archive;
use crate::config::Config;

/// The task lease of the daily backup (ADR 040), and how long a node may take for it before
/// another may.
pub const BACKUP_TASK: &str = "backup.daily";
const BACKUP_LEASE: chrono::Duration = chrono::Duration::hours(2);

/// How often the loop looks at the overdue state between backups.
const LOOK_EVERY: Duration = Duration::from_secs(3600);
/// The lease that lets one node raise the day's "no backup" alert.
const OVERDUE_TASK: &str = "backup.overdue-alert";
/// Hours between two "no backup" alerts.
const OVERDUE_ALERT_EVERY_HOURS: i64 = 24;

/// Runs until `stop` turns true.
pub async fn run(config: Config, shop: Shop, mut stop: watch::Receiver<bool>) {
    if !config.backup.scheduled {
        return;
    }
    let (hour, minute) = match config.backup.time_of_day() {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "scheduled backups are off");
            return;
        }
    };
    if let Err(e) = super::recipient(&config) {
        eprintln!("akinai: warning: no scheduled backups yet: {e:#}");
        tracing::warn!(error = %format!("{e:#}"), "no scheduled backups yet");
    }
    let mut next = retention::next_run(Utc::now(), hour, minute);
    let mut last_overdue_alert: Option<DateTime<Utc>> = None;
    loop {
        let now = Utc::now();
        let wait = (next - now)
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(LOOK_EVERY);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let now = Utc::now();
        if now >= next {
            next = retention::next_run(now, hour, minute);
            // One node takes the day's backup (ADR 040); the others find the lease taken.
            let day = now
                .with_timezone(&akinai_core::clock::jst())
                .format("%Y-%m-%d")
                .to_string();
            let jobs = shop.jobs();
            match jobs.take_task(BACKUP_TASK, &day, BACKUP_LEASE).await {
                Ok(true) => {
                    if let Ok(file) = scheduled_backup(&config, &shop).await {
                        if let Err(e) = jobs.finish_task(BACKUP_TASK, &day).await {
                            tracing::error!(error = %e, "could not record the day's backup");
                        }
                        if now.with_timezone(&akinai_core::clock::jst()).weekday() == Weekday::Sun {
                            weekly_check(&config, &shop, &file).await;
                        }
                    }
                }
                Ok(false) => tracing::info!("the day's backup is another node's"),
                Err(e) => tracing::error!(error = %e, "could not take the backup lease"),
            }
        }
        last_overdue_alert = overdue_alert(&config, &shop, last_overdue_alert).await;
    }
}

/// Takes the day's backup, copies it off-site and prunes old ones; every failure is alerted.
pub async fn scheduled_backup(config: &Config, shop: &Shop) -> anyhow::Result<PathBuf> {
    let dir = config.backup.dir(&config.data_dir);
    let (file, header, millis) = match super::take(config, &dir).await {
        Ok(taken) => taken,
        Err(e) => {
            alert(shop, "backup.failed", "バックアップに失敗しました", &e).await;
            return Err(e);
        }
    };
    tracing::info!(file = %file.display(), bytes = header.payload_bytes, millis, "backup written");
    if let Err(e) = deliver(config, &file).await {
        alert(
            shop,
            "backup.copy_failed",
            "バックアップを保管先へ複製できませんでした",
            &e,
        )
        .await;
    }
    match prune(config, &dir) {
        Ok(removed) if !removed.is_empty() => {
            tracing::info!(removed = removed.len(), "old backups pruned");
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %format!("{e:#}"), "cannot prune old backups"),
    }
    Ok(file)
}

/// Copies the file to `backup.copy_dir` and runs `backup.copy_command` with it.
async fn deliver(config: &Config, file: &Path) -> anyhow::Result<()> {
    let name = crate::files::name_of(file);
    if let Some(dir) = &config.backup.copy_dir {
        let (file, dir, name) = (file.to_path_buf(), dir.clone(), name.clone());
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let partial = dir.join(format!(".{name}.partial"));
            std::fs::copy(&file, &partial)
                .with_context(|| format!("cannot copy the backup to {}", dir.display()))?;
            std::fs::File::open(&partial)?.sync_all()?;
            std::fs::rename(&partial, dir.join(&name))?;
            Ok(())
        })
        .await??;
    }
    if let Some((program, args)) = config.backup.copy_command.split_first() {
        let output = tokio::process::Command::new(program)
            .args(args)
            .arg(file)
            .output()
            .await
            .with_context(|| format!("cannot run {program}"))?;
        anyhow::ensure!(
            output.status.success(),
            "{program} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Deletes the backups in `dir` the retention policy does not keep; returns their names.
pub fn prune(config: &Config, dir: &Path) -> anyhow::Result<Vec<String>> {
    let dated: Vec<(PathBuf, DateTime<Utc>)> = super::backup_files(dir)?
        .into_iter()
        .filter_map(|path| {
            let time = time_of(&crate::files::name_of(&path))?;
            Some((path, time))
        })
        .collect();
    let times: Vec<DateTime<Utc>> = dated.iter().map(|(_, t)| *t).collect();
    let kept = retention::keep(
        &times,
        Retention {
            daily: config.backup.keep_daily,
            monthly: config.backup.keep_monthly,
            yearly: config.backup.keep_yearly,
        },
    );
    let mut removed = Vec::new();
    for (path, time) in dated {
        if !kept.contains(&time) {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot delete {}", path.display()))?;
            removed.push(crate::files::name_of(&path));
        }
    }
    Ok(removed)
}

/// The creation time in a backup's file name.
fn time_of(name: &str) -> Option<DateTime<Utc>> {
    let stamp = name
        .strip_prefix(archive::FILE_PREFIX)?
        .strip_suffix(archive::FILE_SUFFIX)?;
    chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|t| t.and_utc())
}

/// Sunday's check of the newest backup: the full restore drill when an identity for drills is
/// configured on this server, otherwise what needs no key (header, checksum, age header).
async fn weekly_check(config: &Config, shop: &Shop, file: &Path) {
    let checked = match &config.backup.drill_identity {
        Some(identity) => super::verify(config, file, identity).await,
        None => {
            let file = file.to_path_buf();
            tokio::task::spawn_blocking(move || archive::check_sealed(&file).map(|_| ()))
                .await
                .map_err(anyhow::Error::from)
                .and_then(|r| r)
        }
    };
    if let Err(e) = checked {
        alert(
            shop,
            "backup.verify_failed",
            "バックアップの点検で問題が見つかりました",
            &e,
        )
        .await;
    }
}

/// Alerts when backups are set up but none has succeeded for a day and more (at most once a day).
pub async fn overdue_alert(
    config: &Config,
    shop: &Shop,
    last: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    if super::recipient(config).is_err() {
        return last;
    }
    let now = Utc::now();
    if last.is_some_and(|t| now - t < chrono::Duration::hours(OVERDUE_ALERT_EVERY_HOURS)) {
        return last;
    }
    match shop.operations().backup_status().await {
        Ok(status) if status.overdue => {
            // Once a day across all the nodes that work (ADR 040): the one that takes the day's
            // lease alerts, the others remember that it was done.
            let day = now
                .with_timezone(&akinai_core::clock::jst())
                .format("%Y-%m-%d")
                .to_string();
            let jobs = shop.jobs();
            match jobs
                .take_task(
                    OVERDUE_TASK,
                    &day,
                    chrono::Duration::hours(OVERDUE_ALERT_EVERY_HOURS),
                )
                .await
            {
                Ok(true) => {}
                Ok(false) => return Some(now),
                Err(e) => {
                    tracing::error!(error = %e, "could not take the overdue alert's lease");
                    return last;
                }
            }
            let e = anyhow::anyhow!(
                "no backup has succeeded for {} hours",
                akinai_core::operations::BACKUP_OVERDUE_HOURS
            );
            alert(
                shop,
                "backup.overdue",
                "1 日以上、バックアップが成功していません",
                &e,
            )
            .await;
            if let Err(e) = jobs.finish_task(OVERDUE_TASK, &day).await {
                tracing::error!(error = %e, "could not record the overdue alert");
            }
            Some(now)
        }
        Ok(_) => last,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the backup runs");
            last
        }
    }
}

async fn alert(shop: &Shop, kind: &str, summary: &str, error: &anyhow::Error) {
    let detail = serde_json::json!({ "error": format!("{error:#}") });
    if let Err(e) = shop.alerts().raise_alert(kind, summary, None, detail).await {
        tracing::error!(error = %e, kind, "cannot raise the backup alert");
    }
}

#[cfg(test)]
mod tests {
    use super::time_of;

    #[test]
    fn backup_names_carry_their_time() {
        let t = time_of("akinai-backup-20261203T033000Z.tar").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-03T03:30:00+00:00");
        assert_eq!(time_of("akinai-backup-garbage.tar"), None);
        assert_eq!(time_of("notes.txt"), None);
    }
}
