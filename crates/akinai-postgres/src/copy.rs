//! The PostgreSQL side of `akinai store copy` (ADR 041): a migrated, empty database written
//! inside one transaction. The tables and their column types come from the catalog, in foreign
//! key order; the database's own triggers (derived search and browse rows, the audit trail's
//! and documents' no-change guards) are off while rows go in, since the copy brings what they
//! would derive, and on again before the commit. Foreign keys stay enforced throughout.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};

use akinai_store::copy::{self, Column, CopyTarget, Kind, Table, TableSum, Value};
use akinai_store::{StoreError, StoreResult};

use akinai_sql::map_err;

use crate::PgStore;

/// A copy in progress: the open transaction and the tables it writes.
pub struct PgCopyTarget {
    tx: Option<Transaction<'static, Postgres>>,
    tables: Vec<Table>,
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn kind(table: &str, column: &str, data_type: &str) -> StoreResult<Kind> {
    Ok(match data_type {
        "bigint" | "integer" | "smallint" => Kind::Int,
        "boolean" => Kind::Bool,
        "text" | "character varying" => Kind::Text,
        "bytea" => Kind::Bytes,
        "timestamp with time zone" => Kind::Time,
        other => {
            return Err(StoreError::Backend(format!(
                "{table}.{column} has a type the copy does not know: {other}"
            )))
        }
    })
}

impl PgStore {
    /// Opens the copy's transaction on this (migrated) database, with its triggers off.
    pub async fn copy_target(&self) -> StoreResult<PgCopyTarget> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let columns = sqlx::query(
            "SELECT c.table_name, c.column_name, c.data_type
               FROM information_schema.columns c
               JOIN information_schema.tables t
                 ON t.table_schema = c.table_schema AND t.table_name = c.table_name
              WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                AND c.table_name <> '_sqlx_migrations' AND c.is_generated = 'NEVER'
              ORDER BY c.table_name, c.ordinal_position",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        let mut tables: Vec<Table> = Vec::new();
        for r in &columns {
            let table: String = r.try_get("table_name").map_err(map_err)?;
            let name: String = r.try_get("column_name").map_err(map_err)?;
            let data_type: String = r.try_get("data_type").map_err(map_err)?;
            let column = Column {
                kind: kind(&table, &name, &data_type)?,
                name,
            };
            match tables.last_mut() {
                Some(t) if t.name == table => t.columns.push(column),
                _ => tables.push(Table {
                    name: table,
                    columns: vec![column],
                    self_ref: None,
                }),
            }
        }
        let keys = sqlx::query(
            "SELECT c.conrelid::regclass::text AS from_table, c.confrelid::regclass::text AS to_table,
                    a.attname::text AS from_column, b.attname::text AS to_column
               FROM pg_constraint c
               JOIN pg_namespace n ON n.oid = c.connamespace AND n.nspname = 'public'
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
               JOIN pg_attribute b ON b.attrelid = c.confrelid AND b.attnum = c.confkey[1]
              WHERE c.contype = 'f'",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        let mut refers = Vec::with_capacity(keys.len());
        for r in &keys {
            let from: String = r.try_get("from_table").map_err(map_err)?;
            let to: String = r.try_get("to_table").map_err(map_err)?;
            if from == to {
                if let Some(t) = tables.iter_mut().find(|t| t.name == from) {
                    t.self_ref = Some((
                        r.try_get("from_column").map_err(map_err)?,
                        r.try_get("to_column").map_err(map_err)?,
                    ));
                }
            }
            refers.push((from, to));
        }
        let tables = copy::in_dependency_order(tables, &refers)?;
        for t in &tables {
            sqlx::query(&format!(
                "ALTER TABLE {} DISABLE TRIGGER USER",
                quote(&t.name)
            ))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        Ok(PgCopyTarget {
            tx: Some(tx),
            tables,
        })
    }
}

impl PgCopyTarget {
    fn tx(&mut self) -> StoreResult<&mut Transaction<'static, Postgres>> {
        self.tx
            .as_mut()
            .ok_or_else(|| StoreError::Backend("the copy has already finished".into()))
    }
}

fn time(us: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us)
        .ok_or_else(|| StoreError::Backend(format!("a time out of range: {us} µs")))
}

fn read(row: &PgRow, at: usize, kind: Kind) -> StoreResult<Value> {
    Ok(match kind {
        Kind::Int => row
            .try_get::<Option<i64>, _>(at)
            .or_else(|_| row.try_get::<Option<i32>, _>(at).map(|n| n.map(i64::from)))
            .map_err(map_err)?
            .map_or(Value::Null, Value::Int),
        Kind::Bool => row
            .try_get::<Option<bool>, _>(at)
            .map_err(map_err)?
            .map_or(Value::Null, |b| Value::Int(i64::from(b))),
        Kind::Text => row
            .try_get::<Option<String>, _>(at)
            .map_err(map_err)?
            .map_or(Value::Null, Value::Text),
        Kind::Bytes => row
            .try_get::<Option<Vec<u8>>, _>(at)
            .map_err(map_err)?
            .map_or(Value::Null, Value::Bytes),
        Kind::Time => row
            .try_get::<Option<DateTime<Utc>>, _>(at)
            .map_err(map_err)?
            .map_or(Value::Null, |t| Value::Time(t.timestamp_micros())),
    })
}

#[async_trait]
impl CopyTarget for PgCopyTarget {
    async fn tables(&mut self) -> StoreResult<Vec<Table>> {
        Ok(self.tables.clone())
    }

