//! `akinai report security --month YYYY-MM [--format pdf|html] [--out FILE]` (issue #22, item 4):
//! the monthly security report for the security meeting, from the live shop, as a PDF or a
//! standalone HTML file. The sign-off is recorded in the admin page 「セキュリティ月次報告」.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use akinai_domain::security_report::Month;

use crate::config::Config;

/// `akinai report …`.
#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// The monthly security report (セキュリティ月次報告).
    Security(SecurityArgs),
}

/// How the report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Pdf,
    Html,
}

#[derive(Debug, clap::Args)]
pub struct SecurityArgs {
    /// The month, `YYYY-MM` (Japan time); default: the month just ended.
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,
    /// pdf (default) or html.
    #[arg(long, value_enum, default_value_t = Format::Pdf)]
    pub format: Format,
    /// Write to this file; default: `security-report-YYYY-MM.pdf|html` in the current folder.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub async fn run(config: &Config, command: ReportCommand) -> anyhow::Result<()> {
    let ReportCommand::Security(args) = command;
    let shop = crate::build_shop(config).await?;
    let reports = shop.security_reports();
    let month = match &args.month {
        Some(m) => Month::parse(m)
            .with_context(|| format!("--month {m}: write the month as YYYY-MM, e.g. 2026-11"))?,
        None => reports.last_month(),
    };
    let report = reports
        .build(month, crate::selfcheck::deployment(config))
        .await?;
    let (bytes, ext) = match args.format {
        Format::Pdf => (reports.pdf(&report)?, "pdf"),
        Format::Html => (
            akinai_web::admin::security_report::report_html(&report)?.into_bytes(),
            "html",
        ),
    };
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from(format!("security-report-{}.{ext}", month.as_str())));
    let mut file =
        std::fs::File::create(&out).with_context(|| format!("cannot write {}", out.display()))?;
    file.write_all(&bytes)?;
    println!(
        "security report {}: {} ({} bytes)",
        month.as_str(),
        out.display(),
        bytes.len()
    );
    Ok(())
}
