//! The start screen: what the kiosk does, and the language (both languages on it at once).

use iced::widget::{column, container, row, space, text};
use iced::{Alignment, Element, Length};

use super::Context;
use crate::i18n;
use crate::i18n::Language;
use crate::kiosk::Event;
use crate::ui::style::{self, Kind};
use crate::ui::widgets::{big, bold};

/// A touch on the idle screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Start in this language.
    Start(Language),
}

/// The session event a touch makes.
pub fn update(message: Message) -> Option<Event> {
    match message {
        Message::Start(language) => Some(Event::Start(language)),
    }
}

/// Nothing is read aloud at idle: no language is chosen yet, and a kiosk talking to an empty
/// hall all day would be turned off.
pub fn spoken() -> &'static [&'static str] {
    &[]
}

/// The screen (no frame: there is no session to go back from or call the clerk for yet).
pub fn view<'a>(_: &Context<'a>) -> Element<'a, Message> {
    let ja = i18n::t(Language::JA, "idle.start");
    let en = i18n::t(Language::EN, "idle.start");
    container(
        column![
            text(i18n::t(Language::JA, "idle.title"))
                .size(84)
                .font(bold())
                .color(style::PRIMARY),
            text(i18n::t(Language::JA, "idle.lead")).size(40),
            text(i18n::t(Language::EN, "idle.lead")).size(style::TEXT),
            space::vertical().height(40),
            row![
                big(ja, Kind::Primary, Some(Message::Start(Language::JA)))
                    .width(640)
                    .height(170),
                big(en, Kind::Plain, Some(Message::Start(Language::EN)))
                    .width(640)
                    .height(170),
            ]
            .spacing(60),
            space::vertical().height(30),
            text(i18n::t(Language::JA, "idle.no_card")).size(style::SMALL),
        ]
        .spacing(24)
        .align_x(Alignment::Center),
    )
    .center(Length::Fill)
    .style(style::panel(style::PAGE, style::INK))
    .into()
}
