//! Storage contracts of akinai.
//!
//! The traits here are shaped around use cases, not tables: placing an order is one call that
//! reserves stock, writes the order and enqueues its confirmation mail in one transaction. Each
//! backend crate (`akinai-sqlite`, `akinai-postgres`) implements them with its own SQL and
//! migrations, and runs the shared [`contract`] suite so both behave the same. Nothing above this
//! crate ever sees SQL.
#![forbid(unsafe_code)]

pub mod admin;
pub mod api_tokens;
pub mod business;
pub mod catalog_admin;
#[cfg(feature = "contract")]
pub mod contract;
pub mod copy;
pub mod coupons;
pub mod customers;
pub mod documents;
mod error;
pub mod fulfilment;
pub mod hints;
pub mod incidents;
pub mod inventory;
pub mod leases;
mod model;
pub mod operations;
pub mod payments;
pub mod points;
pub mod price_rules;
pub mod quotes;
pub mod receivables;
pub mod reports;
pub mod security_tasks;
pub mod transfer;
pub mod transfer_runs;
pub mod webhooks;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::catalog::{Category, PageCursor, Product, ProductSummary, Quantity, SkuForSale};
use akinai_domain::checkout::CheckoutDetails;
use akinai_domain::ids::{
    AddressId, CartId, CategoryId, CustomerId, JobId, OrderId, PasskeyId, ProductId, SessionId,
    SkuId, ThemeManifestId,
};
use akinai_domain::search::SearchQuery;
use akinai_domain::settings::ShopSettings;

pub use error::{PlaceOrderError, StoreError, StoreResult};
pub use model::{
    order_number, parse_order_number, Cart, CheckoutHold, Job, Listing, NewCategory, NewJob,
    NewOrder, NewSecurityEvent, Order, OrderSummary, Page, PlacedOrder, SearchPage, SecurityEvent,
    ThemeManifest, TokenHash, JOB_ACCOUNT_MAIL, JOB_ALERT_MAIL, JOB_ORDER_CONFIRMATION,
    JOB_ORDER_MAIL, JOB_TRANSFER,
};
pub use model::{
    throttle, AddressSaved, Customer, NewCustomer, NewPasskey, NewSession, Passkey, SavedAddress,
    Session, TotpRecord, TOKEN_RESET_PASSWORD, TOKEN_VERIFY_EMAIL,
};

/// Read and write the catalog.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    async fn categories(&self) -> StoreResult<Vec<Category>>;
    /// Published products in any of `categories`, ordered by id, after the cursor.
    async fn products_in_categories(
        &self,
        categories: &[CategoryId],
        after: Option<PageCursor>,
        limit: u32,
    ) -> StoreResult<Page<ProductSummary>>;
    /// Published products in any of `categories` that pass `filters`, in `sort` order, from
    /// after `after`: one page of `limit` (ADR 031).
    async fn browse(
        &self,
        categories: &[CategoryId],
        browse: &akinai_domain::browse::Browse,
        limit: u32,
    ) -> StoreResult<Listing>;
    /// How many published products of each of `categories` pass `filters`, each counted no
    /// further than `cap` (ADR 031).
    async fn count_listed(
        &self,
        categories: &[CategoryId],
        filters: &akinai_domain::browse::Filters,
        cap: u32,
    ) -> StoreResult<Vec<(CategoryId, u32)>>;
    /// The option values (at most `most`) of the published products of `categories`, with how
    /// many products of each category have each and pass the other `filters` (`filters.option`
    /// left out; up to `cap`) (ADR 031).
    async fn option_counts(
        &self,
        categories: &[CategoryId],
        filters: &akinai_domain::browse::Filters,
        most: u32,
        cap: u32,
    ) -> StoreResult<Vec<(CategoryId, akinai_domain::browse::OptionValue, u32)>>;
    async fn product(&self, id: ProductId) -> StoreResult<Option<Product>>;
    /// A search's best `candidates` matches that pass `filters`, in `sort`'s order (おすすめ:
    /// relevance): `limit` of them from `offset`, and how many passed (ADR 031).
    async fn search_arranged(
        &self,
        query: &SearchQuery,
        sort: akinai_domain::browse::Sort,
        filters: &akinai_domain::browse::Filters,
        window: (u32, u32),
        candidates: u32,
    ) -> StoreResult<SearchPage>;
    /// Products whose name or description contains every term of the query, best first (ADR
    /// 029): `limit` of them from `offset`, and how many there are.
    async fn search(&self, query: &SearchQuery, offset: u32, limit: u32)
        -> StoreResult<SearchPage>;
    /// Names of up to `limit` products whose name holds every term (or a synonym), best first:
    /// the search box's suggestions (ADR 029).
    async fn suggest(&self, query: &SearchQuery, limit: u32) -> StoreResult<Vec<String>>;
    /// The SKUs among `ids` that exist, with price, tax and stock.
    async fn skus_for_sale(&self, ids: &[SkuId]) -> StoreResult<Vec<SkuForSale>>;
    /// The SKUs for sale whose code is among `codes` (quick order), in no particular order.
    async fn skus_for_sale_by_code(&self, codes: &[String]) -> StoreResult<Vec<SkuForSale>>;
    async fn create_category(&self, category: &NewCategory) -> StoreResult<CategoryId>;
    async fn create_product(
        &self,
        product: &akinai_domain::catalog::NewProduct,
    ) -> StoreResult<ProductId>;
    async fn product_count(&self) -> StoreResult<i64>;
}

