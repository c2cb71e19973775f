//! Every page before printing, drawn from the very PDF that prints (what you see is what
//! prints). The pages are rasterised once, when the screen is entered.

use iced::widget::{Column, column, container, image, scrollable, text};
use iced::{Alignment, Length};

use super::{Context, Page};
use crate::kiosk::Event;
use crate::ui::style;
use crate::ui::widgets::{lead, title};

/// The rasterised pages, or why there are none.
pub struct State {
    pages: Vec<image::Handle>,
    error: Option<crate::forms::preview::PreviewError>,
}

/// A touch on the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Print everything.
    Print,
    /// Back to the questions.
    Back,
}

impl State {
    /// Rasterise `pdf` (the session's rendered forms) at 2×, sharp on the kiosk's panel.
    pub fn new(pdf: Option<&[u8]>) -> Self {
        match pdf.map(|p| crate::forms::preview::pages(p, 2.0)) {
            Some(Ok(pages)) => State {
                pages: pages
                    .into_iter()
                    .map(|p| image::Handle::from_rgba(p.width, p.height, p.rgba))
                    .collect(),
                error: None,
            },
            Some(Err(e)) => State {
                pages: Vec::new(),
                error: Some(e),
            },
            None => State {
                pages: Vec::new(),
                error: None,
            },
        }
    }

    /// The screen.
    pub fn view<'a>(&'a self, cx: &Context<'a>) -> Page<'a, Message> {
        // Large enough to read every line (about 5.2 px per mm); the resident scrolls down.
        let mut pages = Column::new()
            .spacing(30)
            .width(Length::Fill)
            .align_x(Alignment::Center);
        for page in &self.pages {
            pages = pages.push(
                container(image(page.clone()).width(1100))
                    .style(style::card)
                    .padding(6),
            );
        }
        let mut body =
            column![title(cx.t("preview.title")), lead(cx.t("preview.lead"))].spacing(16);
        if let Some(e) = &self.error {
            body = body.push(
                text(e.for_clerk().in_language(cx.lang()))
                    .size(style::SMALL)
                    .color(style::ALERT),
            );
        }
        body = body.push(
            scrollable(pages)
                .direction(scrollable::Direction::Vertical(
                    scrollable::Scrollbar::new().width(24).scroller_width(24),
                ))
                .height(Length::Fill),
        );
        Page::new(body)
            .back(Message::Back)
            .next(cx.t("preview.print"), Some(Message::Print))
    }
}

/// The session event a touch makes.
pub fn update(message: Message) -> Option<Event> {
    Some(match message {
        Message::Print => Event::Print,
        Message::Back => Event::Back,
    })
}
