//! The command-line contract, run as a real process: `config check`, `migrate`, and
//! `serve --demo` answering `/healthz` and the storefront on a real socket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_akinai");

fn akinai(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env_remove("AKINAI__DATABASE_URL")
        .output()
        .unwrap()
}

#[test]
fn config_check_prints_the_effective_configuration_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("akinai.toml");
    std::fs::write(&file, "database_url = \"postgres://shop:hunter2@db/akinai\"\n[mail]\nfrom = \"info@shop.example.jp\"\ntransport = \"file\"\n").unwrap();
    let out = akinai(&["config", "check", "--config", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("listen = \"127.0.0.1:8080\""), "{text}");
    assert!(text.contains("database_url = \"***\""), "{text}");
    assert!(!text.contains("hunter2"));
}

#[test]
fn unknown_configuration_keys_stop_the_program() {
    let out = Command::new(BIN)
        .args(["config", "check"])
        .env("AKINAI__LISTN", "x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("listn"));
}

#[test]
fn migrate_creates_the_data_directory_and_database() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = akinai(&["migrate", "--data-dir", data.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(data.join("akinai.db").is_file());
    assert!(String::from_utf8_lossy(&out.stdout).contains("migrations applied"));
}

/// A plain HTTP/1.1 GET over a fresh connection; returns the status line and body.
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
    let status = response.lines().next().unwrap_or("").to_string();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn serve_demo_seeds_says_so_and_serves_the_shop() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let admin_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--demo",
            "--listen",
            &listen,
            "--data-dir",
            dir.path().join("data").to_str().unwrap(),
        ])
        .env("AKINAI__LOG", "warn")
        .env("AKINAI__ADMIN_LISTEN", format!("127.0.0.1:{admin_port}"))
        .env(
            "AKINAI__METRICS_LISTEN",
            format!("127.0.0.1:{metrics_port}"),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let seeded = lines.next().unwrap().unwrap();
    assert!(
        seeded.starts_with("demo: seeded the demo catalog ("),
        "{seeded}"
    );
    let payments = lines.next().unwrap().unwrap();
    assert!(
        payments.starts_with("demo: test payment page at http://127.0.0.1:"),
        "{payments}"
    );
    let admin = lines.next().unwrap().unwrap();
    assert!(
        admin.contains(&format!(
            "admin at http://127.0.0.1:{admin_port} (loopback only)"
        )),
        "{admin}"
    );
    let metrics = lines.next().unwrap().unwrap();
    assert_eq!(
        metrics,
        format!("akinai: metrics at http://127.0.0.1:{metrics_port}/metrics")
    );
    let serving = lines.next().unwrap().unwrap();
    assert!(serving.contains(&listen), "{serving}");
    // The listener is bound before that line is printed; allow a bounded wait all the same.
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "server did not accept connections"
        );
        std::thread::yield_now();
    }
    let (status, body) = get(port, "/healthz");
    assert!(status.contains("200"), "{status}");
    assert_eq!(body, "ok");
    // Metrics on their own listener (not on the storefront's), scraped as Prometheus would.
    let (status, _) = get(port, "/metrics");
    assert!(status.contains("404"), "{status}");
    let (status, body) = get(metrics_port, "/metrics");
    assert!(status.contains("200"), "{status}");
    for metric in [
        "http_server_request_duration_seconds_count{method=\"GET\",route=\"/healthz\",status=\"200\"} 1",
        "akinai_orders 0",
        "akinai_backup_age_seconds -1.0",
        "akinai_maintenance 0",
        "process_resident_memory_bytes ",
    ] {
        assert!(body.contains(metric), "{metric} in\n{body}");
    }
    let (status, body) = get(port, "/search?q=%E9%9D%A9");
    assert!(status.contains("200"));
    assert!(body.contains("本革ベルト"));
    // Every payment method is on offer out of the box: the test payment page takes card and
    // konbini (first-hour issue, item 2).
    let (_, body) = get(port, "/legal/tokushoho");
    for method in ["銀行振込", "代金引換", "クレジットカード", "コンビニ払い"]
    {
        assert!(body.contains(method), "{method} offered by the demo");
    }
    // The admin answers on its own port, and not on the shop's.
    let (status, body) = get(admin_port, "/admin/login");
    assert!(
        status.contains("200") && body.contains("管理画面ログイン"),
        "{status}"
    );
    assert!(get(port, "/admin/login").0.contains("404"));
    child.kill().unwrap();
    child.wait().unwrap();
    // A second start finds the products and seeds nothing (and then stops: its port is taken).
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(BIN)
        .args([
            "serve",
            "--demo",
            "--listen",
            &taken_addr,
            "--data-dir",
            dir.path().join("data").to_str().unwrap(),
        ])
        .env("AKINAI__LOG", "off")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing seeded"));
    assert!(!out.status.success(), "a taken port is an error");
    drop(taken);
}

