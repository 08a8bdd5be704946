//! `akinai selfcheck` (issue #22, item 1) on real shops — fresh, then broken in different ways —
//! and the requirement → test map it prints (item 2): every catalogue ID is in it, every test it
//! names exists, docs/security.md names no requirement the map lacks. Also the two built-in
//! properties proven by reading the source: no shell is started (SWS-2) and every crate forbids
//! `unsafe` (SWS-10).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_akinai");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A shop in a fresh data directory, run with extra environment settings.
struct Shop {
    _dir: tempfile::TempDir,
    data: PathBuf,
    env: Vec<(String, String)>,
}

impl Shop {
    fn new() -> Shop {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        Shop {
            _dir: dir,
            data,
            env: vec![("AKINAI__LOG".into(), "error".into())],
        }
    }

    fn set(&mut self, key: &str, value: &str) {
        self.env.push((key.into(), value.into()));
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .args(["--data-dir", self.data.to_str().unwrap()])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env_remove("AKINAI__DATABASE_URL")
            .output()
            .unwrap()
    }

    /// `selfcheck --format json`: the exit code and the report.
    fn check(&self) -> (Option<i32>, Value) {
        let out = self.run(&["selfcheck", "--format", "json"]);
        let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
        });
        (out.status.code(), report)
    }
}

fn row<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no row {id}"))
}

fn status(report: &Value, id: &str) -> String {
    row(report, id)["status"].as_str().unwrap().to_string()
}

fn says(report: &Value, id: &str, field: &str) -> String {
    row(report, id)[field].to_string()
}

