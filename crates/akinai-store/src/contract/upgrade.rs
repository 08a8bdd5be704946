//! The upgrade check (operations issue, item 6): a shop made by akinai's first release, with a
//! catalog, an order, its tax lines and its queued confirmation mail, written with the first
//! migration's schema, then migrated through every migration since. Each backend writes
//! [`first_release_rows`] after applying only its first migration, applies the rest, and runs
//! [`reads_back`] on the result.

use std::sync::Arc;

use akinai_domain::ids::{OrderId, ProductId};
use akinai_domain::order::{OrderStatus, PaymentMethod};
use akinai_domain::search::SearchQuery;
use akinai_domain::Yen;

use crate::{Store, TokenHash};
use akinai_domain::payment::PaymentStatus;

/// When the first-release order was placed, in Unix milliseconds.
pub const PLACED_MS: i64 = 1_764_000_000_000;

/// The first release's rows, one statement each; `time` renders Unix milliseconds as the
/// backend stores a time.
pub fn first_release_rows(time: impl Fn(i64) -> String) -> Vec<String> {
    let t = time(PLACED_MS);
    let details = serde_json::to_string(&super::details())
        .unwrap_or_default()
        .replace('\'', "''");
    vec![
        "INSERT INTO categories (id, parent_id, slug, name, position) VALUES (1, NULL, 'food', '食品', 0)".into(),
        "INSERT INTO products (id, category_id, name, description_html, tax_category, image_hue, \
         published, search_name, search_body) VALUES (1, 1, '本みりん', '<p>三年熟成</p>', 'reduced', \
         30, TRUE, 'ほんみりん', 'さんねんじゅくせい')".into(),
        "INSERT INTO skus (id, product_id, position, code, option_label, price, stock) \
         VALUES (1, 1, 0, 'MIRIN-1', '', 800, 10)".into(),
        format!("INSERT INTO carts (id, token_hash, checkout, created_at, updated_at) VALUES (1, 'cart-1', NULL, {t}, {t})"),
        format!(
            "INSERT INTO orders (id, cart_id, status_token_hash, status, payment_method, email, \
             details, items_total, shipping_fee, payment_fee, grand_total, placed_at, \
             confirmation_sent_at) VALUES (1, 1, 'status-1', 'placed', 'bank_transfer', \
             'hanako@example.jp', '{details}', 1600, 800, 0, 2400, {t}, NULL)"
        ),
        "INSERT INTO order_lines (order_id, line_no, sku_id, product_id, product_name, \
         option_label, sku_code, unit_price, quantity, tax_category, line_total) \
         VALUES (1, 0, 1, 1, '本みりん', '', 'MIRIN-1', 800, 2, 'reduced', 1600)".into(),
        "INSERT INTO order_tax_rates (order_id, tax_category, rate_percent, total, tax) \
         VALUES (1, 'reduced', 8, 1600, 118)".into(),
        format!(
            "INSERT INTO jobs (id, kind, payload, order_id, run_at, attempts, created_at) \
             VALUES (1, 'order_confirmation', '{{\"order_id\":1}}', 1, {t}, 0, {t})"
        ),
    ]
}

/// The first release's shop, migrated, reads back through today's store.
pub async fn reads_back(store: Arc<dyn Store>) {
    let product = store.product(ProductId(1)).await.unwrap().unwrap();
    assert_eq!(product.name, "本みりん");
    assert_eq!(
        (product.skus[0].price, product.skus[0].stock),
        (Yen(800), 10)
    );
    let found = store
        .search(&SearchQuery::parse("みりん").unwrap(), 0, 10)
        .await
        .unwrap();
    assert_eq!(
        found.products.len(),
        1,
        "the old product is found by search"
    );
    let by_gram = store
        .search(&SearchQuery::parse("み").unwrap(), 0, 10)
        .await
        .unwrap();
    assert_eq!(
        by_gram.products.len(),
        1,
        "the name index is built for products that existed before it"
    );

    let order = store.order(OrderId(1)).await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::Placed);
    assert_eq!(order.payment_method, PaymentMethod::BankTransfer);
    assert_eq!(order.details, super::details());
    assert_eq!(order.lines.len(), 1);
    assert_eq!(order.lines[0].quantity, 2);
    assert_eq!(order.totals.grand_total, Yen(2400));
    assert_eq!(order.placed_at.timestamp_millis(), PLACED_MS);
    let by_link = store
        .order_by_status_token(&TokenHash("status-1".into()))
        .await
        .unwrap();
    assert_eq!(
        by_link.map(|o| o.id),
        Some(OrderId(1)),
        "the status link still opens"
    );

    // Later migrations gave the old order what today's orders have: a shop payment record.
    let payment = store.payment_of_order(OrderId(1)).await.unwrap().unwrap();
    assert_eq!(
        (payment.provider.as_str(), payment.amount),
        ("shop", Yen(2400))
    );
    assert_eq!(payment.status, PaymentStatus::Open);
    assert_eq!(
        store.pending_jobs().await.unwrap(),
        1,
        "the confirmation mail still waits"
    );
    let counts = store.row_counts().await.unwrap();
    assert_eq!((counts.products, counts.orders, counts.payments), (1, 1, 1));
}

/// JP-INV-4: an issued document written straight into the table (after the upgrade), then an
/// edit and a deletion that the database itself must refuse, whoever connects to it.
pub fn kept_document_statements(time: impl Fn(i64) -> String) -> [String; 3] {
    let t = time(PLACED_MS);
    [
        format!(
            "INSERT INTO documents (id, order_id, kind, issued_at, issued_by, content) \
             VALUES (1, 1, 'invoice', {t}, 'customer', '{{\"grand_total\":2400}}')"
        ),
        "UPDATE documents SET content = '{\"grand_total\":1}' WHERE id = 1".into(),
        "DELETE FROM documents WHERE id = 1".into(),
    ]
}
