//! Fitting a value into its box: the configured size when it fits on one line, else smaller
//! down to the minimum, else wrapped onto several lines (again shrinking to the minimum if
//! needed). Text is never cut: a value that fits nowhere is `None`, which the caller turns
//! into an error naming the form and the field.

use super::fonts::{FontKey, Fonts};

closed_set! {
    /// Where a line sits in its box: `align = "…"` of a label or a field.
    #[derive(Default)]
    pub enum Align("alignment") {
        /// Against the left edge (the default).
        #[default]
        Left = "left",
        /// Centred.
        Center = "center",
        /// Against the right edge.
        Right = "right",
    }
}

/// Millimetres per point.
pub const MM_PER_PT: f32 = 25.4 / 72.0;
/// Inner margin left and right of a box, mm.
const PAD: f32 = 1.0;
/// Line height when wrapping, in em.
const LEADING: f32 = 1.2;
/// Characters that must not start a line (行頭禁則).
const NO_LINE_START: &str = "、。，．）」』】〕！？ー・";

/// A piece of a line in one font.
#[derive(Clone, PartialEq)]
pub struct Run {
    /// Which font draws it.
    pub font: FontKey,
    /// The text.
    pub text: String,
}

/// One line, positioned.
#[derive(Clone, PartialEq)]
pub struct Line {
    /// Left edge, mm from the page's left.
    pub x: f32,
    /// Baseline, mm from the page's top.
    pub baseline: f32,
    /// The runs, left to right.
    pub runs: Vec<Run>,
}

/// A value laid out in its box.
#[derive(Clone, PartialEq)]
pub struct Layout {
    /// Size in pt.
    pub size: f32,
    /// The lines.
    pub lines: Vec<Line>,
    /// Characters no font has (printed as 〓).
    pub missing_glyphs: usize,
    /// Characters drawn from the fallback font.
    pub fallback_glyphs: usize,
}

impl Drop for Layout {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for line in &mut self.lines {
            for run in &mut line.runs {
                run.text.zeroize();
            }
        }
    }
}

impl std::fmt::Debug for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Layout({} line(s) at {} pt, <text redacted>)",
            self.lines.len(),
            self.size
        )
    }
}

/// Each character with the font that draws it and its advance in em.
fn shape(fonts: &Fonts, primary: FontKey, text: &str) -> (Vec<(char, FontKey, f32)>, usize, usize) {
    let mut missing = 0;
    let mut fallback = 0;
    let glyphs = text
        .chars()
        .map(|c| match fonts.font_for(primary, c) {
            Some(font) => {
                if font.is_fallback() {
                    fallback += 1;
                }
                let advance = fonts
                    .get(font)
                    .and_then(|f| f.advance(c))
                    .unwrap_or(if c == ' ' { 0.25 } else { 1.0 });
                (c, font, advance)
            }
            None => {
                missing += 1;
                let geta = fonts
                    .get(primary)
                    .and_then(|f| f.advance('〓'))
                    .unwrap_or(1.0);
                ('〓', primary, geta)
            }
        })
        .collect();
    (glyphs, missing, fallback)
}

fn width_mm(glyphs: &[(char, FontKey, f32)], size: f32) -> f32 {
    glyphs.iter().map(|g| g.2).sum::<f32>() * size * MM_PER_PT
}

/// Break into lines no wider than `max` mm at `size`, keeping 行頭禁則.
fn wrap(glyphs: &[(char, FontKey, f32)], size: f32, max: f32) -> Vec<Vec<(char, FontKey, f32)>> {
    let mut lines: Vec<Vec<(char, FontKey, f32)>> = vec![Vec::new()];
    for &g in glyphs {
        let line = lines.last_mut().unwrap_or_else(|| unreachable!());
        if !line.is_empty() && width_mm(line, size) + g.2 * size * MM_PER_PT > max {
            // Carry the last character over too when this one may not start a line.
            let carry = if NO_LINE_START.contains(g.0) && line.len() > 1 {
                line.pop()
            } else {
                None
            };
            lines.push(carry.into_iter().collect());
        }
        lines.last_mut().unwrap_or_else(|| unreachable!()).push(g);
    }
    lines
}

