//! The window's look at a document before the clerk opens or saves it: its first page as a
//! PNG, rendered from the finished PDF (not from our drawing code), so what the clerk sees is
//! what the viewer will print. hayro rasterizes; the fonts are the ones embedded in the PDF.

use super::PrintError;

/// The first page of a PDF, rasterized, and how many pages the PDF has.
#[derive(Debug, Clone)]
pub struct Preview {
    /// PNG bytes, opaque white background.
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub pages: usize,
}

/// Renders page 1 of `pdf` at `width_px` pixels wide (the height follows the page's aspect).
pub fn first_page(pdf: &[u8], width_px: u32) -> Result<Preview, PrintError> {
    use hayro::hayro_interpret::InterpreterSettings;
    use hayro::hayro_syntax::Pdf;
    use hayro::vello_cpu::color::palette::css::WHITE;

    let bad = |what: &str| PrintError::Preview(what.to_owned());
    let pdf = Pdf::new(pdf.to_vec()).map_err(|e| bad(&format!("{e:?}")))?;
    let pages = pdf.pages();
    let page = pages.first().ok_or_else(|| bad("文件没有页面"))?;
    let (w, _) = page.render_dimensions();
    if !(w.is_finite() && w > 0.0) {
        return Err(bad("页面尺寸无效"));
    }
    // A preview, not a print: cap the size so a wrong argument cannot ask for gigapixels.
    let scale = width_px.clamp(64, 2400) as f32 / w;
    let pixmap = hayro::render(
        page,
        &hayro::RenderCache::new(),
        &InterpreterSettings::default(),
        &hayro::RenderSettings::default(),
        &hayro::PixmapSettings {
            x_scale: scale,
            y_scale: scale,
            bg_color: WHITE,
        },
    );
    let (width, height) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
    let png = pixmap.into_png().map_err(|e| bad(&e.to_string()))?;
    Ok(Preview {
        png,
        width,
        height,
        pages: pages.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_pdf() {
        let err = first_page(b"not a pdf at all", 600).expect_err("not a PDF");
        assert!(err.to_string().contains("预览"), "{err}");
    }
}
