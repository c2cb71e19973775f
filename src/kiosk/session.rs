//! The resident session as a plain state machine: screens, events, answers, timeouts, wipe.
//!
//! No window types here. The UI draws [`Kiosk::screen`] and the session, and turns touches (on
//! either the front or the back screen) into the same [`Event`]s; tests send them directly.
//!
//! The session never blocks: [`Kiosk::handle`] answers an event with the [`Work`] to do (probe
//! the card, read it with a credential, render the preview, print) as a value, and says what
//! is in flight ([`Kiosk::busy`]) until the result comes back as [`Event::Done`]. The UI runs
//! the work on a background task ([`Work::perform`] with [`Kiosk::services`]); tests,
//! benchmarks and the CLI run it inline ([`Kiosk::run`]). While work is in flight every other
//! event is ignored, so a late result can never land in a different session.
//!
//! Every session ends with exactly one usage record, and with the personal data dropped (and
//! so zeroed: `BasicFour`, `Answers` and the PIN buffer wipe themselves).

use std::sync::Arc;

use zeroize::Zeroize;

use super::check::ClerkCheck;
use super::services::{CardReader, Services};
use super::work::{Busy, Done, Rendered, Work};
use crate::card::{
    BasicFour, CardError, CardKind, CardRead, Credential, Date, Key, ReadOptions, Tries,
    Verification,
};
use crate::forms::pdf::Placement;
use crate::forms::{Answers, FillInput, FilledForm, FormError, Office, Template, fill};
use crate::i18n::Text;
use crate::print::{PrintError, Printer};
use crate::usage::Recorder;
use crate::usage::record::{
    CardCheck, Event as UsageEvent, EventKind, FormRef, Identification, Language, Mode, Outcome,
    PrintedForm, Satisfaction, SessionRecord, Slug, Timestamp,
};

/// What the screens show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// Start; language choice.
    Idle,
    /// Choose one or more forms.
    ChooseForms,
    /// "Place your card." The PIN is the default way to identify; the same screen offers
    /// 照合番号B and "no card" (one tap fewer than a separate choice screen for most residents).
    PlaceCard,
    /// The PIN pad (tries left shown before typing).
    Pin,
    /// 照合番号B entry.
    CodeB,
    /// The clerk types the data (no card).
    StaffEntry,
    /// Check the four fields.
    Confirm,
    /// A form's questions, all on one page with their defaults chosen, so a resident who
    /// needs the usual answers taps only "next".
    Questions {
        /// Index into the chosen forms.
        form: usize,
    },
    /// Every page before printing.
    Preview,
    /// Printed: take your card and forms to the window; optional survey.
    Done,
    /// Something only the clerk can resolve; the back screen shows why.
    SeeClerk(ClerkReason),
}

/// Why the resident is sent to the clerk. The failures carry their error, typed, until the
/// clerk's window puts it into words ([`ClerkReason::detail`]).
#[derive(Debug, Clone)]
pub enum ClerkReason {
    /// One try left: nothing was sent.
    LastTryGuarded,
    /// The PIN (or 照合番号B) is blocked.
    Blocked,
    /// Not a My Number card.
    NotMyNumberCard,
    /// The card could not be read.
    ReadFailed(CardError),
    /// A form could not be filled or rendered (a value that does not fit, …).
    FormFailed(Arc<FormError>),
    /// The printer failed; the forms are kept for a retry.
    PrintFailed(Arc<PrintError>),
    /// The resident said the data is wrong.
    DataWrong,
}

impl ClerkReason {
    /// What happened, for the clerk, when the reason carries an error.
    pub fn detail(&self) -> Option<Text> {
        match self {
            ClerkReason::ReadFailed(e) => Some(e.for_clerk()),
            ClerkReason::FormFailed(e) => Some(e.for_clerk()),
            ClerkReason::PrintFailed(e) => Some(e.for_clerk()),
            _ => None,
        }
    }
}

/// Two reasons are the same when they are the same kind and tell the clerk the same.
impl PartialEq for ClerkReason {
    fn eq(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
            && self.detail() == other.detail()
    }
}

impl Eq for ClerkReason {}

/// The clerk has been called: by the resident's button, or by a see-the-clerk screen. Until
/// the clerk acts on the back screen the call stands: the clerk bar shows it with the reason,
/// the chime rings once, and the idle timer does not run (a resident waiting for the clerk is
/// not wiped away).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClerkCall {
    /// Why: the see-the-clerk screen's reason, or `None` when the resident pressed "call".
    pub reason: Option<ClerkReason>,
    /// The clerk has touched the back screen since.
    pub answered: bool,
}

/// Touches, card events and clerk actions.
#[derive(Debug)]
pub enum Event {
    /// Start a session in a language.
    Start(Language),
    /// Choose or un-choose a form.
    ToggleForm(String),
    /// Go on.
    Next,
    /// Go back (never loses what was entered).
    Back,
    /// How to identify.
    Identify(Identification),
    /// The reader has a card.
    CardInserted,
    /// The card left the reader.
    CardRemoved,
    /// A PIN pad digit.
    PinDigit(u8),
    /// Erase the last digit.
    PinErase,
    /// けってい: send the four digits (the fourth digit alone sends nothing, so a stray tap
    /// does not cost a try).
    PinEnter,
    /// 照合番号B: date of birth, expiry year, security code.
    CodeB {
        /// 生年月日.
        birth_date: Date,
        /// The card's expiry year.
        expiry_year: u16,
        /// The security code.
        security_code: String,
    },
    /// The clerk entered the data (no card).
    StaffEntered(BasicFour),
    /// Answer one of the current form's questions.
    Answer {
        /// The question's id.
        question: String,
        /// The answer (an option's value, a count, digits or kana).
        value: String,
    },
    /// The clerk corrects the four fields (staff-operated mode only).
    StaffCorrected(BasicFour),
    /// The back screen was touched: the session counts as assisted.
    ClerkTouched,
    /// "This is wrong": call the clerk.
    DataWrong,
    /// Print everything (also the clerk's retry after a print failure).
    Print,
    /// The survey (1–5).
    Survey(u8),
    /// Finish: wipe and back to idle.
    Finish,
    /// The resident calls the clerk.
    CallClerk,
    /// The header's 「ふりがな」: show or hide the readings above the kanji (Japanese only).
    ToggleFurigana,
    /// The clerk takes over (staff-operated).
    ClerkTakeOver,
    /// The clerk resets the session.
    Reset,
    /// Time passes (the UI sends this every second).
    Tick,
    /// "まだ続けますか？" — the resident is still there.
    StillHere,
    /// The work [`Kiosk::handle`] asked for is done.
    Done(Done),
}

