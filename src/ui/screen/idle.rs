//! The start screen: what the kiosk does, and every language the kiosk speaks, each by its own
//! name in its own face, as a big button.

use iced::widget::{Column, Row, button, column, container, space, text};
use iced::{Alignment, Element, Length};

use super::Context;
use crate::i18n;
use crate::i18n::Language;
use crate::kiosk::Event;
use crate::typefaces;
use crate::ui::style::{self, Kind};
use crate::ui::widgets::{bold, bold_of};

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

/// Buttons per row: three rows of three fill a 1920 px panel with 560 px buttons.
const PER_ROW: usize = 3;
/// A language button: 560 × 130 px, far above the 15 mm touch target.
const BUTTON: (f32, f32) = (560.0, 130.0);

/// Nothing is read aloud at idle: no language is chosen yet, and a kiosk talking to an empty
/// hall all day would be turned off.
pub fn spoken() -> &'static [&'static str] {
    &[]
}

/// The screen (no frame: there is no session to go back from or call the clerk for yet).
pub fn view<'a>(_: &Context<'a>) -> Element<'a, Message> {
    let mut grid = Column::new().spacing(28).align_x(Alignment::Center);
    for chunk in Language::ALL.chunks(PER_ROW) {
        let mut r = Row::new().spacing(40);
        for &language in chunk {
            r = r.push(language_button(language));
        }
        grid = grid.push(r);
    }
    container(
        column![
            text(i18n::t(Language::JA, "idle.title"))
                .size(84)
                .font(bold())
                .color(style::PRIMARY),
            text(i18n::t(Language::JA, "idle.lead")).size(40),
            text(i18n::t(Language::EN, "idle.lead")).size(style::TEXT),
            space::vertical().height(24),
            grid,
            space::vertical().height(16),
            text(i18n::t(Language::JA, "idle.no_card")).size(style::SMALL),
        ]
        .spacing(20)
        .align_x(Alignment::Center),
    )
    .center(Length::Fill)
    .style(style::panel(style::PAGE, style::INK))
    .into()
}

/// One language's button: its own name, in its own face, Japanese first in the primary colour.
fn language_button<'a>(language: Language) -> Element<'a, Message> {
    let face = typefaces::for_language(language);
    let kind = if language == Language::JA {
        Kind::Primary
    } else {
        Kind::Plain
    };
    button(
        container(text(language.native_name()).size(46).font(bold_of(face)))
            .center_x(Length::Fill)
            .center_y(Length::Fill),
    )
    .width(BUTTON.0)
    .height(BUTTON.1)
    .padding([8, 16])
    .style(style::button_style(kind))
    .on_press(Message::Start(language))
    .into()
}
