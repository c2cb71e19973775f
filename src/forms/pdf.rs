//! Filled forms → one PDF (printpdf), all pages in the order chosen, each form repeated for its
//! copies. Fonts are subset-embedded: printpdf does that only with its `text_layout` feature,
//! which this crate enables; a test checks every font with `pdffonts`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use printpdf::{
    Color, FontId, Line as PdfLine, LineDashPattern, LinePoint, Mm, Op, PaintMode, ParsedFont,
    PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, RawImage,
    RawImageData, RawImageFormat, Rgb, TextItem, WindingOrder, XObjectTransform,
};

use super::fill::{FilledForm, Mark};
use super::fit::{self, Layout, MM_PER_PT};
use super::fonts::{FontKey, Fonts};
use super::qr;
use super::template::{Drawing, Template};

/// Rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A font could not be prepared for embedding.
    #[error("font {0:?} could not be loaded for the PDF")]
    Font(FontKey),
    /// A background image could not be decoded.
    #[error("form {form}: the background image could not be decoded: {reason}")]
    Background {
        /// Form id.
        form: String,
        /// Decoder's message.
        reason: String,
    },
    /// The QR payload does not fit a QR code.
    #[error("form {0}: the QR code data is too long")]
    QrTooLong(String),
}

/// Parsed fonts for printpdf, prepared once per process (parsing BIZ UD takes ~10 ms each,
/// the fallback ~90 ms; a warm render must not pay that).
fn parsed(key: FontKey) -> Result<&'static ParsedFont, RenderError> {
    static CACHE: OnceLock<Mutex<HashMap<FontKey, &'static ParsedFont>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(f) = map.get(&key) {
        return Ok(f);
    }
    let font = Fonts::bundled().get(key).ok_or(RenderError::Font(key))?;
    let parsed = ParsedFont::from_bytes(font.bytes, font.index as usize, &mut Vec::new())
        .ok_or(RenderError::Font(key))?;
    let leaked: &'static ParsedFont = Box::leak(Box::new(parsed));
    map.insert(key, leaked);
    Ok(leaked)
}

/// Load the fonts now, so the first resident does not wait for them.
pub fn warm_up() -> Result<(), RenderError> {
    for key in [FontKey::Gothic, FontKey::GothicBold, FontKey::Mincho] {
        parsed(key)?;
    }
    Ok(())
}

/// Convert top-left millimetres to a PDF point.
fn pt(page_h: f32, x: f32, y: f32) -> Point {
    Point::new(Mm(x), Mm(page_h - y))
}

struct Writer<'a> {
    doc: &'a mut PdfDocument,
    fonts: HashMap<FontKey, FontId>,
}

impl Writer<'_> {
    fn font(&mut self, key: FontKey) -> Result<FontId, RenderError> {
        if let Some(id) = self.fonts.get(&key) {
            return Ok(id.clone());
        }
        let id = self.doc.add_font(parsed(key)?);
        self.fonts.insert(key, id.clone());
        Ok(id)
    }

    fn text(&mut self, ops: &mut Vec<Op>, page_h: f32, layout: &Layout) -> Result<(), RenderError> {
        let fonts = Fonts::bundled();
        for line in &layout.lines {
            let mut x = line.x;
            for run in &line.runs {
                let id = self.font(run.font)?;
                ops.push(Op::StartTextSection);
                ops.push(Op::SetFont {
                    font: PdfFontHandle::External(id),
                    size: Pt(layout.size),
                });
                ops.push(Op::SetTextCursor {
                    pos: pt(page_h, x, line.baseline),
                });
                ops.push(Op::ShowText {
                    items: vec![TextItem::Text(run.text.clone())],
                });
                ops.push(Op::EndTextSection);
                let em: f32 = run
                    .text
                    .chars()
                    .map(|c| {
                        fonts
                            .get(run.font)
                            .and_then(|f| f.advance(c))
                            .unwrap_or(1.0)
                    })
                    .sum();
                x += em * layout.size * MM_PER_PT;
            }
        }
        Ok(())
    }
}

fn stroke(ops: &mut Vec<Op>, points: Vec<Point>, closed: bool, width_pt: f32, dash: bool) {
    ops.push(Op::SetOutlineThickness { pt: Pt(width_pt) });
    if dash {
        ops.push(Op::SetLineDashPattern {
            dash: LineDashPattern::new(0.0, &[3.0, 2.0]),
        });
    }
    ops.push(Op::DrawLine {
        line: PdfLine {
            points: points
                .into_iter()
                .map(|p| LinePoint { p, bezier: false })
                .collect(),
            is_closed: closed,
        },
    });
    if dash {
        ops.push(Op::SetLineDashPattern {
            dash: LineDashPattern::default(),
        });
    }
}

