//! The admin's side of moving in and out (CSV issue, items 3 and 5): downloads of the catalog
//! for those who manage it, downloads of customers and orders — personal data — only for holders
//! of [`ExportPersonalData`] who give their password and code again, and the invitations of
//! imported members. Each is audited by the use case it wraps, as the admin from their address.

use akinai_csv::OutEncoding;
use akinai_domain::admin::{ExportPersonalData, ManageCatalog, ManageCustomers};

use super::{ExportKind, Transfer};
use crate::accounts::Client;
use crate::admin::{Authorized, Reauth};
use crate::audit::AuditContext;
use crate::CoreError;

/// Personal data an owner may download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeopleExport {
    Customers,
    Orders,
}

impl Transfer {
    /// The catalog or inventory as a file.
    pub async fn export_catalog_as_admin(
        &self,
        by: &Authorized<ManageCatalog>,
        kind: ExportKind,
        encoding: OutEncoding,
        client: &Client,
    ) -> Result<Vec<u8>, CoreError> {
        let who = by.principal().audit_context(client);
        let mut out = Vec::new();
        self.export(kind, encoding, &mut out, &who).await?;
        Ok(out)
    }

    /// Customers or orders as a file, after the password and code are checked again.
    pub async fn export_people_as_admin(
        &self,
        by: &Authorized<ExportPersonalData>,
        what: PeopleExport,
        encoding: OutEncoding,
        reauth: &Reauth,
        client: &Client,
    ) -> Result<Vec<u8>, CoreError> {
        let s = by.admin()?;
        self.admin_accounts.reauthenticate_admin(s, reauth).await?;
        let who = AuditContext::admin(s.admin.id, client);
        let mut out = Vec::new();
        match what {
            PeopleExport::Customers => self.export_customers(encoding, &mut out, &who).await?,
            PeopleExport::Orders => self.export_orders(encoding, &mut out, &who).await?,
        };
        Ok(out)
    }

    /// Queues the invitations of imported members (see [`Transfer::invite_imported`]).
    pub async fn invite_imported_as_admin(
        &self,
        by: &Authorized<ManageCustomers>,
        per_hour: u32,
        client: &Client,
    ) -> Result<u64, CoreError> {
        let who = by.principal().audit_context(client);
        self.invite_imported(per_hour, &who).await
    }

    /// How many imported members have not been invited yet.
    pub async fn awaiting_invitation(
        &self,
        _by: &Authorized<ManageCustomers>,
    ) -> Result<i64, CoreError> {
        Ok(self.transfer_store.members_awaiting_invitation().await?)
    }
}

/// The columns of a downloaded import report.
const REPORT_HEADER: [&str; 5] = ["行", "列", "値", "内容", "種類"];

impl Transfer {
    /// A run's issues as a CSV for Excel (UTF-8 with BOM, cells guarded like every export).
    pub async fn import_report_csv<C: super::ImportCapability>(
        &self,
        by: &Authorized<C>,
        id: akinai_domain::ids::TransferRunId,
    ) -> Result<Vec<u8>, CoreError> {
        let view = self.import_run(by, id).await?;
        let report = view.report.unwrap_or_default();
        let mut csv = akinai_csv::CsvOut::new(Vec::new(), OutEncoding::Utf8, &REPORT_HEADER)
            .map_err(super::export::write_error)?;
        for i in &report.issues {
            let severity = if i.is_error() { "エラー" } else { "注意" };
            let row = if i.row == 0 {
                "ファイル全体".to_string()
            } else {
                i.row.to_string()
            };
            csv.row(&[
                row.as_str(),
                i.column.as_str(),
                i.value.as_str(),
                i.message.as_str(),
                severity,
            ])
            .map_err(super::export::write_error)?;
        }
        csv.finish().map_err(super::export::write_error)
    }
}
