//! Voice guidance through the kiosk's windows in iced's simulator: the real voice (Open JTalk
//! and espeak-ng synthesising on the voice's worker threads) playing into a recording sink
//! that takes as long as a speaker would (the test machine has no sound card; the kiosk's sink
//! is aplay). It proves that entering a screen speaks its title and instruction, that a screen
//! change cuts off the speech still playing, that 「もう一度　きく」 speaks again, that the end
//! of the session silences the kiosk, and that the confirm screen, which shows the resident's
//! name, speaks only its question.

mod support;

use std::sync::Arc;
use std::time::Duration;

use kakanai::i18n::{t, tf};
use kakanai::kiosk::services::{SimReader, SimSlot};
use kakanai::kiosk::{Kiosk, Screen};
use kakanai::print::FolderPrinter;
use kakanai::ui::screen::clerk_bar;
use kakanai::ui::{App, Demo, Launch, Message, Role};
use kakanai::usage::Recorder;
use kakanai::usage::record::Language;
use kakanai::voice::{Heard, Recording, Settings, Voice};
use support::{all_profiles, keys, stem};

const WAIT: Duration = Duration::from_secs(20);

struct Kiosked {
    app: App,
    heard: Recording,
    _slot: SimSlot,
    _dir: tempfile::TempDir,
}

fn kiosk() -> Kiosked {
    for program in ["open_jtalk", "espeak-ng"] {
        let found = std::process::Command::new("which")
            .arg(program)
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "{program} is missing: install the Debian packages open-jtalk, open-jtalk-mecab-naist-jdic, hts-voice-nitech-jp-atr503-m001 (contrib) and espeak-ng (scripts/setup)"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let reader = SimReader::new(None);
    let slot = reader.slot();
    let kiosk = Kiosk::new(
        support::templates(),
        Box::new(reader),
        Box::new(FolderPrinter {
            dir: dir.path().join("printed"),
        }),
        Recorder::open(&dir.path().join("usage.db")),
        support::kiosk_config(),
    );
    let heard = Recording::new(true);
    let voice = Voice::start(
        Settings {
            enabled: true,
            volume: 100,
        },
        Box::new(heard.clone()),
    );
    let cards = all_profiles()
        .into_iter()
        .map(|(p, profile)| (stem(&p), profile))
        .collect();
    let app = App::new(Launch {
        demo: Some(Demo {
            slot: slot.clone(),
            cards,
            keys: Arc::new(keys().clone()),
        }),
        voice,
        ..Launch::simulated(kiosk, dir.path())
    });
    Kiosked {
        app,
        heard,
        _slot: slot,
        _dir: dir,
    }
}

impl Kiosked {
    fn tap(&mut self, label: &str) {
        support::ui::tap(&mut self.app, Role::Front, label);
    }

    fn screen(&self) -> Screen {
        self.app.kiosk().screen().clone()
    }

    /// Wait until utterance `n` has started sounding.
    fn sounding(&self, n: usize) -> Heard {
        assert!(
            self.heard
                .wait_for(WAIT, |h| h.get(n).is_some_and(|u| u.first_sample.is_some())),
            "utterance {n} never sounded: {:?}",
            self.heard.heard()
        );
        self.heard.heard()[n].clone()
    }

    /// Wait until utterance `n` has ended.
    fn ended(&self, n: usize) -> Heard {
        assert!(
            self.heard
                .wait_for(WAIT, |h| h.get(n).is_some_and(|u| u.ended)),
            "utterance {n} never ended: {:?}",
            self.heard.heard()
        );
        self.heard.heard()[n].clone()
    }
}

/// With `KAKANAI_SCREENS=write`, the front window with the voice on, as
/// `docs/screens/voice/NAME.png` (the other screenshots are taken with the voice off).
fn shot(app: &App, name: &str) {
    if std::env::var("KAKANAI_SCREENS").as_deref() != Ok("write") {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screens/voice");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.png"));
    let _ = std::fs::remove_file(&path);
    support::ui::snapshot(app, Role::Front, &path);
}

