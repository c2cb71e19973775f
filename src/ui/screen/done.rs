//! Printed: take your card and the forms to the window; an optional one-tap survey.

use iced::widget::{Row, column, space};

use super::{Context, Page};
use crate::kiosk::Event;
use crate::ui::ruby::ruby;
use crate::ui::style::{self, Kind};
use crate::ui::widgets::{big, bold, lead, title};
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
                cx.rt(&format!("survey.{n}")),
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
    let mut col = column![title(cx.rt("done.title"))].spacing(28);
    if k.identification() != Some(Identification::None) {
        col = col.push(
            ruby(cx.rt("done.card"))
                .size(48)
                .color(style::ALERT)
                .font(bold()),
        );
    }
    if let Some(n) = k.sheets() {
        let forms: Vec<String> = k
            .chosen()
            .iter()
            .map(|id| cx.named("form", id).marked)
            .collect();
        col = col.push(
            ruby(if n == 1 {
                cx.rt("done.sheets_one")
            } else {
                cx.rtf("done.sheets", &[("n", &n.to_string())])
            })
            .size(44)
            .font(bold()),
        );
        col = col.push(lead(cx.rtf(
            "done.forms",
            &[("forms", &forms.join(cx.t("done.list_sep").as_str()))],
        )));
    }
    col = col.push(ruby(cx.rtf("done.window", &[("window", &window)])).size(44));
    col = col.push(space::vertical().height(30));
    col = col.push(lead(cx.rt("survey.question")));
    col = col.push(faces);
    Page::new(col).next(cx.rt("done.finish"), Some(Message::Finish))
}
