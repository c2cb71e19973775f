//! The pieces every screen uses: big buttons, headings, the PIN pad, the number pad, the 50音
//! keyboard. Every touch target is at least [`style::TOUCH`] px (15 mm on the kiosk's panel).
//! Each is generic over the message type, so a screen's widgets speak that screen's `Message`.

use iced::widget::{Column, Row, button, column, container, row};
use iced::{Alignment, Element, Font, Length, font};

use super::ruby::{Label, ruby};
use super::style::{self, Kind};
use crate::i18n;
use crate::i18n::Language;
use crate::kiosk::entry::KANA_ROWS;
use crate::typefaces::{self, Typeface};

/// A key of the on-screen keyboards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// Type this.
    Char(char),
    /// ゛゜
    Dakuten,
    /// 小
    Small,
    /// Erase the last character.
    Erase,
    /// Erase everything.
    Clear,
    /// Keep what was typed.
    Done,
    /// Close without keeping.
    Cancel,
}

thread_local! {
    /// The language whose face the helpers here draw in. A view is built synchronously on the
    /// UI thread, so [`drawn_in`] sets it for exactly the resident's part of one window's view;
    /// this way every heading, button and line of a resident screen is in its language's face
    /// without each of the screens' calls passing it (iced has no inherited font).
    static DRAWING: std::cell::Cell<Language> = const { std::cell::Cell::new(Language::JA) };
}

/// Build `view` with the resident's text drawn in `language`'s face
/// ([`crate::typefaces::for_language`]); outside it (the clerk bar, the admin screen) text
/// is in the Japanese face.
pub fn drawn_in<R>(language: Language, view: impl FnOnce() -> R) -> R {
    let before = DRAWING.with(|d| d.replace(language));
    let out = view();
    DRAWING.with(|d| d.set(before));
    out
}

/// The face text is being drawn in now.
pub fn face() -> &'static Typeface {
    typefaces::for_language(DRAWING.with(std::cell::Cell::get))
}

/// The regular font of a typeface.
pub fn regular_of(face: &'static Typeface) -> Font {
    Font::with_name(face.family)
}

/// The bold font of a typeface.
pub fn bold_of(face: &'static Typeface) -> Font {
    Font {
        weight: font::Weight::Bold,
        ..Font::with_name(face.family)
    }
}

/// The current language's font.
pub fn regular() -> Font {
    regular_of(face())
}

/// The current language's font, bold.
pub fn bold() -> Font {
    bold_of(face())
}

/// The Japanese face whatever the language: what the card holds (a name in kanji must keep
/// its Japanese glyph forms on a Chinese screen) and the kana the resident types.
pub fn japanese() -> Font {
    regular_of(&typefaces::JAPANESE)
}

/// iced's `text` in the current language's face: the screens use this one.
pub fn text<'a>(s: impl iced::widget::text::IntoFragment<'a>) -> iced::widget::text::Text<'a> {
    iced::widget::text(s).font(regular())
}

/// A screen's heading, with its ふりがな when the label asks for it ([`ruby`]).
pub fn title<'a, M: 'a>(s: impl Into<Label>) -> Element<'a, M> {
    ruby(s).size(style::TITLE).font(bold()).into()
}

/// A screen's lead text, with its ふりがな when the label asks for it.
pub fn lead<'a, M: 'a>(s: impl Into<Label>) -> Element<'a, M> {
    ruby(s).size(style::TEXT).into()
}

/// A catalog entry keyed by data (a form id, a category, a purpose), or the data itself.
pub fn named(language: Language, prefix: &str, name: &str) -> String {
    let s = i18n::t(language, &format!("{prefix}.{name}"));
    if s.starts_with('⟦') {
        name.to_owned()
    } else {
        s
    }
}

/// A big button with one line of text (and its ふりがな above, when the label asks for it).
pub fn big<'a, M: Clone + 'a>(
    label: impl Into<Label>,
    kind: Kind,
    on: Option<M>,
) -> button::Button<'a, M> {
    let b = button(
        container(ruby(label).size(style::TEXT))
            .center_x(Length::Fill)
            .center_y(Length::Fill),
    )
    .height(style::TOUCH)
    .padding([8, 24])
    .style(style::button_style(kind));
    match on {
        Some(m) => b.on_press(m),
        None => b,
    }
}

