//! Business customers, written once for both backends (ADR 020): applications, companies and
//! the company a member buys for.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::business::{
    Company, CompanyInvite, CompanyMember, CompanyRole, CompanyStatus, MemberChange, NewCompany,
    REVIEW_COMPANY_APPROVAL,
};
use akinai_domain::ids::{AddressId, CompanyId, CustomerId, OrderId};
use akinai_domain::price_rules::GroupId;
use akinai_domain::receivables::CreditTerms;
use akinai_store::business::NewInvite;
use akinai_store::{SavedAddress, StoreResult, TokenHash};

/// One value bound to a lookup's `$1`.
enum Bound<'a> {
    Int(i64),
    Text(&'a str),
}

use crate::{corrupt, is_unique_violation, map_err, Columns, Dialect, Sql};

const COMPANY_SELECT: &str = "SELECT id, name, department, invoice_number, status, applicant_id, \
     (SELECT email FROM customers u WHERE u.id = companies.applicant_id) AS applicant_email, \
     group_id, applied_at, decided_at, decided_by, payment_terms, credit_limit, approval_over \
     FROM companies";

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
            approval_over: r.opt_int("approval_over")?.map(akinai_domain::Yen),
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
                "UPDATE customers SET company_id = $1, company_role = 'admin', \
                 group_id = COALESCE($2, group_id) WHERE id = $3",
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

    fn read_invite(r: &<D::Db as Database>::Row) -> StoreResult<CompanyInvite> {
        let role = r.text("role")?;
        Ok(CompanyInvite {
            id: r.int("id")?,
            company: CompanyId(r.int("company_id")?),
            link_nonce: r.text("link_nonce")?,
            email: r.text("email")?,
            role: CompanyRole::parse(&role)
                .ok_or_else(|| corrupt(format!("company role {role}")))?,
            created_at: D::at(r, "created_at")?,
            expires_at: D::at(r, "expires_at")?,
            accepted_at: D::read_time(r, "accepted_at")?,
        })
    }

    pub async fn membership(
        &self,
        customer: CustomerId,
    ) -> StoreResult<Option<(Company, CompanyRole)>> {
        let row = sqlx::query(&format!(
            "{COMPANY_SELECT} WHERE id = (SELECT company_id FROM customers WHERE id = $1) \
             AND status = 'approved'"
        ))
        .bind(customer.0)
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)?;
        let Some(company) = row.as_ref().map(Self::read_company).transpose()? else {
            return Ok(None);
        };
        let role: Option<String> =
            sqlx::query_scalar("SELECT company_role FROM customers WHERE id = $1")
                .bind(customer.0)
                .fetch_one(self.0.reader())
                .await
                .map_err(map_err)?;
        // A member from before roles (none recorded) is the company's admin.
        let role = role
            .as_deref()
            .and_then(CompanyRole::parse)
            .unwrap_or(CompanyRole::Admin);
        Ok(Some((company, role)))
    }

    pub async fn company_members(&self, company: CompanyId) -> StoreResult<Vec<CompanyMember>> {
        let rows = sqlx::query(
            "SELECT id, name, email, company_role FROM customers \
             WHERE company_id = $1 AND deleted_at IS NULL \
             ORDER BY CASE WHEN company_role = 'admin' THEN 0 ELSE 1 END, id",
        )
        .bind(company.0)
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(CompanyMember {
                    customer: CustomerId(r.int("id")?),
                    name: r.opt_text("name")?.unwrap_or_default(),
                    email: r.opt_text("email")?.unwrap_or_default(),
                    role: r
                        .opt_text("company_role")?
                        .as_deref()
                        .and_then(CompanyRole::parse)
                        .unwrap_or(CompanyRole::Admin),
                })
            })
            .collect()
    }

    pub async fn create_invite(&self, i: &NewInvite) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO company_invites (company_id, token_hash, link_nonce, email, role, \
             invited_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(i.company.0)
        .bind(i.token.0.as_str())
        .bind(i.link_nonce.as_str())
        .bind(i.email.as_str())
        .bind(i.role.as_str())
        .bind(i.invited_by.0)
        .bind(D::time(i.created_at))
        .bind(D::time(i.expires_at))
        .fetch_one(self.0.writer())
        .await
        .map_err(map_err)
    }

    async fn invite_where(&self, clause: &str, bind: Bound<'_>) -> StoreResult<Vec<CompanyInvite>> {
        let sql = format!(
            "SELECT id, company_id, link_nonce, email, role, created_at, expires_at, accepted_at \
             FROM company_invites WHERE {clause}"
        );
        let q = sqlx::query(&sql);
        let q = match bind {
            Bound::Int(n) => q.bind(n),
            Bound::Text(t) => q.bind(t),
        };
        let rows = q.fetch_all(self.0.reader()).await.map_err(map_err)?;
        rows.iter().map(Self::read_invite).collect()
    }

    pub async fn invite(&self, id: i64) -> StoreResult<Option<CompanyInvite>> {
        Ok(self.invite_where("id = $1", Bound::Int(id)).await?.pop())
    }

    pub async fn invite_by_token(&self, token: &TokenHash) -> StoreResult<Option<CompanyInvite>> {
        Ok(self
            .invite_where("token_hash = $1", Bound::Text(&token.0))
            .await?
            .pop())
    }

    pub async fn company_invites(&self, company: CompanyId) -> StoreResult<Vec<CompanyInvite>> {
        self.invite_where(
            "company_id = $1 ORDER BY id DESC LIMIT 50",
            Bound::Int(company.0),
        )
        .await
    }

    pub async fn accept_invite(
        &self,
        token: &TokenHash,
        customer: CustomerId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let taken: Option<(i64, String)> = sqlx::query_as(
            "UPDATE company_invites SET accepted_by = $1, accepted_at = $2 \
             WHERE token_hash = $3 AND accepted_at IS NULL AND expires_at > $2 \
             RETURNING company_id, role",
        )
        .bind(customer.0)
        .bind(D::time(now))
        .bind(token.0.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let Some((company, role)) = taken else {
            return Ok(false);
        };
        let joined = sqlx::query(
            "UPDATE customers SET company_id = $1, company_role = $2, \
             group_id = COALESCE((SELECT group_id FROM companies WHERE id = $1), group_id) \
             WHERE id = $3 AND company_id IS NULL AND deleted_at IS NULL",
        )
        .bind(company)
        .bind(role)
        .bind(customer.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if D::rows_affected(&joined) != 1 {
            // In a company already: dropping `tx` leaves the invitation open.
            return Ok(false);
        }
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    pub async fn orders_awaiting_approval(&self, company: CompanyId) -> StoreResult<Vec<OrderId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT o.id FROM orders o JOIN customers u ON u.id = o.customer_id \
             WHERE u.company_id = $1 AND o.status = 'placed' AND o.reviewed_at IS NULL \
             AND o.review_reason LIKE $2 ORDER BY o.id LIMIT 200",
        )
        .bind(company.0)
        .bind(format!("%{REVIEW_COMPANY_APPROVAL}%"))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        Ok(ids.into_iter().map(OrderId).collect())
    }

    pub async fn shared_addresses(
        &self,
        company: CompanyId,
        except: CustomerId,
    ) -> StoreResult<Vec<SavedAddress>> {
        let rows = sqlx::query(
            "SELECT a.id, a.customer_id, a.recipient, a.created_at, a.changed_at, a.shared \
             FROM customer_addresses a JOIN customers u ON u.id = a.customer_id \
             WHERE u.company_id = $1 AND a.customer_id <> $2 AND a.shared = 1 \
             AND u.deleted_at IS NULL ORDER BY a.id",
        )
        .bind(company.0)
        .bind(except.0)
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| crate::saved_address(r, &|c| D::read_time(r, c)))
            .collect()
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

    pub async fn set_approval_over(
        &self,
        company: CompanyId,
        amount: Option<akinai_domain::Yen>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE companies SET approval_over = $1 WHERE id = $2 AND status = 'approved'",
        )
        .bind(amount.map(|a| a.0))
        .bind(company.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn change_company_member(
        &self,
        company: CompanyId,
        customer: CustomerId,
        change: MemberChange,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = match change {
            MemberChange::Role(role) => sqlx::query(
                "UPDATE customers SET company_role = $1 \
                 WHERE id = $2 AND company_id = $3 AND company_role <> 'admin'",
            )
            .bind(role.as_str().to_string())
            .bind(customer.0)
            .bind(company.0),
            MemberChange::Remove => sqlx::query(
                "UPDATE customers SET company_id = NULL, company_role = NULL, \
                 group_id = CASE WHEN group_id = (SELECT group_id FROM companies WHERE id = $1) \
                 THEN NULL ELSE group_id END \
                 WHERE id = $2 AND company_id = $1 AND company_role <> 'admin'",
            )
            .bind(company.0)
            .bind(customer.0),
        }
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if D::rows_affected(&done) != 1 {
            return Ok(false);
        }
        if change == MemberChange::Remove {
            sqlx::query("UPDATE customer_addresses SET shared = $1 WHERE customer_id = $2")
                .bind(0i64)
                .bind(customer.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    pub async fn share_address(
        &self,
        customer: CustomerId,
        id: AddressId,
        shared: bool,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE customer_addresses SET shared = $1 WHERE id = $2 AND customer_id = $3",
        )
        .bind(i64::from(shared))
        .bind(id.0)
        .bind(customer.0)
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
                async fn membership(
                    &self,
                    customer: CustomerId,
                ) -> StoreResult<Option<(Company, akinai_domain::business::CompanyRole)>> {
                    $crate::Sql(self).membership(customer).await
                }
                async fn company_members(
                    &self,
                    company: CompanyId,
                ) -> StoreResult<Vec<akinai_domain::business::CompanyMember>> {
                    $crate::Sql(self).company_members(company).await
                }
                async fn create_invite(
                    &self,
                    invite: &akinai_store::business::NewInvite,
                ) -> StoreResult<i64> {
                    $crate::Sql(self).create_invite(invite).await
                }
                async fn invite(
                    &self,
                    id: i64,
                ) -> StoreResult<Option<akinai_domain::business::CompanyInvite>> {
                    $crate::Sql(self).invite(id).await
                }
                async fn invite_by_token(
                    &self,
                    token: &akinai_store::TokenHash,
                ) -> StoreResult<Option<akinai_domain::business::CompanyInvite>> {
                    $crate::Sql(self).invite_by_token(token).await
                }
                async fn company_invites(
                    &self,
                    company: CompanyId,
                ) -> StoreResult<Vec<akinai_domain::business::CompanyInvite>> {
                    $crate::Sql(self).company_invites(company).await
                }
                async fn accept_invite(
                    &self,
                    token: &akinai_store::TokenHash,
                    customer: CustomerId,
                    now: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).accept_invite(token, customer, now).await
                }
                async fn set_approval_over(
                    &self,
                    company: CompanyId,
                    amount: Option<akinai_domain::Yen>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).set_approval_over(company, amount).await
                }
                async fn orders_awaiting_approval(
                    &self,
                    company: CompanyId,
                ) -> StoreResult<Vec<akinai_domain::ids::OrderId>> {
                    $crate::Sql(self).orders_awaiting_approval(company).await
                }
                async fn shared_addresses(
                    &self,
                    company: CompanyId,
                    except: CustomerId,
                ) -> StoreResult<Vec<akinai_store::SavedAddress>> {
                    $crate::Sql(self).shared_addresses(company, except).await
                }
                async fn change_company_member(
                    &self,
                    company: CompanyId,
                    customer: CustomerId,
                    change: akinai_domain::business::MemberChange,
                ) -> StoreResult<bool> {
                    $crate::Sql(self)
                        .change_company_member(company, customer, change)
                        .await
                }
                async fn share_address(
                    &self,
                    customer: CustomerId,
                    id: akinai_domain::ids::AddressId,
                    shared: bool,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).share_address(customer, id, shared).await
                }
            }
        };
    };
}
