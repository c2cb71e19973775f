//! Text with ふりがな: each reading drawn in small type centred above its kanji. iced has no
//! ruby, so this is a widget of ours.
//!
//! The text comes marked `{漢字|かんじ}` from the catalog ([`crate::i18n::t_marked`]) or a
//! template ([`crate::forms::template::Localized::marked`]). It is laid out in lines broken
//! only between phrases (at a space or a full-width space, which the やさしい日本語 catalog puts
//! between them), never inside a word and so never between a kanji and its okurigana; it wraps
//! to the width it is given. Widths come from iced's own paragraph measure with the real font.
//!
//! When ふりがな is off the very same layout is drawn without the readings: the line above each
//! marked line stays reserved, so tapping 「ふりがな」 never moves a button under a finger.
//! Text without any reading (English, a name) gets no reading line at all.
//!
//! For the UI simulation tests the widget reports its text as one plain string (what `text`
//! would), and, while ふりがな shows, each reading it draws.

use iced::{Color, Element, Font, Length, Pixels, Point, Rectangle, Size, alignment};
use iced_core::layout::{self, Layout};
use iced_core::text::{self as core_text, Paragraph as _, Renderer as _};
use iced_core::widget::{Operation, Tree, tree};
use iced_core::{Widget, mouse, renderer};

use crate::i18n;

/// Text to show, marked or not, and whether its ふりがな is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The text, with `{漢字|かんじ}` markup where it has readings.
    pub marked: String,
    /// Draw the readings (the layout is the same either way).
    pub furigana: bool,
}

impl Label {
    /// Marked text, its readings drawn when `furigana`.
    pub fn new(marked: impl Into<String>, furigana: bool) -> Self {
        Label {
            marked: marked.into(),
            furigana,
        }
    }

    /// The text without its readings (what a test taps, what the clerk bar shows).
    pub fn plain(&self) -> String {
        i18n::plain(&self.marked)
    }

    /// `prefix` before the text (a ✓), keeping its marks.
    pub fn prefixed(mut self, prefix: &str) -> Self {
        self.marked.insert_str(0, prefix);
        self
    }
}

/// Text with no readings drawn: a plain string is still a label.
impl From<String> for Label {
    fn from(s: String) -> Self {
        Label::new(s, false)
    }
}

impl From<&str> for Label {
    fn from(s: &str) -> Self {
        Label::new(s, false)
    }
}

/// One piece of a phrase: what is on the line, and the reading above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// On the line.
    pub base: String,
    /// Above it.
    pub reading: Option<String>,
}

/// A phrase: cells that stay together on one line, and the separator before it (`None` for the
/// first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    /// The space or full-width space that parted it from the phrase before.
    pub sep: Option<char>,
    /// Its pieces.
    pub cells: Vec<Cell>,
}

fn is_sep(c: char) -> bool {
    c == ' ' || c == '\u{3000}' || c == '\n'
}

/// Marked text split into phrases at spaces and full-width spaces (a ruby base never holds
/// one, so no phrase starts inside a word).
pub fn phrases(marked: &str) -> Vec<Phrase> {
    let mut out = vec![Phrase {
        sep: None,
        cells: Vec::new(),
    }];
    for piece in i18n::ruby_pieces(marked) {
        if let Some(reading) = piece.reading {
            out.last_mut()
                .unwrap_or_else(|| unreachable!())
                .cells
                .push(Cell {
                    base: piece.base.to_owned(),
                    reading: Some(reading.to_owned()),
                });
            continue;
        }
        let mut run = String::new();
        for c in piece.base.chars() {
            if is_sep(c) {
                if !run.is_empty() {
                    out.last_mut()
                        .unwrap_or_else(|| unreachable!())
                        .cells
                        .push(Cell {
                            base: std::mem::take(&mut run),
                            reading: None,
                        });
                }
                out.push(Phrase {
                    sep: Some(c),
                    cells: Vec::new(),
                });
            } else {
                run.push(c);
            }
        }
        if !run.is_empty() {
            out.last_mut()
                .unwrap_or_else(|| unreachable!())
                .cells
                .push(Cell {
                    base: run,
                    reading: None,
                });
        }
    }
    out.retain(|p| !p.cells.is_empty());
    out
}

