//! Operator commands: around the shop's integrity (IPA-C-14) — approve the theme directory as a
//! recorded theme update, run one integrity check, acknowledge checkout holds, print the
//! manifest of what the binary embeds — and the member policies of the shop settings (IPA-C-10).
//! Each prints what it did in words an operator can act on.

use std::path::Path;

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::config::Config;

/// `akinai theme approve --by NAME`.
pub async fn theme_approve(config: &Config, by: &str) -> anyhow::Result<()> {
    let shop = crate::build_shop(config).await?;
    let (id, files) = shop.integrity().approve_theme(by).await?;
    shop.audit()
        .record(
            &akinai_core::audit::AuditContext::cli(by),
            "theme.approve",
            &format!("theme_manifest:{id}"),
            serde_json::json!({ "files": files }),
        )
        .await?;
    println!("akinai: theme approved as manifest {id} ({files} files) by {by}");
    println!("akinai: running nodes serve it after their next integrity check");
    Ok(())
}

/// `akinai integrity check`: `Ok(true)` when everything matches.
pub async fn integrity_check(config: &Config) -> anyhow::Result<bool> {
    let shop = crate::build_shop(config).await?;
    let report = shop.integrity().check_integrity().await?;
    let holds = shop.integrity().checkout_holds().await?;
    let theme = &report.theme_changes;
    if config.security.theme_dir.is_none() {
        println!("theme: none configured");
    } else if !report.theme_approved {
        println!("theme: not approved yet (run `akinai theme approve --by NAME`)");
    } else if theme.is_empty() {
        println!("theme: matches the approved manifest");
    } else {
        println!("theme: DIFFERS from the approved manifest");
        for (what, names) in [
            ("modified", &theme.modified),
            ("added", &theme.added),
            ("removed", &theme.removed),
        ] {
            for n in names {
                println!("  {what}: {n}");
            }
        }
    }
    if holds.is_empty() {
        println!("checkout: open");
    } else {
        for h in &holds {
            println!("checkout: CLOSED since {} ({})", h.raised_at, h.reason);
        }
    }
    Ok(theme.is_empty() && holds.is_empty())
}

/// `akinai integrity acknowledge --by NAME`.
pub async fn integrity_acknowledge(config: &Config, by: &str) -> anyhow::Result<()> {
    let shop = crate::build_shop(config).await?;
    let n = shop.integrity().acknowledge_checkout_holds(by).await?;
    shop.audit()
        .record(
            &akinai_core::audit::AuditContext::cli(by),
            "integrity.acknowledge",
            "checkout_holds",
            serde_json::json!({ "acknowledged": n }),
        )
        .await?;
    println!("akinai: {n} checkout hold(s) acknowledged by {by}; checkout is open");
    Ok(())
}

/// `akinai integrity manifest`: the executable's and every embedded file's SHA-256.
pub fn integrity_manifest() -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("cannot locate the executable")?;
    println!("{}  {}", sha256_file(&exe)?, exe.display());
    for (name, hash) in akinai_web::manifest::EMBEDDED {
        println!("{hash}  embedded:{name}");
    }
    Ok(())
}

fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

/// The second-factor policy as the command line names it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Policy {
    Optional,
    Required,
    OnRisk,
}

/// `on` or `off`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

/// What `akinai settings set` was given.
pub struct SettingsArgs {
    pub second_factor: Option<Policy>,
    pub guest_checkout: Option<OnOff>,
    pub invoice_number: Option<String>,
}

fn print_settings(s: &akinai_domain::settings::ShopSettings) {
    use akinai_domain::settings::SecondFactorPolicy as P;
    let policy = match s.second_factor {
        P::Optional => "optional (members choose)",
        P::Required => "required (every member sets up an app or a passkey)",
        P::OnRisk => "on-risk (new browser or network: factor, else a mailed code)",
    };
    println!("second factor: {policy}");
    println!(
        "guest checkout: {}",
        if s.guest_checkout { "on" } else { "off" }
    );
    println!(
        "invoice number: {}",
        s.invoice_number
            .as_ref()
            .map_or("none (order statements are not qualified invoices)", |n| n
                .as_str())
    );
}

/// `akinai settings show`.
pub async fn settings_show(config: &Config) -> anyhow::Result<()> {
    let shop = crate::build_shop(config).await?;
    print_settings(&shop.storefront().settings().await?);
    Ok(())
}

/// `akinai settings set [--second-factor P] [--guest-checkout on|off] [--invoice-number T…]
/// --by NAME`.
pub async fn settings_set(config: &Config, args: SettingsArgs, by: &str) -> anyhow::Result<()> {
    use akinai_domain::settings::SecondFactorPolicy as P;
    let invoice_number = args
        .invoice_number
        .map(|n| {
            akinai_domain::invoice::RegistrationNumber::parse(&n).map_err(|_| {
                anyhow::anyhow!("the invoice number must be T and 13 digits, e.g. T1234567890123")
            })
        })
        .transpose()?;
    let change = akinai_core::settings::SettingsChange {
        second_factor: args.second_factor.map(|p| match p {
            Policy::Optional => P::Optional,
            Policy::Required => P::Required,
            Policy::OnRisk => P::OnRisk,
        }),
        guest_checkout: args.guest_checkout.map(|g| matches!(g, OnOff::On)),
        invoice_number,
    };
    let shop = crate::build_shop(config).await?;
    let settings = shop
        .settings()
        .change_settings(change, &akinai_core::audit::AuditContext::cli(by))
        .await?;
    println!("akinai: settings changed by {by}; running nodes apply them within a second");
    print_settings(&settings);
    Ok(())
}

