//! One module per screen, as Halloy's `src/screen/` does: each owns its state (made when the
//! screen is entered, so nothing is cleared by hand when it is left), its `Message`, an
//! `update` that hands what happened upward (a [`kiosk::Event`] for the session, or nothing)
//! and a `view`.
//!
//! The resident's screens — [`idle`], [`choose`], [`place_card`], [`pin`], [`code_b`],
//! [`confirm`], [`questions`], [`preview`], [`done`], [`see_clerk`] — and the clerk's
//! [`staff_entry`] follow the session's [`kiosk::Screen`]; both windows draw the same one.
//! The clerk's [`clerk_bar`] and [`admin`] screen belong to the back window only.
//!
//! This module holds the routing ([`Screen`], [`Message`]) and what every resident screen
//! shares: the frame (header with "call the clerk", footer with back and the main action),
//! the busy screen, the countdown. [`super::app::App`] routes messages here; it does not know a
//! screen's insides.

pub mod admin;
pub mod choose;
pub mod clerk_bar;
pub mod code_b;
pub mod confirm;
pub mod done;
pub mod idle;
pub mod pin;
pub mod place_card;
pub mod preview;
pub mod questions;
pub mod see_clerk;
pub mod staff_entry;

use iced::widget::{Row, center, column, container, opaque, row, space, stack};
use iced::{Alignment, Color, Element, Length};

use super::ruby::{Label, ruby};
use super::style::{self, Kind};
use super::widgets::{big, bold, lead, title};
use crate::i18n;
use crate::kiosk::{self, Busy, Event, Kiosk};
use crate::ui::widgets::text;
use crate::usage::record::{Language, Mode};

/// Which window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The resident's screen.
    Front,
    /// The clerk's screen on the back of the cabinet.
    Back,
}

/// What the clerk bar and the "place your card" screen know of the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderState {
    /// Not known yet.
    Unknown,
    /// pcscd is not running.
    NoService,
    /// No reader attached.
    NoReader,
    /// A reader, empty.
    Empty(String),
    /// A reader with a card.
    Card(String),
}

/// What a resident screen's view reads besides its own state.
pub struct Context<'a> {
    /// The session.
    pub kiosk: &'a Kiosk,
    /// The window being drawn.
    pub role: Role,
    /// The reader, as the monitor last said.
    pub reader: &'a ReaderState,
    /// The countdown's "stop" was pressed: both windows ask whether to wipe the session.
    pub asking_stop: bool,
    /// Whether the voice is on (the header's 「もう一度　きく」).
    pub voice: bool,
}

impl Context<'_> {
    /// The session's language (Japanese at idle).
    pub fn lang(&self) -> Language {
        self.kiosk.language().unwrap_or(Language::JA)
    }

    /// The catalog string for `key` in the session's language.
    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang(), key)
    }

    /// The catalog string for `key` with its placeholders filled.
    pub fn tf(&self, key: &str, args: &[(&str, &str)]) -> String {
        i18n::tf(self.lang(), key, args)
    }

    /// Whether the resident screens draw ふりがな now (a Japanese session with it on).
    pub fn furigana(&self) -> bool {
        self.kiosk.furigana()
    }

    /// The catalog string for `key` as a resident reads it: with its ふりがな marks, drawn or
    /// not as the session says ([`super::ruby`]).
    pub fn rt(&self, key: &str) -> Label {
        Label::new(i18n::t_marked(self.lang(), key), self.furigana())
    }

    /// [`Context::rt`] with the placeholders filled (an argument is shown as it is).
    pub fn rtf(&self, key: &str, args: &[(&str, &str)]) -> Label {
        let mut s = i18n::t_marked(self.lang(), key);
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        Label::new(s, self.furigana())
    }

    /// Text marked by a template (a question, an option), drawn as the session says.
    pub fn marked(&self, marked: &str) -> Label {
        Label::new(marked, self.furigana())
    }

    /// A catalog entry keyed by data (a form id, a category, a purpose) with its marks, or the
    /// data itself ([`super::widgets::named`]).
    pub fn named(&self, prefix: &str, name: &str) -> Label {
        let s = i18n::t_marked(self.lang(), &format!("{prefix}.{name}"));
        if s.starts_with('⟦') {
            Label::new(name, false)
        } else {
            Label::new(s, self.furigana())
        }
    }

    /// Whether this is the clerk's window while the clerk has taken over.
    pub fn clerk_operates(&self) -> bool {
        self.role == Role::Back && self.kiosk.mode() == Some(Mode::StaffOperated)
    }
}

