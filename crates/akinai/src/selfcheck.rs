//! `akinai selfcheck [--format text|json|html|pdf] [--out FILE]` (issue #22, item 1): the
//! security self-assessment of the shop this configuration describes — the deployment facts read
//! here from the configuration, the rest from the store by `akinai_core::SelfCheck` — printed as
//! text for a person, JSON for a monitoring system (`akinai-selfcheck/1`, docs/selfcheck.md),
//! HTML or PDF to file or print. Exit status 1 when any row fails.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use akinai_domain::selfcheck::{Deployment, Report, Status};

use crate::config::{Config, Mode};

/// How the report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Html,
    Pdf,
}

/// The command's arguments.
#[derive(Debug, clap::Args)]
pub struct SelfcheckArgs {
    /// text (default), json, html or pdf.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write to this file instead of standard output (needed for pdf).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// How the shop is deployed, as its configuration says.
pub fn deployment(config: &Config) -> Deployment {
    let names = |nets: &[akinai_web::proxy::ProxyNet]| nets.iter().map(|n| n.to_string()).collect();
    Deployment {
        production: config.mode == Mode::Production,
        admin_listen: config.admin_listen.to_string(),
        admin_loopback: config.admin_listen.ip().is_loopback(),
        admin_allow: names(&config.admin_allow),
        base_url: config.base_url.clone(),
        tls: config.tls.is_some(),
        trusted_proxies: names(&config.trusted_proxies),
        clamd: config.security.clamd.clone(),
        logs_dir: config.logs.dir.as_ref().map(|d| d.display().to_string()),
        log_retention_days: config.logs.retention_days,
        backup_recipient: config.backup.recipient.is_some(),
        backup_recipient_file: Some(
            config
                .data_dir
                .join(crate::backup::settings::RECIPIENT_FILE)
                .display()
                .to_string(),
        ),
        backup_scheduled: config.backup.scheduled,
        alert_mail_to: config.security.alert_mail_to.len(),
        theme_dir: config
            .security
            .theme_dir
            .as_ref()
            .map(|d| d.display().to_string()),
        watch_executable: config.security.watch_executable,
        login_slow_after: config.accounts.slow_after_failures,
        login_lock_after: config.accounts.lock_after_failures,
    }
}

/// Runs the assessment and writes it; `Ok(false)` when a row failed.
pub async fn run(config: &Config, args: SelfcheckArgs) -> anyhow::Result<bool> {
    if args.format == Format::Pdf && args.out.is_none() {
        anyhow::bail!("--format pdf needs --out FILE");
    }
    let shop = crate::build_shop(config).await?;
    let report = shop.selfcheck().run(deployment(config)).await?;
    let shop_name = shop.storefront().settings().await?.shop_name;
    let bytes = match args.format {
        Format::Text => text(&report).into_bytes(),
        Format::Json => {
            let mut json = serde_json::to_vec_pretty(&report)?;
            json.push(b'\n');
            json
        }
        Format::Html => {
            akinai_web::admin::selfcheck::report_html(&report, &shop_name)?.into_bytes()
        }
        Format::Pdf => akinai_pdf::render_selfcheck(&report, &shop_name)?,
    };
    match &args.out {
        Some(path) => std::fs::write(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    let s = report.summary;
    eprintln!(
        "akinai selfcheck: {} pass, {} fail, {} manual, {} operator",
        s.pass, s.fail, s.manual, s.operator
    );
    Ok(!report.failed())
}

/// The report for a terminal: failures first, then what needs an answer, then the rest.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "セキュリティ自己点検 — {}\n",
        report.headline_ja()
    ));
    for status in [Status::Fail, Status::Manual, Status::Pass, Status::Operator] {
        for r in report.rows.iter().filter(|r| r.status == status) {
            let blocks = if r.blocking {
                "(公開を止める)"
            } else {
                ""
            };
            out.push_str(&format!(
                "\n[{}] {} {}{blocks}\n",
                status.as_str(),
                r.id,
                r.title
            ));
            for e in &r.evidence {
                out.push_str(&format!("    {e}\n"));
            }
            if let Some(q) = &r.question {
                out.push_str(&format!("    質問: {q}\n"));
            }
            if let Some(f) = &r.fix {
                let label = if status == Status::Fail {
                    "対応"
                } else {
                    "手引き"
                };
                out.push_str(&format!("    {label}: {f}\n"));
            }
            for t in &r.tests {
                out.push_str(&format!("    試験: {t}\n"));
            }
        }
    }
    out
}
