//! `akinai documents …` (帳票, issue 19): an order's invoice or delivery slip as a PDF file, for
//! automation and for the checks — the same documents the admin's order page gives, issued and
//! kept the same way (the invoice the first time) and recorded in the audit trail with the
//! operator's name.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;

use akinai_core::audit::AuditContext;
use akinai_domain::documents::DocumentKind;

use crate::config::Config;

/// Where to find the order and write the file.
#[derive(clap::Args)]
pub struct DocumentArgs {
    /// The order number as printed (e.g. AK00000012).
    #[arg(long, value_name = "NUMBER")]
    pub order: String,
    /// The PDF file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Who asks (recorded in the audit trail).
    #[arg(long, value_name = "NAME", default_value = "operator")]
    pub by: String,
}

#[derive(Subcommand)]
pub enum DocumentsCommand {
    /// The order's invoice (適格請求書 when the invoice number is set), issued and kept the
    /// first time.
    Invoice(DocumentArgs),
    /// The order's delivery slip (納品書).
    DeliverySlip(DocumentArgs),
    /// The order's receipt (領収書), once paid: issued the first time (to the buyer's name,
    /// 「お品代として」 unless the customer chose otherwise), every later copy marked 再発行.
    Receipt(DocumentArgs),
    /// The order's return invoice (適格返還請求書, JP-INV-3) for what was refunded so far: kept;
    /// a further refund issues a new one that corrects the last.
    ReturnInvoice(DocumentArgs),
}

/// Writes the document and prints where.
pub async fn run(config: &Config, command: DocumentsCommand) -> anyhow::Result<()> {
    let (kind, args) = match command {
        DocumentsCommand::Invoice(a) => (DocumentKind::Invoice, a),
        DocumentsCommand::DeliverySlip(a) => (DocumentKind::DeliverySlip, a),
        DocumentsCommand::Receipt(a) => (DocumentKind::Receipt, a),
        DocumentsCommand::ReturnInvoice(a) => (DocumentKind::ReturnInvoice, a),
    };
    let shop = crate::build_shop(config).await?;
    let pdf = shop
        .documents()
        .for_operator(&AuditContext::cli(&args.by), &args.order, kind)
        .await
        .map_err(|e| match e {
            akinai_core::CoreError::NotFound => anyhow::anyhow!(
                "no {} for order {:?}: the number is unknown, the order was cancelled, or it is not paid (receipt) or not refunded (return invoice) yet",
                kind.as_str(),
                args.order
            ),
            e => e.into(),
        })?;
    write_atomically(&args.out, &pdf.bytes)?;
    println!(
        "{}: {} ({} bytes)",
        kind.as_str(),
        args.out.display(),
        pdf.bytes.len()
    );
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file beside it, so a reader never sees half a
/// file.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut temp = crate::files::temp_beside(path)?;
    temp.write_all(bytes)?;
    crate::files::finish_beside(temp, path)
}
