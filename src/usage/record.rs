//! What the usage log records: counts, kinds and times, nothing personal.
//!
//! The types are the guarantee. No field takes free text: kinds are enums, ids are checked
//! slugs that come from the configuration or a loaded template, times are numbers. A name, an
//! address, a date of birth or an answer has no way in.

use std::fmt;

use crate::forms::Template;

/// A checked identifier: 1–40 characters of `a-z A-Z 0-9 - _ .`, the first a letter or digit.
/// Used for the terminal id, the window label, form ids and versions, which come from
/// configuration and templates. The first character matters: these ids are cells of the CSV
/// exports, and a cell starting with `-` (or `= + @`) is a formula to Excel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    /// Check and wrap; `None` when the text is not a slug.
    pub fn new(text: &str) -> Option<Self> {
        let ok = (1..=40).contains(&text.len())
            && text.starts_with(|c: char| c.is_ascii_alphanumeric())
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        ok.then(|| Slug(text.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Seconds since the Unix epoch (UTC).
pub type Timestamp = i64;

/// How the session was run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The resident at the front screen.
    SelfService,
    /// A clerk operating (1-to-1 interview, or took over).
    StaffOperated,
}

/// How the resident was identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Identification {
    /// No card: the clerk entered the data.
    None,
    /// My Number card with the PIN.
    Pin,
    /// My Number card with 照合番号B.
    CodeB,
}

/// What the integrity check said (the clerk's "verified" light).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardCheck {
    /// No card was read.
    NotRead,
    /// The chain held.
    Verified,
    /// Read, but not verified.
    Unverified,
}

/// How the session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Forms printed.
    Printed,
    /// The resident (or clerk) cancelled.
    Cancelled,
    /// Nobody touched the screen until the timeout.
    TimedOut,
    /// The card could not be read (blocked, wrong card, removed …).
    CardError,
    /// Printing failed.
    PrintError,
}

/// The end-of-session survey: 1 (unhappy) to 5 (happy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Satisfaction(u8);

impl Satisfaction {
    /// 1 to 5, else `None`.
    pub fn new(value: u8) -> Option<Self> {
        (1..=5).contains(&value).then_some(Satisfaction(value))
    }
    /// The score.
    pub fn value(self) -> u8 {
        self.0
    }
}

/// The session's language, as the usage log stores it (defined with the catalogs).
pub use crate::i18n::Language;

/// Which form, in which version — built only from a loaded template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FormRef {
    /// The template's id.
    pub id: Slug,
    /// The template's version.
    pub version: Slug,
}

impl FormRef {
    /// The form a template prints.
    pub fn of(template: &Template) -> Option<Self> {
        Some(FormRef {
            id: Slug::new(&template.spec.id)?,
            version: Slug::new(&template.spec.version)?,
        })
    }
}

/// One printed form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedForm {
    /// Which.
    pub form: FormRef,
    /// Copies printed.
    pub copies: u16,
    /// Pages per copy.
    pub pages: u16,
    /// Fields the kiosk filled (the resident did not write them).
    pub fields_filled: u16,
    /// Fields a resident would otherwise write.
    pub fields_total: u16,
}

/// Something that happened during a session, by kind only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A card could not be read: not a My Number card.
    CardNotMyNumber,
    /// The card left the reader during the read.
    CardRemoved,
    /// Malformed data or an unexpected status.
    CardReadFailed,
    /// A wrong PIN or 照合番号B.
    PinWrong,
    /// The card's PIN is blocked.
    PinBlocked,
    /// The lockout guard sent the resident to the clerk.
    LockoutGuard,
    /// The printer failed.
    PrinterError,
    /// The clerk took over from the back screen.
    ClerkTakeOver,
    /// The resident called the clerk.
    HelpRequested,
}

impl EventKind {
    /// Every kind, in code order.
    pub const ALL: [EventKind; 9] = [
        EventKind::CardNotMyNumber,
        EventKind::CardRemoved,
        EventKind::CardReadFailed,
        EventKind::PinWrong,
        EventKind::PinBlocked,
        EventKind::LockoutGuard,
        EventKind::PrinterError,
        EventKind::ClerkTakeOver,
        EventKind::HelpRequested,
    ];

    /// The stored code.
    pub fn code(self) -> i64 {
        EventKind::ALL.iter().position(|k| *k == self).unwrap_or(0) as i64
    }

    /// The name used in exports.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::CardNotMyNumber => "card_not_my_number",
            EventKind::CardRemoved => "card_removed",
            EventKind::CardReadFailed => "card_read_failed",
            EventKind::PinWrong => "pin_wrong",
            EventKind::PinBlocked => "pin_blocked",
            EventKind::LockoutGuard => "lockout_guard",
            EventKind::PrinterError => "printer_error",
            EventKind::ClerkTakeOver => "clerk_take_over",
            EventKind::HelpRequested => "help_requested",
        }
    }
}

/// One event with its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// When.
    pub at: Timestamp,
    /// What.
    pub kind: EventKind,
}

/// A whole session, recorded once when it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The kiosk.
    pub terminal: Slug,
    /// The window the resident is sent to ("1", "a", …).
    pub window: Option<Slug>,
    /// Start.
    pub started: Timestamp,
    /// End.
    pub ended: Timestamp,
    /// Self-service or staff-operated.
    pub mode: Mode,
    /// The clerk touched the back screen.
    pub assisted: bool,
    /// UI language.
    pub language: Language,
    /// How the resident was identified.
    pub identification: Identification,
    /// The integrity result.
    pub card_check: CardCheck,
    /// How it ended.
    pub outcome: Outcome,
    /// The survey, if answered.
    pub satisfaction: Option<Satisfaction>,
    /// Milliseconds from "place the card" to the data read.
    pub card_read_ms: Option<u32>,
    /// Which card was read; `None` when none was.
    pub card_kind: Option<crate::card::CardKind>,
    /// Seconds from the first form chosen to the print.
    pub choice_to_print_s: Option<u32>,
    /// The forms printed.
    pub forms: Vec<PrintedForm>,
    /// What happened along the way.
    pub events: Vec<Event>,
}
