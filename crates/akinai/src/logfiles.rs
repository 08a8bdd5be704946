//! Log files kept a year (operations issue, item 3; IPA-C-12): JSON lines in three streams —
//! `app` (everything else), `access` (one line per request) and `security` (alerts, sign-in
//! defence) — each written to `<logs.dir>/<stream>-YYYY-MM-DD.jsonl` for the Japan day, so files
//! rotate themselves at midnight JST. A daily tidy compresses the days before today (`.jsonl.gz`)
//! and deletes what is older than `logs.retention_days` (400 by default: a year and a margin).
//! `akinai logs search` reads them back, compressed or not. Every line passed the card-number
//! scrubbing before it was written ([`crate::logging::Scrubbing`]).

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The `[logs]` section of the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogsSection {
    /// `json` (JSON lines) or `text`; unset: JSON in production, text in development.
    pub format: Option<LogFormat>,
    /// Also write log files here (e.g. `/var/lib/akinai/logs`); unset: standard output only.
    pub dir: Option<PathBuf>,
    /// Days log files are kept.
    pub retention_days: u32,
}

/// Fewest days log files may be kept (IPA-C-12: a year of logs).
pub const MIN_RETENTION_DAYS: u32 = 365;

impl LogsSection {
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.retention_days >= MIN_RETENTION_DAYS,
            "logs.retention_days must be at least {MIN_RETENTION_DAYS} (logs are kept a year, IPA-C-12)"
        );
        Ok(())
    }
}

impl Default for LogsSection {
    fn default() -> LogsSection {
        LogsSection {
            format: None,
            dir: None,
            retention_days: 400,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Json,
    Text,
}

/// The streams and which events go to each.
pub const STREAMS: [&str; 3] = ["app", "access", "security"];

/// The stream an event of `target` belongs to.
pub fn stream_of(target: &str) -> &'static str {
    if target == "akinai::access" {
        "access"
    } else if target.starts_with("akinai::alert") || target.starts_with("akinai::security") {
        "security"
    } else {
        "app"
    }
}

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&akinai_core::clock::jst())
        .date_naive()
}

fn file_name(stream: &str, day: NaiveDate) -> String {
    format!("{stream}-{}.jsonl", day.format("%Y-%m-%d"))
}

/// The day and stream in a log file's name (`access-2026-12-03.jsonl[.gz]`).
fn parse_name(name: &str) -> Option<(&str, NaiveDate, bool)> {
    let (base, gz) = match name.strip_suffix(".gz") {
        Some(b) => (b, true),
        None => (name, false),
    };
    let base = base.strip_suffix(".jsonl")?;
    let (stream, day) = base.split_at(base.len().checked_sub(10)?);
    let stream = stream.strip_suffix('-')?;
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    STREAMS.contains(&stream).then_some((stream, day, gz))
}

struct Open {
    day: NaiveDate,
    file: File,
}

/// One stream's file for the current Japan day, reopened when the day changes.
pub struct DailyFile {
    dir: PathBuf,
    stream: &'static str,
    open: Mutex<Option<Open>>,
}

impl DailyFile {
    pub fn new(dir: &Path, stream: &'static str) -> DailyFile {
        DailyFile {
            dir: dir.to_path_buf(),
            stream,
            open: Mutex::default(),
        }
    }
}

/// Lines gathered at the turn of the day (ADR 053) go to the file of the day they are written.
impl crate::logbatch::LineSink for DailyFile {
    fn write_lines(&self, lines: &[u8]) -> std::io::Result<()> {
        let mut slot = self
            .open
            .lock()
            .map_err(|_| std::io::Error::other("log file lock poisoned"))?;
        let day = today();
        if slot.as_ref().is_none_or(|o| o.day != day) {
            let mut options = std::fs::OpenOptions::new();
            options.create(true).append(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let file = options.open(self.dir.join(file_name(self.stream, day)))?;
            *slot = Some(Open { day, file });
        }
        match slot.as_mut() {
            Some(o) => o.file.write_all(lines),
            None => Ok(()),
        }
    }
}

/// Compresses the files of days before `today` and deletes those older than `keep_days`;
/// returns (compressed, deleted).
pub fn tidy(dir: &Path, today: NaiveDate, keep_days: u32) -> anyhow::Result<(usize, usize)> {
    let oldest = today - chrono::Duration::days(i64::from(keep_days));
    let (mut compressed, mut deleted) = (0, 0);
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        let name = crate::files::name_of(&path);
        let Some((_, day, gz)) = parse_name(&name) else {
            continue;
        };
        if day < oldest {
            std::fs::remove_file(&path)?;
            deleted += 1;
        } else if day < today && !gz {
            let target = path.with_file_name(format!("{name}.gz"));
            let partial = path.with_file_name(format!(".{name}.gz.partial"));
            let mut encoder = flate2::write::GzEncoder::new(
                crate::files::create_private(&partial)?,
                flate2::Compression::default(),
            );
            std::io::copy(&mut File::open(&path)?, &mut encoder)?;
            encoder.finish()?.sync_all()?;
            std::fs::rename(&partial, &target)?;
            std::fs::remove_file(&path)?;
            compressed += 1;
        }
    }
    Ok((compressed, deleted))
}