fn rect_points(h: f32, b: [f32; 4]) -> Vec<Point> {
    vec![
        pt(h, b[0], b[1]),
        pt(h, b[0] + b[2], b[1]),
        pt(h, b[0] + b[2], b[1] + b[3]),
        pt(h, b[0], b[1] + b[3]),
    ]
}

fn fill_rects(ops: &mut Vec<Op>, h: f32, boxes: &[[f32; 4]], gray: f32) {
    if boxes.is_empty() {
        return;
    }
    ops.push(Op::SetFillColor {
        col: Color::Rgb(Rgb::new(gray, gray, gray, None)),
    });
    ops.push(Op::DrawPolygon {
        polygon: Polygon {
            rings: boxes
                .iter()
                .map(|b| PolygonRing {
                    points: rect_points(h, *b)
                        .into_iter()
                        .map(|p| LinePoint { p, bezier: false })
                        .collect(),
                })
                .collect(),
            mode: PaintMode::Fill,
            winding_order: WindingOrder::NonZero,
        },
    });
    ops.push(Op::SetFillColor {
        col: Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)),
    });
}

/// An ellipse of four Bézier arcs.
fn ellipse(ops: &mut Vec<Op>, h: f32, c: [f32; 2], width: f32, height: f32) {
    let (rx, ry) = (width / 2.0, height / 2.0);
    let (kx, ky) = (0.552_284_8 * rx, 0.552_284_8 * ry);
    let (x, y) = (c[0], c[1]);
    let seg = |p: [f32; 2], bezier| LinePoint {
        p: pt(h, p[0], p[1]),
        bezier,
    };
    let points = vec![
        seg([x + rx, y], false),
        seg([x + rx, y + ky], true),
        seg([x + kx, y + ry], true),
        seg([x, y + ry], false),
        seg([x - kx, y + ry], true),
        seg([x - rx, y + ky], true),
        seg([x - rx, y], false),
        seg([x - rx, y - ky], true),
        seg([x - kx, y - ry], true),
        seg([x, y - ry], false),
        seg([x + kx, y - ry], true),
        seg([x + rx, y - ky], true),
        seg([x + rx, y], false),
    ];
    ops.push(Op::SetOutlineThickness { pt: Pt(0.8) });
    ops.push(Op::DrawLine {
        line: PdfLine {
            points,
            is_closed: true,
        },
    });
}

fn mark(ops: &mut Vec<Op>, h: f32, m: &Mark) {
    if m.circle {
        ellipse(ops, h, m.center, m.width, m.height);
    } else {
        let (x, y, s) = (m.center[0], m.center[1], m.height / 2.0);
        stroke(
            ops,
            vec![
                pt(h, x - s * 0.6, y),
                pt(h, x - s * 0.1, y + s * 0.55),
                pt(h, x + s * 0.7, y - s * 0.6),
            ],
            false,
            1.2,
            false,
        );
    }
}

