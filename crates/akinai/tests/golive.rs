//! The go-live gate (issue #22, item 5) on a real shop, as a contractor meets it: `serve` in
//! production mode on a fresh shop prints what fails and refuses to start; the owner's records
//! (`golive diagnosis`, `golive exception`) need an enrolled owner; fixing the configuration
//! clears its rows; with an exception for each remaining blocker `golive status` says the shop
//! may go live and `serve` starts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_akinai");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A production shop in a fresh data directory.
struct Shop {
    _dir: tempfile::TempDir,
    data: PathBuf,
    env: Vec<(String, String)>,
}

impl Shop {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .args(["--data-dir", self.data.to_str().unwrap()])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env_remove("AKINAI__DATABASE_URL")
            .env_remove("AKINAI__MODE");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// `serve` in production: the first line it prints on standard output (`None` when it
    /// exits before printing any), and the running process.
    fn serve(&self) -> (Option<String>, Child) {
        let mut child = self
            .command(&["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let first = BufReader::new(stdout).lines().map_while(Result::ok).next();
            let _ = tx.send(first);
        });
        // A bound on a wait, not a timing assertion: a gate that let a broken shop start
        // would otherwise hang the test instead of failing it.
        let first = rx.recv_timeout(Duration::from_secs(120)).unwrap();
        (first, child)
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The requirement IDs `golive status` says still stop the start.
fn refusing(status: &str) -> Vec<String> {
    status
        .lines()
        .filter_map(|l| l.strip_prefix("[公開を止める] "))
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect()
}

/// IPA-C-3, IPA-C-9, IPA-C-13, JP-TOK-1 — the go-live gate end to end.
#[test]
fn ipa_c_3_production_refuses_to_start_until_blocking_failures_are_fixed_or_excepted() {
    let dir = tempfile::tempdir().unwrap();
    let mut shop = Shop {
        data: dir.path().join("data"),
        _dir: dir,
        env: vec![
            ("AKINAI__LOG".into(), "error".into()),
            (
                "AKINAI__ADMIN_LISTEN".into(),
                format!("127.0.0.1:{}", free_port()),
            ),
        ],
    };
    assert!(shop.run(&["migrate"]).status.success());

    // A fresh shop: the verdict, and a production start refused with every failure listed.
    let status = shop.run(&["golive", "status"]);
    assert_eq!(status.status.code(), Some(1));
    let text = stdout(&status);
    assert!(text.contains("公開できません"), "{text}");
    let blockers = refusing(&text);
    for id in ["IPA-C-3", "IPA-C-9", "IPA-C-13", "JP-TOK-1"] {
        assert!(blockers.contains(&id.to_string()), "{id}: {text}");
    }
    assert!(
        text.contains("[要対応] CCSG-V-4"),
        "non-blocking failures are shown"
    );
    let (first, child) = shop.serve();
    assert_eq!(first, None, "nothing served");
    let refused = child.wait_with_output().unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let said = stderr(&refused);
    assert!(said.contains("本番モードで起動できません"), "{said}");
    assert!(said.contains("[公開を止める] IPA-C-3"), "{said}");
    assert!(said.contains("対応:"), "each with its fix: {said}");

    // Records need an owner who finished enrolment.
    let created = shop.run(&[
        "admin",
        "create",
        "--email",
        "owner@example.jp",
        "--name",
        "店主",
        "--role",
        "owner",
    ]);
    assert!(created.status.success(), "{}", stderr(&created));
    let exception = |shop: &Shop, id: &str| {
        shop.run(&[
            "golive",
            "exception",
            "--requirement",
            id,
            "--reason",
            "開店準備中の検証環境として公開、来月までに直す",
            "--by",
            "owner@example.jp",
        ])
    };
    let early = exception(&shop, "IPA-C-13");
    assert_eq!(early.status.code(), Some(1));
    assert!(
        stderr(&early).contains("登録を終えたオーナー"),
        "{}",
        stderr(&early)
    );
    enrol(&shop);

    // The diagnosis: a future date is refused; a complete record clears IPA-C-3.
    let diagnosis = |date: &str| {
        shop.run(&[
            "golive",
            "diagnosis",
            "--date",
            date,
            "--performer",
            "株式会社セキュア診断",
            "--tool",
            "OWASP ZAP 2.16",
            "--findings",
            "指摘なし",
            "--fixes",
            "修正なし",
            "--by",
            "owner@example.jp",
        ])
    };
    let future = diagnosis("2999-01-01");
    assert_eq!(future.status.code(), Some(1));
    assert!(
        stderr(&future).contains("未来の日付"),
        "{}",
        stderr(&future)
    );
    let done = diagnosis("2026-01-15");
    assert!(done.status.success(), "{}", stderr(&done));

    // Fixing the set-up clears its rows: HTTPS behind a TLS-terminating proxy.
    shop.env
        .push(("AKINAI__BASE_URL".into(), "https://shop.example.jp".into()));
    shop.env
        .push(("AKINAI__TRUSTED_PROXIES".into(), "[\"127.0.0.1\"]".into()));
    let text = stdout(&shop.run(&["golive", "status"]));
    let left = refusing(&text);
    for id in ["IPA-C-3", "IPA-C-9", "SWS-C2-3"] {
        assert!(!left.contains(&id.to_string()), "{id} is fixed: {text}");
    }
    assert!(left.contains(&"IPA-C-13".to_string()), "{text}");

    // An exception only for a blocking requirement; then one for each remaining blocker.
    let not_blocking = exception(&shop, "CCSG-V-4");
    assert_eq!(not_blocking.status.code(), Some(1));
    assert!(stderr(&not_blocking).contains("公開を止める項目ではありません"));
    for id in &left {
        let out = exception(&shop, id);
        assert!(out.status.success(), "{id}: {}", stderr(&out));
    }
    let status = shop.run(&["golive", "status"]);
    assert_eq!(status.status.code(), Some(0), "{}", stdout(&status));
    assert!(stdout(&status).contains("公開できます"));
    assert!(stdout(&status).contains("[例外として公開] IPA-C-13"));

    // Now a production start goes ahead.
    let (first, mut child) = shop.serve();
    let _ = child.kill();
    let _ = child.wait();
    let first = first.unwrap_or_default();
    assert!(first.starts_with("akinai: serving the "), "{first}");

    // The records are in the audit trail, as the owner's.
    let log = shop.run(&["audit", "verify"]);
    assert!(log.status.success(), "{}", stderr(&log));
}

/// Marks the owner enrolled as finishing enrolment in the admin would (a second factor
/// stored), without a browser.
fn enrol(shop: &Shop) {
    let db = shop.data.join("akinai.db");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            use sqlx::Connection;
            let url = format!("sqlite://{}", db.display());
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query(
                "UPDATE admins SET totp_secret_enc = '00', totp_nonce = '00' \
                 WHERE email = 'owner@example.jp'",
            )
            .execute(&mut c)
            .await
            .unwrap();
        });
}
