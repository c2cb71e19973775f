//! The command line: `kakanai card …`, forms, render, printers, print, kpi, admin; without a
//! command, the kiosk.

pub mod admin;
pub mod card;
pub mod central;
pub mod doctor;
pub mod forms;
#[cfg(feature = "ui")]
pub mod kiosk;
pub mod kpi;
pub mod print;
pub mod speak;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// kakanai — a 書かない窓口 kiosk for municipal offices.
///
/// Without a command, `kakanai` starts the kiosk: both windows full-screen, from kakanai.toml
/// (the card reader, the printer, the usage database). `kakanai --demo` starts it in windows
/// with a simulated card reader. The commands below are the administrator's tools; forms,
/// render and kpi take forms_dir and usage_db from kakanai.toml when no flag names them.
///
/// Exit status: 0 done; 1 failed (message on stderr); 2 wrong PIN; 3 see the clerk (blocked or
/// the lockout guard); 64 bad command line or configuration.
#[derive(Debug, Parser)]
#[command(name = "kakanai", version, about, long_about)]
pub struct Cli {
    /// Configuration file (default: ./kakanai.toml if present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace). KAKANAI_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Start the kiosk in demo mode: a simulated card reader with a card picker on the back
    /// screen, PDFs into a folder instead of a printer, a demo usage database.
    #[arg(long)]
    pub demo: bool,
    /// Where demo mode keeps its printed PDFs, exports and database.
    #[arg(long, value_name = "DIR", default_value = "kakanai-demo")]
    pub demo_dir: PathBuf,
    /// Print the time to the first frame of both windows and the memory used, then exit.
    #[arg(long, hide = true)]
    pub measure_startup: bool,
    /// What to do; without a command, the full-screen kiosk starts.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Card readers and My Number cards.
    #[command(subcommand)]
    Card(card::CardCommand),
    /// Form templates: list and check.
    #[command(subcommand)]
    Forms(forms::FormsCommand),
    /// Fill forms with a card profile's data and answers, into one PDF.
    Render(forms::RenderArgs),
    /// Printers (CUPS queues) and their states.
    Printers(print::PrintersArgs),
    /// Print a PDF (or a test page) on a CUPS queue and follow the job.
    Print(print::PrintArgs),
    /// Usage counts and KPI exports (no personal data).
    #[command(subcommand)]
    Kpi(kpi::KpiCommand),
    /// The admin credential.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Check the installation: reader, card, printer, fonts, templates, usage database, time
    /// zone, clock, configuration file, admin credential. Says what to do for each problem.
    Doctor(doctor::DoctorArgs),
    /// Write what the kiosk says for catalog keys to a WAV (voice guidance, no kiosk needed).
    Speak(speak::SpeakArgs),
}

/// Exit codes, so that scripts can tell a wrong PIN from a broken reader.
pub mod exit {
    /// Done.
    pub const OK: i32 = 0;
    /// Anything else went wrong (message on stderr).
    pub const FAILED: i32 = 1;
    /// Wrong PIN or 照合番号B; tries are left.
    pub const WRONG_PIN: i32 = 2;
    /// Blocked, or the lockout guard stopped: the resident must see the clerk.
    pub const SEE_CLERK: i32 = 3;
    /// Bad command line or configuration.
    pub const USAGE: i32 = 64;
}
