//! The shop's area services (ADR 019), each found by name: `shop.storefront()`, `shop.orders()`,
//! … — one accessor per service built in `Shop::wire`.

use crate::*;

impl Shop {
    pub fn storefront(&self) -> &Storefront {
        &self.areas.storefront
    }
    pub fn checkout(&self) -> &Checkout {
        &self.areas.checkout
    }
    pub fn coupons(&self) -> &crate::Coupons {
        &self.areas.coupons
    }
    pub fn business(&self) -> &crate::Business {
        &self.areas.business
    }
    pub fn quotes(&self) -> &crate::Quotes {
        &self.areas.quotes
    }
    pub fn receivables(&self) -> &crate::Receivables {
        &self.areas.receivables
    }
    pub fn prices(&self) -> &crate::Prices {
        &self.areas.prices
    }
    pub fn points(&self) -> &crate::Points {
        &self.areas.points
    }
    pub fn orders(&self) -> &Orders {
        &self.areas.orders
    }
    pub fn accounts(&self) -> &Accounts {
        &self.areas.accounts
    }
    pub fn factors(&self) -> &Factors {
        &self.areas.factors
    }
    pub fn profiles(&self) -> &Profiles {
        &self.areas.profiles
    }
    pub fn challenges(&self) -> &Challenges {
        &self.areas.challenges
    }
    pub fn order_desk(&self) -> &OrderDesk {
        &self.areas.order_desk
    }
    pub fn catalog_admin(&self) -> &CatalogAdmin {
        &self.areas.catalog_admin
    }
    pub fn customers(&self) -> &Customers {
        &self.areas.customers
    }
    pub fn admin_accounts(&self) -> &AdminAccounts {
        &self.areas.admin_accounts
    }
    pub fn settings(&self) -> &Settings {
        &self.areas.settings
    }
    pub fn audit(&self) -> &Audit {
        &self.areas.audit
    }
    pub fn dashboard(&self) -> &Dashboard {
        &self.areas.dashboard
    }
    pub fn payments(&self) -> &Payments {
        &self.areas.payments
    }
    pub fn alerts(&self) -> &Alerts {
        &self.areas.alerts
    }
    pub fn integrity(&self) -> &Integrity {
        &self.areas.integrity
    }
    pub fn jobs(&self) -> &Jobs {
        &self.areas.jobs
    }
    pub fn operations(&self) -> &Operations {
        &self.areas.operations
    }
    pub fn selfcheck(&self) -> &SelfCheck {
        &self.areas.selfcheck
    }
    pub fn security_reports(&self) -> &SecurityReports {
        &self.areas.security_reports
    }
    /// The go-live gate: the gate, diagnoses, the owner's exceptions.
    pub fn golive(&self) -> &crate::GoLive {
        &self.areas.golive
    }
    pub fn security_tasks(&self) -> &SecurityTasks {
        &self.areas.security_tasks
    }
    pub fn incidents(&self) -> &Incidents {
        &self.areas.incidents
    }
    /// API tokens (issue 20): create, list, revoke, admit.
    pub fn api_tokens(&self) -> &api::ApiTokens {
        &self.areas.api_tokens
    }
    /// The REST API's resources (issue 20): products, categories, orders, customers.
    pub fn webhooks(&self) -> &Webhooks {
        &self.areas.webhooks
    }

    pub fn api(&self) -> &api::ApiResources {
        &self.areas.api
    }

    /// 帳票: invoices and delivery slips as PDF.
    pub fn documents(&self) -> &Documents {
        &self.areas.documents
    }

    /// Label files for the carriers and tracking numbers in bulk.
    pub fn shipping(&self) -> &Shipping {
        &self.areas.shipping
    }

    /// Importing and exporting the catalog (CSV).
    pub fn transfer(&self) -> &Transfer {
        &self.areas.transfer
    }
}

#[cfg(test)]
mod tests {
    /// A `Shop` is held across awaits in many futures (handlers, the worker, the restore drill
    /// that starts a shop inside another): by value its services made it 46 KB and overflowed a
    /// test thread's stack, so they sit behind one pointer.
    #[test]
    fn a_shop_stays_small_enough_to_hold_across_awaits() {
        let size = std::mem::size_of::<crate::Shop>();
        assert!(size <= 2048, "Shop is {size} bytes");
    }
}
