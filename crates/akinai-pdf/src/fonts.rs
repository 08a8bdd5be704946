//! The embedded font, BIZ UDGothic Regular and Bold (Morisawa, SIL OFL 1.1; `fonts/OFL.txt`,
//! `fonts/SOURCE`): a universal-design Japanese gothic whose Latin digits are half width, so
//! amounts line up. The files are compiled into the binary (nothing is read or fetched at run
//! time); each PDF embeds only the glyphs it uses. Widths for layout come from the font's own
//! advances (skrifa), the same numbers krilla shapes with.

use std::sync::OnceLock;

use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, GlyphId, MetadataProvider};

static REGULAR: &[u8] = include_bytes!("../fonts/BIZUDGothic-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/BIZUDGothic-Bold.ttf");

/// One face: the font handed to krilla and its advances for measuring.
pub struct Face {
    pub font: krilla::text::Font,
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
}

impl Face {
    fn load(data: &'static [u8]) -> Option<Face> {
        let font_ref = FontRef::new(data).ok()?;
        let units_per_em = f32::from(
            font_ref
                .metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        Some(Face {
            font: krilla::text::Font::new(data.into(), 0)?,
            charmap: font_ref.charmap(),
            metrics: font_ref.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em,
        })
    }

    fn glyph(&self, c: char) -> GlyphId {
        self.charmap.map(c).unwrap_or(GlyphId::NOTDEF)
    }

    fn advance(&self, c: char) -> f32 {
        self.metrics.advance_width(self.glyph(c)).unwrap_or(0.0) / self.units_per_em
    }

    /// `text` as positioned glyphs: one per character, each advancing by the font's own width.
    /// Japanese needs no shaping for documents (no ligatures, no contextual forms), so text is
    /// set exactly as it was measured for the layout.
    pub fn glyphs(&self, text: &str) -> Vec<krilla::text::KrillaGlyph> {
        text.char_indices()
            .map(|(i, c)| krilla::text::KrillaGlyph {
                glyph_id: krilla::text::GlyphId::new(self.glyph(c).to_u32()),
                text_range: i..i + c.len_utf8(),
                x_advance: self.advance(c),
                x_offset: 0.0,
                y_offset: 0.0,
                y_advance: 0.0,
                location: None,
            })
            .collect()
    }
}

/// Regular and bold, loaded once per process.
pub struct Fonts {
    pub regular: Face,
    pub bold: Face,
}

static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();

impl Fonts {
    /// The embedded fonts; `None` only if the files compiled in were not fonts.
    pub fn get() -> Option<&'static Fonts> {
        FONTS
            .get_or_init(|| {
                Some(Fonts {
                    regular: Face::load(REGULAR)?,
                    bold: Face::load(BOLD)?,
                })
            })
            .as_ref()
    }

    pub fn face(&self, bold: bool) -> &Face {
        if bold {
            &self.bold
        } else {
            &self.regular
        }
    }

    pub fn char_width(&self, c: char, size: f32, bold: bool) -> f32 {
        self.face(bold).advance(c) * size
    }

    pub fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let face = self.face(bold);
        text.chars().map(|c| face.advance(c)).sum::<f32>() * size
    }

    /// Whether the font can print `c` (a character without a glyph would print as a box).
    pub fn covers(&self, c: char) -> bool {
        c.is_whitespace() || self.regular.charmap.map(c).is_some()
    }
}
