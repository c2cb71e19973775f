//! Every page before printing, drawn from the very PDF that prints (what you see is what
//! prints). The pages are rasterised once, when the screen is entered. One page shows at a
//! time, with page buttons and a zoom, so small print can be read without fiddling; scrolling
//! it is a touch for the idle timer (someone reading is there).

use iced::widget::{Column, Row, column, container, image, row, scrollable, space};
use iced::{Alignment, Length};

use super::{Context, Page};
use crate::kiosk::Event;
use crate::ui::ruby::ruby;
use crate::ui::style::{self, Kind};
use crate::ui::widgets::text;
use crate::ui::widgets::{big, lead, title};

/// The page widths the zoom steps through (layout pixels; the first fits the screen's width
/// with the page's top half in view).
pub const ZOOM_WIDTHS: [f32; 3] = [1100.0, 1500.0, 1900.0];

/// What is read aloud on entering: the title and how to look at the pages.
pub fn spoken() -> &'static [&'static str] {
    &["preview.title", "preview.lead"]
}

/// The rasterised pages, or why there are none; the page showing and the zoom step.
pub struct State {
    pages: Vec<image::Handle>,
    error: Option<crate::forms::preview::PreviewError>,
    page: usize,
    zoom: usize,
}

/// A touch on the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Print everything.
    Print,
    /// Back to the questions.
    Back,
    /// The previous (`false`) or next (`true`) page.
    Turn(bool),
    /// Larger (`true`) or smaller.
    Zoom(bool),
    /// The page was scrolled: the resident is reading.
    Scrolled,
}

impl State {
    /// Rasterise `pdf` (the session's rendered forms) at 2×, sharp on the kiosk's panel.
    pub fn new(pdf: Option<&[u8]>) -> Self {
        let (pages, error) = match pdf.map(|p| crate::forms::preview::pages(p, 2.0)) {
            Some(Ok(pages)) => (
                pages
                    .into_iter()
                    .map(|p| image::Handle::from_rgba(p.width, p.height, p.rgba))
                    .collect(),
                None,
            ),
            Some(Err(e)) => (Vec::new(), Some(e)),
            None => (Vec::new(), None),
        };
        State {
            pages,
            error,
            page: 0,
            zoom: 0,
        }
    }

    /// The page showing (from 0) and how many there are.
    pub fn page(&self) -> (usize, usize) {
        (self.page, self.pages.len())
    }

    /// The width the page is drawn at.
    pub fn width(&self) -> f32 {
        ZOOM_WIDTHS[self.zoom]
    }

    /// Handle a touch; returns the session event it makes (page turns, zoom and scrolling
    /// are the screen's own, and count as a touch).
    pub fn update(&mut self, message: Message) -> Option<Event> {
        match message {
            Message::Print => return Some(Event::Print),
            Message::Back => return Some(Event::Back),
            Message::Turn(true) => self.page = (self.page + 1).min(self.pages.len().max(1) - 1),
            Message::Turn(false) => self.page = self.page.saturating_sub(1),
            Message::Zoom(true) => self.zoom = (self.zoom + 1).min(ZOOM_WIDTHS.len() - 1),
            Message::Zoom(false) => self.zoom = self.zoom.saturating_sub(1),
            Message::Scrolled => {}
        }
        None
    }

    /// The screen.
    pub fn view<'a>(&'a self, cx: &Context<'a>) -> Page<'a, Message> {
        let mut pages = Column::new()
            .width(Length::Shrink)
            .align_x(Alignment::Center);
        if let Some(page) = self.pages.get(self.page) {
            pages = pages.push(
                container(image(page.clone()).width(self.width()))
                    .style(style::card)
                    .padding(6),
            );
        }
        let total = self.pages.len();
        let last_zoom = ZOOM_WIDTHS.len() - 1;
        let mut tools = Row::new().spacing(16).align_y(Alignment::Center);
        if total > 1 {
            tools = tools
                .push(
                    big(
                        cx.rt("preview.prev"),
                        Kind::Plain,
                        (self.page > 0).then_some(Message::Turn(false)),
                    )
                    .width(Length::Shrink),
                )
                .push(
                    ruby(cx.rtf(
                        "preview.page",
                        &[
                            ("n", &(self.page + 1).to_string()),
                            ("total", &total.to_string()),
                        ],
                    ))
                    .size(style::TEXT),
                )
                .push(
                    big(
                        cx.rt("preview.next_page"),
                        Kind::Plain,
                        (self.page + 1 < total).then_some(Message::Turn(true)),
                    )
                    .width(Length::Shrink),
                );
        }
        tools = tools
            .push(space::horizontal())
            .push(
                big(
                    cx.rt("preview.zoom_out"),
                    Kind::Plain,
                    (self.zoom > 0).then_some(Message::Zoom(false)),
                )
                .width(Length::Shrink),
            )
            .push(
                big(
                    cx.rt("preview.zoom_in"),
                    Kind::Plain,
                    (self.zoom < last_zoom).then_some(Message::Zoom(true)),
                )
                .width(Length::Shrink),
            );
        let mut body = column![
            row![column![title(cx.rt("preview.title")), lead(cx.rt("preview.lead"))].spacing(16),],
            tools,
        ]
        .spacing(12);
        if let Some(e) = &self.error {
            body = body.push(
                text(e.for_clerk().in_language(cx.lang()))
                    .size(style::SMALL)
                    .color(style::ALERT),
            );
        }
        let bar = scrollable::Scrollbar::new().width(24).scroller_width(24);
        body = body.push(
            container(
                scrollable(pages)
                    .direction(scrollable::Direction::Both {
                        vertical: bar,
                        horizontal: bar,
                    })
                    .on_scroll(|_| Message::Scrolled)
                    .width(Length::Shrink)
                    .height(Length::Fill),
            )
            .center_x(Length::Fill),
        );
        Page::new(body)
            .back(Message::Back)
            .next(cx.rt("preview.print"), Some(Message::Print))
    }
}
