//! Moving a whole shop from one backend to another (`akinai store copy`, ADR 041): the
//! backend-neutral shape of a table and its values, the per-table checksum both sides compute
//! the same way, and the two halves a backend implements — a [`CopySource`] that reads one
//! consistent snapshot table by table in key order, and a [`CopyTarget`] that writes into an
//! empty database inside one transaction, so a copy that fails or does not verify leaves
//! nothing behind.

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use crate::{StoreError, StoreResult};

/// What a column holds, as the target database types it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Whole numbers (`BIGINT`, `INTEGER`).
    Int,
    /// `BOOLEAN` on PostgreSQL, 0/1 on SQLite.
    Bool,
    Text,
    Bytes,
    /// A point in time: `TIMESTAMPTZ` on PostgreSQL, Unix milliseconds on SQLite (or
    /// microseconds in a column named `<name>_us`, the audit trail's).
    Time,
}

/// One value on its way across, in a form both backends agree on (a boolean is 0 or 1, a
/// time is microseconds since the epoch).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
    Time(i64),
}

/// A column of a table to copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
}

/// A table to copy: its columns (those the target writes; generated ones are left out) and
/// the column, if any, that refers to another row of the same table (`categories.parent_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    /// (referring column, referred column) of a foreign key to the table itself.
    pub self_ref: Option<(String, String)>,
}

impl Table {
    fn index(&self, column: &str) -> StoreResult<usize> {
        self.columns
            .iter()
            .position(|c| c.name == column)
            .ok_or_else(|| StoreError::Backend(format!("{}.{column} is not copied", self.name)))
    }
}

/// A row's values in its table's column order.
pub type Row = Vec<Value>;

/// Where a source stopped reading a table (its key values of the last row read).
pub type Cursor = Vec<Value>;

/// A table's row count and an order-independent checksum of its rows: the sum, modulo 2¹²⁸,
/// of each row's SHA-256 (first 16 bytes) over its values' canonical encoding. Both databases'
/// sums are computed from what each one holds, so equal sums mean equal rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableSum {
    pub rows: u64,
    sum: u128,
}

impl TableSum {
    pub fn add(&mut self, row: &[Value]) {
        let mut hash = Sha256::new();
        for value in row {
            match value {
                Value::Null => hash.update([0u8]),
                Value::Int(n) => {
                    hash.update([1u8]);
                    hash.update(n.to_be_bytes());
                }
                Value::Text(s) => {
                    hash.update([2u8]);
                    hash.update((s.len() as u64).to_be_bytes());
                    hash.update(s.as_bytes());
                }
                Value::Bytes(b) => {
                    hash.update([3u8]);
                    hash.update((b.len() as u64).to_be_bytes());
                    hash.update(b);
                }
                Value::Time(us) => {
                    hash.update([4u8]);
                    hash.update(us.to_be_bytes());
                }
            }
        }
        let digest = hash.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        self.sum = self.sum.wrapping_add(u128::from_be_bytes(first));
        self.rows += 1;
    }

    /// The checksum as 32 hex digits.
    pub fn hex(&self) -> String {
        format!("{:032x}", self.sum)
    }
}