/// A resident screen's page: its body, and the footer's back and main buttons. The frame
/// around it is drawn here, the same for every screen.
pub struct Page<'a, M> {
    body: Element<'a, M>,
    back: Option<M>,
    next: Option<(Label, Option<M>)>,
}

impl<'a, M: 'a> Page<'a, M> {
    /// A page with this body and no buttons.
    pub fn new(body: impl Into<Element<'a, M>>) -> Self {
        Page {
            body: body.into(),
            back: None,
            next: None,
        }
    }

    /// With a back button.
    pub fn back(mut self, on: M) -> Self {
        self.back = Some(on);
        self
    }

    /// With the main action (disabled while `on` is `None`).
    pub fn next(mut self, label: impl Into<Label>, on: Option<M>) -> Self {
        self.next = Some((label.into(), on));
        self
    }

    fn map<N: 'a>(self, f: impl Fn(M) -> N + Clone + 'a) -> Page<'a, N> {
        Page {
            body: self.body.map(f.clone()),
            back: self.back.map(&f),
            next: self.next.map(|(label, on)| (label, on.map(&f))),
        }
    }
}

/// The resident screen showing, with its own state.
pub enum Screen {
    /// [`idle`].
    Idle,
    /// [`choose`].
    Choose(choose::State),
    /// [`place_card`].
    PlaceCard,
    /// [`pin`].
    Pin,
    /// [`code_b`].
    CodeB(code_b::State),
    /// [`staff_entry`].
    StaffEntry(staff_entry::State),
    /// [`confirm`].
    Confirm(confirm::State),
    /// [`questions`].
    Questions(questions::State),
    /// [`preview`].
    Preview(preview::State),
    /// [`done`].
    Done,
    /// [`see_clerk`].
    SeeClerk,
}

/// A touch on a resident screen, for the screen showing.
#[derive(Debug, Clone)]
pub enum Message {
    /// [`idle`].
    Idle(idle::Message),
    /// [`choose`].
    Choose(choose::Message),
    /// [`place_card`].
    PlaceCard(place_card::Message),
    /// [`pin`].
    Pin(pin::Message),
    /// [`code_b`].
    CodeB(code_b::Message),
    /// [`staff_entry`].
    StaffEntry(staff_entry::Message),
    /// [`confirm`].
    Confirm(confirm::Message),
    /// [`questions`].
    Questions(questions::Message),
    /// [`preview`].
    Preview(preview::Message),
    /// [`done`].
    Done(done::Message),
    /// [`see_clerk`].
    SeeClerk(see_clerk::Message),
    /// The frame's "call the clerk".
    CallClerk,
    /// The frame's 「ふりがな」: readings on or off.
    Furigana,
    /// The countdown: still here (`true`), or stop (`false`, which asks first).
    Countdown(bool),
    /// The answer to "really stop?": stop and wipe (`true`), or go on.
    StopAnswer(bool),
    /// The header's 「もう一度　きく」: read the screen's title and instruction again.
    Replay,
}