#[test]
fn a_screen_change_cuts_the_speech_off_and_listen_again_speaks_again() {
    let mut k = kiosk();
    k.tap(Language::JA.native_name());
    assert_eq!(k.screen(), Screen::ChooseForms);
    let first = k.sounding(0);
    assert_eq!(first.said.keys, vec!["choose.title"]);
    assert_eq!(first.said.language, Language::JA);

    // Choosing a form and going on while the title is still being read.
    k.tap(&t(Language::JA, "form.juminhyo"));
    k.tap(&tf(Language::JA, "choose.next", &[("n", "1")]));
    assert_eq!(k.screen(), Screen::PlaceCard);
    let cut = k.ended(0);
    assert!(
        cut.cut,
        "the choose screen's speech was not cut off: {cut:?}"
    );
    // choose.title takes ~3 s to say; it was cut long before.
    assert!(
        cut.bytes < 24_000 * 2 * 3,
        "{} bytes were played",
        cut.bytes
    );
    let place = k.sounding(1);
    assert_eq!(place.said.keys, vec!["place.title", "place.lead_pin"]);
    shot(&k.app, "place-card-ja");

    // 「もう一度　きく」 cuts the current reading and starts it again.
    k.tap(&t(Language::JA, "voice.replay"));
    assert!(k.ended(1).cut);
    let again = k.sounding(2);
    assert_eq!(again.said.keys, place.said.keys);
    // Played to its end when nothing interrupts it: the whole title and lead.
    let whole = k.ended(2);
    assert!(!whole.cut, "{whole:?}");
    assert!(
        whole.bytes > 24_000 * 2 * 4,
        "the place-card prompt is > 4 s of speech, got {} bytes",
        whole.bytes
    );

    // The end of the session silences the kiosk: ask to stop, then stop.
    k.tap(&t(Language::JA, "voice.replay"));
    k.sounding(3);
    let _ = k.app.update(Message::Screen(
        Role::Front,
        kakanai::ui::screen::Message::Countdown(false),
    ));
    let _ = k.app.update(Message::Screen(
        Role::Front,
        kakanai::ui::screen::Message::StopAnswer(true),
    ));
    assert_eq!(k.screen(), Screen::Idle);
    assert!(k.ended(3).cut, "the session ended and the voice went on");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(k.heard.heard().len(), 4, "the idle screen says nothing");
}

#[test]
fn the_confirm_screen_speaks_its_question_and_never_the_residents_data() {
    let mut k = kiosk();
    k.tap(Language::EN.native_name());
    k.tap(&t(Language::EN, "form.juminhyo"));
    k.tap(&tf(Language::EN, "choose.next", &[("n", "1")]));
    let _ = k.app.update(Message::Bar(clerk_bar::Message::DemoPick(
        "standard".into(),
    )));
    let _ = k
        .app
        .update(Message::Bar(clerk_bar::Message::DemoCard(true)));
    assert_eq!(k.screen(), Screen::Pin);
    for d in ["1", "2", "3", "4"] {
        k.tap(d);
    }
    k.tap(&t(Language::EN, "key.enter"));
    assert_eq!(k.screen(), Screen::Confirm);
    assert!(support::ui::shows(&k.app, Role::Front, "山田　太郎"));
    assert!(
        k.heard
            .wait_for(WAIT, |h| h.last().is_some_and(|u| u.said.keys
                == ["confirm.title"]
                && u.first_sample.is_some())),
        "the confirm screen said nothing: {:?}",
        k.heard.heard()
    );
    let confirm = k.heard.heard().last().unwrap().clone();
    assert_eq!(confirm.said.language, Language::EN);
    // What those keys say, in every language, holds nothing of the card.
    let speech = kakanai::voice::Speech::of(&confirm.said.keys).unwrap();
    for l in Language::ALL {
        for seg in speech.segments(l) {
            for value in ["山田", "太郎", "1234", "昭和", "1960", "東京"] {
                assert!(!seg.text.contains(value), "{l:?}: {}", seg.text);
            }
        }
    }
    // Every utterance of the session was a screen's fixed prompt.
    for h in k.heard.heard() {
        for key in &h.said.keys {
            assert!(!key.starts_with("field."), "{key} was spoken");
        }
    }
}

#[test]
fn tagalog_has_no_voice_and_the_screen_says_so() {
    let mut k = kiosk();
    // What the idle screen's Tagalog button sends (18l adds the button).
    let _ = k.app.update(Message::Screen(
        Role::Front,
        kakanai::ui::screen::Message::Idle(kakanai::ui::screen::idle::Message::Start(Language::TL)),
    ));
    assert_eq!(k.screen(), Screen::ChooseForms);
    assert!(support::ui::shows(
        &k.app,
        Role::Front,
        &t(Language::TL, "voice.none")
    ));
    assert!(!support::ui::shows(
        &k.app,
        Role::Front,
        &t(Language::TL, "voice.replay")
    ));
    shot(&k.app, "choose-tl");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        k.heard.heard().is_empty(),
        "Tagalog was read by another language's voice: {:?}",
        k.heard.heard()
    );
    let e = kakanai::voice::render(
        Language::TL,
        &kakanai::voice::Speech::of(&["choose.title"]).unwrap(),
        100,
    )
    .unwrap_err();
    assert!(e.to_string().contains("Tagalog"), "{e}");
}
