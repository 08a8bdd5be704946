//! A small A4 layout engine: text measured with the embedded font's advances, greedy line
//! wrapping (Japanese breaks between any two characters, never before a closing mark), tables
//! whose header repeats on every page they run onto, and page numbers added once the page count
//! is known. It produces drawing operations, not PDF, so the layout is tested without a viewer.

use crate::fonts::Fonts;

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
pub const LEFT: f32 = 42.0;
pub const RIGHT: f32 = PAGE_WIDTH - 42.0;
pub const TOP: f32 = 48.0;
/// Content stops here; the page number sits below.
pub const BOTTOM: f32 = PAGE_HEIGHT - 60.0;

/// One drawing operation; `y` grows downwards from the top of the page, text `y` is a baseline.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    /// The shop's logo scaled into this box (drawn only when the writer has the logo).
    Logo { x: f32, y: f32, w: f32, h: f32 },
    /// A filled rectangle in a grey level (0 black … 255 white).
    Shade {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        grey: u8,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table column: its title, width in points and alignment.
pub struct Column<'a> {
    pub title: &'a str,
    pub width: f32,
    pub align: Align,
}

/// The pages of one document being laid out.
pub struct Canvas<'f> {
    fonts: &'f Fonts,
    pages: Vec<Vec<Op>>,
    /// The current line's top.
    pub y: f32,
    /// Printed at the top of the second and later pages (document title and number).
    running_head: String,
}

const CELL_PAD: f32 = 4.0;
/// Closing marks that must not begin a line (禁則).
const NO_LINE_START: &str = "、。,.)」』】〕・ー:;!?";
/// Opening marks that must not end a line.
const NO_LINE_END: &str = "(「『【〔";

