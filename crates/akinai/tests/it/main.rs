//! HTTP-level tests of the storefront over real sockets: a fresh SQLite shop per test, a real
//! axum server on 127.0.0.1:0, a cookie-keeping HTTP client per shopper, the file mail transport,
//! and the worker drained deterministically with `run_due_jobs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod account_attacks;
mod account_changes;
mod accounts;
mod addresses;
mod admin;
mod admin_audit;
mod admin_catalog;
mod admin_categories;
mod admin_customers;
mod admin_dashboard;
mod admin_grants;
mod admin_look;
mod admin_matrix;
mod admin_orders;
mod admin_settings;
mod bad_input;
mod card_data;
mod card_testing;
mod checkout;
mod concurrency;
mod first_hour;
mod holds;
mod integrity;
mod mail;
mod member_data;
mod passkeys;
mod payments;
mod payments_admin;
mod payments_capture;
mod payments_shop;
mod postgres;
mod storefront;
mod support;
mod test_payment_page;
mod transport;
mod vuln_suite;