impl Screen {
    /// The state of the screen the session shows, made new.
    pub fn enter(kiosk: &Kiosk) -> Screen {
        match kiosk.screen() {
            kiosk::Screen::Idle => Screen::Idle,
            kiosk::Screen::ChooseForms => Screen::Choose(choose::State::default()),
            kiosk::Screen::PlaceCard => Screen::PlaceCard,
            kiosk::Screen::Pin => Screen::Pin,
            kiosk::Screen::CodeB => Screen::CodeB(code_b::State::default()),
            kiosk::Screen::StaffEntry => Screen::StaffEntry(staff_entry::State::default()),
            kiosk::Screen::Confirm => Screen::Confirm(confirm::State::default()),
            kiosk::Screen::Questions { form } => Screen::Questions(questions::State::new(*form)),
            kiosk::Screen::Preview => Screen::Preview(preview::State::new(kiosk.pdf())),
            kiosk::Screen::Done => Screen::Done,
            kiosk::Screen::SeeClerk(_) => Screen::SeeClerk,
        }
    }

    /// The catalog keys read aloud on entering this screen: its title and instruction, never
    /// what the resident entered or the card holds. Every screen module declares its own
    /// (`spoken`), and this match has no default arm, so a new screen cannot forget.
    pub fn spoken(&self, kiosk: &Kiosk) -> &'static [&'static str] {
        match self {
            Screen::Idle => idle::spoken(),
            Screen::Choose(_) => choose::spoken(),
            Screen::PlaceCard => place_card::spoken(kiosk.identification()),
            Screen::Pin => pin::spoken(),
            Screen::CodeB(_) => code_b::spoken(),
            Screen::StaffEntry(_) => staff_entry::spoken(),
            Screen::Confirm(_) => confirm::spoken(),
            Screen::Questions(_) => questions::spoken(),
            Screen::Preview(_) => preview::spoken(),
            Screen::Done => done::spoken(kiosk.identification()),
            Screen::SeeClerk => match kiosk.screen() {
                kiosk::Screen::SeeClerk(reason) => see_clerk::spoken(reason),
                _ => &[],
            },
        }
    }

    /// Every screen's spoken keys, for synthesising them ahead when a language is chosen.
    pub fn all_spoken() -> Vec<&'static [&'static str]> {
        use crate::usage::record::Identification;
        // In the order a session meets them, so the next screens are ready first.
        let mut all = vec![idle::spoken(), choose::spoken()];
        for how in [
            Identification::Pin,
            Identification::CodeB,
            Identification::None,
        ] {
            all.push(place_card::spoken(Some(how)));
        }
        all.extend([
            pin::spoken(),
            code_b::spoken(),
            staff_entry::spoken(),
            confirm::spoken(),
            questions::spoken(),
            preview::spoken(),
        ]);
        for how in [Identification::Pin, Identification::None] {
            all.push(done::spoken(Some(how)));
        }
        all.extend(see_clerk::every_spoken());
        let mut seen = Vec::new();
        all.retain(|keys| {
            let new = !seen.contains(keys);
            seen.push(*keys);
            new
        });
        all
    }

    /// Whether this state belongs to the session's screen `s` (if not, it is entered anew).
    pub fn is(&self, s: &kiosk::Screen) -> bool {
        match (self, s) {
            (Screen::Questions(q), kiosk::Screen::Questions { form }) => q.form() == *form,
            (Screen::Idle, kiosk::Screen::Idle)
            | (Screen::Choose(_), kiosk::Screen::ChooseForms)
            | (Screen::PlaceCard, kiosk::Screen::PlaceCard)
            | (Screen::Pin, kiosk::Screen::Pin)
            | (Screen::CodeB(_), kiosk::Screen::CodeB)
            | (Screen::StaffEntry(_), kiosk::Screen::StaffEntry)
            | (Screen::Confirm(_), kiosk::Screen::Confirm)
            | (Screen::Preview(_), kiosk::Screen::Preview)
            | (Screen::Done, kiosk::Screen::Done)
            | (Screen::SeeClerk, kiosk::Screen::SeeClerk(_)) => true,
            _ => false,
        }
    }

    /// Handle a touch; returns the session event it makes, if any. A message for a screen
    /// that is no longer showing does nothing.
    pub fn update(&mut self, message: Message, kiosk: &Kiosk) -> Option<Event> {
        match (self, message) {
            (_, Message::CallClerk) => Some(Event::CallClerk),
            (_, Message::Furigana) => Some(Event::ToggleFurigana),
            (_, Message::Countdown(true)) => Some(Event::StillHere),
            // The app asks first ([`Context::asking_stop`]); only the answer wipes.
            (_, Message::Countdown(false)) => None,
            (_, Message::StopAnswer(true)) => Some(Event::Reset),
            (_, Message::StopAnswer(false)) => Some(Event::StillHere),
            // The app speaks ([`super::app::App`]); for the session it is a touch.
            (_, Message::Replay) => Some(Event::StillHere),
            (Screen::Idle, Message::Idle(m)) => idle::update(m),
            (Screen::Choose(s), Message::Choose(m)) => s.update(m),
            (Screen::PlaceCard, Message::PlaceCard(m)) => place_card::update(m),
            (Screen::Pin, Message::Pin(m)) => pin::update(m),
            (Screen::CodeB(s), Message::CodeB(m)) => s.update(m),
            (Screen::StaffEntry(s), Message::StaffEntry(m)) => s.update(m),
            (Screen::Confirm(s), Message::Confirm(m)) => s.update(m, kiosk),
            (Screen::Questions(s), Message::Questions(m)) => s.update(m, kiosk),
            (Screen::Preview(s), Message::Preview(m)) => s.update(m),
            (Screen::Done, Message::Done(m)) => done::update(m),
            (Screen::SeeClerk, Message::SeeClerk(m)) => see_clerk::update(m),
            _ => None,
        }
    }

    /// The whole window's content (without the clerk bar).
    pub fn view<'a>(&'a self, cx: &Context<'a>) -> Element<'a, Message> {
        let k = cx.kiosk;
        if let Some(what) = k.busy() {
            return busy(cx, what);
        }
        let page = match self {
            Screen::Idle => return idle::view(cx).map(Message::Idle),
            Screen::Choose(s) => s.view(cx).map(Message::Choose),
            Screen::PlaceCard => place_card::view(cx).map(Message::PlaceCard),
            Screen::Pin => pin::view(cx).map(Message::Pin),
            Screen::CodeB(s) => s.view(cx).map(Message::CodeB),
            Screen::StaffEntry(s) => s.view(cx).map(Message::StaffEntry),
            Screen::Confirm(s) => s.view(cx).map(Message::Confirm),
            Screen::Questions(s) => s.view(cx).map(Message::Questions),
            Screen::Preview(s) => s.view(cx).map(Message::Preview),
            Screen::Done => done::view(cx).map(Message::Done),
            Screen::SeeClerk => match k.screen() {
                kiosk::Screen::SeeClerk(reason) => {
                    see_clerk::view(cx, reason).map(Message::SeeClerk)
                }
                _ => Page::new(space::horizontal()),
            },
        };
        let mut layers = stack![frame(cx, page)];
        if let Screen::Questions(s) = self {
            if let Some(editor) = s.editor(cx) {
                layers = layers.push(modal(editor.map(Message::Questions)));
            }
        }
        if cx.asking_stop {
            layers = layers.push(modal(stop_ask(cx)));
        } else if let Some(left) = k.countdown() {
            layers = layers.push(modal(countdown(cx, left)));
        }
        layers.into()
    }
}

