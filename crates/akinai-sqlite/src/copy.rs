//! The SQLite side of `akinai store copy` (ADR 041): the shop's file read as a source, every
//! table inside one read transaction (one consistent snapshot, while the shop may still
//! serve), in batches by key — the rowid, or the primary key of a `WITHOUT ROWID` table.
//! Times stored as Unix milliseconds (the audit trail's as microseconds in `at_us`) are read
//! as microseconds; 0/1 flags as the target's booleans.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use akinai_store::copy::{CopySource, Cursor, Kind, Table};
use akinai_store::copy::{Row as CopyRow, Value};
use akinai_store::{StoreError, StoreResult};

use akinai_sql::map_err;

use crate::SqliteStore;

/// How one table is read: its key columns (with their kinds) and, per copied column, the
/// expression selected and whether it holds microseconds already.
struct Plan {
    key: Vec<(String, Kind)>,
    columns: Vec<(String, bool)>,
}

/// A read transaction over the shop's file; dropped, it ends.
pub struct SqliteCopySource {
    tx: Transaction<'static, Sqlite>,
    plans: HashMap<String, Plan>,
}

impl SqliteStore {
    /// Opens a snapshot of the whole file to copy from.
    pub async fn copy_source(&self) -> StoreResult<SqliteCopySource> {
        let mut tx = self.reader.begin().await.map_err(map_err)?;
        // The snapshot starts with the first read; take it now, before any table is read.
        sqlx::query("SELECT COUNT(*) FROM sqlite_master")
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        Ok(SqliteCopySource {
            tx,
            plans: HashMap::new(),
        })
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn declared_kind(declared: &str) -> Kind {
    if declared.to_ascii_uppercase().contains("INT") {
        Kind::Int
    } else {
        Kind::Text
    }
}

impl SqliteCopySource {
    async fn plan(&mut self, table: &Table) -> StoreResult<&Plan> {
        if !self.plans.contains_key(&table.name) {
            let info = sqlx::query("SELECT name, type, pk FROM pragma_table_info($1)")
                .bind(&table.name)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(map_err)?;
            let mut have: HashMap<String, String> = HashMap::new();
            let mut pk: Vec<(i64, String, String)> = Vec::new();
            for r in &info {
                let name: String = r.try_get("name").map_err(map_err)?;
                let declared: String = r.try_get("type").map_err(map_err)?;
                let at: i64 = r.try_get("pk").map_err(map_err)?;
                if at > 0 {
                    pk.push((at, name.clone(), declared.clone()));
                }
                have.insert(name, declared);
            }
            if have.is_empty() {
                return Err(StoreError::Backend(format!(
                    "the SQLite file has no table {}",
                    table.name
                )));
            }
            let sql: String = sqlx::query_scalar(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1",
            )
            .bind(&table.name)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(map_err)?;
            pk.sort();
            let key = if sql.to_ascii_uppercase().contains("WITHOUT ROWID") {
                pk.into_iter()
                    .map(|(_, name, declared)| (quote(&name), declared_kind(&declared)))
                    .collect()
            } else {
                vec![("rowid".to_string(), Kind::Int)]
            };
            let mut columns = Vec::with_capacity(table.columns.len());
            for c in &table.columns {
                let micros = format!("{}_us", c.name);
                if have.contains_key(&c.name) {
                    columns.push((quote(&c.name), false));
                } else if c.kind == Kind::Time && have.contains_key(&micros) {
                    columns.push((quote(&micros), true));
                } else {
                    return Err(StoreError::Backend(format!(
                        "the SQLite file's {} has no column {}: is it from an older akinai? \
                         Start it once with this version to upgrade it",
                        table.name, c.name
                    )));
                }
            }
            self.plans.insert(table.name.clone(), Plan { key, columns });
        }
        self.plans
            .get(&table.name)
            .ok_or_else(|| StoreError::Backend("copy plan lost".into()))
    }
}

fn read_value(row: &SqliteRow, at: usize, kind: Kind, micros: bool) -> StoreResult<Value> {
    Ok(match kind {
        Kind::Int => row
            .try_get::<Option<i64>, _>(at)
            .map_err(map_err)?
            .map_or(Value::Null, Value::Int),
        Kind::Bool => row
            .try_get::<Option<i64>, _>(at)
            .map_err(map_err)?
            .map_or(Value::Null, |n| Value::Int(i64::from(n != 0))),
        Kind::Text => row
            .try_get::<Option<String>, _>(at)
            .map_err(map_err)?
            .map_or(Value::Null, Value::Text),
        Kind::Bytes => row
            .try_get::<Option<Vec<u8>>, _>(at)
            .map_err(map_err)?
            .map_or(Value::Null, Value::Bytes),
        Kind::Time => match row.try_get::<Option<i64>, _>(at).map_err(map_err)? {
            None => Value::Null,
            Some(n) if micros => Value::Time(n),
            Some(ms) => Value::Time(
                ms.checked_mul(1000)
                    .ok_or_else(|| StoreError::Backend(format!("a time out of range: {ms} ms")))?,
            ),
        },
    })
}

#[async_trait]
impl CopySource for SqliteCopySource {
    async fn table_names(&mut self) -> StoreResult<Vec<String>> {
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&mut *self.tx)
            .await
            .map_err(map_err)
    }

    async fn read(
        &mut self,
        table: &Table,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<(Vec<CopyRow>, Option<Cursor>)> {
        let plan = self.plan(table).await?;
        let keys: Vec<String> = plan.key.iter().map(|(k, _)| k.clone()).collect();
        let key_kinds: Vec<Kind> = plan.key.iter().map(|(_, kind)| *kind).collect();
        let selected: Vec<String> = plan.columns.iter().map(|(c, _)| c.clone()).collect();
        let micros: Vec<bool> = plan.columns.iter().map(|(_, us)| *us).collect();
        let filter = match after {
            None => String::new(),
            Some(_) => {
                let marks: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
                format!("WHERE ({}) > ({})", keys.join(", "), marks.join(", "))
            }
        };
        let sql = format!(
            "SELECT {}, {} FROM {} {filter} ORDER BY {} LIMIT {limit}",
            keys.join(", "),
            selected.join(", "),
            quote(&table.name),
            keys.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for value in after.into_iter().flatten() {
            query = match value {
                Value::Int(n) => query.bind(*n),
                Value::Text(s) => query.bind(s.clone()),
                _ => query.bind(None::<i64>),
            };
        }
        let found = query.fetch_all(&mut *self.tx).await.map_err(map_err)?;
        let mut rows = Vec::with_capacity(found.len());
        let mut cursor = None;
        for r in &found {
            let mut key = Vec::with_capacity(key_kinds.len());
            for (i, kind) in key_kinds.iter().enumerate() {
                key.push(read_value(r, i, *kind, false)?);
            }
            let mut row = Vec::with_capacity(table.columns.len());
            for (i, c) in table.columns.iter().enumerate() {
                row.push(read_value(r, key_kinds.len() + i, c.kind, micros[i])?);
            }
            rows.push(row);
            cursor = Some(key);
        }
        Ok((rows, cursor))
    }
}
