//! Page handlers of the storefront, one module per area. Each handler extracts its input, calls
//! one use case and renders its `*Page` template.

pub mod account;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod home;
pub mod legal;
pub mod listing;
pub mod order;
pub mod payment;
pub mod postal;
pub mod prices;
pub mod quick_order;
pub mod quotes;
pub mod statements;
