//! Form templates → filled forms → PDF.
//!
//! - [`template`]: the TOML format administrators edit (`forms/README.md`), loaded and checked.
//! - [`fill`]: card data + answers + today → values placed in their boxes ([`fit`] does the
//!   shrinking and wrapping; [`fonts`] the glyph coverage and fallback).
//! - [`pdf`]: one PDF for a session's forms; [`qr`] the optional QR code.
//!
//! Nothing here knows about screens or printers.

pub mod answers;
pub mod fill;
pub mod fit;
pub mod fonts;
pub mod marks;
pub mod office;
pub mod pdf;
pub mod preview;
pub mod qr;
pub mod template;
pub mod translations;

pub use answers::Answers;
pub use fill::{FillError, FillInput, FilledForm, fill};
pub use office::Office;
pub use template::{Template, TemplateError, load_dir};

use crate::i18n::Text;

/// Why a session's forms could not be made: filling one, or rendering the PDF.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    /// A value does not fit, or a required answer is missing.
    #[error(transparent)]
    Fill(#[from] FillError),
    /// The PDF could not be rendered.
    #[error(transparent)]
    Render(#[from] pdf::RenderError),
}

impl FormError {
    /// What happened, for the clerk's window, as a catalog sentence (names form, field and
    /// question ids, never a value).
    pub fn for_clerk(&self) -> Text {
        match self {
            FormError::Fill(e) => e.for_clerk(),
            FormError::Render(e) => e.for_clerk(),
        }
    }
}

impl FillError {
    /// What happened, for the clerk, as a catalog sentence.
    pub fn for_clerk(&self) -> Text {
        match self {
            FillError::DoesNotFit { form, field } => Text::new("error.form.does_not_fit")
                .arg("form", form)
                .arg("field", field),
            FillError::NotAnOption { form, question } => Text::new("error.form.not_an_option")
                .arg("form", form)
                .arg("question", question),
            FillError::Unanswered { form, question } => Text::new("error.form.unanswered")
                .arg("form", form)
                .arg("question", question),
        }
    }
}

impl pdf::RenderError {
    /// What happened, for the clerk, as a catalog sentence.
    pub fn for_clerk(&self) -> Text {
        match self {
            pdf::RenderError::Font(key) => {
                Text::new("error.form.font").arg("font", format!("{key:?}"))
            }
            pdf::RenderError::Background { form, reason } => Text::new("error.form.background")
                .arg("form", form)
                .arg("reason", reason),
            pdf::RenderError::QrTooLong(form) => {
                Text::new("error.form.qr_too_long").arg("form", form)
            }
        }
    }
}
