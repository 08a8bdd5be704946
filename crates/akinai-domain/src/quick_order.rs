//! Quick order (大量注文, issue #23 item 3): product codes and quantities typed line by line,
//! pasted from Excel (tab-separated) or read from a CSV (code, quantity), turned into cart
//! lines. Pure: [`parse`] reads the text, [`plan`] matches it with the SKUs found and the cart's
//! current lines. A line that cannot go into the cart — an unknown code, a bad quantity, not
//! enough stock — is reported with its line number and kept for the shopper to correct, never
//! dropped silently. One pass over the lines: 5,000 lines cost what their count says.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

use crate::catalog::{Quantity, QuantityError, SkuForSale, MAX_LINE_QUANTITY};
use crate::ids::SkuId;

/// The most lines one quick order takes.
pub const MAX_LINES: usize = 5_000;

/// One line as typed: its number (from 1), the code and the quantity text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub line: usize,
    pub code: String,
    /// The quantity as written (`1` when the line gives none).
    pub quantity: String,
}

/// More lines than [`MAX_LINES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} lines; at most {MAX_LINES}")]
pub struct TooManyLines(pub usize);

/// Header words a pasted sheet may start with.
const HEADERS: &[&str] = &[
    "商品コード",
    "品番",
    "コード",
    "sku",
    "code",
    "product code",
    "型番",
];

/// Reads the text: one line per product, the code then the quantity, separated by a tab (a paste
/// from Excel), a comma (CSV, quotes allowed) or spaces; full-width letters and digits are read
/// as half-width (NFKC). Empty lines and a header row (「商品コード」, `code` …) are skipped.
pub fn parse(text: &str) -> Result<Vec<Entry>, TooManyLines> {
    let mut entries = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line: String = raw.nfkc().collect();
        let mut fields = split(&line);
        let Some(code) = fields.next() else {
            continue;
        };
        let quantity = fields.next().unwrap_or_else(|| "1".to_string());
        if entries.is_empty() && HEADERS.contains(&code.to_lowercase().as_str()) {
            continue;
        }
        entries.push(Entry {
            line: i + 1,
            code,
            quantity,
        });
        if entries.len() > MAX_LINES {
            let rest = text.lines().skip(i + 1).filter(|l| !l.trim().is_empty());
            return Err(TooManyLines(entries.len() + rest.count()));
        }
    }
    Ok(entries)
}

/// The non-empty fields of a line, unquoted.
fn split(line: &str) -> impl Iterator<Item = String> + '_ {
    let separator = if line.contains('\t') {
        Some('\t')
    } else if line.contains(',') {
        Some(',')
    } else {
        None
    };
    let parts: Box<dyn Iterator<Item = &str>> = match separator {
        Some(c) => Box::new(line.split(c)),
        None => Box::new(line.split_whitespace()),
    };
    parts
        .map(|f| f.trim().trim_matches('"').trim().to_string())
        .filter(|f| !f.is_empty())
}

/// Why a line does not go into the cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// No product for sale has this code.
    UnknownCode,
    /// Not a whole number from 1 to [`MAX_LINE_QUANTITY`].
    BadQuantity(QuantityError),
    /// With what the cart holds already, more than the stock (or than one line may hold).
    ShortOfStock { available: i64 },
    /// The SKU is not sold in this quantity (its minimum or case multiple; ADR 047).
    QuantityRule(crate::price_rules::QuantityRefusal),
}

/// A line that does not go into the cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub entry: Entry,
    pub problem: Problem,
}

/// A SKU to put in the cart: its new quantity there, and the lines that asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub sku: SkuForSale,
    /// The quantity the cart line will have (what it held plus what the lines add).
    pub quantity: Quantity,
    /// What the lines add.
    pub adding: u32,
    pub lines: Vec<usize>,
}

/// What a quick order would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// In the order of their first line.
    pub planned: Vec<Planned>,
    /// In line order.
    pub refused: Vec<Refused>,
}

