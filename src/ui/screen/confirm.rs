//! Check the four fields. In take-over mode the clerk can correct them on the back window
//! with the staff entry's form.

use iced::widget::{Column, Row, column, container, row};
use iced::{Element, Length};

use super::staff_entry::{self, Form, sex_key};
use super::{Context, Page};
use crate::i18n;
use crate::i18n::Language;
use crate::kiosk::entry::StaffEntry;
use crate::kiosk::{Event, Kiosk};
use crate::ui::ruby::{Label, ruby};
use crate::ui::style::{self, Kind};
use crate::ui::widgets::text;
use crate::ui::widgets::{big, japanese, lead, title};

/// What is read aloud on entering: the question only, never the name, address, birth date
/// or sex shown under it.
pub fn spoken() -> &'static [&'static str] {
    &["confirm.title"]
}

/// The clerk's correction, while open.
#[derive(Default)]
pub struct State {
    correcting: Option<StaffEntry>,
}

/// A touch on the confirm screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// "This is wrong": call the clerk.
    Wrong,
    /// The clerk opens (true) or closes the correction form.
    Correct(bool),
    /// The correction form.
    Form(Form),
    /// Back.
    Back,
    /// The data is right.
    Next,
}

impl State {
    /// Handle a touch; a saved correction goes to the session.
    pub fn update(&mut self, message: Message, kiosk: &Kiosk) -> Option<Event> {
        match message {
            Message::Wrong => Some(Event::DataWrong),
            Message::Correct(open) => {
                self.correcting = open.then(|| StaffEntry::from_data(kiosk.data()));
                Some(Event::ClerkTouched)
            }
            Message::Form(f) => {
                let entry = self.correcting.as_mut()?;
                let data = staff_entry::form_update(entry, f)?;
                self.correcting = None;
                Some(Event::StaffCorrected(data))
            }
            Message::Back => Some(Event::Back),
            Message::Next => Some(Event::Next),
        }
    }

    /// The screen.
    pub fn view<'a>(&'a self, cx: &Context<'a>) -> Page<'a, Message> {
        let lang = cx.lang();
        let Some(d) = cx.kiosk.data() else {
            return Page::new(lead(cx.rt("confirm.none")));
        };
        if let (Some(entry), true) = (&self.correcting, cx.clerk_operates()) {
            return Page::new(staff_entry::form_view(entry).map(Message::Form))
                .back(Message::Back)
                .next(cx.rt("confirm.ok"), Some(Message::Next));
        }
        let line = |label: Label, value: String| -> Element<'a, Message> {
            row![
                ruby(label).size(style::TEXT).width(300).color(style::LINE),
                // What the card holds keeps its Japanese glyph forms.
                text(value).size(44).font(japanese()).width(Length::Fill),
            ]
            .spacing(20)
            .padding([10, 24])
            .into()
        };
        let birth = d.birth_date();
        let table = Column::new()
            .push(line(cx.rt("field.name"), d.name().to_owned()))
            .push(line(cx.rt("field.address"), d.address().to_owned()))
            .push(line(
                cx.rt("field.birth"),
                format!(
                    "{}（{}）",
                    crate::wareki::format_kanji(birth),
                    cx.tf(
                        "field.birth_western",
                        &[
                            ("y", &birth.year().to_string()),
                            ("m", &birth.month().to_string()),
                            ("d", &birth.day().to_string())
                        ]
                    )
                ),
            ))
            .push(line(
                cx.rt("field.sex"),
                i18n::t(lang, d.sex().map_or("sex.missing", sex_key)),
            ));
        let mut actions = Row::new().spacing(24);
        actions =
            actions.push(big(cx.rt("confirm.wrong"), Kind::Alert, Some(Message::Wrong)).width(560));
        if cx.clerk_operates() {
            actions = actions.push(
                big(
                    i18n::t(Language::JA, "clerk.correct"),
                    Kind::Clerk,
                    Some(Message::Correct(true)),
                )
                .width(400),
            );
        }
        let body = column![
            title(cx.rt("confirm.title")),
            container(table).style(style::card).width(Length::Fill),
            actions,
        ]
        .spacing(24);
        Page::new(body)
            .back(Message::Back)
            .next(cx.rt("confirm.ok"), Some(Message::Next))
    }
}
