//! Row-to-record mapping shared by the SQLite and PostgreSQL backends.
//!
//! The two backends differ in their SQL (placeholders, time types, full-text search, locking) but
//! read the same columns into the same domain records. This crate holds that reading once,
//! generic over any sqlx row whose driver decodes `BIGINT` as `i64` and text as `String`, plus the
//! mapping of driver errors to [`StoreError`]. Timestamps are left to each backend (Unix
//! milliseconds on SQLite, `TIMESTAMPTZ` on PostgreSQL).
#![forbid(unsafe_code)]

mod account_guard;
mod accounts;
mod admin;
mod api_tokens;
mod audit;
mod browse;
mod business;
mod cart;
mod catalog;
mod catalog_admin;
mod coupons;
mod customers;
mod dialect;
mod documents;
mod fulfilment;
mod incidents;
mod integrity;
mod inventory;
mod jobs;
mod leases;
mod member;
mod operations;
mod orders;
mod payments;
mod points;
mod price_rules;
mod quotes;
mod receivables;
mod refunds;
mod reports;
mod search;
mod security;
mod security_tasks;
mod transfer;
mod transfer_runs;
mod webhooks;
pub use dialect::{Arg, Dialect, Filter, Sql};
pub use operations::{row_counts, ROW_COUNTS};
pub use payments::*;
pub use search::every_group;
pub use webhooks::{event_body, event_time};

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Decode, Row, Type};

use akinai_domain::catalog::{Category, ProductSummary, Quantity, Sku, SkuForSale};
use akinai_domain::fulfilment::{Carrier, Shipment, TrackingNumber};
use akinai_domain::ids::{CartId, CategoryId, JobId, OrderId, ProductId, SkuId};
use akinai_domain::ids::{CustomerId, SessionId};
use akinai_domain::order::{OrderStatus, PaymentMethod};
use akinai_domain::points::PointsState;
use akinai_domain::pricing::{PricedLine, RateTotal};
use akinai_domain::tax::TaxCategory;
use akinai_domain::Yen;
use akinai_store::fulfilment::{OrderHistoryEntry, OrderListRow};
use akinai_store::{
    Cart, CheckoutHold, Customer, Job, SecurityEvent, Session, StoreError, StoreResult,
    ThemeManifest,
};

/// Typed column access with errors mapped to [`StoreError`].
pub trait Columns {
    fn int(&self, column: &str) -> StoreResult<i64>;
    fn opt_int(&self, column: &str) -> StoreResult<Option<i64>>;
    fn text(&self, column: &str) -> StoreResult<String>;
    fn opt_text(&self, column: &str) -> StoreResult<Option<String>>;
}

impl<R> Columns for R
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    fn int(&self, column: &str) -> StoreResult<i64> {
        self.try_get(column).map_err(map_err)
    }

    fn opt_int(&self, column: &str) -> StoreResult<Option<i64>> {
        self.try_get(column).map_err(map_err)
    }

    fn text(&self, column: &str) -> StoreResult<String> {
        self.try_get(column).map_err(map_err)
    }

    fn opt_text(&self, column: &str) -> StoreResult<Option<String>> {
        self.try_get(column).map_err(map_err)
    }
}

pub fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// The one row of an autocommitted `INSERT … RETURNING` read with `fetch_all`: SQLite commits
/// such a statement when it runs to its end, so reading only the first row (`fetch_one`) would
/// lose a failed commit (a full disk) and hand back the id of a row that was never saved.
pub(crate) fn one<T>(rows: Vec<T>) -> Result<T, sqlx::Error> {
    rows.into_iter().next().ok_or(sqlx::Error::RowNotFound)
}

/// Like [`one`], for a statement that may return no row.
pub(crate) fn first<T>(rows: Vec<T>) -> Option<T> {
    rows.into_iter().next()
}

