//! Passkeys, the address book, profile changes and account erasure on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::Row;

use akinai_domain::address_book::Recipient;
use akinai_domain::ids::CustomerId;
use akinai_sql::{corrupt, is_unique_violation};
use akinai_store::{AddressSaved, MemberStore, NewPasskey, Passkey, SavedAddress, StoreResult};

use crate::{map_err, PgStore};

const PASSKEY: &str = "SELECT id, customer_id, credential_id, public_key, user_handle, sign_count, name, created_at, last_used_at FROM passkeys";
const ADDRESS: &str =
    "SELECT id, customer_id, recipient, created_at, changed_at FROM customer_addresses";

fn time(r: &PgRow, column: &str) -> StoreResult<Option<DateTime<Utc>>> {
    r.try_get(column).map_err(map_err)
}

fn passkey(r: &PgRow) -> StoreResult<Passkey> {
    akinai_sql::passkey(r, &|c| time(r, c))
}

fn address(r: &PgRow) -> StoreResult<SavedAddress> {
    akinai_sql::saved_address(r, &|c| time(r, c))
}

#[async_trait]
impl MemberStore for PgStore {
    async fn add_passkey(&self, p: &NewPasskey) -> StoreResult<Option<i64>> {
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
        .bind(p.created_at)
        .fetch_one(&self.pool)
        .await;
        match made {
            Ok(id) => Ok(Some(id)),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    async fn passkeys(&self, customer: CustomerId) -> StoreResult<Vec<Passkey>> {
        let rows = sqlx::query(&format!("{PASSKEY} WHERE customer_id = $1 ORDER BY id"))
            .bind(customer.0)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(passkey).collect()
    }

    async fn passkey_by_credential(&self, credential_id: &str) -> StoreResult<Option<Passkey>> {
        let row = sqlx::query(&format!("{PASSKEY} WHERE credential_id = $1"))
            .bind(credential_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(passkey).transpose()
    }

    async fn record_passkey_use(
        &self,
        id: i64,
        seen_count: i64,
        new_count: i64,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE passkeys SET sign_count = $1, last_used_at = $2 WHERE id = $3 AND sign_count = $4",
        )
        .bind(new_count)
        .bind(at)
        .bind(id)
        .bind(seen_count)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_passkey(&self, customer: CustomerId, id: i64) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND customer_id = $2")
            .bind(id)
            .bind(customer.0)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn recent_login_ips(&self, customer: CustomerId, limit: u32) -> StoreResult<Vec<String>> {
        let ips: Vec<String> = sqlx::query_scalar(
            "SELECT ip FROM customer_sessions WHERE customer_id = $1 AND ip IS NOT NULL ORDER BY id DESC LIMIT $2",
        )
        .bind(customer.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(ips)
    }

    async fn addresses(&self, customer: CustomerId) -> StoreResult<Vec<SavedAddress>> {
        let rows = sqlx::query(&format!("{ADDRESS} WHERE customer_id = $1 ORDER BY id"))
            .bind(customer.0)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(address).collect()
    }

    async fn save_address(
        &self,
        customer: CustomerId,
        id: Option<i64>,
        recipient: &Recipient,
        at: DateTime<Utc>,
        max: usize,
    ) -> StoreResult<AddressSaved> {
        let json = serde_json::to_string(recipient).map_err(corrupt)?;
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        // Concurrent saves of one member queue on the member's row, so the count holds.
        sqlx::query("SELECT id FROM customers WHERE id = $1 FOR UPDATE")
            .bind(customer.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let saved = match id {
            Some(id) => {
                let done = sqlx::query(
                    "UPDATE customer_addresses SET recipient = $1, changed_at = $2 WHERE id = $3 AND customer_id = $4",
                )
                .bind(&json)
                .bind(at)
                .bind(id)
                .bind(customer.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if done.rows_affected() == 1 {
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
                    .bind(at)
                    .bind(at)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    AddressSaved::Saved(id)
                }
            }
        };
        tx.commit().await.map_err(map_err)?;
        Ok(saved)
    }

    async fn delete_address(&self, customer: CustomerId, id: i64) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM customer_addresses WHERE id = $1 AND customer_id = $2")
            .bind(id)
            .bind(customer.0)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_profile(
        &self,
        customer: CustomerId,
        name: &str,
        phone: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE customers SET name = $1, phone = $2 WHERE id = $3")
            .bind(name)
            .bind(phone)
            .bind(customer.0)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn erase_customer(
        &self,
        customer: CustomerId,
        tombstone_email: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        for sql in akinai_sql::ERASE_MEMBER_DATA {
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
        .bind(at)
        .bind(customer.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }
}
