//! Several real `akinai serve` processes on one fresh PostgreSQL database, behind Debian's
//! nginx as the load balancer (round robin, no stickiness; a connection refused goes to the next
//! node) — the deployment of issue 21, started for a test. Each node has its own data directory
//! (its mail outbox) and ports; all share the database and the secret key.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::{PgDatabase, Shopper};

const BIN: &str = env!("CARGO_BIN_EXE_akinai");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// nginx's path, or `None` (with a note) when it is not installed; CI requires it
/// (`AKINAI_REQUIRE_OPS_TOOLS=1`).
fn nginx() -> Option<PathBuf> {
    let found = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("AKINAI_REQUIRE_OPS_TOOLS").as_deref() != Ok("1"),
            "nginx required but not installed"
        );
        eprintln!("NOTE: multi-node test DID NOT RUN: nginx is not installed");
    }
    found
}

/// One `akinai serve` process.
pub struct Node {
    pub child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Node {
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The `.eml` files this node's mailer wrote.
    pub fn mail_files(&self) -> Vec<String> {
        match std::fs::read_dir(self.dir.path().join("mail")) {
            Ok(entries) => entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".eml"))
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The nodes, the balancer and the database.
pub struct Cluster {
    pub nodes: Vec<Node>,
    pub db: Option<PgDatabase>,
    nginx: Child,
    pub lb_port: u16,
    conf: tempfile::TempDir,
    key: String,
}

/// Waits until `ready` holds, or fails the test after `within`.
pub async fn until<F, Fut>(what: &str, within: Duration, mut ready: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !ready().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Cluster {
    /// `n` nodes (the first seeds the demo catalog) behind nginx, or `None` without PostgreSQL
    /// or nginx.
    pub async fn start(n: usize) -> Option<Cluster> {
        let nginx_bin = nginx()?;
        let db = PgDatabase::create().await?;
        let key = "ab".repeat(32);
        let lb_port = free_port();
        let mut nodes = Vec::with_capacity(n);
        for i in 0..n {
            nodes.push(start_node(&db.url(), &key, lb_port, i == 0).await);
        }
        let conf = tempfile::tempdir().unwrap();
        let nginx = start_nginx(&nginx_bin, conf.path(), lb_port, &nodes);
        let cluster = Cluster {
            nodes,
            db: Some(db),
            nginx,
            lb_port,
            conf,
            key,
        };
        let client = reqwest::Client::new();
        let url = format!("{}/healthz", cluster.base());
        until("nginx", Duration::from_secs(30), || async {
            client
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        })
        .await;
        Some(cluster)
    }

    /// The balancer's address.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.lb_port)
    }

    pub fn url(&self) -> String {
        self.db.as_ref().unwrap().url()
    }

    /// A browser with its own cookies, talking to the balancer.
    pub fn shopper(&self) -> Shopper {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Shopper {
            client,
            base: self.base(),
            jar,
        }
    }

    /// Runs `akinai ARGS…` against the shared database, as an operator on any node would.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .env("AKINAI__DATABASE_URL", self.url())
            .env("AKINAI__SECRET_KEY", &self.key)
            .env("AKINAI__LOG", "warn")
            .env("AKINAI__DATA_DIR", self.conf.path())
            .output()
            .unwrap()
    }

    /// Every `.eml` file the nodes wrote, with the node that wrote it.
    pub fn mail_files(&self) -> Vec<(usize, String)> {
        self.nodes
            .iter()
            .enumerate()
            .flat_map(|(i, n)| n.mail_files().into_iter().map(move |f| (i, f)))
            .collect()
    }

    /// The link to `path` (`/account/verify?t=…`) in a mail any node wrote to `to`.
    pub fn link_in_mail(&self, to: &str, path: &str) -> Option<String> {
        let mail = self.nodes.iter().find_map(|n| {
            super::read_mails(&n.dir.path().join("mail"))
                .into_iter()
                .find(|m| m.contains(&format!("To: {to}")) && m.contains(path))
        })?;
        let start = mail.find(path)?;
        Some(
            mail[start..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect(),
        )
    }

    /// A connection to the shared database.
    pub async fn sql(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(&self.url()).await.unwrap()
    }

    /// Stops everything and drops the database.
    pub async fn stop(mut self) {
        let _ = self.nginx.kill();
        let _ = self.nginx.wait();
        self.nodes.clear();
        if let Some(db) = self.db.take() {
            db.drop_database().await;
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.nginx.kill();
        let _ = self.nginx.wait();
    }
}

/// Starts one node and waits until it answers `/healthz`; a port taken meanwhile by another
/// test makes it start again on others.
async fn start_node(url: &str, key: &str, lb_port: u16, demo: bool) -> Node {
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut args = vec!["serve".to_string()];
        if demo {
            args.push("--demo".into());
        }
        args.extend(["--listen".into(), format!("127.0.0.1:{port}")]);
        let child = Command::new(BIN)
            .args(&args)
            .arg("--data-dir")
            .arg(dir.path())
            .env("AKINAI__DATABASE_URL", url)
            // A cluster on loopback over plain HTTP: the go-live gate would refuse it in
            // production mode (tested in tests/selfcheck.rs).
            .env("AKINAI__MODE", "development")
            .env("AKINAI__SECRET_KEY", key)
            .env("AKINAI__BASE_URL", format!("http://127.0.0.1:{lb_port}"))
            .env("AKINAI__LOG", "error")
            .env("AKINAI__ADMIN_LISTEN", format!("127.0.0.1:{}", free_port()))
            .env(
                "AKINAI__METRICS_LISTEN",
                format!("127.0.0.1:{}", free_port()),
            )
            .env("AKINAI__CACHE_TTL_MS", "60000")
            .env("AKINAI__FORM_BURST", "100000")
            .env("AKINAI__FORM_PER_MINUTE", "100000")
            .env("AKINAI__API_BURST", "100000")
            .env("AKINAI__API_PER_MINUTE", "100000")
            .env("AKINAI__ACCOUNTS__CHALLENGE_BITS", "8")
            .env("AKINAI__ACCOUNTS__ARGON2_MEMORY_KIB", "8192")
            .env("AKINAI__ACCOUNTS__ARGON2_ITERATIONS", "1")
            .env("AKINAI__ACCOUNTS__SLOW_AFTER_FAILURES", "10")
            .env("AKINAI__ACCOUNTS__LOCK_AFTER_FAILURES", "10")
            .env("AKINAI__DATABASE_MAX_CONNECTIONS", "8")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut node = Node { child, port, dir };
        let client = reqwest::Client::new();
        let health = format!("{}/healthz", node.base());
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            if node.child.try_wait().unwrap().is_some() {
                break; // its port was taken: try others
            }
            let up = client
                .get(&health)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if up {
                return node;
            }
            assert!(Instant::now() < deadline, "the node did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("the node did not start on five sets of ports");
}

/// nginx in front of the nodes: round robin, no stickiness, a refused connection retried on
/// the next node (a request already sent is not: nginx does not resend a POST).
fn start_nginx(bin: &Path, dir: &Path, port: u16, nodes: &[Node]) -> Child {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for sub in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        let path = dir.join(sub);
        std::fs::create_dir(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let servers: String = nodes
        .iter()
        .map(|n| {
            format!(
                "    server 127.0.0.1:{} max_fails=1 fail_timeout=30s;\n",
                n.port
            )
        })
        .collect();
    let d = dir.display();
    // One process (no master): killing it at the end leaves no worker behind holding the port.
    let conf = format!(
        "master_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\ndaemon off;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
         \x20 fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
         \x20 upstream akinai {{\n{servers}  }}\n\
         \x20 server {{\n    listen 127.0.0.1:{port};\n    location / {{\n\
         \x20     proxy_pass http://akinai;\n      proxy_set_header Host $http_host;\n\
         \x20     proxy_set_header X-Forwarded-For $remote_addr;\n\
         \x20     proxy_next_upstream error timeout;\n      proxy_connect_timeout 2s;\n    }}\n  }}\n}}\n"
    );
    let file = dir.join("nginx.conf");
    std::fs::write(&file, conf).unwrap();
    Command::new(bin)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}
