//! kakanai — a 書かない窓口 kiosk: read the My Number card, print pre-filled application forms.
//!
//! The library holds everything but the window: [`card`] reads identity cards, [`forms`] fills
//! and renders the templates, [`print`] prints them, [`usage`] keeps the counts, [`kiosk`] is
//! the session as a state machine that hands its blocking work out as values, [`i18n`] holds
//! every sentence a person reads (no iced), [`config`] is `kakanai.toml` (its closed sets are
//! [`closed_set`] enums), [`wareki`] writes Japanese era dates, [`testbed`] runs a private
//! pcscd for tests, benchmarks and the demo, and [`cli`] is the command line. [`ui`] (feature
//! `ui`) is the only module that imports iced.

pub mod card;
#[macro_use]
pub mod closed_set;
pub mod cli;
pub mod config;
pub mod doctor;
pub mod files;
pub mod forms;
pub mod fuzzing;
pub mod hardening;
pub mod i18n;
pub mod kiosk;
pub mod logging;
pub mod panels;
pub mod print;
pub mod sdnotify;
pub mod testbed;
pub mod testbed_pg;
pub mod typefaces;
#[cfg(feature = "ui")]
pub mod ui;
pub mod usage;
pub mod voice;
pub mod wareki;
pub mod zeroing_alloc;
