//! The REST API's door (issue 20, items 1–2; SWS-4, SWS-6): `/api/v1` answers only a bearer
//! token that is admitted now, with JSON, never a cookie; everything else gets the same 401 as
//! problem details with `WWW-Authenticate: Bearer`.

use reqwest::StatusCode;

use akinai_core::api::TokenRequest;
use akinai_core::audit::AuditContext;

use crate::support::TestApp;

async fn get(app: &TestApp, path: &str, authorization: Option<&str>) -> reqwest::Response {
    let shopper = app.shopper();
    let mut request = shopper.client.get(format!("{}{path}", shopper.base));
    if let Some(a) = authorization {
        request = request.header("authorization", a);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn sws_4_the_api_answers_an_admitted_token_with_json_and_everyone_else_with_the_same_401() {
    let app = TestApp::demo().await;
    let tokens = app.shop.api_tokens();
    let made = tokens
        .create(
            &AuditContext::cli("test"),
            &TokenRequest {
                name: "会計ソフト".into(),
                scopes: "webhooks:read".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let bearer = format!("Bearer {}", made.secret);

    let ok = get(&app, "/api/v1/shop", Some(&bearer)).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(
        ok.headers().get("set-cookie").is_none(),
        "the API sets no cookie"
    );
    assert!(ok.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let body: serde_json::Value = ok.json().await.unwrap();
    let settings = app.shop.storefront().settings().await.unwrap();
    assert_eq!(body["name"], settings.shop_name.as_str());
    assert_eq!(body["currency"], "JPY");
    assert_eq!(body["prices_include_tax"], true);
    assert_eq!(body["tax_rates"][0]["rate_percent"], 10);
    assert_eq!(body["tax_rates"][1]["category"], "reduced");

    let wrong = format!("Bearer akn_{}", "0".repeat(64));
    let basic = "Basic dXNlcjpwYXNz".to_string();
    // The scheme is case-insensitive.
    let lower = format!("bearer {}", made.secret);
    assert_eq!(
        get(&app, "/api/v1/shop", Some(&lower)).await.status(),
        StatusCode::OK
    );
    for authorization in [
        None,
        Some(wrong.as_str()),
        Some(basic.as_str()),
        Some("Bearer "),
    ] {
        let refused = get(&app, "/api/v1/shop", authorization).await;
        assert_eq!(
            refused.status(),
            StatusCode::UNAUTHORIZED,
            "{authorization:?}"
        );
        assert_eq!(
            refused.headers()["www-authenticate"],
            "Bearer realm=\"akinai\""
        );
        assert_eq!(
            refused.headers()["content-type"],
            "application/problem+json"
        );
        assert!(refused.headers().get("set-cookie").is_none());
        let problem: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(problem["status"], 401);
        assert_eq!(
            problem["type"],
            "https://akinai.dev/problems/unauthenticated"
        );
    }

    // Revoked: the same 401.
    tokens
        .revoke(&AuditContext::cli("test"), &made.prefix)
        .await
        .unwrap();
    assert_eq!(
        get(&app, "/api/v1/shop", Some(&bearer)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}