/// IPA-C-14 from the operator's side: the binary prints the hash of everything it embeds;
/// `theme approve` records the theme, `integrity check` exits 0 while it matches and 1 after a
/// change (which also closes checkout), `integrity acknowledge` opens checkout again.
#[test]
fn integrity_commands_approve_check_and_acknowledge() {
    let out = akinai(&["integrity", "manifest"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("embedded:templates/checkout.html"), "{text}");
    assert!(text.contains("embedded:assets/app.css"));
    assert!(text
        .lines()
        .all(|l| l.len() > 65 && l.as_bytes()[64] == b' '));

    let dir = tempfile::tempdir().unwrap();
    let theme = dir.path().join("theme");
    std::fs::create_dir(&theme).unwrap();
    std::fs::write(theme.join("theme.css"), "body{}").unwrap();
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .args(["--data-dir", data.to_str().unwrap()])
            .env("AKINAI__SECURITY__THEME_DIR", &theme)
            .env("AKINAI__LOG", "error")
            .env_remove("AKINAI__DATABASE_URL")
            .output()
            .unwrap()
    };
    let check = run(&["integrity", "check"]);
    assert_eq!(check.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&check.stdout).contains("not approved"));
    let approve = run(&["theme", "approve", "--by", "owner@example.jp"]);
    assert!(
        approve.status.success(),
        "{}",
        String::from_utf8_lossy(&approve.stderr)
    );
    assert!(String::from_utf8_lossy(&approve.stdout).contains("1 files"));
    assert_eq!(run(&["integrity", "check"]).status.code(), Some(0));
    std::fs::write(
        theme.join("theme.css"),
        "body{background:url(//evil.example)}",
    )
    .unwrap();
    let check = run(&["integrity", "check"]);
    assert_eq!(check.status.code(), Some(1));
    let text = String::from_utf8_lossy(&check.stdout).to_string();
    assert!(
        text.contains("modified: theme.css") && text.contains("checkout: CLOSED"),
        "{text}"
    );
    let ack = run(&["integrity", "acknowledge", "--by", "owner@example.jp"]);
    assert!(String::from_utf8_lossy(&ack.stdout).contains("1 checkout hold(s) acknowledged"));
    std::fs::write(theme.join("theme.css"), "body{}").unwrap();
    assert_eq!(
        run(&["integrity", "check"]).status.code(),
        Some(0),
        "restored and open"
    );
}

/// IPA-C-10: the operator sets the member policies from the command line (until the admin's
/// settings screen); the change persists and is shown.
#[test]
fn settings_set_changes_the_member_policies_and_show_prints_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--data-dir", data.to_str().unwrap()]);
        akinai(&all)
    };
    let shown = run(&["settings", "show"]);
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    let text = String::from_utf8_lossy(&shown.stdout).to_string();
    assert!(
        text.contains("second factor: optional") && text.contains("guest checkout: on"),
        "{text}"
    );
    let set = run(&[
        "settings",
        "set",
        "--second-factor",
        "on-risk",
        "--guest-checkout",
        "off",
        "--invoice-number",
        "T1234567890123",
        "--by",
        "owner@example.jp",
    ]);
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let text = String::from_utf8_lossy(&run(&["settings", "show"]).stdout).to_string();
    assert!(
        text.contains("second factor: on-risk") && text.contains("guest checkout: off"),
        "{text}"
    );
    assert!(text.contains("invoice number: T1234567890123"), "{text}");
    let bad_number = run(&["settings", "set", "--invoice-number", "T123", "--by", "x"]);
    assert!(!bad_number.status.success());
    assert!(String::from_utf8_lossy(&bad_number.stderr).contains("T and 13 digits"));
    let refused = run(&[
        "settings",
        "set",
        "--second-factor",
        "sometimes",
        "--by",
        "x",
    ]);
    assert!(!refused.status.success());
}