/// The database a shop is copied from, read inside one snapshot.
#[async_trait]
pub trait CopySource: Send {
    /// The names of the tables the source holds.
    async fn table_names(&mut self) -> StoreResult<Vec<String>>;
    /// Up to `limit` rows of `table` after `after` (from the start when `None`), in key order,
    /// with the cursor of the last one; an empty batch when the table is done.
    async fn read(
        &mut self,
        table: &Table,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<(Vec<Row>, Option<Cursor>)>;
}

/// The database a shop is copied into, written inside one transaction.
#[async_trait]
pub trait CopyTarget: Send {
    /// Every table, each after the tables it refers to.
    async fn tables(&mut self) -> StoreResult<Vec<Table>>;
    /// How many rows the table holds now.
    async fn count(&mut self, table: &Table) -> StoreResult<u64>;
    /// Adds rows (the target's own triggers stay off during the copy: what they would derive
    /// is copied as it is).
    async fn insert(&mut self, table: &Table, rows: &[Row]) -> StoreResult<()>;
    /// The table's checksum, over what the target holds.
    async fn sum(&mut self, table: &Table) -> StoreResult<TableSum>;
    /// Sets each id sequence past the largest copied id; returns (sequence, next value).
    async fn advance_sequences(&mut self) -> StoreResult<Vec<(String, i64)>>;
    /// Commits (`true`) or rolls everything back (`false`), and turns the triggers back on.
    async fn finish(&mut self, commit: bool) -> StoreResult<()>;
}

/// Puts the rows of a table that refers to itself in an order where every row comes after
/// the row it refers to (a category after its parent), keeping the given order otherwise.
pub fn parents_first(table: &Table, rows: Vec<Row>) -> StoreResult<Vec<Row>> {
    let Some((refers, key)) = &table.self_ref else {
        return Ok(rows);
    };
    let (refers, key) = (table.index(refers)?, table.index(key)?);
    let mut placed: std::collections::HashSet<Value> = std::collections::HashSet::new();
    let mut ordered = Vec::with_capacity(rows.len());
    let mut waiting = rows;
    while !waiting.is_empty() {
        let before = waiting.len();
        let (ready, rest): (Vec<Row>, Vec<Row>) = waiting
            .into_iter()
            .partition(|r| r[refers] == Value::Null || placed.contains(&r[refers]));
        for row in ready {
            placed.insert(row[key].clone());
            ordered.push(row);
        }
        if rest.len() == before {
            return Err(StoreError::Backend(format!(
                "{}: {} rows refer to rows that are missing or refer back to them",
                table.name,
                rest.len()
            )));
        }
        waiting = rest;
    }
    Ok(ordered)
}

/// Orders tables so that each comes after every table it refers to (`refers`: pairs of
/// referring and referred table; a table referring to itself is handled row by row, see
/// [`parents_first`]); ties keep name order, so the order is the same on every run.
pub fn in_dependency_order(
    mut tables: Vec<Table>,
    refers: &[(String, String)],
) -> StoreResult<Vec<Table>> {
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let mut ordered: Vec<Table> = Vec::with_capacity(tables.len());
    while !tables.is_empty() {
        let ready = tables.iter().position(|t| {
            refers.iter().all(|(from, to)| {
                from != &t.name || to == from || ordered.iter().any(|done| &done.name == to)
            })
        });
        match ready {
            Some(i) => ordered.push(tables.remove(i)),
            None => {
                let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
                return Err(StoreError::Backend(format!(
                    "these tables refer to each other in a circle: {}",
                    names.join(", ")
                )));
            }
        }
    }
    Ok(ordered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn categories() -> Table {
        Table {
            name: "categories".into(),
            columns: vec![
                Column {
                    name: "id".into(),
                    kind: Kind::Int,
                },
                Column {
                    name: "parent_id".into(),
                    kind: Kind::Int,
                },
            ],
            self_ref: Some(("parent_id".into(), "id".into())),
        }
    }

    fn row(id: i64, parent: Option<i64>) -> Row {
        vec![Value::Int(id), parent.map_or(Value::Null, Value::Int)]
    }

    #[test]
    fn the_checksum_ignores_order_but_not_content() {
        let rows = [
            vec![Value::Int(1), Value::Text("a".into())],
            vec![Value::Int(2), Value::Null],
        ];
        let (mut one, mut other, mut changed) = (
            TableSum::default(),
            TableSum::default(),
            TableSum::default(),
        );
        one.add(&rows[0]);
        one.add(&rows[1]);
        other.add(&rows[1]);
        other.add(&rows[0]);
        changed.add(&rows[0]);
        changed.add(&[Value::Int(2), Value::Text(String::new())]);
        assert_eq!(one, other);
        assert_eq!(one.rows, 2);
        assert_ne!(one, changed, "NULL and '' differ");
        assert_ne!(one.hex(), TableSum::default().hex());
    }

    #[test]
    fn a_category_moved_under_a_later_one_is_copied_after_its_parent() {
        let rows = vec![row(1, None), row(2, Some(3)), row(3, Some(1)), row(4, None)];
        let ordered = parents_first(&categories(), rows).unwrap();
        let ids: Vec<_> = ordered.iter().map(|r| r[0].clone()).collect();
        assert_eq!(
            ids,
            vec![Value::Int(1), Value::Int(4), Value::Int(3), Value::Int(2)]
        );
    }

    #[test]
    fn tables_come_after_those_they_refer_to() {
        let table = |name: &str| Table {
            name: name.into(),
            columns: Vec::new(),
            self_ref: None,
        };
        let refers = |a: &str, b: &str| (a.to_string(), b.to_string());
        let ordered = in_dependency_order(
            vec![
                table("order_lines"),
                table("orders"),
                table("categories"),
                table("products"),
            ],
            &[
                refers("order_lines", "orders"),
                refers("order_lines", "products"),
                refers("products", "categories"),
                refers("categories", "categories"),
            ],
        )
        .unwrap();
        let names: Vec<&str> = ordered.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["categories", "orders", "products", "order_lines"]);
        assert!(in_dependency_order(
            vec![table("a"), table("b")],
            &[refers("a", "b"), refers("b", "a")]
        )
        .is_err());
    }

    #[test]
    fn rows_that_refer_in_a_circle_are_refused() {
        let rows = vec![row(1, Some(2)), row(2, Some(1))];
        assert!(parents_first(&categories(), rows).is_err());
    }
}
