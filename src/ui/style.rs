//! Sizes and colours. The layout is designed in logical pixels for a 1920×1080 15.6" panel
//! (about 5.6 px per mm): every touch target is at least [`TOUCH`] px, 15 mm or more.

use iced::widget::{button, container};
use iced::{Background, Border, Color, Shadow, Theme};

/// The family name of the bundled BIZ UD Gothic, the kiosk's only UI font.
pub const FONT_NAME: &str = "BIZ UDGothic";

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
/// Warnings and the clerk signal.
pub const ALERT: Color = Color::from_rgb8(0xB3, 0x26, 0x1E);
/// Done, verified.
pub const GOOD: Color = Color::from_rgb8(0x1E, 0x6B, 0x35);
/// Secondary buttons.
pub const PLAIN: Color = Color::WHITE;
/// Borders.
pub const LINE: Color = Color::from_rgb8(0x5A, 0x5A, 0x5A);
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
            button::Status::Disabled => Color::from_rgb8(0xD0, 0xD0, 0xD0),
            _ => bg,
        };
        let fg = if status == button::Status::Disabled {
            Color::from_rgb8(0x55, 0x55, 0x55)
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
