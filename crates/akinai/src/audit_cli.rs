//! `akinai audit verify | export | bundle` (the audit trail from the command line). `bundle`
//! (issue #22, item 6) writes what an external auditor asks for into a new folder — the audit
//! trail as JSON lines with its verified chain head, the self-assessment as JSON, the last twelve
//! monthly security reports, the history of settings changes — with a manifest of every file's
//! SHA-256; the manifest's own digest is then recorded in the audit trail (`audit.bundle`), so a
//! changed file shows against the manifest and a changed manifest against the hash chain.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde_json::json;
use sha2::{Digest, Sha256};

use akinai_core::audit::AuditContext;

use crate::config::Config;

/// The audit trail's commands.
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; exit 1 when an entry was edited, removed or inserted.
    Verify {
        /// The head hash recorded earlier (from the log or an export): a cut-off tail fails too.
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
    },
    /// Write the entries as JSON lines to standard output.
    Export {
        /// Only entries after this sequence number.
        #[arg(long, value_name = "SEQ", default_value_t = 0)]
        after: i64,
    },
    /// Write the bundle for an external auditor into a new folder.
    Bundle {
        /// The folder to create (it must not exist yet).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Who makes the bundle (recorded in the audit trail).
        #[arg(long, value_name = "NAME")]
        by: String,
    },
}

/// Runs an audit command.
pub async fn run(config: &Config, command: AuditCommand) -> anyhow::Result<ExitCode> {
    let ok = match command {
        AuditCommand::Verify { head } => crate::ops::audit_verify(config, head.as_deref()).await?,
        AuditCommand::Export { after } => {
            crate::ops::audit_export(config, after).await?;
            true
        }
        AuditCommand::Bundle { out, by } => bundle(config, &out, &by).await?,
    };
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The files written so far, with their digests.
struct Files {
    dir: PathBuf,
    listed: Vec<serde_json::Value>,
}

impl Files {
    fn write(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        self.listed.push(json!({
            "name": name,
            "bytes": bytes.len(),
            "sha256": hex::encode(Sha256::digest(bytes)),
        }));
        Ok(())
    }
}

/// Writes the bundle; false when the audit chain does not verify (the bundle is still written,
/// saying so, for the auditor to see).
async fn bundle(config: &Config, out: &Path, by: &str) -> anyhow::Result<bool> {
    anyhow::ensure!(
        !out.exists(),
        "{} exists already: give a new folder",
        out.display()
    );
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let shop = crate::build_shop(config).await?;
    let mut files = Files {
        dir: out.to_path_buf(),
        listed: Vec::new(),
    };

    let mut trail = Vec::new();
    let entries = shop.audit().export_audit(0, &mut trail).await?;
    files.write("audit.jsonl", &trail)?;
    let chain = match shop.audit().verify_audit(None).await? {
        Ok((n, head)) => json!({ "intact": true, "entries": n, "head": head }),
        Err(broken) => json!({ "intact": false, "entries": entries, "broken": broken.to_string() }),
    };

    let deployment = crate::selfcheck::deployment(config);
    let selfcheck = shop.selfcheck().run(deployment.clone()).await?;
    files.write("selfcheck.json", &serde_json::to_vec_pretty(&selfcheck)?)?;

    let reports = shop.security_reports();
    let mut month = reports.last_month();
    for _ in 0..12 {
        let report = reports.build(month, deployment.clone()).await?;
        let html = akinai_web::admin::security_report::report_html(&report)?;
        files.write(
            &format!("reports/security-report-{}.html", month.as_str()),
            html.as_bytes(),
        )?;
        month = month.previous();
    }

    let mut settings = Vec::new();
    for entry in shop.audit().entries_of("settings.change").await? {
        serde_json::to_writer(
            &mut settings,
            &json!({
                "seq": entry.seq,
                "at": entry.record.at.to_rfc3339(),
                "actor": entry.record.actor,
                "detail": serde_json::from_str::<serde_json::Value>(&entry.record.detail)
                    .unwrap_or(serde_json::Value::Null),
                "hash": entry.hash,
            }),
        )?;
        settings.push(b'\n');
    }
    files.write("settings-history.jsonl", &settings)?;

    let intact = chain["intact"] == true;
    let manifest = json!({
        "bundle": "akinai-audit-bundle/1",
        "akinai": akinai_core::selfcheck::VERSION,
        "made_by": by,
        "chain": chain,
        "files": files.listed,
    });
    let manifest = serde_json::to_vec_pretty(&manifest)?;
    std::fs::write(out.join("MANIFEST.json"), &manifest)?;
    let digest = hex::encode(Sha256::digest(&manifest));
    let recorded = shop
        .audit()
        .record(
            &AuditContext::cli(by),
            "audit.bundle",
            &format!("bundle:{}", out.display()),
            json!({ "manifest_sha256": digest }),
        )
        .await?;
    println!(
        "audit bundle: {} ({} audit entries, chain {}); MANIFEST.json sha256 {digest}, recorded as audit entry {}",
        out.display(),
        entries,
        if intact { "intact" } else { "BROKEN" },
        recorded.seq
    );
    Ok(intact)
}