/// A square key (greyed out while `on` is `None`).
fn key<'a, M: Clone + 'a>(label: String, size: f32, kind: Kind, on: Option<M>) -> Element<'a, M> {
    // Digits and kana large; a word ("けす", "Erase") smaller so it fits the key.
    let chars = label.chars().count();
    let text_size = if chars > 1 {
        (size * 0.26).min((size - 12.0) / chars as f32)
    } else {
        size * 0.42
    };
    // Kana keys (and ゛゜) in the Japanese face whatever the language: the other faces have
    // no kana.
    let font = if label
        .chars()
        .any(|c| ('\u{3000}'..='\u{30FF}').contains(&c))
    {
        japanese()
    } else {
        regular()
    };
    button(
        container(text(label).size(text_size).font(font))
            .center_x(Length::Fill)
            .center_y(Length::Fill),
    )
    .width(size)
    .height(size)
    .padding(0)
    .style(style::button_style(kind))
    .on_press_maybe(on)
    .into()
}

/// A 3×4 digit pad: 1–9, then erase, 0 and an optional last key (greyed out while its
/// message is `None`). `digit` maps a digit (and 10 for erase) to a message.
pub fn digit_pad<'a, M: Clone + 'a>(
    digit: impl Fn(u8) -> M,
    erase_label: String,
    last: Option<(String, Option<M>)>,
) -> Element<'a, M> {
    let mut rows = Column::new().spacing(14);
    for r in 0..3u8 {
        let mut line = Row::new().spacing(14);
        for c in 1..=3u8 {
            let d = r * 3 + c;
            line = line.push(key(d.to_string(), style::KEY, Kind::Plain, Some(digit(d))));
        }
        rows = rows.push(line);
    }
    let last = match last {
        Some((label, m)) => key(label, style::KEY, Kind::Primary, m),
        None => container(text(""))
            .width(style::KEY)
            .height(style::KEY)
            .into(),
    };
    rows = rows.push(
        row![
            key(erase_label, style::KEY, Kind::Plain, Some(digit(10))),
            key("0".into(), style::KEY, Kind::Plain, Some(digit(0))),
            last,
        ]
        .spacing(14),
    );
    rows.into()
}

/// Boxes showing how many digits were typed (never the digits).
pub fn masked<'a, M: 'a>(typed: usize, total: usize) -> Element<'a, M> {
    let mut r = Row::new().spacing(20);
    for i in 0..total {
        let mark = if i < typed { "●" } else { "" };
        r = r.push(
            container(text(mark).size(56).font(japanese()))
                .width(110)
                .height(120)
                .center_x(110)
                .center_y(120)
                .style(style::card),
        );
    }
    r.into()
}

/// The 50音 katakana keyboard, with ゛゜, 小, ー, space, erase and clear.
pub fn kana_keyboard<'a, M: Clone + 'a>(
    on: impl Fn(Key) -> M,
    labels: [String; 5],
) -> Element<'a, M> {
    let mut grid = Column::new().spacing(8);
    for line in KANA_ROWS {
        let mut r = Row::new().spacing(8);
        for c in line {
            r = r.push(if c == ' ' {
                Element::from(container(text("")).width(style::KANA_KEY))
            } else {
                key(
                    c.to_string(),
                    style::KANA_KEY,
                    Kind::Plain,
                    Some(on(Key::Char(c))),
                )
            });
        }
        grid = grid.push(r);
    }
    let [dakuten, small, space, erase, clear] = labels;
    let side = column![
        key(
            dakuten,
            style::KANA_KEY,
            Kind::Plain,
            Some(on(Key::Dakuten))
        ),
        key(small, style::KANA_KEY, Kind::Plain, Some(on(Key::Small))),
        key(
            space,
            style::KANA_KEY,
            Kind::Plain,
            Some(on(Key::Char('\u{3000}')))
        ),
        key(erase, style::KANA_KEY, Kind::Plain, Some(on(Key::Erase))),
        key(clear, style::KANA_KEY, Kind::Plain, Some(on(Key::Clear))),
    ]
    .spacing(8);
    row![grid, side]
        .spacing(28)
        .align_y(Alignment::Start)
        .into()
}

/// A number pad for phone numbers and counts (digits and a hyphen).
pub fn number_pad<'a, M: Clone + 'a>(on: impl Fn(Key) -> M, erase: String) -> Element<'a, M> {
    digit_pad(
        |d| {
            if d > 9 {
                on(Key::Erase)
            } else {
                on(Key::Char(char::from(b'0' + d)))
            }
        },
        erase,
        Some(("-".into(), Some(on(Key::Char('-'))))),
    )
}

