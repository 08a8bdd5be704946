//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' annotations and the
//! representations' schemas (utoipa), served at `/api/v1/openapi.json` to anyone (it describes,
//! it does not reveal) and committed as `docs/openapi.json`; a test fails when the two differ,
//! and another when a route of the API is missing from it.

use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::json::{CategoryJson, Customer, OrderSummary, Product};
use super::Problem;

/// A page of products.
#[derive(ToSchema)]
#[allow(dead_code)] // a schema only: the page is written by `page::respond`
pub struct ProductPage {
    pub items: Vec<Product>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A page of orders.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct OrderPage {
    pub items: Vec<OrderSummary>,
    pub next_cursor: Option<String>,
}

/// A page of customers.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CustomerPage {
    pub items: Vec<Customer>,
    pub next_cursor: Option<String>,
}

/// The bearer scheme, and the answers every operation may give.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        // Any API request may meet the token's rate limit or the shop's maintenance.
        let problem = || {
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                .build()
        };
        let answer = |what: &str| {
            utoipa::openapi::ResponseBuilder::new()
                .description(what)
                .content("application/problem+json", problem())
                .build()
        };
        for item in doc.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in ops.into_iter().flatten() {
                for (code, what) in [
                    ("429", "The token's rate limit: wait `Retry-After` seconds"),
                    (
                        "503",
                        "Closed for maintenance: retry after `Retry-After` seconds",
                    ),
                ] {
                    op.responses
                        .responses
                        .insert(code.to_string(), answer(what).into());
                }
                // Every route declares its body limit; a longer body is refused before parsing.
                if op.request_body.is_some() {
                    op.responses.responses.insert(
                        "413".to_string(),
                        answer("The request body is larger than this operation takes").into(),
                    );
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "akinai API",
        version = "1",
        description = "The shop's REST API: products, categories, orders and customers. Bearer \
                       tokens (`akn_…`) with scopes; errors as RFC 9457 problem details; \
                       cursor pages with `Link: rel=\"next\"`; money in integer yen; times in \
                       ISO 8601 with offset. See docs/api.md."
    ),
    servers((url = "/", description = "The shop's own address")),
    paths(
        super::shop::shop_get,
        super::catalog::products_get,
        super::catalog::product_get,
        super::products::products_post,
        super::products::product_patch,
        super::products::variants_post,
        super::products::variant_patch,
        super::catalog::categories_get,
        super::pricing::customer_groups_get,
        super::pricing::price_rules_get,
        super::pricing::coupons_get,
        super::pricing_write::customer_groups_post,
        super::pricing_write::customer_group_put,
        super::pricing_write::price_rules_put,
        super::pricing_write::coupons_post,
        super::pricing_write::coupon_patch,
        super::orders::orders_get,
        super::orders::order_get,
        super::steps::order_events_post,
        super::steps::order_refunds_post,
        super::customers::customers_get,
        super::customers::customer_get,
        super::inventory::publish_post,
        super::inventory::unpublish_post,
        super::inventory::adjust_post,
        super::inventory::set_post,
        super::webhooks::webhooks_get,
        super::webhooks::webhooks_post,
        super::webhooks::webhook_delete,
        super::webhooks::webhook_rotate_post,
        super::webhooks::webhook_deliveries_get,
    ),
    components(schemas(Problem, CategoryJson)),
    modifiers(&BearerAuth),
    tags(
        (name = "shop", description = "The shop itself"),
        (name = "products", description = "Products, variants, categories, price rules, customer groups and coupons (products:read); creating and changing products, publication, inventory, price rules, customer groups and coupons (products:write)"),
        (name = "orders", description = "Orders (orders:read); steps (orders:write); refunds through the provider (orders:write and orders:refund)"),
        (name = "customers", description = "Customers' personal data (customers:read, every read audited)"),
        (name = "webhooks", description = "Outgoing webhook endpoints (webhooks:read, webhooks:write)"),
    )
)]
pub struct ApiDoc;

/// The document as committed: pretty JSON with a final newline.
pub fn document() -> String {
    let mut text = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// `GET /api/v1/openapi.json`.
pub(crate) async fn openapi_get() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        document(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committed_path() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
    }

    /// Drift (issue 20, item 3): the committed document is the one the code generates. After a
    /// change to the API, `AKINAI_UPDATE_OPENAPI=1 cargo test -p akinai-web openapi` rewrites it.
    #[test]
    fn the_committed_openapi_document_is_the_generated_one() {
        let generated = document();
        if std::env::var_os("AKINAI_UPDATE_OPENAPI").is_some() {
            std::fs::write(committed_path(), &generated).unwrap();
        }
        let committed = std::fs::read_to_string(committed_path()).unwrap();
        assert!(
            committed == generated,
            "docs/openapi.json differs from the generated document; rerun with \
             AKINAI_UPDATE_OPENAPI=1 and commit it"
        );
        let doc: serde_json::Value = serde_json::from_str(&committed).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    }

    /// Every API route of the router is described, and nothing else is.
    #[test]
    fn every_api_route_is_in_the_document_and_every_path_is_routed() {
        let doc: serde_json::Value = serde_json::from_str(&document()).unwrap();
        let paths: std::collections::BTreeSet<String> =
            doc["paths"].as_object().unwrap().keys().cloned().collect();
        let routed: std::collections::BTreeSet<String> = crate::route_table()
            .into_iter()
            .filter(|r| r.policy == crate::Policy::Api)
            .map(|r| r.path.to_string())
            .collect();
        assert_eq!(paths, routed);
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                assert!(
                    op["responses"]["401"].is_object(),
                    "{method} {path} documents the 401"
                );
                assert!(op["security"].is_array(), "{method} {path} names its scope");
            }
        }
    }
}