/// Which phrases go on which line, for lines no wider than `width`: `width_of(i)` is phrase
/// `i`'s width, `gap(i)` the width of its separator. A line breaks only between phrases (and
/// always at a `\n`); a phrase wider than `width` by itself keeps a line of its own.
pub fn break_lines(
    phrases: &[Phrase],
    width: f32,
    width_of: impl Fn(usize) -> f32,
    gap: impl Fn(usize) -> f32,
) -> Vec<Vec<usize>> {
    let mut lines: Vec<Vec<usize>> = Vec::new();
    let mut line: Vec<usize> = Vec::new();
    let mut used = 0.0;
    for (i, p) in phrases.iter().enumerate() {
        let w = width_of(i);
        let forced = p.sep == Some('\n');
        if line.is_empty() {
            used = w;
            line.push(i);
        } else if !forced && used + gap(i) + w <= width + 0.5 {
            used += gap(i) + w;
            line.push(i);
        } else {
            lines.push(std::mem::take(&mut line));
            used = w;
            line.push(i);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The size of the readings for text of `size`: half, and never below 14 px (at least 40 %
/// of any size the kiosk uses, legible from a step back).
pub fn reading_size(size: f32) -> f32 {
    (size * 0.5).max(14.0)
}

/// Marked text drawn with its ふりがな.
pub struct Ruby {
    phrases: Vec<Phrase>,
    furigana: bool,
    has_readings: bool,
    size: f32,
    font: Option<Font>,
    color: Option<Color>,
    width: Length,
    centred: bool,
}

/// Text with ふりがな ([`Ruby`]), at body size.
pub fn ruby(label: impl Into<Label>) -> Ruby {
    let label = label.into();
    let phrases = phrases(&label.marked);
    let has_readings = phrases
        .iter()
        .any(|p| p.cells.iter().any(|c| c.reading.is_some()));
    Ruby {
        phrases,
        furigana: label.furigana,
        has_readings,
        size: super::style::TEXT,
        // The face of the language being drawn (`widgets::drawn_in`), taken now: layout
        // happens after the view, outside it.
        font: Some(super::widgets::regular()),
        color: None,
        width: Length::Shrink,
        centred: false,
    }
}

impl Ruby {
    /// The size of the base text, px.
    pub fn size(mut self, size: impl Into<Pixels>) -> Self {
        self.size = size.into().0;
        self
    }

    /// The font (the UI font when not given).
    pub fn font(mut self, font: Font) -> Self {
        self.font = Some(font);
        self
    }

    /// The colour of text and readings (the theme's text colour when not given).
    pub fn color(mut self, color: Color) -> Self {
        self.color = Some(color);
        self
    }

    /// The width it takes (it wraps to it).
    pub fn width(mut self, width: impl Into<Length>) -> Self {
        self.width = width.into();
        self
    }

    /// Each line centred in the widget's width.
    pub fn centred(mut self) -> Self {
        self.centred = true;
        self
    }

    /// The text without its readings.
    fn plain(&self) -> String {
        let mut s = String::new();
        for p in &self.phrases {
            if let Some(c) = p.sep {
                s.push(c);
            }
            for c in &p.cells {
                s.push_str(&c.base);
            }
        }
        s
    }

    /// The height of the reading line above each line (none for text without readings) and
    /// of the line itself: iced's 1.3 em without readings, as `text` draws it; with them the
    /// reading line keeps the lines apart, so the base line is tighter (1.15 em) and a
    /// screen of marked text is not much taller than the same text plain.
    fn line_heights(&self) -> (f32, f32) {
        if self.has_readings {
            (reading_size(self.size) * 1.1, self.size * 1.15)
        } else {
            (0.0, self.size * 1.3)
        }
    }
}

/// One cell placed on its line.
#[derive(Debug, Clone, Default)]
struct Placed {
    x: f32,
    width: f32,
    base_width: f32,
    reading_width: f32,
}

/// One laid-out line: its width, and its cells as (phrase, cell, placement).
type Line = (f32, Vec<(usize, usize, Placed)>);

/// The layout made by the last `layout`, for `draw` and `operate`.
#[derive(Debug, Default)]
struct State {
    lines: Vec<Line>,
}

/// The width of `s` in `font` at `size` px, from iced's own text layout (cosmic-text with the
/// loaded fonts), so a line is as wide as it will be drawn.
fn measure(s: &str, size: f32, font: Font) -> f32 {
    type P = <iced::Renderer as core_text::Renderer>::Paragraph;
    P::with_text(core_text::Text {
        content: s,
        bounds: Size::INFINITE,
        size: Pixels(size),
        line_height: core_text::LineHeight::default(),
        font,
        align_x: core_text::Alignment::Left,
        align_y: alignment::Vertical::Top,
        shaping: core_text::Shaping::default(),
        wrapping: core_text::Wrapping::None,
    })
    .min_bounds()
    .width
}

impl<M, Theme> Widget<M, Theme, iced::Renderer> for Ruby {
    fn tag(&self) -> tree::Tag {
        tree::Tag::of::<State>()
    }

    fn state(&self) -> tree::State {
        tree::State::new(State::default())
    }

    fn size(&self) -> Size<Length> {
        Size::new(self.width, Length::Shrink)
    }

    fn layout(
        &mut self,
        tree: &mut Tree,
        renderer: &iced::Renderer,
        limits: &layout::Limits,
    ) -> layout::Node {
        let font = self.font.unwrap_or_else(|| renderer.default_font());
        let rsize = reading_size(self.size);
        // Every cell measured once: its base, its reading, and the wider of the two.
        let cells: Vec<Vec<Placed>> = self
            .phrases
            .iter()
            .map(|p| {
                p.cells
                    .iter()
                    .map(|c| {
                        let base_width = measure(&c.base, self.size, font);
                        let reading_width = c
                            .reading
                            .as_deref()
                            .map_or(0.0, |r| measure(r, rsize, font));
                        Placed {
                            x: 0.0,
                            width: base_width.max(reading_width),
                            base_width,
                            reading_width,
                        }
                    })
                    .collect()
            })
            .collect();
        let phrase_width = |i: usize| cells[i].iter().map(|c| c.width).sum::<f32>();
        let gap = |i: usize| match self.phrases[i].sep {
            Some(' ') => self.size * 0.5,
            Some('\u{3000}') => self.size,
            _ => 0.0,
        };
        let max = limits.max().width;
        let lines = break_lines(&self.phrases, max, phrase_width, gap);
        let mut state = State::default();
        for line in lines {
            let mut x = 0.0;
            let mut placed = Vec::new();
            for (n, &i) in line.iter().enumerate() {
                if n > 0 {
                    x += gap(i);
                }
                for (j, c) in cells[i].iter().enumerate() {
                    placed.push((i, j, Placed { x, ..c.clone() }));
                    x += c.width;
                }
            }
            state.lines.push((x, placed));
        }
        let (top, base) = self.line_heights();
        let widest = state.lines.iter().map(|l| l.0).fold(0.0, f32::max);
        let height = state.lines.len().max(1) as f32 * (top + base);
        let size = limits.resolve(self.width, Length::Shrink, Size::new(widest, height));
        *tree.state.downcast_mut::<State>() = state;
        layout::Node::new(size)
    }

    fn draw(
        &self,
        tree: &Tree,
        renderer: &mut iced::Renderer,
        _theme: &Theme,
        style: &renderer::Style,
        layout: Layout<'_>,
        _cursor: mouse::Cursor,
        viewport: &Rectangle,
    ) {
        let state = tree.state.downcast_ref::<State>();
        let bounds = layout.bounds();
        let font = self.font.unwrap_or_else(|| renderer.default_font());
        let color = self.color.unwrap_or(style.text_color);
        let (top, base) = self.line_heights();
        let rsize = reading_size(self.size);
        let text = |content: &str, size: f32, width: f32, height: f32| core_text::Text {
            content: content.to_owned(),
            bounds: Size::new(width + 1.0, height),
            size: Pixels(size),
            line_height: core_text::LineHeight::default(),
            font,
            align_x: core_text::Alignment::Left,
            align_y: alignment::Vertical::Top,
            shaping: core_text::Shaping::default(),
            wrapping: core_text::Wrapping::None,
        };
        for (n, (line_width, cells)) in state.lines.iter().enumerate() {
            let y = bounds.y + n as f32 * (top + base);
            let x0 = if self.centred {
                bounds.x + (bounds.width - line_width).max(0.0) / 2.0
            } else {
                bounds.x
            };
            for (i, j, p) in cells {
                let cell = &self.phrases[*i].cells[*j];
                let x = x0 + p.x;
                if let (Some(reading), true) = (&cell.reading, self.furigana) {
                    renderer.fill_text(
                        text(reading, rsize, p.reading_width, top),
                        Point::new(x + (p.width - p.reading_width) / 2.0, y),
                        color,
                        *viewport,
                    );
                }
                renderer.fill_text(
                    text(&cell.base, self.size, p.base_width, base),
                    Point::new(x + (p.width - p.base_width) / 2.0, y + top),
                    color,
                    *viewport,
                );
            }
        }
    }

    fn operate(
        &mut self,
        tree: &mut Tree,
        layout: Layout<'_>,
        _renderer: &iced::Renderer,
        operation: &mut dyn Operation,
    ) {
        operation.text(None, layout.bounds(), &self.plain());
        if !self.furigana {
            return;
        }
        let state = tree.state.downcast_ref::<State>();
        let bounds = layout.bounds();
        let (top, base) = self.line_heights();
        for (n, (_, cells)) in state.lines.iter().enumerate() {
            for (i, j, p) in cells {
                if let Some(reading) = &self.phrases[*i].cells[*j].reading {
                    let at = Rectangle::new(
                        Point::new(bounds.x + p.x, bounds.y + n as f32 * (top + base)),
                        Size::new(p.width, top),
                    );
                    operation.text(None, at, reading);
                }
            }
        }
    }
}

impl<'a, M: 'a, Theme: 'a> From<Ruby> for Element<'a, M, Theme, iced::Renderer> {
    fn from(r: Ruby) -> Self {
        Element::new(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character one em wide, as BIZ UD Gothic draws kana and kanji.
    fn lines_of(marked: &str, width_chars: f32) -> Vec<String> {
        let ps = phrases(marked);
        let w = |i: usize| -> f32 {
            ps[i]
                .cells
                .iter()
                .map(|c| {
                    let b = c.base.chars().count() as f32;
                    let r = c
                        .reading
                        .as_ref()
                        .map_or(0.0, |r| r.chars().count() as f32 * 0.5);
                    b.max(r)
                })
                .sum()
        };
        break_lines(&ps, width_chars, w, |_| 1.0)
            .into_iter()
            .map(|line| {
                line.iter()
                    .map(|&i| {
                        ps[i]
                            .cells
                            .iter()
                            .map(|c| c.base.as_str())
                            .collect::<String>()
                    })
                    .collect::<Vec<_>>()
                    .join("　")
            })
            .collect()
    }

    #[test]
    fn phrases_keep_a_word_and_its_okurigana_together() {
        let ps = phrases("{書類|しょるい}を　{書|か}かない　{窓口|まどぐち}");
        assert_eq!(ps.len(), 3);
        assert_eq!(
            ps[1].cells,
            [
                Cell {
                    base: "書".into(),
                    reading: Some("か".into())
                },
                Cell {
                    base: "かない".into(),
                    reading: None
                }
            ]
        );
        assert_eq!(ps[1].sep, Some('\u{3000}'));
    }

    #[test]
    fn lines_break_between_phrases_only() {
        let s = "{印刷|いんさつ}される　{書類|しょるい}です。「{大|おお}きく　する」で　{字|じ}が　{大|おお}きく　なります";
        // 9 characters a line: never 「印刷さ」 | 「れる」, never 「大」 | 「きく」.
        for width in [5.0, 7.0, 9.0, 12.0, 40.0] {
            let lines = lines_of(s, width);
            let joined: String = lines.concat();
            assert_eq!(
                joined.replace('　', ""),
                i18n::plain(s).replace('　', ""),
                "nothing lost at {width}"
            );
            for line in &lines {
                for word in line.split('　') {
                    assert!(
                        i18n::plain(s).split('　').any(|w| w == word),
                        "“{word}” at width {width} is not a whole phrase: {lines:?}"
                    );
                }
            }
        }
        assert_eq!(
            lines_of(s, 9.0),
            [
                "印刷される",
                "書類です。「大きく",
                "する」で　字が",
                "大きく　なります"
            ]
        );
        // A phrase wider than the line keeps a line of its own, whole.
        assert_eq!(
            lines_of("{住民票|じゅうみんひょう}の{写|うつ}し　を", 3.0),
            ["住民票の写し", "を"]
        );
    }

    #[test]
    fn a_reading_wider_than_its_kanji_widens_the_cell_not_the_neighbours() {
        // 「鑑」 is one em; 「かん」 at half size is one em too; 「しょうめいしょ」 is 3.5 em
        // over 3 em of 証明書.
        let ps = phrases("{証明書|しょうめいしょ}");
        let w = |i: usize| -> f32 {
            ps[i]
                .cells
                .iter()
                .map(|c| {
                    (c.base.chars().count() as f32).max(
                        c.reading
                            .as_ref()
                            .map_or(0.0, |r| r.chars().count() as f32 * 0.5),
                    )
                })
                .sum()
        };
        assert_eq!(w(0), 3.5);
        assert!(reading_size(34.0) / 34.0 >= 0.4);
        assert!(reading_size(26.0) / 26.0 >= 0.4);
        assert!(reading_size(52.0) / 52.0 >= 0.4);
    }
}
