//! "Place your card": the PIN is the default way to identify; the same screen offers
//! 照合番号B and "no card". The session probes a card as soon as the reader reports one.

use iced::widget::{column, row};
use iced::{Element, Length};

use super::{Context, Page, ReaderState};
use crate::kiosk::Event;
use crate::ui::ruby::ruby;
use crate::ui::style::{self, Kind};
use crate::ui::widgets::{big, card_on_reader, lead, title};
use crate::usage::record::Identification;

/// A touch on "place your card".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Identify this way instead.
    Identify(Identification),
    /// Back to the form choice.
    Back,
}

/// The session event a touch makes.
pub fn update(message: Message) -> Option<Event> {
    Some(match message {
        Message::Identify(how) => Event::Identify(how),
        Message::Back => Event::Back,
    })
}

/// What is read aloud on entering: the title and what comes next (the PIN, or 照合番号B).
pub fn spoken(how: Option<Identification>) -> &'static [&'static str] {
    if how == Some(Identification::CodeB) {
        &["place.title", "place.lead_code_b"]
    } else {
        &["place.title", "place.lead_pin"]
    }
}

/// The screen.
pub fn view<'a>(cx: &Context<'a>) -> Page<'a, Message> {
    let how = cx.kiosk.identification().unwrap_or(Identification::Pin);
    let reader_line = match cx.reader {
        ReaderState::NoService | ReaderState::NoReader => ruby(cx.rt("place.no_reader"))
            .size(style::TEXT)
            .color(style::ALERT),
        _ => ruby(cx.rt("place.waiting")).size(style::SMALL),
    };
    let (other_label, other) = if how == Identification::CodeB {
        ("place.use_pin", Identification::Pin)
    } else {
        ("place.forgot_pin", Identification::CodeB)
    };
    let other: Element<'a, Message> = big(
        cx.rt(other_label),
        Kind::Plain,
        Some(Message::Identify(other)),
    )
    .width(760)
    .into();
    let body = row![
        column![
            title(cx.rt("place.title")),
            lead(cx.rt(if how == Identification::CodeB {
                "place.lead_code_b"
            } else {
                "place.lead_pin"
            })),
            reader_line,
            card_on_reader(cx.t("place.card"), cx.t("place.reader")),
        ]
        .spacing(28)
        .width(Length::FillPortion(3)),
        column![
            lead(cx.rt("place.other")),
            other,
            big(
                cx.rt("place.no_card"),
                Kind::Plain,
                Some(Message::Identify(Identification::None)),
            )
            .width(760),
        ]
        .spacing(24)
        .width(Length::FillPortion(2)),
    ]
    .spacing(40);
    Page::new(body).back(Message::Back)
}
