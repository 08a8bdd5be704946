//! Pure domain rules of akinai.
//!
//! This crate owns the shop's business vocabulary and every rule that can be decided without
//! input or output: integer-yen money, Japanese consumption tax (JP-TAX-1/2, JP-INV-2), cart and
//! order pricing, the order state machine, addresses and contact data as parsed newtypes, search
//! text normalisation and rich-text sanitising (SWS-5). It depends on no runtime, database or web
//! crate, so the rules can be unit- and property-tested in isolation and reused by every layer.
#![forbid(unsafe_code)]

pub mod account;
pub mod accounting;
pub mod address;
pub mod address_book;
pub mod admin;
pub mod api;
pub mod audit;
pub mod browse;
pub mod business;
pub mod card;
pub mod card_testing;
pub mod catalog;
pub mod challenge;
pub mod checkout;
pub mod coupon;
pub mod coupon_input;
pub mod documents;
pub mod fulfilment;
pub mod hold;
pub mod ids;
pub mod incident;
pub mod integrity;
pub mod invoice;
pub mod kpi;
pub mod money;
pub mod net;
pub mod order;
pub mod payment;
pub mod payment_timing;
pub mod picking;
pub mod points;
pub mod postal;
pub mod price_rules;
pub mod price_rules_input;
pub mod pricing;
pub mod quick_order;
pub mod quote;
pub mod receipts;
pub mod receivables;
pub mod retention;
pub mod returns;
pub mod rich_text;
pub mod search;
pub mod security_report;
pub mod security_tasks;
pub mod selfcheck;
pub mod settings;
pub mod shipping;
pub mod tax;
pub mod transfer;
pub mod webhook;

pub use money::Yen;
