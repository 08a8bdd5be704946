//! Passkeys, the address book, profile changes and account erasure, written once for both backends (ADR 020).

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use crate::{corrupt, is_unique_violation};
use akinai_domain::address_book::Recipient;
use akinai_domain::ids::{AddressId, CustomerId, PasskeyId};
use akinai_store::{AddressSaved, NewPasskey, Passkey, SavedAddress, StoreResult};

use crate::{map_err, Dialect, Sql};

const PASSKEY: &str = "SELECT id, customer_id, credential_id, public_key, user_handle, sign_count, name, created_at, last_used_at FROM passkeys";
const ADDRESS: &str =
    "SELECT id, customer_id, recipient, created_at, changed_at, shared FROM customer_addresses";

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> bool: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<<D::Db as Database>::Row>,
    for<'q> Option<i64>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<String>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<&'q str>: Encode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<D::Time>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    fn passkey_row(r: &<D::Db as Database>::Row) -> StoreResult<Passkey> {
        crate::passkey(r, &|c| D::read_time(r, c))
    }

    fn address_row(r: &<D::Db as Database>::Row) -> StoreResult<SavedAddress> {
        crate::saved_address(r, &|c| D::read_time(r, c))
    }

    pub async fn add_passkey(&self, p: &NewPasskey) -> StoreResult<Option<PasskeyId>> {
        let made = sqlx::query_scalar(
            "INSERT INTO passkeys (customer_id, credential_id, public_key, user_handle, sign_count, name, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(p.customer_id.0)
        .bind(&p.credential_id)
        .bind(&p.public_key)
        .bind(&p.user_handle)
        .bind(p.sign_count)
        .bind(&p.name)
        .bind(D::time(p.created_at))
        .fetch_all(self.0.writer())
        .await
        .and_then(crate::one);
        match made {
            Ok(id) => Ok(Some(PasskeyId(id))),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    pub async fn passkeys(&self, customer: CustomerId) -> StoreResult<Vec<Passkey>> {
        let rows = sqlx::query(&format!("{PASSKEY} WHERE customer_id = $1 ORDER BY id"))
            .bind(customer.0)
            .fetch_all(self.0.reader())
            .await
            .map_err(map_err)?;
        rows.iter().map(Self::passkey_row).collect()
    }

    pub async fn passkey_by_credential(&self, credential_id: &str) -> StoreResult<Option<Passkey>> {
        let row = sqlx::query(&format!("{PASSKEY} WHERE credential_id = $1"))
            .bind(credential_id)
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        row.as_ref().map(Self::passkey_row).transpose()
    }

    pub async fn record_passkey_use(
        &self,
        id: PasskeyId,
        seen_count: i64,
        new_count: i64,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE passkeys SET sign_count = $1, last_used_at = $2 WHERE id = $3 AND sign_count = $4",
        )
        .bind(new_count)
        .bind(D::time(at))
        .bind(id.0)
        .bind(seen_count)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn delete_passkey(&self, customer: CustomerId, id: PasskeyId) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND customer_id = $2")
            .bind(id.0)
            .bind(customer.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn recent_login_ips(
        &self,
        customer: CustomerId,
        limit: u32,
    ) -> StoreResult<Vec<String>> {
        let ips: Vec<String> = sqlx::query_scalar(
            "SELECT ip FROM customer_sessions WHERE customer_id = $1 AND ip IS NOT NULL ORDER BY id DESC LIMIT $2",
        )
        .bind(customer.0)
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        Ok(ips)
    }

    pub async fn addresses(&self, customer: CustomerId) -> StoreResult<Vec<SavedAddress>> {
        let rows = sqlx::query(&format!("{ADDRESS} WHERE customer_id = $1 ORDER BY id"))
            .bind(customer.0)
            .fetch_all(self.0.reader())
            .await
            .map_err(map_err)?;
        rows.iter().map(Self::address_row).collect()
    }

    pub async fn save_address(
        &self,
        customer: CustomerId,
        id: Option<AddressId>,
        recipient: &Recipient,
        at: DateTime<Utc>,
        max: usize,
    ) -> StoreResult<AddressSaved> {
        let json = serde_json::to_string(recipient).map_err(corrupt)?;
        // One writer connection: the count and the insert cannot interleave with another save.
        let mut tx = self.begin_write().await?;
        let saved = match id {
            Some(id) => {
                let done = sqlx::query(
                    "UPDATE customer_addresses SET recipient = $1, changed_at = $2 WHERE id = $3 AND customer_id = $4",
                )
                .bind(&json)
                .bind(D::time(at))
                .bind(id.0)
                .bind(customer.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if D::rows_affected(&done) == 1 {
                    AddressSaved::Saved(id)
                } else {
                    AddressSaved::NotFound
                }
            }
            None => {
                let count: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM customer_addresses WHERE customer_id = $1",
                )
                .bind(customer.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                if usize::try_from(count).unwrap_or(usize::MAX) >= max {
                    AddressSaved::BookFull
                } else {
                    let id = sqlx::query_scalar(
                        "INSERT INTO customer_addresses (customer_id, recipient, created_at, changed_at) VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(customer.0)
                    .bind(&json)
                    .bind(D::time(at))
                    .bind(D::time(at))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    AddressSaved::Saved(AddressId(id))
                }
            }
        };
        tx.commit().await.map_err(map_err)?;
        Ok(saved)
    }

    pub async fn delete_address(&self, customer: CustomerId, id: AddressId) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM customer_addresses WHERE id = $1 AND customer_id = $2")
            .bind(id.0)
            .bind(customer.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn set_profile(
        &self,
        customer: CustomerId,
        name: &str,
        phone: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE customers SET name = $1, phone = $2 WHERE id = $3")
            .bind(name)
            .bind(phone)
            .bind(customer.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn erase_customer(
        &self,
        customer: CustomerId,
        tombstone_email: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for sql in crate::ERASE_MEMBER_DATA {
            sqlx::query(sql)
                .bind(customer.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        sqlx::query(
            "UPDATE customers SET email = $1, name = '', password_hash = '', phone = NULL, deleted_at = $2 WHERE id = $3",
        )
        .bind(tombstone_email)
        .bind(D::time(at))
        .bind(customer.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }
}

/// Implements `MemberStore` for a backend type with the statements above.
#[macro_export]
macro_rules! member_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::catalog::{
                Category, PageCursor, Product, ProductSummary, Quantity, SkuForSale,
            };
            use akinai_domain::checkout::CheckoutDetails;
            use akinai_domain::ids::{
                AddressId, CartId, CategoryId, CustomerId, JobId, OrderId, PasskeyId, ProductId,
                SessionId, SkuId,
            };
            use akinai_domain::search::SearchQuery;
            use akinai_domain::settings::ShopSettings;
            use akinai_store::*;
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::MemberStore for $store {
                async fn add_passkey(
                    &self,
                    passkey: &NewPasskey,
                ) -> StoreResult<Option<PasskeyId>> {
                    $crate::Sql(self).add_passkey(passkey).await
                }
                async fn passkeys(&self, customer: CustomerId) -> StoreResult<Vec<Passkey>> {
                    $crate::Sql(self).passkeys(customer).await
                }
                async fn passkey_by_credential(
                    &self,
                    credential_id: &str,
                ) -> StoreResult<Option<Passkey>> {
                    $crate::Sql(self).passkey_by_credential(credential_id).await
                }
                async fn record_passkey_use(
                    &self,
                    id: PasskeyId,
                    seen_count: i64,
                    new_count: i64,
                    at: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self)
                        .record_passkey_use(id, seen_count, new_count, at)
                        .await
                }
                async fn delete_passkey(
                    &self,
                    customer: CustomerId,
                    id: PasskeyId,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).delete_passkey(customer, id).await
                }
                async fn recent_login_ips(
                    &self,
                    customer: CustomerId,
                    limit: u32,
                ) -> StoreResult<Vec<String>> {
                    $crate::Sql(self).recent_login_ips(customer, limit).await
                }
                async fn addresses(&self, customer: CustomerId) -> StoreResult<Vec<SavedAddress>> {
                    $crate::Sql(self).addresses(customer).await
                }
                async fn save_address(
                    &self,
                    customer: CustomerId,
                    id: Option<AddressId>,
                    recipient: &akinai_domain::address_book::Recipient,
                    at: DateTime<Utc>,
                    max: usize,
                ) -> StoreResult<AddressSaved> {
                    $crate::Sql(self)
                        .save_address(customer, id, recipient, at, max)
                        .await
                }
                async fn delete_address(
                    &self,
                    customer: CustomerId,
                    id: AddressId,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).delete_address(customer, id).await
                }
                async fn set_profile(
                    &self,
                    customer: CustomerId,
                    name: &str,
                    phone: Option<&str>,
                ) -> StoreResult<()> {
                    $crate::Sql(self).set_profile(customer, name, phone).await
                }
                async fn erase_customer(
                    &self,
                    customer: CustomerId,
                    tombstone_email: &str,
                    at: DateTime<Utc>,
                ) -> StoreResult<()> {
                    $crate::Sql(self)
                        .erase_customer(customer, tombstone_email, at)
                        .await
                }
            }
        };
    };
}
