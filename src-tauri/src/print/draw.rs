//! Drawing primitives over a krilla surface, and the parts both documents share: the page
//! footer and the signature block.
//!
//! krilla's coordinates start at the page's top-left corner with y growing downwards, in
//! points; text is placed by its baseline.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::surface::Surface;

use super::font::Font;

/// A4 in points (210 × 297 mm).
pub(crate) const A4_SHORT: f32 = 595.276;
pub(crate) const A4_LONG: f32 = 841.89;

/// Where the ideographic em box's top sits above the baseline, in em. CJK fonts put the em
/// box from −0.12 to 0.88 em, so this centres Chinese text in a line box.
const EM_BOX_TOP: f32 = 0.88;

/// An sRGB colour; krilla's colour constructor is not `const`, so colours are kept as bytes.
pub(crate) type Rgb = [u8; 3];

pub(crate) const BLACK: Rgb = [0, 0, 0];
pub(crate) const GREY_TEXT: Rgb = [90, 90, 90];
pub(crate) const GREY_LINE: Rgb = [170, 170, 170];
pub(crate) const GREY_FILL: Rgb = [236, 236, 236];

/// Height the signature block needs, gap above it included.
pub(crate) const SIGNATURE_HEIGHT: f32 = 110.0;

/// A drawing surface with the document's font.
pub(crate) struct Pen<'s, 'p> {
    pub surface: &'s mut Surface<'p>,
    pub font: &'s Font,
}

