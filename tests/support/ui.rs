//! Driving the kiosk's windows in iced's simulator: taps on the text a person reads.

use iced_test::Simulator;
use kakanai::ui::{App, Message, Role};

/// The layout size of both panels.
pub const SIZE: (f32, f32) = (1920.0, 1080.0);

/// The simulator's settings: the kiosk's own font.
pub fn settings() -> iced::Settings {
    iced::Settings {
        fonts: kakanai::ui::fonts(),
        default_font: iced::Font::with_name(kakanai::ui::FONT_NAME),
        ..iced::Settings::default()
    }
}

/// Tap the element showing `label` in `role`'s window; returns where it was (layout pixels)
/// and the messages it produced, not yet handled.
pub fn press(app: &App, role: Role, label: &str) -> (iced::Point, Vec<Message>) {
    let mut sim = Simulator::with_size(settings(), SIZE, app.view(role));
    let target = sim
        .click(label)
        .unwrap_or_else(|e| panic!("no “{label}” on the {role:?} screen: {e:?}"));
    let centre = iced_test::selector::Bounded::visible_bounds(&target)
        .expect("a visible target")
        .center();
    (centre, sim.into_messages().collect())
}

/// Tap and handle what the tap produced, as the running kiosk would.
pub fn tap(app: &mut App, role: Role, label: &str) {
    let (_, messages) = press(app, role, label);
    assert!(!messages.is_empty(), "tapping “{label}” did nothing");
    for m in messages {
        let _ = app.update(m);
    }
}

/// Whether `role`'s window shows `label`.
pub fn shows(app: &App, role: Role, label: &str) -> bool {
    let mut sim = Simulator::with_size(settings(), SIZE, app.view(role));
    sim.find(label).is_ok()
}

/// Save `role`'s window as `path` (PNG, drawn at the simulator's 2×), for looking at a screen
/// a test reached.
#[allow(dead_code)]
pub fn snapshot(app: &App, role: Role, path: &std::path::Path) {
    let mut sim = Simulator::with_size(settings(), SIZE, app.view(role));
    let snap = sim.snapshot(&iced::Theme::Light).unwrap();
    snap.matches_image(path).unwrap();
}

/// Whether `role`'s window shows the Japanese catalog text of `key`.
#[allow(dead_code)]
pub fn shows_ja(app: &App, role: Role, key: &str) -> bool {
    shows(
        app,
        role,
        &kakanai::i18n::t(kakanai::usage::record::Language::JA, key),
    )
}
