//! `akinai export shipping` and `akinai import tracking` (issue 19, item 4; CLI contracts): the
//! carrier's label file for the orders ready to ship, and the carrier's issued-slip file read
//! back. The label file is written beside `--out` and renamed when complete; orders left out
//! (a name too long for the carrier, awaiting review) are listed on standard output. The
//! import judges every row first; `--dry-run` stops there, otherwise nothing ships unless
//! every row may. The exit status is non-zero when a row was refused or the import failed.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use akinai_core::audit::AuditContext;
use akinai_core::shipping::{LabelReport, LabelSelection, TrackingReport};
use akinai_domain::order::OrderStatus;
use akinai_domain::shipping::{LabelLayout, RowVerdict};

use crate::config::Config;

/// The layout named by `--carrier`.
pub fn layout_of(carrier: Option<&str>) -> anyhow::Result<LabelLayout> {
    let name = carrier.context("--carrier is needed: yamato-b2, sagawa or generic")?;
    LabelLayout::parse(name)
        .ok_or_else(|| anyhow::anyhow!("unknown carrier {name:?}: yamato-b2, sagawa or generic"))
}

fn status_of(status: Option<&str>) -> anyhow::Result<Option<OrderStatus>> {
    match status {
        None => Ok(None),
        Some("paid") => Ok(Some(OrderStatus::Paid)),
        Some("placed") => Ok(Some(OrderStatus::Placed)),
        Some(other) => anyhow::bail!(
            "--status {other:?}: paid (入金済み) or placed (代金引換・カードの仮売上); without it, every order that may ship"
        ),
    }
}

/// `akinai export shipping --carrier yamato-b2|sagawa|generic [--status paid] --out FILE.csv`.
pub async fn export(
    config: &Config,
    carrier: Option<&str>,
    status: Option<&str>,
    out: &Path,
    json: bool,
    by: &str,
) -> anyhow::Result<()> {
    let layout = layout_of(carrier)?;
    let selection = LabelSelection::Ready(status_of(status)?);
    let shop = crate::build_shop(config).await?;
    let mut temp = crate::files::temp_beside(out)?;
    let writer = std::io::BufWriter::new(temp.as_file_mut());
    let report = shop
        .shipping()
        .export_labels(layout, &selection, writer, &AuditContext::cli(by))
        .await?;
    temp.as_file_mut().flush()?;
    crate::files::finish_beside(temp, out)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_labels(&report, out);
    }
    Ok(())
}

fn print_labels(r: &LabelReport, out: &Path) {
    println!(
        "akinai: {} の送り状データ {} 件を {} に書き出しました(Shift_JIS・CRLF)",
        r.layout.label_ja(),
        r.written,
        out.display()
    );
    for o in &r.left_out {
        for p in &o.problems {
            println!("  除外 {} [{}]: {}", o.order.number, p.field, p.message);
        }
    }
    for o in &r.under_review {
        println!(
            "  除外 {}: 確認待ちの注文です(注文ページで確認してから出荷してください)",
            o.number
        );
    }
    for o in &r.notices {
        for p in &o.problems {
            println!("  注意 {} [{}]: {}", o.order.number, p.field, p.message);
        }
    }
    if !r.left_out.is_empty() {
        println!(
            "akinai: {} 件は含めていません。注文を直してから、もう一度書き出してください",
            r.left_out.len()
        );
    }
}

/// `akinai import tracking --carrier … FILE.csv [--dry-run] [--json] --by NAME`; `Ok(false)`
/// when a row was refused or the import failed.
pub async fn import(
    config: &Config,
    carrier: Option<&str>,
    file: &Path,
    dry_run: bool,
    json: bool,
    by: &str,
) -> anyhow::Result<bool> {
    let layout = layout_of(carrier)?;
    let input =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let shop = crate::build_shop(config).await?;
    let report = shop
        .shipping()
        .import_tracking(
            layout,
            std::io::BufReader::new(input),
            dry_run,
            &AuditContext::cli(by),
        )
        .await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_tracking(&report);
    }
    Ok(!report.failed())
}

fn print_tracking(r: &TrackingReport) {
    for row in &r.rows {
        let l = &row.line;
        let what = match &row.verdict {
            RowVerdict::Ship { capture: true, .. } => "発送にする(カードの売上を確定)".to_string(),
            RowVerdict::Ship { .. } => "発送にする".to_string(),
            RowVerdict::Done => "発送済み(同じ送り状番号)".to_string(),
            RowVerdict::UnderReview => "取り込めません: 確認待ちの注文です".to_string(),
            RowVerdict::Refused { reason } => format!("取り込めません: {reason}"),
        };
        println!(
            "  行 {} {} {}: {what}",
            l.row, l.order_number, l.tracking_number
        );
    }
    println!(
        "akinai: 発送 {} 件・発送済み {} 件・取り込めない行 {} 件",
        r.to_ship, r.done, r.refused
    );
    let outcome = if let Some(f) = &r.failure {
        f.clone()
    } else if r.refused > 0 {
        "何も発送にしていません: 取り込めない行を直すか除いて、もう一度実行してください".into()
    } else if r.dry_run {
        "確認だけです(何も書き込んでいません)。--dry-run を外すと発送にします".into()
    } else if r.applied {
        format!("{} 件を発送済みにしました(発送メールを送ります)", r.to_ship)
    } else {
        "発送にする注文はありません".into()
    };
    println!("akinai: {outcome}");
}