fn catalogue_ids() -> Vec<String> {
    std::fs::read_to_string(root().join("docs/requirements/catalogue-ids.txt"))
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// IPA-M-3: a fresh shop gets one row per catalogue requirement, exits 1 and says what to fix.
#[test]
fn every_catalogue_id_gets_a_row_and_a_fresh_demo_says_what_to_fix() {
    let shop = Shop::new();
    assert!(shop.run(&["migrate"]).status.success());
    let (code, report) = shop.check();
    assert_eq!(code, Some(1), "a fresh shop has things to fix");
    assert_eq!(report["schema"], "akinai-selfcheck/1");
    let ids: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.iter().copied().collect::<BTreeSet<_>>(),
        catalogue_ids().iter().map(String::as_str).collect(),
        "every catalogue ID, once"
    );
    assert_eq!(ids.len(), catalogue_ids().len());
    for r in report["rows"].as_array().unwrap() {
        let s = r["status"].as_str().unwrap();
        assert!(["pass", "fail", "manual", "operator"].contains(&s), "{r}");
        if s == "fail" {
            assert!(r["fix"].as_str().is_some_and(|f| !f.is_empty()), "{r}");
        }
        if s == "manual" {
            assert!(r["question"].as_str().is_some(), "{r}");
        }
    }
    // What a fresh shop lacks, each with its fix.
    for (id, fix) in [
        ("CCSG-V-1", "akinai admin create"),
        ("IPA-C-13", "akinai backup init"),
        ("IPA-C-9", "https"),
        ("CCSG-V-4", "security.clamd"),
        ("JP-TOK-1", "実際の内容"),
        ("JP-INV-1", "T+13"),
    ] {
        assert_eq!(status(&report, id), "fail", "{id}");
        assert!(says(&report, id, "fix").contains(fix), "{id}");
    }
    // What it has already: a loopback admin, an intact (empty) audit chain, 3-D Secure in code.
    assert_eq!(status(&report, "IPA-C-4"), "pass");
    assert!(says(&report, "IPA-C-12", "evidence").contains("ハッシュチェーンを検証"));
    assert_eq!(status(&report, "CCSG-F-1"), "pass");
    assert!(says(&report, "CCSG-F-1", "tests").contains("ccsg_f_1_"));
    assert!(says(&report, "IPA-O-1", "evidence").contains("akinai "));

    // The text for a person lists failures first; HTML and PDF carry every row.
    let text = shop.run(&["selfcheck"]);
    assert_eq!(text.status.code(), Some(1));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("要対応"), "{text}");
    let first = text.find("[fail]").unwrap();
    assert!(text.find("[pass]").unwrap() > first);
    let html = shop.data.with_file_name("selfcheck.html");
    let out = shop.run(&[
        "selfcheck",
        "--format",
        "html",
        "--out",
        html.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let html = std::fs::read_to_string(html).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    for id in catalogue_ids() {
        assert!(
            html.contains(&format!("<code>{id}</code>")),
            "{id} missing in HTML"
        );
    }
    assert!(!html.contains("<script"), "the file runs no script");
    let pdf = shop.data.with_file_name("selfcheck.pdf");
    let out = shop.run(&[
        "selfcheck",
        "--format",
        "pdf",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let pdf = std::fs::read(pdf).unwrap();
    assert!(
        pdf.starts_with(b"%PDF-") && pdf.len() > 10_000,
        "{}",
        pdf.len()
    );
    let refused = shop.run(&["selfcheck", "--format", "pdf"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--out"));
}

/// IPA-C-4, IPA-C-12, IPA-C-13, IPA-C-14, CCSG-V-1: each way of breaking a shop turns its row to
/// `fail`, and putting it right turns it back, read from the live configuration and store.
#[test]
fn ipa_c_4_ipa_c_12_ipa_c_14_ccsg_v_1_a_shop_broken_in_different_ways_fails_those_rows() {
    let mut shop = Shop::new();
    let theme = shop.data.with_file_name("theme");
    std::fs::create_dir_all(&theme).unwrap();
    std::fs::write(theme.join("theme.css"), "body{}").unwrap();
    shop.set("AKINAI__SECURITY__THEME_DIR", theme.to_str().unwrap());
    shop.set("AKINAI__SECURITY__ALERT_MAIL_TO", "[\"owner@example.jp\"]");
    assert!(shop.run(&["migrate"]).status.success());
    let approve = shop.run(&["theme", "approve", "--by", "owner@example.jp"]);
    assert!(approve.status.success());
    let (_, report) = shop.check();
    for id in ["IPA-C-14", "IPA-O-? (log review / monitoring)", "IPA-C-4"] {
        assert_eq!(status(&report, id), "pass", "{id}: {}", row(&report, id));
    }
    assert!(says(&report, "IPA-C-12", "evidence").contains("1 件のハッシュチェーン"));

    // An admin who never enrolled is counted, not an owner who can sign in.
    let created = shop.run(&[
        "admin",
        "create",
        "--email",
        "staff@example.jp",
        "--name",
        "佐藤",
        "--role",
        "owner",
    ]);
    assert!(created.status.success());
    let (_, report) = shop.check();
    assert_eq!(status(&report, "CCSG-V-1"), "fail");
    assert!(says(&report, "CCSG-V-1", "evidence").contains("管理者 1 名(登録済み 0 名"));

    // A changed theme file (tamper).
    std::fs::write(theme.join("theme.css"), "body{background:url(//evil)}").unwrap();
    let (code, report) = shop.check();
    assert_eq!(code, Some(1));
    assert_eq!(status(&report, "IPA-C-14"), "fail");
    assert!(says(&report, "IPA-C-14", "evidence").contains("theme.css"));
    assert!(says(&report, "IPA-C-14", "fix").contains("akinai integrity acknowledge"));

    // The admin listener opened to the network without an allow-list (development mode lets
    // it start; production refuses such a configuration outright).
    shop.set("AKINAI__MODE", "development");
    shop.set("AKINAI__ADMIN_LISTEN", "0.0.0.0:18999");
    let (_, report) = shop.check();
    assert_eq!(status(&report, "IPA-C-4"), "fail");
    assert!(says(&report, "IPA-C-4", "fix").contains("admin_allow"));
    shop.set("AKINAI__ADMIN_ALLOW", "[\"192.0.2.10\"]");
    let (_, report) = shop.check();
    assert_eq!(status(&report, "IPA-C-4"), "pass");
    assert!(says(&report, "IPA-C-4", "evidence").contains("192.0.2.10"));

    // An audit entry edited behind akinai's back.
    let db = shop.data.join("akinai.db");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            use sqlx::Connection;
            let url = format!("sqlite://{}", db.display());
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query("DROP TRIGGER audit_log_no_update")
                .execute(&mut c)
                .await
                .unwrap();
            sqlx::query("UPDATE audit_log SET actor = 'cli:nobody' WHERE seq = 1")
                .execute(&mut c)
                .await
                .unwrap();
        });
    let (_, report) = shop.check();
    for id in ["IPA-C-12", "IPA-C-13"] {
        assert_eq!(status(&report, id), "fail", "{id}");
        assert!(
            says(&report, id, "evidence").contains("壊れています"),
            "{id}"
        );
    }
}

/// The map names every catalogue requirement once, each test it names exists where it says,
/// each module path exists, and docs/security.md names no requirement the map lacks.
#[test]
fn the_requirement_map_names_every_catalogue_id_and_only_tests_that_exist() {
    let map = akinai_domain::selfcheck::requirements().unwrap();
    let ids: Vec<String> = map.iter().map(|r| r.id.clone()).collect();
    assert_eq!(
        ids,
        catalogue_ids(),
        "the map follows the catalogue, in its order"
    );
    // Where the catalogue itself is at hand (a workspace next to ../shared), it agrees too.
    let catalogue = root().join("../shared/requirements/security-catalog.md");
    if let Ok(text) = std::fs::read_to_string(&catalogue) {
        let listed: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("| "))
            .filter_map(|l| l.split(" |").next())
            .filter(|id| {
                ["IPA-", "CCSG-", "SWS-", "JP-"]
                    .iter()
                    .any(|p| id.starts_with(p))
            })
            .map(String::from)
            .collect();
        assert_eq!(listed, catalogue_ids(), "catalogue-ids.txt is out of date");
    }
    for r in &map {
        for test in &r.tests {
            let (path, name) = test
                .split_once("::")
                .unwrap_or_else(|| panic!("{}: {test} is not path::function", r.id));
            let source = std::fs::read_to_string(root().join(path))
                .unwrap_or_else(|_| panic!("{}: {path} does not exist", r.id));
            let defined = source.match_indices(&format!("fn {name}")).any(|(at, m)| {
                source[at + m.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c == '(' || c == '<')
            });
            assert!(defined, "{}: no test {name} in {path}", r.id);
        }
        for module in &r.modules {
            assert!(
                root().join(module).exists(),
                "{}: {module} does not exist",
                r.id
            );
        }
    }
    let security = std::fs::read_to_string(root().join("docs/security.md")).unwrap();
    let known: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    for word in security.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        let word = word.trim_end_matches('-');
        let looks_like_id = ["IPA-C-", "IPA-O-", "IPA-M-", "CCSG-", "SWS-", "JP-"]
            .iter()
            .any(|p| word.starts_with(p))
            && word.ends_with(|c: char| c.is_ascii_digit() || "abc".contains(c));
        if looks_like_id {
            assert!(
                known.contains(word),
                "docs/security.md names {word}, the map does not"
            );
        }
    }
}

/// Every Rust source file outside tests, with its `#[cfg(test)]` part cut off.
fn product_sources() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = ["crates", "tools", "bench"]
        .iter()
        .map(|d| root().join(d))
        .collect();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if path.is_dir() {
                if !["tests", "target", "node_modules"].contains(&name.as_str()) {
                    dirs.push(path);
                }
            } else if name.ends_with(".rs") && name != "tests.rs" {
                let text = std::fs::read_to_string(&path).unwrap();
                let product = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
                out.push((path, product));
            }
        }
    }
    out
}

