//! `akinai-audit`: checks every crates.io package in `Cargo.lock` against a local snapshot of the
//! RustSec advisory database (IPA-C-2), without network access.
//!
//! ```text
//! cargo run -p akinai-audit -- [--db ../shared/advisory-db] [--lock Cargo.lock] [--record FILE]
//! ```
//!
//! `--record docs/requirements/dependency-audit.toml` writes the result (snapshot, date, counts,
//! the SHA-256 of the `Cargo.lock` audited); akinai embeds that file and the self-assessment shows
//! it beside the running version (IPA-C-2, IPA-O-1). A test fails when `Cargo.lock` changes and
//! the record is not written again.
//!
//! A package is affected when an advisory names it, is not withdrawn, and its version matches
//! neither a `patched` nor an `unaffected` requirement. Vulnerabilities in packages that are built
//! into the binary (`cargo tree -e normal,build`) fail the run (exit 1); findings in packages that
//! only appear in `Cargo.lock` (optional dependencies of dependencies that no enabled feature
//! builds, such as sqlx's MySQL driver) and informational advisories (unmaintained, unsound) are
//! listed as notes. The output names the snapshot so a release record can cite it. `cargo` is run
//! with an argument vector, never through a shell.
#![forbid(unsafe_code)]

mod policy;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use semver::{Version, VersionReq};
use serde::Deserialize;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
    source: Option<String>,
}

#[derive(Deserialize)]
struct Advisory {
    advisory: Meta,
    #[serde(default)]
    versions: Versions,
}

#[derive(Deserialize)]
struct Meta {
    id: String,
    #[serde(default)]
    informational: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

#[derive(Deserialize, Default)]
struct Versions {
    #[serde(default)]
    patched: Vec<String>,
    #[serde(default)]
    unaffected: Vec<String>,
}

/// The TOML front matter of an advisory file (between the ```toml fences).
fn front_matter(text: &str) -> Option<&str> {
    let start = text.find("```toml")? + "```toml".len();
    let end = text[start..].find("```")? + start;
    Some(&text[start..end])
}

/// The first Markdown heading, as the advisory's title.
fn heading(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("# "))
        .unwrap_or("")
        .trim()
        .to_string()
}

fn matches_any(version: &Version, reqs: &[String]) -> anyhow::Result<bool> {
    for r in reqs {
        let req = VersionReq::parse(r).with_context(|| format!("bad requirement {r}"))?;
        if req.matches(version) {
            return Ok(true);
        }
    }
    Ok(false)
}

struct Finding {
    id: String,
    package: String,
    version: String,
    title: String,
    informational: Option<String>,
}

fn audit(db: &Path, lock: &Path) -> anyhow::Result<(usize, Vec<Finding>)> {
    let lock: Lock = toml::from_str(
        &std::fs::read_to_string(lock)
            .with_context(|| format!("cannot read {}", lock.display()))?,
    )?;
    let mut findings = Vec::new();
    let mut checked = 0;
    for p in lock.package.iter().filter(|p| {
        p.source
            .as_deref()
            .is_some_and(|s| s.starts_with("registry+"))
    }) {
        checked += 1;
        let dir = db.join("crates").join(&p.name);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let version =
            Version::parse(&p.version).with_context(|| format!("{} {}", p.name, p.version))?;
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_none_or(|e| e != "md") {
                continue;
            }
            let text = std::fs::read_to_string(&path)?;
            let Some(toml_text) = front_matter(&text) else {
                continue;
            };
            let adv: Advisory = toml::from_str(toml_text)
                .with_context(|| format!("cannot parse {}", path.display()))?;
            if adv.advisory.withdrawn.is_some() {
                continue;
            }
            if matches_any(&version, &adv.versions.patched)?
                || matches_any(&version, &adv.versions.unaffected)?
            {
                continue;
            }
            findings.push(Finding {
                id: adv.advisory.id,
                package: p.name.clone(),
                version: p.version.clone(),
                title: adv.advisory.title.unwrap_or_else(|| heading(&text)),
                informational: adv.advisory.informational,
            });
        }
    }
    Ok((checked, findings))
}

/// A package built into the workspace's binaries on this platform.
struct Built {
    name: String,
    version: String,
    licence: String,
    local: bool,
}

/// Every package built into the workspace's binaries (normal and build dependencies).
fn built_packages() -> anyhow::Result<Vec<Built>> {
    let out = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "tree",
            "--workspace",
            "-e",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}|{l}",
        ])
        .output()
        .context("cannot run cargo tree")?;
    anyhow::ensure!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut built: Vec<Built> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (package, licence) = l.trim_end_matches(" (*)").split_once('|')?;
            let mut parts = package.split_whitespace();
            let name = parts.next()?.to_string();
            let version = parts.next()?.strip_prefix('v')?.to_string();
            let local = package.contains(" (/");
            Some(Built {
                name,
                version,
                licence: licence.trim().to_string(),
                local,
            })
        })
        .collect();
    built.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    built.dedup_by(|a, b| a.name == b.name && a.version == b.version);
    Ok(built)
}

