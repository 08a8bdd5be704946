//! Price rules, written once for both backends (ADR 020, ADR 047): customer groups, a member's
//! group, and each SKU's sale, quantities, tiers and group prices.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};

use akinai_domain::ids::{CustomerId, SkuId};
use akinai_domain::price_rules::CustomerGroup;
use akinai_domain::price_rules::{GroupId, PriceRules, Sale, Tier};
use akinai_domain::price_rules_input::NewGroup;
use akinai_domain::Yen;
use akinai_store::StoreResult;

use crate::{corrupt, is_unique_violation, map_err, Arg, Columns, Dialect, Filter, Sql};

const GROUP_SELECT: &str =
    "SELECT g.id, g.name, g.discount_percent, g.tax_exclusive FROM customer_groups g";

/// SKUs per statement: well under SQLite's limit of bound values.
const SKUS_PER_STATEMENT: usize = 500;

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
    fn read_group(r: &<D::Db as Database>::Row) -> StoreResult<CustomerGroup> {
        Ok(CustomerGroup {
            id: GroupId(r.int("id")?),
            name: r.text("name")?,
            discount_percent: u32::try_from(r.int("discount_percent")?).map_err(corrupt)?,
            tax_exclusive: r.try_get::<bool, _>("tax_exclusive").map_err(map_err)?,
        })
    }

    pub async fn customer_groups(&self) -> StoreResult<Vec<CustomerGroup>> {
        let rows = sqlx::query(&format!("{GROUP_SELECT} ORDER BY g.name, g.id"))
            .fetch_all(self.0.reader())
            .await
            .map_err(map_err)?;
        rows.iter().map(Self::read_group).collect()
    }

    pub async fn save_customer_group(
        &self,
        id: Option<GroupId>,
        group: &NewGroup,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<GroupId>> {
        let saved = match id {
            None => sqlx::query_scalar::<_, i64>(
                "INSERT INTO customer_groups (name, discount_percent, tax_exclusive, created_at) \
                     VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(&group.name)
            .bind(i64::from(group.discount_percent))
            .bind(group.tax_exclusive)
            .bind(D::time(now))
            .fetch_optional(self.0.writer())
            .await,
            Some(id) => sqlx::query_scalar::<_, i64>(
                "UPDATE customer_groups SET name = $1, discount_percent = $2, tax_exclusive = $3 \
                     WHERE id = $4 RETURNING id",
            )
            .bind(&group.name)
            .bind(i64::from(group.discount_percent))
            .bind(group.tax_exclusive)
            .bind(id.0)
            .fetch_optional(self.0.writer())
            .await,
        };
        match saved {
            Ok(id) => Ok(id.map(GroupId)),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    pub async fn group_of(&self, customer: CustomerId) -> StoreResult<Option<CustomerGroup>> {
        let row = sqlx::query(&format!(
            "{GROUP_SELECT} JOIN customers c ON c.group_id = g.id WHERE c.id = $1"
        ))
        .bind(customer.0)
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)?;
        row.as_ref().map(Self::read_group).transpose()
    }

    pub async fn set_customer_group(
        &self,
        customer: CustomerId,
        group: Option<GroupId>,
    ) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE customers SET group_id = $1 WHERE id = $2")
            .bind(group.map(|g| g.0))
            .bind(customer.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    /// One statement per chunk and table: `SELECT … FROM table WHERE sku_id IN (…)`.
    async fn rows_for(
        &self,
        select: &str,
        skus: &[SkuId],
    ) -> StoreResult<Vec<<D::Db as Database>::Row>> {
        let mut out = Vec::new();
        for chunk in skus.chunks(SKUS_PER_STATEMENT) {
            let mut q = Filter::new(select);
            for (n, id) in chunk.iter().enumerate() {
                q.bind(
                    if n == 0 { " WHERE sku_id IN (" } else { ", " },
                    Arg::Int(id.0),
                );
            }
            q.push(")");
            out.extend(self.fetch_all(&q).await?);
        }
        Ok(out)
    }

    /// The SKUs of `products` with their list prices (listings price a group's members with
    /// them), chunked like the rules.
    pub async fn product_skus(
        &self,
        products: &[akinai_domain::ids::ProductId],
    ) -> StoreResult<Vec<(akinai_domain::ids::ProductId, SkuId, Yen)>> {
        let mut out = Vec::new();
        for chunk in products.chunks(SKUS_PER_STATEMENT) {
            let mut q = Filter::new("SELECT product_id, id, price FROM skus");
            for (n, id) in chunk.iter().enumerate() {
                q.bind(
                    if n == 0 {
                        " WHERE product_id IN ("
                    } else {
                        ", "
                    },
                    Arg::Int(id.0),
                );
            }
            q.push(") ORDER BY product_id, id");
            for r in self.fetch_all(&q).await? {
                out.push((
                    akinai_domain::ids::ProductId(r.int("product_id")?),
                    SkuId(r.int("id")?),
                    Yen(r.int("price")?),
                ));
            }
        }
        Ok(out)
    }

    pub async fn sku_price_rules(&self, skus: &[SkuId]) -> StoreResult<HashMap<SkuId, PriceRules>> {
        let mut out: HashMap<SkuId, PriceRules> = HashMap::new();
        if skus.is_empty() {
            return Ok(out);
        }
        let base =
            "SELECT sku_id, sale_price, sale_from, sale_until, min_quantity, order_multiple \
                    FROM sku_price_rules";
        for r in self.rows_for(base, skus).await? {
            let rules = out.entry(SkuId(r.int("sku_id")?)).or_default();
            rules.sale = r.opt_int("sale_price")?.map(|p| Sale {
                price: Yen(p),
                from: None,
                until: None,
            });
            if let Some(sale) = rules.sale.as_mut() {
                sale.from = D::read_time(&r, "sale_from")?;
                sale.until = D::read_time(&r, "sale_until")?;
            }
            rules.min_quantity = u32::try_from(r.int("min_quantity")?).map_err(corrupt)?;
            rules.multiple = u32::try_from(r.int("order_multiple")?).map_err(corrupt)?;
        }
        let tiers = "SELECT sku_id, min_quantity, price FROM sku_tiers";
        for r in self.rows_for(tiers, skus).await? {
            out.entry(SkuId(r.int("sku_id")?))
                .or_default()
                .tiers
                .push(Tier {
                    min_quantity: u32::try_from(r.int("min_quantity")?).map_err(corrupt)?,
                    price: Yen(r.int("price")?),
                });
        }
        let groups = "SELECT sku_id, group_id, price FROM sku_group_prices";
        for r in self.rows_for(groups, skus).await? {
            out.entry(SkuId(r.int("sku_id")?))
                .or_default()
                .group_prices
                .insert(GroupId(r.int("group_id")?), Yen(r.int("price")?));
        }
        for rules in out.values_mut() {
            rules.tiers.sort_by_key(|t| t.min_quantity);
        }
        Ok(out)
    }

    pub async fn set_sku_price_rules(&self, sku: SkuId, rules: &PriceRules) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for table in ["sku_price_rules", "sku_tiers", "sku_group_prices"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE sku_id = $1"))
                .bind(sku.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        if rules.sale.is_some() || rules.min_quantity > 1 || rules.multiple > 1 {
            sqlx::query(
                "INSERT INTO sku_price_rules \
                 (sku_id, sale_price, sale_from, sale_until, min_quantity, order_multiple) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(sku.0)
            .bind(rules.sale.map(|s| s.price.0))
            .bind(rules.sale.and_then(|s| s.from).map(D::time))
            .bind(rules.sale.and_then(|s| s.until).map(D::time))
            .bind(i64::from(rules.min_quantity))
            .bind(i64::from(rules.multiple))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        for t in &rules.tiers {
            sqlx::query("INSERT INTO sku_tiers (sku_id, min_quantity, price) VALUES ($1, $2, $3)")
                .bind(sku.0)
                .bind(i64::from(t.min_quantity))
                .bind(t.price.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        for (g, price) in &rules.group_prices {
            sqlx::query(
                "INSERT INTO sku_group_prices (sku_id, group_id, price) VALUES ($1, $2, $3)",
            )
            .bind(sku.0)
            .bind(g.0)
            .bind(price.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(())
    }
}

/// Implements `PriceRuleStore` for a backend with the shared statements.
#[macro_export]
macro_rules! price_rule_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::ids::{CustomerId, SkuId};
            use akinai_domain::price_rules::CustomerGroup;
            use akinai_domain::price_rules::{GroupId, PriceRules};
            use akinai_domain::price_rules_input::NewGroup;
            use akinai_store::StoreResult;
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::price_rules::PriceRuleStore for $store {
                async fn customer_groups(&self) -> StoreResult<Vec<CustomerGroup>> {
                    $crate::Sql(self).customer_groups().await
                }
                async fn save_customer_group(
                    &self,
                    id: Option<GroupId>,
                    group: &NewGroup,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<GroupId>> {
                    $crate::Sql(self).save_customer_group(id, group, now).await
                }
                async fn group_of(
                    &self,
                    customer: CustomerId,
                ) -> StoreResult<Option<CustomerGroup>> {
                    $crate::Sql(self).group_of(customer).await
                }
                async fn set_customer_group(
                    &self,
                    customer: CustomerId,
                    group: Option<GroupId>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).set_customer_group(customer, group).await
                }
                async fn sku_price_rules(
                    &self,
                    skus: &[SkuId],
                ) -> StoreResult<std::collections::HashMap<SkuId, PriceRules>> {
                    $crate::Sql(self).sku_price_rules(skus).await
                }
                async fn product_skus(
                    &self,
                    products: &[akinai_domain::ids::ProductId],
                ) -> StoreResult<Vec<(akinai_domain::ids::ProductId, SkuId, akinai_domain::Yen)>>
                {
                    $crate::Sql(self).product_skus(products).await
                }
                async fn set_sku_price_rules(
                    &self,
                    sku: SkuId,
                    rules: &PriceRules,
                ) -> StoreResult<()> {
                    $crate::Sql(self).set_sku_price_rules(sku, rules).await
                }
            }
        };
    };
}
