//! Coupons and their uses, written once for both backends (ADR 020). Counting a use happens
//! when an order is placed (`Sql::count_coupon_use` in `orders.rs`).

use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};

use akinai_domain::coupon::{CouponCode, CouponRule};
use akinai_domain::ids::{CartId, CouponId};
use akinai_store::coupons::Coupon;
use akinai_store::StoreResult;

use crate::{corrupt, is_unique_violation, map_err, Columns, Dialect, Sql};

const COUPON_SELECT: &str =
    "SELECT id, code, rule, used, disabled, created_by, created_at FROM coupons";

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> bool: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<i64>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<String>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<<D::Db as Database>::Row>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    fn read_coupon(r: &<D::Db as Database>::Row) -> StoreResult<Coupon> {
        let code = r.text("code")?;
        Ok(Coupon {
            id: CouponId(r.int("id")?),
            code: CouponCode::parse(&code).ok_or_else(|| corrupt(format!("coupon code {code}")))?,
            rule: serde_json::from_str(&r.text("rule")?).map_err(corrupt)?,
            used: u32::try_from(r.int("used")?).map_err(corrupt)?,
            disabled: r.try_get::<bool, _>("disabled").map_err(map_err)?,
            created_by: r.text("created_by")?,
            created_at: D::at(r, "created_at")?,
        })
    }

    pub async fn create_coupon(
        &self,
        code: &CouponCode,
        rule: &CouponRule,
        by: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Option<CouponId>> {
        let created: Result<Vec<i64>, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO coupons (code, rule, max_uses, per_customer, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(code.as_str().to_string())
        .bind(serde_json::to_string(rule).map_err(corrupt)?)
        .bind(rule.max_uses.map(i64::from))
        .bind(rule.per_customer.map(i64::from))
        .bind(by.to_string())
        .bind(D::time(at))
        .fetch_all(self.0.writer())
        .await;
        match created.and_then(crate::one) {
            Ok(id) => Ok(Some(CouponId(id))),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    pub async fn coupon_by_code(&self, code: &CouponCode) -> StoreResult<Option<Coupon>> {
        let row = sqlx::query(&format!("{COUPON_SELECT} WHERE code = $1"))
            .bind(code.as_str().to_string())
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        row.as_ref().map(Self::read_coupon).transpose()
    }

    pub async fn coupons(&self, limit: u32) -> StoreResult<Vec<Coupon>> {
        let rows = sqlx::query(&format!("{COUPON_SELECT} ORDER BY id DESC LIMIT $1"))
            .bind(i64::from(limit))
            .fetch_all(self.0.reader())
            .await
            .map_err(map_err)?;
        rows.iter().map(Self::read_coupon).collect()
    }

    pub async fn set_coupon_disabled(&self, id: CouponId, disabled: bool) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE coupons SET disabled = $1 WHERE id = $2")
            .bind(disabled)
            .bind(id.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn coupon_uses_by(&self, id: CouponId, shopper: &str) -> StoreResult<u32> {
        let uses: Option<i64> = sqlx::query_scalar(
            "SELECT uses FROM coupon_uses WHERE coupon_id = $1 AND shopper = $2",
        )
        .bind(id.0)
        .bind(shopper.to_string())
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)?;
        u32::try_from(uses.unwrap_or(0)).map_err(corrupt)
    }

    pub async fn orders_by_email(&self, email: &str, cap: u32) -> StoreResult<u32> {
        // Both spellings use the index on `orders.email`.
        let n: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT 1 AS one FROM orders \
             WHERE email = $1 OR email = $2 LIMIT $3) c",
        )
        .bind(email.to_string())
        .bind(email.to_lowercase())
        .bind(i64::from(cap))
        .fetch_one(self.0.reader())
        .await
        .map_err(map_err)?;
        u32::try_from(n).map_err(corrupt)
    }

    pub async fn set_cart_coupon(
        &self,
        cart: CartId,
        code: Option<&CouponCode>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE carts SET coupon_code = $1 WHERE id = $2")
            .bind(code.map(|c| c.as_str().to_string()))
            .bind(cart.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }
}

/// Implements `CouponStore` for a backend with the shared statements.
#[macro_export]
macro_rules! coupon_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::coupon::{CouponCode, CouponRule};
            use akinai_domain::ids::{CartId, CouponId};
            use akinai_store::coupons::Coupon;
            use akinai_store::StoreResult;
            #[async_trait::async_trait]
            impl akinai_store::coupons::CouponStore for $store {
                async fn create_coupon(
                    &self,
                    code: &CouponCode,
                    rule: &CouponRule,
                    by: &str,
                    at: chrono::DateTime<chrono::Utc>,
                ) -> StoreResult<Option<CouponId>> {
                    $crate::Sql(self).create_coupon(code, rule, by, at).await
                }
                async fn coupon_by_code(&self, code: &CouponCode) -> StoreResult<Option<Coupon>> {
                    $crate::Sql(self).coupon_by_code(code).await
                }
                async fn coupons(&self, limit: u32) -> StoreResult<Vec<Coupon>> {
                    $crate::Sql(self).coupons(limit).await
                }
                async fn set_coupon_disabled(
                    &self,
                    id: CouponId,
                    disabled: bool,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).set_coupon_disabled(id, disabled).await
                }
                async fn coupon_uses_by(&self, id: CouponId, shopper: &str) -> StoreResult<u32> {
                    $crate::Sql(self).coupon_uses_by(id, shopper).await
                }
                async fn orders_by_email(&self, email: &str, cap: u32) -> StoreResult<u32> {
                    $crate::Sql(self).orders_by_email(email, cap).await
                }
                async fn product_categories(
                    &self,
                    products: &[akinai_domain::ids::ProductId],
                ) -> StoreResult<
                    Vec<(
                        akinai_domain::ids::ProductId,
                        akinai_domain::ids::CategoryId,
                    )>,
                > {
                    $crate::Sql(self).product_categories(products).await
                }
                async fn set_cart_coupon(
                    &self,
                    cart: CartId,
                    code: Option<&CouponCode>,
                ) -> StoreResult<()> {
                    $crate::Sql(self).set_cart_coupon(cart, code).await
                }
            }
        };
    };
}
