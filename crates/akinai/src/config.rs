//! Configuration: defaults in code, then an optional TOML file (`--config FILE`), then
//! `AKINAI__`-prefixed environment variables (`AKINAI__MAIL__SMTP_URL` sets `mail.smtp_url`), then
//! command-line flags. Unknown keys anywhere are an error. Secrets are wrapped in [`Secret`], which
//! never prints its value (`Debug`, logs, `akinai config check`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize, Serializer};

/// A configuration value that must not be shown.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: &str) -> Secret {
        Secret(value.to_string())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"***\"")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

/// How shop mail leaves the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTransport {
    /// `.eml` files under `<data-dir>/mail/` (default; nothing is sent).
    File,
    /// An SMTP server given by `mail.smtp_url`.
    Smtp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    pub transport: MailTransport,
    /// e.g. `smtps://user:password@smtp.example.jp:465`.
    pub smtp_url: Option<Secret>,
    /// Sender address of shop mail.
    pub from: String,
}

/// Built-in TLS (IPA-C-9), for shops without a TLS-terminating reverse proxy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain (e.g. Let's Encrypt's `fullchain.pem`); re-read when it changes.
    pub cert_file: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
    /// Optional plain-HTTP listener (e.g. `0.0.0.0:80`) that only redirects to `base_url`.
    pub redirect_listen: Option<SocketAddr>,
}

/// Customer accounts (IPA-C-7, SWS-4, SWS-C2-5).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsSection {
    /// Minutes without use after which a login session ends.
    pub session_idle_minutes: u32,
    /// Days after login at which a session ends, used or not.
    pub session_lifetime_days: u32,
    /// Failed logins for one address after which each try must wait (2, 4, 8 … s).
    pub slow_after_failures: u32,
    /// Failed logins for one address after which it is locked …
    pub lock_after_failures: u32,
    /// … for this many minutes.
    pub lock_minutes: u32,
    /// Distinct addresses failing from one source within 10 minutes that block the source.
    pub block_source_after_accounts: u32,
    pub signups_per_source_per_hour: u32,
    pub signups_per_hour: u32,
    /// Argon2id memory per hash (KiB) and iterations.
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    /// Ask every login and sign-up to solve the bot challenge (otherwise only risky ones).
    pub challenge_always: bool,
    /// Difficulty of the challenge's proof of work in zero bits (16: about 65,000 hashes).
    pub challenge_bits: u32,
    /// Orders to a delivery address an established account added or changed within this many
    /// hours are flagged for review before shipping (CCSG-F-3c).
    pub address_review_hours: u32,
}

impl Default for AccountsSection {
    fn default() -> AccountsSection {
        let c = akinai_core::accounts::AccountsConfig::default();
        AccountsSection {
            session_idle_minutes: u32::try_from(c.session_idle.num_minutes()).unwrap_or(120),
            session_lifetime_days: u32::try_from(c.session_lifetime.num_days()).unwrap_or(14),
            slow_after_failures: c.throttle.slow_after,
            lock_after_failures: c.throttle.lock_after,
            lock_minutes: u32::try_from(c.throttle.lock_for.num_minutes()).unwrap_or(30),
            block_source_after_accounts: c.throttle.stuffing_accounts,
            signups_per_source_per_hour: c.signups_per_source_per_hour,
            signups_per_hour: c.signups_per_hour,
            argon2_memory_kib: c.hash.memory_kib,
            argon2_iterations: c.hash.iterations,
            challenge_always: c.challenge.always,
            challenge_bits: c.challenge.bits,
            address_review_hours: u32::try_from(c.address_review_window.num_hours()).unwrap_or(72),
        }
    }
}

/// Alerts and tamper detection (IPA-C-14).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecuritySection {
    /// Addresses that receive alert mail (injected script, tampered theme, …); empty: log only.
    pub alert_mail_to: Vec<String>,
    /// Theme directory (style sheets, images, fonts) served under `/theme/` once approved with
    /// `akinai theme approve`; unset: no theme.
    pub theme_dir: Option<PathBuf>,
    /// Close checkout when the theme differs from the approved one, until acknowledged.
    pub close_checkout_on_tamper: bool,
    /// Seconds between integrity checks.
    pub integrity_check_secs: u64,
    /// Alert when the akinai executable changes on disk.
    pub watch_executable: bool,
    /// ClamAV daemon that scans every upload, fail-closed (CCSG-V-4):
    /// `unix:/run/clamav/clamd.ctl` or `tcp:127.0.0.1:3310`; unset: uploads are not scanned.
    pub clamd: Option<String>,
    /// Days security events (alerts, CSP reports, sign-in defence) are kept; at least 400.
    /// The audit trail is never pruned.
    pub events_kept_days: u32,
}

