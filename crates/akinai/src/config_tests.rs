//! The layered configuration's tests: files, environment and flags, masking of secrets, the
//! checks that refuse unsafe set-ups.

use super::*;

#[test]
fn secrets_never_print() {
    let s = Secret("hunter2".into());
    assert_eq!(format!("{s:?}"), "\"***\"");
    let mut c = Config {
        database_url: Some(Secret("postgres://u:hunter2@db/x".into())),
        ..Config::default()
    };
    c.mail.smtp_url = Some(Secret("smtps://u:hunter2@mail".into()));
    assert!(!format!("{c:?}").contains("hunter2"));
    assert!(!c.to_masked_toml().unwrap().contains("hunter2"));
}

/// The overrides of `serve --listen addr`.
fn listen_at(addr: &str) -> Overrides {
    Overrides {
        listen: Some(addr.parse().unwrap()),
        ..Overrides::default()
    }
}

#[test]
fn file_then_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("akinai.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:9000\"\nbase_url = \"https://shop.example.jp\"\n[mail]\nfrom = \"info@shop.example.jp\"\ntransport = \"file\"\n").unwrap();
    let c = Config::load(Some(&file), &Overrides::default()).unwrap();
    assert_eq!(c.listen.port(), 9000);
    assert!(c.https());
    assert_eq!(c.mail.from, "info@shop.example.jp");
    let c = Config::load(Some(&file), &listen_at("127.0.0.1:9100")).unwrap();
    assert_eq!(c.listen.port(), 9100);
    assert_eq!(
        c.base_url, "https://shop.example.jp",
        "a configured base_url stays"
    );
}

/// First-hour issue, item 5: without a configured base_url, the shop's address follows the
/// listening port on `localhost`, so what `serve` prints, mails and the payment page's
/// return agree with where it listens.
#[test]
fn an_unconfigured_base_url_follows_the_listening_port() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("akinai.toml");
    std::fs::write(&file, "").unwrap();
    let c = Config::load(Some(&file), &Overrides::default()).unwrap();
    assert_eq!(c.base_url, "http://localhost:8080");
    let c = Config::load(Some(&file), &listen_at("127.0.0.1:9100")).unwrap();
    assert_eq!(c.base_url, "http://localhost:9100");
    std::fs::write(&file, "listen = \"127.0.0.1:9200\"\n").unwrap();
    let c = Config::load(Some(&file), &Overrides::default()).unwrap();
    assert_eq!(c.base_url, "http://localhost:9200");
}

#[test]
fn proxies_take_addresses_and_ranges_and_tls_needs_https() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("akinai.toml");
    std::fs::write(
        &file,
        "base_url = \"https://shop.example.jp\"\ntrusted_proxies = [\"10.0.0.1\", \"172.16.0.0/12\"]\n[tls]\ncert_file = \"/etc/akinai/fullchain.pem\"\nkey_file = \"/etc/akinai/privkey.pem\"\nredirect_listen = \"0.0.0.0:80\"\n",
    )
    .unwrap();
    let c = Config::load(Some(&file), &Overrides::default()).unwrap();
    assert_eq!(c.trusted_proxies.len(), 2);
    assert!(c.trusted_proxies[1].contains("172.20.1.1".parse().unwrap()));
    assert_eq!(c.tls.unwrap().redirect_listen.unwrap().port(), 80);
}

/// IPA-C-4: the admin never shares the storefront's listener, and an admin reachable from
/// other machines needs an allow-list (outside development mode).
#[test]
fn an_exposed_admin_needs_an_allow_list_in_production() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("akinai.toml");
    let load = |text: &str| {
        std::fs::write(&file, text).unwrap();
        Config::load(Some(&file), &Overrides::default())
    };
    let c = load("").unwrap();
    assert_eq!(c.admin_listen.to_string(), "127.0.0.1:8081");
    assert_eq!(c.admin_base_url(), "http://127.0.0.1:8081");
    let exposed = format!(
        "{:#}",
        load("admin_listen = \"0.0.0.0:8081\"\n").unwrap_err()
    );
    assert!(exposed.contains("admin_allow is empty"), "{exposed}");
    assert!(
        load("admin_listen = \"127.0.0.1:8080\"\n").is_err(),
        "same as listen"
    );
    let allowed =
        load("admin_listen = \"0.0.0.0:8081\"\nadmin_allow = [\"192.168.1.0/24\"]\n").unwrap();
    assert!(allowed.admin_allow[0].contains("192.168.1.20".parse().unwrap()));
    assert!(load("mode = \"development\"\nadmin_listen = \"0.0.0.0:8081\"\n").is_ok());
    assert!(load("mode = \"lenient\"\n").is_err());
}

#[test]
fn unknown_keys_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("akinai.toml");
    std::fs::write(&file, "lisen = \"127.0.0.1:9000\"\n").unwrap();
    let err = format!(
        "{:#}",
        Config::load(Some(&file), &Overrides::default()).unwrap_err()
    );
    assert!(err.contains("lisen"), "{err}");
    std::fs::write(
        &file,
        "[mail]\nfrom = \"a@b.c\"\ntransport = \"file\"\nsmtp_host = \"x\"\n",
    )
    .unwrap();
    assert!(Config::load(Some(&file), &Overrides::default()).is_err());
}

#[test]
fn bad_values_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("akinai.toml");
    for bad in [
        "base_url = \"ftp://x\"",
        "database_url = \"mysql://x\"",
        "secret_key = \"abc\"",
        "trusted_proxies = [\"10.0.0.0/33\"]",
        "trusted_proxies = [\"proxy.example\"]",
        "[tls]\ncert_file = \"c.pem\"\nkey_file = \"k.pem\"",
        "[security]\nalert_mail_to = [\"not an address\"]",
        "[security]\nintegrity_check_secs = 0",
        "[security]\nclamd = \"/run/clamav/clamd.ctl\"",
        "[mail]\nfrom = \"a@b.c\"\ntransport = \"smtp\"",
    ] {
        std::fs::write(&file, bad).unwrap();
        assert!(
            Config::load(Some(&file), &Overrides::default()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn security_events_are_kept_at_least_400_days() {
    let mut config = Config::default();
    assert_eq!(config.security.events_kept_days, 730);
    assert!(config.validate().is_ok());
    config.security.events_kept_days = 30;
    let refused = config.validate().unwrap_err().to_string();
    assert!(refused.contains("at least 400"), "{refused}");
}

#[test]
fn ipa_c_12_log_files_cannot_be_kept_less_than_a_year() {
    let mut config = Config::default();
    assert_eq!(config.logs.retention_days, 400);
    config.logs.retention_days = 364;
    let refused = config.validate().unwrap_err().to_string();
    assert!(refused.contains("at least 365"), "{refused}");
}

#[test]
fn ipa_c_13_the_backup_configuration_carries_the_secrets_the_masked_one_does_not() {
    let config = Config {
        database_url: Some(Secret("postgres://u:hunter2@db/x".into())),
        secret_key: Some(Secret("ab".repeat(32))),
        ..Config::default()
    };
    assert!(!config.to_masked_toml().unwrap().contains("hunter2"));
    let full: toml::Value = toml::from_str(&config.to_toml_with_secrets().unwrap()).unwrap();
    assert_eq!(
        full["database_url"].as_str(),
        Some("postgres://u:hunter2@db/x")
    );
    assert_eq!(full["secret_key"].as_str(), Some("ab".repeat(32).as_str()));
}
