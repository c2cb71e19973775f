//! The kiosk's windows (iced, and only here). Two windows — the front for the resident, the back
//! for the clerk — draw the same [`crate::kiosk::Kiosk`] session; a touch on either becomes the
//! same [`crate::kiosk::Event`]. The back window adds the clerk bar, the clerk's entry and the
//! admin screen.
//!
//! Structure follows Halloy: [`app::App`] owns the state and routes [`app::Message`]s; the
//! screens (`screens`), the clerk's panels (`clerk`) and the pads and keyboards (`widgets`) are
//! functions of the state that return elements.

pub mod app;
pub mod catalog;
mod clerk;
mod screens;
pub mod style;
mod widgets;

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use crate::card::sim::{CardProfile, SimKeys};
use crate::config::WindowConfig;
use crate::kiosk::Kiosk;
use crate::kiosk::services::SimSlot;

pub use app::{App, Message, Role};

/// The family name of the bundled BIZ UD Gothic, the kiosk's only UI font.
pub const FONT_NAME: &str = "BIZ UDGothic";

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
    pub printer_status: Arc<dyn Fn() -> Result<String, String> + Send + Sync>,
    /// Print the time to the first frame of both windows and the resident set size, then exit
    /// (the start-up benchmark).
    pub measure_startup: bool,
    /// Run card reads and prints on the UI thread (the simulation tests, which have no
    /// executor); the kiosk runs them on a worker thread.
    pub inline: bool,
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
            printer_status: Arc::new(|| Ok("idle".into())),
            measure_startup: false,
            inline: true,
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

/// The fonts the windows load.
pub fn fonts() -> Vec<Cow<'static, [u8]>> {
    vec![
        Cow::Borrowed(crate::forms::fonts::GOTHIC),
        Cow::Borrowed(crate::forms::fonts::GOTHIC_BOLD),
    ]
}

/// Open both windows and run until they are closed.
pub fn run(launch: Launch) -> iced::Result {
    let started = std::time::Instant::now();
    let cell = std::cell::RefCell::new(Some(launch));
    let mut d = iced::daemon(
        move || {
            let launch = cell
                .borrow_mut()
                .take()
                .unwrap_or_else(|| unreachable!("the daemon boots once"));
            App::boot(launch, started)
        },
        App::update,
        App::view_window,
    )
    .title(App::title)
    .subscription(App::subscription)
    .theme(App::theme)
    .scale_factor(App::scale_factor)
    .default_font(iced::Font::with_name(FONT_NAME));
    for f in fonts() {
        d = d.font(f);
    }
    d.run()
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
