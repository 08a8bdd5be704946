//! PostgreSQL's side of backups, through its own client tools (`pg_dump`, `pg_restore`; Debian's
//! `postgresql-client`, at least the server's major version): a dump of an exported snapshot,
//! whose rows are counted inside that same snapshot, and a restore into an empty database. The
//! password never appears on a command line (it goes in `PGPASSWORD`).

use std::path::Path;

use anyhow::Context;
use tokio::process::Command;

use akinai_postgres::PgStore;
use akinai_store::operations::RowCounts;

/// A `postgres://` URL split into the URL without its password, and the password.
fn split(url: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut parsed = url::Url::parse(url).context("database_url is not a URL")?;
    let password = parsed.password().map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    });
    parsed
        .set_password(None)
        .map_err(|()| anyhow::anyhow!("database_url cannot carry a password"))?;
    Ok((parsed.to_string(), password))
}

/// Runs a PostgreSQL client tool against `url`; its error output becomes the error.
async fn run(tool: &str, url: &str, args: &[&str]) -> anyhow::Result<()> {
    let (bare, password) = split(url)?;
    let mut command = Command::new(tool);
    command.args(args).arg(format!("--dbname={bare}"));
    if let Some(p) = password {
        command.env("PGPASSWORD", p);
    }
    let output = command.output().await.with_context(|| {
        format!("cannot run {tool}: install PostgreSQL's client tools (Debian: postgresql-client)")
    })?;
    anyhow::ensure!(
        output.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(())
}

/// Dumps the database at `url` into `target` (custom format); returns the rows counted in the
/// very snapshot dumped.
pub async fn dump(url: &str, target: &Path) -> anyhow::Result<RowCounts> {
    let store = PgStore::connect(url, 2)
        .await
        .context("cannot connect to PostgreSQL")?;
    let mut snapshot = store.hold_snapshot().await?;
    let counts = snapshot.row_counts().await?;
    let file = target
        .to_str()
        .context("the scratch directory's path is not UTF-8")?;
    let dumped = run(
        "pg_dump",
        url,
        &[
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            &format!("--snapshot={}", snapshot.id),
            &format!("--file={file}"),
        ],
    )
    .await;
    snapshot.release().await?;
    store.close().await;
    dumped?;
    Ok(counts)
}

/// Restores a dump into the database at `url`, which must hold no table.
pub async fn restore_into(url: &str, dump: &Path) -> anyhow::Result<()> {
    let store = PgStore::connect(url, 2)
        .await
        .context("cannot connect to the target PostgreSQL database")?;
    let blank = store.is_blank().await;
    store.close().await;
    anyhow::ensure!(
        blank?,
        "the target database is not empty: a restore never writes over a shop (create an empty \
         database and point database_url at it)"
    );
    let file = dump.to_str().context("the dump's path is not UTF-8")?;
    run(
        "pg_restore",
        url,
        &[
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            file,
        ],
    )
    .await
}

/// A scratch database next to the shop's (same server) for a restore drill; dropped by
/// [`Scratch::drop_database`].
pub struct Scratch {
    admin: PgStore,
    pub name: String,
    pub url: String,
}

impl Scratch {
    pub async fn create(shop_url: &str) -> anyhow::Result<Scratch> {
        let admin = PgStore::connect(shop_url, 1)
            .await
            .context("cannot connect to PostgreSQL")?;
        let name = format!(
            "akinai_drill_{}",
            chrono::Utc::now().format("%Y%m%d%H%M%S%3f")
        );
        admin.create_database(&name).await.with_context(|| {
            "cannot create a scratch database for the drill (the user needs CREATEDB)"
        })?;
        let mut url = url::Url::parse(shop_url)?;
        url.set_path(&format!("/{name}"));
        Ok(Scratch {
            admin,
            name,
            url: url.to_string(),
        })
    }

    pub async fn drop_database(self) -> anyhow::Result<()> {
        let dropped = self.admin.drop_database(&self.name).await;
        self.admin.close().await;
        Ok(dropped?)
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        let (bare, password) = split("postgres://shop:p%40ss%2Bw@db.example:5432/akinai").unwrap();
        assert_eq!(bare, "postgres://shop@db.example:5432/akinai");
        assert_eq!(password.as_deref(), Some("p@ss+w"));
        let (bare, password) = split("postgres://postgres@127.0.0.1/x").unwrap();
        assert_eq!(bare, "postgres://postgres@127.0.0.1/x");
        assert_eq!(password, None);
    }
}