/// A dimmed layer that catches every touch, with `content` in the middle.
pub fn modal<'a, M: 'a>(content: Element<'a, M>) -> Element<'a, M> {
    opaque(
        center(
            container(content)
                .padding(48)
                .style(style::card)
                .max_width(1700),
        )
        .style(|_| container::Style {
            background: Some(Color::from_rgba8(0, 0, 0, 0.55).into()),
            ..container::Style::default()
        }),
    )
}

/// Header, body, footer (back on the left, the main action on the right).
fn frame<'a>(cx: &Context<'a>, page: Page<'a, Message>) -> Element<'a, Message> {
    let call = if cx.role == Role::Back {
        // The clerk bar shows the signal; the clerk does not call themselves.
        Element::from(space::horizontal().width(0))
    } else if cx.kiosk.help_requested() || matches!(cx.kiosk.screen(), kiosk::Screen::SeeClerk(_)) {
        container(
            ruby(cx.rt("clerk.called"))
                .size(style::TEXT)
                .color(style::ALERT),
        )
        .padding([20, 10])
        .into()
    } else {
        Element::from(big(cx.rt("clerk.call"), Kind::Alert, Some(Message::CallClerk)).width(420))
    };
    let header = row![
        ruby(cx.rt("app.name"))
            .size(style::TEXT)
            .font(bold())
            .color(style::PRIMARY),
        space::horizontal().width(40),
        steps(cx),
        space::horizontal(),
        furigana_toggle(cx),
        replay(cx),
        call,
    ]
    .align_y(Alignment::Center)
    .height(style::TOUCH + 10.0);
    // The back window has the clerk bar on top instead of the header (which holds only the
    // resident's "call"): the body gets the same height as on the front, so everything the
    // front shows fits on the back at the same size.
    let header = (cx.role == Role::Front).then_some(header);
    let mut footer = Row::new().spacing(30).align_y(Alignment::Center);
    if let Some(b) = page.back {
        footer = footer.push(big(cx.rt("nav.back"), Kind::Plain, Some(b)).width(320));
    }
    footer = footer.push(space::horizontal());
    if let Some((label, on)) = page.next {
        footer = footer.push(big(label, Kind::Primary, on).width(520));
    }
    container(
        column![
            header,
            container(page.body)
                .height(Length::Fill)
                .width(Length::Fill),
            footer
        ]
        .spacing(24),
    )
    .padding(if cx.role == Role::Front {
        [24, 48]
    } else {
        [16, 48]
    })
    .width(Length::Fill)
    .height(Length::Fill)
    .style(style::panel(style::PAGE, style::INK))
    .into()
}

/// 「もう一度　きく」: the screen's title and instruction read again; for a language no voice
/// speaks (Tagalog), a note saying so instead; nothing with the voice off and on the back.
fn replay<'a>(cx: &Context<'a>) -> Element<'a, Message> {
    if !cx.voice || cx.role == Role::Back {
        return space::horizontal().width(0).into();
    }
    if !crate::voice::Voice::speaks(cx.lang()) {
        return container(
            text(cx.t("voice.none"))
                .size(style::SMALL)
                .color(style::LINE)
                .width(200),
        )
        .padding([0, 8])
        .into();
    }
    container(big(cx.t("voice.replay"), Kind::Plain, Some(Message::Replay)).width(250))
        .padding([0, 8])
        .into()
}