impl<'f> Canvas<'f> {
    pub fn new(fonts: &'f Fonts, running_head: String) -> Canvas<'f> {
        Canvas {
            fonts,
            pages: vec![Vec::new()],
            y: TOP,
            running_head,
        }
    }

    fn page(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page with the running head.
    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        let head = self.running_head.clone();
        self.text(LEFT, TOP + 8.0, 8.0, false, &head);
        self.y = TOP + 20.0;
    }

    /// Moves to a new page unless `height` more points fit on this one.
    pub fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.new_page();
        }
    }

    pub fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        self.fonts.width(text, size, bold)
    }

    pub fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        if text.is_empty() {
            return;
        }
        self.page().push(Op::Text {
            x,
            y,
            size,
            bold,
            text: text.to_string(),
        });
    }

    /// Text ending at `right`.
    pub fn text_right(&mut self, right: f32, y: f32, size: f32, bold: bool, text: &str) {
        let w = self.width(text, size, bold);
        self.text(right - w, y, size, bold, text);
    }

    /// Text centred on the page.
    pub fn text_centred(&mut self, y: f32, size: f32, bold: bool, text: &str) {
        let w = self.width(text, size, bold);
        self.text((PAGE_WIDTH - w) / 2.0, y, size, bold, text);
    }

    pub fn rule(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        self.page().push(Op::Rule {
            x1,
            y1,
            x2,
            y2,
            width,
        });
    }

    pub fn shade(&mut self, x: f32, y: f32, w: f32, h: f32, grey: u8) {
        self.page().push(Op::Shade { x, y, w, h, grey });
    }

    /// Splits `text` into lines no wider than `width`.
    pub fn wrap(&self, text: &str, width: f32, size: f32, bold: bool) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            let mut line_width = 0.0;
            for c in paragraph.chars() {
                let w = self.fonts.char_width(c, size, bold);
                if line_width + w > width && !line.is_empty() && !NO_LINE_START.contains(c) {
                    let carried = line
                        .chars()
                        .last()
                        .filter(|l| NO_LINE_END.contains(*l) && line.chars().count() > 1);
                    if carried.is_some() {
                        line.pop();
                    }
                    lines.push(std::mem::take(&mut line));
                    line_width = 0.0;
                    if let Some(open) = carried {
                        line.push(open);
                        line_width = self.fonts.char_width(open, size, bold);
                    }
                }
                line.push(c);
                line_width += w;
            }
            lines.push(line);
        }
        lines
    }

    /// Wrapped text from `x` at the current position, `size` points, advancing `y`.
    pub fn paragraph(&mut self, x: f32, width: f32, size: f32, bold: bool, text: &str) {
        let leading = size * 1.45;
        for line in self.wrap(text, width, size, bold) {
            self.ensure(leading);
            self.text(x, self.y + size, size, bold, &line);
            self.y += leading;
        }
    }

    fn table_header(&mut self, columns: &[Column<'_>], size: f32) {
        let h = size + 2.0 * CELL_PAD + 2.0;
        let width: f32 = columns.iter().map(|c| c.width).sum();
        self.shade(LEFT, self.y, width, h, 232);
        let mut x = LEFT;
        for c in columns {
            let baseline = self.y + CELL_PAD + size;
            match c.align {
                Align::Left => self.text(x + CELL_PAD, baseline, size, true, c.title),
                Align::Right => {
                    self.text_right(x + c.width - CELL_PAD, baseline, size, true, c.title)
                }
            }
            x += c.width;
        }
        self.y += h;
        self.rule(LEFT, self.y, LEFT + width, self.y, 0.8);
    }

    /// A table from the current position; rows that do not fit go on to the next page, where
    /// the header is drawn again.
    pub fn table(&mut self, columns: &[Column<'_>], rows: &[Vec<String>], size: f32) {
        let leading = size * 1.4;
        let width: f32 = columns.iter().map(|c| c.width).sum();
        self.ensure(2.0 * (size + 2.0 * CELL_PAD) + leading);
        self.table_header(columns, size);
        for row in rows {
            let cells: Vec<Vec<String>> = columns
                .iter()
                .zip(row)
                .map(|(c, text)| self.wrap(text, c.width - 2.0 * CELL_PAD, size, false))
                .collect();
            let n = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let h = n as f32 * leading + 2.0 * CELL_PAD - (leading - size) + 2.0;
            if self.y + h > BOTTOM {
                self.new_page();
                self.table_header(columns, size);
            }
            let mut x = LEFT;
            for (c, lines) in columns.iter().zip(&cells) {
                for (i, line) in lines.iter().enumerate() {
                    let baseline = self.y + CELL_PAD + size + i as f32 * leading;
                    match c.align {
                        Align::Left => self.text(x + CELL_PAD, baseline, size, false, line),
                        Align::Right => {
                            self.text_right(x + c.width - CELL_PAD, baseline, size, false, line)
                        }
                    }
                }
                x += c.width;
            }
            self.y += h;
            self.rule(LEFT, self.y, LEFT + width, self.y, 0.3);
        }
    }

    /// The finished pages, each numbered `n / N` at the foot.
    pub fn finish(mut self) -> Vec<Vec<Op>> {
        let total = self.pages.len();
        let fonts = self.fonts;
        for (i, page) in self.pages.iter_mut().enumerate() {
            let label = format!("{} / {}", i + 1, total);
            let w = fonts.width(&label, 8.0, false);
            page.push(Op::Text {
                x: (PAGE_WIDTH - w) / 2.0,
                y: PAGE_HEIGHT - 30.0,
                size: 8.0,
                bold: false,
                text: label,
            });
        }
        self.pages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(page: &[Op]) -> Vec<&str> {
        page.iter()
            .filter_map(|o| match o {
                Op::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn japanese_wraps_within_the_width_and_never_starts_a_line_with_a_closing_mark() {
        let fonts = Fonts::get().unwrap();
        let c = Canvas::new(fonts, String::new());
        let text =
            "このたびはお買い上げいただき、誠にありがとうございます。下記のとおり納品いたします。";
        let lines = c.wrap(text, 120.0, 10.0, false);
        assert!(lines.len() > 2, "{lines:?}");
        assert_eq!(lines.concat(), text);
        for l in &lines {
            let first = l.chars().next().unwrap();
            assert!(!NO_LINE_START.contains(first), "{l}");
        }
        // An opening bracket goes down with what it opens.
        let lines = c.wrap("あいうえおかき(くけこ)", 80.0, 10.0, false);
        assert_eq!(lines, vec!["あいうえおかき", "(くけこ)"]);
        // Full-width characters are one em: 12 of them at 10 pt fill 120 pt.
        assert!((c.width("あいうえお", 10.0, false) - 50.0).abs() < 0.5);
        // Digits are narrower (half width), so amounts line up.
        assert!(c.width("1234567890", 10.0, false) < 60.0);
    }

    #[test]
    fn a_long_table_runs_onto_more_pages_with_its_header_and_every_page_is_numbered() {
        let fonts = Fonts::get().unwrap();
        let mut c = Canvas::new(fonts, "請求書 INV-00000001".into());
        let cols = [
            Column {
                title: "品名",
                width: 300.0,
                align: Align::Left,
            },
            Column {
                title: "金額",
                width: 100.0,
                align: Align::Right,
            },
        ];
        let rows: Vec<Vec<String>> = (1..=120)
            .map(|i| vec![format!("商品{i}"), format!("¥{i},000")])
            .collect();
        c.table(&cols, &rows, 9.0);
        let pages = c.finish();
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let total = pages.len();
        for (i, page) in pages.iter().enumerate() {
            let t = texts(page);
            assert!(t.contains(&"品名") && t.contains(&"金額"), "page {i}");
            assert!(t.contains(&format!("{} / {total}", i + 1).as_str()));
            if i > 0 {
                assert!(t.contains(&"請求書 INV-00000001"));
            }
            for op in page {
                if let Op::Text { y, text, .. } = op {
                    assert!(*y <= PAGE_HEIGHT - 20.0, "{text} at {y}");
                }
            }
        }
        // Every row appears exactly once, in order.
        let rows_seen: Vec<&str> = pages
            .iter()
            .flat_map(|p| texts(p))
            .filter(|t| t.starts_with("商品"))
            .collect();
        assert_eq!(rows_seen.len(), 120);
        assert_eq!(rows_seen[119], "商品120");
    }
}