/// Licence, source and ban violations among the built packages and the lock file.
fn policy_violations(built: &[Built], lock: &Path) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for b in built.iter().filter(|b| !b.local) {
        if !policy::licence_allowed(&b.licence) {
            out.push(format!(
                "licence not allowed: {} {} ({})",
                b.name, b.version, b.licence
            ));
        }
        if policy::BANNED.contains(&b.name.as_str()) {
            out.push(format!("banned crate built: {} {}", b.name, b.version));
        }
    }
    let lock: Lock = toml::from_str(&std::fs::read_to_string(lock)?)?;
    for p in &lock.package {
        if let Some(source) = &p.source {
            if source != policy::CRATES_IO {
                out.push(format!(
                    "package from an unapproved source: {} {} ({source})",
                    p.name, p.version
                ));
            }
        }
    }
    Ok(out)
}

fn main() -> ExitCode {
    let mut db = PathBuf::from("../shared/advisory-db");
    let mut lock = PathBuf::from("Cargo.lock");
    let mut record = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--db", Some(v)) => db = PathBuf::from(v),
            ("--lock", Some(v)) => lock = PathBuf::from(v),
            ("--record", Some(v)) => record = Some(PathBuf::from(v)),
            _ => {
                eprintln!("usage: akinai-audit [--db DIR] [--lock Cargo.lock] [--record FILE]");
                return ExitCode::from(2);
            }
        }
    }
    let snapshot =
        std::fs::read_to_string(db.join("SNAPSHOT")).unwrap_or_else(|_| "unknown snapshot".into());
    let built = match built_packages() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("akinai-audit: {e:#}");
            return ExitCode::from(2);
        }
    };
    match audit(&db, &lock) {
        Ok((checked, findings)) => {
            println!("advisory database: {}", snapshot.trim());
            let (findings, unbuilt): (Vec<_>, Vec<_>) = findings.into_iter().partition(|f| {
                built
                    .iter()
                    .any(|b| b.name == f.package && b.version == f.version)
            });
            let (vulns, infos): (Vec<_>, Vec<_>) = findings
                .into_iter()
                .partition(|f| f.informational.is_none());
            for f in &unbuilt {
                println!(
                    "note: {} {} {} is in Cargo.lock but not built: {}",
                    f.id, f.package, f.version, f.title
                );
            }
            for f in &infos {
                println!(
                    "warning: {} {} {} ({}): {}",
                    f.id,
                    f.package,
                    f.version,
                    f.informational.as_deref().unwrap_or(""),
                    f.title
                );
            }
            for f in &vulns {
                println!(
                    "VULNERABLE: {} {} {}: {}",
                    f.id, f.package, f.version, f.title
                );
            }
            println!(
                "{checked} packages checked ({} built), {} vulnerable, {} informational, {} only in Cargo.lock",
                built.len(),
                vulns.len(),
                infos.len(),
                unbuilt.len()
            );
            let violations = match policy_violations(&built, &lock) {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("akinai-audit: {e:#}");
                    return ExitCode::from(2);
                }
            };
            for v in &violations {
                println!("POLICY: {v}");
            }
            if let Some(path) = &record {
                if let Err(e) = write_record(path, &lock, snapshot.trim(), checked, vulns.len()) {
                    eprintln!("akinai-audit: {e:#}");
                    return ExitCode::from(2);
                }
                println!("recorded in {}", path.display());
            }
            println!(
                "policy: {} violations (licences, sources, bans)",
                violations.len()
            );
            if vulns.is_empty() && violations.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("akinai-audit: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Writes the audit's result for the binary to embed.
fn write_record(
    path: &Path,
    lock: &Path,
    snapshot: &str,
    checked: usize,
    vulnerable: usize,
) -> anyhow::Result<()> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(lock).with_context(|| format!("cannot read {}", lock.display()))?;
    let text = format!(
        "# Written by `cargo run -p akinai-audit -- --record {}`; embedded in akinai and shown by\n\
         # the self-assessment (IPA-C-2, IPA-O-1). Write it again whenever Cargo.lock changes.\n\
         snapshot = {snapshot:?}\n\
         audited_on = \"{}\"\n\
         lock_sha256 = \"{}\"\n\
         packages = {checked}\n\
         vulnerable = {vulnerable}\n",
        path.display(),
        chrono::Utc::now().format("%Y-%m-%d"),
        hex::encode(Sha256::digest(&bytes)),
    );
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unpatched_version_is_found_and_a_patched_one_is_not() {
        let dir = std::env::temp_dir().join(format!("akinai-audit-test-{}", std::process::id()));
        let crate_dir = dir.join("crates").join("demo");
        std::fs::create_dir_all(&crate_dir).unwrap();
        std::fs::write(
            crate_dir.join("RUSTSEC-2099-0001.md"),
            "```toml\n[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"demo\"\n\n[versions]\npatched = [\">= 1.2.0\"]\nunaffected = [\"< 1.0.0\"]\n```\n\n# Demo flaw\n",
        )
        .unwrap();
        let lock = dir.join("Cargo.lock");
        let entry = |v: &str| {
            format!("[[package]]\nname = \"demo\"\nversion = \"{v}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n")
        };
        for (version, affected) in [("1.1.9", true), ("1.2.0", false), ("0.9.0", false)] {
            std::fs::write(&lock, format!("version = 4\n\n{}", entry(version))).unwrap();
            let (checked, findings) = audit(&dir, &lock).unwrap();
            assert_eq!(checked, 1);
            assert_eq!(findings.len(), usize::from(affected), "{version}");
            if affected {
                assert_eq!(findings[0].title, "Demo flaw");
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