/// 「ふりがな」 in the header, for a Japanese session on the resident's window: one tap shows
/// or hides the readings above the kanji on every resident screen (on from the start for
/// やさしい日本語). Marked ✓ while on, not by colour alone. Nothing for another language, and
/// nothing on the clerk's window (the clerk's screens stay plain).
fn furigana_toggle<'a>(cx: &Context<'a>) -> Element<'a, Message> {
    if cx.role == Role::Back || !cx.lang().is_japanese() {
        return space::horizontal().width(0).into();
    }
    let on = cx.furigana();
    let name = cx.t("furigana.toggle");
    let label = if on { format!("✓ {name}") } else { name };
    container(
        big(
            label,
            if on { Kind::Chosen } else { Kind::Plain },
            Some(Message::Furigana),
        )
        .width(250),
    )
    .padding([0, 20])
    .into()
}

/// The steps of a session, and which one a screen belongs to ("where am I").
const STEPS: [&str; 5] = [
    "step.choose",
    "step.card",
    "step.check",
    "step.answer",
    "step.print",
];

fn step_of(screen: &kiosk::Screen) -> Option<usize> {
    match screen {
        kiosk::Screen::ChooseForms => Some(0),
        kiosk::Screen::PlaceCard
        | kiosk::Screen::Pin
        | kiosk::Screen::CodeB
        | kiosk::Screen::StaffEntry => Some(1),
        kiosk::Screen::Confirm => Some(2),
        kiosk::Screen::Questions { .. } => Some(3),
        kiosk::Screen::Preview | kiosk::Screen::Done => Some(4),
        kiosk::Screen::Idle | kiosk::Screen::SeeClerk(_) => None,
    }
}