impl Pen<'_, '_> {
    /// One line of text with its baseline at `baseline`.
    pub fn text(&mut self, x: f32, baseline: f32, size: f32, text: &str, color: Rgb) {
        if text.is_empty() {
            return;
        }
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(fill(color)));
        let glyphs = self.font.glyphs(text);
        self.surface.draw_glyphs(
            Point::from_xy(x, baseline),
            &glyphs,
            self.font.pdf(),
            text,
            size,
            false,
        );
    }

    /// One line of text vertically centred in a line box whose top is `top`.
    pub fn text_in_line(
        &mut self,
        x: f32,
        top: f32,
        line_h: f32,
        size: f32,
        text: &str,
        color: Rgb,
    ) {
        self.text(x, baseline_in(top, line_h, size), size, text, color);
    }

    /// Like [`Pen::text_in_line`], ending at `right`.
    pub fn text_right(
        &mut self,
        right: f32,
        top: f32,
        line_h: f32,
        size: f32,
        text: &str,
        color: Rgb,
    ) {
        let x = right - self.font.width(text, size);
        self.text_in_line(x, top, line_h, size, text, color);
    }

    /// Like [`Pen::text_in_line`], centred on `center`.
    pub fn text_center(
        &mut self,
        center: f32,
        top: f32,
        line_h: f32,
        size: f32,
        text: &str,
        color: Rgb,
    ) {
        let x = center - self.font.width(text, size) / 2.0;
        self.text_in_line(x, top, line_h, size, text, color);
    }

    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        if let Some(rect) = Rect::from_xywh(x, y, w, h) {
            let mut pb = PathBuilder::new();
            pb.push_rect(rect);
            if let Some(path) = pb.finish() {
                self.surface.set_stroke(None);
                self.surface.set_fill(Some(fill(color)));
                self.surface.draw_path(&path);
            }
        }
    }

    pub fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32, color: Rgb) {
        self.rect_outline(x, y, w, h, width, color, false);
    }

    /// A dashed outline: marks a place to fill in (the seal) rather than a border.
    pub fn dashed_rect(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32, color: Rgb) {
        self.rect_outline(x, y, w, h, width, color, true);
    }

    #[allow(clippy::too_many_arguments)] // private: the two public wrappers above fix `dashed`
    fn rect_outline(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        width: f32,
        color: Rgb,
        dashed: bool,
    ) {
        if let Some(rect) = Rect::from_xywh(x, y, w, h) {
            let mut pb = PathBuilder::new();
            pb.push_rect(rect);
            self.stroke_path(pb, width, color, dashed);
        }
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, color: Rgb) {
        let mut pb = PathBuilder::new();
        pb.move_to(x1, y1);
        pb.line_to(x2, y2);
        self.stroke_path(pb, width, color, false);
    }

    fn stroke_path(&mut self, pb: PathBuilder, width: f32, color: Rgb, dashed: bool) {
        if let Some(path) = pb.finish() {
            self.surface.set_fill(None);
            self.surface.set_stroke(Some(Stroke {
                paint: to_color(color).into(),
                width,
                dash: dashed.then(|| StrokeDash {
                    array: vec![3.0, 2.0],
                    offset: 0.0,
                }),
                ..Stroke::default()
            }));
            self.surface.draw_path(&path);
            self.surface.set_stroke(None);
        }
    }

    /// `image` scaled to fit the box, keeping its aspect ratio, centred.
    pub fn image_fit(&mut self, image: Image, x: f32, y: f32, w: f32, h: f32) {
        let (iw, ih) = image.size();
        if iw == 0 || ih == 0 {
            return;
        }
        let scale = (w / iw as f32).min(h / ih as f32);
        let (dw, dh) = (iw as f32 * scale, ih as f32 * scale);
        let Some(size) = Size::from_wh(dw, dh) else {
            return;
        };
        self.surface.push_transform(&Transform::from_translate(
            x + (w - dw) / 2.0,
            y + (h - dh) / 2.0,
        ));
        self.surface.draw_image(image, size);
        self.surface.pop();
    }

    /// `第k页/共N页`, centred at the page's foot; every printed page carries it so a loose
    /// sheet can be put back in order and a missing one noticed.
    pub fn footer(&mut self, page_w: f32, page_h: f32, page: usize, pages: usize) {
        let text = format!("第{page}页/共{pages}页");
        self.text_center(page_w / 2.0, page_h - 30.0, 12.0, 9.0, &text, GREY_TEXT);
    }

    /// 经办人 and 审核人 lines with 日期, and a 盖章 box on the right, in a block
    /// [`SIGNATURE_HEIGHT`] high starting at `top` and spanning `left..right`.
    pub fn signature_block(&mut self, left: f32, right: f32, top: f32) {
        let size = 11.0;
        let seal = 84.0;
        let seal_left = right - seal;
        let top = top + SIGNATURE_HEIGHT - seal - 6.0;
        self.dashed_rect(seal_left, top, seal, seal, 0.8, GREY_LINE);
        self.text_center(
            seal_left + seal / 2.0,
            top + seal / 2.0 - 8.0,
            16.0,
            10.0,
            "盖章",
            GREY_TEXT,
        );

        // Lines long enough for a handwritten name and date, however wide the page.
        let name_w = 140.0_f32.min((seal_left - left) * 0.3);
        let date_w = 120.0_f32.min((seal_left - left) * 0.25);
        let role_w = self.font.width("经办人：", size);
        let date_label_w = self.font.width("日期：", size);
        let date_left = left + role_w + name_w + 36.0;
        for (i, role) in ["经办人：", "审核人："].into_iter().enumerate() {
            let line_top = top + 14.0 + i as f32 * 40.0;
            let baseline = baseline_in(line_top, 20.0, size);
            self.text(left, baseline, size, role, BLACK);
            let start = left + role_w + 2.0;
            self.line(
                start,
                baseline + 3.0,
                start + name_w,
                baseline + 3.0,
                0.6,
                BLACK,
            );
            self.text(date_left, baseline, size, "日期：", BLACK);
            let start = date_left + date_label_w + 2.0;
            self.line(
                start,
                baseline + 3.0,
                start + date_w,
                baseline + 3.0,
                0.6,
                BLACK,
            );
        }
    }
}

/// The baseline that centres the em box of `size` text in a line box.
pub(crate) fn baseline_in(top: f32, line_h: f32, size: f32) -> f32 {
    top + (line_h - size) / 2.0 + EM_BOX_TOP * size
}

fn to_color([r, g, b]: Rgb) -> rgb::Color {
    rgb::Color::new(r, g, b)
}

fn fill(color: Rgb) -> Fill {
    Fill {
        paint: to_color(color).into(),
        ..Fill::default()
    }
}