/// SWS-2: no program akinai ships starts a shell; external programs (pg_dump, the operator's
/// copy command, the benchmark's wrk and nginx) get argument vectors.
#[test]
fn sws_2_no_shell_is_started_anywhere() {
    let sources = product_sources();
    assert!(sources.len() > 100, "{}", sources.len());
    for (path, text) in &sources {
        for shell in [
            "\"sh\"",
            "\"bash\"",
            "\"/bin/sh\"",
            "\"/bin/bash\"",
            "\"cmd\"",
        ] {
            assert!(
                !text.contains(&format!("Command::new({shell}")),
                "{} starts a shell",
                path.display()
            );
        }
    }
}

/// SWS-10: `unsafe` is forbidden in every crate, by the workspace lint each crate takes and by
/// the crate's own attribute.
#[test]
fn sws_10_every_crate_forbids_unsafe_code() {
    let workspace = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(workspace.contains("unsafe_code = \"forbid\""));
    let members: Vec<PathBuf> = ["crates", "tools"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root().join(d)).unwrap().flatten())
        .map(|e| e.path())
        .chain([root().join("bench")])
        .filter(|p| p.join("Cargo.toml").exists())
        .collect();
    assert!(members.len() >= 14, "{members:?}");
    for crate_dir in members {
        let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains("[lints]\nworkspace = true"),
            "{} does not take the workspace lints",
            crate_dir.display()
        );
        let roots = ["src/lib.rs", "src/main.rs"]
            .iter()
            .map(|f| crate_dir.join(f))
            .filter(|p| p.exists())
            .collect::<Vec<_>>();
        assert!(!roots.is_empty());
        for file in roots {
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(
                text.contains("#![forbid(unsafe_code)]"),
                "{} lacks #![forbid(unsafe_code)]",
                file.display()
            );
        }
    }
}