/// えらぶ → カード → たしかめる → こたえる → いんさつ, the current step boxed and bold (not by
/// colour alone), the steps done marked ✓.
fn steps<'a>(cx: &Context<'a>) -> Element<'a, Message> {
    let Some(now) = step_of(cx.kiosk.screen()) else {
        return space::horizontal().width(0).into();
    };
    let mut r = Row::new().spacing(10).align_y(Alignment::Center);
    for (i, key) in STEPS.iter().enumerate() {
        if i > 0 {
            r = r.push(text("→").size(style::SMALL).color(style::LINE));
        }
        let label = if i < now {
            format!("✓ {}", cx.t(key))
        } else {
            format!("{} {}", i + 1, cx.t(key))
        };
        let mut t = text(label).size(style::SMALL);
        if i == now {
            t = t.font(bold()).color(style::PRIMARY);
        } else {
            t = t.color(style::INK);
        }
        let mut c = container(t).padding([6, 12]);
        if i == now {
            c = c.style(style::current_step);
        }
        r = r.push(c);
    }
    r.into()
}

fn countdown<'a>(cx: &Context<'a>, left: i64) -> Element<'a, Message> {
    column![
        title(cx.rt("countdown.title")),
        ruby(cx.rtf("countdown.left", &[("n", &left.to_string())])).size(44),
        row![
            big(
                cx.rt("countdown.stop"),
                Kind::Plain,
                Some(Message::Countdown(false))
            )
            .width(440),
            big(
                cx.rt("countdown.continue"),
                Kind::Primary,
                Some(Message::Countdown(true))
            )
            .width(560),
        ]
        .spacing(40),
    ]
    .spacing(30)
    .align_x(Alignment::Center)
    .into()
}

/// "Really stop? Everything you entered is erased." — the countdown's "stop" wipes nothing
/// until this is answered.
fn stop_ask<'a>(cx: &Context<'a>) -> Element<'a, Message> {
    column![
        title(cx.rt("countdown.ask")),
        lead(cx.rt("countdown.ask_lead")),
        row![
            big(
                cx.rt("countdown.stop_yes"),
                Kind::Alert,
                Some(Message::StopAnswer(true))
            )
            .width(440),
            big(
                cx.rt("countdown.stop_no"),
                Kind::Primary,
                Some(Message::StopAnswer(false))
            )
            .width(560),
        ]
        .spacing(40),
    ]
    .spacing(30)
    .align_x(Alignment::Center)
    .into()
}

/// What both screens show while the session's work runs ([`Kiosk::busy`]).
fn busy<'a>(cx: &Context<'a>, what: Busy) -> Element<'a, Message> {
    let key = match what {
        Busy::Checking => "busy.checking",
        Busy::Reading => "busy.reading",
        Busy::Preparing => "busy.preparing",
        Busy::Printing => "busy.printing",
        Busy::Testing => "busy.testing",
    };
    container(
        column![title(cx.rt(key)), lead(cx.rt(&format!("{key}_lead")))]
            .spacing(30)
            .align_x(Alignment::Center),
    )
    .center(Length::Fill)
    .style(style::panel(style::PAGE, style::INK))
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voice::Speech;

    /// Every key a screen reads aloud is speakable (in the catalogs, no personal
    /// placeholder), and none is a field of the card or an answer.
    #[test]
    fn every_screens_spoken_keys_are_speakable_and_fixed() {
        let all = Screen::all_spoken();
        assert!(all.len() >= 15, "{} prompts", all.len());
        for keys in all {
            let speech = Speech::of(keys).unwrap_or_else(|e| panic!("{keys:?}: {e}"));
            for key in speech.keys() {
                assert!(
                    !key.starts_with("field.") && !key.starts_with("sex."),
                    "{key} is spoken"
                );
            }
        }
        assert_eq!(confirm::spoken(), &["confirm.title"]);
        assert!(idle::spoken().is_empty());
    }
}
