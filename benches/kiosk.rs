//! The kiosk's screens: how long a screen change takes (the event handled, the new screen built
//! and laid out, and drawn), and how long the real binary takes from its start to both windows
//! drawn, with its memory then. `cargo bench --bench kiosk`.
//!
//! The cold start runs the release binary in demo mode under a private Xvfb (started here when
//! there is no DISPLAY), with `--measure-startup`, which prints the resident set size once
//! both windows have drawn their first frames and exits.

use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use iced_test::Simulator;
use kakanai::kiosk::services::SimReader;
use kakanai::kiosk::{Kiosk, KioskConfig, OnRemoval};
use kakanai::print::FolderPrinter;
use kakanai::ui::screen::{self, choose, idle};
use kakanai::ui::{App, Launch, Message, Role};
use kakanai::usage::Recorder;
use kakanai::usage::record::{Language, Slug};

fn app(dir: &Path) -> App {
    let (templates, _) =
        kakanai::forms::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("forms"));
    let kiosk = Kiosk::new(
        templates,
        Box::new(SimReader::new(None)),
        Box::new(FolderPrinter {
            dir: dir.join("printed"),
        }),
        Recorder::open(&dir.join("usage.db")),
        KioskConfig {
            terminal: Slug::new("bench").unwrap(),
            window: Slug::new("1"),
            idle_timeout_s: 120,
            read: kakanai::card::ReadOptions {
                accept_expired_licence: false,
                accept_expired_residence_card: false,
                guard_at: 1,
                anchors: kakanai::card::TrustAnchors::none(),
            },
            print_timeout_s: 10,
            on_card_removed: OnRemoval::PlaceAgain,
        },
    );
    App::new(Launch::simulated(kiosk, dir))
}

fn settings() -> iced::Settings {
    iced::Settings {
        fonts: kakanai::ui::fonts(),
        default_font: iced::Font::with_name(kakanai::ui::FONT_NAME),
        ..iced::Settings::default()
    }
}

/// Idle → the form choice → idle: two screen changes per iteration, each handled, built and
/// laid out for the front window (and, in `with_draw`, rasterised as well).
fn screen_change(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(dir.path());
    // Fonts are loaded once per process, as in the kiosk.
    drop(Simulator::with_size(
        settings(),
        (1920.0, 1080.0),
        app.view(Role::Front),
    ));
    let mut g = c.benchmark_group("screen_change");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4));
    g.bench_function("two_changes_layout", |b| {
        b.iter(|| {
            for m in [
                Message::Screen(
                    Role::Front,
                    screen::Message::Idle(idle::Message::Start(Language::JA)),
                ),
                Message::Screen(Role::Front, screen::Message::Choose(choose::Message::Back)),
            ] {
                let _ = app.update(m);
                let sim = Simulator::with_size(settings(), (1920.0, 1080.0), app.view(Role::Front));
                black_box(sim);
            }
        })
    });
    // The snapshot draws at 2× (3840×2160): four times the kiosk's pixels, an upper bound.
    g.bench_function("two_changes_layout_and_draw_2x", |b| {
        b.iter(|| {
            for m in [
                Message::Screen(
                    Role::Front,
                    screen::Message::Idle(idle::Message::Start(Language::JA)),
                ),
                Message::Screen(Role::Front, screen::Message::Choose(choose::Message::Back)),
            ] {
                let _ = app.update(m);
                let mut sim =
                    Simulator::with_size(settings(), (1920.0, 1080.0), app.view(Role::Front));
                black_box(sim.snapshot(&iced::Theme::Light).unwrap());
            }
        })
    });
    g.finish();
}

/// A private Xvfb when there is no display.
struct Display {
    name: String,
    xvfb: Option<std::process::Child>,
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some(mut x) = self.xvfb.take() {
            let _ = x.kill();
            let _ = x.wait();
        }
    }
}

/// The X display the cold start is measured on: `$DISPLAY` when there is one, else a private
/// Xvfb. A missing Xvfb fails the benchmark (it used to skip and pass, which hid that a fresh
/// machine lacked it).
fn display() -> Display {
    if let Ok(name) = std::env::var("DISPLAY") {
        return Display { name, xvfb: None };
    }
    let n = (140..200)
        .find(|n| !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists())
        .expect("a free X display number between :140 and :199");
    let name = format!(":{n}");
    let xvfb = Command::new("Xvfb")
        .args([&name, "-screen", "0", "2600x760x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cold_start needs Xvfb: {e} (Debian package xvfb; scripts/setup installs it)")
        });
    let socket = format!("/tmp/.X11-unix/X{n}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !Path::new(&socket).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        Path::new(&socket).exists(),
        "Xvfb {name} did not open its socket within 10 s"
    );
    Display {
        name,
        xvfb: Some(xvfb),
    }
}

/// Start the binary; the time until it reports both windows drawn, and its RSS in KiB then.
fn start_once(display: &str, demo_dir: &Path) -> (Duration, u64) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kakanai"))
        .args(["--demo", "--measure-startup", "--demo-dir"])
        .arg(demo_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DISPLAY", display)
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the kakanai binary");
    let stdout = child.stdout.take().unwrap();
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("startup_ms="))
        .expect("the binary reports its start-up");
    let elapsed = started.elapsed();
    let _ = child.wait();
    let rss = line
        .split_whitespace()
        .find_map(|p| p.strip_prefix("rss_kb="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (elapsed, rss)
}

fn cold_start(c: &mut Criterion) {
    let display = display();
    let dir = tempfile::tempdir().unwrap();
    let demo_dir = dir.path().join("demo");
    // The first start seeds the demo database; measure the starts after it.
    let (_, rss) = start_once(&display.name, &demo_dir);
    eprintln!(
        "kiosk: resident set size with both windows drawn: {} MiB",
        rss / 1024
    );
    let mut g = c.benchmark_group("kiosk");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(8));
    g.bench_function("cold_start_to_both_windows_drawn", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += start_once(&display.name, &demo_dir).0;
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, screen_change, cold_start);
criterion_main!(benches);