/// Lay `text` out in `bx` (`[x, y, w, h]` mm) at `size` pt, shrinking to `min` and wrapping as
/// needed; `None` when it cannot fit.
pub fn fit(
    fonts: &Fonts,
    primary: FontKey,
    text: &str,
    bx: [f32; 4],
    size: f32,
    min: f32,
    align: Align,
) -> Option<Layout> {
    let (glyphs, missing, fallback) = shape(fonts, primary, text);
    let inner = (bx[2] - 2.0 * PAD).max(1.0);
    let steps = ((size - min) / 0.5).floor() as i32;
    let sizes: Vec<f32> = (0..=steps.max(0))
        .map(|i| size - 0.5 * i as f32)
        .chain(std::iter::once(min))
        .collect();
    let fits_height =
        |s: f32, n: usize| s * MM_PER_PT * (1.0 + LEADING * (n as f32 - 1.0)) <= bx[3] + 0.01;
    let chosen = sizes
        .iter()
        .find(|&&s| width_mm(&glyphs, s) <= inner && fits_height(s, 1))
        .map(|&s| (s, vec![glyphs.clone()]))
        .or_else(|| {
            sizes.iter().find_map(|&s| {
                let lines = wrap(&glyphs, s, inner);
                (fits_height(s, lines.len())
                    && lines.iter().all(|l| width_mm(l, s) <= inner + 0.01))
                .then_some((s, lines))
            })
        })?;
    let (s, lines) = chosen;
    Some(place(
        fonts, primary, lines, bx, s, align, missing, fallback,
    ))
}

#[allow(clippy::too_many_arguments)]
fn place(
    fonts: &Fonts,
    primary: FontKey,
    lines: Vec<Vec<(char, FontKey, f32)>>,
    bx: [f32; 4],
    size: f32,
    align: Align,
    missing: usize,
    fallback: usize,
) -> Layout {
    let em = size * MM_PER_PT;
    let (asc, desc) = fonts
        .get(primary)
        .map_or((0.88, -0.12), |f| (f.ascender, f.descender));
    let ascent = em * asc / (asc - desc);
    let block = em * (1.0 + LEADING * (lines.len() as f32 - 1.0));
    let top = bx[1] + (bx[3] - block) / 2.0;
    let laid = lines
        .into_iter()
        .enumerate()
        .map(|(i, glyphs)| {
            let w = width_mm(&glyphs, size);
            let x = match align {
                Align::Center => bx[0] + (bx[2] - w) / 2.0,
                Align::Right => bx[0] + bx[2] - PAD - w,
                Align::Left => bx[0] + PAD,
            };
            let mut runs: Vec<Run> = Vec::new();
            for (c, font, _) in glyphs {
                match runs.last_mut() {
                    Some(r) if r.font == font => r.text.push(c),
                    _ => runs.push(Run {
                        font,
                        text: c.to_string(),
                    }),
                }
            }
            Line {
                x,
                baseline: top + ascent + i as f32 * em * LEADING,
                runs,
            }
        })
        .collect();
    Layout {
        size,
        lines: laid,
        missing_glyphs: missing,
        fallback_glyphs: fallback,
    }
}

/// The em box `[x, y, w, h]` of each line of fixed text laid out as [`label`] lays it out:
/// where the ink can be, for the mark checks.
pub fn label_boxes(
    fonts: &Fonts,
    font: FontKey,
    text: &str,
    at: [f32; 2],
    size: f32,
    align: Align,
    width: f32,
) -> Vec<[f32; 4]> {
    let em = size * MM_PER_PT;
    text.split('\n')
        .enumerate()
        .map(|(i, part)| {
            let (glyphs, _, _) = shape(fonts, font, part);
            let w = width_mm(&glyphs, size);
            let inner = width.max(w);
            let x = match align {
                Align::Center => at[0] + (inner - w) / 2.0,
                Align::Right => at[0] + inner - w,
                Align::Left => at[0],
            };
            [x, at[1] + i as f32 * em * LEADING, w, em]
        })
        .collect()
}

