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

/// The bounds of the button (or key) labelled `label` in `role`'s window: the second container
/// around the label's text (a button's label sits in a centring container inside the button),
/// in layout pixels; `None` when the label is not shown.
#[allow(dead_code)]
pub fn button_bounds(app: &App, role: Role, label: &str) -> Option<iced::Rectangle> {
    use iced_test::selector::Candidate;
    let mut sim = Simulator::with_size(settings(), SIZE, app.view(role));
    let mut containers: Vec<iced::Rectangle> = Vec::new();
    let label = label.to_owned();
    sim.find(move |c: Candidate<'_>| match c {
        Candidate::Container { bounds, .. } => {
            containers.push(bounds);
            None
        }
        Candidate::Text {
            bounds, content, ..
        } if content == label => {
            // Depth first: the text's own ancestors are the last containers seen that hold
            // it (a layer below, such as the page under a modal, came earlier).
            let mut around = containers
                .iter()
                .rev()
                .filter(|r| r.contains(bounds.center()))
                .copied();
            let parent = around.next();
            around.next().or(parent)
        }
        _ => None,
    })
    .ok()
}

/// Asserts that `label` is a button a finger can use in `role`'s window: at least 96 layout
/// pixels high (15 mm on the kiosk's panel) and wholly inside the 1920×1080 window.
#[allow(dead_code)]
pub fn assert_fits(app: &App, role: Role, label: &str) {
    let b = button_bounds(app, role, label)
        .unwrap_or_else(|| panic!("no “{label}” on the {role:?} screen"));
    if std::env::var_os("KAKANAI_SHOW_BOUNDS").is_some() {
        eprintln!("{role:?} “{label}”: {b:?}");
    }
    assert!(
        b.height >= 96.0 - 0.5,
        "“{label}” on the {role:?} screen is {} px high: {b:?}",
        b.height
    );
    assert!(
        b.x >= 0.0 && b.y >= 0.0 && b.x + b.width <= SIZE.0 + 0.5 && b.y + b.height <= SIZE.1 + 0.5,
        "“{label}” on the {role:?} screen is outside the window: {b:?}"
    );
}

/// Every text `role`'s window shows, in drawing order.
#[allow(dead_code)]
pub fn texts(app: &App, role: Role) -> Vec<String> {
    use iced_test::selector::Candidate;
    let mut sim = Simulator::with_size(settings(), SIZE, app.view(role));
    let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = out.clone();
    let _ = sim.find(move |c: Candidate<'_>| {
        if let Candidate::Text { content, .. } = c {
            seen.lock().unwrap().push(content.to_owned());
        }
        None::<()>
    });
    std::mem::take(&mut *out.lock().unwrap())
}
