//! 帳票 as PDF (issue 19, ADR 035): documents drawn in-process with krilla (Typst's PDF
//! writer: font subsetting, text that copies and searches as Japanese) and the embedded BIZ
//! UDGothic font. The layout is ours and small ([`canvas`]): A4, text measured with the font's
//! advances, wrapped lines, tables whose header repeats on each page, `n / N` page numbers.
//! [`render`] draws one document; [`render_all`] draws many into one file (batch printing),
//! each numbered on its own. The shop's logo, when it has one, sits at the top left of each
//! document's first page. No IO: the caller loads the logo and stores or sends the bytes.
#![forbid(unsafe_code)]

pub mod canvas;
mod draw;
pub mod fonts;
mod receipt;
mod report;
mod returns;
pub use report::render_selfcheck;
mod security_report;
pub use security_report::render_security_report;

use akinai_domain::documents::{DocumentContent, DocumentKind};
use akinai_domain::picking::PickingList;
use chrono::Datelike;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
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

/// The shop's logo as stored (a re-encoded PNG or JPEG) with its size in pixels.
#[derive(Debug, Clone, Copy)]
pub struct Logo<'a> {
    pub bytes: &'a [u8],
    pub png: bool,
    pub width: u32,
    pub height: u32,
}

/// The box the logo is scaled into (points), at the top left of a first page.
const LOGO_BOX: (f32, f32) = (150.0, 36.0);

impl Logo<'_> {
    /// Where the logo goes: scaled to fit [`LOGO_BOX`], never up.
    fn placed(&self) -> Op {
        let (w, h) = (self.width.max(1) as f32, self.height.max(1) as f32);
        let scale = (LOGO_BOX.0 / w).min(LOGO_BOX.1 / h).min(1.0);
        Op::Logo {
            x: canvas::LEFT,
            y: canvas::TOP - 14.0,
            w: w * scale,
            h: h * scale,
        }
    }
}

/// Lays out `doc` into pages of drawing operations (for tests and for [`render`]); `logo` is
/// placed when the document names one.
pub fn layout(doc: &DocumentContent, logo: Option<&Logo<'_>>) -> Result<Vec<Vec<Op>>, PdfError> {
    let fonts = Fonts::get().ok_or(PdfError::Font)?;
    let mut c = Canvas::new(fonts, format!("{} {}", doc.title(), doc.number));
    match doc.kind {
        DocumentKind::Receipt => receipt::receipt(&mut c, doc),
        DocumentKind::ReturnInvoice => returns::return_invoice(&mut c, doc),
        _ => draw::document(&mut c, doc),
    }
    let mut pages = c.finish();
    if let (Some(logo), Some(_), Some(first)) = (logo, &doc.logo, pages.first_mut()) {
        first.push(logo.placed());
    }
    Ok(pages)
}

/// One document as a PDF file, with the logo it names (the caller loads that version).
pub fn render(doc: &DocumentContent, logo: Option<&Logo<'_>>) -> Result<Vec<u8>, PdfError> {
    render_all(std::slice::from_ref(doc), logo)
}

/// Many documents in one PDF file, each starting on a new page with its own page numbers;
/// `logo` (the shop's current one) is placed on each that names a logo.
pub fn render_all(docs: &[DocumentContent], logo: Option<&Logo<'_>>) -> Result<Vec<u8>, PdfError> {
    let first = docs.first().ok_or(PdfError::Empty)?;
    let title = if docs.len() == 1 {
        format!("{} {}", first.title(), first.number)
    } else {
        format!("{} ほか{}件", first.title(), docs.len() - 1)
    };
    let mut pages = Vec::new();
    for doc in docs {
        pages.extend(layout(doc, logo)?);
    }
    write(pages, title, first.issued_on, logo)
}

/// A picking list as a PDF file.
pub fn render_picking_list(list: &PickingList) -> Result<Vec<u8>, PdfError> {
    let fonts = Fonts::get().ok_or(PdfError::Font)?;
    let mut c = Canvas::new(fonts, format!("ピッキングリスト {}", list.made_on));
    draw::picking_list(&mut c, list);
    write(c.finish(), "ピッキングリスト".into(), list.made_on, None)
}

/// Writes laid-out pages into a PDF file.
fn write(
    pages: Vec<Vec<Op>>,
    title: String,
    issued: chrono::NaiveDate,
    logo: Option<&Logo<'_>>,
) -> Result<Vec<u8>, PdfError> {
    let fonts = Fonts::get().ok_or(PdfError::Font)?;
    // Decoded once, embedded once however many pages show it.
    let image = match logo {
        Some(l) => {
            let data = krilla::Data::from(l.bytes.to_vec());
            let decoded = if l.png {
                Image::from_png(data, true)
            } else {
                Image::from_jpeg(data, true)
            };
            Some(decoded.map_err(|e| PdfError::Writer(format!("logo: {e}")))?)
        }
        None => None,
    };
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
                Op::Logo { x, y, w, h } => {
                    if let (Some(image), Some(size)) = (&image, Size::from_wh(w, h)) {
                        surface.push_transform(&Transform::from_translate(x, y));
                        surface.draw_image(image.clone(), size);
                        surface.pop();
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
