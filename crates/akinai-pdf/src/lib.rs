//! 帳票 as PDF (issue 19, ADR 035): documents drawn in-process with krilla (Typst's PDF
//! writer: font subsetting, text that copies and searches as Japanese) and the embedded BIZ
//! UDGothic font. The layout is ours and small ([`canvas`]): A4, text measured with the font's
//! advances, wrapped lines, tables whose header repeats on each page, `n / N` page numbers.
//! [`render`] draws one document; [`render_all`] draws many into one file (batch printing),
//! each numbered on its own. No IO: the caller stores or sends the bytes.
#![forbid(unsafe_code)]

pub mod canvas;
mod draw;
pub mod fonts;
mod receipt;
mod returns;

use akinai_domain::documents::{DocumentContent, DocumentKind};
use akinai_domain::picking::PickingList;
use chrono::Datelike;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::Document;

use canvas::{Canvas, Op, PAGE_HEIGHT, PAGE_WIDTH};
use fonts::Fonts;

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font could not be loaded")]
    Font,
    #[error("the document is empty")]
    Empty,
    #[error("PDF writer: {0}")]
    Writer(String),
}

/// Lays out `doc` into pages of drawing operations (for tests and for [`render`]).
pub fn layout(doc: &DocumentContent) -> Result<Vec<Vec<Op>>, PdfError> {
    let fonts = Fonts::get().ok_or(PdfError::Font)?;
    let mut c = Canvas::new(fonts, format!("{} {}", doc.title(), doc.number));
    match doc.kind {
        DocumentKind::Receipt => receipt::receipt(&mut c, doc),
        DocumentKind::ReturnInvoice => returns::return_invoice(&mut c, doc),
        _ => draw::document(&mut c, doc),
    }
    Ok(c.finish())
}

/// One document as a PDF file.
pub fn render(doc: &DocumentContent) -> Result<Vec<u8>, PdfError> {
    render_all(std::slice::from_ref(doc))
}

/// Many documents in one PDF file, each starting on a new page with its own page numbers.
pub fn render_all(docs: &[DocumentContent]) -> Result<Vec<u8>, PdfError> {
    let first = docs.first().ok_or(PdfError::Empty)?;
    let title = if docs.len() == 1 {
        format!("{} {}", first.title(), first.number)
    } else {
        format!("{} ほか{}件", first.title(), docs.len() - 1)
    };
    let mut pages = Vec::new();
    for doc in docs {
        pages.extend(layout(doc)?);
    }
    write(pages, title, first.issued_on)
}

/// A picking list as a PDF file.
pub fn render_picking_list(list: &PickingList) -> Result<Vec<u8>, PdfError> {
    let fonts = Fonts::get().ok_or(PdfError::Font)?;
    let mut c = Canvas::new(fonts, format!("ピッキングリスト {}", list.made_on));
    draw::picking_list(&mut c, list);
    write(c.finish(), "ピッキングリスト".into(), list.made_on)
}

/// Writes laid-out pages into a PDF file.
fn write(
    pages: Vec<Vec<Op>>,
    title: String,
    issued: chrono::NaiveDate,
) -> Result<Vec<u8>, PdfError> {
    let fonts = Fonts::get().ok_or(PdfError::Font)?;
    let mut pdf = Document::new();
    pdf.set_metadata(
        Metadata::new()
            .title(title)
            .language("ja".into())
            .creator("akinai".into())
            .creation_date(
                DateTime::new(u16::try_from(issued.year()).unwrap_or(2000))
                    .month(u8::try_from(issued.month()).unwrap_or(1))
                    .day(u8::try_from(issued.day()).unwrap_or(1)),
            ),
    );
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| PdfError::Writer("page size".into()))?;
    for ops in pages {
        let mut page = pdf.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    bold,
                    text,
                } => {
                    surface.set_stroke(None);
                    surface.set_fill(Some(Fill::default()));
                    let face = fonts.face(bold);
                    surface.draw_glyphs(
                        Point::from_xy(x, y),
                        &face.glyphs(&text),
                        face.font.clone(),
                        &text,
                        size,
                        false,
                    );
                }
                Op::Rule {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(x1, y1);
                    pb.line_to(x2, y2);
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            width,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                    }
                }
                Op::Shade { x, y, w, h, grey } => {
                    let mut pb = PathBuilder::new();
                    if let Some(rect) = Rect::from_xywh(x, y, w, h) {
                        pb.push_rect(rect);
                    }
                    if let Some(path) = pb.finish() {
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill {
                            paint: luma::Color::new(grey).into(),
                            ..Fill::default()
                        }));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| PdfError::Writer(e.to_string()))
}

#[cfg(test)]
mod tests;