/// Maps driver errors to what callers can act on.
pub fn map_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            StoreError::Unavailable(e.to_string())
        }
        // SQLite's busy timeout ran out.
        sqlx::Error::Database(db) if db.message().contains("database is locked") => {
            StoreError::Unavailable(e.to_string())
        }
        // The disk is full: SQLITE_FULL (13), PostgreSQL's disk_full (53100) and its other
        // insufficient-resources states (53xxx). Nothing was written; worth retrying later.
        sqlx::Error::Database(db)
            if db.code().is_some_and(|c| c == "13" || c.starts_with("53"))
                || db.message().contains("disk is full") =>
        {
            StoreError::Unavailable(format!("disk full: {e}"))
        }
        // SQLite could not write a file (SQLITE_IOERR and its extended codes, e.g. growing the
        // WAL index on a full disk: `SQLITE_IOERR_SHMSIZE`). The transaction was rolled back,
        // so this too is "nothing saved, try again later", not a fault of the request.
        sqlx::Error::Database(db) if db.message().contains("disk I/O error") => {
            StoreError::Unavailable(format!("storage I/O error: {e}"))
        }
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            StoreError::Corrupt(e.to_string())
        }
        _ => StoreError::Backend(e.to_string()),
    }
}

fn tax(s: &str) -> StoreResult<TaxCategory> {
    TaxCategory::parse(s).ok_or_else(|| corrupt(format!("tax category {s}")))
}

fn u32_of(v: i64) -> StoreResult<u32> {
    u32::try_from(v).map_err(corrupt)
}

fn hue(v: i64) -> StoreResult<u16> {
    u16::try_from(v).map_err(corrupt)
}

/// `id, parent_id, slug, name, position`.
pub fn category(r: &impl Columns) -> StoreResult<Category> {
    Ok(Category {
        id: CategoryId(r.int("id")?),
        parent_id: r.opt_int("parent_id")?.map(CategoryId),
        slug: r.text("slug")?,
        name: r.text("name")?,
        position: r.int("position")?,
    })
}

/// `id, name, tax_category, image_hue, price_min, price_max, stock_max`.
pub fn summary(r: &impl Columns) -> StoreResult<ProductSummary> {
    let (min, max) = (r.int("price_min")?, r.int("price_max")?);
    Ok(ProductSummary {
        id: ProductId(r.int("id")?),
        name: r.text("name")?,
        price_from: Yen(min),
        price_varies: min != max,
        tax_category: tax(&r.text("tax_category")?)?,
        in_stock: r.int("stock_max")? > 0,
        image_hue: hue(r.int("image_hue")?)?,
        image: r.opt_text("image")?,
    })
}

/// `id, code, option_label, price, stock` of a SKU of `product`.
pub fn sku(r: &impl Columns, product: ProductId) -> StoreResult<Sku> {
    Ok(Sku {
        id: SkuId(r.int("id")?),
        product_id: product,
        code: r.text("code")?,
        option_label: r.text("option_label")?,
        price: Yen(r.int("price")?),
        stock: r.int("stock")?,
    })
}

/// The product columns `category_id, name, description_html, tax_category, image_hue` with its SKUs.
pub fn product(
    r: &impl Columns,
    id: ProductId,
    skus: Vec<Sku>,
) -> StoreResult<akinai_domain::catalog::Product> {
    Ok(akinai_domain::catalog::Product {
        id,
        category_id: CategoryId(r.int("category_id")?),
        name: r.text("name")?,
        description: akinai_domain::rich_text::SafeHtml::from_stored(r.text("description_html")?),
        tax_category: tax(&r.text("tax_category")?)?,
        image_hue: hue(r.int("image_hue")?)?,
        image: r.opt_text("image")?,
        skus,
    })
}

/// `id, product_id, name, option_label, code, price, tax_category, stock`.
pub fn sku_for_sale(r: &impl Columns) -> StoreResult<SkuForSale> {
    Ok(SkuForSale {
        sku_id: SkuId(r.int("id")?),
        product_id: ProductId(r.int("product_id")?),
        product_name: r.text("name")?,
        option_label: r.text("option_label")?,
        code: r.text("code")?,
        price: Yen(r.int("price")?),
        tax_category: tax(&r.text("tax_category")?)?,
        stock: r.int("stock")?,
    })
}

