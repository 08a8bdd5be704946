//! The `[backup]` section of the configuration: where backups go, whom they are encrypted to,
//! when `serve` takes them, how many it keeps and where it copies them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The name of the recipient file `akinai backup init` writes into the data directory.
pub const RECIPIENT_FILE: &str = "backup-recipient.txt";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupSection {
    /// Where backup files are written; unset: `<data_dir>/backups`.
    pub dir: Option<PathBuf>,
    /// The age recipient (`age1…`) backups are encrypted to; unset: the one `akinai backup
    /// init` wrote to `<data_dir>/backup-recipient.txt`.
    pub recipient: Option<String>,
    /// Take a backup every day inside `serve` (once a recipient exists).
    pub scheduled: bool,
    /// Time of day of the daily backup, Japan time, `HH:MM`.
    pub time_jst: String,
    /// Daily backups kept (the newest of each day).
    pub keep_daily: u32,
    /// Monthly backups kept (the newest of each month).
    pub keep_monthly: u32,
    /// Yearly backups kept (the newest of each year).
    pub keep_yearly: u32,
    /// A directory each new backup is copied to (a disk mounted from elsewhere).
    pub copy_dir: Option<PathBuf>,
    /// A program run with the new backup file as its last argument (e.g. an object-store
    /// CLI the operator installed): `["rclone", "copy", "--"]`. No shell is involved.
    pub copy_command: Vec<String>,
    /// `serve` and `migrate` take a backup before applying new migrations.
    pub before_migrations: bool,
    /// An identity that opens this shop's backups, for a full restore drill every Sunday on this
    /// server. Unset (recommended): the key stays off the server and Sunday's check covers what
    /// needs no key (header, checksum).
    pub drill_identity: Option<PathBuf>,
}

impl Default for BackupSection {
    fn default() -> BackupSection {
        BackupSection {
            dir: None,
            recipient: None,
            scheduled: true,
            time_jst: "03:30".into(),
            keep_daily: 14,
            keep_monthly: 12,
            keep_yearly: 5,
            copy_dir: None,
            copy_command: Vec::new(),
            before_migrations: true,
            drill_identity: None,
        }
    }
}

impl BackupSection {
    /// The directory backups are written to.
    pub fn dir(&self, data_dir: &Path) -> PathBuf {
        self.dir.clone().unwrap_or_else(|| data_dir.join("backups"))
    }

    /// The configured time of day as (hour, minute).
    pub fn time_of_day(&self) -> anyhow::Result<(u32, u32)> {
        let parsed = self
            .time_jst
            .split_once(':')
            .and_then(|(h, m)| Some((h.parse::<u32>().ok()?, m.parse::<u32>().ok()?)))
            .filter(|(h, m)| *h < 24 && *m < 60);
        parsed.ok_or_else(|| {
            anyhow::anyhow!(
                "backup.time_jst must be HH:MM (e.g. \"03:30\"), not {:?}",
                self.time_jst
            )
        })
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        self.time_of_day()?;
        anyhow::ensure!(self.keep_daily >= 1, "backup.keep_daily must be at least 1");
        if let Some(r) = &self.recipient {
            anyhow::ensure!(
                r.parse::<age::x25519::Recipient>().is_ok(),
                "backup.recipient must be an age recipient (age1…)"
            );
        }
        Ok(())
    }
}
