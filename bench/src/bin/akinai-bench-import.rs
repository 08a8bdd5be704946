//! `akinai-bench-import`: what moving a large catalog in and out costs (CSV issue, "Figures").
//!
//! Writes a Shopify product CSV of `--products` products (two variants each, so twice as many
//! rows, with descriptions and categories), then runs the real binary (`--akinai`, build it with
//! `cargo build --release -p akinai`) on a fresh SQLite data directory and, with `--postgres
//! URL`, on a fresh PostgreSQL database: `import products` into the empty shop, the same file
//! again as a dry run (all unchanged), `export products`, and an EC-CUBE 会員 file of as many
//! members (with フリガナ and addresses) imported, then again as a dry run. For each, the wall time and the
//! peak resident memory of the process (its `VmHWM`, polled from /proc while it runs).
//!
//! Prints Markdown for docs/performance.md.
#![forbid(unsafe_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

#[derive(Parser)]
struct Args {
    /// The akinai binary to measure.
    #[arg(long, default_value = "target/release/akinai")]
    akinai: PathBuf,
    #[arg(long, default_value_t = 100_000)]
    products: usize,
    /// A PostgreSQL server URL (a database `akinai_bench_import` is created and dropped there).
    #[arg(long)]
    postgres: Option<String>,
}

/// The Shopify file: `n` products of two variants.
fn write_shopify(path: &Path, n: usize) -> anyhow::Result<u64> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Qty,Variant Price,Variant Taxable,Image Src,Status")?;
    let kinds = [
        "衣料 > Tシャツ",
        "衣料 > アウター",
        "食品 > お茶",
        "食品 > 調味料",
        "器",
    ];
    for i in 0..n {
        let kind = kinds[i % kinds.len()];
        let tags = if kind.starts_with("食品") {
            "軽減税率"
        } else {
            ""
        };
        writeln!(out, "item-{i},商品{i} 定番の品,\"<p>長く使える定番の品です。番号 {i}。</p><ul><li>国産</li></ul>\",akinai,{kind},{tags},TRUE,サイズ,S,SKU-{i}-S,{},{},TRUE,https://cdn.example/item-{i}.jpg,active", i % 50, 1000 + (i % 90) * 100)?;
        writeln!(
            out,
            "item-{i},,,,,,,,M,SKU-{i}-M,{},{},TRUE,,",
            i % 30,
            1200 + (i % 90) * 100
        )?;
    }
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// An EC-CUBE 会員 file: `n` members with フリガナ and an address each.
fn write_members(path: &Path, n: usize) -> anyhow::Result<u64> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "会員ID,お名前(姓),お名前(名),お名前(セイ),お名前(メイ),郵便番号,都道府県(名称),住所1,住所2,メールアドレス,TEL")?;
    for i in 0..n {
        writeln!(out, "{i},山田,花子{i},ヤマダ,ハナコ,150-0001,東京都,渋谷区,神宮前{}-2-3,member{i}@example.jp,090-1234-{:04}", i % 9 + 1, i % 10_000)?;
    }
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// Peak resident memory (`VmHWM`, KiB) of a running process, if it can be read.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs akinai with `args`; wall time and peak memory in MiB.
fn measure(
    bin: &Path,
    data: &Path,
    db: Option<&str>,
    args: &[&str],
) -> anyhow::Result<(Duration, f64, String)> {
    let started = Instant::now();
    let mut cmd = Command::new(bin);
    cmd.arg("--data-dir")
        .arg(data)
        .args(args)
        .env("AKINAI__LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match db {
        Some(url) => cmd.env("AKINAI__DATABASE_URL", url),
        None => cmd.env_remove("AKINAI__DATABASE_URL"),
    };
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    let mut peak = 0;
    loop {
        if let Some(k) = peak_kib(child.id()) {
            peak = peak.max(k);
        }
        if child.try_wait()?.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = started.elapsed();
    let out = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    anyhow::ensure!(
        out.status.success(),
        "akinai {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((
        took,
        peak as f64 / 1024.0,
        stdout.lines().next().unwrap_or("").to_string(),
    ))
}

fn psql(url: &str, sql: &str) -> anyhow::Result<()> {
    let ok = Command::new("psql")
        .arg(url)
        .arg("-qc")
        .arg(sql)
        .status()?
        .success();
    anyhow::ensure!(ok, "psql {sql} failed");
    Ok(())
}

fn run_backend(
    args: &Args,
    file: &Path,
    members: &Path,
    dir: &Path,
    name: &str,
    db: Option<&str>,
) -> anyhow::Result<()> {
    let data = dir.join(name);
    let f = file.to_str().context("path")?;
    let m = members.to_str().context("path")?;
    let out = dir.join(format!("{name}-export.csv"));
    let o = out.to_str().context("path")?;
    measure(&args.akinai, &data, db, &["migrate"])?;
    let steps: [(&str, Vec<&str>); 5] = [
        (
            "import (all new)",
            vec!["import", "products", f, "--by", "bench"],
        ),
        (
            "import again, dry run (all unchanged)",
            vec!["import", "products", f, "--dry-run", "--by", "bench"],
        ),
        (
            "export products (akinai format)",
            vec!["export", "products", "--out", o, "--by", "bench"],
        ),
        (
            "import customers (all new, with addresses)",
            vec!["import", "customers", m, "--by", "bench"],
        ),
        (
            "import customers again, dry run",
            vec!["import", "customers", m, "--dry-run", "--by", "bench"],
        ),
    ];
    for (what, step) in steps {
        let (took, mib, first) = measure(&args.akinai, &data, db, &step)?;
        println!(
            "| {name} | {what} | {:.1} s | {:.0} MiB | {} |",
            took.as_secs_f64(),
            mib,
            first.replace('|', "/")
        );
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("shopify.csv");
    let bytes = write_shopify(&file, args.products)?;
    let members = dir.path().join("members.csv");
    let member_bytes = write_members(&members, args.products)?;
    println!(
        "Shopify file: {} products, {} rows, {:.1} MB; EC-CUBE member file: {} members, {:.1} MB\n",
        args.products,
        args.products * 2,
        bytes as f64 / 1e6,
        args.products,
        member_bytes as f64 / 1e6
    );
    println!("| backend | step | time | peak memory | report |");
    println!("|---|---|---:|---:|---|");
    run_backend(&args, &file, &members, dir.path(), "SQLite", None)?;
    if let Some(server) = &args.postgres {
        let db = "akinai_bench_import";
        let _ = psql(server, &format!("DROP DATABASE IF EXISTS {db}"));
        psql(server, &format!("CREATE DATABASE {db}"))?;
        let url = match server.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{db}"),
            None => anyhow::bail!("--postgres must be a URL ending in /database"),
        };
        let result = run_backend(&args, &file, &members, dir.path(), "PostgreSQL", Some(&url));
        psql(server, &format!("DROP DATABASE IF EXISTS {db}"))?;
        result?;
    }
    Ok(())
}
