//! `akinai import` and `akinai export` (CSV issue, item 5; a CLI contract): scripted moves in
//! and out. An import plans first and writes only a file without errors, in one transaction;
//! `--dry-run` only plans. A progress spinner shows on a terminal (standard error); the report
//! goes to standard output, as text or, with `--json`, as one JSON document. The exit status is
//! non-zero when the file has any error. An export is written to a temporary file beside
//! `--out` and renamed when complete, so a failed export never leaves half a file.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use akinai_core::audit::AuditContext;
use akinai_core::transfer::{ExportKind, ImportOptions, ImportReport};
use akinai_csv::{Format, OutEncoding};
use akinai_domain::transfer::{PlanAction, PriceBasis, Severity};

use crate::config::Config;

/// What `akinai import` brings in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportWhat {
    Products,
    Customers,
    /// Tracking numbers from the carrier's issued-slip file (`--carrier`): the orders ship.
    Tracking,
}

/// What `akinai export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportWhat {
    Products,
    Customers,
    Orders,
    Inventory,
    /// The carrier's label file (`--carrier yamato-b2|sagawa|generic`) for the orders ready to
    /// ship.
    Shipping,
    /// The month's sales journal for the accountant (`--month 2026-12`, `--format
    /// generic|freee|yayoi`).
    Accounting,
}

/// Whether a file's prices include tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Prices {
    TaxIncluded,
    TaxExcluded,
}

/// The options of `akinai import`.
pub struct ImportArgs<'a> {
    pub what: ImportWhat,
    pub file: &'a Path,
    /// The folder of the images the file names.
    pub images: Option<&'a Path>,
    pub format: Option<&'a str>,
    pub prices: Option<Prices>,
    pub dry_run: bool,
    pub json: bool,
    pub by: &'a str,
}

/// Images from a folder: only bare file names are looked up (no `/`, no `..`), so a CSV cannot
/// reach outside the folder.
struct FolderImages(std::path::PathBuf);

impl FolderImages {
    fn path(&self, name: &str) -> Option<std::path::PathBuf> {
        let bare =
            !name.is_empty() && !name.contains(['/', '\\', '\0']) && name != "." && name != "..";
        bare.then(|| self.0.join(name)).filter(|p| p.is_file())
    }
}

impl akinai_core::transfer::ImageSource for FolderImages {
    fn read(&self, name: &str) -> Option<Vec<u8>> {
        std::fs::read(self.path(name)?).ok()
    }

    fn has(&self, name: &str) -> bool {
        self.path(name).is_some()
    }
}

fn format_of(name: &str) -> anyhow::Result<Format> {
    Format::parse(name)
        .ok_or_else(|| anyhow::anyhow!("unknown format {name:?}: shopify, ec-cube or akinai"))
}