/// Runs [`tidy`] now and every hour until `stop`.
pub async fn keep_tidy(dir: PathBuf, keep_days: u32, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        let d = dir.clone();
        match tokio::task::spawn_blocking(move || tidy(&d, today(), keep_days)).await {
            Ok(Ok((c, d))) if c + d > 0 => {
                tracing::info!(compressed = c, deleted = d, "log files tidied");
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "cannot tidy log files"),
            Err(e) => tracing::error!(error = %e, "log tidy task failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(3600)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// What `akinai logs search` looks for; every given condition must hold.
#[derive(Debug, Default)]
pub struct Query {
    /// Japan days, inclusive.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    /// An order number (`AK00000042`) or any other text the line must contain.
    pub text: Option<String>,
    pub stream: Option<String>,
}

impl Query {
    fn matches_line(&self, line: &str) -> bool {
        let json: Option<serde_json::Value> = serde_json::from_str(line).ok();
        let field = |name: &str| -> Option<String> {
            let v = json.as_ref()?;
            let found = v
                .get("fields")
                .and_then(|f| f.get(name))
                .or_else(|| v.get("span").and_then(|s| s.get(name)))
                .or_else(|| v.get("spans")?.as_array()?.iter().find_map(|s| s.get(name)))?;
            Some(
                found
                    .as_str()
                    .map_or_else(|| found.to_string(), str::to_string),
            )
        };
        let wanted = |want: &Option<String>, name: &str| {
            want.as_ref()
                .is_none_or(|w| field(name).as_deref() == Some(w.as_str()))
        };
        wanted(&self.request_id, "request_id")
            && wanted(&self.ip, "ip")
            && self.text.as_ref().is_none_or(|t| line.contains(t.as_str()))
    }
}

/// The matching lines of the files in `dir`, oldest day first; each with its stream.
pub fn search(dir: &Path, query: &Query) -> anyhow::Result<Vec<(String, String)>> {
    let mut files: Vec<(NaiveDate, String, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        let name = crate::files::name_of(&path);
        let Some((stream, day, _)) = parse_name(&name) else {
            continue;
        };
        let in_range = query.from.is_none_or(|f| day >= f) && query.to.is_none_or(|t| day <= t);
        let in_stream = query.stream.as_deref().is_none_or(|s| s == stream);
        if in_range && in_stream {
            files.push((day, stream.to_string(), path));
        }
    }
    files.sort();
    let mut found = Vec::new();
    for (_, stream, path) in files {
        let file = File::open(&path)?;
        let reader: Box<dyn BufRead> = if path.extension().is_some_and(|e| e == "gz") {
            Box::new(BufReader::new(flate2::read::GzDecoder::new(file)))
        } else {
            Box::new(BufReader::new(file))
        };
        for line in reader.lines() {
            let line = line?;
            if query.matches_line(&line) {
                found.push((stream.clone(), line));
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_stream_and_day() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(
            parse_name("access-2026-12-03.jsonl"),
            Some(("access", day, false))
        );
        assert_eq!(
            parse_name("security-2026-12-03.jsonl.gz"),
            Some(("security", day, true))
        );
        assert_eq!(parse_name("notes-2026-12-03.jsonl"), None);
        assert_eq!(parse_name("app.log"), None);
        assert_eq!(stream_of("akinai::access"), "access");
        assert_eq!(stream_of("akinai::alert"), "security");
        assert_eq!(stream_of("akinai_core::worker"), "app");
    }

    #[test]
    fn ipa_c_12_old_days_are_compressed_then_deleted_and_still_searched() {
        let dir = tempfile::tempdir().unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let line = |id: &str| {
            format!("{{\"fields\":{{\"request_id\":\"{id}\",\"ip\":\"192.0.2.1\",\"message\":\"access\"}}}}\n")
        };
        for (days_ago, id) in [(0, "aa"), (1, "bb"), (401, "cc")] {
            let day = today - chrono::Duration::days(days_ago);
            std::fs::write(dir.path().join(file_name("access", day)), line(id)).unwrap();
        }
        std::fs::write(dir.path().join("unrelated.txt"), "x").unwrap();
        assert_eq!(tidy(dir.path(), today, 400).unwrap(), (1, 1));
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![
                "access-2026-12-02.jsonl.gz".to_string(),
                "access-2026-12-03.jsonl".to_string(),
                "unrelated.txt".to_string()
            ]
        );
        let q = |id: &str| Query {
            request_id: Some(id.into()),
            ..Query::default()
        };
        assert_eq!(
            search(dir.path(), &q("bb")).unwrap().len(),
            1,
            "found in the .gz"
        );
        assert_eq!(search(dir.path(), &q("aa")).unwrap().len(), 1);
        assert!(search(dir.path(), &q("cc")).unwrap().is_empty(), "deleted");
        let by_ip = Query {
            ip: Some("192.0.2.1".into()),
            from: Some(today),
            ..Query::default()
        };
        assert_eq!(search(dir.path(), &by_ip).unwrap().len(), 1, "today only");
    }
}