impl Plan {
    /// The refused lines as text again (code and quantity, tab-separated), for the form.
    pub fn refused_text(&self) -> String {
        self.refused
            .iter()
            .map(|r| format!("{}\t{}\n", r.entry.code, r.entry.quantity))
            .collect()
    }
}

/// Moves every planned SKU whose quantity in the cart would break its quantity rules (`rules`,
/// by SKU; ADR 047) to the refused lines, each of its lines with the reason; refused lines stay
/// in line order.
pub fn refuse_quantities(
    plan: &mut Plan,
    entries: &[Entry],
    rules: &HashMap<SkuId, crate::price_rules::PriceRules>,
) {
    let by_line: HashMap<usize, &Entry> = entries.iter().map(|e| (e.line, e)).collect();
    let mut moved = false;
    plan.planned.retain(|p| {
        let why = rules
            .get(&p.sku.sku_id)
            .and_then(|r| crate::price_rules::check_quantity(r, p.quantity.get()).err());
        let Some(why) = why else {
            return true;
        };
        moved = true;
        plan.refused.extend(p.lines.iter().filter_map(|l| {
            by_line.get(l).map(|e| Refused {
                entry: (*e).clone(),
                problem: Problem::QuantityRule(why),
            })
        }));
        false
    });
    if moved {
        plan.refused.sort_by_key(|r| r.entry.line);
    }
}

/// The lines of an earlier order as quick-order text (「もう一度注文する」): one `code<TAB>quantity`
/// line per product, to be checked against today's catalog like any other quick order.
pub fn reorder_text(lines: &[crate::pricing::PricedLine]) -> String {
    lines
        .iter()
        .map(|l| format!("{}\t{}\n", l.sku_code, l.quantity))
        .collect()
}

/// Matches the entries with `found` (the SKUs for sale, by code) and the cart's current
/// quantities. Lines for the same code are added together; when the sum (with the cart's) is
/// more than the stock, every line of that code is refused, so nothing is bought short.
pub fn plan(
    entries: &[Entry],
    found: &HashMap<String, SkuForSale>,
    in_cart: &HashMap<SkuId, u32>,
) -> Plan {
    let mut refused = Vec::new();
    // Code → (index in `wanted`), to add repeated codes together in one pass.
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut wanted: Vec<(&SkuForSale, i64, Vec<&Entry>)> = Vec::new();
    for e in entries {
        let Some(sku) = found.get(&e.code) else {
            refused.push(Refused {
                entry: e.clone(),
                problem: Problem::UnknownCode,
            });
            continue;
        };
        let quantity = match Quantity::parse(&e.quantity) {
            Ok(q) => q,
            Err(why) => {
                refused.push(Refused {
                    entry: e.clone(),
                    problem: Problem::BadQuantity(why),
                });
                continue;
            }
        };
        let at = *index.entry(e.code.as_str()).or_insert_with(|| {
            wanted.push((sku, 0, Vec::new()));
            wanted.len() - 1
        });
        let w = &mut wanted[at];
        w.1 += i64::from(quantity.get());
        w.2.push(e);
    }
    let mut planned = Vec::new();
    for (sku, adding, lines) in wanted {
        let held = i64::from(in_cart.get(&sku.sku_id).copied().unwrap_or(0));
        let total = held + adding;
        let limit = sku.stock.min(i64::from(MAX_LINE_QUANTITY));
        match (Quantity::new(total), u32::try_from(adding)) {
            (Ok(quantity), Ok(adding)) if total <= sku.stock => planned.push(Planned {
                sku: sku.clone(),
                quantity,
                adding,
                lines: lines.iter().map(|e| e.line).collect(),
            }),
            _ => refused.extend(lines.into_iter().map(|e| Refused {
                entry: e.clone(),
                problem: Problem::ShortOfStock {
                    available: (limit - held).max(0),
                },
            })),
        }
    }
    refused.sort_by_key(|r| r.entry.line);
    Plan { planned, refused }
}

#[cfg(test)]
mod tests;