/// How long before the idle timeout both screens show the countdown.
pub const COUNTDOWN_S: i64 = 30;

/// Settings of the session.
pub struct KioskConfig {
    /// This kiosk.
    pub terminal: Slug,
    /// The window residents are sent to.
    pub window: Option<Slug>,
    /// No touch for this long ends the session.
    pub idle_timeout_s: i64,
    /// The card read's guard and trust anchors.
    pub read: ReadOptions,
    /// How long a print may take.
    pub print_timeout_s: u64,
    /// What a card taken off the reader mid-flow does.
    pub on_card_removed: OnRemoval,
}

closed_set! {
    /// What happens when the card leaves the reader before the print (`[kiosk]
    /// on_card_removed`). Its data is wiped either way.
    #[derive(Default)]
    pub enum OnRemoval("on_card_removed") {
        /// Back to "place your card": the chosen forms and answers are kept (the default).
        #[default]
        PlaceAgain = "place-again",
        /// The session ends and the kiosk returns to the idle screen.
        Restart = "restart",
    }
}

/// One resident's session: everything personal lives here and dies with it.
struct Session {
    started: Timestamp,
    last_touch: Timestamp,
    language: Language,
    /// ふりがな above the kanji: on from the start for やさしい日本語, off for Japanese; the
    /// resident's toggle flips it, and it ends with the session like everything else here.
    furigana: bool,
    mode: Mode,
    assisted: bool,
    /// The clerk's call, while one was made in this session.
    call: Option<ClerkCall>,
    /// Calls made in this session (each new one rings the chime once).
    calls: u32,
    /// The last PIN (or 照合番号B) sent was wrong: the tries left then (the panel on the pad).
    wrong: Option<Option<u8>>,
    identification: Identification,
    chosen: Vec<usize>,
    first_choice_at: Option<Timestamp>,
    answers: Vec<Answers>,
    tries: Option<Tries>,
    pin: String,
    data: Option<BasicFour>,
    /// Decided when `data` arrives ([`ClerkCheck::of`]).
    clerk_check: Option<ClerkCheck>,
    verification: Option<Verification>,
    card_read_ms: Option<u32>,
    /// Which card was read (the usage log counts kinds).
    card_kind: Option<CardKind>,
    filled: Vec<FilledForm>,
    pdf: Option<Vec<u8>>,
    /// The printer's own PDF when it differs from the preview (values only on pre-printed
    /// paper, or the printer's offset applied); `None`: the preview's PDF is printed.
    print_pdf: Option<Vec<u8>>,
    satisfaction: Option<Satisfaction>,
    events: Vec<UsageEvent>,
    printed: bool,
}

impl Session {
    /// The four fields arrived (read, entered or corrected): what the clerk must check is
    /// decided here, once.
    fn set_data(&mut self, data: BasicFour) {
        self.clerk_check = ClerkCheck::of(&data);
        self.data = Some(data);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.pin.zeroize();
        wipe(&mut self.pdf);
        wipe(&mut self.print_pdf);
    }
}

/// Zero a PDF (it holds the resident's data) and drop it.
fn wipe(pdf: &mut Option<Vec<u8>>) {
    if let Some(p) = pdf {
        p.zeroize();
    }
    *pdf = None;
}

/// The kiosk: templates, services, the current screen and session.
pub struct Kiosk {
    templates: Arc<[Template]>,
    services: Services,
    recorder: Recorder,
    config: KioskConfig,
    clock: Box<dyn Fn() -> Timestamp + Send>,
    screen: Screen,
    session: Option<Session>,
    /// The work handed out and not yet done.
    busy: Option<Busy>,
    /// Work asked for by the step being handled.
    requested: Option<Work>,
    /// The order the form list offers the templates in ([`Kiosk::offered`]).
    order: Vec<usize>,
    /// The receiving office as the forms print it (`[office]`).
    office: Office,
    /// The printer's correction (`[printer] offset_mm`, `scale`).
    placement: Placement,
}

