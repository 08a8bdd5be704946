//! The contract every storage backend must pass.
//!
//! Each case takes a fresh, migrated store. Backends list [`cases`] in a test binary of their own
//! (see `akinai-sqlite/tests/contract.rs`), so a case added here runs on every backend at once.
//! This is test code, compiled only with the `contract` feature that the backends' dev-dependencies
//! turn on; a panic is a failed case.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod admin;
mod api_tokens;
mod audit;
mod browse;
mod business;
mod catalog;
mod catalog_admin;
mod company_members;
mod coupons;
mod customers;
mod documents;
mod events;
mod fulfilment;
mod incidents;
mod member;
mod operations;
mod orders;
mod payments;
mod points;
mod price_rules;
mod quotes;
mod receivables;
mod reports;
mod search;
mod security_tasks;
mod transfer_runs;
pub mod upgrade;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use akinai_domain::address::{Address, Email, Kana, Phone, PostalCode, Prefecture};
use akinai_domain::catalog::{NewProduct, NewSku, Quantity};
use akinai_domain::checkout::CheckoutDetails;
use akinai_domain::ids::{CategoryId, CouponId, ProductId, SkuId};
use akinai_domain::order::{OrderStatus, PaymentMethod};
use akinai_domain::pricing::{totals, PricedLine};
use akinai_domain::rich_text::SafeHtml;
use akinai_domain::search::SearchQuery;
use akinai_domain::settings::ShopSettings;
use akinai_domain::tax::{RoundingMode, TaxCategory};
use akinai_domain::Yen;

use crate::{
    NewCategory, NewJob, NewOrder, NewSecurityEvent, PlaceOrderError, Store, TokenHash,
    JOB_ALERT_MAIL, JOB_ORDER_CONFIRMATION,
};