fn static_ops(w: &mut Writer, template: &Template, ops: &mut Vec<Op>) -> Result<(), RenderError> {
    let spec = &template.spec;
    let (_, h) = template.page_size();
    let fonts = Fonts::bundled();
    for r in &spec.rects {
        if let Some(g) = r.fill {
            fill_rects(ops, h, &[r.r#box], g);
        }
        if r.width > 0.0 {
            stroke(ops, rect_points(h, r.r#box), true, r.width, false);
        }
    }
    for g in &spec.grids {
        let total_w: f32 = g.cols.iter().sum();
        let total_h: f32 = g.rows.iter().sum();
        let mut y = g.at[1];
        for row in std::iter::once(0.0).chain(g.rows.iter().copied()) {
            y += row;
            stroke(
                ops,
                vec![pt(h, g.at[0], y), pt(h, g.at[0] + total_w, y)],
                false,
                g.width,
                false,
            );
        }
        let mut x = g.at[0];
        for col in std::iter::once(0.0).chain(g.cols.iter().copied()) {
            x += col;
            stroke(
                ops,
                vec![pt(h, x, g.at[1]), pt(h, x, g.at[1] + total_h)],
                false,
                g.width,
                false,
            );
        }
    }
    for l in &spec.lines {
        stroke(
            ops,
            vec![pt(h, l.from[0], l.from[1]), pt(h, l.to[0], l.to[1])],
            false,
            l.width,
            l.dash,
        );
    }
    for c in &spec.checkboxes {
        stroke(
            ops,
            rect_points(h, [c.at[0], c.at[1], c.size, c.size]),
            true,
            0.6,
            false,
        );
        if !c.label.is_empty() {
            let em = c.label_size * MM_PER_PT;
            let layout = fit::label(
                fonts,
                FontKey::Gothic,
                &c.label,
                [c.at[0] + c.size + 1.0, c.at[1] + (c.size - em) / 2.0],
                c.label_size,
                fit::Align::Left,
                0.0,
            );
            w.text(ops, h, &layout)?;
        }
    }
    for l in &spec.labels {
        let layout = fit::label(fonts, l.font.key(), &l.text, l.at, l.size, l.align, l.width);
        w.text(ops, h, &layout)?;
    }
    Ok(())
}

/// The QR code as a grayscale image with the four-module quiet zone. An image is a couple of
/// KB where ~1,500 vector rectangles cost ~17 KB per page. Each module is 4 × 4 pixels: with one
/// pixel per module, renderers that smooth upscaled images (poppler does) blur the edges enough
/// that a scan at 200 dpi fails; at four pixels it reads at 150 dpi.
fn qr_image(payload: &str, form: &str, side_mm: f32) -> Result<RawImage, RenderError> {
    const SCALE: usize = 4;
    const Q: usize = qr::QUIET;
    let (n, dark) =
        qr::modules(payload, side_mm).ok_or_else(|| RenderError::QrTooLong(form.to_owned()))?;
    let side = (n + 2 * Q) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for y in 0..side {
        for x in 0..side {
            let (row, col) = (y / SCALE, x / SCALE);
            if (Q..n + Q).contains(&row)
                && (Q..n + Q).contains(&col)
                && dark[(row - Q) * n + col - Q]
            {
                pixels[y * side + x] = 0;
            }
        }
    }
    Ok(RawImage {
        pixels: RawImageData::U8(pixels),
        width: side,
        height: side,
        data_format: RawImageFormat::R8,
        tag: Vec::new(),
    })
}

/// The size of the line under the QR code saying what it holds, pt.
pub const QR_CAPTION_PT: f32 = 5.5;

/// Place an image of `px` × `px` pixels in the square `at`, `size` mm.
fn place_image(
    ops: &mut Vec<Op>,
    id: printpdf::XObjectId,
    page_h: f32,
    b: [f32; 4],
    pixels: (usize, usize),
) {
    // At 300 dpi one pixel is 72/300 pt; scale to the box.
    let native_w = pixels.0 as f32 * 72.0 / 300.0;
    let native_h = pixels.1 as f32 * 72.0 / 300.0;
    ops.push(Op::UseXobject {
        id,
        transform: XObjectTransform {
            translate_x: Some(Mm(b[0]).into_pt()),
            translate_y: Some(Mm(page_h - b[1] - b[3]).into_pt()),
            scale_x: Some(Mm(b[2]).into_pt().0 / native_w),
            scale_y: Some(Mm(b[3]).into_pt().0 / native_h),
            dpi: Some(300.0),
            ..Default::default()
        },
    });
}

/// Render forms into one PDF: each `(template, filled, copies)` in order, `copies` times.
pub fn render(
    forms: &[(&Template, &FilledForm, u32)],
    title: &str,
) -> Result<Vec<u8>, RenderError> {
    render_for(forms, title, Output::Screen)
}

/// Who a PDF is for. The screen (and a PDF written to disk for a person to look at) gets every
/// form as designed. The printer gets what the paper in its tray lacks — the values alone on a
/// form whose drawing is the office's pre-printed paper (`[page] drawing = "preview-only"`) —
/// moved and scaled by the printer's own correction ([`Placement`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Output {
    /// Everything, in place.
    Screen,
    /// What the paper lacks, corrected for this printer.
    Printer(Placement),
}

/// `[printer] offset_mm` and `scale`: printers put the page a few mm off and a fraction of a
/// percent large or small, which on the office's pre-printed paper puts a value beside its box.
/// Measured by the admin with `kakanai print --alignment-page`; applied to every printed page.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Placement {
    /// Move everything right (x) and down (y) by this many mm; negative: left, up.
    pub offset_mm: [f32; 2],
    /// Scale about the page's top-left corner (1.0: as designed).
    pub scale: f32,
}

impl Default for Placement {
    fn default() -> Self {
        Placement {
            offset_mm: [0.0, 0.0],
            scale: 1.0,
        }
    }
}

/// The largest offset a placement may have, mm (more is a wrong tray or paper size, not a
/// printer's shift).
pub const MAX_OFFSET_MM: f32 = 15.0;
/// The scales a placement may have.
pub const SCALES: std::ops::RangeInclusive<f32> = 0.9..=1.1;

impl Placement {
    /// Whether it changes nothing.
    pub fn is_identity(&self) -> bool {
        self.offset_mm == [0.0, 0.0] && self.scale == 1.0
    }

    /// Why it cannot be used, if it cannot.
    pub fn problem(&self) -> Option<String> {
        if !self
            .offset_mm
            .iter()
            .all(|v| v.is_finite() && v.abs() <= MAX_OFFSET_MM)
        {
            return Some(format!(
                "offset_mm must be two numbers within ±{MAX_OFFSET_MM} mm"
            ));
        }
        if !(self.scale.is_finite() && SCALES.contains(&self.scale)) {
            return Some(format!(
                "scale must be between {} and {}",
                SCALES.start(),
                SCALES.end()
            ));
        }
        None
    }

    /// The PDF matrix (pt, origin bottom-left) of "scale about the top-left corner, then
    /// move", for a page `page_h` mm high.
    fn matrix(&self, page_h: f32) -> [f32; 6] {
        let s = self.scale;
        let h = Mm(page_h).into_pt().0;
        let dx = Mm(self.offset_mm[0]).into_pt().0;
        let dy = Mm(self.offset_mm[1]).into_pt().0;
        [s, 0.0, 0.0, s, dx, h * (1.0 - s) - dy]
    }
}

/// Whether a PDF for `forms` differs between the screen and `placement`'s printer: the kiosk
/// renders a second PDF for the printer only then.
pub fn printer_differs(forms: &[&Template], placement: &Placement) -> bool {
    !placement.is_identity()
        || forms
            .iter()
            .any(|t| t.spec.page.drawing == Drawing::PreviewOnly)
}

/// Render forms into one PDF for `output`.
pub fn render_for(
    forms: &[(&Template, &FilledForm, u32)],
    title: &str,
    output: Output,
) -> Result<Vec<u8>, RenderError> {
    let mut doc = PdfDocument::new(title);
    let mut pages = Vec::new();
    let mut images: HashMap<String, (printpdf::XObjectId, (u32, u32))> = HashMap::new();
    {
        let mut w = Writer {
            doc: &mut doc,
            fonts: HashMap::new(),
        };
        for (template, filled, copies) in forms {
            let (pw, ph) = template.page_size();
            let mut ops = Vec::new();
            let placement = match output {
                Output::Printer(p) => Some(p),
                Output::Screen => None,
            };
            if let Some(p) = placement.filter(|p| !p.is_identity()) {
                ops.push(Op::SaveGraphicsState);
                ops.push(Op::SetTransformationMatrix {
                    matrix: printpdf::CurTransMat::Raw(p.matrix(ph)),
                });
            }
            // On the office's own paper the drawing is already there: the printer gets values.
            let drawing = placement.is_none() || template.spec.page.drawing != Drawing::PreviewOnly;
            let background = (&template.background, &template.spec.background);
            if let (true, (Some(bg), Some(spec))) = (drawing, background) {
                let key = template.spec.id.clone();
                if !images.contains_key(&key) {
                    let raw = RawImage::decode_from_bytes(&bg.bytes, &mut Vec::new()).map_err(
                        |reason| RenderError::Background {
                            form: key.clone(),
                            reason,
                        },
                    )?;
                    images.insert(key.clone(), (w.doc.add_image(&raw), bg.pixels));
                }
                let (id, (px_w, px_h)) = images[&key].clone();
                let b = spec.r#box.unwrap_or([0.0, 0.0, pw, ph]);
                place_image(&mut ops, id, ph, b, (px_w as usize, px_h as usize));
            }
            if drawing {
                static_ops(&mut w, template, &mut ops)?;
            }
            for (_, layout) in &filled.texts {
                w.text(&mut ops, ph, layout)?;
            }
            for m in &filled.marks {
                mark(&mut ops, ph, m);
            }
            if let (Some(q), Some(payload)) = (&template.spec.qr, &filled.qr_payload) {
                let image = qr_image(payload, &filled.form_id, q.size)?;
                let side = image.width;
                let id = w.doc.add_image(&image);
                place_image(
                    &mut ops,
                    id,
                    ph,
                    [q.at[0], q.at[1], q.size, q.size],
                    (side, side),
                );
                let caption = fit::label(
                    Fonts::bundled(),
                    FontKey::Gothic,
                    qr::CAPTION,
                    [q.at[0], q.at[1] + q.size + 0.5],
                    QR_CAPTION_PT,
                    fit::Align::Center,
                    q.size,
                );
                w.text(&mut ops, ph, &caption)?;
            }
            if placement.is_some_and(|p| !p.is_identity()) {
                ops.push(Op::RestoreGraphicsState);
            }
            for _ in 0..(*copies).max(1) {
                pages.push(PdfPage::new(Mm(pw), Mm(ph), ops.clone()));
            }
            // The ops carry the filled values; drop them as soon as the pages are built.
            drop(ops);
        }
    }
    let bytes = doc.with_pages(pages).save(&save_options(), &mut Vec::new());
    Ok(bytes)
}

/// A plain drawing surface on the same fonts and PDF writer as the forms, for other printed
/// documents (the KPI report, the printer test page). Coordinates in mm from the top-left.
pub struct Canvas {
    doc: PdfDocument,
    fonts: HashMap<FontKey, FontId>,
    pages: Vec<PdfPage>,
    ops: Vec<Op>,
    size: (f32, f32),
}

impl Canvas {
    /// A new document whose pages are `size` mm.
    pub fn new(title: &str, size: (f32, f32)) -> Self {
        Canvas {
            doc: PdfDocument::new(title),
            fonts: HashMap::new(),
            pages: Vec::new(),
            ops: Vec::new(),
            size,
        }
    }

    /// Text at its natural size, top-left at `at`; `align` within `width`.
    pub fn text(
        &mut self,
        at: [f32; 2],
        text: &str,
        size: f32,
        font: FontKey,
        align: fit::Align,
        width: f32,
    ) -> Result<(), RenderError> {
        let layout = fit::label(Fonts::bundled(), font, text, at, size, align, width);
        let mut w = Writer {
            doc: &mut self.doc,
            fonts: std::mem::take(&mut self.fonts),
        };
        let result = w.text(&mut self.ops, self.size.1, &layout);
        self.fonts = w.fonts;
        result
    }

    /// A straight line, `width` pt.
    pub fn line(&mut self, from: [f32; 2], to: [f32; 2], width: f32) {
        let h = self.size.1;
        stroke(
            &mut self.ops,
            vec![pt(h, from[0], from[1]), pt(h, to[0], to[1])],
            false,
            width,
            false,
        );
    }

    /// A rectangle: filled with `fill` gray (0 black … 1 white) when given, outlined when
    /// `outline` > 0 pt.
    pub fn rect(&mut self, b: [f32; 4], fill: Option<f32>, outline: f32) {
        let h = self.size.1;
        if let Some(g) = fill {
            fill_rects(&mut self.ops, h, &[b], g);
        }
        if outline > 0.0 {
            stroke(&mut self.ops, rect_points(h, b), true, outline, false);
        }
    }

    /// Everything drawn so far on this page, moved and scaled as `placement` says (the
    /// alignment page is printed through the same correction as the forms).
    pub fn place(&mut self, placement: Placement) {
        if placement.is_identity() {
            return;
        }
        let mut ops = vec![
            Op::SaveGraphicsState,
            Op::SetTransformationMatrix {
                matrix: printpdf::CurTransMat::Raw(placement.matrix(self.size.1)),
            },
        ];
        ops.append(&mut self.ops);
        ops.push(Op::RestoreGraphicsState);
        self.ops = ops;
    }

    /// Finish the current page and start another.
    pub fn new_page(&mut self) {
        let ops = std::mem::take(&mut self.ops);
        self.pages
            .push(PdfPage::new(Mm(self.size.0), Mm(self.size.1), ops));
    }

    /// The PDF.
    pub fn finish(mut self) -> Vec<u8> {
        if !self.ops.is_empty() || self.pages.is_empty() {
            self.new_page();
        }
        self.doc
            .with_pages(self.pages)
            .save(&save_options(), &mut Vec::new())
    }
}

/// How PDFs are written. printpdf's default shrinks every image to about 2 MB of raw pixels:
/// a 300 dpi A4 scan came out at ~147 ppi and its fine lines aliased on paper. The scan is kept
/// at the resolution it was made at (its size is capped when the template is checked).
fn save_options() -> PdfSaveOptions {
    PdfSaveOptions {
        image_optimization: Some(printpdf::ImageOptimizationOptions {
            max_image_size: None,
            ..Default::default()
        }),
        ..PdfSaveOptions::default()
    }
}
