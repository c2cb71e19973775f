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
pub mod pdf;
pub mod preview;
pub mod qr;
pub mod template;

pub use answers::Answers;
pub use fill::{FillError, FillInput, FilledForm, fill};
pub use template::{Template, TemplateError, load_dir};
