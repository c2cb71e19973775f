//! What the clerk must check about the card data before anything is printed, decided once,
//! when the data arrives ([`ClerkCheck::of`]); the clerk bar, the CLI and the usage of the
//! session all show this one answer.

use crate::card::BasicFour;
use crate::card::basic_four::is_invisible_format;
use crate::forms::fonts::{FontKey, Fonts};

/// Why the clerk should compare the name and address with the card itself. Says which kind of
/// character, never which character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClerkCheck {
    /// 〓 (U+3013): the mark the issuing system writes for a character it could not encode.
    pub geta: bool,
    /// A character outside the Basic Multilingual Plane (外字 such as 𠮷), which many fonts and
    /// systems lack.
    pub outside_bmp: bool,
    /// A character the kiosk's screen font (BIZ UD Gothic) cannot draw.
    pub not_in_font: bool,
    /// An invisible formatting character (a bidirectional control such as U+202E, which
    /// shows a name reversed, or a zero-width one), which no genuine name or address holds.
    pub invisible: bool,
}

impl ClerkCheck {
    /// The check for `data`, or `None` when there is nothing to look at.
    pub fn of(data: &BasicFour) -> Option<ClerkCheck> {
        let fonts = Fonts::bundled();
        let gothic = fonts.get(FontKey::Gothic);
        let mut check = ClerkCheck {
            geta: false,
            outside_bmp: false,
            not_in_font: false,
            invisible: false,
        };
        for c in data.name().chars().chain(data.address().chars()) {
            check.geta |= c == '\u{3013}';
            check.outside_bmp |= (c as u32) > 0xFFFF;
            check.invisible |= is_invisible_format(c);
            check.not_in_font |= !check.invisible && gothic.is_some_and(|f| !f.has(c));
        }
        (check.geta || check.outside_bmp || check.not_in_font || check.invisible).then_some(check)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::{Date, Sex};

    fn sample(name: &str) -> BasicFour {
        BasicFour::new(
            name.into(),
            "東京都千代田区千代田１番１号".into(),
            Date::new(1990, 1, 2).unwrap(),
            Sex::Female,
        )
    }

    #[test]
    fn geta_and_characters_outside_the_bmp_are_for_the_clerk() {
        assert_eq!(ClerkCheck::of(&sample("黒桐　幹也")), None);
        assert!(ClerkCheck::of(&sample("〓田　太郎")).is_some_and(|c| c.geta));
        assert!(ClerkCheck::of(&sample("𠮷田　太郎")).is_some_and(|c| c.outside_bmp));
        assert!(ClerkCheck::of(&sample("山田\u{202E}子花　太郎")).is_some_and(|c| c.invisible));
        assert!(ClerkCheck::of(&sample("\u{FEFF}山田　太郎")).is_some_and(|c| c.invisible));
    }
}
