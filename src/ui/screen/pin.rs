//! The PIN pad: the tries left are shown before anything is typed, the digits only as dots.
//! The four digits are sent by the pad's けってい key, never by the fourth digit alone, so one
//! stray tap does not cost a try. A wrong PIN is said in words, with the tries left, in a
//! bordered panel marked ✕ (not by colour alone).

use iced::widget::{column, container, row};
use iced::{Element, Length};

use super::{Context, Page};
use crate::kiosk::Event;
use crate::ui::ruby::ruby;
use crate::ui::style::{self, Kind};
use crate::ui::widgets::text;
use crate::ui::widgets::{big, bold, digit_pad, lead, masked, title};
use crate::usage::record::Identification;

/// What is read aloud on entering: the title and how to enter the PIN (never a digit).
pub fn spoken() -> &'static [&'static str] {
    &["pin.title", "pin.enter_hint", "pin.hide"]
}

/// A touch on the PIN pad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A digit.
    Digit(u8),
    /// Erase the last digit.
    Erase,
    /// けってい: send the four digits.
    Enter,
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
        Message::Enter => Event::PinEnter,
        Message::ForgotPin => Event::Identify(Identification::CodeB),
        Message::Back => Event::Back,
    })
}

/// "暗証番号が ちがいます" with the tries left, for the PIN pad (and 照合番号B).
pub fn wrong_panel<'a, M: 'a>(cx: &Context<'a>, left: Option<u8>) -> Element<'a, M> {
    let again = match left {
        Some(n) => cx.rtf("pin.wrong_left", &[("n", &n.to_string())]),
        None => cx.rt("pin.wrong_unknown"),
    };
    container(
        row![
            text("✕")
                .size(style::TITLE)
                .font(bold())
                .color(style::ALERT),
            column![
                ruby(cx.rt("pin.wrong_title"))
                    .size(style::TEXT)
                    .font(bold())
                    .color(style::ALERT),
                ruby(again).size(style::TEXT).color(style::INK),
            ]
            .spacing(6),
        ]
        .spacing(20)
        .align_y(iced::Alignment::Center),
    )
    .padding([14, 24])
    .width(Length::Fill)
    .style(style::alert_box)
    .into()
}

/// The screen.
pub fn view<'a>(cx: &Context<'a>) -> Page<'a, Message> {
    let k = cx.kiosk;
    let typed = k.pin_length();
    let status: Element<'a, Message> = match (k.wrong_secret(), k.tries().and_then(|t| t.pin)) {
        (Some(left), _) => wrong_panel(cx, left),
        (None, Some(n)) => ruby(cx.rtf("pin.tries", &[("n", &n.to_string())]))
            .size(style::TEXT)
            .color(if n <= 2 { style::ALERT } else { style::INK })
            .into(),
        (None, None) => text("").into(),
    };
    let body = row![
        column![
            title(cx.rt("pin.title")),
            status,
            masked(typed, 4),
            lead(cx.rt("pin.enter_hint")),
            lead(cx.rt("pin.hide")),
            // A side path, so not in the footer's "go on" corner.
            big(
                cx.rt("place.forgot_pin"),
                Kind::Plain,
                Some(Message::ForgotPin)
            )
            .width(Length::Shrink),
        ]
        .spacing(26)
        .width(Length::Fill),
        digit_pad(
            |d| if d > 9 {
                Message::Erase
            } else {
                Message::Digit(d)
            },
            cx.t("key.erase"),
            Some((cx.t("key.enter"), (typed == 4).then_some(Message::Enter))),
        ),
    ]
    .spacing(60);
    Page::new(body).back(Message::Back)
}