fn spinner(what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {pos} 件 {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar
}

/// `akinai import products|customers [--format F] FILE [--images DIR] [--prices …] [--dry-run] [--json]
/// --by NAME`.
pub async fn import(config: &Config, args: ImportArgs<'_>) -> anyhow::Result<bool> {
    let options = ImportOptions {
        format: args.format.map(format_of).transpose()?,
        prices: args.prices.map(|p| match p {
            Prices::TaxIncluded => PriceBasis::TaxIncluded,
            Prices::TaxExcluded => PriceBasis::TaxExcluded,
        }),
        dry_run: args.dry_run,
        ..ImportOptions::default()
    };
    let file = std::fs::File::open(args.file)
        .with_context(|| format!("cannot open {}", args.file.display()))?;
    let folder: Option<Box<dyn akinai_core::transfer::ImageSource>> = match args.images {
        Some(dir) if dir.is_dir() => Some(Box::new(FolderImages(dir.to_path_buf()))),
        Some(zip) if zip.is_file() => {
            let file = std::fs::File::open(zip)
                .with_context(|| format!("cannot open {}", zip.display()))?;
            let archive = akinai_core::transfer::ZipImages::open(file)
                .with_context(|| format!("--images {}", zip.display()))?;
            Some(Box::new(archive))
        }
        Some(other) => anyhow::bail!("--images {}: not a folder or a zip file", other.display()),
        None => None,
    };
    let shop = crate::build_shop(config).await?;
    let bar = spinner(if args.dry_run {
        "確認中"
    } else {
        "取り込み中"
    });
    let progress: akinai_core::transfer::Progress = {
        let bar = bar.clone();
        std::sync::Arc::new(move |n: u64| bar.set_position(n))
    };
    let who = AuditContext::cli(args.by);
    let input = std::io::BufReader::new(file);
    let report = match args.what {
        ImportWhat::Products => {
            let images = folder.as_deref();
            shop.transfer()
                .import_products(input, options, images, &who, progress)
                .await?
        }
        ImportWhat::Tracking => anyhow::bail!("tracking files are read by crate::shipping"),
        ImportWhat::Customers => {
            if folder.is_some() {
                anyhow::bail!("--images is for products");
            }
            shop.transfer()
                .import_customers(input, options, &who, progress)
                .await?
        }
    };
    bar.finish_and_clear();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(!report.failed())
}

fn print_report(r: &ImportReport) {
    let format = r.format.map_or("?", Format::name);
    let encoding = r.encoding.map_or("?", akinai_csv::TextEncoding::label);
    let s = r.summary;
    println!(
        "{format} ({encoding}): 新規 {} ・更新 {} ・変更なし {} ・エラー {} ・注意 {} ・追加した画像 {}",
        s.new, s.updated, s.unchanged, s.errors, s.warnings, r.images_added
    );
    for i in &r.issues {
        let kind = match i.severity {
            Severity::Error => "エラー",
            Severity::Warning => "注意",
        };
        let column = if i.column.is_empty() {
            String::new()
        } else {
            format!(" [{}]", i.column)
        };
        let value = if i.value.is_empty() {
            String::new()
        } else {
            format!(" 「{}」", i.value)
        };
        let row = match i.row {
            0 => "ファイル全体".to_string(),
            n => format!("行 {n}"),
        };
        println!("  {kind} {row}{column}{value}: {}", i.message);
    }
    for e in r.entries.iter().take(50) {
        match &e.action {
            PlanAction::New => println!("  新規 行 {} {} ({})", e.row, e.name, e.handle),
            PlanAction::Update(what) => {
                println!(
                    "  更新 行 {} {} ({}): {}",
                    e.row,
                    e.name,
                    e.handle,
                    what.join("・")
                )
            }
            PlanAction::Unchanged => {}
        }
    }
    if r.entries.len() > 50 {
        println!(
            "  …ほか {} 件(すべては --json で出ます)",
            r.entries.len() - 50
        );
    }
    let outcome = if r.failed() {
        "何も取り込んでいません: 上のエラーを直して、もう一度実行してください"
    } else if r.dry_run {
        "確認だけです(何も書き込んでいません)。--dry-run を外すと取り込みます"
    } else if r.applied {
        "取り込みました(1 回のトランザクションで、すべて)"
    } else {
        "変えるものはありません(すべて変更なし)"
    };
    println!("akinai: {outcome}");
}

/// The command line of `akinai export`.
#[derive(clap::Args)]
pub struct ExportCli {
    #[arg(value_enum)]
    pub what: ExportWhat,
    /// akinai (default; re-importable) or shopify; accounting: generic (default), freee or
    /// yayoi.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// utf-8 (with BOM, default) or shift_jis.
    #[arg(long, value_name = "ENCODING", default_value = "utf-8")]
    pub encoding: String,
    /// shipping: the carrier's layout (yamato-b2, sagawa or generic); always Shift_JIS.
    #[arg(long, value_name = "CARRIER")]
    pub carrier: Option<String>,
    /// shipping: only orders in this status (paid, or placed for cash on delivery and held
    /// card payments); default: every order that may ship.
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// accounting: the month (2026-12).
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,
    /// The file to write.
    #[arg(long, value_name = "FILE")]
    pub out: std::path::PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Who exports (recorded in the audit trail); default: the login name.
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
}

/// `akinai export …`: the label file, the accounting journal, or a catalog/people export.
pub async fn export_command(config: &Config, cli: ExportCli) -> anyhow::Result<()> {
    let by = cli.by.unwrap_or_else(crate::login_name);
    match cli.what {
        ExportWhat::Accounting => {
            export_accounting(
                config,
                cli.month.as_deref(),
                cli.format.as_deref(),
                &cli.out,
                cli.json,
                &by,
            )
            .await
        }
        ExportWhat::Shipping => {
            crate::shipping::export(
                config,
                cli.carrier.as_deref(),
                cli.status.as_deref(),
                &cli.out,
                cli.json,
                &by,
            )
            .await
        }
        what => {
            let args = ExportArgs {
                what,
                format: cli.format.as_deref(),
                encoding: &cli.encoding,
                out: &cli.out,
                json: cli.json,
                by: &by,
            };
            export(config, args).await
        }
    }
}

/// The options of `akinai export`.
pub struct ExportArgs<'a> {
    pub what: ExportWhat,
    pub format: Option<&'a str>,
    pub encoding: &'a str,
    pub out: &'a Path,
    pub json: bool,
    pub by: &'a str,
}

