//! Sizes and colours. The layout is designed in logical pixels for a 1920×1080 15.6" panel
//! (about 5.6 px per mm): every touch target is at least [`TOUCH`] px, 15 mm or more.

use iced::widget::{button, container};
use iced::{Background, Border, Color, Shadow, Theme};

/// The family name of the UI's default face, BIZ UDPGothic (proportional Latin): the clerk's
/// and admin screens, and Japanese. The other languages' faces: [`crate::typefaces`].
pub const FONT_NAME: &str = "BIZ UDPGothic";

/// The smallest touch target: 15 mm on a 1920×1080 15.6" panel is 84 px; a little more.
pub const TOUCH: f32 = 96.0;
/// A PIN pad or number pad key.
pub const KEY: f32 = 120.0;
/// A kana keyboard key (10 columns fit in 1000 px).
pub const KANA_KEY: f32 = 96.0;

/// Body text.
pub const TEXT: f32 = 34.0;
/// Headings.
pub const TITLE: f32 = 52.0;
/// Small print (the clerk bar, notes).
pub const SMALL: f32 = 26.0;

/// Page background: warm off-white, easier on older eyes than pure white.
pub const PAGE: Color = Color::from_rgb8(0xF7, 0xF5, 0xF0);
/// Body text: near black for strong contrast (15:1 on the page).
pub const INK: Color = Color::from_rgb8(0x1A, 0x1A, 0x1A);
/// The main action: deep blue with white text (8.6:1).
pub const PRIMARY: Color = Color::from_rgb8(0x0B, 0x4F, 0x9C);
/// Chosen things: the same blue, light.
pub const CHOSEN: Color = Color::from_rgb8(0xD6, 0xE6, 0xFA);
/// Warnings and the clerk signal: 7.2:1 on the page, white on it 7.9:1.
pub const ALERT: Color = Color::from_rgb8(0x9E, 0x1F, 0x18);
/// Done, verified: 7.7:1 on the page.
pub const GOOD: Color = Color::from_rgb8(0x17, 0x59, 0x2B);
/// Secondary buttons.
pub const PLAIN: Color = Color::WHITE;
/// Borders and secondary labels: 8.1:1 on the page.
pub const LINE: Color = Color::from_rgb8(0x4A, 0x4A, 0x4A);
/// A disabled button's fill and text (7:1 between them: still readable, clearly off).
pub const DISABLED: Color = Color::from_rgb8(0xD0, 0xD0, 0xD0);
/// A disabled button's text.
pub const DISABLED_TEXT: Color = Color::from_rgb8(0x3D, 0x3D, 0x3D);
/// The clerk bar.
pub const CLERK: Color = Color::from_rgb8(0x23, 0x2B, 0x36);

/// Which kind of button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The one main action of a screen.
    Primary,
    /// Other actions.
    Plain,
    /// A chosen option.
    Chosen,
    /// Calls for the clerk, stop, danger.
    Alert,
    /// On the dark clerk bar.
    Clerk,
}

/// A button's look. Pressed buttons darken; there is no hover state to depend on.
pub fn button_style(kind: Kind) -> impl Fn(&Theme, button::Status) -> button::Style {
    move |_, status| {
        let (bg, fg, border) = match kind {
            Kind::Primary => (PRIMARY, Color::WHITE, PRIMARY),
            Kind::Plain => (PLAIN, INK, LINE),
            Kind::Chosen => (CHOSEN, INK, PRIMARY),
            Kind::Alert => (ALERT, Color::WHITE, ALERT),
            Kind::Clerk => (
                Color::from_rgb8(0x3A, 0x46, 0x57),
                Color::WHITE,
                Color::WHITE,
            ),
        };
        let bg = match status {
            button::Status::Pressed => darken(bg),
            button::Status::Disabled => DISABLED,
            _ => bg,
        };
        let fg = if status == button::Status::Disabled {
            DISABLED_TEXT
        } else {
            fg
        };
        button::Style {
            background: Some(Background::Color(bg)),
            text_color: fg,
            border: Border {
                color: border,
                width: if kind == Kind::Chosen { 4.0 } else { 2.0 },
                radius: 14.0.into(),
            },
            shadow: Shadow::default(),
            snap: true,
        }
    }
}

fn darken(c: Color) -> Color {
    Color::from_rgb(c.r * 0.8, c.g * 0.8, c.b * 0.8)
}

/// A filled box.
pub fn panel(bg: Color, fg: Color) -> impl Fn(&Theme) -> container::Style {
    move |_| container::Style {
        background: Some(Background::Color(bg)),
        text_color: Some(fg),
        border: Border {
            color: LINE,
            width: 0.0,
            radius: 0.0.into(),
        },
        ..container::Style::default()
    }
}

/// A bordered card on the page.
pub fn card(_: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(Color::WHITE)),
        text_color: Some(INK),
        border: Border {
            color: LINE,
            width: 2.0,
            radius: 14.0.into(),
        },
        ..container::Style::default()
    }
}

/// A warning on the page: a thick alert-red border on white, so it reads as a warning without
/// its colour too (with a ✕ or ! beside the words).
pub fn alert_box(_: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(Color::WHITE)),
        text_color: Some(INK),
        border: Border {
            color: ALERT,
            width: 5.0,
            radius: 14.0.into(),
        },
        ..container::Style::default()
    }
}

/// The current step of the session in the header: boxed in the main blue.
pub fn current_step(_: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(Color::WHITE)),
        text_color: Some(PRIMARY),
        border: Border {
            color: PRIMARY,
            width: 3.0,
            radius: 10.0.into(),
        },
        ..container::Style::default()
    }
}

/// WCAG 2 contrast ratio of two colours (1 to 21).
pub fn contrast(a: Color, b: Color) -> f32 {
    fn lum(c: Color) -> f32 {
        let f = |v: f32| {
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b)
    }
    let (x, y) = (lum(a), lum(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text colour on its background reaches 7:1 (WCAG AAA), borders included.
    #[test]
    fn every_text_colour_reaches_seven_to_one_on_its_background() {
        let clerk_button = Color::from_rgb8(0x3A, 0x46, 0x57);
        let pairs = [
            ("ink on the page", INK, PAGE),
            ("ink on a chosen fill", INK, CHOSEN),
            ("ink on white", INK, PLAIN),
            ("blue on the page", PRIMARY, PAGE),
            ("blue on white (the current step)", PRIMARY, PLAIN),
            ("white on blue", Color::WHITE, PRIMARY),
            ("alert red on the page", ALERT, PAGE),
            ("alert red on white (the wrong-PIN panel)", ALERT, PLAIN),
            ("white on alert red", Color::WHITE, ALERT),
            ("green on the page", GOOD, PAGE),
            ("green on white (a question's card)", GOOD, PLAIN),
            ("labels and borders on the page", LINE, PAGE),
            ("labels and borders on white", LINE, PLAIN),
            ("disabled text on its fill", DISABLED_TEXT, DISABLED),
            ("white on the clerk bar", Color::WHITE, CLERK),
            ("white on the clerk's buttons", Color::WHITE, clerk_button),
        ];
        for (what, fg, bg) in pairs {
            let r = contrast(fg, bg);
            assert!(r >= 7.0, "{what}: {r:.2}:1");
        }
    }
}
