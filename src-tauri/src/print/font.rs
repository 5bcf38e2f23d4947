//! The one font every document uses, and the measuring that line breaking relies on.
//!
//! krilla's `draw_text` shapes with rustybuzz and then places glyphs by the shaper's advances;
//! if we measured with the font's `hmtx` but drew shaped text, kerning could make a line we
//! measured as fitting come out wider. So we do both sides ourselves from the same numbers:
//! one glyph per character from the `cmap`, placed by its `hmtx` advance. For Chinese text this
//! is exactly what shaping would give (no kerning, no ligatures between ideographs); Latin text
//! loses kerning and `fi` ligatures, which a form does not need.

use std::ops::Range;
use std::sync::OnceLock;

use krilla::text::{GlyphId, KrillaGlyph};
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

use super::PrintError;

/// Noto Sans SC Regular (SIL OFL 1.1, see `assets/fonts/OFL.txt`): CFF outlines, 30,890 code points,
/// GBK names outside GB2312 such as 玥 堃 喆 珺 昇 included.
pub const FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC-Regular.otf");

/// A font ready both for measuring (skrifa) and for embedding (krilla, which subsets it).
///
/// Parsing is cheap but not free, and krilla deduplicates fonts by identity, so one `Font` is
/// made per process ([`Font::embedded`]) and shared by every document.
pub struct Font {
    pdf: krilla::text::Font,
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font")
            .field("units_per_em", &self.units_per_em)
            .finish_non_exhaustive()
    }
}

impl Font {
    /// The embedded Noto Sans SC, parsed on first use.
    pub fn embedded() -> Result<&'static Font, PrintError> {
        static FONT: OnceLock<Result<Font, String>> = OnceLock::new();
        FONT.get_or_init(|| Font::from_static(FONT_BYTES).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|message| PrintError::Font(message.clone()))
    }

    /// A font from bytes that live for the whole program (`include_bytes!`), because skrifa's
    /// tables borrow the data and we keep them parsed.
    pub fn from_static(data: &'static [u8]) -> Result<Font, PrintError> {
        let face = FontRef::new(data).map_err(|e| PrintError::Font(e.to_string()))?;
        let pdf = krilla::text::Font::new(data.into(), 0)
            .ok_or_else(|| PrintError::Font("krilla cannot read the font".into()))?;
        let units_per_em = f32::from(
            face.metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        if units_per_em <= 0.0 {
            return Err(PrintError::Font("units per em is zero".into()));
        }
        Ok(Font {
            pdf,
            charmap: face.charmap(),
            metrics: face.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em,
        })
    }

    /// Whether the font draws `c` (otherwise it would print as an empty box).
    pub fn has_glyph(&self, c: char) -> bool {
        self.charmap.map(c).is_some()
    }

    /// The width of `text` set on one line at `size_pt`, in points.
    pub fn width(&self, text: &str, size_pt: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size_pt
    }

    /// The handle krilla embeds.
    pub(crate) fn pdf(&self) -> krilla::text::Font {
        self.pdf.clone()
    }

    /// One glyph per character, with its byte range in `text` so krilla can write the
    /// ToUnicode map that makes the PDF's text searchable and copyable.
    pub(crate) fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .map(|(i, c)| KrillaGlyph {
                glyph_id: GlyphId::new(self.glyph(c).to_u32()),
                text_range: Range {
                    start: i,
                    end: i + c.len_utf8(),
                },
                x_advance: self.advance(c),
                x_offset: 0.0,
                y_offset: 0.0,
                y_advance: 0.0,
                location: None,
            })
            .collect()
    }

    /// Glyph for `c`; a missing one is `.notdef` (glyph 0), which keeps the text searchable.
    fn glyph(&self, c: char) -> skrifa::GlyphId {
        self.charmap.map(c).unwrap_or(skrifa::GlyphId::NOTDEF)
    }

    /// Advance of `c` in em.
    fn advance(&self, c: char) -> f32 {
        self.metrics.advance_width(self.glyph(c)).unwrap_or(0.0) / self.units_per_em
    }
}