/// A drawing of a card lying on a reader, for the "place your card" screen.
pub fn card_on_reader<'a, M: 'a>(card_label: String, reader_label: String) -> Element<'a, M> {
    use iced::widget::stack;
    use iced::{Background, Border, Color, Padding};
    let reader = container(
        text(reader_label)
            .size(style::SMALL)
            .color(Color::from_rgb8(0xDD, 0xDD, 0xDD)),
    )
    .width(560)
    .height(340)
    .align_bottom(340)
    .center_x(560)
    .padding(14)
    .style(|_| container::Style {
        background: Some(Background::Color(Color::from_rgb8(0x3A, 0x3F, 0x47))),
        border: Border {
            radius: 28.0.into(),
            ..Border::default()
        },
        ..container::Style::default()
    });
    let card = container(text(card_label).size(style::TEXT).color(style::INK))
        .width(430)
        .height(270)
        .padding(20)
        .style(|_| container::Style {
            background: Some(Background::Color(Color::from_rgb8(0xE8, 0xF1, 0xFB))),
            border: Border {
                color: style::PRIMARY,
                width: 4.0,
                radius: 18.0.into(),
            },
            ..container::Style::default()
        });
    stack![
        reader,
        container(card).padding(Padding {
            top: 16.0,
            left: 65.0,
            ..Padding::ZERO
        })
    ]
    .into()
}

/// `s` laid out in lines no wider than `width` at `size` px in `face` (its real advance
/// widths: the faces are proportional), broken only between phrases (at
/// a space or a full-width space, which the catalog puts between the words), never inside a
/// word. A phrase wider than `width` by itself keeps a line of its own.
pub fn phrase_lines(face: &Typeface, s: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut rest = s;
    let mut last_sep: Option<char> = None;
    while !rest.is_empty() {
        let end = rest.find([' ', '\u{3000}']).unwrap_or(rest.len());
        let word = &rest[..end];
        let sep = rest[end..].chars().next();
        rest = sep.map_or("", |c| &rest[end + c.len_utf8()..]);
        let joiner = last_sep.unwrap_or('\u{3000}');
        let gap = face.width(&joiner.to_string(), size);
        last_sep = sep;
        if line.is_empty() {
            line.push_str(word);
        } else if face.width(&line, size) + face.width(word, size) + gap <= width {
            line.push(joiner);
            line.push_str(word);
        } else {
            lines.push(std::mem::take(&mut line));
            line.push_str(word);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Text in lines broken only between phrases ([`phrase_lines`]), for a box `width` px wide:
/// a form's name on its tile never breaks inside a word.
pub fn phrases<'a, M: 'a>(s: &str, size: f32, width: f32) -> Element<'a, M> {
    text(phrase_lines(face(), s, size, width).join("\n"))
        .size(size)
        .wrapping(iced::widget::text::Wrapping::None)
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_break_between_phrases_only() {
        let ja = &typefaces::JAPANESE;
        // BIZ UDPGothic is proportional for kana too (マイナンバーカードの is 314 px at 34 px).
        assert_eq!(
            phrase_lines(ja, "マイナンバーカードの　暗証番号の　再設定", 34.0, 404.0),
            ["マイナンバーカードの", "暗証番号の　再設定"]
        );
        assert_eq!(
            phrase_lines(ja, "住民票の写し", 34.0, 404.0),
            ["住民票の写し"]
        );
        // Proportional Latin: measured, "Seal registration certificate" is 428 px at 34 px in
        // Noto Sans, so it breaks once; in a fixed-width face it would have been 493 px.
        let latin = &typefaces::LATIN;
        let w = latin.width("Seal registration certificate", 34.0);
        assert!(w > 404.0 && w < 480.0, "{w}");
        assert_eq!(
            phrase_lines(latin, "Seal registration certificate", 34.0, 404.0),
            ["Seal registration", "certificate"]
        );
        assert_eq!(
            phrase_lines(latin, "Seal registration certificate", 34.0, w + 1.0),
            ["Seal registration certificate"]
        );
        // A phrase too long for any line keeps its own line whole.
        assert_eq!(
            phrase_lines(ja, "とてもながいことばのれんぞくです　あ", 34.0, 200.0),
            ["とてもながいことばのれんぞくです", "あ"]
        );
    }

    #[test]
    fn the_drawing_face_is_the_languages_inside_drawn_in_only() {
        assert_eq!(face().family, "BIZ UDPGothic");
        let inside = drawn_in(Language::NE, || face().family);
        assert_eq!(inside, "Noto Sans Devanagari");
        assert_eq!(face().family, "BIZ UDPGothic");
    }
}
