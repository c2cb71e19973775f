//! The kiosk's windows (iced, and only here). Two windows — the front for the resident, the back
//! for the clerk — draw the same [`crate::kiosk::Kiosk`] session; a touch on either becomes the
//! same [`crate::kiosk::Event`]. The back window adds the clerk bar, the clerk's entry and the
//! admin screen.
//!
//! Structure follows Halloy: [`app::App`] owns the session and routes [`app::Message`]s to
//! the screen showing; each screen is a module in [`screen`] with its own state, `Message`,
//! `update` (returning a session event upward, or nothing) and `view`. [`widgets`] are the
//! pads, keyboards and buttons, generic over the message type; [`style`] the sizes and
//! colours; [`secret`] the wrapper for typed values in messages; [`launch`] what `main` hands
//! the windows; [`background`] the worker threads and the card monitor. The strings come from [`crate::i18n`]. Imports go one way: this module →
//! `app` → `screen` → `widgets` → `style`.

pub mod app;
pub mod background;
pub mod launch;
pub mod ruby;
pub mod screen;
pub mod secret;
pub mod style;
pub mod widgets;

use std::borrow::Cow;

pub use app::{App, Message};
pub use launch::{Demo, Launch};
pub use screen::Role;
pub use screen::clerk_bar::PrinterState;

pub use style::FONT_NAME;

/// The fonts the windows load: every language's face, regular and bold
/// ([`crate::typefaces`]). Borrowed from the binary, so loading copies nothing.
pub fn fonts() -> Vec<Cow<'static, [u8]>> {
    crate::typefaces::ALL
        .iter()
        .flat_map(|f| [Cow::Borrowed(f.regular), Cow::Borrowed(f.bold)])
        .collect()
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