/// Server-side carts, addressed by the hash of the random token in the shopper's cookie.
#[async_trait]
pub trait CartStore: Send + Sync {
    async fn create_cart(&self, token: &TokenHash, now: DateTime<Utc>) -> StoreResult<CartId>;
    async fn cart_by_token(&self, token: &TokenHash) -> StoreResult<Option<Cart>>;
    async fn cart_lines(&self, cart: CartId) -> StoreResult<Vec<(SkuId, Quantity)>>;
    /// The cart's lines in the order they were added, each with its SKU as sold now (`None`
    /// when the SKU or its product is no longer for sale): the cart, checkout and order
    /// placement read their lines and prices in one statement.
    async fn cart_contents(
        &self,
        cart: CartId,
    ) -> StoreResult<Vec<(SkuId, Quantity, Option<SkuForSale>)>>;
    /// Sets a line's quantity; `None` removes the line.
    async fn set_cart_line(
        &self,
        cart: CartId,
        sku: SkuId,
        quantity: Option<Quantity>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Sets many lines' quantities at once (quick order), in one transaction.
    async fn set_cart_lines(
        &self,
        cart: CartId,
        lines: &[(SkuId, Quantity)],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn save_checkout(
        &self,
        cart: CartId,
        details: &CheckoutDetails,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
}

/// Orders.
#[async_trait]
pub trait OrderStore: Send + Sync {
    /// In one transaction: records the order (once per cart: a second call for the same cart
    /// returns the first order), decrements the stock of every line with a guarded update (none
    /// goes negative; any shortage aborts everything), and enqueues the confirmation mail.
    async fn place_order(&self, order: &NewOrder) -> Result<PlacedOrder, PlaceOrderError>;
    async fn order(&self, id: OrderId) -> StoreResult<Option<Order>>;
    async fn order_by_status_token(&self, token: &TokenHash) -> StoreResult<Option<Order>>;
    /// A member's orders, newest first, older than `before` (keyset pagination).
    async fn customer_orders(
        &self,
        customer: CustomerId,
        before: Option<OrderId>,
        limit: u32,
    ) -> StoreResult<Vec<OrderSummary>>;
    /// Orders flagged for review and not yet cleared, newest first.
    async fn orders_awaiting_review(&self, limit: u32) -> StoreResult<Vec<OrderId>>;
    /// How many orders went to the delivery address with this key
    /// (`akinai_domain::hold::address_key`) since `since`, counted no further than `cap` (the
    /// hold rule only asks whether a threshold is reached).
    async fn orders_to_address_since(
        &self,
        address_key: &str,
        since: DateTime<Utc>,
        cap: i64,
    ) -> StoreResult<i64>;
    /// Clears an order's review flag; false when it had none or was cleared already.
    async fn clear_review_flag(
        &self,
        id: OrderId,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
}

/// The transactional outbox of background jobs.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Takes the oldest due job and leases it until `lease_until`; a job whose lease ran out
    /// (its worker died) is due again.
    async fn claim_job(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<Job>>;
    /// Marks the job done; for a confirmation mail also records when it was delivered.
    async fn complete_job(&self, job: JobId, now: DateTime<Utc>) -> StoreResult<()>;
    /// Releases the job to run again at `run_at`, recording the error.
    async fn retry_job(&self, job: JobId, run_at: DateTime<Utc>, error: &str) -> StoreResult<()>;
    /// Gives up on the job (kept for the operator to see).
    async fn bury_job(&self, job: JobId, now: DateTime<Utc>, error: &str) -> StoreResult<()>;
    /// Jobs not yet done nor buried.
    async fn pending_jobs(&self) -> StoreResult<i64>;
    /// Enqueues a job; `false` when a job with the same `dedup_key` exists already.
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<bool>;
}

/// What the shop's integrity checks keep (IPA-C-14): the approved theme, and the holds that
/// close checkout until an owner acknowledges them.
#[async_trait]
pub trait IntegrityStore: Send + Sync {
    /// Records a new approved theme manifest; it becomes the current one.
    async fn record_theme_manifest(
        &self,
        files: &std::collections::BTreeMap<String, String>,
        approved_by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<ThemeManifestId>;
    /// The newest approved manifest.
    async fn current_theme_manifest(&self) -> StoreResult<Option<ThemeManifest>>;
    /// Closes checkout for `reason`; `false` when an open hold for it exists already.
    async fn raise_checkout_hold(
        &self,
        reason: &str,
        detail: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Holds not yet acknowledged, oldest first; checkout is open when there are none.
    async fn open_checkout_holds(&self) -> StoreResult<Vec<CheckoutHold>>;
    /// An owner acknowledges every open hold; returns how many.
    async fn acknowledge_checkout_holds(&self, by: &str, at: DateTime<Utc>) -> StoreResult<u64>;
}

/// The security event log (CSP violations now; sign-ins, locks and factor changes later).
#[async_trait]
pub trait SecurityStore: Send + Sync {
    async fn record_security_event(&self, event: &NewSecurityEvent) -> StoreResult<()>;
    /// The newest events of `kind` at or after `since`, newest first.
    async fn security_events(
        &self,
        kind: &str,
        since: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<SecurityEvent>>;
    /// Deletes the events recorded before `before`; returns how many.
    async fn prune_security_events(&self, before: DateTime<Utc>) -> StoreResult<u64>;
    /// How many events of each kind were recorded in `[from, until)`, by kind.
    async fn count_security_events(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<(String, i64)>>;
}

/// Customer accounts, their sessions and one-time tokens, and the throttling counters.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates the account; `None` when the e-mail address is taken.
    async fn create_customer(&self, customer: &NewCustomer) -> StoreResult<Option<CustomerId>>;
    async fn customer(&self, id: CustomerId) -> StoreResult<Option<Customer>>;
    async fn customer_by_email(&self, email: &str) -> StoreResult<Option<Customer>>;
    async fn set_password_hash(&self, id: CustomerId, hash: &str) -> StoreResult<()>;
    /// Changes the account's e-mail address; `false` when another account has it.
    async fn set_customer_email(&self, id: CustomerId, email: &str) -> StoreResult<bool>;
    async fn mark_email_verified(&self, id: CustomerId, at: DateTime<Utc>) -> StoreResult<()>;
    async fn record_login(&self, id: CustomerId, at: DateTime<Utc>) -> StoreResult<()>;

    /// Stores a one-time token (its hash) for `purpose`.
    async fn create_account_token(
        &self,
        customer: CustomerId,
        purpose: &str,
        token: &TokenHash,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Uses a token: returns its customer once, if it exists for `purpose`, is unexpired and
    /// unused; marks it used.
    async fn take_account_token(
        &self,
        purpose: &str,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<CustomerId>>;

    /// The customer of a usable token (exists for `purpose`, unexpired, unused) without using it.
    async fn account_token_customer(
        &self,
        purpose: &str,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<CustomerId>>;

    async fn create_session(&self, session: &NewSession) -> StoreResult<SessionId>;
    /// The live session for a cookie: not revoked, not past `expires_at`, seen at or after
    /// `idle_cutoff`.
    async fn session_by_token(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> StoreResult<Option<Session>>;
    async fn touch_session(&self, id: SessionId, now: DateTime<Utc>) -> StoreResult<()>;
    /// Whether any session of `customer` (live or ended) came from `device`.
    async fn customer_knows_device(
        &self,
        customer: CustomerId,
        device: &TokenHash,
    ) -> StoreResult<bool>;
    /// How many sessions `customer` ever had.
    async fn session_count(&self, customer: CustomerId) -> StoreResult<i64>;
    /// Revokes one session of `customer` (another customer's session id changes nothing).
    async fn revoke_session(
        &self,
        customer: CustomerId,
        id: SessionId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Revokes every session of `customer` but `except`; returns how many.
    async fn revoke_sessions(
        &self,
        customer: CustomerId,
        except: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// The live sessions of `customer`, most recently seen first.
    async fn sessions(
        &self,
        customer: CustomerId,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> StoreResult<Vec<Session>>;

    async fn record_throttle_event(
        &self,
        kind: &str,
        key: &str,
        subject: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Failures (`throttle::LOGIN_FAIL`) for `email` recorded after its last success (in
    /// recording order, so events of the same instant are ordered) and at or after `since`: how
    /// many and the newest.
    async fn login_failures(
        &self,
        email: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<(u32, Option<DateTime<Utc>>)>;
    /// Events of `kind` for `key` at or after `since`.
    async fn count_throttle_events(
        &self,
        kind: &str,
        key: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<u32>;
    /// Distinct subjects of `kind` events for `key` at or after `since`.
    async fn distinct_throttle_subjects(
        &self,
        kind: &str,
        key: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<u32>;
    /// Turns on TOTP for `customer` (replacing an earlier secret) with fresh recovery codes (their
    /// hashes), in one transaction.
    async fn enable_totp(
        &self,
        customer: CustomerId,
        secret_enc: &str,
        nonce: &str,
        at: DateTime<Utc>,
        recovery_hashes: &[String],
    ) -> StoreResult<()>;
    async fn totp(&self, customer: CustomerId) -> StoreResult<Option<TotpRecord>>;
    /// Records that a code for `step` was used; `false` if that step (or a later one) was used
    /// already (a replayed code).
    async fn advance_totp_step(&self, customer: CustomerId, step: i64) -> StoreResult<bool>;
    /// Turns TOTP off and deletes the recovery codes.
    async fn disable_totp(&self, customer: CustomerId) -> StoreResult<()>;
    /// Uses one recovery code; `false` if no unused code has that hash.
    async fn use_recovery_code(
        &self,
        customer: CustomerId,
        hash: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Unused recovery codes left.
    async fn recovery_codes_left(&self, customer: CustomerId) -> StoreResult<i64>;

    /// Deletes what no rule looks at any more: throttle events before `events_before`, account
    /// tokens that expired before `tokens_before`, ended sessions last seen before
    /// `sessions_before`, and source blocks that are over at `now`. Returns the rows deleted.
    async fn prune_account_data(
        &self,
        events_before: DateTime<Utc>,
        tokens_before: DateTime<Utc>,
        sessions_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;

    /// Blocks a source address until `until` (extending an existing block).
    async fn block_source(&self, ip: &str, until: DateTime<Utc>, reason: &str) -> StoreResult<()>;
    /// The end of the block on `ip`, if it is blocked at `now`.
    async fn source_blocked_until(
        &self,
        ip: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>>;
}

/// The shop's settings document.
#[async_trait]
pub trait SettingsStore: Send + Sync {
    async fn settings(&self) -> StoreResult<Option<ShopSettings>>;
    async fn save_settings(&self, settings: &ShopSettings) -> StoreResult<()>;
}

/// Passkeys, the address book, profile changes and the erasure of a deleted account's data
/// (accounts issue, items 5, 8 and 10). Every method takes the owning customer, so one member
/// can never reach another's rows (SWS-11).
#[async_trait]
pub trait MemberStore: Send + Sync {
    /// Stores a passkey; `None` when the credential id is registered already.
    async fn add_passkey(&self, passkey: &NewPasskey) -> StoreResult<Option<PasskeyId>>;
    async fn passkeys(&self, customer: CustomerId) -> StoreResult<Vec<Passkey>>;
    async fn passkey_by_credential(&self, credential_id: &str) -> StoreResult<Option<Passkey>>;
    /// Records a use with the authenticator's counter; false when the stored counter moved on
    /// meanwhile (a concurrent use), so a counter never goes back.
    async fn record_passkey_use(
        &self,
        id: PasskeyId,
        seen_count: i64,
        new_count: i64,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    async fn delete_passkey(&self, customer: CustomerId, id: PasskeyId) -> StoreResult<bool>;
    /// Source addresses of the member's latest `limit` sessions, newest first (the "new
    /// network" risk signal).
    async fn recent_login_ips(&self, customer: CustomerId, limit: u32) -> StoreResult<Vec<String>>;
    /// The member's addresses, oldest first.
    async fn addresses(&self, customer: CustomerId) -> StoreResult<Vec<SavedAddress>>;
    /// Adds (`id` = None) or replaces an address; at most `max` per member.
    async fn save_address(
        &self,
        customer: CustomerId,
        id: Option<AddressId>,
        recipient: &akinai_domain::address_book::Recipient,
        at: DateTime<Utc>,
        max: usize,
    ) -> StoreResult<AddressSaved>;
    async fn delete_address(&self, customer: CustomerId, id: AddressId) -> StoreResult<bool>;
    async fn set_profile(
        &self,
        customer: CustomerId,
        name: &str,
        phone: Option<&str>,
    ) -> StoreResult<()>;
    /// Erases a deleted account in one transaction: factors, passkeys, addresses, tokens and
    /// sessions go; the customer row keeps only its id, `tombstone_email` and `deleted_at`.
    /// Orders (kept by law) are left as they are.
    async fn erase_customer(
        &self,
        customer: CustomerId,
        tombstone_email: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
}

/// The audit trail (IPA-C-12, IPA-C-13): an append-only hash chain. Appends are serialised so
/// that each entry links to the one before it; the backend computes the hash with
/// [`akinai_domain::audit::entry_hash`] inside the appending transaction.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends `record` at the end of the chain and returns the stored entry.
    async fn append_audit(
        &self,
        record: &akinai_domain::audit::AuditRecord,
    ) -> StoreResult<akinai_domain::audit::ChainedEntry>;
    /// The newest entries before sequence number `before`, newest first, at most `limit`
    /// (the admin's list view).
    async fn latest_audit_entries(
        &self,
        before: i64,
        limit: u32,
    ) -> StoreResult<Vec<akinai_domain::audit::ChainedEntry>>;
    /// The newest entries of one action, newest first, at most `limit`.
    async fn audit_entries_of(
        &self,
        action: &str,
        limit: u32,
    ) -> StoreResult<Vec<akinai_domain::audit::ChainedEntry>>;
    /// Entries matching `filter` before sequence number `before`, newest first, at most `limit`
    /// (the admin's filtered list).
    async fn search_audit(
        &self,
        filter: &AuditFilter,
        before: i64,
        limit: u32,
    ) -> StoreResult<Vec<akinai_domain::audit::ChainedEntry>>;
    /// Entries after sequence number `after`, in order, at most `limit`.
    async fn audit_entries(
        &self,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<akinai_domain::audit::ChainedEntry>>;
}

/// What the admin's audit list narrows to; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub action: Option<String>,
    /// `admin:3`, `cli:…`, `customer:…` exactly.
    pub actor: Option<String>,
    /// `order:12`, `settings`, … exactly.
    pub target: Option<String>,
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
}

/// Everything a backend provides.
#[async_trait]
pub trait Store:
    CatalogStore
    + CartStore
    + OrderStore
    + JobStore
    + SettingsStore
    + SecurityStore
    + IntegrityStore
    + AccountStore
    + MemberStore
    + AuditStore
    + admin::AdminStore
    + fulfilment::FulfilmentStore
    + catalog_admin::CatalogAdminStore
    + customers::CustomerAdminStore
    + reports::ReportStore
    + payments::PaymentStore
    + operations::OperationsStore
    + incidents::IncidentStore
    + security_tasks::SecurityTaskStore
    + coupons::CouponStore
    + points::PointStore
    + price_rules::PriceRuleStore
    + business::BusinessStore
    + quotes::QuoteStore
    + receivables::ReceivableStore
    + documents::DocumentStore
    + api_tokens::ApiTokenStore
    + transfer::TransferStore
    + transfer_runs::TransferRunStore
    + webhooks::WebhookStore
    + inventory::InventoryStore
    + leases::TaskLeaseStore
    + hints::HintStore
{
    /// Whether the database answers (for `/healthz`).
    async fn ping(&self) -> StoreResult<()>;
    /// The backend's name, for logs and `config check`.
    fn backend(&self) -> &'static str;
    /// Connections open and, of those, idle (for the metrics).
    fn pool_usage(&self) -> (u32, u32);
}