/// A contract case: runs against a fresh store and panics on failure.
pub type Case = fn(Arc<dyn Store>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

macro_rules! cases {
    ($($group:ident :: $name:ident),* $(,)?) => {
        /// Every contract case with its name.
        pub fn cases() -> Vec<(&'static str, Case)> {
            vec![$((stringify!($name), |s| Box::pin($group::$name(s)))),*]
        }
    };
}

cases!(
    coupons::coupons_round_trip_with_unique_codes_and_cart_codes,
    coupons::an_order_keeps_its_discount_per_rate_and_counts_its_use,
    coupons::racing_orders_never_use_a_coupon_more_than_allowed,
    points::points_are_granted_once_spent_with_the_order_and_given_back,
    points::racing_orders_never_spend_the_same_points_twice,
    points::unused_balances_lapse_whole_once,
    points::partial_refunds_take_back_their_share_once_and_settled_orders_rest,
    price_rules::groups_are_unique_by_name_and_hold_members,
    business::business_applications_are_one_at_a_time_and_decided_once,
    company_members::sws_11_members_join_by_invitation_once_and_see_their_company_only,
    company_members::sws_11_an_admin_changes_and_removes_its_own_members_only,
    quotes::quotes_are_sent_as_revisions_and_ordered_once_while_valid,
    receivables::invoice_orders_stay_within_the_limit_and_are_billed_once,
    receivables::racing_invoice_orders_never_pass_the_credit_limit,
    price_rules::sku_rules_are_replaced_whole_and_read_in_chunks,
    api_tokens::api_tokens_are_found_by_hash_revoked_once_and_record_their_use,
    documents::jp_inv_4_an_order_keeps_one_original_invoice_as_issued,
    documents::jp_inv_4_logo_versions_are_kept_by_their_hash,
    transfer_runs::transfer_runs_start_each_step_once_with_its_job_and_drop_their_files,
    incidents::incidents_keep_actions_in_order_and_close_once,
    security_tasks::security_tasks_keep_every_record_and_show_the_latest,
    security_tasks::go_live_records_keep_diagnoses_and_the_exceptions_in_force,
    security_tasks::security_events_are_counted_by_kind_within_a_window,
    operations::counts_maintenance_and_backup_runs_round_trip,
    operations::task_leases_let_one_node_run_each_slot,
    operations::hints_reach_every_listening_node,
    catalog_admin::products_are_published_in_bulk_and_on_schedule,
    catalog_admin::skus_are_added_with_unique_codes,
    payments::payments_apply_each_event_once_and_whole,
    payments::held_payments_keep_their_start_and_show_in_the_order_list,
    payments::shop_payments_are_created_with_the_order_and_move_with_its_steps,
    payments::attempts_and_declines_are_tallied_per_identity,
    catalog_admin::categories_are_renamed_and_moved,
    reports::sales_delays_funnel_and_low_stock_are_reported,
    customers::customers_are_listed_newest_first_filtered_and_locked_once,
    catalog_admin::stock_moves_by_delta_beside_purchases_and_edits_keep_it,
    catalog_admin::product_images_are_bounded_ordered_and_served_by_name,
    fulfilment::the_order_list_filters_and_pages_newest_first,
    fulfilment::steps_in_bulk_commit_all_or_nothing,
    fulfilment::order_steps_are_guarded_and_commit_with_history_stock_and_mail,
    member::flagged_orders_wait_for_review_until_cleared,
    admin::admins_enrol_lock_after_failures_and_hold_sessions,
    audit::audit_entries_form_one_chain_even_when_appended_concurrently,
    member::passkeys_are_unique_per_credential_and_count_forward,
    member::the_address_book_is_bounded_and_owned,
    member::erasing_an_account_keeps_its_orders_and_nothing_personal,
    catalog::settings_round_trip,
    catalog::products_round_trip_with_their_skus,
    catalog::keyset_pagination_visits_every_product_once,
    browse::listings_sort_filter_and_page_through_subcategories,
    browse::option_filters_follow_variant_labels,
    search::search_finds_japanese_partial_words,
    search::search_ranks_names_first_in_stock_first_then_newest,
    search::search_follows_renames_publication_and_stock,
    search::search_counts_up_to_the_cap,
    search::search_treats_sql_and_wildcards_as_text,
    search::suggestions_are_names_best_first_and_bounded,
    orders::cart_lines_are_set_changed_and_removed,
    orders::quick_order_finds_skus_by_code_and_sets_many_lines,
    orders::placing_an_order_reserves_stock_and_enqueues_its_mail,
    orders::placing_an_order_twice_for_one_cart_creates_one_order,
    orders::an_order_short_of_stock_writes_nothing,
    orders::concurrent_buyers_never_oversell,
    orders::placing_one_cart_twice_at_once_creates_one_order,
    orders::cart_contents_carry_the_skus_for_sale,
    orders::orders_to_an_address_are_counted_up_to_the_cap,
    events::jobs_are_leased_retried_and_completed,
    orders::a_five_thousand_line_order_round_trips,
    events::security_events_are_recorded_and_listed_newest_first,
    events::deduplicated_jobs_are_enqueued_once,
    events::theme_manifests_and_checkout_holds,
    accounts::customers_are_unique_by_email,
    accounts::account_tokens_are_single_use_and_expire,
    accounts::sessions_expire_idle_out_and_are_revoked_per_owner,
    accounts::throttle_counters_and_source_blocks,
    accounts::account_tokens_can_be_looked_at_without_use,
    accounts::member_orders_are_listed_newest_first_per_customer,
    accounts::totp_secrets_steps_and_recovery_codes,
    accounts::old_account_data_is_pruned,
);

pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

pub(super) fn token(n: u64) -> TokenHash {
    TokenHash(format!("{n:064x}"))
}

/// A category with one product per `(name, description, price, stock)`.
pub(super) async fn seed(
    store: &dyn Store,
    products: &[(&str, &str, i64, i64)],
) -> (CategoryId, Vec<(ProductId, SkuId)>) {
    let cat = store
        .create_category(&NewCategory {
            parent_id: None,
            slug: "goods".into(),
            name: "雑貨".into(),
            position: 1,
        })
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (i, (name, desc, price, stock)) in products.iter().enumerate() {
        let pid = store
            .create_product(&NewProduct {
                category_id: cat,
                name: (*name).into(),
                description: SafeHtml::sanitize(desc),
                tax_category: TaxCategory::Standard,
                image_hue: 10,
                published: true,
                skus: vec![NewSku {
                    code: format!("SKU-{i}"),
                    option_label: String::new(),
                    price: Yen(*price),
                    stock: *stock,
                }],
            })
            .await
            .unwrap();
        let sku = store.product(pid).await.unwrap().unwrap().skus[0].id;
        ids.push((pid, sku));
    }
    (cat, ids)
}

pub(super) fn details() -> CheckoutDetails {
    CheckoutDetails {
        name: "山田 花子".into(),
        name_kana: Kana::parse("ヤマダ ハナコ").unwrap(),
        email: Email::parse("hanako@example.jp").unwrap(),
        phone: Phone::parse("090-1234-5678").unwrap(),
        address: Address {
            postal_code: PostalCode::parse("150-0001").unwrap(),
            prefecture: Prefecture::Tokyo,
            city: "渋谷区".into(),
            line1: "神宮前1-2-3".into(),
            line2: None,
        },
        shipping_method: "standard".into(),
        delivery_date: NaiveDate::from_ymd_opt(2026, 12, 1),
        delivery_slot: Some("午前中".into()),
        payment_method: PaymentMethod::BankTransfer,
        gift: false,
    }
}

pub(super) async fn new_order(
    store: &dyn Store,
    cart_token: u64,
    lines: &[(SkuId, u32)],
) -> NewOrder {
    let cart = store.create_cart(&token(cart_token), t0()).await.unwrap();
    let ids: Vec<SkuId> = lines.iter().map(|(s, _)| *s).collect();
    let skus = store.skus_for_sale(&ids).await.unwrap();
    let priced: Vec<PricedLine> = lines
        .iter()
        .map(|(id, q)| {
            let sku = skus.iter().find(|s| s.sku_id == *id).unwrap();
            PricedLine::new(sku, Quantity::new(i64::from(*q)).unwrap()).unwrap()
        })
        .collect();
    let totals = totals(&priced, Yen(800), Yen::ZERO, RoundingMode::Floor).unwrap();
    NewOrder {
        customer_id: None,
        cart_id: cart,
        status_token: token(1_000_000 + cart_token),
        placed_at: t0(),
        details: details(),
        lines: priced,
        totals,
        review_reason: None,
        address_key: akinai_domain::hold::address_key(&details().address),
        coupon: None,
        points: Default::default(),
        quote: None,
        quote_day: String::new(),
        billed_to: None,
    }
}

/// Places `orders` all at once; the numbers placed and refused as `expected` says (any other
/// refusal fails the case).
pub(super) async fn race(
    store: &Arc<dyn Store>,
    orders: Vec<NewOrder>,
    expected: fn(&PlaceOrderError) -> bool,
) -> (usize, usize) {
    let tasks: Vec<_> = orders
        .into_iter()
        .map(|o| {
            let store = store.clone();
            tokio::spawn(async move { store.place_order(&o).await })
        })
        .collect();
    let (mut placed, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => placed += 1,
            Err(e) if expected(&e) => refused += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    (placed, refused)
}

pub(super) async fn stock_of(store: &dyn Store, sku: SkuId) -> i64 {
    store.skus_for_sale(&[sku]).await.unwrap()[0].stock
}
