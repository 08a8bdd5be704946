//! 締め処理 and reminders: after a company's closing day its unbilled invoice orders become one
//! statement (kept as issued, audited, mailed with the PDF); unpaid statements past their due
//! date are mailed a reminder once a week. Both run in the worker (one node a round, by task
//! lease) and closing also on staff's 「締め処理を実行」; a period issued already is skipped
//! (one statement per company and closing day, enforced by the store).

use serde_json::json;

use akinai_domain::admin::ManageCustomers;
use akinai_domain::business::{Company, CompanyStatus};
use akinai_domain::ids::StatementId;
use akinai_domain::receivables::{statement_document, Period, StatementFacts, StatementOrder};
use akinai_store::receivables::NewStatement;
use akinai_store::{order_number, Job, NewJob};

use super::{Receivables, STATEMENT_ISSUE};
use crate::accounts::Client;
use crate::admin::Authorized;
use crate::audit::AuditContext;
use crate::clock::{jst, jst_midnight};
use crate::worker::JobFailure;
use crate::CoreError;

/// The job that mails a statement (issued, or a reminder when overdue).
pub const JOB_STATEMENT_MAIL: &str = "statement.mail";

/// The task lease of closing and reminding (one node an hour).
pub const STATEMENTS_TASK: &str = "receivables.close";

/// Most companies looked at in one closing round.
const COMPANIES: u32 = 10_000;

/// A reminder is mailed again after this many days.
const REMIND_EVERY_DAYS: i64 = 7;

impl Receivables {
    /// 「締め処理を実行」: issues the statements of every period closed by today (Japan) that
    /// has unbilled orders; how many were issued.
    pub async fn close_now(
        &self,
        by: &Authorized<ManageCustomers>,
        client: &Client,
    ) -> Result<usize, CoreError> {
        let ctx = by.principal().audit_context(client);
        self.close_periods(&ctx, &by.principal().actor()).await
    }

    /// The worker's hourly round: closes the periods due and mails this week's reminders.
    pub async fn close_and_remind(&self) -> Result<(usize, usize), CoreError> {
        let issued = self
            .close_periods(&AuditContext::system("worker"), "system")
            .await?;
        Ok((issued, self.remind_overdue().await?))
    }

    async fn close_periods(&self, ctx: &AuditContext, by: &str) -> Result<usize, CoreError> {
        let today = self.base.today();
        let mut issued = 0;
        for company in self.business_store.companies(COMPANIES).await? {
            // A company whose limit was withdrawn is still billed for what it ordered.
            if company.status != CompanyStatus::Approved {
                continue;
            }
            let terms = company.terms.unwrap_or_default();
            // The last period that closed before today.
            let closed = terms
                .period_of(today)
                .and_then(|current| current.first.pred_opt())
                .and_then(|last| terms.period_of(last));
            let (Some(period), Some(due_on)) =
                (closed, closed.and_then(|p| terms.due_date(p.closing)))
            else {
                continue;
            };
            if let Some(id) = self.issue(&company, period, due_on, by).await? {
                self.audit
                    .record(
                        ctx,
                        STATEMENT_ISSUE,
                        &format!("statement:{}", id.0),
                        json!({ "company": company.id.0, "period_to": period.closing.to_string(),
                            "due_on": due_on.to_string() }),
                    )
                    .await?;
                self.mail_later(id, "issued").await?;
                issued += 1;
            }
        }
        Ok(issued)
    }

    /// Issues the company's statement for `period` over its unbilled orders placed by the
    /// period's end; `None` when there are none or it was issued already.
    async fn issue(
        &self,
        company: &Company,
        period: Period,
        due_on: chrono::NaiveDate,
        by: &str,
    ) -> Result<Option<StatementId>, CoreError> {
        let end = period.closing.succ_opt().ok_or(CoreError::NotFound)?;
        let billable = self
            .receivable_store
            .billable_orders(company.id, jst_midnight(end))
            .await?;
        if billable.is_empty() {
            return Ok(None);
        }
        let orders: Vec<StatementOrder> = billable
            .iter()
            .map(|o| StatementOrder {
                order_number: order_number(o.id),
                placed_on: o.placed_at.with_timezone(&jst()).date_naive(),
                rates: o.rates.clone(),
            })
            .collect();
        let settings = self.base.settings().await?;
        let doc = statement_document(&StatementFacts {
            settings: &settings,
            addressee: company.addressee(),
            period,
            due_on,
            issued_on: self.base.today(),
            orders: &orders,
        })
        .map_err(akinai_domain::checkout::QuoteError::from)?;
        let content = serde_json::to_string(&doc)
            .map_err(|e| CoreError::Store(akinai_store::StoreError::Corrupt(e.to_string())))?;
        Ok(self
            .receivable_store
            .issue_statement(&NewStatement {
                company: company.id,
                period_from: period.first,
                period_to: period.closing,
                due_on,
                total: doc.grand_total,
                content,
                issued_at: self.base.clock.now(),
                issued_by: by.to_string(),
                orders: billable.iter().map(|o| o.id).collect(),
            })
            .await?)
    }