/// IPA-M-5 (issue #22, item 4): `akinai report security` writes the month's report as PDF or
/// HTML from the live shop and refuses a malformed month.
#[test]
fn ipa_m_5_report_security_writes_the_months_report_as_pdf_or_html() {
    let shop = Shop::new();
    assert!(shop.run(&["migrate"]).status.success());
    let html = shop.data.with_file_name("report.html");
    let out = shop.run(&[
        "report",
        "security",
        "--month",
        "2026-11",
        "--format",
        "html",
        "--out",
        html.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.contains("セキュリティ月次報告 2026年11月"));
    assert!(text.contains("未完了の定期作業") && text.contains("期限切れ"));
    assert!(text.contains("まだ承認されていません"));
    assert!(!text.contains("<script"));
    let pdf = shop.data.with_file_name("report.pdf");
    let out = shop.run(&[
        "report",
        "security",
        "--month",
        "2026-11",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let bad = shop.run(&["report", "security", "--month", "2026/11"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("YYYY-MM"));
}

/// IPA-C-13 / system audit (issue #22, item 6): `akinai audit bundle` writes the audit trail, the
/// self-assessment, twelve monthly reports and the settings history with a manifest of their
/// digests, and anchors the manifest's digest in the audit trail, so a changed file shows against
/// the manifest and a changed manifest against the hash chain.
#[test]
fn ipa_c_13_the_audit_bundle_is_anchored_in_the_hash_chain() {
    use sha2::Digest;
    let shop = Shop::new();
    let set = shop.run(&[
        "settings",
        "set",
        "--second-factor",
        "required",
        "--by",
        "店主",
    ]);
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let out = shop.data.with_file_name("bundle");
    let made = shop.run(&[
        "audit",
        "bundle",
        "--out",
        out.to_str().unwrap(),
        "--by",
        "監査人",
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let manifest_bytes = std::fs::read(out.join("MANIFEST.json")).unwrap();
    let manifest: Value = serde_json::from_slice(&manifest_bytes).unwrap();
    assert_eq!(manifest["chain"]["intact"], true);
    assert_eq!(manifest["chain"]["entries"], 1);
    let files = manifest["files"].as_array().unwrap();
    let names: Vec<&str> = files.iter().map(|f| f["name"].as_str().unwrap()).collect();
    for name in ["audit.jsonl", "selfcheck.json", "settings-history.jsonl"] {
        assert!(names.contains(&name), "{names:?}");
    }
    assert_eq!(
        names.iter().filter(|n| n.starts_with("reports/")).count(),
        12
    );
    for f in files {
        let bytes = std::fs::read(out.join(f["name"].as_str().unwrap())).unwrap();
        assert_eq!(
            hex_of(&sha2::Sha256::digest(&bytes)),
            f["sha256"].as_str().unwrap()
        );
    }
    let history = std::fs::read_to_string(out.join("settings-history.jsonl")).unwrap();
    assert!(history.contains("\"required\""), "{history}");
    let check: Value =
        serde_json::from_slice(&std::fs::read(out.join("selfcheck.json")).unwrap()).unwrap();
    assert_eq!(check["schema"], "akinai-selfcheck/1");

    // The manifest's digest is the newest entry of the live trail.
    let export = shop.run(&["audit", "export"]);
    let last: Value = serde_json::from_str(
        String::from_utf8_lossy(&export.stdout)
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(last["action"], "audit.bundle");
    assert_eq!(last["actor"], "cli:監査人");
    assert_eq!(
        last["detail"]["manifest_sha256"].as_str().unwrap(),
        hex_of(&sha2::Sha256::digest(&manifest_bytes))
    );
    assert!(shop.run(&["audit", "verify"]).status.success());
    // A second bundle never overwrites the first.
    let again = shop.run(&[
        "audit",
        "bundle",
        "--out",
        out.to_str().unwrap(),
        "--by",
        "監査人",
    ]);
    assert!(!again.status.success());
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// IPA-C-2 / IPA-O-1: the dependency audit the binary embeds (and the update rows show) is the
/// audit of this `Cargo.lock`; a change of dependencies without a new `akinai-audit --record`
/// fails here. Beside the offline advisory snapshot, the record's snapshot is the one on disk.
#[test]
fn ipa_c_2_the_embedded_dependency_audit_is_of_this_cargo_lock() {
    use sha2::{Digest, Sha256};
    let record: toml::Value = toml::from_str(
        &std::fs::read_to_string(root().join("docs/requirements/dependency-audit.toml")).unwrap(),
    )
    .unwrap();
    let lock = std::fs::read(root().join("Cargo.lock")).unwrap();
    assert_eq!(
        record["lock_sha256"].as_str().unwrap(),
        hex_of(&Sha256::digest(&lock)),
        "Cargo.lock changed: run `cargo run -p akinai-audit -- --record docs/requirements/dependency-audit.toml`"
    );
    assert_eq!(record["vulnerable"].as_integer(), Some(0));
    assert!(record["packages"].as_integer().unwrap() > 100);
    let snapshot = root().join("../shared/advisory-db/SNAPSHOT");
    if let Ok(text) = std::fs::read_to_string(snapshot) {
        assert_eq!(record["snapshot"].as_str().unwrap(), text.trim());
    }
}
