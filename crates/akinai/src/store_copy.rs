//! `akinai store copy --from DATA_DIR_OR_SQLITE_URL --to postgres://… [--dry-run]` (issue 21,
//! item 4; ADR 041): moves a whole shop from its SQLite file onto an empty PostgreSQL database.
//! The target is migrated, refused unless every table is empty, and written in one
//! transaction: every table in foreign-key order, in batches, from one snapshot of the source;
//! then each table's rows are counted and checksummed on both sides, the id sequences are set
//! past the copied ids, and only a copy that matches is committed (a dry run rolls back even
//! then). After the commit the copy's audit chain is walked and must end on the source's head.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;

use akinai_postgres::PgStore;
use akinai_sqlite::SqliteStore;
use akinai_store::copy::{self, CopySource, CopyTarget, Kind, Table, TableSum};

#[derive(Subcommand)]
pub enum StoreCommand {
    /// Copy the whole shop from its SQLite file into an empty PostgreSQL database, verify it
    /// table by table and print a report (docs/operations.ja.md, PostgreSQLへの移行).
    Copy {
        /// The data directory (its akinai.db), the SQLite file, or a sqlite: URL.
        #[arg(long, value_name = "DATA_DIR_OR_SQLITE_URL")]
        from: String,
        /// The PostgreSQL database (postgres://…); it must be new or empty.
        #[arg(long, value_name = "POSTGRES_URL")]
        to: String,
        /// Copy and verify, then roll back: the target is left as it was.
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn run(command: StoreCommand) -> anyhow::Result<()> {
    match command {
        StoreCommand::Copy { from, to, dry_run } => copy_shop(&from, &to, dry_run).await,
    }
}

/// The SQLite file `--from` names: a directory's `akinai.db`, a `sqlite:` URL's path, or a file.
fn source_path(from: &str) -> anyhow::Result<PathBuf> {
    let plain = from
        .strip_prefix("sqlite://")
        .or_else(|| from.strip_prefix("sqlite:"))
        .unwrap_or(from);
    let plain = plain.split('?').next().unwrap_or(plain);
    let path = Path::new(plain);
    let file = if path.is_dir() {
        path.join("akinai.db")
    } else {
        path.to_path_buf()
    };
    anyhow::ensure!(
        file.is_file(),
        "no SQLite shop at {} (give the data directory, its akinai.db, or a sqlite: URL)",
        file.display()
    );
    Ok(file)
}

/// The URL as it may be printed: without its password.
fn shown(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "(not a URL)".to_string(),
    }
}

/// Rows per batch: as many as fit PostgreSQL's 65,535 parameters with room to spare, and only
/// a few at a time where a row may carry a picture.
fn batch_size(table: &Table) -> usize {
    if table.columns.iter().any(|c| c.kind == Kind::Bytes) {
        16
    } else {
        (30_000 / table.columns.len().max(1)).clamp(1, 1_000)
    }
}

/// One table's outcome.
struct Copied {
    table: Table,
    source: TableSum,
    target: TableSum,
}

async fn copy_shop(from: &str, to: &str, dry_run: bool) -> anyhow::Result<()> {
    anyhow::ensure!(
        to.starts_with("postgres://") || to.starts_with("postgresql://"),
        "--to must be a postgres:// URL"
    );
    let file = source_path(from)?;
    let started = Instant::now();
    println!(
        "akinai store copy: {} → {}{}",
        file.display(),
        shown(to),
        if dry_run { " (dry run)" } else { "" }
    );
    let sqlite = SqliteStore::open(&file)
        .await
        .with_context(|| format!("cannot open {}", file.display()))?;
    let state = sqlite.schema_state().await?;
    anyhow::ensure!(
        state.newer_than_binary().is_none(),
        "the SQLite file was upgraded by a newer akinai: copy it with that version"
    );
    anyhow::ensure!(
        state.pending() == 0 && !state.is_new(),
        "the SQLite file is not at this akinai's schema ({} migrations pending): run \
         `akinai --data-dir … migrate` with this version first",
        state.pending()
    );
    let pg = PgStore::connect(to, 4)
        .await
        .context("cannot connect to PostgreSQL")?;
    anyhow::ensure!(
        pg.schema_state().await?.newer_than_binary().is_none(),
        "the PostgreSQL database was upgraded by a newer akinai"
    );
    pg.migrate().await?;
    let mut target = pg.copy_target().await?;
    let result = copy_tables(&sqlite, &mut target).await;
    let (copied, sequences) = match result {
        Ok(done) => done,
        Err(e) => {
            target.finish(false).await?;
            return Err(e);
        }
    };
    let differing: Vec<&str> = copied
        .iter()
        .filter(|c| c.source != c.target)
        .map(|c| c.table.name.as_str())
        .collect();
    report(&copied);
    let source_chain = akinai_core::audit::verify_chain(&sqlite, None).await?;
    let commit = differing.is_empty() && !dry_run;
    target.finish(commit).await?;
    anyhow::ensure!(
        differing.is_empty(),
        "the copy does not match the source in {}: nothing was written",
        differing.join(", ")
    );
    println!("sequences: {} set past the copied ids", sequences.len());
    let rows: u64 = copied.iter().map(|c| c.source.rows).sum();
    if dry_run {
        match source_chain {
            Ok((n, head)) => println!("audit chain (source): {n} entries intact; head {head}"),
            Err(broken) => println!("audit chain (source): BROKEN — {broken}"),
        }
        println!(
            "dry run: {rows} rows in {} tables copied and verified, then rolled back; the \
             target is unchanged ({:.1} s)",
            copied.len(),
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let copy_chain = akinai_core::audit::verify_chain(&pg, None).await?;
    match (&source_chain, &copy_chain) {
        (Ok((n, head)), Ok((m, copy_head))) if n == m && head == copy_head => {
            println!("audit chain: {n} entries intact; head {head} (the same as the source)")
        }
        (Err(broken), _) => println!(
            "audit chain: the SOURCE's chain is broken ({broken}); the copy holds it as it was"
        ),
        (_, Err(broken)) => anyhow::bail!("audit chain of the copy: BROKEN — {broken}"),
        (Ok((n, _)), Ok((m, copy_head))) => println!(
            "audit chain: the copy's {m} entries are intact (head {copy_head}); the source now \
             has {n}: it was written to during the copy — for the cut-over, copy again with the \
             shop in maintenance mode"
        ),
    }
    println!(
        "copied and verified: {rows} rows in {} tables ({:.1} s). Run the nodes with \
         database_url set to this database and the same secret_key as this shop (its \
         secret.key file), then follow the cut-over steps in docs/operations.ja.md.",
        copied.len(),
        started.elapsed().as_secs_f64()
    );
    pg.close().await;
    sqlite.close().await;
    Ok(())
}

/// Copies every table, then checksums the copy; returns each table's sums and the sequences
/// set. Refuses a target that already holds rows.
async fn copy_tables(
    sqlite: &SqliteStore,
    target: &mut akinai_postgres::PgCopyTarget,
) -> anyhow::Result<(Vec<Copied>, Vec<(String, i64)>)> {
    let tables = target.tables().await?;
    for t in &tables {
        let n = target.count(t).await?;
        anyhow::ensure!(
            n == 0,
            "the PostgreSQL database is not empty ({} holds {n} rows): copy only into a new, \
             empty database",
            t.name
        );
    }
    let mut source = sqlite.copy_source().await?;
    let names = source.table_names().await?;
    let missing: Vec<&str> = tables
        .iter()
        .map(|t| t.name.as_str())
        .filter(|n| !names.iter().any(|s| s == n))
        .collect();
    anyhow::ensure!(
        missing.is_empty(),
        "the SQLite file has no table {}",
        missing.join(", ")
    );
    let mut copied = Vec::with_capacity(tables.len());
    for table in tables {
        let sum = copy_table(&mut source, target, &table).await?;
        copied.push(Copied {
            table,
            source: sum,
            target: TableSum::default(),
        });
    }
    for c in &mut copied {
        c.target = target.sum(&c.table).await?;
    }
    let sequences = target.advance_sequences().await?;
    Ok((copied, sequences))
}

/// Copies one table in batches; a table whose rows refer to each other is read whole and
/// written parents first.
async fn copy_table(
    source: &mut dyn CopySource,
    target: &mut dyn CopyTarget,
    table: &Table,
) -> anyhow::Result<TableSum> {
    let limit = batch_size(table);
    let mut sum = TableSum::default();
    let mut after = None;
    let mut held = Vec::new();
    loop {
        let (rows, cursor) = source.read(table, after.as_ref(), limit).await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            sum.add(row);
        }
        if table.self_ref.is_some() {
            held.extend(rows);
        } else {
            target.insert(table, &rows).await?;
        }
        after = cursor;
    }
    if !held.is_empty() {
        for chunk in copy::parents_first(table, held)?.chunks(limit) {
            target.insert(table, chunk).await?;
        }
    }
    Ok(sum)
}

fn report(copied: &[Copied]) {
    println!("{:<24} {:>9}  {:<32}  result", "table", "rows", "checksum");
    for c in copied {
        let verdict = if c.source == c.target {
            "ok".to_string()
        } else {
            format!("DIFFERS (copy: {} rows, {})", c.target.rows, c.target.hex())
        };
        println!(
            "{:<24} {:>9}  {}  {verdict}",
            c.table.name,
            c.source.rows,
            c.source.hex()
        );
    }
}
