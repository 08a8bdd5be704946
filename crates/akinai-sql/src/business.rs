//! Business customers, written once for both backends (ADR 020): applications, companies and
//! the company a member buys for.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::business::{Company, CompanyStatus, NewCompany};
use akinai_domain::ids::{CompanyId, CustomerId};
use akinai_domain::price_rules::GroupId;
use akinai_domain::receivables::CreditTerms;
use akinai_store::StoreResult;

use crate::{corrupt, is_unique_violation, map_err, Columns, Dialect, Sql};

const COMPANY_SELECT: &str = "SELECT id, name, department, invoice_number, status, applicant_id, \
     (SELECT email FROM customers u WHERE u.id = companies.applicant_id) AS applicant_email, \
     group_id, applied_at, decided_at, decided_by, payment_terms, credit_limit FROM companies";

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<i64>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<String>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<<D::Db as Database>::Row>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    fn read_company(r: &<D::Db as Database>::Row) -> StoreResult<Company> {
        let status = r.text("status")?;
        Ok(Company {
            id: CompanyId(r.int("id")?),
            name: r.text("name")?,
            department: r.text("department")?,
            invoice_number: r.opt_text("invoice_number")?,
            status: CompanyStatus::parse(&status)
                .ok_or_else(|| corrupt(format!("company status {status}")))?,
            applicant: CustomerId(r.int("applicant_id")?),
            applicant_email: r.text("applicant_email")?,
            group: r.opt_int("group_id")?.map(GroupId),
            applied_at: D::at(r, "applied_at")?,
            decided_at: D::read_time(r, "decided_at")?,
            decided_by: r.opt_text("decided_by")?,
            terms: r
                .opt_text("payment_terms")?
                .map(|t| serde_json::from_str(&t).map_err(corrupt))
                .transpose()?,
            credit_limit: r.opt_int("credit_limit")?.map(akinai_domain::Yen),
        })
    }

    pub async fn apply_business(
        &self,
        customer: CustomerId,
        company: &NewCompany,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<CompanyId>> {
        let made = sqlx::query_scalar::<_, i64>(
            "INSERT INTO companies (name, department, invoice_number, status, applicant_id, applied_at) \
             VALUES ($1, $2, $3, 'pending', $4, $5) RETURNING id",
        )
        .bind(&company.name)
        .bind(&company.department)
        .bind(company.invoice_number.as_ref().map(|n| n.as_str().to_string()))
        .bind(customer.0)
        .bind(D::time(now))
        .fetch_one(self.0.writer())
        .await;
        match made {
            Ok(id) => Ok(Some(CompanyId(id))),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    pub async fn companies(&self, limit: u32) -> StoreResult<Vec<Company>> {
        let rows = sqlx::query(&format!(
            "{COMPANY_SELECT} ORDER BY CASE WHEN status = 'pending' THEN 0 ELSE 1 END, id DESC LIMIT $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter().map(Self::read_company).collect()
    }

    pub async fn company(&self, id: CompanyId) -> StoreResult<Option<Company>> {
        let row = sqlx::query(&format!("{COMPANY_SELECT} WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        row.as_ref().map(Self::read_company).transpose()
    }

    pub async fn company_of(&self, customer: CustomerId) -> StoreResult<Option<Company>> {
        let row = sqlx::query(&format!(
            "{COMPANY_SELECT} WHERE id = (SELECT company_id FROM customers WHERE id = $1) \
             OR applicant_id = $1 \
             ORDER BY CASE WHEN status = 'approved' THEN 0 ELSE 1 END, id DESC LIMIT 1"
        ))
        .bind(customer.0)
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)?;
        row.as_ref().map(Self::read_company).transpose()
    }

    pub async fn decide_company(
        &self,
        id: CompanyId,
        approve: bool,
        group: Option<GroupId>,
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let status = if approve {
            CompanyStatus::Approved
        } else {
            CompanyStatus::Rejected
        };
        let mut tx = self.begin_write().await?;
        let applicant: Option<i64> = sqlx::query_scalar(
            "UPDATE companies SET status = $1, group_id = $2, decided_at = $3, decided_by = $4 \
             WHERE id = $5 AND status = 'pending' RETURNING applicant_id",
        )
        .bind(status.as_str())
        .bind(group.filter(|_| approve).map(|g| g.0))
        .bind(D::time(now))
        .bind(by)
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let Some(applicant) = applicant else {
            return Ok(false);
        };
        if approve {
            sqlx::query(
                "UPDATE customers SET company_id = $1, group_id = COALESCE($2, group_id) WHERE id = $3",
            )
            .bind(id.0)
            .bind(group.map(|g| g.0))
            .bind(applicant)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }
}

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<i64>: Encode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Type<D::Db>,
{
    pub async fn set_company_terms(&self, id: CompanyId, terms: &CreditTerms) -> StoreResult<bool> {
        let json = serde_json::to_string(&terms.terms).map_err(corrupt)?;
        let done = sqlx::query(
            "UPDATE companies SET payment_terms = $1, credit_limit = $2 \
             WHERE id = $3 AND status = 'approved'",
        )
        .bind(json)
        .bind(terms.credit_limit.map(|l| l.0))
        .bind(id.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }
}

/// Implements `BusinessStore` for a backend with the shared statements.
#[macro_export]
macro_rules! business_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::business::{Company, NewCompany};
            use akinai_domain::ids::{CompanyId, CustomerId};
            use akinai_domain::price_rules::GroupId;
            use akinai_store::StoreResult;
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::business::BusinessStore for $store {
                async fn apply_business(
                    &self,
                    customer: CustomerId,
                    company: &NewCompany,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<CompanyId>> {
                    $crate::Sql(self)
                        .apply_business(customer, company, now)
                        .await
                }
                async fn companies(&self, limit: u32) -> StoreResult<Vec<Company>> {
                    $crate::Sql(self).companies(limit).await
                }
                async fn company(&self, id: CompanyId) -> StoreResult<Option<Company>> {
                    $crate::Sql(self).company(id).await
                }
                async fn company_of(&self, customer: CustomerId) -> StoreResult<Option<Company>> {
                    $crate::Sql(self).company_of(customer).await
                }
                async fn decide_company(
                    &self,
                    id: CompanyId,
                    approve: bool,
                    group: Option<GroupId>,
                    by: &str,
                    now: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self)
                        .decide_company(id, approve, group, by, now)
                        .await
                }
                async fn set_company_terms(
                    &self,
                    id: CompanyId,
                    terms: &akinai_domain::receivables::CreditTerms,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).set_company_terms(id, terms).await
                }
            }
        };
    };
}
