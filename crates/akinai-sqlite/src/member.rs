//! Passkeys, the address book, profile changes and account erasure on SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;

use akinai_domain::address_book::Recipient;
use akinai_domain::ids::CustomerId;
use akinai_sql::{corrupt, is_unique_violation, Columns};
use akinai_store::{AddressSaved, MemberStore, NewPasskey, Passkey, SavedAddress, StoreResult};

use crate::{from_ms, map_err, ms, SqliteStore};

const PASSKEY: &str = "SELECT id, customer_id, credential_id, public_key, user_handle, sign_count, name, created_at, last_used_at FROM passkeys";
const ADDRESS: &str =
    "SELECT id, customer_id, recipient, created_at, changed_at FROM customer_addresses";

fn passkey(r: &SqliteRow) -> StoreResult<Passkey> {
    akinai_sql::passkey(r, &|c| r.opt_int(c)?.map(from_ms).transpose())
}

fn address(r: &SqliteRow) -> StoreResult<SavedAddress> {
    akinai_sql::saved_address(r, &|c| r.opt_int(c)?.map(from_ms).transpose())
}

#[async_trait]
impl MemberStore for SqliteStore {
    async fn add_passkey(&self, p: &NewPasskey) -> StoreResult<Option<i64>> {
        let made = sqlx::query_scalar(
            "INSERT INTO passkeys (customer_id, credential_id, public_key, user_handle, sign_count, name, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(p.customer_id.0)
        .bind(&p.credential_id)
        .bind(&p.public_key)
        .bind(&p.user_handle)
        .bind(p.sign_count)
        .bind(&p.name)
        .bind(ms(p.created_at))
        .fetch_one(&self.writer)
        .await;
        match made {
            Ok(id) => Ok(Some(id)),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    async fn passkeys(&self, customer: CustomerId) -> StoreResult<Vec<Passkey>> {
        let rows = sqlx::query(&format!("{PASSKEY} WHERE customer_id = ? ORDER BY id"))
            .bind(customer.0)
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?;
        rows.iter().map(passkey).collect()
    }

    async fn passkey_by_credential(&self, credential_id: &str) -> StoreResult<Option<Passkey>> {
        let row = sqlx::query(&format!("{PASSKEY} WHERE credential_id = ?"))
            .bind(credential_id)
            .fetch_optional(&self.reader)
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
            "UPDATE passkeys SET sign_count = ?, last_used_at = ? WHERE id = ? AND sign_count = ?",
        )
        .bind(new_count)
        .bind(ms(at))
        .bind(id)
        .bind(seen_count)
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_passkey(&self, customer: CustomerId, id: i64) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM passkeys WHERE id = ? AND customer_id = ?")
            .bind(id)
            .bind(customer.0)
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn recent_login_ips(&self, customer: CustomerId, limit: u32) -> StoreResult<Vec<String>> {
        let ips: Vec<String> = sqlx::query_scalar(
            "SELECT ip FROM customer_sessions WHERE customer_id = ? AND ip IS NOT NULL ORDER BY id DESC LIMIT ?",
        )
        .bind(customer.0)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?;
        Ok(ips)
    }

    async fn addresses(&self, customer: CustomerId) -> StoreResult<Vec<SavedAddress>> {
        let rows = sqlx::query(&format!("{ADDRESS} WHERE customer_id = ? ORDER BY id"))
            .bind(customer.0)
            .fetch_all(&self.reader)
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
        // One writer connection: the count and the insert cannot interleave with another save.
        let mut tx = self.writer.begin().await.map_err(map_err)?;
        let saved = match id {
            Some(id) => {
                let done = sqlx::query(
                    "UPDATE customer_addresses SET recipient = ?, changed_at = ? WHERE id = ? AND customer_id = ?",
                )
                .bind(&json)
                .bind(ms(at))
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
                    "SELECT COUNT(*) FROM customer_addresses WHERE customer_id = ?",
                )
                .bind(customer.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                if usize::try_from(count).unwrap_or(usize::MAX) >= max {
                    AddressSaved::BookFull
                } else {
                    let id = sqlx::query_scalar(
                        "INSERT INTO customer_addresses (customer_id, recipient, created_at, changed_at) VALUES (?, ?, ?, ?) RETURNING id",
                    )
                    .bind(customer.0)
                    .bind(&json)
                    .bind(ms(at))
                    .bind(ms(at))
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
        let done = sqlx::query("DELETE FROM customer_addresses WHERE id = ? AND customer_id = ?")
            .bind(id)
            .bind(customer.0)
            .execute(&self.writer)
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
        sqlx::query("UPDATE customers SET name = ?, phone = ? WHERE id = ?")
            .bind(name)
            .bind(phone)
            .bind(customer.0)
            .execute(&self.writer)
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
        let mut tx = self.writer.begin().await.map_err(map_err)?;
        for sql in akinai_sql::ERASE_MEMBER_DATA {
            sqlx::query(&sql.replace("$1", "?"))
                .bind(customer.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        sqlx::query(
            "UPDATE customers SET email = ?, name = '', password_hash = '', phone = NULL, deleted_at = ? WHERE id = ?",
        )
        .bind(tombstone_email)
        .bind(ms(at))
        .bind(customer.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }
}