/// `akinai audit verify [--head HASH]`: `Ok(true)` when the chain is intact.
pub async fn audit_verify(config: &Config, head: Option<&str>) -> anyhow::Result<bool> {
    let shop = crate::build_shop(config).await?;
    match shop.audit().verify_audit(head).await? {
        Ok((n, head)) => {
            println!("audit: {n} entries, chain intact; head {head}");
            Ok(true)
        }
        Err(broken) => {
            println!("audit: BROKEN — {broken}");
            Ok(false)
        }
    }
}

/// `akinai audit export [--after SEQ]`: JSON lines on standard output.
pub async fn audit_export(config: &Config, after: i64) -> anyhow::Result<()> {
    let shop = crate::build_shop(config).await?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let n = shop.audit().export_audit(after, &mut out).await?;
    std::io::Write::flush(&mut out)?;
    eprintln!("akinai: {n} audit entries exported");
    Ok(())
}

/// An admin role as the command line names it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Role {
    Owner,
    Manager,
    Staff,
    Viewer,
    /// Reads the audit trail, the self-assessment, security reports and settings; changes nothing.
    Auditor,
}

/// `akinai admin create --email … --name … --role …`: prints the enrolment link.
pub async fn admin_create(
    config: &Config,
    email: &str,
    name: &str,
    role: Role,
    by: &str,
) -> anyhow::Result<()> {
    use akinai_domain::admin::AdminRole;
    let role = match role {
        Role::Owner => AdminRole::Owner,
        Role::Manager => AdminRole::Manager,
        Role::Staff => AdminRole::Staff,
        Role::Viewer => AdminRole::Viewer,
        Role::Auditor => AdminRole::Auditor,
    };
    let shop = crate::build_shop(config).await?;
    let who = akinai_core::audit::AuditContext::cli(by);
    let secret = match shop
        .admin_accounts()
        .create_admin(email, name, role, &who)
        .await
    {
        Ok(s) => s,
        Err(akinai_core::CoreError::InvalidForm(errors)) => {
            let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
            anyhow::bail!("cannot create the admin: check {}", fields.join(", "))
        }
        Err(e) => return Err(e.into()),
    };
    println!("akinai: admin {email} ({}) created", role.as_str());
    println!("akinai: send this one-time enrolment link to them (valid for 24 hours):");
    println!("{}/admin/enrol?t={secret}", config.admin_base_url());
    Ok(())
}

/// `akinai admin unlock --email … --by …`.
pub async fn admin_unlock(config: &Config, email: &str, by: &str) -> anyhow::Result<()> {
    let shop = crate::build_shop(config).await?;
    let who = akinai_core::audit::AuditContext::cli(by);
    match shop.admin_accounts().unlock_admin(email, &who).await {
        Ok(true) => println!("akinai: {email} unlocked by {by}"),
        Ok(false) => println!("akinai: {email} was not locked"),
        Err(akinai_core::CoreError::NotFound) => anyhow::bail!("no admin {email}"),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// `akinai maintenance on --message TEXT --by NAME` / `off`: every node sees it within seconds.
pub async fn maintenance(config: &Config, message: Option<&str>, by: &str) -> anyhow::Result<()> {
    let shop = crate::build_shop(config).await?;
    shop.operations()
        .switch_maintenance(&akinai_core::audit::AuditContext::cli(by), by, message)
        .await?;
    match message {
        Some(_) => println!(
            "akinai: the storefront is CLOSED for maintenance (503 with your message); the admin, \
             /healthz and payment webhooks keep working. Open it with `akinai maintenance off`"
        ),
        None => println!("akinai: the storefront is open"),
    }
    Ok(())
}

/// `akinai maintenance status`.
pub async fn maintenance_status(config: &Config) -> anyhow::Result<()> {
    let shop = crate::build_shop(config).await?;
    match shop.operations().maintenance().await? {
        Some(m) => println!(
            "storefront: CLOSED since {} by {}: {}",
            m.since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            m.by,
            m.message
        ),
        None => println!("storefront: open"),
    }
    Ok(())
}

/// `akinai logs search`: matching lines of the log files, oldest first, each prefixed by its
/// stream; a count on standard error.
pub fn logs_search(config: &Config, query: &crate::logfiles::Query) -> anyhow::Result<()> {
    let dir = config.logs.dir.as_deref().ok_or_else(|| {
        anyhow::anyhow!("no log files: set logs.dir (e.g. /var/lib/akinai/logs) to keep them")
    })?;
    let found = crate::logfiles::search(dir, query)?;
    for (stream, line) in &found {
        println!("{stream}\t{line}");
    }
    eprintln!(
        "akinai: {} matching lines in {}",
        found.len(),
        dir.display()
    );
    Ok(())
}