/// Lay out fixed text (a label) at its natural size: `\n` breaks lines, nothing shrinks.
pub fn label(
    fonts: &Fonts,
    font: FontKey,
    text: &str,
    at: [f32; 2],
    size: f32,
    align: Align,
    width: f32,
) -> Layout {
    let em = size * MM_PER_PT;
    let mut all = Vec::new();
    let (mut missing, mut fallback) = (0, 0);
    for (i, part) in text.split('\n').enumerate() {
        let (glyphs, m, f) = shape(fonts, font, part);
        missing += m;
        fallback += f;
        let bx = [
            at[0] - PAD,
            at[1] + i as f32 * em * LEADING,
            width.max(width_mm(&glyphs, size)) + 2.0 * PAD,
            em,
        ];
        let mut layout = place(fonts, font, vec![glyphs], bx, size, align, 0, 0);
        all.append(&mut layout.lines);
    }
    Layout {
        size,
        lines: all,
        missing_glyphs: missing,
        fallback_glyphs: fallback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::template::LONGEST_TEST_ADDRESS;

    fn text_of(l: &Layout) -> String {
        l.lines
            .iter()
            .flat_map(|l| l.runs.iter().map(|r| r.text.clone()))
            .collect()
    }

    #[test]
    fn a_short_value_keeps_its_size_on_one_line() {
        let l = fit(
            Fonts::bundled(),
            FontKey::Mincho,
            "山田　太郎",
            [20.0, 50.0, 80.0, 10.0],
            12.0,
            8.0,
            Align::Left,
        )
        .unwrap();
        assert_eq!((l.size, l.lines.len()), (12.0, 1));
        assert!((l.lines[0].x - 21.0).abs() < 0.01);
    }

    #[test]
    fn a_long_address_shrinks_then_wraps_and_keeps_every_character() {
        let bx = [20.0, 50.0, 120.0, 14.0];
        let l = fit(
            Fonts::bundled(),
            FontKey::Mincho,
            LONGEST_TEST_ADDRESS,
            bx,
            11.0,
            7.0,
            Align::Left,
        )
        .unwrap();
        assert!(l.lines.len() > 1 && l.size <= 11.0, "{l:?}");
        assert_eq!(text_of(&l), LONGEST_TEST_ADDRESS);
        let last = l.lines.last().unwrap();
        assert!(last.baseline <= bx[1] + bx[3]);
    }

    #[test]
    fn a_value_that_fits_nowhere_is_refused_not_cut() {
        assert!(
            fit(
                Fonts::bundled(),
                FontKey::Mincho,
                LONGEST_TEST_ADDRESS,
                [0.0, 0.0, 40.0, 6.0],
                11.0,
                8.0,
                Align::Left
            )
            .is_none()
        );
    }

    #[test]
    fn a_character_outside_the_bundled_fonts_comes_from_the_fallback() {
        let l = fit(
            Fonts::bundled(),
            FontKey::Mincho,
            "𠮷田　花子",
            [0.0, 0.0, 80.0, 10.0],
            12.0,
            8.0,
            Align::Left,
        )
        .unwrap();
        assert_eq!(l.fallback_glyphs, 1);
        assert_eq!(l.missing_glyphs, 0);
        assert!(l.lines[0].runs[0].font.is_fallback());
        assert_eq!(l.lines[0].runs[1].text, "田　花子");
    }

    #[test]
    fn no_line_starts_with_closing_punctuation() {
        let text = "あいうえおかきくけこ、さしすせそ";
        let bx = [0.0, 0.0, 2.0 + 10.0 * 10.0 * MM_PER_PT, 20.0];
        let l = fit(
            Fonts::bundled(),
            FontKey::Mincho,
            text,
            bx,
            10.0,
            10.0,
            Align::Left,
        )
        .unwrap();
        for line in &l.lines {
            let first = line.runs[0].text.chars().next().unwrap();
            assert!(!NO_LINE_START.contains(first), "{first}");
        }
    }
}
