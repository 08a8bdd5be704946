//! Logs kept a year (operations issue, item 3; IPA-C-12, CCSG-P-1), on the real binary: with
//! `logs.dir` set, `serve` writes JSON lines to the day's access, app and security files, every
//! response names its request id, a card number in a URL never reaches a file, and
//! `akinai logs search` finds a request by its id and by its client address.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_akinai");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// GET over a fresh connection; the request id header and the status line.
fn get(port: u16, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let id = response
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .unwrap_or_default()
        .to_string();
    (response.lines().next().unwrap_or("").to_string(), id)
}

#[test]
fn ipa_c_12_requests_are_logged_to_daily_json_files_scrubbed_and_found_by_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let logs = dir.path().join("logs");
    let port = free_port();
    let env = |c: &mut Command| {
        c.env_remove("AKINAI__DATABASE_URL")
            .env("AKINAI__LOGS__DIR", &logs)
            .env("AKINAI__ADMIN_LISTEN", format!("127.0.0.1:{}", free_port()))
            .env(
                "AKINAI__METRICS_LISTEN",
                format!("127.0.0.1:{}", free_port()),
            );
    };
    let mut serve = Command::new(BIN);
    serve
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    env(&mut serve);
    let mut child = serve.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::yield_now();
    }
    let (status, home_id) = get(port, "/");
    assert!(status.contains("200"), "{status}");
    assert_eq!(home_id.len(), 16, "every response names its request id");
    let (status, probe_id) = get(port, "/probe-4242424242424242");
    assert!(status.contains("404"), "{status}");
    // Stopped as systemd stops it (SIGTERM): the log writers empty their queue before exit.
    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    assert!(child.wait().unwrap().success(), "a graceful stop exits 0");

    let files: Vec<String> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("access-") && f.ends_with(".jsonl")),
        "{files:?}"
    );
    assert!(files.iter().any(|f| f.starts_with("app-")), "{files:?}");
    for f in &files {
        let text = std::fs::read_to_string(logs.join(f)).unwrap();
        assert!(
            !text.contains("4242424242424242"),
            "CCSG-P-1: {f} holds a card number"
        );
        for line in text.lines() {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|e| panic!("{f}: not a JSON line ({e}): {line}"));
        }
    }

    let search = |args: &[&str]| {
        let mut c = Command::new(BIN);
        c.args(["logs", "search"])
            .args(args)
            .arg("--data-dir")
            .arg(&data);
        env(&mut c);
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let found = search(&["--request-id", &probe_id, "--stream", "access"]);
    assert_eq!(found.lines().count(), 1, "{found}");
    assert!(found.contains("[card number removed]"), "{found}");
    assert!(found.contains("\"status\":404"), "{found}");
    let from_here = search(&["--ip", "127.0.0.1", "--stream", "access"]);
    assert!(
        from_here.contains(&home_id) && from_here.contains(&probe_id),
        "{from_here}"
    );
}
