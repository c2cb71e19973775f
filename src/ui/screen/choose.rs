//! Choose one or more forms: all of them as tiles tagged with their category, or filtered by
//! a purpose (引っ越し, 税 …).

use iced::widget::{Column, Row, button, column, row, scrollable};
use iced::{Element, Length};

use super::{Context, Page};
use crate::kiosk::Event;
use crate::ui::ruby::ruby;
use crate::ui::style::{self, Kind};
use crate::ui::widgets::{big, lead, named, title};
use crate::usage::record::Language;

/// What is read aloud on entering: the title.
pub fn spoken() -> &'static [&'static str] {
    &["choose.title"]
}

/// The tab and the purpose picked on this visit of the screen.
#[derive(Debug, Default)]
pub struct State {
    purpose: Option<String>,
    purposes_open: bool,
}

/// A touch on the form choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The tab: `None` for all forms, `Some(purpose)` for one purpose.
    Purpose(Option<String>),
    /// Show every purpose.
    Purposes,
    /// Choose or un-choose a form.
    Toggle(String),
    /// Back to the start.
    Back,
    /// On to the card.
    Next,
    /// The list was scrolled: a touch for the idle timer.
    Scrolled,
}

/// A form tile's width, and the width its name is laid out in (the tile's padding off).
const TILE: f32 = 440.0;
const TILE_TEXT: f32 = TILE - 36.0;
/// A tile's height: its tag and two lines of name, each with its ふりがな line (the three
/// rows of ten tiles still fit the screen without scrolling).
const TILE_HEIGHT: f32 = 176.0;

/// A form's name as its tile shows it: in lines broken between phrases only (the UI
/// simulation tests find a tile by this text).
pub fn tile_name(lang: Language, id: &str) -> String {
    named(lang, "form", id)
}

impl State {
    /// Handle a touch; the form choice itself belongs to the session.
    pub fn update(&mut self, message: Message) -> Option<Event> {
        match message {
            Message::Purpose(p) => {
                self.purpose = p;
                self.purposes_open = false;
                None
            }
            Message::Purposes => {
                self.purposes_open = true;
                None
            }
            Message::Toggle(id) => Some(Event::ToggleForm(id)),
            Message::Back => Some(Event::Back),
            Message::Next => Some(Event::Next),
            Message::Scrolled => None,
        }
    }

    /// The screen.
    pub fn view<'a>(&'a self, cx: &Context<'a>) -> Page<'a, Message> {
        let k = cx.kiosk;
        let lang = cx.lang();
        let chosen = k.chosen();
        let mut purposes: Vec<&str> = k
            .templates()
            .iter()
            .flat_map(|t| t.spec.purposes.iter().map(String::as_str))
            .collect();
        purposes.sort();
        purposes.dedup();
        let tab = |on: bool| if on { Kind::Chosen } else { Kind::Plain };
        let tabs = row![
            big(
                cx.rt("choose.all"),
                tab(self.purpose.is_none() && !self.purposes_open),
                Some(Message::Purpose(None)),
            )
            .width(420),
            big(
                cx.rt("choose.by_purpose"),
                tab(self.purposes_open || self.purpose.is_some()),
                Some(Message::Purposes),
            )
            .width(420),
        ]
        .spacing(20);
        let main: Element<'a, Message> = if self.purposes_open {
            let mut r = Row::new().spacing(16);
            for p in purposes {
                r = r.push(
                    big(
                        cx.named("purpose", p),
                        Kind::Plain,
                        Some(Message::Purpose(Some(p.to_owned()))),
                    )
                    .width(440),
                );
            }
            column![
                lead(cx.rt("choose.purpose_lead")),
                r.wrap().vertical_spacing(16)
            ]
            .spacing(20)
            .into()
        } else {
            // One flow of tiles, each tagged with its category: all ten forms fit on one
            // screen without scrolling, which a resident may not think of doing.
            let mut tiles = Row::new().spacing(16);
            for t in k.offered().into_iter().filter(|t| {
                self.purpose
                    .as_ref()
                    .is_none_or(|p| t.spec.purposes.contains(p))
            }) {
                let on = chosen.contains(&t.spec.id.as_str());
                // Chosen is said by a ✓ and a thick border, not by the fill's colour alone.
                let tag = if on {
                    cx.rt("choose.chosen").prefixed("✓ ")
                } else {
                    cx.named("category", &t.spec.category)
                };
                tiles = tiles.push(
                    button(
                        column![
                            ruby(tag).size(style::SMALL).color(if on {
                                style::INK
                            } else {
                                style::LINE
                            }),
                            ruby(cx.named("form", &t.spec.id))
                                .size(style::TEXT)
                                .width(TILE_TEXT),
                        ]
                        .spacing(2),
                    )
                    .width(TILE)
                    .height(TILE_HEIGHT)
                    .padding([6, 18])
                    .style(style::button_style(tab(on)))
                    .on_press(Message::Toggle(t.spec.id.clone())),
                );
            }
            let mut col = Column::new().spacing(16);
            if let Some(p) = &self.purpose {
                col = col.push(lead(cx.rtf(
                    "choose.for_purpose",
                    &[("purpose", &named(lang, "purpose", p))],
                )));
            }
            scrollable(col.push(tiles.wrap().vertical_spacing(10)))
                .on_scroll(|_| Message::Scrolled)
                .height(Length::Fill)
                .into()
        };
        let n = chosen.len();
        Page::new(column![title(cx.rt("choose.title")), tabs, main].spacing(20))
            .back(Message::Back)
            .next(
                cx.rtf("choose.next", &[("n", &n.to_string())]),
                (n > 0).then_some(Message::Next),
            )
    }
}
