//! Inventory through the API (issue 20, item 1; `products:write`, which gives `ManageCatalog`):
//! set or adjust a SKU's stock by its code with a reason. An adjustment is the back office's
//! guarded delta (`CatalogAdminStore::adjust_stock`: never below zero, nothing changed when it
//! would be); both are audited with the token as the actor and the reason, and raise
//! `inventory.low` when the stock falls to the low mark.

use serde_json::json;

use akinai_domain::admin::ManageCatalog;
use akinai_store::inventory::SkuStock;

use super::{ApiCaller, ApiResources};
use crate::accounts::Client;
use crate::admin::MAX_STOCK_DELTA;
use crate::CoreError;

/// Longest reason, in characters.
pub const MAX_REASON: usize = 200;

/// What the caller asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockChange {
    /// Add (or, negative, take away) this many.
    Adjust(i64),
    /// Make the stock exactly this.
    Set(i64),
}

impl ApiResources {
    /// Changes the stock of the SKU with `code`; the SKU as it is after. `NotFound` for an
    /// unknown code; `InvalidForm` for a bad amount or reason, or (field `delta`,
    /// `admin.stock_negative`) an adjustment that would go below zero — nothing changed.
    pub async fn change_stock(
        &self,
        caller: &ApiCaller,
        client: &Client,
        code: &str,
        change: StockChange,
        reason: &str,
    ) -> Result<SkuStock, CoreError> {
        let by = caller.authorize::<ManageCatalog>()?;
        let reason = akinai_domain::address::parse_text(reason, MAX_REASON)
            .map_err(|_| CoreError::InvalidForm(vec![("reason", "api.bad_reason")]))?;
        let mut sku = self
            .inventory_store
            .sku_by_code(code.trim())
            .await?
            .ok_or(CoreError::NotFound)?;
        let now = self.base.clock.now();
        let (action, detail) = match change {
            StockChange::Adjust(delta) => {
                if delta.abs() > MAX_STOCK_DELTA {
                    return Err(CoreError::InvalidForm(vec![("delta", "error.invalid")]));
                }
                if delta == 0 {
                    // Nothing to change, nothing to record.
                    return Ok(sku);
                }
                sku.stock = self
                    .catalog_admin_store
                    .adjust_stock(sku.sku, delta, now)
                    .await?
                    .ok_or(CoreError::InvalidForm(vec![(
                        "delta",
                        "admin.stock_negative",
                    )]))?;
                ("stock.adjust", json!({ "delta": delta }))
            }
            StockChange::Set(stock) => {
                if !(0..=MAX_STOCK_DELTA).contains(&stock) {
                    return Err(CoreError::InvalidForm(vec![("stock", "error.invalid")]));
                }
                let before = self
                    .inventory_store
                    .set_stock(sku.sku, stock, now)
                    .await?
                    .ok_or(CoreError::NotFound)?;
                sku.stock = stock;
                ("stock.set", json!({ "before": before }))
            }
        };
        let mut detail = detail;
        detail["product"] = sku.product.0.into();
        detail["after"] = sku.stock.into();
        detail["reason"] = reason.into();
        detail["via"] = "api".into();
        self.audit
            .record(
                &by.principal().audit_context(client),
                action,
                &format!("sku:{}", sku.sku.0),
                detail,
            )
            .await?;
        Ok(sku)
    }
}
