//! Operator commands around the shop's integrity (IPA-C-14): approve the theme directory as a
//! recorded theme update, run one integrity check, acknowledge checkout holds, and print the
//! manifest of what the binary embeds. Each prints what it did in words an operator can act on.

use std::path::Path;

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::config::Config;

/// `akinai theme approve --by NAME`.
pub async fn theme_approve(config: &Config, by: &str) -> anyhow::Result<()> {
    let shop = crate::build_shop(config).await?;
    let (id, files) = shop.approve_theme(by).await?;
    println!("akinai: theme approved as manifest {id} ({files} files) by {by}");
    println!("akinai: running nodes serve it after their next integrity check");
    Ok(())
}

/// `akinai integrity check`: `Ok(true)` when everything matches.
pub async fn integrity_check(config: &Config) -> anyhow::Result<bool> {
    let shop = crate::build_shop(config).await?;
    let report = shop.check_integrity().await?;
    let holds = shop.checkout_holds().await?;
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
    let n = shop.acknowledge_checkout_holds(by).await?;
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