/// The system clock in UTC seconds (the session's default clock).
pub fn unix_now() -> Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Kiosk {
    /// A kiosk at its idle screen.
    pub fn new(
        templates: Vec<Template>,
        reader: Box<dyn CardReader>,
        printer: Box<dyn Printer>,
        recorder: Recorder,
        config: KioskConfig,
    ) -> Self {
        let order = (0..templates.len()).collect();
        Kiosk {
            order,
            office: Office::default(),
            placement: Placement::default(),
            templates: templates.into(),
            services: Services {
                reader: reader.into(),
                printer: printer.into(),
            },
            recorder,
            config,
            clock: Box::new(unix_now),
            screen: Screen::Idle,
            session: None,
            busy: None,
            requested: None,
        }
    }

    /// Replace the clock (tests).
    pub fn with_clock(mut self, clock: impl Fn() -> Timestamp + Send + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// The screen to draw.
    pub fn screen(&self) -> &Screen {
        &self.screen
    }

    /// The forms offered.
    pub fn templates(&self) -> &[Template] {
        &self.templates
    }

    /// The forms in the order the form list shows them: grouped by category, the category
    /// with this kiosk's most printed form first, and within it the most printed first (the
    /// usage log's counts when the session started; the template order where there is no
    /// history or a tie). 住民票の写し, the form most residents come for, is then the first
    /// tile at most offices instead of the sixth.
    pub fn offered(&self) -> Vec<&Template> {
        self.order.iter().map(|i| &self.templates[*i]).collect()
    }

    /// [`Kiosk::offered`]'s order from the usage log's counts of printed forms.
    fn order_by_use(&self) -> Vec<usize> {
        let counts: std::collections::HashMap<String, i64> = self
            .recorder
            .store()
            .and_then(|store| {
                let mut q = store
                    .connection()
                    .prepare(
                        "SELECT f.form, COUNT(*) FROM printed p JOIN forms f ON f.id = p.form \
                         GROUP BY f.form",
                    )
                    .ok()?;
                let rows = q
                    .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                    .ok()?;
                Some(rows.flatten().collect())
            })
            .unwrap_or_default();
        let count = |i: usize| counts.get(&self.templates[i].spec.id).copied().unwrap_or(0);
        let category = |i: usize| self.templates[i].spec.category.as_str();
        // A category's rank: its most printed form, then where it first appears.
        let rank = |i: usize| {
            let members = (0..self.templates.len()).filter(|j| category(*j) == category(i));
            let best = members.clone().map(count).max().unwrap_or(0);
            let first = members.min().unwrap_or(i);
            (std::cmp::Reverse(best), first)
        };
        let mut order: Vec<usize> = (0..self.templates.len()).collect();
        order.sort_by_key(|i| (rank(*i), std::cmp::Reverse(count(*i)), *i));
        order
    }

    /// The chosen forms' ids, in order.
    pub fn chosen(&self) -> Vec<&str> {
        self.session
            .as_ref()
            .map(|s| {
                s.chosen
                    .iter()
                    .map(|i| self.templates[*i].spec.id.as_str())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The card data, while a session holds it (the confirm screen).
    pub fn data(&self) -> Option<&BasicFour> {
        self.session.as_ref().and_then(|s| s.data.as_ref())
    }

    /// What the clerk must check about the card data (the clerk bar's note), decided when the
    /// data arrived.
    pub fn clerk_check(&self) -> Option<ClerkCheck> {
        self.session.as_ref().and_then(|s| s.clerk_check)
    }

    /// The integrity result, for the clerk bar.
    pub fn verification(&self) -> Option<&Verification> {
        self.session.as_ref().and_then(|s| s.verification.as_ref())
    }

    /// Tries left, shown before the PIN is typed.
    pub fn tries(&self) -> Option<Tries> {
        self.session.as_ref().and_then(|s| s.tries)
    }

    /// Digits typed so far (the pad shows this many dots).
    pub fn pin_length(&self) -> usize {
        self.session.as_ref().map_or(0, |s| s.pin.len())
    }

    /// The rendered PDF (preview and retry).
    pub fn pdf(&self) -> Option<&[u8]> {
        self.session.as_ref().and_then(|s| s.pdf.as_deref())
    }

    /// Seconds left before the idle timeout ends the session, once the countdown
    /// ("まだ続けますか？") should show on both screens; `None` otherwise.
    pub fn countdown(&self) -> Option<i64> {
        let s = self.session.as_ref()?;
        if self.waiting_for_clerk() {
            return None;
        }
        let left = self.config.idle_timeout_s - (self.now() - s.last_touch);
        (left <= COUNTDOWN_S).then_some(left.max(0))
    }

    /// Whether the clerk has been called in this session (by the resident, or by a
    /// see-the-clerk screen): the front then offers no second "call".
    pub fn help_requested(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.call.is_some())
    }

    /// The clerk's call, while there is one (the clerk bar's "呼び出し中" and its reason).
    pub fn clerk_call(&self) -> Option<&ClerkCall> {
        self.session.as_ref().and_then(|s| s.call.as_ref())
    }

    /// How many times the clerk was called in this session (0 without one): the UI rings the
    /// chime when this grows.
    pub fn calls(&self) -> u32 {
        self.session.as_ref().map_or(0, |s| s.calls)
    }

    /// The last PIN or 照合番号B sent was wrong: `Some(tries left)` (the count may be unknown),
    /// until the next one is sent or the screen is left.
    pub fn wrong_secret(&self) -> Option<Option<u8>> {
        self.session.as_ref().and_then(|s| s.wrong)
    }

    /// Whether a call is waiting for the clerk (the idle timer is stopped meanwhile).
    fn waiting_for_clerk(&self) -> bool {
        self.clerk_call().is_some_and(|c| !c.answered)
    }

    /// Call the clerk (a new call, unless one is already waiting).
    fn call_clerk(&mut self, reason: Option<ClerkReason>) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        match &mut s.call {
            // A call is waiting already: it now says why, and does not ring again.
            Some(c) if !c.answered => {
                if reason.is_some() {
                    c.reason = reason;
                }
            }
            _ => {
                s.call = Some(ClerkCall {
                    reason,
                    answered: false,
                });
                s.calls += 1;
            }
        }
    }

    /// The language the session runs in (the idle screen's choice).
    pub fn language(&self) -> Option<Language> {
        self.session.as_ref().map(|s| s.language)
    }

    /// Whether the resident screens draw ふりがな above the kanji: only in a Japanese session,
    /// on from the start for やさしい日本語 ([`Event::ToggleFurigana`] flips it); never at idle.
    pub fn furigana(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.furigana && s.language.is_japanese())
    }

    /// How the resident identifies.
    pub fn identification(&self) -> Option<Identification> {
        self.session.as_ref().map(|s| s.identification)
    }

    /// Self-service or staff-operated.
    pub fn mode(&self) -> Option<Mode> {
        self.session.as_ref().map(|s| s.mode)
    }

    /// The answers given to the chosen form at `form` (with the defaults filled in).
    pub fn answers(&self, form: usize) -> Option<&Answers> {
        self.session.as_ref().and_then(|s| s.answers.get(form))
    }

    /// The earlier chosen form whose answer filled question `question` of `form` ("asked
    /// once": the template's shared `key`), when the answers are the same.
    pub fn shared_from(&self, form: usize, question: &str) -> Option<usize> {
        let t = self.chosen_template(form)?;
        let q = t
            .spec
            .questions
            .iter()
            .map(|q| q.get_ref())
            .find(|q| q.id == question)?;
        let key = q.key.as_deref()?;
        let value = self.answers(form)?.get(question)?;
        (0..form).find(|other| {
            self.same_question(*other, key, q.kind)
                .is_some_and(|id| self.answers(*other).and_then(|a| a.get(id)) == Some(value))
        })
    }

    /// The id of the question of chosen form `form` that shares `key` (and is of `kind`).
    fn same_question(
        &self,
        form: usize,
        key: &str,
        kind: crate::forms::template::QuestionKind,
    ) -> Option<&str> {
        self.chosen_template(form)?
            .spec
            .questions
            .iter()
            .map(|q| q.get_ref())
            .find(|q| q.key.as_deref() == Some(key) && q.kind == kind)
            .map(|q| q.id.as_str())
    }

    /// The answer to `question` of `form` was given: the same question (shared `key`) on
    /// every other chosen form gets it too.
    fn share(&mut self, form: usize, question: &str) {
        let Some(q) = self.chosen_template(form).and_then(|t| {
            t.spec
                .questions
                .iter()
                .map(|q| q.get_ref())
                .find(|q| q.id == question)
        }) else {
            return;
        };
        let (Some(key), kind) = (q.key.clone(), q.kind) else {
            return;
        };
        let Some(value) = self
            .answers(form)
            .and_then(|a| a.get(question))
            .map(str::to_owned)
        else {
            return;
        };
        let forms = self.session.as_ref().map_or(0, |s| s.chosen.len());
        let targets: Vec<(usize, String)> = (0..forms)
            .filter(|f| *f != form)
            .filter_map(|f| {
                self.same_question(f, &key, kind)
                    .map(|id| (f, id.to_owned()))
            })
            .collect();
        if let Some(s) = self.session.as_mut() {
            for (f, id) in targets {
                s.answers[f].set(&id, value.clone());
            }
        }
    }

    /// A form was chosen: its shared questions take the answers already given on others.
    fn take_shared(&mut self, form: usize) {
        let Some(t) = self.chosen_template(form) else {
            return;
        };
        let shared: Vec<(String, String, crate::forms::template::QuestionKind)> = t
            .spec
            .questions
            .iter()
            .map(|q| q.get_ref())
            .filter_map(|q| Some((q.id.clone(), q.key.clone()?, q.kind)))
            .collect();
        for (id, key, kind) in shared {
            let forms = self.session.as_ref().map_or(0, |s| s.chosen.len());
            let found = (0..forms).filter(|f| *f != form).find_map(|f| {
                let other = self.same_question(f, &key, kind)?;
                self.answers(f)?.get(other).map(str::to_owned)
            });
            if let (Some(value), Some(s)) = (found, self.session.as_mut()) {
                s.answers[form].set(&id, value);
            }
        }
    }

    /// The template of the chosen form at `form`.
    pub fn chosen_template(&self, form: usize) -> Option<&Template> {
        let s = self.session.as_ref()?;
        s.chosen.get(form).map(|i| &self.templates[*i])
    }

    /// Required questions on the page of `form` still unanswered (their ids).
    pub fn unanswered(&self, form: usize) -> Vec<&str> {
        let (Some(t), Some(a)) = (self.chosen_template(form), self.answers(form)) else {
            return Vec::new();
        };
        t.spec
            .questions
            .iter()
            .map(|q| q.get_ref())
            .filter(|q| q.required && a.get(&q.id).is_none())
            .map(|q| q.id.as_str())
            .collect()
    }

    /// The survey answer given on the done screen (1–5).
    pub fn satisfaction(&self) -> Option<u8> {
        self.session
            .as_ref()
            .and_then(|s| s.satisfaction)
            .map(|v| v.value())
    }

    /// Sheets printed in this session (each template is one A4 page): the done screen and the
    /// clerk bar say how many to take.
    pub fn sheets(&self) -> Option<usize> {
        self.session
            .as_ref()
            .filter(|s| s.printed)
            .map(|s| s.filled.len())
    }

    /// The window residents take their forms to.
    pub fn window(&self) -> Option<&Slug> {
        self.config.window.as_ref()
    }

    /// The usage recorder, to flush or to reach its store (admin).
    pub fn recorder_mut(&mut self) -> &mut Recorder {
        &mut self.recorder
    }

    /// The card reader and the printer, for whoever performs the [`Work`] (the UI hands a
    /// clone to each background task; the admin's test page and reader test use them too).
    pub fn services(&self) -> Services {
        self.services.clone()
    }

    /// What is in flight: the screens show it, and every event but the result is ignored.
    pub fn busy(&self) -> Option<Busy> {
        self.busy
    }

    /// The session clock (UTC seconds).
    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    fn note(&mut self, kind: EventKind) {
        let at = self.now();
        if let Some(s) = &mut self.session {
            s.events.push(UsageEvent { at, kind });
        }
    }

    /// Handle one event; returns the work it asks for, if any. The result comes back as
    /// [`Event::Done`]; until then [`Kiosk::busy`] says what runs and other events are ignored.
    pub fn handle(&mut self, event: Event) -> Option<Work> {
        let next = match (self.busy, event) {
            (Some(busy), Event::Done(done)) if done.answers(busy) => {
                self.busy = None;
                self.done(done)
            }
            (Some(_), _) => return None,
            (None, Event::Done(_)) => return None,
            (None, event) => {
                if !matches!(event, Event::Tick) {
                    let now = self.now();
                    if let Some(s) = &mut self.session {
                        s.last_touch = now;
                    }
                }
                self.step(event)
            }
        };
        if let Some(screen) = next {
            if let Screen::SeeClerk(reason) = &screen {
                // Every see-the-clerk screen calls the clerk.
                if self.screen != screen {
                    self.call_clerk(Some(reason.clone()));
                }
            } else if screen != self.screen {
                let left_clerk_screen = matches!(self.screen, Screen::SeeClerk(_));
                if let Some(s) = self.session.as_mut() {
                    s.wrong = None;
                    // The resident went on by themselves (a card swapped, a retry that
                    // printed): a call the clerk has not answered yet is withdrawn.
                    if left_clerk_screen
                        && s.call
                            .as_ref()
                            .is_some_and(|c| !c.answered && c.reason.is_some())
                    {
                        s.call = None;
                    }
                }
            }
            self.screen = screen;
        }
        let work = self.requested.take();
        self.busy = work.as_ref().map(Work::busy);
        work
    }

    /// Handle one event and do the work it asks for here, until there is none left; returns
    /// the screen to draw. For tests, benchmarks and the CLI, which have no UI thread to keep
    /// free.
    pub fn run(&mut self, event: Event) -> &Screen {
        let mut work = self.handle(event);
        while let Some(w) = work {
            let done = w.perform(&self.services);
            work = self.handle(Event::Done(done));
        }
        &self.screen
    }

    /// A result came back.
    fn done(&mut self, done: Done) -> Option<Screen> {
        match done {
            Done::Probed(result) => Some(self.probed(result)),
            Done::Read { key, result, ms } => Some(self.read(key, result, ms)),
            Done::Rendered { filled, result } => Some(self.rendered(filled, result)),
            Done::Printed(result) => Some(self.printed_result(result)),
            // The admin's work is never the session's ([`Done::answers`] refuses it).
            Done::TestPage(_) | Done::ReaderTest(_) => None,
        }
    }

    fn step(&mut self, event: Event) -> Option<Screen> {
        let now = self.now();
        match (&self.screen.clone(), event) {
            (_, Event::Tick) => {
                let idle = self.session.as_ref().map(|s| now - s.last_touch);
                if self.waiting_for_clerk() {
                    return None;
                }
                if idle.is_some_and(|i| i >= self.config.idle_timeout_s) {
                    self.end(Outcome::TimedOut);
                    return Some(Screen::Idle);
                }
                None
            }
            // Any event but a tick is a touch (handled above); this one only says so.
            (_, Event::StillHere) => None,
            (_, Event::Reset) => {
                if self.session.is_some() {
                    self.end(Outcome::Cancelled);
                }
                Some(Screen::Idle)
            }
            (_, Event::CallClerk) => {
                if self.help_requested() {
                    // Called already (the front shows "呼び出し中" instead of the button).
                    return None;
                }
                self.note(EventKind::HelpRequested);
                self.call_clerk(None);
                None
            }
            (_, Event::ToggleFurigana) => {
                if let Some(s) = &mut self.session {
                    if s.language.is_japanese() {
                        s.furigana = !s.furigana;
                    }
                }
                None
            }
            (_, Event::ClerkTouched) => {
                if let Some(s) = &mut self.session {
                    s.assisted = true;
                    if let Some(c) = &mut s.call {
                        c.answered = true;
                    }
                }
                None
            }
            (Screen::Confirm, Event::StaffCorrected(data)) => {
                let s = self.session.as_mut()?;
                if s.mode != Mode::StaffOperated {
                    return None;
                }
                s.set_data(data);
                s.assisted = true;
                None
            }
            (_, Event::ClerkTakeOver) => {
                self.note(EventKind::ClerkTakeOver);
                if let Some(s) = &mut self.session {
                    s.mode = Mode::StaffOperated;
                    s.assisted = true;
                    if let Some(c) = &mut s.call {
                        c.answered = true;
                    }
                }
                None
            }
            (Screen::Idle, Event::Start(language)) => {
                self.order = self.order_by_use();
                self.session = Some(Session {
                    started: now,
                    last_touch: now,
                    language,
                    furigana: language == Language::EASY_JA,
                    mode: Mode::SelfService,
                    assisted: false,
                    call: None,
                    calls: 0,
                    wrong: None,
                    identification: Identification::Pin,
                    chosen: Vec::new(),
                    first_choice_at: None,
                    answers: Vec::new(),
                    tries: None,
                    pin: String::new(),
                    data: None,
                    clerk_check: None,
                    verification: None,
                    card_read_ms: None,
                    card_kind: None,
                    filled: Vec::new(),
                    pdf: None,
                    print_pdf: None,
                    satisfaction: None,
                    events: Vec::new(),
                    printed: false,
                });
                Some(Screen::ChooseForms)
            }
            (Screen::ChooseForms, Event::ToggleForm(id)) => {
                let index = self.templates.iter().position(|t| t.spec.id == id)?;
                let answers = Answers::new().with_defaults(&self.templates[index]);
                let s = self.session.as_mut()?;
                match s.chosen.iter().position(|i| *i == index) {
                    Some(at) => {
                        s.chosen.remove(at);
                        s.answers.remove(at);
                    }
                    None => {
                        s.chosen.push(index);
                        s.answers.push(answers);
                        s.first_choice_at.get_or_insert(now);
                        // A form chosen later finds what was answered already.
                        let form = s.chosen.len() - 1;
                        self.take_shared(form);
                    }
                }
                None
            }
            (Screen::ChooseForms, Event::Next) => {
                (!self.session.as_ref()?.chosen.is_empty()).then_some(Screen::PlaceCard)
            }
            (Screen::ChooseForms, Event::Back) => {
                self.end(Outcome::Cancelled);
                Some(Screen::Idle)
            }
            (Screen::PlaceCard | Screen::Pin | Screen::CodeB, Event::Identify(how)) => {
                let s = self.session.as_mut()?;
                s.identification = how;
                s.pin.zeroize();
                if how == Identification::None {
                    s.mode = Mode::StaffOperated;
                    s.assisted = true;
                    return Some(Screen::StaffEntry);
                }
                Some(Screen::PlaceCard)
            }
            (Screen::PlaceCard, Event::CardInserted) => {
                self.requested = Some(Work::Probe);
                None
            }
            (Screen::PlaceCard, Event::Back) => Some(Screen::ChooseForms),
            (Screen::StaffEntry, Event::Back) => Some(Screen::PlaceCard),
            (Screen::Pin, Event::PinDigit(d)) if d <= 9 => {
                let s = self.session.as_mut()?;
                if s.pin.len() < 4 {
                    s.pin.push(char::from(b'0' + d));
                }
                None
            }
            (Screen::Pin, Event::PinEnter) => {
                let s = self.session.as_mut()?;
                if s.pin.len() == 4 {
                    let credential = Credential::pin(&s.pin);
                    s.pin.zeroize();
                    return match credential {
                        Ok(c) => self.ask_read(c),
                        Err(e) => Some(Screen::SeeClerk(ClerkReason::ReadFailed(e))),
                    };
                }
                None
            }
            (Screen::Pin, Event::PinErase) => {
                self.session.as_mut()?.pin.pop();
                None
            }
            (Screen::Pin | Screen::CodeB, Event::Back) => {
                self.session.as_mut()?.pin.zeroize();
                Some(Screen::PlaceCard)
            }
            (
                Screen::CodeB,
                Event::CodeB {
                    birth_date,
                    expiry_year,
                    mut security_code,
                },
            ) => {
                let credential = Credential::code_b(birth_date, expiry_year, &security_code);
                security_code.zeroize();
                match credential {
                    Ok(c) => self.ask_read(c),
                    Err(_) => Some(Screen::CodeB),
                }
            }
            (Screen::StaffEntry, Event::StaffEntered(data)) => {
                self.session.as_mut()?.set_data(data);
                Some(Screen::Confirm)
            }
            // The wrong card is swapped: taking it off (or "place a card again", also after a
            // failed read) goes back to "place your card", and the chosen forms stay. A read
            // failure stays on screen when the card leaves (the reader itself may be gone:
            // the clerk must read why).
            (Screen::SeeClerk(ClerkReason::NotMyNumberCard), Event::CardRemoved)
            | (
                Screen::SeeClerk(ClerkReason::NotMyNumberCard | ClerkReason::ReadFailed(_)),
                Event::Back,
            ) => Some(Screen::PlaceCard),
            (_, Event::CardRemoved) => self.card_removed(),
            (Screen::Confirm, Event::DataWrong) => {
                self.note(EventKind::HelpRequested);
                Some(Screen::SeeClerk(ClerkReason::DataWrong))
            }
            (Screen::Confirm, Event::Next) => self.first_page().or_else(|| self.preview()),
            (Screen::Confirm, Event::Back) => Some(match self.session.as_ref()?.identification {
                Identification::None => Screen::StaffEntry,
                _ => Screen::PlaceCard,
            }),
            (Screen::Questions { form }, Event::Answer { question, value }) => {
                let form = *form;
                let t = self.chosen_template(form)?;
                if !t.spec.questions.iter().any(|q| q.get_ref().id == question) {
                    return None;
                }
                self.session.as_mut()?.answers[form].set(&question, value);
                self.share(form, &question);
                None
            }
            (Screen::Questions { form }, Event::Next) => {
                let form = *form;
                if !self.unanswered(form).is_empty() {
                    return None;
                }
                self.page_after(form).or_else(|| self.preview())
            }
            (Screen::Questions { form }, Event::Back) => {
                Some(self.page_before(*form).unwrap_or(Screen::Confirm))
            }
            (Screen::Preview, Event::Back) => Some(self.last_page().unwrap_or(Screen::Confirm)),
            (Screen::Preview | Screen::SeeClerk(ClerkReason::PrintFailed(_)), Event::Print) => {
                self.print()
            }
            (Screen::Done, Event::Survey(n)) => {
                self.session.as_mut()?.satisfaction = Satisfaction::new(n);
                None
            }
            (Screen::Done, Event::Finish) => {
                self.end(Outcome::Printed);
                Some(Screen::Idle)
            }
            _ => None,
        }
    }

    /// The card was placed and probed: the counters before any PIN decide the next screen.
    fn probed(&mut self, result: Result<Tries, CardError>) -> Screen {
        let guard = self.config.read.guard_at;
        let Some(s) = self.session.as_mut() else {
            return Screen::Idle;
        };
        let licence = matches!(&result, Ok(t) if t.kind == CardKind::DriversLicence);
        // The licence has no 照合番号B: its PIN1 is the only key.
        let key = if s.identification == Identification::CodeB && !licence {
            Key::CodeB
        } else {
            Key::Pin
        };
        match result {
            Ok(tries) if licence && !tries.needs_pin => {
                // No PIN set on this licence: read it without asking anything.
                s.tries = Some(tries);
                self.requested = Some(Work::Read {
                    credential: None,
                    options: self.config.read.clone(),
                });
                Screen::Pin
            }
            Ok(tries) => {
                s.tries = Some(tries);
                match tries.of(key) {
                    Some(0) => {
                        self.note(EventKind::PinBlocked);
                        Screen::SeeClerk(ClerkReason::Blocked)
                    }
                    Some(n) if n <= guard => {
                        self.note(EventKind::LockoutGuard);
                        Screen::SeeClerk(ClerkReason::LastTryGuarded)
                    }
                    _ if key == Key::CodeB => Screen::CodeB,
                    _ => Screen::Pin,
                }
            }
            Err(CardError::NotMyNumberCard) => {
                self.note(EventKind::CardNotMyNumber);
                Screen::SeeClerk(ClerkReason::NotMyNumberCard)
            }
            Err(CardError::NoCard | CardError::CardRemoved) => Screen::PlaceCard,
            Err(e) => {
                self.note(EventKind::CardReadFailed);
                Screen::SeeClerk(ClerkReason::ReadFailed(e))
            }
        }
    }

    /// Ask for a read with `credential`: the PIN pad (or 照合番号B) stays until it is done.
    fn ask_read(&mut self, credential: Credential) -> Option<Screen> {
        self.requested = Some(Work::Read {
            credential: Some(credential),
            options: self.config.read.clone(),
        });
        None
    }

    /// The read came back.
    fn read(&mut self, key: Key, result: Result<CardRead, CardError>, elapsed: u32) -> Screen {
        match result {
            Ok(read) => {
                let s = match self.session.as_mut() {
                    Some(s) => s,
                    None => return Screen::Idle,
                };
                s.card_kind = Some(read.kind);
                s.set_data(read.data);
                s.verification = Some(read.verification);
                s.card_read_ms = Some(elapsed);
                Screen::Confirm
            }
            Err(CardError::WrongPin { tries_left, .. }) => {
                self.note(EventKind::PinWrong);
                if let Some(s) = self.session.as_mut() {
                    s.wrong = Some(tries_left);
                    if let Some(t) = s.tries.as_mut() {
                        match key {
                            Key::Pin | Key::LicencePin => t.pin = tries_left,
                            Key::CodeB => t.code_b = tries_left,
                            // The 在留カード counts no tries.
                            Key::CardNumber => {}
                        }
                    }
                }
                match tries_left {
                    Some(n) if n <= self.config.read.guard_at => {
                        self.note(EventKind::LockoutGuard);
                        Screen::SeeClerk(ClerkReason::LastTryGuarded)
                    }
                    _ if key == Key::CodeB => Screen::CodeB,
                    _ => Screen::Pin,
                }
            }
            Err(CardError::LastTryGuarded { .. }) => {
                self.note(EventKind::LockoutGuard);
                Screen::SeeClerk(ClerkReason::LastTryGuarded)
            }
            Err(CardError::Blocked { .. }) => {
                self.note(EventKind::PinBlocked);
                Screen::SeeClerk(ClerkReason::Blocked)
            }
            Err(CardError::CardRemoved | CardError::NoCard) => {
                self.note(EventKind::CardRemoved);
                Screen::PlaceCard
            }
            Err(e) => {
                self.note(EventKind::CardReadFailed);
                Screen::SeeClerk(ClerkReason::ReadFailed(e))
            }
        }
    }

    /// The card left: before the print, its data is wiped and the resident places it again;
    /// at and after the print, taking the card is what the resident is asked to do.
    fn card_removed(&mut self) -> Option<Screen> {
        let s = self.session.as_mut()?;
        if s.printed || s.identification == Identification::None {
            return None;
        }
        s.data = None;
        s.clerk_check = None;
        s.verification = None;
        s.pin.zeroize();
        s.filled.clear();
        wipe(&mut s.pdf);
        wipe(&mut s.print_pdf);
        // Screens that show or use the card's data; elsewhere (before the card, or sent to the
        // clerk for a card problem) there is nothing to wipe and nothing to restart.
        let had_card = matches!(
            self.screen,
            Screen::Pin
                | Screen::CodeB
                | Screen::Confirm
                | Screen::Questions { .. }
                | Screen::Preview
                | Screen::SeeClerk(
                    ClerkReason::PrintFailed(_)
                        | ClerkReason::FormFailed(_)
                        | ClerkReason::DataWrong
                )
        );
        if !had_card {
            return None;
        }
        self.note(EventKind::CardRemoved);
        match self.config.on_card_removed {
            OnRemoval::PlaceAgain => Some(Screen::PlaceCard),
            OnRemoval::Restart => {
                self.end(Outcome::Cancelled);
                Some(Screen::Idle)
            }
        }
    }

    fn questions_of(&self, form: usize) -> usize {
        self.session
            .as_ref()
            .map_or(0, |s| self.templates[s.chosen[form]].spec.questions.len())
    }

    fn first_page(&self) -> Option<Screen> {
        let forms = self.session.as_ref()?.chosen.len();
        (0..forms)
            .find(|f| self.questions_of(*f) > 0)
            .map(|form| Screen::Questions { form })
    }

    fn page_after(&self, form: usize) -> Option<Screen> {
        let forms = self.session.as_ref()?.chosen.len();
        (form + 1..forms)
            .find(|f| self.questions_of(*f) > 0)
            .map(|form| Screen::Questions { form })
    }

    fn page_before(&self, form: usize) -> Option<Screen> {
        (0..form)
            .rev()
            .find(|f| self.questions_of(*f) > 0)
            .map(|form| Screen::Questions { form })
    }

    fn last_page(&self) -> Option<Screen> {
        let forms = self.session.as_ref()?.chosen.len();
        self.page_before(forms)
    }

    /// The office the forms are addressed to, its name and fees (`[office]` in kakanai.toml);
    /// without it the forms say 「市区町村長」 and leave the price blank.
    pub fn set_office(&mut self, office: Office) {
        self.office = office;
    }

    /// The printer's offset and scale (`[printer]`), applied to what is printed, never to the
    /// preview.
    pub fn set_placement(&mut self, placement: Placement) {
        self.placement = placement;
    }

    /// Fill every chosen form and ask for the PDF: the preview shows exactly what prints.
    fn preview(&mut self) -> Option<Screen> {
        let today = {
            let d = myna_card::Date::from_unix_seconds(self.now() + 9 * 3600);
            Date::new(d.year, d.month, d.day).unwrap_or_else(|| unreachable!("a civil date"))
        };
        let s = self.session.as_mut()?;
        let mut filled = Vec::new();
        for (i, index) in s.chosen.iter().enumerate() {
            let input = FillInput {
                card: s.data.as_ref(),
                answers: &s.answers[i],
                today,
                office: &self.office,
                read: s.identification,
            };
            match fill(&self.templates[*index], &input) {
                Ok(f) => filled.push((*index, f)),
                Err(e) => {
                    return Some(Screen::SeeClerk(ClerkReason::FormFailed(Arc::new(
                        e.into(),
                    ))));
                }
            }
        }
        self.requested = Some(Work::Render {
            templates: self.templates.clone(),
            forms: filled,
            placement: self.placement,
        });
        None
    }

    /// The PDF came back (with the filled forms, for the usage record).
    fn rendered(
        &mut self,
        filled: Vec<FilledForm>,
        result: Result<Rendered, crate::forms::pdf::RenderError>,
    ) -> Screen {
        let Some(s) = self.session.as_mut() else {
            return Screen::Idle;
        };
        match result {
            Ok(mut bytes) => {
                wipe(&mut s.pdf);
                wipe(&mut s.print_pdf);
                s.pdf = Some(std::mem::take(&mut bytes.screen));
                s.print_pdf = bytes.printer.take();
                s.filled = filled;
                Screen::Preview
            }
            Err(e) => Screen::SeeClerk(ClerkReason::FormFailed(Arc::new(e.into()))),
        }
    }

    fn print(&mut self) -> Option<Screen> {
        let title = format!("kakanai {}", self.chosen().join(" "));
        let timeout = std::time::Duration::from_secs(self.config.print_timeout_s);
        let Some(pdf) = self
            .session
            .as_ref()
            .and_then(|s| s.print_pdf.clone().or_else(|| s.pdf.clone()))
        else {
            return Some(Screen::Preview);
        };
        self.requested = Some(Work::Print {
            pdf: pdf.into(),
            title,
            timeout,
        });
        None
    }

    /// The print came back.
    fn printed_result(&mut self, result: Result<(), PrintError>) -> Screen {
        match result {
            Ok(()) => {
                if let Some(s) = self.session.as_mut() {
                    s.printed = true;
                }
                Screen::Done
            }
            Err(e) => {
                self.note(EventKind::PrinterError);
                Screen::SeeClerk(ClerkReason::PrintFailed(Arc::new(e)))
            }
        }
    }

    /// End the session: one usage record, then everything personal is dropped.
    fn end(&mut self, outcome: Outcome) {
        let Some(s) = self.session.take() else { return };
        let now = self.now();
        let outcome = match outcome {
            Outcome::Cancelled | Outcome::TimedOut
                if s.events.iter().any(|e| e.kind == EventKind::PrinterError) && !s.printed =>
            {
                Outcome::PrintError
            }
            Outcome::Cancelled | Outcome::TimedOut
                if s.events.iter().any(|e| {
                    matches!(
                        e.kind,
                        EventKind::PinBlocked
                            | EventKind::LockoutGuard
                            | EventKind::CardNotMyNumber
                            | EventKind::CardReadFailed
                    )
                }) && s.data.is_none() =>
            {
                Outcome::CardError
            }
            other => other,
        };
        let forms = if s.printed {
            s.chosen
                .iter()
                .zip(&s.filled)
                .filter_map(|(i, f)| {
                    Some(PrintedForm {
                        form: FormRef::of(&self.templates[*i])?,
                        copies: 1,
                        pages: 1,
                        fields_filled: f.filled as u16,
                        fields_total: f.fields_total as u16,
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        let record = SessionRecord {
            terminal: self.config.terminal.clone(),
            window: self.config.window.clone(),
            started: s.started,
            ended: now.max(s.started),
            mode: s.mode,
            assisted: s.assisted,
            language: s.language,
            identification: s.identification,
            card_check: match &s.verification {
                None => CardCheck::NotRead,
                Some(v) if v.is_verified() => CardCheck::Verified,
                Some(_) => CardCheck::Unverified,
            },
            outcome,
            satisfaction: s.satisfaction,
            card_read_ms: s.card_read_ms,
            card_kind: s.card_kind,
            choice_to_print_s: if s.printed {
                s.first_choice_at.map(|t| (now - t).max(0) as u32)
            } else {
                None
            },
            forms,
            events: s.events.clone(),
        };
        self.recorder.record(record);
        drop(s);
    }
}
