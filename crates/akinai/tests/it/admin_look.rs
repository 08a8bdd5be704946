//! What an admin's browser loads with each page (first-hour issue, item 1): every stylesheet,
//! script and image an admin page links must come from the admin listener itself — the
//! storefront's listener is another origin and may not be reachable from the back office at all.

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;

use crate::support::{admin, Page, Shopper, TestApp};

/// The same-origin URLs a page makes the browser fetch: `<link href>`, `<script src>` and
/// `<img src>` that start with `/`.
fn subresources(page: &Page) -> Vec<String> {
    let mut found = Vec::new();
    for (tag, attr) in [
        ("<link ", "href=\""),
        ("<script ", "src=\""),
        ("<img ", "src=\""),
    ] {
        for piece in page.body.split(tag).skip(1) {
            let element = piece.split('>').next().unwrap_or("");
            if let Some(rest) = element.split(attr).nth(1) {
                let url = rest.split('"').next().unwrap_or("");
                if url.starts_with('/') && !url.starts_with("//") {
                    found.push(url.replace("&amp;", "&"));
                }
            }
        }
    }
    found
}

async fn assert_loads_everything(browser: &Shopper, path: &str) {
    let page = browser.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}");
    let urls = subresources(&page);
    assert!(
        urls.iter().any(|u| u.ends_with(".css")),
        "{path} links a stylesheet: {urls:?}"
    );
    for url in urls {
        let got = browser.get(&url).await;
        assert_eq!(got.status, StatusCode::OK, "{url} linked from {path}");
        if url.ends_with(".css") {
            let ct = got.headers["content-type"].to_str().unwrap();
            assert!(ct.starts_with("text/css"), "{url}: {ct}");
            assert!(got.body.contains('{'), "{url} is a stylesheet");
        }
    }
}

#[tokio::test]
async fn admin_pages_load_their_stylesheet_and_scripts_from_the_admin_listener() {
    let app = TestApp::demo().await;
    let anonymous = app.admin_user(None);
    assert_loads_everything(&anonymous, "/admin/login").await;
    let (owner, _) = admin::signed_in(&app, "owner@example.jp", AdminRole::Owner).await;
    for path in [
        "/admin",
        "/admin/orders",
        "/admin/products",
        "/admin/customers",
        "/admin/settings",
        "/admin/audit",
    ] {
        assert_loads_everything(&owner, path).await;
    }
}

/// Item 7: the back office's navigation is for signed-in admins; the login page shows none.
#[tokio::test]
async fn the_login_page_shows_no_admin_navigation() {
    let app = TestApp::demo().await;
    let login = app.admin_user(None).get("/admin/login").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(!login.body.contains("href=\"/admin/orders\""), "no menu");
    let (owner, _) = admin::signed_in(&app, "owner@example.jp", AdminRole::Owner).await;
    assert!(owner
        .get("/admin")
        .await
        .body
        .contains("href=\"/admin/orders\""));
}

/// Item 7: the authenticator secret of an enrolment link stays the same for the link's
/// lifetime — across reloads and after a wrong code — so an app that scanned it keeps working;
/// another link shows another secret; success is said on the login page.
#[tokio::test]
async fn ccsg_v_1_the_enrolment_secret_stays_fixed_for_the_link_and_success_is_said() {
    use akinai_core::audit::AuditContext;
    let app = TestApp::demo().await;
    let accounts = app.shop.admin_accounts();
    let cli = AuditContext::cli("test");
    let link = accounts
        .create_admin("new@example.jp", "新人", AdminRole::Staff, &cli)
        .await
        .unwrap();
    let other = accounts
        .create_admin("other@example.jp", "別人", AdminRole::Staff, &cli)
        .await
        .unwrap();
    let browser = app.admin_user(None);
    let path = format!("/admin/enrol?t={link}");
    let first = browser.get(&path).await.attr("data-secret");
    assert_eq!(
        browser.get(&path).await.attr("data-secret"),
        first,
        "reload"
    );
    let other_secret = browser
        .get(&format!("/admin/enrol?t={other}"))
        .await
        .attr("data-secret");
    assert_ne!(other_secret, first, "each link its own secret");
    // The secret is the link's, derived by the server: a code of another secret is refused,
    // whatever the form says.
    let now = akinai_core::Clock::now(app.clock.as_ref());
    let foreign = akinai_core::accounts::totp::code_at(&other_secret, now).unwrap();
    let refused = browser
        .submit(
            "/admin/enrol",
            &[
                ("t", &link),
                ("password", admin::ADMIN_PASSWORD),
                ("secret", &other_secret),
                ("code", &foreign),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = browser
        .submit(
            "/admin/enrol",
            &[
                ("t", &link),
                ("password", admin::ADMIN_PASSWORD),
                ("code", "000000"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.attr("data-secret"), first, "after a wrong code");
    let now = akinai_core::Clock::now(app.clock.as_ref());
    let code = akinai_core::accounts::totp::code_at(&first, now).unwrap();
    let done = browser
        .submit(
            "/admin/enrol",
            &[
                ("t", &link),
                ("password", admin::ADMIN_PASSWORD),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let login = browser.get(done.location()).await;
    assert!(login.body.contains("設定が完了しました"), "{}", login.body);
}
