//! The deployment kit in `deploy/` (operations issue, item 7), checked by the tools that will run
//! it: the systemd unit by `systemd-analyze verify` (and its sandbox settings by name), the nginx
//! example by `nginx -t` with a throwaway certificate. Without the tools the tests say they did
//! not run; CI (`AKINAI_REQUIRE_OPS_TOOLS=1`) installs and requires them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_akinai");

fn deploy(file: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy");
    std::fs::read_to_string(root.join(file)).unwrap()
}

/// Whether `tool` can run; a missing tool fails the test when CI requires it.
fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("AKINAI_REQUIRE_OPS_TOOLS").as_deref() != Ok("1"),
            "{tool} required but not installed"
        );
        eprintln!("NOTE: deployment test DID NOT RUN: {tool} is not installed");
    }
    found
}

#[test]
fn sws_c2_1_the_systemd_unit_is_sandboxed_and_passes_systemd_analyze_verify() {
    let unit = deploy("akinai.service");
    for setting in [
        "User=akinai",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "ReadWritePaths=/var/lib/akinai",
        "StateDirectoryMode=0700",
        "UMask=0077",
        "CapabilityBoundingSet=\n",
        "KillSignal=SIGTERM",
    ] {
        assert!(unit.contains(setting), "the unit lacks {setting:?}");
    }
    if !have("systemd-analyze") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("akinai.service");
    std::fs::write(&path, unit.replace("/usr/local/bin/akinai", BIN)).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    let about_unit: Vec<&str> = said
        .lines()
        .filter(|l| l.contains("akinai.service"))
        .collect();
    assert!(out.status.success(), "{said}");
    assert!(about_unit.is_empty(), "systemd-analyze: {about_unit:?}");
}

#[test]
fn the_nginx_example_passes_nginx_t() {
    if !have("nginx") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["shop.example.jp".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let d = dir.path().to_str().unwrap();
    std::fs::write(dir.path().join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(dir.path().join("key.pem"), key.serialize_pem()).unwrap();
    let site = deploy("nginx/akinai.conf")
        .replace(
            "/etc/letsencrypt/live/shop.example.jp/fullchain.pem",
            &format!("{d}/cert.pem"),
        )
        .replace(
            "/etc/letsencrypt/live/shop.example.jp/privkey.pem",
            &format!("{d}/key.pem"),
        );
    std::fs::write(dir.path().join("site.conf"), site).unwrap();
    std::fs::create_dir_all(dir.path().join("logs")).unwrap();
    std::fs::write(
        dir.path().join("nginx.conf"),
        format!(
            "pid {d}/nginx.pid;\nerror_log {d}/logs/error.log;\nevents {{}}\n\
             http {{\n access_log off;\n include {d}/site.conf;\n}}\n"
        ),
    )
    .unwrap();
    let out = Command::new("nginx")
        .args(["-t", "-c", &format!("{d}/nginx.conf"), "-p", d])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("test is successful"), "{said}");
}
