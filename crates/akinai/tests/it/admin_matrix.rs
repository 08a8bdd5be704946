//! SWS-11, admin issue item 3: every admin route, for every role, answers as its declaration in
//! `akinai_web::admin::route_table` says: 403 without the capability, something else with it;
//! and no admin route but login and enrolment serves anyone without a session.

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;
use akinai_web::admin::{route_table, Needs};

use crate::admin_orders::signed_in;
use crate::support::{Shopper, TestApp};

/// The route's path with its parameters filled in.
fn concrete(path: &str, order: i64, product: i64, customer: i64) -> String {
    let id = if path.starts_with("/admin/orders") {
        order
    } else if path.starts_with("/admin/customers") {
        customer
    } else {
        product
    };
    path.replace("{id}", &id.to_string())
        .replace("{section}", "profile")
        .replace("{sku}", "1")
        .replace("{name}", &format!("{}.jpg", "0".repeat(32)))
}

async fn request(b: &Shopper, method: &str, path: &str, csrf: &str) -> StatusCode {
    if method == "GET" {
        b.get(path).await.status
    } else if path.ends_with("/images") || path.ends_with("/settings/logo") {
        b.upload(
            path,
            csrf,
            "note.txt",
            "text/plain",
            b"not a picture".to_vec(),
        )
        .await
        .status
    } else {
        b.post(path, &[("csrf", csrf)]).await.status
    }
}

#[tokio::test]
async fn sws_11_every_admin_route_answers_each_role_as_declared() {
    let app = TestApp::demo().await;
    app.order_one("本みりん").await;
    let order = app
        .store
        .list_orders(&Default::default(), None, 1)
        .await
        .unwrap()[0]
        .id
        .0;
    let product = app.store.admin_products(None, 1).await.unwrap()[0].id.0;
    app.member("matrix@example.jp").await;
    let customer = app
        .store
        .customer_by_email("matrix@example.jp")
        .await
        .unwrap()
        .unwrap()
        .id
        .0;
    let mut admins = Vec::new();
    for role in AdminRole::ALL {
        let b = signed_in(&app, role).await;
        let csrf = b.get("/admin").await.hidden("csrf");
        admins.push((role, b, csrf));
    }
    let anonymous = app.admin_user(None);
    let table = route_table();
    assert!(table.len() >= 25, "the table lists every admin route");
    let mut checked = 0;
    for route in &table {
        // Logging out ends the session the rest of the walk needs; it is checked last.
        if route.path == "/admin/logout" {
            continue;
        }
        let path = concrete(route.path, order, product, customer);
        for (method, needs) in [("GET", route.get), ("POST", route.post)] {
            let Some(needs) = needs else { continue };
            if needs != Needs::Nothing {
                let status = request(&anonymous, method, &path, "").await;
                assert!(
                    status == StatusCode::SEE_OTHER || status == StatusCode::FORBIDDEN,
                    "{method} {path} without a session: {status}"
                );
            }
            for (role, b, csrf) in &admins {
                let allowed = match needs {
                    Needs::Nothing | Needs::SignedIn => true,
                    Needs::Capability(gate) => gate.granted_to(*role),
                };
                let status = request(b, method, &path, csrf).await;
                if allowed {
                    assert_ne!(status, StatusCode::FORBIDDEN, "{method} {path} as {role:?}");
                    assert!(
                        !status.is_server_error(),
                        "{method} {path} as {role:?}: {status}"
                    );
                } else {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path} as {role:?}");
                }
                checked += 1;
            }
        }
    }
    let pairs: usize = table
        .iter()
        .filter(|r| r.path != "/admin/logout")
        .map(|r| usize::from(r.get.is_some()) + usize::from(r.post.is_some()))
        .sum();
    assert_eq!(
        checked,
        AdminRole::ALL.len() * pairs,
        "every method of every route for every role"
    );
    for (role, b, csrf) in &admins {
        let out = b.post("/admin/logout", &[("csrf", csrf.as_str())]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{role:?}");
        assert_eq!(
            b.get("/admin").await.status,
            StatusCode::SEE_OTHER,
            "{role:?} is out"
        );
    }
}