    /// Mails a reminder of each unpaid statement past its due date, once a week each.
    async fn remind_overdue(&self) -> Result<usize, CoreError> {
        let now = self.base.clock.now();
        let today = self.base.today();
        let mut reminded = 0;
        for s in self.receivable_store.statements(None, 1_000).await? {
            if s.paid_at.is_some() || s.due_on >= today {
                continue;
            }
            let since =
                now - chrono::Duration::days(REMIND_EVERY_DAYS) + chrono::Duration::hours(1);
            if self
                .receivable_store
                .mark_reminded(s.id, now, since)
                .await?
            {
                self.mail_later(s.id, &format!("reminder-{today}")).await?;
                reminded += 1;
            }
        }
        Ok(reminded)
    }

    async fn mail_later(&self, id: StatementId, why: &str) -> Result<(), CoreError> {
        self.job_store
            .enqueue_job(&NewJob {
                kind: JOB_STATEMENT_MAIL.into(),
                payload: json!({ "statement": id.0, "why": why }),
                run_at: self.base.clock.now(),
                dedup_key: Some(format!("statement-{}-{why}", id.0)),
            })
            .await?;
        self.base.jobs_added();
        Ok(())
    }

    /// Worker step: mails the statement's PDF to the company's buyer, as issued or as a
    /// reminder.
    pub(crate) async fn send_statement_mail(&self, job: &Job) -> Result<(), JobFailure> {
        let bad = |what: &str| JobFailure::Permanent(format!("statement mail payload: {what}"));
        let transient = |e: &dyn std::fmt::Display| JobFailure::Transient(e.to_string());
        let id = job.payload["statement"]
            .as_i64()
            .map(StatementId)
            .ok_or_else(|| bad("statement"))?;
        let why = job.payload["why"].as_str().unwrap_or("issued").to_string();
        let statement = self
            .receivable_store
            .statement(id)
            .await
            .map_err(|e| transient(&e))?
            .ok_or_else(|| bad("statement not found"))?;
        let company = self
            .business_store
            .company(statement.company)
            .await
            .map_err(|e| transient(&e))?
            .ok_or_else(|| bad("company not found"))?;
        let view = self.view(statement);
        if why != "issued" && !view.overdue() {
            // Paid since the reminder was queued.
            return Ok(());
        }
        let pdf = self.draw(&view).await.map_err(|e| transient(&e))?;
        let settings = self.base.settings().await.map_err(|e| transient(&e))?;
        let s = &view.statement;
        let day = |d: chrono::NaiveDate| d.format("%Y年%m月%d日").to_string();
        let (subject, lead) = if why == "issued" {
            (
                format!(
                    "【{}】請求書をお送りします({})",
                    settings.shop_name, view.number
                ),
                format!(
                    "{}〜{}のご注文分の請求書(PDF)をお送りします。",
                    day(s.period_from),
                    day(s.period_to)
                ),
            )
        } else {
            (
                format!(
                    "【{}】お支払い期日を過ぎた請求書のご案内({})",
                    settings.shop_name, view.number
                ),
                "下記の請求書のお支払いを、お支払期日を過ぎても確認できておりません。\
                 行き違いでお支払い済みの場合はご容赦ください。"
                    .to_string(),
            )
        };
        let body = [
            format!("{} 御中", company.addressee()),
            String::new(),
            lead,
            String::new(),
            format!("  請求書番号: {}", view.number),
            format!("  ご請求金額(税込): {}", s.total.display()),
            format!("  お支払期日: {}", day(s.due_on)),
            format!("  未入金額: {}", view.balance().display()),
            String::new(),
            "請求書はマイページ「請求書」からもダウンロードできます。".to_string(),
            String::new(),
            "--".to_string(),
            settings.shop_name.clone(),
            format!("TEL {}  {}", settings.legal.phone, settings.legal.email),
        ]
        .join("\n");
        let message = crate::mail::shop_message_with_pdf(
            (
                company.applicant_email.as_str(),
                company.addressee().as_str(),
            ),
            &format!("statement-{}.{why}", id.0),
            (self.base.clock.now(), &subject),
            body,
            (&settings, &self.base.config),
            (&pdf.file_name, pdf.bytes),
        )
        .map_err(|e| bad(&e.to_string()))?;
        self.mailer.send(&message).await.map_err(|e| transient(&e))
    }
}