/// `akinai export products|customers|orders|inventory [--format F] [--encoding E] --out FILE [--json] --by NAME`.
pub async fn export(config: &Config, args: ExportArgs<'_>) -> anyhow::Result<()> {
    let encoding = OutEncoding::parse(args.encoding).ok_or_else(|| {
        anyhow::anyhow!("unknown encoding {:?}: utf-8 or shift_jis", args.encoding)
    })?;
    let kind = match args.what {
        ExportWhat::Products => Some(ExportKind::Products(format_of(
            args.format.unwrap_or("akinai"),
        )?)),
        ExportWhat::Inventory => Some(ExportKind::Inventory),
        ExportWhat::Shipping | ExportWhat::Accounting => {
            anyhow::bail!("label files and journals have their own commands")
        }
        ExportWhat::Customers | ExportWhat::Orders => {
            if let Some(f) = args.format.filter(|f| *f != "akinai") {
                anyhow::bail!(
                    "customers and orders are exported in akinai's format only, not {f:?}"
                );
            }
            None
        }
    };
    let shop = crate::build_shop(config).await?;
    let mut temp = crate::files::temp_beside(args.out)?;
    let who = AuditContext::cli(args.by);
    let out = std::io::BufWriter::new(temp.as_file_mut());
    let transfer = shop.transfer();
    let (noun, items, rows) = match (kind, args.what) {
        (Some(kind), _) => {
            let r = transfer.export(kind, encoding, out, &who).await?;
            ("products", r.products, r.rows)
        }
        (None, ExportWhat::Orders) => {
            let (n, rows) = transfer.export_orders(encoding, out, &who).await?;
            ("orders", n, rows)
        }
        (None, _) => {
            let (n, rows) = transfer.export_customers(encoding, out, &who).await?;
            ("customers", n, rows)
        }
    };
    temp.as_file_mut().flush()?;
    crate::files::finish_beside(temp, args.out)?;
    if args.json {
        let summary =
            serde_json::json!({ "rows": rows, noun: items, "encoding": encoding, "out": args.out });
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "akinai: wrote {rows} rows ({items} {noun}) to {}",
            args.out.display()
        );
    }
    Ok(())
}

/// `akinai export accounting --month YYYY-MM [--format generic|freee|yayoi] --out FILE [--json]
/// [--by NAME]`.
pub async fn export_accounting(
    config: &Config,
    month: Option<&str>,
    format: Option<&str>,
    out: &Path,
    json: bool,
    by: &str,
) -> anyhow::Result<()> {
    let month = month.context("--month is needed, e.g. --month 2026-12")?;
    let first = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map_err(|_| anyhow::anyhow!("--month {month:?}: write it as 2026-12"))?;
    let name = format.unwrap_or("generic");
    let layout = akinai_domain::accounting::JournalLayout::parse(name)
        .ok_or_else(|| anyhow::anyhow!("unknown format {name:?}: generic, freee or yayoi"))?;
    let shop = crate::build_shop(config).await?;
    let mut temp = crate::files::temp_beside(out)?;
    let writer = std::io::BufWriter::new(temp.as_file_mut());
    let report = shop
        .transfer()
        .export_accounting(layout, first, writer, &AuditContext::cli(by))
        .await?;
    temp.as_file_mut().flush()?;
    crate::files::finish_beside(temp, out)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "akinai: {} の売上 {} 件・返金 {} 件を {} 行で {} に書き出しました ({})",
            report.month,
            report.sales,
            report.refunds,
            report.rows,
            out.display(),
            layout.name()
        );
    }
    Ok(())
}

/// `akinai customers invite [--per-hour N] --by NAME`.
pub async fn invite(config: &Config, per_hour: u32, by: &str) -> anyhow::Result<()> {
    let shop = crate::build_shop(config).await?;
    let queued = shop
        .transfer()
        .invite_imported(per_hour, &AuditContext::cli(by))
        .await?;
    let hours = queued.div_ceil(u64::from(per_hour.max(1)));
    println!(
        "akinai: {queued} invitations queued, {} an hour (the last goes out in about {hours} h); \
         `akinai serve` sends them",
        per_hour.max(1)
    );
    Ok(())
}