/// `id, checkout, coupon_code, points_to_use, quote_id, order_id`.
pub fn cart(r: &impl Columns) -> StoreResult<Cart> {
    Ok(Cart {
        id: CartId(r.int("id")?),
        order_id: r.opt_int("order_id")?.map(OrderId),
        checkout: r
            .opt_text("checkout")?
            .map(|c| serde_json::from_str(&c).map_err(corrupt))
            .transpose()?,
        coupon: r.opt_text("coupon_code")?,
        points: r.int("points_to_use")?,
        quote: r.opt_int("quote_id")?.map(akinai_domain::ids::QuoteId),
    })
}

/// `sku_id, quantity`.
pub fn cart_line(r: &impl Columns) -> StoreResult<(SkuId, Quantity)> {
    Ok((
        SkuId(r.int("sku_id")?),
        Quantity::new(r.int("quantity")?).map_err(corrupt)?,
    ))
}

/// `id, kind, payload, attempts`.
pub fn job(r: &impl Columns) -> StoreResult<Job> {
    Ok(Job {
        id: JobId(r.int("id")?),
        kind: r.text("kind")?,
        payload: serde_json::from_str(&r.text("payload")?).map_err(corrupt)?,
        attempts: r.int("attempts")?,
    })
}

/// `sku_id, product_id, product_name, option_label, sku_code, unit_price, quantity, tax_category, line_total`.
pub fn priced_line(r: &impl Columns) -> StoreResult<PricedLine> {
    Ok(PricedLine {
        sku_id: SkuId(r.int("sku_id")?),
        product_id: ProductId(r.int("product_id")?),
        product_name: r.text("product_name")?,
        option_label: r.text("option_label")?,
        sku_code: r.text("sku_code")?,
        unit_price: Yen(r.int("unit_price")?),
        quantity: u32_of(r.int("quantity")?)?,
        tax_category: tax(&r.text("tax_category")?)?,
        line_total: Yen(r.int("line_total")?),
    })
}

/// `tax_category, rate_percent, total, tax, discount`.
pub fn rate_total(r: &impl Columns) -> StoreResult<RateTotal> {
    Ok(RateTotal {
        tax_category: tax(&r.text("tax_category")?)?,
        rate_percent: u32_of(r.int("rate_percent")?)?,
        total: Yen(r.int("total")?),
        tax: Yen(r.int("tax")?),
        discount: Yen(r.int("discount")?),
    })
}

/// The order columns `id, cart_id, status, payment_method, details, items_total, shipping_fee,
/// payment_fee, grand_total, discount_total, coupon_code, points_used, points_earned,
/// points_state` with its lines, rates and the backend-decoded times.
pub fn order(
    r: &impl Columns,
    lines: Vec<PricedLine>,
    mut rates: Vec<RateTotal>,
    placed_at: DateTime<Utc>,
    confirmation_sent_at: Option<DateTime<Utc>>,
) -> StoreResult<akinai_store::Order> {
    rates.sort_by_key(|r| r.tax_category);
    let status = r.text("status")?;
    let payment = r.text("payment_method")?;
    Ok(akinai_store::Order {
        id: OrderId(r.int("id")?),
        cart_id: CartId(r.int("cart_id")?),
        customer_id: r.opt_int("customer_id")?.map(CustomerId),
        status: OrderStatus::parse(&status).ok_or_else(|| corrupt(format!("status {status}")))?,
        payment_method: PaymentMethod::parse(&payment)
            .ok_or_else(|| corrupt(format!("payment {payment}")))?,
        details: serde_json::from_str(&r.text("details")?).map_err(corrupt)?,
        lines,
        totals: akinai_domain::pricing::Totals {
            items_total: Yen(r.int("items_total")?),
            shipping_fee: Yen(r.int("shipping_fee")?),
            payment_fee: Yen(r.int("payment_fee")?),
            grand_total: Yen(r.int("grand_total")?),
            discount: Yen(r.int("discount_total")?),
            points: Yen(r.int("points_used")?),
            rates,
        },
        placed_at,
        confirmation_sent_at,
        review_reason: r.opt_text("review_reason")?,
        review_pending: r.int("review_pending")? != 0,
        shipment: shipment(r)?,
        coupon_code: r.opt_text("coupon_code")?,
        points_earned: r.int("points_earned")?,
        points_state: {
            let s = r.text("points_state")?;
            PointsState::parse(&s).ok_or_else(|| corrupt(format!("points state {s}")))?
        },
    })
}

