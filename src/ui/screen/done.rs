//! Printed: take your card and the forms to the window; an optional one-tap survey.

use iced::widget::{Row, column, space};

use super::{Context, Page};
use crate::kiosk::Event;
use crate::ui::style::{self, Kind};
use crate::ui::widgets::text;
use crate::ui::widgets::{big, bold, lead, named, title};
use crate::usage::record::Identification;

/// A touch on the done screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The survey (1–5).
    Survey(u8),
    /// Finish: wipe and back to the start.
    Finish,
}

/// The session event a touch makes.
pub fn update(message: Message) -> Option<Event> {
    Some(match message {
        Message::Survey(n) => Event::Survey(n),
        Message::Finish => Event::Finish,
    })
}

/// What is read aloud on entering: printed, and (with a card) "take your card".
pub fn spoken(how: Option<Identification>) -> &'static [&'static str] {
    if how == Some(Identification::None) {
        &["done.title"]
    } else {
        &["done.title", "done.card"]
    }
}

/// The screen.
pub fn view<'a>(cx: &Context<'a>) -> Page<'a, Message> {
    let k = cx.kiosk;
    let window = k.window().map_or("", |w| w.as_str()).to_owned();
    let mut faces = Row::new().spacing(16);
    let given = k.satisfaction();
    for n in 1..=5u8 {
        faces = faces.push(
            big(
                cx.t(&format!("survey.{n}")),
                if given == Some(n) {
                    Kind::Chosen
                } else {
                    Kind::Plain
                },
                Some(Message::Survey(n)),
            )
            .width(300),
        );
    }
    let mut col = column![title(cx.t("done.title"))].spacing(28);
    if k.identification() != Some(Identification::None) {
        col = col.push(
            text(cx.t("done.card"))
                .size(48)
                .color(style::ALERT)
                .font(bold()),
        );
    }
    if let Some(n) = k.sheets() {
        let forms: Vec<String> = k
            .chosen()
            .iter()
            .map(|id| named(cx.lang(), "form", id))
            .collect();
        col = col.push(
            text(if n == 1 {
                cx.t("done.sheets_one")
            } else {
                cx.tf("done.sheets", &[("n", &n.to_string())])
            })
            .size(44)
            .font(bold()),
        );
        col = col.push(lead(cx.tf(
            "done.forms",
            &[("forms", &forms.join(cx.t("done.list_sep").as_str()))],
        )));
    }
    col = col.push(text(cx.tf("done.window", &[("window", &window)])).size(44));
    col = col.push(space::vertical().height(30));
    col = col.push(lead(cx.t("survey.question")));
    col = col.push(faces);
    Page::new(col).next(cx.t("done.finish"), Some(Message::Finish))
}
