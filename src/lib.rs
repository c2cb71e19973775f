//! kakanai — a 書かない窓口 kiosk: read the My Number card, print pre-filled application forms.
//!
//! The library holds everything but the window: [`card`] reads identity cards, [`config`] is
//! `kakanai.toml`, [`wareki`] writes Japanese era dates, [`testbed`] runs a private pcscd for
//! tests, benchmarks and the demo, and [`cli`] is the command line.

pub mod card;
pub mod cli;
pub mod config;
pub mod doctor;
pub mod files;
pub mod forms;
pub mod fuzzing;
pub mod hardening;
pub mod kiosk;
pub mod logging;
pub mod panels;
pub mod print;
pub mod sdnotify;
pub mod testbed;
#[cfg(feature = "ui")]
pub mod ui;
pub mod usage;
pub mod wareki;
pub mod zeroing_alloc;