/// The `carrier, tracking_number` columns as a shipment (both or neither).
pub fn shipment(r: &impl Columns) -> StoreResult<Option<Shipment>> {
    match (r.opt_text("carrier")?, r.opt_text("tracking_number")?) {
        (Some(c), Some(t)) => Ok(Some(Shipment {
            carrier: Carrier::parse(&c).ok_or_else(|| corrupt(format!("carrier {c}")))?,
            tracking_number: TrackingNumber::parse(&t)
                .ok_or_else(|| corrupt(format!("tracking number {t}")))?,
        })),
        _ => Ok(None),
    }
}

fn status_of(s: &str) -> StoreResult<OrderStatus> {
    OrderStatus::parse(s).ok_or_else(|| corrupt(format!("status {s}")))
}

/// `id, status, payment_method, details, grand_total, review_pending` of the admin order list.
pub fn order_list_row(r: &impl Columns, placed_at: DateTime<Utc>) -> StoreResult<OrderListRow> {
    let payment = r.text("payment_method")?;
    Ok(OrderListRow {
        id: OrderId(r.int("id")?),
        status: status_of(&r.text("status")?)?,
        payment_method: PaymentMethod::parse(&payment)
            .ok_or_else(|| corrupt(format!("payment {payment}")))?,
        details: serde_json::from_str(&r.text("details")?).map_err(corrupt)?,
        grand_total: Yen(r.int("grand_total")?),
        placed_at,
        review_pending: r.int("review_pending")? != 0,
        payment_held: r.int("payment_held")? != 0,
    })
}

/// `actor, from_status, to_status, carrier, tracking_number, note` of an order history row.
pub fn order_history_entry(r: &impl Columns, at: DateTime<Utc>) -> StoreResult<OrderHistoryEntry> {
    let step = match (r.opt_text("from_status")?, r.opt_text("to_status")?) {
        (Some(f), Some(t)) => Some((status_of(&f)?, status_of(&t)?)),
        _ => None,
    };
    Ok(OrderHistoryEntry {
        at,
        actor: r.text("actor")?,
        step,
        shipment: shipment(r)?,
        note: r.opt_text("note")?,
    })
}

/// `id, kind, source_ip, detail` of a security event, with its backend-decoded time.
pub fn security_event(r: &impl Columns, at: DateTime<Utc>) -> StoreResult<SecurityEvent> {
    Ok(SecurityEvent {
        id: akinai_domain::ids::SecurityEventId(r.int("id")?),
        kind: r.text("kind")?,
        at,
        source_ip: r.opt_text("source_ip")?,
        detail: serde_json::from_str(&r.text("detail")?).map_err(corrupt)?,
    })
}

/// `id, files, approved_by` (the time read by the backend).
pub fn theme_manifest(r: &impl Columns, approved_at: DateTime<Utc>) -> StoreResult<ThemeManifest> {
    Ok(ThemeManifest {
        id: akinai_domain::ids::ThemeManifestId(r.int("id")?),
        files: serde_json::from_str(&r.text("files")?).map_err(corrupt)?,
        approved_at,
        approved_by: r.text("approved_by")?,
    })
}

/// `id, reason, detail` (the time read by the backend).
pub fn checkout_hold(r: &impl Columns, raised_at: DateTime<Utc>) -> StoreResult<CheckoutHold> {
    Ok(CheckoutHold {
        id: akinai_domain::ids::CheckoutHoldId(r.int("id")?),
        reason: r.text("reason")?,
        detail: serde_json::from_str(&r.text("detail")?).map_err(corrupt)?,
        raised_at,
    })
}

/// Reads a nullable time column the backend's way (Unix ms or `TIMESTAMPTZ`).
pub type TimeColumn<'a> = &'a dyn Fn(&str) -> StoreResult<Option<DateTime<Utc>>>;

