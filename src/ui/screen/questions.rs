//! A form's questions, all on one page with their defaults chosen, so a resident who needs the
//! usual answers taps only "next". Kana and numbers are typed on an on-screen keyboard (this
//! screen's editor, drawn as a modal over the page); in take-over mode the clerk types into
//! text fields on the back window instead.
//!
//! What a question allows — its options, a count's bounds, how long a typed answer may be — is
//! the question's own ([`crate::forms::template::QuestionSpec`]); this view only shows it.

use iced::widget::{Column, Row, column, container, row, scrollable, space, text_input};
use iced::{Alignment, Element, Length};
use zeroize::Zeroizing;

use super::{Context, Page};
use crate::forms::template::{QuestionKind, QuestionSpec};
use crate::kiosk::entry::modify_last_kana;
use crate::kiosk::{Event, Kiosk};
use crate::ui::ruby::{Label, ruby};
use crate::ui::secret::Secret;
use crate::ui::style::{self, Kind};
use crate::ui::widgets::text;
use crate::ui::widgets::{Key, big, bold, japanese, kana_keyboard, lead, number_pad, title};

/// What is read aloud on entering: the instruction (the title is the form's name from its
/// template, not a catalog sentence; the questions and answers are never read).
pub fn spoken() -> &'static [&'static str] {
    &["q.lead"]
}

/// The page of one chosen form, and the keyboard while it is open.
pub struct State {
    form: usize,
    editor: Option<Editor>,
}

/// The on-screen keyboard's question and what has been typed (zeroed when dropped).
struct Editor {
    question: String,
    kana: bool,
    max: usize,
    buffer: Zeroizing<String>,
}

/// A touch on the questions page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// An answer: the question's id and the value (furigana and phone numbers are personal).
    Answer(String, Secret),
    /// Open the keyboard for a question.
    Edit(String),
    /// A key of the open keyboard.
    Key(Key),
    /// Back.
    Back,
    /// Next page (or the preview).
    Next,
    /// The list was scrolled: a touch for the idle timer.
    Scrolled,
}

impl State {
    /// The page of the chosen form at `form`.
    pub fn new(form: usize) -> Self {
        State { form, editor: None }
    }

    /// Which chosen form this page is.
    pub fn form(&self) -> usize {
        self.form
    }

    fn question<'k>(&self, kiosk: &'k Kiosk, id: &str) -> Option<&'k QuestionSpec> {
        kiosk
            .chosen_template(self.form)?
            .spec
            .questions
            .iter()
            .map(|q| q.get_ref())
            .find(|q| q.id == id)
    }

    /// Handle a touch; answers go to the session.
    pub fn update(&mut self, message: Message, kiosk: &Kiosk) -> Option<Event> {
        match message {
            Message::Answer(question, value) => Some(Event::Answer {
                question,
                value: value.take(),
            }),
            Message::Edit(question) => {
                let q = self.question(kiosk, &question)?;
                let current = kiosk
                    .answers(self.form)
                    .and_then(|a| a.get(&question))
                    .unwrap_or_default();
                self.editor = Some(Editor {
                    kana: q.kind == QuestionKind::Kana,
                    max: q.max_chars(),
                    buffer: Zeroizing::new(current.to_owned()),
                    question,
                });
                None
            }
            Message::Key(key) => self.key(key),
            Message::Back => Some(Event::Back),
            Message::Next => Some(Event::Next),
            Message::Scrolled => None,
        }
    }

    fn key(&mut self, key: Key) -> Option<Event> {
        let e = self.editor.as_mut()?;
        let buf = &mut e.buffer;
        match key {
            Key::Char(c) if buf.chars().count() < e.max => buf.push(c),
            Key::Char(_) => {}
            Key::Dakuten => {
                modify_last_kana(buf, false);
            }
            Key::Small => {
                modify_last_kana(buf, true);
            }
            Key::Erase => {
                buf.pop();
            }
            Key::Clear => buf.clear(),
            Key::Cancel => self.editor = None,
            Key::Done => {
                let e = self.editor.take()?;
                return Some(Event::Answer {
                    value: e.buffer.trim().to_owned(),
                    question: e.question,
                });
            }
        }
        None
    }

    /// The page.
    pub fn view<'a>(&'a self, cx: &Context<'a>) -> Page<'a, Message> {
        let k = cx.kiosk;
        let lang = cx.lang();
        let (Some(t), Some(answers)) = (k.chosen_template(self.form), k.answers(self.form)) else {
            return Page::new(lead(String::new()));
        };
        let missing = k.unanswered(self.form);
        let mut list = Column::new().spacing(14);
        for q in t.spec.questions.iter().map(|q| q.get_ref()) {
            let value = answers.get(&q.id);
            let control = control(cx, q, value);
            let mut label_col = column![
                ruby(cx.marked(q.label.marked(lang)))
                    .size(style::TEXT)
                    .width(480)
            ]
            .width(480);
            if missing.contains(&q.id.as_str()) {
                label_col = label_col.push(
                    ruby(cx.rt("q.required"))
                        .size(style::SMALL)
                        .color(style::ALERT),
                );
            } else if k.shared_from(self.form, &q.id).is_some() {
                // Asked once: answered on an earlier form's page.
                label_col = label_col.push(
                    ruby(cx.rt("q.shared").prefixed("✓ "))
                        .size(style::SMALL)
                        .color(style::GOOD),
                );
            }
            list = list.push(
                container(
                    row![label_col, control]
                        .spacing(24)
                        .align_y(Alignment::Center),
                )
                .padding([10, 20])
                .style(style::card)
                .width(Length::Fill),
            );
        }
        let heading = cx.rtf("q.title", &[("form", &cx.named("form", &t.spec.id).marked)]);
        let progress = cx.rtf(
            "q.progress",
            &[
                ("n", &(self.form + 1).to_string()),
                ("total", &k.chosen().len().to_string()),
            ],
        );
        let body = column![
            row![
                ruby(progress)
                    .size(style::TEXT)
                    .font(bold())
                    .color(style::PRIMARY),
                title(heading)
            ]
            .spacing(24)
            .align_y(Alignment::Center),
            lead(cx.rt("q.lead")),
            scrollable(list)
                .direction(scrollable::Direction::Vertical(
                    scrollable::Scrollbar::new().width(24).scroller_width(24),
                ))
                .on_scroll(|_| Message::Scrolled)
                .height(Length::Fill)
        ]
        .spacing(12);
        Page::new(body).back(Message::Back).next(
            cx.rt("nav.next"),
            missing.is_empty().then_some(Message::Next),
        )
    }

    /// The keyboard, while open (drawn over the page).
    pub fn editor<'a>(&'a self, cx: &Context<'a>) -> Option<Element<'a, Message>> {
        let e = self.editor.as_ref()?;
        let label = self
            .question(cx.kiosk, &e.question)
            .map(|q| cx.marked(q.label.marked(cx.lang())))
            .unwrap_or_else(|| Label::from(""));
        let keys: Element<'a, Message> = if e.kana {
            kana_keyboard(
                Message::Key,
                [
                    cx.t("key.dakuten"),
                    cx.t("key.small"),
                    cx.t("key.space"),
                    cx.t("key.erase"),
                    cx.t("key.clear"),
                ],
            )
        } else {
            number_pad(Message::Key, cx.t("key.erase"))
        };
        Some(
            column![
                ruby(label).size(style::TEXT).font(bold()),
                container(text(e.buffer.as_str()).size(52).font(japanese()))
                    .padding([10, 24])
                    .width(Length::Fill)
                    .height(100)
                    .style(style::card),
                keys,
                row![
                    big(
                        cx.rt("key.cancel"),
                        Kind::Plain,
                        Some(Message::Key(Key::Cancel))
                    )
                    .width(360),
                    space::horizontal(),
                    big(
                        cx.rt("key.done"),
                        Kind::Primary,
                        Some(Message::Key(Key::Done))
                    )
                    .width(420),
                ]
            ]
            .spacing(20)
            .into(),
        )
    }
}

