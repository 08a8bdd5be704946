//! Importing customers (CSV issue, item 2; APPI): each row is validated
//! (`akinai_domain::transfer::validate_customer`), members the shop has already (by e-mail) are
//! left exactly as they are, and only a file without errors is written — new members without a
//! password (they cannot log in until they set one through the invitation or the reset link) and
//! their first address, in one transaction, audited with the counts (never the people).

use std::collections::HashSet;
use std::io::Read;

use serde_json::json;

use akinai_csv::read_customers;
use akinai_domain::transfer::{validate_customer, PlanAction, RowIssue};
use akinai_store::transfer::ImportCustomer;
use akinai_store::TOKEN_RESET_PASSWORD;

use crate::accounts::mail::AccountMail;

use super::import::{ImportOptions, ImportReport, PlanEntry};
use super::Transfer;
use crate::audit::AuditContext;
use crate::CoreError;

/// Customers read per page of the shop's list.
const PAGE: u32 = 500;
/// How long an invitation's link works (from when its mail is sent).
const INVITATION_LIFETIME: chrono::Duration = chrono::Duration::days(14);

impl Transfer {
    /// The e-mail addresses the shop's members have.
    async fn member_emails(&self) -> Result<HashSet<String>, CoreError> {
        let mut emails = HashSet::new();
        let mut before = None;
        loop {
            let page = self
                .customer_store
                .customer_rows(&Default::default(), before, PAGE)
                .await?;
            emails.extend(page.iter().map(|r| r.customer.email.clone()));
            match page.last() {
                Some(last) if page.len() == PAGE as usize => before = Some(last.customer.id),
                _ => return Ok(emails),
            }
        }
    }

    /// Sends imported members who have no password yet the invitation to set one: at most
    /// `per_hour` each hour (the mails are queued with their times, so a big shop's mail server
    /// and the members' providers are not flooded), each once, with a link valid for 14 days.
    /// Only when the owner asks; audited with the count. How many were queued.
    pub async fn invite_imported(
        &self,
        per_hour: u32,
        who: &AuditContext,
    ) -> Result<u64, CoreError> {
        let per_hour = per_hour.max(1);
        let now = self.base.clock.now();
        let mut queued: u64 = 0;
        loop {
            let batch = self.transfer_store.members_to_invite(PAGE).await?;
            if batch.is_empty() {
                break;
            }
            for id in batch {
                let hours = i64::try_from(queued / u64::from(per_hour)).unwrap_or(i64::MAX);
                let run_at = now + chrono::Duration::hours(hours);
                let nonce = crate::tokens::generate().secret;
                let token = AccountMail::Invite.token(&self.base.config.secret_key, &nonce);
                self.account_store
                    .create_account_token(
                        id,
                        TOKEN_RESET_PASSWORD,
                        &token.hash,
                        run_at + INVITATION_LIFETIME,
                    )
                    .await?;
                self.account_common
                    .enqueue_account_mail_at(AccountMail::Invite, id, &nonce, run_at)
                    .await?;
                self.transfer_store.mark_invited(id, now).await?;
                queued += 1;
            }
        }
        self.audit
            .record(
                who,
                "customers.invite",
                "customers",
                json!({ "queued": queued, "per_hour": per_hour }),
            )
            .await?;
        Ok(queued)
    }

    /// Imports customers from `input` (or, with `dry_run`, only plans it).
    pub async fn import_customers(
        &self,
        input: impl Read + Send + 'static,
        options: ImportOptions,
        who: &AuditContext,
        progress: super::Progress,
    ) -> Result<ImportReport, CoreError> {
        let known = self.member_emails().await?;
        let now = self.base.clock.now();
        let (mut report, customers) =
            tokio::task::spawn_blocking(move || plan(input, options, &known, now, &*progress))
                .await
                .map_err(|e| CoreError::Store(akinai_store::StoreError::Backend(e.to_string())))?;
        if report.failed() || options.dry_run || customers.is_empty() {
            return Ok(report);
        }
        self.transfer_store
            .apply_customer_import(&customers)
            .await?;
        report.applied = true;
        self.audit
            .record(
                who,
                "customers.import",
                "customers",
                json!({
                    "format": report.format,
                    "new": report.summary.new,
                    "unchanged": report.summary.unchanged,
                    "with_address": customers.iter().filter(|c| c.address.is_some()).count(),
                    "marketing_consent": customers.iter().filter(|c| c.marketing).count(),
                }),
            )
            .await?;
        Ok(report)
    }
}

/// Reads and plans the whole file (no IO but the file's).
fn plan(
    input: impl Read + Send + 'static,
    options: ImportOptions,
    known: &HashSet<String>,
    now: chrono::DateTime<chrono::Utc>,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> (ImportReport, Vec<ImportCustomer>) {
    let mut report = ImportReport::new(options.dry_run);
    let mut customers = Vec::new();
    let mut reader = match read_customers(input, options.format, options.limits) {
        Ok(r) => r,
        Err(e) => {
            report.note(vec![e]);
            return (report, customers);
        }
    };
    report.format = Some(reader.format);
    report.encoding = Some(reader.encoding);
    let mut in_file = HashSet::new();
    let mut done = 0;
    for customer in reader.by_ref() {
        let customer = match customer {
            Ok(c) => c,
            Err(e) => {
                report.note(vec![e]);
                break;
            }
        };
        let (valid, mut issues) = validate_customer(&customer);
        if let Some(v) = &valid {
            if !in_file.insert(v.email.clone()) {
                issues.push(RowIssue::error(
                    v.row,
                    "email",
                    &v.email,
                    "同じメールアドレスの行がファイルの前の方にもあります",
                ));
            }
        }
        let clean = !issues.iter().any(RowIssue::is_error);
        report.note(issues);
        done += 1;
        progress(done);
        let Some(v) = valid.filter(|_| clean) else {
            continue;
        };
        if known.contains(&v.email) {
            report.summary.unchanged += 1;
            continue;
        }
        report.summary.new += 1;
        report.push_entry(PlanEntry {
            row: v.row,
            handle: v.email.clone(),
            name: v.name.clone(),
            action: PlanAction::New,
        });
        customers.push(ImportCustomer {
            email: v.email,
            name: v.name,
            phone: v.phone,
            marketing: v.marketing,
            address: v.address,
            at: now,
        });
    }
    report.note(reader.take_issues());
    (report, customers)
}