pub(crate) fn required(time: TimeColumn<'_>, column: &str) -> StoreResult<DateTime<Utc>> {
    time(column)?.ok_or_else(|| corrupt(format!("{column} is null")))
}

/// `id, email, name, password_hash, email_verified_at, created_at, last_login_at, phone,
/// deleted_at, locked_at, marketing_consent` (0 or 1).
pub fn customer(r: &impl Columns, time: TimeColumn<'_>) -> StoreResult<Customer> {
    Ok(Customer {
        id: CustomerId(r.int("id")?),
        email: r.text("email")?,
        name: r.text("name")?,
        password_hash: r.text("password_hash")?,
        email_verified_at: time("email_verified_at")?,
        created_at: required(time, "created_at")?,
        last_login_at: time("last_login_at")?,
        phone: r.opt_text("phone")?,
        deleted_at: time("deleted_at")?,
        locked_at: time("locked_at")?,
        marketing_consent: r.int("marketing_consent")? != 0,
    })
}

/// `seq, actor, action, target, ip, request_id, detail, prev_hash, hash` of an audit entry
/// (the time is read by the backend).
pub fn audit_entry(
    r: &impl Columns,
    at: DateTime<Utc>,
) -> StoreResult<akinai_domain::audit::ChainedEntry> {
    Ok(akinai_domain::audit::ChainedEntry {
        seq: r.int("seq")?,
        record: akinai_domain::audit::AuditRecord {
            at,
            actor: r.text("actor")?,
            action: r.text("action")?,
            target: r.text("target")?,
            ip: r.opt_text("ip")?,
            request_id: r.opt_text("request_id")?,
            detail: r.text("detail")?,
        },
        prev_hash: r.text("prev_hash")?,
        hash: r.text("hash")?,
    })
}

/// `id, email, name, role, password_hash, totp_secret_enc, totp_nonce, totp_last_step,
/// failed_logins, locked_at, created_at, enrolled_at, last_login_at, grants`.
pub fn admin(r: &impl Columns, time: TimeColumn<'_>) -> StoreResult<akinai_store::admin::Admin> {
    let role = r.text("role")?;
    let totp = match (r.opt_text("totp_secret_enc")?, r.opt_text("totp_nonce")?) {
        (Some(enc), Some(nonce)) => Some((enc, nonce)),
        _ => None,
    };
    Ok(akinai_store::admin::Admin {
        id: akinai_domain::ids::AdminId(r.int("id")?),
        email: r.text("email")?,
        name: r.text("name")?,
        role: akinai_domain::admin::AdminRole::parse(&role)
            .ok_or_else(|| corrupt(format!("admin role {role}")))?,
        password_hash: r.opt_text("password_hash")?,
        totp,
        totp_last_step: r.int("totp_last_step")?,
        failed_logins: r.int("failed_logins")?,
        locked_at: time("locked_at")?,
        created_at: required(time, "created_at")?,
        enrolled_at: time("enrolled_at")?,
        last_login_at: time("last_login_at")?,
        grants: akinai_domain::admin::Grants::from_stored(&r.text("grants")?),
    })
}

/// `id, admin_id, created_at, last_seen_at`.
pub fn admin_session(
    r: &impl Columns,
    time: TimeColumn<'_>,
) -> StoreResult<akinai_store::admin::AdminSessionRow> {
    Ok(akinai_store::admin::AdminSessionRow {
        id: akinai_domain::ids::AdminSessionId(r.int("id")?),
        admin_id: akinai_domain::ids::AdminId(r.int("admin_id")?),
        created_at: required(time, "created_at")?,
        last_seen_at: required(time, "last_seen_at")?,
    })
}

/// What erasing a deleted account removes (`$1` is the customer id): its second factors,
/// passkeys, address book, one-time tokens and sessions (which hold addresses and browsers).
pub const ERASE_MEMBER_DATA: [&str; 6] = [
    "DELETE FROM customer_totp WHERE customer_id = $1",
    "DELETE FROM recovery_codes WHERE customer_id = $1",
    "DELETE FROM passkeys WHERE customer_id = $1",
    "DELETE FROM customer_addresses WHERE customer_id = $1",
    "DELETE FROM account_tokens WHERE customer_id = $1",
    "DELETE FROM customer_sessions WHERE customer_id = $1",
];

