//! The work a session asks for, as plain values, and its results.
//!
//! [`super::Kiosk::handle`] never touches the card reader or the printer itself: it answers
//! with a [`Work`], whoever runs the kiosk performs it against the [`Services`] (the UI on a
//! background task, off its render thread; a test inline) and hands the [`Done`] back as
//! [`super::Event::Done`]. PC/SC and IPP calls block for up to seconds (a read is 13 APDUs
//! with a signature check, a print follows its job until it completes), so they must never run
//! where a screen is drawn.
//!
//! The admin's test page and reader test are work too ([`Work::TestPage`],
//! [`Work::ReaderTest`]): the admin screen asks for them, not the session.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use zeroize::{Zeroize, Zeroizing};

use super::services::Services;
use crate::card::{CardError, CardRead, Credential, Key, ReadOptions, Tries};
use crate::forms::pdf::{self, Placement, RenderError};
use crate::forms::{FilledForm, Template};
use crate::i18n::Text;
use crate::print::PrintError;

/// What is in flight, so both screens can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    /// Identifying the card (before the PIN pad).
    Checking,
    /// Reading the card after the PIN or 照合番号B.
    Reading,
    /// Filling and rendering the forms for the preview.
    Preparing,
    /// Printing.
    Printing,
    /// The admin's test page or reader test.
    Testing,
}

/// Work to do off the UI thread.
pub enum Work {
    /// Select the application and read both counters.
    Probe,
    /// Read the basic four fields with this credential.
    Read {
        /// The PIN or 照合番号B (zeroed when dropped); `None` for a licence with no PIN set.
        credential: Option<Credential>,
        /// The lockout guard and trust anchors.
        options: ReadOptions,
    },
    /// Render the filled forms into one PDF.
    Render {
        /// The kiosk's templates.
        templates: Arc<[Template]>,
        /// Each chosen form's template index and its filled values, in order.
        forms: Vec<(usize, FilledForm)>,
        /// The printer's correction: a second PDF is made for the printer when it or a
        /// pre-printed form makes the printed one differ from the preview.
        placement: Placement,
    },
    /// Print a PDF and follow the job.
    Print {
        /// The PDF (zeroed when dropped).
        pdf: Zeroizing<Vec<u8>>,
        /// The job's name (form ids, never personal data).
        title: String,
        /// How long the job may take.
        timeout: Duration,
    },
    /// The admin's test page: the terminal id, the time, Japanese in both fonts.
    TestPage {
        /// This kiosk's id.
        terminal: String,
    },
    /// The admin's reader test: probe whatever card is on the reader.
    ReaderTest,
}

/// The result of a [`Work`].
pub enum Done {
    /// [`Work::Probe`].
    Probed(Result<Tries, CardError>),
    /// [`Work::Read`].
    Read {
        /// Which secret was sent.
        key: Key,
        /// The card data, or why not.
        result: Result<CardRead, CardError>,
        /// How long the read took (the usage log's `card_read_ms`).
        ms: u32,
    },
    /// [`Work::Render`]: the filled forms come back with the PDF.
    Rendered {
        /// The filled forms, in order.
        filled: Vec<FilledForm>,
        /// The PDFs.
        result: Result<Rendered, RenderError>,
    },
    /// [`Work::Print`].
    Printed(Result<(), PrintError>),
    /// [`Work::TestPage`].
    TestPage(Result<(), TestPageError>),
    /// [`Work::ReaderTest`].
    ReaderTest(Result<Tries, CardError>),
}

/// The PDFs of a session's forms.
pub struct Rendered {
    /// What the preview shows (and what is printed when `printer` is `None`).
    pub screen: Vec<u8>,
    /// What the printer gets when it differs: values only on pre-printed paper, the printer's
    /// offset and scale applied.
    pub printer: Option<Vec<u8>>,
}

impl Drop for Rendered {
    fn drop(&mut self) {
        self.screen.zeroize();
        if let Some(p) = &mut self.printer {
            p.zeroize();
        }
    }
}

