//! The clerk's bar on top of the back window: reader, printer, verification, tries, the help
//! signal, what the clerk must check about the card data, take over, reset, the admin entry,
//! and the demo's card picker. The clerk's strings are Japanese whatever language the
//! resident chose.

use iced::widget::{Column, Row, column, container, pick_list, row, text};
use iced::{Alignment, Color, Element, Length};

use super::ReaderState;
use crate::i18n::{self, Text};
use crate::kiosk::{Event as SessionEvent, Kiosk, Screen};
use crate::ui::style::{self, Kind};
use crate::ui::widgets::big;
use crate::usage::record::{Language, Mode};

/// The printer's state as the clerk bar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterState {
    /// It can print (CUPS's state word, or the folder printed into).
    Ready(String),
    /// It cannot, and why.
    Trouble(Text),
}

/// What the bar shows besides the session.
pub struct Info<'a> {
    /// The session.
    pub kiosk: &'a Kiosk,
    /// The reader.
    pub reader: &'a ReaderState,
    /// The printer, once asked.
    pub printer: Option<&'a PrinterState>,
    /// The demo's fixture cards, by name (none outside the demo).
    pub demo_cards: Option<Vec<String>>,
    /// Whether the admin screen (or its login) is open.
    pub admin_open: bool,
}

/// The demo picker's choice.
#[derive(Debug, Default)]
pub struct State {
    pick: Option<String>,
}

/// A touch on the clerk bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Take over (staff-operated).
    TakeOver,
    /// Reset the session.
    Reset,
    /// Open the admin login.
    Admin,
    /// The demo's card picker.
    DemoPick(String),
    /// Place the picked card (true) or take it off (false).
    DemoCard(bool),
}

/// What a touch on the bar asks for.
#[derive(Debug)]
pub enum Event {
    /// A session event.
    Session(SessionEvent),
    /// Open the admin login.
    Admin,
    /// The demo: place this card on the simulated reader.
    Place(String),
    /// The demo: take the card off.
    Take,
}

fn t(key: &str) -> String {
    i18n::t(Language::JA, key)
}

fn tf(key: &str, args: &[(&str, &str)]) -> String {
    i18n::tf(Language::JA, key, args)
}

fn small<'a, M: 'a>(s: String, color: Color) -> Element<'a, M> {
    text(s).size(style::SMALL).color(color).into()
}

impl State {
    /// A bar whose picker starts at `first` (the demo's first card).
    pub fn new(first: Option<String>) -> Self {
        State { pick: first }
    }

    /// Handle a touch.
    pub fn update(&mut self, message: Message) -> Option<Event> {
        match message {
            Message::TakeOver => Some(Event::Session(SessionEvent::ClerkTakeOver)),
            Message::Reset => Some(Event::Session(SessionEvent::Reset)),
            Message::Admin => Some(Event::Admin),
            Message::DemoPick(name) => {
                self.pick = Some(name);
                None
            }
            Message::DemoCard(true) => self.pick.clone().map(Event::Place),
            Message::DemoCard(false) => Some(Event::Take),
        }
    }

    /// The bar.
    pub fn view<'a>(&'a self, info: Info<'a>) -> Element<'a, Message> {
        let white = Color::WHITE;
        let warn = Color::from_rgb8(0xFF, 0x9E, 0x9E);
        let k = info.kiosk;
        let reader = match info.reader {
            ReaderState::Unknown => t("clerk.reader_unknown"),
            ReaderState::NoService => t("clerk.reader_no_service"),
            ReaderState::NoReader => t("clerk.reader_none"),
            ReaderState::Empty(_) => t("clerk.reader_empty"),
            ReaderState::Card(_) => t("clerk.reader_card"),
        };
        let reader_ok = matches!(info.reader, ReaderState::Empty(_) | ReaderState::Card(_));
        let printer = match info.printer {
            None => t("clerk.printer_unknown"),
            Some(PrinterState::Ready(s)) => tf("clerk.printer", &[("state", s)]),
            Some(PrinterState::Trouble(e)) => tf(
                "clerk.printer_error",
                &[("error", &e.in_language(Language::JA))],
            ),
        };
        let printer_ok = !matches!(info.printer, Some(PrinterState::Trouble(_)));
        let verified = match k.verification() {
            None => t("clerk.not_read"),
            Some(v) if v.is_verified() => t("clerk.verified"),
            Some(_) => t("clerk.unverified"),
        };
        let tries = k
            .tries()
            .map(|t| {
                tf(
                    "clerk.tries",
                    &[
                        ("pin", &t.pin.map_or("-".into(), |n| n.to_string())),
                        ("code_b", &t.code_b.map_or("-".into(), |n| n.to_string())),
                    ],
                )
            })
            .unwrap_or_default();
        let staff_mode = k.mode() == Some(Mode::StaffOperated);
        let mode = match k.mode() {
            Some(Mode::StaffOperated) => t("clerk.mode_staff"),
            Some(Mode::SelfService) => t("clerk.mode_self"),
            None => t("clerk.mode_idle"),
        };
        let status = column![
            row![
                small(reader, if reader_ok { white } else { warn }),
                small(printer, if printer_ok { white } else { warn }),
            ]
            .spacing(30),
            row![
                small(mode, white),
                small(verified, white),
                small(tries, white)
            ]
            .spacing(30),
        ]
        .spacing(6)
        .width(Length::Fill);
        let mut actions = Row::new().spacing(12).align_y(Alignment::Center);
        if k.help_requested() {
            actions = actions.push(
                container(
                    text(t("clerk.help_requested"))
                        .size(style::TEXT)
                        .color(white),
                )
                .padding([16, 20])
                .style(style::panel(style::ALERT, white)),
            );
        }
        if k.clerk_check().is_some() {
            actions = actions.push(
                container(
                    text(t("clerk.strange_chars"))
                        .size(style::SMALL)
                        .color(white),
                )
                .padding([10, 14])
                .max_width(520)
                .style(style::panel(style::ALERT, white)),
            );
        }
        let in_session = k.screen() != &Screen::Idle;
        if in_session && !staff_mode {
            actions = actions.push(
                big(t("clerk.take_over"), Kind::Clerk, Some(Message::TakeOver))
                    .width(Length::Shrink),
            );
        }
        if in_session {
            actions = actions.push(
                big(t("clerk.reset"), Kind::Clerk, Some(Message::Reset)).width(Length::Shrink),
            );
        }
        if !info.admin_open {
            actions = actions.push(
                big(t("clerk.admin"), Kind::Clerk, Some(Message::Admin)).width(Length::Shrink),
            );
        }
        let mut bar =
            Column::new().push(row![status, actions].spacing(20).align_y(Alignment::Center));
        if let Some(names) = info.demo_cards {
            let placed = matches!(info.reader, ReaderState::Card(_));
            bar = bar.push(
                row![
                    small(t("demo.card"), white),
                    pick_list(names, self.pick.clone(), Message::DemoPick)
                        .text_size(style::SMALL)
                        .padding(18)
                        .width(520),
                    big(
                        t("demo.place"),
                        Kind::Clerk,
                        (!placed).then_some(Message::DemoCard(true))
                    )
                    .width(Length::Shrink),
                    big(
                        t("demo.remove"),
                        Kind::Clerk,
                        placed.then_some(Message::DemoCard(false))
                    )
                    .width(Length::Shrink),
                ]
                .spacing(16)
                .align_y(Alignment::Center),
            );
        }
        container(bar.spacing(10))
            .padding([12, 24])
            .width(Length::Fill)
            .style(style::panel(style::CLERK, white))
            .into()
    }
}
