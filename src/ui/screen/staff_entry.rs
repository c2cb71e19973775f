//! The clerk types the four fields (no card): the form on the back window, a note on the
//! front. The same form corrects the card's data on the confirm screen in take-over mode
//! ([`Form`], [`form_update`], [`form_view`]).

use iced::widget::{Row, column, row, space, text, text_input};
use iced::{Alignment, Element, Length};

use super::{Context, Page, Role};
use crate::card::{BasicFour, Sex};
use crate::i18n;
use crate::i18n::Language;
use crate::kiosk::Event;
use crate::kiosk::entry::{StaffEntry, StaffField};
use crate::ui::secret::Secret;
use crate::ui::style::{self, Kind};
use crate::ui::widgets::{big, lead, title};

/// What is read aloud on the front on entering: the clerk is typing, please wait.
pub fn spoken() -> &'static [&'static str] {
    &["staff.front_title", "staff.front_lead"]
}

/// The entry being typed.
#[derive(Default)]
pub struct State {
    entry: StaffEntry,
}

/// A touch on the staff entry screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The form.
    Form(Form),
    /// Back to "place your card".
    Back,
}

/// A touch on the clerk's form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// A field's text.
    Field(StaffField, Secret),
    /// The sex.
    Sex(Sex),
    /// Romaji → kana on or off.
    Romaji(bool),
    /// Keep what was typed.
    Save,
}

impl State {
    /// Handle a touch; saving hands the data to the session.
    pub fn update(&mut self, message: Message) -> Option<Event> {
        match message {
            Message::Form(f) => form_update(&mut self.entry, f).map(Event::StaffEntered),
            Message::Back => Some(Event::Back),
        }
    }

    /// The form on the back, a note on the front.
    pub fn view<'a>(&'a self, cx: &Context<'a>) -> Page<'a, Message> {
        let body: Element<'a, Message> = match cx.role {
            Role::Front => column![
                title(cx.t("staff.front_title")),
                lead(cx.t("staff.front_lead"))
            ]
            .spacing(30)
            .into(),
            Role::Back => form_view(&self.entry).map(Message::Form),
        };
        Page::new(body).back(Message::Back)
    }
}

/// Apply a touch to `entry`; returns the four fields when saved complete.
pub fn form_update(entry: &mut StaffEntry, message: Form) -> Option<BasicFour> {
    match message {
        Form::Field(field, text) => entry.set(field, text.take()),
        Form::Sex(sex) => entry.sex = Some(sex),
        Form::Romaji(on) => entry.romaji = on,
        Form::Save => return entry.data(),
    }
    None
}

fn t(key: &str) -> String {
    i18n::t(Language::JA, key)
}

/// The catalog key of a sex.
pub fn sex_key(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "sex.male",
        Sex::Female => "sex.female",
        Sex::NotApplicable => "sex.not_applicable",
        Sex::Unknown => "sex.unknown",
    }
}

/// The clerk's form (in Japanese: the clerk's strings are Japanese whatever the resident
/// chose).
pub fn form_view(s: &StaffEntry) -> Element<'_, Form> {
    let field = |label: String, value: &str, f: StaffField, hint: String| -> Element<'_, Form> {
        row![
            text(label).size(style::TEXT).width(260),
            text_input(&hint, value)
                .on_input(move |v| Form::Field(f, v.into()))
                .size(style::TEXT)
                .padding(16)
                .width(Length::Fill),
        ]
        .spacing(16)
        .align_y(Alignment::Center)
        .into()
    };
    let mut sexes = Row::new().spacing(12);
    for sex in [Sex::Male, Sex::Female, Sex::NotApplicable, Sex::Unknown] {
        sexes = sexes.push(
            big(
                t(sex_key(sex)),
                if s.sex == Some(sex) {
                    Kind::Chosen
                } else {
                    Kind::Plain
                },
                Some(Form::Sex(sex)),
            )
            .width(Length::Shrink),
        );
    }
    let romaji = big(
        t(if s.romaji {
            "staff.romaji_on"
        } else {
            "staff.romaji_off"
        }),
        if s.romaji { Kind::Chosen } else { Kind::Plain },
        Some(Form::Romaji(!s.romaji)),
    )
    .width(Length::Shrink);
    let complete = s.data().is_some();
    column![
        row![
            text(t("staff.title")).size(style::TITLE),
            space::horizontal(),
            romaji
        ]
        .align_y(Alignment::Center),
        field(
            t("field.name"),
            &s.name,
            StaffField::Name,
            t("staff.name_hint")
        ),
        field(
            t("field.address"),
            &s.address,
            StaffField::Address,
            t("staff.address_hint")
        ),
        field(
            t("field.birth"),
            &s.birth,
            StaffField::Birth,
            t("staff.birth_hint")
        ),
        row![text(t("field.sex")).size(style::TEXT).width(260), sexes].spacing(16),
        row![
            space::horizontal(),
            big(
                t("staff.save"),
                Kind::Primary,
                complete.then_some(Form::Save)
            )
            .width(420)
        ],
    ]
    .spacing(18)
    .into()
}