/// Why the test page did not print.
#[derive(Debug, thiserror::Error)]
pub enum TestPageError {
    /// The page could not be rendered.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The printer failed.
    #[error(transparent)]
    Print(#[from] PrintError),
}

impl TestPageError {
    /// What happened, for the admin.
    pub fn for_clerk(&self) -> Text {
        match self {
            TestPageError::Render(e) => e.for_clerk(),
            TestPageError::Print(e) => e.for_clerk(),
        }
    }
}

impl Work {
    /// What the screens say while this runs.
    pub fn busy(&self) -> Busy {
        match self {
            Work::Probe => Busy::Checking,
            Work::Read { .. } => Busy::Reading,
            Work::Render { .. } => Busy::Preparing,
            Work::Print { .. } => Busy::Printing,
            Work::TestPage { .. } | Work::ReaderTest => Busy::Testing,
        }
    }

    /// Do it. Blocks (PC/SC, IPP): call it on a worker thread, or inline in a test.
    pub fn perform(self, services: &Services) -> Done {
        match self {
            Work::Probe => Done::Probed(services.reader.probe()),
            Work::Read {
                credential,
                options,
            } => {
                let started = Instant::now();
                let result = services.reader.read(credential.as_ref(), &options);
                let ms = started.elapsed().as_millis().min(u128::from(u32::MAX)) as u32;
                Done::Read {
                    key: credential
                        .as_ref()
                        .map_or(crate::card::Key::LicencePin, Credential::key),
                    result,
                    ms,
                }
            }
            Work::Render {
                templates,
                forms,
                placement,
            } => {
                let items: Vec<_> = forms.iter().map(|(i, f)| (&templates[*i], f, 1)).collect();
                let chosen: Vec<&Template> = items.iter().map(|(t, _, _)| *t).collect();
                let result = pdf::render(&items, "kakanai").and_then(|screen| {
                    let printer = if pdf::printer_differs(&chosen, &placement) {
                        Some(pdf::render_for(
                            &items,
                            "kakanai",
                            pdf::Output::Printer(placement),
                        )?)
                    } else {
                        None
                    };
                    Ok(Rendered { screen, printer })
                });
                drop(items);
                Done::Rendered {
                    filled: forms.into_iter().map(|(_, f)| f).collect(),
                    result,
                }
            }
            Work::Print {
                pdf,
                title,
                timeout,
            } => Done::Printed(services.printer.print(&pdf, &title, timeout, &mut |_| {})),
            Work::TestPage { terminal } => Done::TestPage(
                crate::print::test_page(&terminal)
                    .map_err(TestPageError::from)
                    .and_then(|pdf| {
                        services
                            .printer
                            .print(
                                &pdf,
                                "kakanai test page",
                                Duration::from_secs(60),
                                &mut |_| {},
                            )
                            .map_err(TestPageError::from)
                    }),
            ),
            Work::ReaderTest => Done::ReaderTest(services.reader.probe()),
        }
    }
}

impl Done {
    /// Whether this is the result of the work `busy` stands for.
    pub fn answers(&self, busy: Busy) -> bool {
        matches!(
            (self, busy),
            (Done::Probed(_), Busy::Checking)
                | (Done::Read { .. }, Busy::Reading)
                | (Done::Rendered { .. }, Busy::Preparing)
                | (Done::Printed(_), Busy::Printing)
        )
    }
}

/// Only the kind: a credential, filled forms and card data stay out of every log.
impl fmt::Debug for Work {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Work::{:?}", self.busy())
    }
}

/// Only the kind and whether it worked: no card data, no PDF.
impl fmt::Debug for Done {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, ok) = match self {
            Done::Probed(r) => ("Probed", r.is_ok()),
            Done::Read { result, .. } => ("Read", result.is_ok()),
            Done::Rendered { result, .. } => ("Rendered", result.is_ok()),
            Done::Printed(r) => ("Printed", r.is_ok()),
            Done::TestPage(r) => ("TestPage", r.is_ok()),
            Done::ReaderTest(r) => ("ReaderTest", r.is_ok()),
        };
        write!(f, "Done::{kind}(ok: {ok})")
    }
}