/// IPA-C-12, IPA-C-13 (admin issue, item 4): operator actions land in the hash-chained audit
/// trail; `audit verify` passes on the intact chain and fails once an entry is edited behind the
/// append-only trigger's back; `audit export` writes JSON lines.
#[test]
fn audit_verify_finds_an_edited_entry_and_export_writes_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--data-dir", data.to_str().unwrap()]);
        akinai(&all)
    };
    for (policy, by) in [
        ("required", "owner@example.jp"),
        ("on-risk", "manager@example.jp"),
    ] {
        let set = run(&["settings", "set", "--second-factor", policy, "--by", by]);
        assert!(
            set.status.success(),
            "{}",
            String::from_utf8_lossy(&set.stderr)
        );
    }
    let ok = run(&["audit", "verify"]);
    let text = String::from_utf8_lossy(&ok.stdout).to_string();
    assert_eq!(ok.status.code(), Some(0), "{text}");
    assert!(text.contains("2 entries, chain intact"), "{text}");
    let head = text.trim().rsplit(' ').next().unwrap().to_string();
    assert_eq!(
        run(&["audit", "verify", "--head", &head]).status.code(),
        Some(0)
    );
    let wrong_head = run(&["audit", "verify", "--head", &"f".repeat(64)]);
    assert_eq!(
        wrong_head.status.code(),
        Some(1),
        "a cut-off tail is found by the head"
    );

    let export = run(&["audit", "export"]);
    assert!(export.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&export.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["action"], "settings.change");
    assert_eq!(lines[0]["actor"], "cli:owner@example.jp");
    assert_eq!(lines[0]["detail"]["before"]["second_factor"], "optional");
    assert_eq!(lines[0]["detail"]["after"]["second_factor"], "required");
    assert_eq!(lines[1]["prev_hash"], lines[0]["hash"]);

    // The table refuses edits; an attacker who drops the trigger is still found.
    let db = data.join("akinai.db");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        let refused = sqlx::query("UPDATE audit_log SET actor = 'cli:nobody' WHERE seq = 1")
            .execute(&mut c)
            .await;
        assert!(refused.is_err(), "append-only");
        sqlx::query("DROP TRIGGER audit_log_no_update")
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'cli:nobody' WHERE seq = 1")
            .execute(&mut c)
            .await
            .unwrap();
    });
    let broken = run(&["audit", "verify"]);
    assert_eq!(broken.status.code(), Some(1));
    let text = String::from_utf8_lossy(&broken.stdout);
    assert!(
        text.contains("BROKEN") && text.contains("entry 1"),
        "{text}"
    );
}

/// CCSG-V-1: no default admin; `admin create` makes one and prints a one-time enrolment link;
/// an address has one admin; every step is in the audit trail.
#[test]
fn admin_create_prints_an_enrolment_link_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--data-dir", data.to_str().unwrap()]);
        akinai(&all)
    };
    let made = run(&[
        "admin",
        "create",
        "--email",
        "owner@example.jp",
        "--name",
        "店長",
        "--role",
        "owner",
    ]);
    let text = String::from_utf8_lossy(&made.stdout).to_string();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let link = text
        .lines()
        .find(|l| l.starts_with("http://127.0.0.1:8081/admin/enrol?t="))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(link.rsplit('=').next().unwrap().len(), 64);
    let again = run(&[
        "admin",
        "create",
        "--email",
        "owner@example.jp",
        "--name",
        "x",
        "--role",
        "viewer",
    ]);
    assert!(!again.status.success());
    let unlock = run(&[
        "admin",
        "unlock",
        "--email",
        "owner@example.jp",
        "--by",
        "owner2",
    ]);
    assert!(String::from_utf8_lossy(&unlock.stdout).contains("was not locked"));
    let verify = run(&["audit", "verify"]);
    assert!(String::from_utf8_lossy(&verify.stdout).contains("1 entries, chain intact"));
}

/// Runs one SQL statement on the data directory's SQLite file (to shape an old or newer store).
fn sql(data: &std::path::Path, statement: &str) {
    let path = data.join("akinai.db");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            use sqlx::{ConnectOptions, Executor};
            let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&path)
                .connect()
                .await
                .unwrap();
            conn.execute(statement).await.unwrap();
        });
}