/// The control for one question.
fn control<'a>(
    cx: &Context<'a>,
    q: &'a QuestionSpec,
    value: Option<&'a str>,
) -> Element<'a, Message> {
    let lang = cx.lang();
    match q.kind {
        QuestionKind::Choice | QuestionKind::Choices => {
            let mut r = Row::new().spacing(12);
            let picked = q.picked(value);
            for o in &q.options {
                let on = picked.contains(&o.value.as_str());
                r = r.push(
                    big(
                        if on {
                            cx.marked(o.label.marked(lang)).prefixed("✓ ")
                        } else {
                            cx.marked(o.label.marked(lang))
                        },
                        if on { Kind::Chosen } else { Kind::Plain },
                        Some(Message::Answer(
                            q.id.clone(),
                            q.toggle(value, &o.value).into(),
                        )),
                    )
                    .width(Length::Shrink),
                );
            }
            r.wrap().vertical_spacing(12).into()
        }
        QuestionKind::Count => {
            let n: u32 = value.and_then(|v| v.parse().ok()).unwrap_or(0);
            let bounds = q.count_bounds();
            let step = |to: u32| Message::Answer(q.id.clone(), to.to_string().into());
            row![
                big("−", Kind::Plain, (n > *bounds.start()).then(|| step(n - 1)))
                    .width(style::TOUCH + 20.0),
                container(ruby(cx.rtf("q.count", &[("n", &n.to_string())])).size(44)).center_x(200),
                big("+", Kind::Plain, (n < *bounds.end()).then(|| step(n + 1)))
                    .width(style::TOUCH + 20.0),
            ]
            .spacing(12)
            .align_y(Alignment::Center)
            .into()
        }
        QuestionKind::Number | QuestionKind::Kana => {
            if cx.clerk_operates() && q.kind == QuestionKind::Kana {
                let id = q.id.clone();
                text_input(&cx.t("q.staff_romaji"), value.unwrap_or_default())
                    .on_input(move |s| {
                        Message::Answer(
                            id.clone(),
                            wana_kana::ConvertJapanese::to_katakana(s.as_str()).into(),
                        )
                    })
                    .size(style::TEXT)
                    .padding(16)
                    .width(700)
                    .into()
            } else {
                // A typed value is shown as it is (it is the resident's, never marked).
                let shown = value
                    .filter(|v| !v.is_empty())
                    .map_or_else(|| cx.rt("q.tap_to_enter"), Label::from);
                big(shown, Kind::Plain, Some(Message::Edit(q.id.clone())))
                    .width(700)
                    .into()
            }
        }
        QuestionKind::StaffText => {
            if cx.clerk_operates() {
                let id = q.id.clone();
                text_input("", value.unwrap_or_default())
                    .on_input(move |s| Message::Answer(id.clone(), s.into()))
                    .size(style::TEXT)
                    .padding(16)
                    .width(700)
                    .into()
            } else {
                ruby(cx.rt("q.staff_only")).size(style::SMALL).into()
            }
        }
    }
}
