//! Contract cases for API tokens: kept by hash, listed newest first, revoked once, last use
//! recorded.

use std::sync::Arc;

use chrono::Duration;

use super::t0;
use crate::api_tokens::NewApiToken;
use crate::{Store, TokenHash};

pub(super) async fn api_tokens_are_found_by_hash_revoked_once_and_record_their_use(
    store: Arc<dyn Store>,
) {
    let first = NewApiToken {
        name: "在庫連携".into(),
        prefix: "akn_0123abcd".into(),
        hash: TokenHash("a".repeat(64)),
        scopes: "products:read products:write".into(),
        allowed_ips: "203.0.113.0/24".into(),
        expires_at: Some(t0() + Duration::days(90)),
        created_at: t0(),
        created_by: "cli:operator".into(),
    };
    let a = store.add_api_token(&first).await.unwrap();
    let second = NewApiToken {
        name: "会計".into(),
        prefix: "akn_9999ffff".into(),
        hash: TokenHash("b".repeat(64)),
        allowed_ips: String::new(),
        expires_at: None,
        ..first.clone()
    };
    let b = store.add_api_token(&second).await.unwrap();
    assert!(b.0 > a.0);
    // The same hash twice is refused (a token is unique).
    assert!(store.add_api_token(&first).await.is_err());

    let found = store.api_token_by_hash(&first.hash).await.unwrap().unwrap();
    assert_eq!((found.id, &found.token), (a, &first));
    assert_eq!(
        (found.revoked.clone(), found.last_used.clone()),
        (None, None)
    );
    assert!(store
        .api_token_by_hash(&TokenHash("c".repeat(64)))
        .await
        .unwrap()
        .is_none());

    store
        .record_api_token_use(a, t0() + Duration::minutes(5), "203.0.113.9")
        .await
        .unwrap();
    assert!(store
        .revoke_api_token(a, t0() + Duration::hours(1), "admin:1")
        .await
        .unwrap());
    assert!(!store
        .revoke_api_token(a, t0() + Duration::hours(2), "admin:2")
        .await
        .unwrap());
    let listed = store.api_tokens().await.unwrap();
    assert_eq!(
        listed.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![b, a],
        "newest first"
    );
    assert_eq!(
        listed[1].revoked,
        Some((t0() + Duration::hours(1), "admin:1".to_string()))
    );
    assert_eq!(
        listed[1].last_used,
        Some((t0() + Duration::minutes(5), "203.0.113.9".to_string()))
    );
    assert_eq!(listed[0].token, second);
}