#[test]
fn ipa_m_5_maintenance_is_switched_on_and_off_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    assert!(akinai(&["migrate", "--data-dir", d]).status.success());
    let on = akinai(&[
        "maintenance",
        "on",
        "--message",
        "15時に再開します",
        "--by",
        "山田",
        "--data-dir",
        d,
    ]);
    assert!(
        on.status.success(),
        "{}",
        String::from_utf8_lossy(&on.stderr)
    );
    assert!(String::from_utf8_lossy(&on.stdout).contains("CLOSED for maintenance"));
    let status = akinai(&["maintenance", "status", "--data-dir", d]);
    let said = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(
        said.contains("CLOSED") && said.contains("山田") && said.contains("15時に再開します"),
        "{said}"
    );
    assert!(
        akinai(&["maintenance", "off", "--by", "山田", "--data-dir", d])
            .status
            .success()
    );
    let status = akinai(&["maintenance", "status", "--data-dir", d]);
    assert_eq!(
        String::from_utf8_lossy(&status.stdout).trim(),
        "storefront: open"
    );
}

#[test]
fn a_database_upgraded_by_a_newer_akinai_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    assert!(akinai(&["migrate", "--data-dir", d]).status.success());
    sql(
        &data,
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (99999, 'from the future', CURRENT_TIMESTAMP, 1, x'00', 0)",
    );
    for args in [
        vec!["migrate", "--data-dir", d],
        vec!["serve", "--data-dir", d],
    ] {
        let out = akinai(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains("upgraded by a newer akinai (migration 99999"),
            "{said}"
        );
    }
}

#[test]
fn ipa_c_13_an_upgrade_takes_a_backup_before_applying_new_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    assert!(akinai(&["migrate", "--data-dir", d]).status.success());
    let key = dir.path().join("id.txt");
    assert!(akinai(&[
        "backup",
        "init",
        "--data-dir",
        d,
        "--identity",
        key.to_str().unwrap()
    ])
    .status
    .success());
    // The store as the release before the operations migration left it.
    sql(&data, "DROP TABLE backup_runs");
    sql(&data, "DROP TABLE maintenance");
    sql(&data, "DELETE FROM _sqlx_migrations WHERE version = 21");
    let out = akinai(&["migrate", "--data-dir", d]);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("backing up before applying 1 new migration(s)"),
        "{said}"
    );
    let backups: Vec<_> = std::fs::read_dir(data.join("backups")).unwrap().collect();
    assert_eq!(backups.len(), 1);
    // Up to date now: the next start takes no backup.
    let again = akinai(&["migrate", "--data-dir", d]);
    assert!(!String::from_utf8_lossy(&again.stdout).contains("backing up"));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Issue 21, item 3: `serve --role worker` runs the background jobs and answers nothing (no
/// shop, no admin listener); `serve --role web` serves and says it runs no jobs.
#[test]
fn serve_roles_separate_serving_from_working() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let start = |role: &str, port: u16, admin: u16| {
        let mut child = Command::new(BIN)
            .args(["serve", "--role", role, "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["--data-dir", data.to_str().unwrap()])
            // Not a shop going live: the go-live gate is tested in tests/selfcheck.rs.
            .env("AKINAI__MODE", "development")
            .env("AKINAI__LOG", "warn")
            .env("AKINAI__ADMIN_LISTEN", format!("127.0.0.1:{admin}"))
            .env(
                "AKINAI__METRICS_LISTEN",
                format!("127.0.0.1:{}", free_port()),
            )
            .env_remove("AKINAI__DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        (child, lines)
    };

    let (port, admin) = (free_port(), free_port());
    let (mut worker, lines) = start("worker", port, admin);
    let working = lines
        .map(|l| l.unwrap())
        .find(|l| l.starts_with("akinai: working"))
        .unwrap();
    assert!(
        working.starts_with("akinai: working without serving (role worker"),
        "{working}"
    );
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "no shop");
    assert!(
        TcpStream::connect(("127.0.0.1", admin)).is_err(),
        "no admin"
    );
    worker.kill().unwrap();
    worker.wait().unwrap();

    let (port, admin) = (free_port(), free_port());
    let (mut web, lines) = start("web", port, admin);
    let serving = lines
        .map(|l| l.unwrap())
        .find(|l| l.starts_with("akinai: serving the shop"))
        .unwrap();
    assert!(
        serving.contains("role web: no background jobs"),
        "{serving}"
    );
    let (status, body) = get(port, "/healthz");
    assert!(status.contains("200") && body == "ok", "{status}");
    web.kill().unwrap();
    web.wait().unwrap();

    let out = akinai(&["serve", "--role", "leader"]);
    assert_eq!(out.status.code(), Some(2), "an unknown role is refused");
}
