//! API tokens (issue 20, item 2; SWS-4): made with the CLI and printed once, kept only as their
//! SHA-256 with a visible prefix, scoped, admitted only until revoked or expired and from the
//! allowed addresses, every creation and revocation audited with the operator.

use std::net::IpAddr;

use chrono::Duration;
use sha2::{Digest, Sha256};

use akinai_core::api::TokenRequest;
use akinai_core::audit::AuditContext;
use akinai_domain::api::Scope;

use crate::support::TestApp;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[tokio::test]
async fn sws_4_the_cli_prints_a_token_once_keeps_only_its_hash_and_revokes_it() {
    let app = TestApp::empty().await;
    let made = app.cli(&[
        "api",
        "token",
        "create",
        "--name",
        "在庫連携",
        "--scopes",
        "products:read,orders:read",
        "--expires",
        "30",
        "--by",
        "店長",
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let secret = String::from_utf8(made.stdout).unwrap().trim().to_string();
    assert!(akinai_domain::api::is_token(&secret), "{secret}");
    let note = String::from_utf8(made.stderr).unwrap();
    assert!(
        note.contains(&secret[..12]) && note.contains("shown this once"),
        "{note}"
    );

    // Only the hash is kept; the prefix identifies it.
    let kept = app.store.api_tokens().await.unwrap();
    assert_eq!(kept.len(), 1);
    let t = &kept[0].token;
    assert_eq!(t.hash.0, hex::encode(Sha256::digest(secret.as_bytes())));
    assert_eq!(t.prefix, &secret[..12]);
    assert_eq!(t.scopes, "products:read orders:read");
    assert!(t.expires_at.is_some());

    // The list names it without the secret.
    let list = app.cli(&["api", "token", "list"]);
    let listed = String::from_utf8(list.stdout).unwrap();
    assert!(
        listed.contains(&t.prefix) && listed.contains("在庫連携") && listed.contains("never used")
    );
    assert!(!listed.contains(&secret));

    // The token lets a request in with its scopes, and the use is recorded.
    let tokens = app.shop.api_tokens();
    let caller = tokens
        .authenticate(&secret, ip("203.0.113.9"))
        .await
        .unwrap()
        .expect("admitted");
    assert!(caller.scopes.allows(Scope::OrdersRead));
    assert!(
        !caller.scopes.allows(Scope::OrdersWrite),
        "write is not implied"
    );
    let used = app.store.api_tokens().await.unwrap()[0].last_used.clone();
    assert_eq!(used.map(|(_, ip)| ip), Some("203.0.113.9".to_string()));
    // A wrong token of the right shape, or garbage, lets nobody in.
    let wrong = format!("akn_{}", "0".repeat(64));
    for bad in [wrong.as_str(), "", "Bearer x", &secret[..40]] {
        assert!(
            tokens
                .authenticate(bad, ip("203.0.113.9"))
                .await
                .unwrap()
                .is_none(),
            "{bad}"
        );
    }

    // A scope that does not exist: nothing is made, and the message says what is allowed.
    let refused = app.cli(&[
        "api",
        "token",
        "create",
        "--name",
        "x",
        "--scopes",
        "orders:admin",
        "--by",
        "店長",
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("orders:write"));
    assert_eq!(app.store.api_tokens().await.unwrap().len(), 1);

    // Revoked by its prefix: it no longer lets anyone in; revoking again is an error.
    let revoked = app.cli(&["api", "token", "revoke", &t.prefix, "--by", "店長"]);
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    assert!(tokens
        .authenticate(&secret, ip("203.0.113.9"))
        .await
        .unwrap()
        .is_none());
    let again = app.cli(&["api", "token", "revoke", &t.prefix, "--by", "店長"]);
    assert!(!again.status.success());
    let listed = String::from_utf8(app.cli(&["api", "token", "list"]).stdout).unwrap();
    assert!(listed.contains("revoked"), "{listed}");

    for action in ["api_token.create", "api_token.revoke"] {
        let entries = app.store.audit_entries_of(action, 5).await.unwrap();
        assert_eq!(entries.len(), 1, "{action}");
        assert_eq!(entries[0].record.actor, "cli:店長");
        assert!(
            !entries[0].record.detail.contains(&secret),
            "the secret is never logged"
        );
    }
}

#[tokio::test]
async fn a_token_expires_and_is_fenced_to_its_addresses() {
    let app = TestApp::empty().await;
    let tokens = app.shop.api_tokens();
    let made = tokens
        .create(
            &AuditContext::cli("test"),
            &TokenRequest {
                name: "倉庫".into(),
                scopes: "orders:read, orders:write".into(),
                expires_in_days: Some(7),
                allowed_ips: "198.51.100.0/24, 2001:db8::1".into(),
            },
        )
        .await
        .unwrap();
    let inside = ip("198.51.100.20");
    assert!(tokens
        .authenticate(&made.secret, inside)
        .await
        .unwrap()
        .is_some());
    assert!(tokens
        .authenticate(&made.secret, ip("2001:db8::1"))
        .await
        .unwrap()
        .is_some());
    assert!(tokens
        .authenticate(&made.secret, ip("203.0.113.9"))
        .await
        .unwrap()
        .is_none());
    assert!(tokens
        .authenticate(&made.secret, ip("127.0.0.1"))
        .await
        .unwrap()
        .is_none());
    app.clock.advance(Duration::days(7));
    assert!(
        tokens
            .authenticate(&made.secret, inside)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    // Bad requests make nothing.
    for bad in [
        TokenRequest {
            name: String::new(),
            scopes: "orders:read".into(),
            ..Default::default()
        },
        TokenRequest {
            name: "x".into(),
            scopes: String::new(),
            ..Default::default()
        },
        TokenRequest {
            name: "x".into(),
            scopes: "orders:read".into(),
            expires_in_days: Some(0),
            ..Default::default()
        },
        TokenRequest {
            name: "x".into(),
            scopes: "orders:read".into(),
            allowed_ips: "10.0.0.0/40".into(),
            ..Default::default()
        },
    ] {
        assert!(
            tokens
                .create(&AuditContext::cli("test"), &bad)
                .await
                .is_err(),
            "{bad:?}"
        );
    }
    assert_eq!(app.store.api_tokens().await.unwrap().len(), 1);
}

#[tokio::test]
async fn sws_4_an_owner_makes_a_token_in_the_admin_sees_it_once_and_revokes_it() {
    let app = TestApp::empty().await;
    let owner = crate::admin_orders::signed_in(&app, akinai_domain::admin::AdminRole::Owner).await;
    let page = owner.get("/admin/api-tokens").await;
    assert_eq!(page.status, reqwest::StatusCode::OK);
    assert!(page.body.contains("まだありません"));

    // Without a scope nothing is made.
    let refused = owner
        .admin_post("/admin/api-tokens", &[("name", "倉庫"), ("expires", "30")])
        .await;
    assert_eq!(refused.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("権限(1 つ以上)"));
    assert!(app.store.api_tokens().await.unwrap().is_empty());

    let made = owner
        .admin_post(
            "/admin/api-tokens",
            &[
                ("name", "倉庫"),
                ("scope", "orders:read"),
                ("scope", "orders:write"),
                ("expires", "30"),
                ("allowed_ips", "198.51.100.0/24"),
            ],
        )
        .await;
    assert_eq!(made.status, reqwest::StatusCode::OK, "{}", made.body);
    let kept = app.store.api_tokens().await.unwrap();
    assert_eq!(kept.len(), 1);
    let prefix = kept[0].token.prefix.clone();
    let at = made.body.find("value=\"akn_").expect("the secret is shown") + 7;
    let secret = &made.body[at..at + 68];
    assert!(akinai_domain::api::is_token(secret), "{secret}");
    assert!(secret.starts_with(&prefix));
    assert_eq!(kept[0].token.scopes, "orders:read orders:write");
    let caller = app
        .shop
        .api_tokens()
        .authenticate(secret, ip("198.51.100.7"))
        .await
        .unwrap()
        .expect("admitted");
    assert_eq!(caller.name, "倉庫");
    let audited = app
        .store
        .audit_entries_of("api_token.create", 5)
        .await
        .unwrap();
    assert!(audited[0].record.actor.starts_with("admin:"));

    // Shown once: the list has the prefix and the last use, never the secret.
    let list = owner.get("/admin/api-tokens").await;
    assert!(list.body.contains(&prefix) && list.body.contains("198.51.100.7"));
    assert!(!list.body.contains(secret));

    let id = kept[0].id.0.to_string();
    let revoked = owner
        .admin_post("/admin/api-tokens/revoke", &[("id", id.as_str())])
        .await;
    assert_eq!(revoked.status, reqwest::StatusCode::OK);
    assert!(revoked.body.contains("無効にしました"));
    assert!(app
        .shop
        .api_tokens()
        .authenticate(secret, ip("198.51.100.7"))
        .await
        .unwrap()
        .is_none());

    // Managers may not (owners only).
    let manager =
        crate::admin_orders::signed_in(&app, akinai_domain::admin::AdminRole::Manager).await;
    assert_eq!(
        manager.get("/admin/api-tokens").await.status,
        reqwest::StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_tokens_last_use_is_written_once_a_minute_per_address_not_on_every_request() {
    let app = TestApp::empty().await;
    let tokens = app.shop.api_tokens();
    let made = tokens
        .create(
            &AuditContext::cli("test"),
            &TokenRequest {
                name: "在庫".into(),
                scopes: "products:read".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let last = || async {
        app.store.api_tokens().await.unwrap()[0]
            .last_used
            .clone()
            .unwrap()
    };
    let (a, b) = (ip("203.0.113.1"), ip("203.0.113.2"));
    assert!(tokens
        .authenticate(&made.secret, a)
        .await
        .unwrap()
        .is_some());
    let first = last().await;
    app.clock.advance(Duration::seconds(30));
    assert!(tokens
        .authenticate(&made.secret, a)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        last().await,
        first,
        "the same address within a minute: not written again"
    );
    assert!(tokens
        .authenticate(&made.secret, b)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        last().await.1,
        "203.0.113.2",
        "another address is written at once"
    );
    app.clock.advance(Duration::seconds(61));
    assert!(tokens
        .authenticate(&made.secret, b)
        .await
        .unwrap()
        .is_some());
    assert_eq!(last().await.0, first.0 + Duration::seconds(91));
}
