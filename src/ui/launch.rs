//! What `main` hands the windows: the session, the window placement, the demo's simulated
//! reader, the admin settings. No iced types but the window settings built from the config.

use std::path::PathBuf;
use std::sync::Arc;

use super::screen::clerk_bar::PrinterState;
use crate::card::sim::{CardProfile, SimKeys};
use crate::config::WindowConfig;
use crate::kiosk::Kiosk;
use crate::kiosk::services::SimSlot;

/// Everything the windows need, built by `main` from the configuration (no window types).
pub struct Launch {
    /// The session.
    pub kiosk: Kiosk,
    /// Front and back window placement.
    pub front: WindowConfig,
    /// The clerk's window.
    pub back: WindowConfig,
    /// The demo's simulated reader and the cards its picker offers.
    pub demo: Option<Demo>,
    /// Watch PC/SC for cards (the real reader); the reader name, or `None` for the first.
    pub pcsc: Option<Option<String>>,
    /// `[admin] credential_hash`.
    pub admin_hash: Option<String>,
    /// The usage database (the admin screen opens it read-only for counts).
    pub usage_db: PathBuf,
    /// Where the admin's export goes by default (a USB stick's mount point).
    pub export_folder: PathBuf,
    /// Form titles by id, for the admin's report.
    pub titles: std::collections::BTreeMap<String, String>,
    /// This kiosk's id.
    pub terminal: String,
    /// The printer's state for the clerk bar (called off the UI thread every few seconds).
    pub printer_status: Arc<dyn Fn() -> PrinterState + Send + Sync>,
    /// Print the time to the first frame of both windows and the resident set size, then exit
    /// (the start-up benchmark).
    pub measure_startup: bool,
    /// Run card reads and prints on the UI thread (the simulation tests, which have no
    /// executor); the kiosk runs them on a worker thread.
    pub inline: bool,
    /// The voice guidance (off in the simulation tests unless one listens).
    pub voice: crate::voice::Voice,
}

impl Launch {
    /// The app without windows or background threads, for the simulation tests and the
    /// benchmarks: card reads and prints run inline, no demo picker, no admin credential, no
    /// PC/SC monitor, the usage database and exports in `dir`.
    pub fn simulated(kiosk: Kiosk, dir: &std::path::Path) -> Launch {
        Launch {
            kiosk,
            front: WindowConfig::default(),
            back: WindowConfig::default(),
            demo: None,
            pcsc: None,
            admin_hash: None,
            usage_db: dir.join("usage.db"),
            export_folder: dir.join("export"),
            titles: std::collections::BTreeMap::new(),
            terminal: "kiosk-01".into(),
            printer_status: Arc::new(|| PrinterState::Ready("idle".into())),
            measure_startup: false,
            inline: true,
            voice: crate::voice::Voice::off(),
        }
    }
}

/// The demo: a simulated reader whose card the back screen's picker places and takes.
pub struct Demo {
    /// The reader's slot.
    pub slot: SimSlot,
    /// The fixture cards, by name.
    pub cards: Vec<(String, CardProfile)>,
    /// The simulated card hierarchy's keys.
    pub keys: Arc<SimKeys>,
}

/// iced's settings for a configured window.
pub fn window_settings(w: &WindowConfig) -> iced::window::Settings {
    iced::window::Settings {
        size: iced::Size::new(w.size[0] as f32, w.size[1] as f32),
        position: match w.position {
            Some([x, y]) => iced::window::Position::Specific(iced::Point::new(x as f32, y as f32)),
            None => iced::window::Position::Default,
        },
        fullscreen: w.fullscreen,
        decorations: w.decorations,
        resizable: !w.fullscreen,
        ..iced::window::Settings::default()
    }
}
