//! Ovals around printed choices, sized from the text they circle, and the check that no mark
//! touches text or a border (the clearance counts from the line's edge, not its centre).
//!
//! A clerk reads a circled choice at a glance only when the oval clears its own word and
//! stays off the neighbours: hand-given widths crossed the first and last characters of long
//! options (本人 / 代理人, 転入, the 印鑑登録 options). So a circle option's centre only has to
//! point into its printed label: the oval is centred on that label's measured text box (its
//! em box, glyph advances from the font) with a margin, at the field's `mark_size` height,
//! and as wide as an ellipse of that height must be to enclose the box. A centre that is on
//! no label (a template over a scan of the office's own paper) keeps the width it gives.
//!
//! [`problems`] is part of `forms check`: an oval that overlaps another mark that can be
//! drawn with it, any other text (labels, checkbox labels, text fields' boxes) or any line of
//! the form (rects, grids, lines, checkboxes, the QR code) is refused.

use super::fit::{self, MM_PER_PT};
use super::fonts::{FontKey, Fonts};
use super::template::{Mark, QuestionKind, Source, TemplateSpec};

/// Room left and right of the circled text, mm.
const SIDE_MARGIN: f32 = 0.35;
/// Room above and below the text's em box, mm.
const TOP_MARGIN: f32 = 0.1;
/// The least an oval's height exceeds the text it encloses, mm (else it would be very wide).
const MIN_HEADROOM: f32 = 1.6;
/// The least clearance between an oval and anything else, mm.
pub const CLEARANCE: f32 = 0.4;

/// An axis-aligned oval: centre and half-axes, mm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Oval {
    /// Centre.
    pub c: [f32; 2],
    /// Half width.
    pub rx: f32,
    /// Half height.
    pub ry: f32,
}

impl Oval {
    fn grown(self, by: f32) -> Oval {
        Oval {
            c: self.c,
            rx: self.rx + by,
            ry: self.ry + by,
        }
    }

    /// `p` in the oval's unit-circle coordinates.
    fn norm(&self, p: [f32; 2]) -> [f32; 2] {
        [(p[0] - self.c[0]) / self.rx, (p[1] - self.c[1]) / self.ry]
    }

    /// Whether a rectangle `[x, y, w, h]` reaches into the oval (exact: scaling keeps the
    /// rectangle axis-aligned, so its nearest point to the unit circle's centre decides).
    pub fn touches_rect(&self, b: [f32; 4]) -> bool {
        let a = self.norm([b[0], b[1]]);
        let z = self.norm([b[0] + b[2], b[1] + b[3]]);
        // max/min, not clamp: clamp panics on a NaN bound, and a template is untrusted input.
        let nx = 0f32.max(a[0]).min(z[0]);
        let ny = 0f32.max(a[1]).min(z[1]);
        nx * nx + ny * ny < 1.0
    }

    /// Whether the rectangle lies wholly inside the oval.
    pub fn contains_rect(&self, b: [f32; 4]) -> bool {
        [
            [b[0], b[1]],
            [b[0] + b[2], b[1]],
            [b[0], b[1] + b[3]],
            [b[0] + b[2], b[1] + b[3]],
        ]
        .iter()
        .all(|p| {
            let n = self.norm(*p);
            n[0] * n[0] + n[1] * n[1] <= 1.0
        })
    }

