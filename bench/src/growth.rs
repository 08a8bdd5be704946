//! Growth curves (issue #18 item 6): the same page scenarios at several catalog sizes, each size
//! measured by a fresh run of this program in its own process (so each size's server memory is
//! its own), then one table of p99 latencies with a column per size, and the server's RSS.

use std::collections::BTreeMap;
use std::process::Command;

use anyhow::Context;

/// One size's figures: p99 per scenario (runs folded into the worst), and the RSS in MB.
struct Size {
    products: usize,
    p99: BTreeMap<String, f64>,
    rss_mb: Option<u64>,
}

/// Runs the benchmark once per size in `sizes` with `passed` (the arguments without `--sizes`
/// and `--products`), printing each run's own output and then the growth table.
pub fn run(sizes: &[usize], passed: &[String]) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("the benchmark's own path")?;
    let mut measured: Vec<Size> = Vec::new();
    for products in sizes {
        eprintln!("growth: measuring {products} products");
        let out = Command::new(&exe)
            .args(passed)
            .args(["--products", &products.to_string()])
            .output()
            .with_context(|| format!("running {}", exe.display()))?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        anyhow::ensure!(
            out.status.success(),
            "the {products}-product run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        println!("### {products} products\n{text}");
        measured.push(parse(*products, &text));
    }
    print_table(&measured);
    Ok(())
}

/// The p99 of each scenario (worst of its runs) and the RSS line of one run's output.
fn parse(products: usize, text: &str) -> Size {
    let mut p99: BTreeMap<String, f64> = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| scenario"))
    {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let (Some(name), Some(value)) = (cells.first(), cells.get(4)) else {
            continue;
        };
        let Ok(value) = value.parse::<f64>() else {
            continue;
        };
        let name = name.split(" (run ").next().unwrap_or(name).to_string();
        let worst = p99.entry(name).or_insert(0.0);
        *worst = worst.max(value);
    }
    let rss_mb = text
        .split("server RSS after the runs: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok());
    Size {
        products,
        p99,
        rss_mb,
    }
}

fn print_table(sizes: &[Size]) {
    println!("### Growth: p99 ms at 64 connections (worst of the runs), by catalog size\n");
    let header: Vec<String> = sizes
        .iter()
        .map(|s| format!("{} products", s.products))
        .collect();
    println!("| scenario | {} |", header.join(" | "));
    println!("|---|{}", "---:|".repeat(sizes.len()));
    let mut names: Vec<&String> = sizes.iter().flat_map(|s| s.p99.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let cells: Vec<String> = sizes
            .iter()
            .map(|s| s.p99.get(name).map_or("—".into(), |v| format!("{v:.2}")))
            .collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
    let rss: Vec<String> = sizes
        .iter()
        .map(|s| s.rss_mb.map_or("—".into(), |v| format!("{v} MB")))
        .collect();
    println!("| server RSS after the runs | {} |", rss.join(" | "));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_read_back_worst_run_first() {
        let text = "catalog: 1000 products on SQLite; 64 connections; wrk runs of 5 s, each \
                    scenario 2 times; server RSS after the runs: 87 MB (in-process)\n\
                    | scenario | requests/s | vs nginx | p50 ms | p99 ms | note |\n\
                    |---|---:|---:|---:|---:|---|\n\
                    | product page (run 1) | 30000 | 25% | 1.20 | 3.40 |  |\n\
                    | product page (run 2) | 31000 | 26% | 1.10 | 4.10 |  |\n\
                    | order placement over HTTP | 1700 | — | 30.00 | 80.00 | 0 oversold |\n";
        let size = parse(1000, text);
        assert_eq!(size.rss_mb, Some(87));
        assert_eq!(size.p99.get("product page"), Some(&4.10));
        assert_eq!(size.p99.get("order placement over HTTP"), Some(&80.0));
    }
}