/// `id, customer_id, credential_id, public_key, user_handle, sign_count, name, created_at,
/// last_used_at`.
pub fn passkey(r: &impl Columns, time: TimeColumn<'_>) -> StoreResult<akinai_store::Passkey> {
    Ok(akinai_store::Passkey {
        id: akinai_domain::ids::PasskeyId(r.int("id")?),
        customer_id: CustomerId(r.int("customer_id")?),
        credential_id: r.text("credential_id")?,
        public_key: r.text("public_key")?,
        user_handle: r.text("user_handle")?,
        sign_count: r.int("sign_count")?,
        name: r.text("name")?,
        created_at: required(time, "created_at")?,
        last_used_at: time("last_used_at")?,
    })
}

/// `id, customer_id, recipient, created_at, changed_at, shared`.
pub fn saved_address(
    r: &impl Columns,
    time: TimeColumn<'_>,
) -> StoreResult<akinai_store::SavedAddress> {
    Ok(akinai_store::SavedAddress {
        id: akinai_domain::ids::AddressId(r.int("id")?),
        customer_id: CustomerId(r.int("customer_id")?),
        recipient: serde_json::from_str(&r.text("recipient")?).map_err(corrupt)?,
        created_at: required(time, "created_at")?,
        changed_at: required(time, "changed_at")?,
        shared: r.int("shared")? != 0,
    })
}

/// `id, customer_id, created_at, last_seen_at, expires_at, ip, user_agent`.
pub fn session(r: &impl Columns, time: TimeColumn<'_>) -> StoreResult<Session> {
    Ok(Session {
        id: SessionId(r.int("id")?),
        customer_id: CustomerId(r.int("customer_id")?),
        created_at: required(time, "created_at")?,
        last_seen_at: required(time, "last_seen_at")?,
        expires_at: required(time, "expires_at")?,
        ip: r.opt_text("ip")?,
        user_agent: r.text("user_agent")?,
    })
}

/// `id, name, published, skus, stock, price_min` of the admin product list.
pub fn admin_product_row(
    r: &impl Columns,
) -> StoreResult<akinai_store::catalog_admin::AdminProductRow> {
    Ok(akinai_store::catalog_admin::AdminProductRow {
        id: ProductId(r.int("id")?),
        name: r.text("name")?,
        published: r.int("published")? != 0,
        skus: r.int("skus")?,
        stock: r.int("stock")?,
        price_min: Yen(r.int("price_min")?),
    })
}

/// `name, content_type, width, height` of a product image.
pub fn product_image(r: &impl Columns) -> StoreResult<akinai_store::catalog_admin::ProductImage> {
    let px = |c: &str| -> StoreResult<u32> { u32::try_from(r.int(c)?).map_err(corrupt) };
    Ok(akinai_store::catalog_admin::ProductImage {
        name: akinai_domain::ids::ImageName(r.text("name")?),
        content_type: r.text("content_type")?,
        width: px("width")?,
        height: px("height")?,
    })
}

/// `product, sku, name, option_label, stock` of a SKU running low.
pub fn low_stock(r: &impl Columns) -> StoreResult<akinai_store::reports::LowStock> {
    Ok(akinai_store::reports::LowStock {
        product: ProductId(r.int("product")?),
        sku: SkuId(r.int("sku")?),
        name: r.text("name")?,
        option_label: r.text("option_label")?,
        stock: r.int("stock")?,
    })
}

/// Whether a driver error is a unique-constraint violation (a duplicate key).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// `id, cart_id, status, grand_total` (the time read by the backend).
pub fn order_summary(
    r: &impl Columns,
    placed_at: DateTime<Utc>,
) -> StoreResult<akinai_store::OrderSummary> {
    let status = r.text("status")?;
    Ok(akinai_store::OrderSummary {
        id: OrderId(r.int("id")?),
        cart_id: CartId(r.int("cart_id")?),
        status: akinai_domain::order::OrderStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("status {status}")))?,
        grand_total: Yen(r.int("grand_total")?),
        placed_at,
    })
}