    async fn count(&mut self, table: &Table) -> StoreResult<u64> {
        let sql = format!("SELECT COUNT(*) FROM {}", quote(&table.name));
        let n: i64 = sqlx::query_scalar(&sql)
            .fetch_one(&mut **self.tx()?)
            .await
            .map_err(map_err)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn insert(&mut self, table: &Table, rows: &[copy::Row]) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let width = table.columns.len();
        let names: Vec<String> = table.columns.iter().map(|c| quote(&c.name)).collect();
        let tuples: Vec<String> = (0..rows.len())
            .map(|r| {
                let marks: Vec<String> =
                    (1..=width).map(|c| format!("${}", r * width + c)).collect();
                format!("({})", marks.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            quote(&table.name),
            names.join(", "),
            tuples.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for row in rows {
            for (value, column) in row.iter().zip(&table.columns) {
                query = match (column.kind, value) {
                    (Kind::Int, Value::Int(n)) => query.bind(*n),
                    (Kind::Int, Value::Null) => query.bind(None::<i64>),
                    (Kind::Bool, Value::Int(n)) => query.bind(*n != 0),
                    (Kind::Bool, Value::Null) => query.bind(None::<bool>),
                    (Kind::Text, Value::Text(s)) => query.bind(s.clone()),
                    (Kind::Text, Value::Null) => query.bind(None::<String>),
                    (Kind::Bytes, Value::Bytes(b)) => query.bind(b.clone()),
                    (Kind::Bytes, Value::Null) => query.bind(None::<Vec<u8>>),
                    (Kind::Time, Value::Time(us)) => query.bind(time(*us)?),
                    (Kind::Time, Value::Null) => query.bind(None::<DateTime<Utc>>),
                    (kind, value) => {
                        return Err(StoreError::Backend(format!(
                            "{}.{}: a {value:?} does not fit a {kind:?} column",
                            table.name, column.name
                        )))
                    }
                };
            }
        }
        query.execute(&mut **self.tx()?).await.map_err(map_err)?;
        Ok(())
    }

    async fn sum(&mut self, table: &Table) -> StoreResult<TableSum> {
        let names: Vec<String> = table.columns.iter().map(|c| quote(&c.name)).collect();
        let sql = format!("SELECT {} FROM {}", names.join(", "), quote(&table.name));
        let mut sum = TableSum::default();
        let tx = self.tx()?;
        let mut rows = sqlx::query(&sql).fetch(&mut **tx);
        while let Some(r) = rows.try_next().await.map_err(map_err)? {
            let mut row = Vec::with_capacity(table.columns.len());
            for (i, c) in table.columns.iter().enumerate() {
                row.push(read(&r, i, c.kind)?);
            }
            sum.add(&row);
        }
        Ok(sum)
    }

    async fn advance_sequences(&mut self) -> StoreResult<Vec<(String, i64)>> {
        let owned = sqlx::query(
            "SELECT table_name::text AS t, column_name::text AS c,
                    pg_get_serial_sequence(quote_ident(table_name::text), column_name::text) AS s
               FROM information_schema.columns
              WHERE table_schema = 'public'
                AND pg_get_serial_sequence(quote_ident(table_name::text), column_name::text) IS NOT NULL
              ORDER BY 1, 2",
        )
        .fetch_all(&mut **self.tx()?)
        .await
        .map_err(map_err)?;
        let mut advanced = Vec::with_capacity(owned.len());
        for r in &owned {
            let (table, column, sequence): (String, String, String) = (
                r.try_get("t").map_err(map_err)?,
                r.try_get("c").map_err(map_err)?,
                r.try_get("s").map_err(map_err)?,
            );
            let sql = format!(
                "SELECT COALESCE(MAX({}), 0) + 1 FROM {}",
                quote(&column),
                quote(&table)
            );
            let next: i64 = sqlx::query_scalar(&sql)
                .fetch_one(&mut **self.tx()?)
                .await
                .map_err(map_err)?;
            sqlx::query("SELECT setval($1, $2, false)")
                .bind(&sequence)
                .bind(next)
                .execute(&mut **self.tx()?)
                .await
                .map_err(map_err)?;
            advanced.push((sequence, next));
        }
        Ok(advanced)
    }

    async fn finish(&mut self, commit: bool) -> StoreResult<()> {
        let Some(mut tx) = self.tx.take() else {
            return Ok(());
        };
        if !commit {
            return tx.rollback().await.map_err(map_err);
        }
        for t in &self.tables {
            sqlx::query(&format!(
                "ALTER TABLE {} ENABLE TRIGGER USER",
                quote(&t.name)
            ))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }
}