impl Default for SecuritySection {
    fn default() -> SecuritySection {
        SecuritySection {
            alert_mail_to: Vec::new(),
            theme_dir: None,
            close_checkout_on_tamper: true,
            integrity_check_secs: 60,
            watch_executable: true,
            clamd: None,
            events_kept_days: 730,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `production` (default) or `development`; production refuses unsafe combinations.
    pub mode: Mode,
    /// Storefront listen address.
    pub listen: SocketAddr,
    /// The admin back office's own listener; never the storefront's (IPA-C-4).
    pub admin_listen: SocketAddr,
    /// Addresses or CIDR ranges that may reach the admin; empty: loopback only.
    pub admin_allow: Vec<akinai_web::proxy::ProxyNet>,
    /// Prometheus metrics (`GET /metrics`) on their own listener; unset: none.
    pub metrics_listen: Option<SocketAddr>,
    /// The admin's public URL for enrolment links; unset: `http://<admin_listen>`.
    pub admin_base_url: Option<String>,
    /// Where the SQLite database, mail files and the secret key live.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; unset means SQLite in `data_dir`.
    pub database_url: Option<Secret>,
    /// Connections per node to PostgreSQL.
    pub database_max_connections: u32,
    /// Public URL of the shop (links in mail); never taken from request headers.
    pub base_url: String,
    /// 64 hex digits signing derived tokens; unset means `<data_dir>/secret.key`, created on first
    /// run. Several nodes must share one key.
    pub secret_key: Option<Secret>,
    pub mail: MailConfig,
    /// Run the background worker inside `serve`.
    pub worker: bool,
    /// Milliseconds that settings, categories and product pages are served from memory; a node
    /// sees another node's catalog edits after at most this long. 0 disables the cache.
    pub cache_ttl_ms: u64,
    /// Log filter, e.g. `info` or `akinai=debug,info`.
    pub log: String,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` are believed: addresses or CIDR
    /// ranges (`"10.0.0.0/8"`); empty: none.
    pub trusted_proxies: Vec<akinai_web::proxy::ProxyNet>,
    /// Form posts one client address may send at once …
    pub form_burst: u32,
    /// … and per minute after that (429 with Retry-After beyond).
    pub form_per_minute: u32,
    /// API requests per token: at once, then per minute (issue 20; 40 and 120 = 2 a second).
    pub api_burst: u32,
    pub api_per_minute: u32,
    /// Whether webhooks may be sent to loopback, private and link-local addresses (a receiver
    /// on the same machine or network). Off in production (SSRF, ADR 038); development mode
    /// allows them anyway.
    pub webhooks_allow_internal: bool,
    /// Open connections at most; further ones are closed on accept.
    pub max_connections: usize,
    /// Seconds a client has to send its request headers (slow-loris defence).
    pub header_read_timeout_secs: u64,
    /// Serve HTTPS on `listen` with these files; unset: plain HTTP (behind a TLS proxy).
    pub tls: Option<TlsConfig>,
    pub security: SecuritySection,
    pub accounts: AccountsSection,
    /// Card and konbini payments (`[payments.stripe]`).
    pub payments: crate::payments::PaymentsSection,
    /// Encrypted backups (`[backup]`).
    pub backup: crate::backup::settings::BackupSection,
    /// Log format and files (`[logs]`).
    pub logs: crate::logfiles::LogsSection,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            mode: Mode::Production,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            admin_listen: SocketAddr::from(([127, 0, 0, 1], 8081)),
            admin_allow: Vec::new(),
            metrics_listen: Some(SocketAddr::from(([127, 0, 0, 1], 9464))),
            admin_base_url: None,
            data_dir: PathBuf::from("./data"),
            database_url: None,
            database_max_connections: 16,
            base_url: "http://localhost:8080".into(),
            secret_key: None,
            mail: MailConfig {
                transport: MailTransport::File,
                smtp_url: None,
                from: "shop@akinai.example".into(),
            },
            worker: true,
            cache_ttl_ms: 1000,
            log: "info".into(),
            trusted_proxies: Vec::new(),
            form_burst: 30,
            form_per_minute: 60,
            api_burst: 40,
            api_per_minute: 120,
            webhooks_allow_internal: false,
            max_connections: 1024,
            header_read_timeout_secs: 10,
            tls: None,
            security: SecuritySection::default(),
            accounts: AccountsSection::default(),
            payments: crate::payments::PaymentsSection::default(),
            backup: crate::backup::settings::BackupSection::default(),
            logs: crate::logfiles::LogsSection::default(),
        }
    }
}

/// How strict the configuration checks are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Production,
    Development,
}

/// Command-line values that override everything else.
#[derive(Debug, Default)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    /// `serve --demo` runs in development mode.
    pub mode: Option<Mode>,
}

impl Config {
    /// Loads the layered configuration.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            anyhow::ensure!(
                path.is_file(),
                "configuration file {} not found",
                path.display()
            );
            figment = figment.merge(Toml::file_exact(path));
        }
        figment = figment.merge(Env::prefixed("AKINAI__").split("__"));
        // Without a configured base_url the shop is at `localhost` on the listening port, so
        // `serve --listen 127.0.0.1:9000` prints, mails and returns to the address it serves
        // (a host name, which passkeys need).
        let mut configured = Figment::new();
        if let Some(path) = file {
            configured = configured.merge(Toml::file_exact(path));
        }
        let configured = configured.merge(Env::prefixed("AKINAI__").split("__"));
        if let Some(listen) = overrides.listen {
            figment = figment.merge(("listen", listen));
        }
        if !configured.contains("base_url") {
            let listen: SocketAddr = figment.extract_inner("listen").context("invalid listen")?;
            figment = figment.merge(("base_url", format!("http://localhost:{}", listen.port())));
        }
        if let Some(dir) = &overrides.data_dir {
            figment = figment.merge(("data_dir", dir));
        }
        if let Some(mode) = overrides.mode {
            figment = figment.merge(("mode", mode));
        }
        let config: Config = figment.extract().context("invalid configuration")?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.admin_listen != self.listen,
            "admin_listen must differ from listen: the admin is never served on the storefront's listener"
        );
        anyhow::ensure!(
            self.metrics_listen
                .is_none_or(|m| m != self.listen && m != self.admin_listen),
            "metrics_listen must differ from listen and admin_listen"
        );
        anyhow::ensure!(
            self.mode == Mode::Development
                || self.admin_listen.ip().is_loopback()
                || !self.admin_allow.is_empty(),
            "admin_listen {} is reachable from other machines but admin_allow is empty: list the \
             addresses that may reach the admin (IPA-C-4), or listen on 127.0.0.1",
            self.admin_listen
        );
        let base = url::Url::parse(&self.base_url).context("base_url is not a URL")?;
        anyhow::ensure!(
            matches!(base.scheme(), "http" | "https"),
            "base_url must be http:// or https://"
        );
        if let Some(url) = &self.database_url {
            anyhow::ensure!(
                url.expose().starts_with("postgres://")
                    || url.expose().starts_with("postgresql://"),
                "database_url must be a postgres:// URL (SQLite needs no URL)"
            );
        }
        if self.mail.transport == MailTransport::Smtp {
            anyhow::ensure!(
                self.mail.smtp_url.is_some(),
                "mail.transport = \"smtp\" needs mail.smtp_url"
            );
        }
        if let Some(key) = &self.secret_key {
            anyhow::ensure!(
                akinai_core::tokens::SecretKey::from_hex(key.expose()).is_some(),
                "secret_key must be 64 hex digits"
            );
        }
        anyhow::ensure!(
            self.database_max_connections > 0,
            "database_max_connections must be at least 1"
        );
        anyhow::ensure!(
            self.max_connections > 0,
            "max_connections must be at least 1"
        );
        if self.tls.is_some() {
            anyhow::ensure!(
                base.scheme() == "https",
                "with [tls] the base_url must start with https://"
            );
        }
        for addr in &self.security.alert_mail_to {
            anyhow::ensure!(
                akinai_domain::address::Email::parse(addr).is_ok(),
                "security.alert_mail_to: `{addr}` is not a mail address"
            );
        }
        if let Some(clamd) = &self.security.clamd {
            clamd
                .parse::<akinai_core::upload_scan::ClamdAddr>()
                .map_err(|e| anyhow::anyhow!("security.clamd: {e}"))?;
        }
        anyhow::ensure!(
            self.security.events_kept_days >= akinai_core::alert::MIN_EVENT_DAYS,
            "security.events_kept_days must be at least {} (security records are kept at least \
             a year)",
            akinai_core::alert::MIN_EVENT_DAYS
        );
        let a = &self.accounts;
        anyhow::ensure!(
            a.session_idle_minutes > 0 && a.session_lifetime_days > 0,
            "accounts: session times must be at least 1"
        );
        anyhow::ensure!(
            a.slow_after_failures > 0 && a.lock_after_failures >= a.slow_after_failures,
            "accounts: lock_after_failures must be at least slow_after_failures (> 0)"
        );
        anyhow::ensure!(
            (8..=24).contains(&a.challenge_bits),
            "accounts.challenge_bits must be between 8 and 24"
        );
        anyhow::ensure!(
            a.argon2_memory_kib >= 8 * 1024 && a.argon2_iterations >= 1,
            "accounts: argon2_memory_kib must be at least 8192"
        );
        anyhow::ensure!(
            self.security.integrity_check_secs > 0,
            "security.integrity_check_secs must be at least 1"
        );
        anyhow::ensure!(
            self.header_read_timeout_secs > 0,
            "header_read_timeout_secs must be at least 1"
        );
        if let Some(stripe) = &self.payments.stripe {
            stripe.validate(self.mode)?;
        }
        self.backup.validate()?;
        self.logs.validate()?;
        Ok(())
    }

    /// The admin's public URL (enrolment links).
    pub fn admin_base_url(&self) -> String {
        self.admin_base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.admin_listen))
            .trim_end_matches('/')
            .to_string()
    }

    pub fn base_url(&self) -> anyhow::Result<url::Url> {
        url::Url::parse(&self.base_url).context("base_url is not a URL")
    }

    /// The use cases' view of the `[security]` section.
    pub fn security(&self) -> akinai_core::SecurityConfig {
        let exe = std::env::current_exe().ok();
        akinai_core::SecurityConfig {
            alert_mail_to: self.security.alert_mail_to.clone(),
            theme_dir: self.security.theme_dir.clone(),
            close_checkout_on_tamper: self.security.close_checkout_on_tamper,
            watched_files: exe
                .filter(|_| self.security.watch_executable)
                .into_iter()
                .collect(),
            clamd: self.security.clamd.as_deref().and_then(|c| c.parse().ok()),
            events_kept_days: self.security.events_kept_days,
            webhooks_allow_internal: self.webhooks_allow_internal || self.mode == Mode::Development,
        }
    }

    /// The use cases' view of the `[accounts]` section.
    pub fn accounts(&self) -> akinai_core::accounts::AccountsConfig {
        use akinai_core::accounts::challenge::ChallengePolicy;
        use akinai_core::accounts::{AccountsConfig, HashConfig};
        use akinai_domain::account::ThrottlePolicy;
        let a = &self.accounts;
        AccountsConfig {
            session_idle: chrono::Duration::minutes(i64::from(a.session_idle_minutes)),
            session_lifetime: chrono::Duration::days(i64::from(a.session_lifetime_days)),
            throttle: ThrottlePolicy {
                slow_after: a.slow_after_failures,
                lock_after: a.lock_after_failures,
                lock_for: chrono::Duration::minutes(i64::from(a.lock_minutes)),
                stuffing_accounts: a.block_source_after_accounts,
                ..ThrottlePolicy::default()
            },
            signups_per_source_per_hour: a.signups_per_source_per_hour,
            signups_per_hour: a.signups_per_hour,
            hash: HashConfig {
                memory_kib: a.argon2_memory_kib,
                iterations: a.argon2_iterations,
                ..HashConfig::default()
            },
            challenge: ChallengePolicy {
                always: a.challenge_always,
                bits: a.challenge_bits,
                ..ChallengePolicy::default()
            },
            address_review_window: chrono::Duration::hours(i64::from(a.address_review_hours)),
            ..AccountsConfig::default()
        }
    }

    /// Whether the shop is served over HTTPS (cookies get `Secure`).
    pub fn https(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    /// The effective configuration as TOML, secrets masked.
    pub fn to_masked_toml(&self) -> anyhow::Result<String> {
        Ok(toml::to_string_pretty(self)?)
    }

    /// The effective configuration as TOML **with its secrets**, for the encrypted part of a
    /// backup only: a restored shop needs its database password, keys and webhook secret.
    pub fn to_toml_with_secrets(&self) -> anyhow::Result<String> {
        let mut value = toml::Value::try_from(self)?;
        let mut secrets: Vec<(&[&str], &Secret)> = Vec::new();
        if let Some(s) = &self.database_url {
            secrets.push((&["database_url"], s));
        }
        if let Some(s) = &self.secret_key {
            secrets.push((&["secret_key"], s));
        }
        if let Some(s) = &self.mail.smtp_url {
            secrets.push((&["mail", "smtp_url"], s));
        }
        if let Some(stripe) = &self.payments.stripe {
            secrets.push((&["payments", "stripe", "secret_key"], &stripe.secret_key));
            secrets.push((
                &["payments", "stripe", "webhook_secret"],
                &stripe.webhook_secret,
            ));
        }
        for (path, secret) in secrets {
            let mut at = &mut value;
            for key in path {
                at = at.get_mut(*key).with_context(|| {
                    format!("{} missing from the configuration", path.join("."))
                })?;
            }
            *at = toml::Value::String(secret.expose().to_string());
        }
        Ok(toml::to_string_pretty(&value)?)
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