    /// Whether the segment from `p` to `q` reaches into the oval.
    pub fn touches_segment(&self, p: [f32; 2], q: [f32; 2]) -> bool {
        let (a, b) = (self.norm(p), self.norm(q));
        let d = [b[0] - a[0], b[1] - a[1]];
        let len2 = d[0] * d[0] + d[1] * d[1];
        let t = if len2 > 0.0 {
            (-(a[0] * d[0] + a[1] * d[1]) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let n = [a[0] + t * d[0], a[1] + t * d[1]];
        n[0] * n[0] + n[1] * n[1] < 1.0
    }

    /// Whether two ovals overlap (their outlines sampled every 5°, both ways).
    pub fn touches_oval(&self, other: &Oval) -> bool {
        let inside = |a: &Oval, b: &Oval| {
            (0..72).any(|i| {
                let t = i as f32 * std::f32::consts::TAU / 72.0;
                let p = [a.c[0] + a.rx * t.cos(), a.c[1] + a.ry * t.sin()];
                let n = b.norm(p);
                n[0] * n[0] + n[1] * n[1] < 1.0
            })
        };
        inside(self, other) || inside(other, self)
    }
}

/// The em box `[x, y, w, h]` of every printed line of fixed text: labels and checkbox labels.
pub fn text_boxes(spec: &TemplateSpec) -> Vec<[f32; 4]> {
    let fonts = Fonts::bundled();
    let mut out = Vec::new();
    for l in &spec.labels {
        out.extend(fit::label_boxes(
            fonts,
            l.font.key(),
            &l.text,
            l.at,
            l.size,
            l.align,
            l.width,
        ));
    }
    for c in &spec.checkboxes {
        if !c.label.is_empty() {
            let em = c.label_size * MM_PER_PT;
            out.extend(fit::label_boxes(
                fonts,
                FontKey::Gothic,
                &c.label,
                [c.at[0] + c.size + 1.0, c.at[1] + (c.size - em) / 2.0],
                c.label_size,
                fit::Align::Left,
                0.0,
            ));
        }
    }
    out
}

/// Every line drawn on the form, as segments with half their thickness in mm: rect and
/// checkbox outlines, grid and plain lines, and the QR code's square.
fn segments(spec: &TemplateSpec) -> Vec<([f32; 2], [f32; 2], f32)> {
    let mut out = Vec::new();
    let mut outline = |b: [f32; 4], pt: f32| {
        let half = pt * MM_PER_PT / 2.0;
        let (x0, y0, x1, y1) = (b[0], b[1], b[0] + b[2], b[1] + b[3]);
        out.push(([x0, y0], [x1, y0], half));
        out.push(([x1, y0], [x1, y1], half));
        out.push(([x1, y1], [x0, y1], half));
        out.push(([x0, y1], [x0, y0], half));
    };
    for r in spec.rects.iter().filter(|r| r.width > 0.0) {
        outline(r.r#box, r.width);
    }
    for c in &spec.checkboxes {
        outline([c.at[0], c.at[1], c.size, c.size], 0.6);
    }
    if let Some(q) = &spec.qr {
        outline([q.at[0], q.at[1], q.size, q.size], 0.0);
    }
    for g in &spec.grids {
        let (w, h): (f32, f32) = (g.cols.iter().sum(), g.rows.iter().sum());
        let half = g.width * MM_PER_PT / 2.0;
        let mut y = g.at[1];
        for row in std::iter::once(0.0).chain(g.rows.iter().copied()) {
            y += row;
            out.push(([g.at[0], y], [g.at[0] + w, y], half));
        }
        let mut x = g.at[0];
        for col in std::iter::once(0.0).chain(g.cols.iter().copied()) {
            x += col;
            out.push(([x, g.at[1]], [x, g.at[1] + h], half));
        }
    }
    for l in &spec.lines {
        out.push((l.from, l.to, l.width * MM_PER_PT / 2.0));
    }
    out
}

/// Centre and size every circle option on the label under its centre (see the module doc).
/// Afterwards every circle option is `[x, y, width, height]`; options of the wrong length are
/// left for the check to report.
pub fn resolve(spec: &mut TemplateSpec) {
    let texts = text_boxes(spec);
    for field in &mut spec.fields {
        let f = field.get_mut();
        if f.mark != Some(Mark::Circle) {
            continue;
        }
        let mark_size = f.mark_size;
        for p in f.options.values_mut() {
            if !(p.len() == 2 || p.len() == 3) {
                continue;
            }
            let under = texts.iter().find(|b| {
                p[0] >= b[0] && p[0] <= b[0] + b[2] && p[1] >= b[1] && p[1] <= b[1] + b[3]
            });
            *p = match under {
                Some(b) => {
                    let w = b[2] + 2.0 * SIDE_MARGIN;
                    let h = b[3] + 2.0 * TOP_MARGIN;
                    let height = mark_size.max(h + MIN_HEADROOM);
                    let width = w / (1.0 - (h / height).powi(2)).sqrt();
                    vec![b[0] + b[2] / 2.0, b[1] + b[3] / 2.0, width, height]
                }
                None => {
                    let width = p.get(2).copied().unwrap_or(mark_size).max(mark_size);
                    vec![p[0], p[1], width, mark_size]
                }
            };
        }
    }
}

fn oval_of(p: &[f32]) -> Option<Oval> {
    // A zero, negative or non-finite size is reported by the template check (mark_size).
    let sane = |v: f32| v.is_finite() && v > 0.0;
    (p.len() == 4 && p.iter().all(|v| v.is_finite()) && sane(p[2]) && sane(p[3])).then(|| Oval {
        c: [p[0], p[1]],
        rx: p[2] / 2.0,
        ry: p[3] / 2.0,
    })
}

/// What is wrong with the template's circle marks: `(field index, message)` for each oval
/// that touches another mark drawn with it, text that is not its own, or a line.
pub fn problems(spec: &TemplateSpec) -> Vec<(usize, String)> {
    let texts = text_boxes(spec);
    let lines = segments(spec);
    let field_boxes: Vec<(usize, [f32; 4])> = spec
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.get_ref().mark.is_none())
        .filter_map(|(i, f)| f.get_ref().r#box.map(|b| (i, b)))
        .collect();
    // (field index, option, oval, several of this field can be drawn together)
    let mut ovals: Vec<(usize, &str, Oval, bool)> = Vec::new();
    for (i, field) in spec.fields.iter().enumerate() {
        let f = field.get_ref();
        if f.mark != Some(Mark::Circle) {
            continue;
        }
        let several = match Source::parse(&f.source) {
            Some(Source::Answer(q)) => spec
                .questions
                .iter()
                .any(|x| x.get_ref().id == q && x.get_ref().kind == QuestionKind::Choices),
            _ => false,
        };
        for (value, p) in &f.options {
            if let Some(o) = oval_of(p) {
                ovals.push((i, value, o, several));
            }
        }
    }
    let mut out = Vec::new();
    for (k, &(i, value, oval, several)) in ovals.iter().enumerate() {
        let id = &spec.fields[i].get_ref().id;
        let near = oval.grown(CLEARANCE);
        let name = format!("field `{id}` option {value:?}");
        if let Some(b) = texts
            .iter()
            .find(|b| near.touches_rect(**b) && !oval.contains_rect(**b))
        {
            out.push((i, format!("{name}: its oval touches the text at [{:.1}, {:.1}] (a neighbouring word or its own, not enclosed); move the labels apart or the centre onto its own label", b[0], b[1])));
        }
        if let Some((_, b)) = field_boxes.iter().find(|(_, b)| near.touches_rect(*b)) {
            out.push((
                i,
                format!(
                    "{name}: its oval reaches into a text field's box at [{:.1}, {:.1}]",
                    b[0], b[1]
                ),
            ));
        }
        if let Some((p, _, _)) = lines
            .iter()
            .find(|(p, q, half)| oval.grown(CLEARANCE + half).touches_segment(*p, *q))
        {
            out.push((i, format!("{name}: its oval crosses a line or box border near [{:.1}, {:.1}]; give the row more height or mark_size less", p[0], p[1])));
        }
        for &(j, other, o2, _) in &ovals[k + 1..] {
            // Alternatives of one choice are never drawn together.
            if j == i && !several {
                continue;
            }
            if near.touches_oval(&o2) {
                let other_id = &spec.fields[j].get_ref().id;
                out.push((
                    i,
                    format!(
                        "{name}: its oval overlaps the mark of field `{other_id}` option {other:?}"
                    ),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rectangles_and_segments_against_an_oval() {
        let o = Oval {
            c: [10.0, 10.0],
            rx: 5.0,
            ry: 2.0,
        };
        assert!(o.touches_rect([14.0, 9.0, 3.0, 2.0]));
        // The corner region outside the curve: inside the bounding box, outside the oval.
        assert!(!o.touches_rect([14.2, 11.5, 1.0, 1.0]));
        assert!(o.contains_rect([8.0, 9.5, 4.0, 1.0]));
        assert!(!o.contains_rect([5.2, 8.5, 9.6, 3.0]));
        assert!(o.touches_segment([0.0, 10.0], [20.0, 10.0]));
        assert!(!o.touches_segment([0.0, 12.5], [20.0, 12.5]));
        let far = Oval {
            c: [21.0, 10.0],
            rx: 5.0,
            ry: 2.0,
        };
        assert!(!o.touches_oval(&far));
        assert!(o.touches_oval(&Oval {
            c: [19.0, 10.0],
            ..far
        }));
    }
}
