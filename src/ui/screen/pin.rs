//! The PIN pad: the tries left are shown before anything is typed, the digits only as dots.
//! The session keeps the digits and reads the card at the fourth.

use iced::widget::{column, row, text};
use iced::{Element, Length};

use super::{Context, Page};
use crate::kiosk::Event;
use crate::ui::style;
use crate::ui::widgets::{digit_pad, lead, masked, title};
use crate::usage::record::Identification;

/// A touch on the PIN pad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A digit.
    Digit(u8),
    /// Erase the last digit.
    Erase,
    /// 照合番号B instead.
    ForgotPin,
    /// Back to "place your card".
    Back,
}

/// The session event a touch makes.
pub fn update(message: Message) -> Option<Event> {
    Some(match message {
        Message::Digit(d) => Event::PinDigit(d),
        Message::Erase => Event::PinErase,
        Message::ForgotPin => Event::Identify(Identification::CodeB),
        Message::Back => Event::Back,
    })
}

/// The screen.
pub fn view<'a>(cx: &Context<'a>) -> Page<'a, Message> {
    let k = cx.kiosk;
    let tries_line: Element<'a, Message> = match k.tries().and_then(|t| t.pin) {
        Some(n) => text(cx.tf("pin.tries", &[("n", &n.to_string())]))
            .size(style::TEXT)
            .color(if n <= 2 { style::ALERT } else { style::INK })
            .into(),
        None => text("").into(),
    };
    let body = row![
        column![
            title(cx.t("pin.title")),
            tries_line,
            masked(k.pin_length(), 4),
            lead(cx.t("pin.hide")),
        ]
        .spacing(30)
        .width(Length::Fill),
        digit_pad(
            |d| if d > 9 {
                Message::Erase
            } else {
                Message::Digit(d)
            },
            cx.t("key.erase"),
            None,
        ),
    ]
    .spacing(60);
    Page::new(body)
        .back(Message::Back)
        .next(cx.t("place.forgot_pin"), Some(Message::ForgotPin))
}
