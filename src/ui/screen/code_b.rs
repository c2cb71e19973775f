//! 照合番号B: the era and date of birth, the card's expiry year and its security code, typed
//! on one pad into the field that is active. The entry is this screen's state: leaving the
//! screen drops it (and so zeroes it).

use iced::widget::{Row, column, container, row};
use iced::{Element, Length};

use super::{Context, Page};
use crate::kiosk::Event;
use crate::kiosk::entry::{CodeBEntry, CodeBField};
use crate::ui::ruby::{Label, ruby};
use crate::ui::style::{self, Kind};
use crate::ui::widgets::text;
use crate::ui::widgets::{big, digit_pad, lead, title};
use crate::wareki::Era;

/// What is read aloud on entering: the title and what to enter (never a digit).
pub fn spoken() -> &'static [&'static str] {
    &["code_b.title", "code_b.lead"]
}

/// What has been typed so far.
#[derive(Default)]
pub struct State {
    entry: CodeBEntry,
}

/// A touch on the 照合番号B screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Pick the era.
    Era(Era),
    /// A digit (10: erase).
    Key(u8),
    /// Send it.
    Send,
    /// Back to "place your card".
    Back,
}

impl State {
    /// Handle a touch; sending hands the credential to the session.
    pub fn update(&mut self, message: Message) -> Option<Event> {
        match message {
            Message::Era(era) => {
                self.entry.era = era;
                None
            }
            Message::Key(d) if d > 9 => {
                self.entry.erase();
                None
            }
            Message::Key(d) => {
                self.entry.push(d);
                None
            }
            Message::Send => {
                let event = self.entry.event();
                if event.is_some() {
                    self.entry.clear();
                }
                event
            }
            Message::Back => Some(Event::Back),
        }
    }

    /// The screen.
    pub fn view<'a>(&'a self, cx: &Context<'a>) -> Page<'a, Message> {
        let e = &self.entry;
        let field_box = |label: Label, value: String, active: bool| -> Element<'a, Message> {
            column![
                ruby(label).size(style::SMALL),
                container(text(value).size(44))
                    .padding([12, 20])
                    .width(640)
                    .style(move |t| {
                        let mut s = style::card(t);
                        if active {
                            s.border.color = style::PRIMARY;
                            s.border.width = 5.0;
                        }
                        s
                    }),
            ]
            .spacing(6)
            .into()
        };
        let birth_shown = {
            let d: Vec<char> = e.birth.chars().collect();
            let part = |r: std::ops::Range<usize>| -> String {
                r.map(|i| d.get(i).copied().unwrap_or('＿')).collect()
            };
            format!(
                "{} {}年 {}月 {}日",
                e.era.kanji(),
                part(0..2),
                part(2..4),
                part(4..6)
            )
        };
        let mut eras = Row::new().spacing(12);
        for era in [Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa] {
            eras = eras.push(
                big(
                    era.kanji().to_owned(),
                    if e.era == era {
                        Kind::Chosen
                    } else {
                        Kind::Plain
                    },
                    Some(Message::Era(era)),
                )
                .width(150),
            );
        }
        let body = row![
            column![
                title(cx.rt("code_b.title")),
                lead(cx.rt("code_b.lead")),
                eras,
                field_box(
                    cx.rt("code_b.birth"),
                    birth_shown,
                    e.field == CodeBField::Birth
                ),
                field_box(
                    cx.rt("code_b.expiry"),
                    e.expiry.to_string(),
                    e.field == CodeBField::Expiry
                ),
                field_box(
                    cx.rt("code_b.security"),
                    "●".repeat(e.security.len()),
                    e.field == CodeBField::Security
                ),
            ]
            .spacing(16)
            .width(Length::Fill),
            digit_pad(Message::Key, cx.t("key.erase"), None),
        ]
        .spacing(40);
        Page::new(body)
            .back(Message::Back)
            .next(cx.rt("code_b.send"), e.event().map(|_| Message::Send))
    }
}
