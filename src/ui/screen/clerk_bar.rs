//! The clerk's bar on top of the back window: reader, printer, verification, tries, the help
//! signal, what the clerk must check about the card data, take over, reset, the admin entry,
//! and the demo's card picker. The clerk's strings are Japanese whatever language the
//! resident chose.

use iced::widget::{Column, Row, container, pick_list, row, space, text};
use iced::{Alignment, Color, Element, Length};

use super::ReaderState;
use crate::i18n::{self, Text};
use crate::kiosk::{Event as SessionEvent, Kiosk, Screen};
use crate::ui::style::{self, Kind};
use crate::ui::widgets::{big, bold};
use crate::usage::record::{Language, Mode};

/// The printer's state as the clerk bar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterState {
    /// CUPS can print: its state word (`idle`, `processing`), shown in Japanese.
    Ready(String),
    /// Prints are written to a folder (the demo, `[printer] folder`); its path is not shown.
    Folder,
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

/// The demo picker's choice, and whether "リセット" is asking for confirmation.
#[derive(Debug, Default)]
pub struct State {
    pick: Option<String>,
    confirm_reset: bool,
}

/// A touch on the clerk bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Take over (staff-operated).
    TakeOver,
    /// "リセット": ask whether to reset.
    Reset,
    /// The answer: reset (`true`) or not.
    ConfirmReset(bool),
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

/// The catalog key of a reason's short form on the bar.
fn reason_key(reason: &crate::kiosk::ClerkReason) -> String {
    let long = super::see_clerk::key(reason);
    format!("clerk.reason.{}", long.trim_start_matches("see_clerk."))
}

fn small<'a, M: 'a>(s: String, color: Color) -> Element<'a, M> {
    text(s).size(style::SMALL).color(color).into()
}

impl State {
    /// A bar whose picker starts at `first` (the demo's first card).
    pub fn new(first: Option<String>) -> Self {
        State {
            pick: first,
            confirm_reset: false,
        }
    }

    /// Handle a touch.
    pub fn update(&mut self, message: Message) -> Option<Event> {
        match message {
            Message::TakeOver => Some(Event::Session(SessionEvent::ClerkTakeOver)),
            Message::Reset => {
                self.confirm_reset = true;
                None
            }
            Message::ConfirmReset(yes) => {
                self.confirm_reset = false;
                yes.then_some(Event::Session(SessionEvent::Reset))
            }
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
            Some(PrinterState::Folder) => t("clerk.printer_folder"),
            Some(PrinterState::Ready(word)) => {
                let key = format!("clerk.printer_state.{word}");
                let shown = i18n::t(Language::JA, &key);
                let shown = if shown.starts_with('⟦') {
                    word.clone()
                } else {
                    shown
                };
                tf("clerk.printer", &[("state", &shown)])
            }
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
        // One line of status, small; the touch targets get the rest of the bar.
        let status = row![
            small(reader, if reader_ok { white } else { warn }),
            small(printer, if printer_ok { white } else { warn }),
            small(mode, white),
            small(verified, white),
            small(tries, white),
        ]
        .spacing(30);
        let mut notes = Row::new().spacing(12).align_y(Alignment::Center);
        if let Some(call) = k.clerk_call() {
            let reason = match &call.reason {
                Some(r) => t(&reason_key(r)),
                None => t("clerk.reason.resident"),
            };
            let on_screen = matches!(k.screen(), Screen::SeeClerk(_));
            if !call.answered {
                notes = notes.push(
                    container(
                        text(tf("clerk.call_waiting", &[("reason", &reason)]))
                            .size(style::SMALL)
                            .font(bold())
                            .color(white),
                    )
                    .padding([10, 18])
                    .width(Length::Fill)
                    .style(style::panel(style::ALERT, white)),
                );
            } else if on_screen {
                notes = notes.push(
                    container(small(
                        tf("clerk.call_answered", &[("reason", &reason)]),
                        white,
                    ))
                    .padding([10, 18])
                    .width(Length::Fill)
                    .style(style::panel(Color::from_rgb8(0x3A, 0x46, 0x57), white)),
                );
            }
        }
        if let (Screen::Done, Some(n)) = (k.screen(), k.sheets()) {
            let forms: Vec<String> = k
                .chosen()
                .iter()
                .map(|id| crate::ui::widgets::named(Language::JA, "form", id))
                .collect();
            let window = k.window().map_or("", |w| w.as_str());
            notes = notes.push(small(
                tf(
                    "clerk.printed",
                    &[
                        ("n", &n.to_string()),
                        ("forms", &forms.join("、")),
                        ("window", window),
                    ],
                ),
                white,
            ));
        }
        if k.clerk_check().is_some() {
            notes = notes.push(
                container(
                    text(t("clerk.strange_chars"))
                        .size(style::SMALL)
                        .color(white),
                )
                .padding([10, 14])
                .width(Length::Fill)
                .style(style::panel(style::ALERT, white)),
            );
        }
        let in_session = k.screen() != &Screen::Idle;
        let mut actions = Row::new()
            .spacing(12)
            .align_y(Alignment::Center)
            .height(style::TOUCH);
        if self.confirm_reset && in_session {
            actions = actions
                .push(
                    text(t("clerk.reset_ask"))
                        .size(style::TEXT)
                        .color(white)
                        .width(Length::Fill),
                )
                .push(
                    big(
                        t("clerk.reset_no"),
                        Kind::Clerk,
                        Some(Message::ConfirmReset(false)),
                    )
                    .width(Length::Shrink),
                )
                .push(space::horizontal().width(40))
                .push(
                    big(
                        t("clerk.reset_yes"),
                        Kind::Alert,
                        Some(Message::ConfirmReset(true)),
                    )
                    .width(Length::Shrink),
                );
        } else {
            actions = actions.push(notes.width(Length::Fill));
            if let Some(names) = info.demo_cards {
                let placed = matches!(info.reader, ReaderState::Card(_));
                // The demo's picker (its fixture names are the picker's own words).
                actions = actions
                    .push(
                        pick_list(names, self.pick.clone(), Message::DemoPick)
                            .placeholder(t("demo.card"))
                            .text_size(style::SMALL)
                            .padding(18)
                            .width(260),
                    )
                    .push(
                        big(
                            t("demo.place"),
                            Kind::Clerk,
                            (!placed).then_some(Message::DemoCard(true)),
                        )
                        .width(Length::Shrink),
                    )
                    .push(
                        big(
                            t("demo.remove"),
                            Kind::Clerk,
                            placed.then_some(Message::DemoCard(false)),
                        )
                        .width(Length::Shrink),
                    );
            }
            if in_session && !staff_mode {
                actions = actions.push(
                    big(t("clerk.take_over"), Kind::Clerk, Some(Message::TakeOver))
                        .width(Length::Shrink),
                );
            }
            if !info.admin_open {
                actions = actions.push(
                    big(t("clerk.admin"), Kind::Clerk, Some(Message::Admin)).width(Length::Shrink),
                );
            }
            if in_session {
                // Away from 代わりに操作, and it asks first.
                actions = actions.push(space::horizontal().width(60)).push(
                    big(t("clerk.reset"), Kind::Clerk, Some(Message::Reset)).width(Length::Shrink),
                );
            }
        }
        let bar = Column::new().push(status).push(actions);
        container(bar.spacing(6))
            .padding([8, 20])
            .width(Length::Fill)
            .style(style::panel(style::CLERK, white))
            .into()
    }
}
