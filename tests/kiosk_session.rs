//! Whole resident sessions through the kiosk's state machine, with no window: the simulated
//! card in-process, the real forms, the folder printer, a usage database on disk. Each path ends
//! with what was printed (the PDF's text) and what was logged.

mod support;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use kakanai::card::Date;
use kakanai::card::sim::SimCard;
use kakanai::kiosk::services::SimReader;
use kakanai::kiosk::{ClerkReason, Event, Kiosk, KioskConfig, OnRemoval, Screen};
use kakanai::print::{FolderPrinter, JobState, PrintError, Printer, PrinterStatus};
use kakanai::usage::Recorder;
use kakanai::usage::record::{Identification, Language};
use kakanai::usage::store::Store;
use support::{keys, pdf_text, profile};

struct Setup {
    kiosk: Kiosk,
    clock: Arc<AtomicI64>,
    out: PathBuf,
    db: PathBuf,
    _dir: tempfile::TempDir,
}

fn setup(card: Option<&str>, printer: Option<Box<dyn Printer>>) -> Setup {
    setup_with(card, printer, OnRemoval::PlaceAgain)
}

fn setup_with(
    card: Option<&str>,
    printer: Option<Box<dyn Printer>>,
    on_card_removed: OnRemoval,
) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let templates = support::templates();
    let out = dir.path().join("printed");
    let db = dir.path().join("usage.db");
    let clock = Arc::new(AtomicI64::new(1_763_700_000));
    let c = clock.clone();
    let reader = SimReader::new(card.map(|name| SimCard::new(&profile(name), keys())));
    let kiosk = Kiosk::new(
        templates,
        Box::new(reader),
        printer.unwrap_or_else(|| Box::new(FolderPrinter { dir: out.clone() })),
        Recorder::open(&db),
        KioskConfig {
            print_timeout_s: 30,
            on_card_removed,
            ..support::kiosk_config()
        },
    )
    .with_clock(move || c.load(Ordering::SeqCst));
    Setup {
        kiosk,
        clock,
        out,
        db,
        _dir: dir,
    }
}

impl Setup {
    fn send(&mut self, event: Event) -> Screen {
        self.clock.fetch_add(3, Ordering::SeqCst);
        self.kiosk.run(event).clone()
    }

    /// Start in `language`, choose `forms`, and go on to "place your card" (the PIN is the
    /// default way to identify).
    fn choose(&mut self, language: Language, forms: &[&str]) {
        self.send(Event::Start(language));
        for f in forms {
            self.send(Event::ToggleForm((*f).into()));
        }
        assert_eq!(self.send(Event::Next), Screen::PlaceCard);
    }

    fn pin(&mut self, digits: &str) -> Screen {
        let mut last = self.kiosk.screen().clone();
        for d in digits.bytes() {
            last = self.send(Event::PinDigit(d - b'0'));
        }
        // The pad's けってい sends the four digits.
        if self.kiosk.pin_length() == 4 {
            last = self.send(Event::PinEnter);
        }
        last
    }

    /// Through the questions with the defaults, to the preview.
    fn through_questions(&mut self) -> Screen {
        let mut screen = self.send(Event::Next);
        while let Screen::Questions { .. } = screen {
            screen = self.send(Event::Next);
        }
        screen
    }

    fn printed_text(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.out)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files.iter().map(|f| pdf_text(f)).collect()
    }

    fn log(&self, column: &str) -> Vec<String> {
        support::session_log(&self.db, column)
    }

    /// Forms recorded as printed.
    fn printed_forms(&self) -> i64 {
        let store = Store::open(&self.db).unwrap();
        store
            .connection()
            .query_row("SELECT count(*) FROM printed", [], |r| r.get(0))
            .unwrap()
    }

    fn events(&self) -> Vec<i64> {
        let store = Store::open(&self.db).unwrap();
        let mut stmt = store
            .connection()
            .prepare("SELECT kind FROM events ORDER BY rowid")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn a_pin_session_prints_the_residents_form_and_logs_it_once() {
    let mut k = setup(Some("standard"), None);
    assert_eq!(k.send(Event::Start(Language::JA)), Screen::ChooseForms);
    assert_eq!(
        k.send(Event::Next),
        Screen::ChooseForms,
        "no form chosen yet"
    );
    k.send(Event::ToggleForm("juminhyo".into()));
    assert_eq!(
        k.send(Event::Next),
        Screen::PlaceCard,
        "the PIN is the default"
    );
    assert_eq!(k.send(Event::CardInserted), Screen::Pin);
    assert_eq!(
        k.kiosk.tries().unwrap().pin,
        Some(3),
        "tries are shown before the PIN is typed"
    );
    k.pin("12");
    assert_eq!(k.kiosk.pin_length(), 2);
    assert_eq!(k.pin("34"), Screen::Confirm);
    assert_eq!(k.kiosk.data().unwrap().name(), "山田　太郎");
    assert!(k.kiosk.verification().unwrap().is_verified());
    assert_eq!(k.through_questions(), Screen::Preview);
    assert!(k.kiosk.pdf().is_some());
    assert_eq!(k.send(Event::Print), Screen::Done);
    k.send(Event::Survey(5));
    assert_eq!(k.send(Event::Finish), Screen::Idle);
    assert!(k.kiosk.data().is_none(), "the data outlived the session");

    let printed = k.printed_text();
    assert_eq!(printed.len(), 1);
    let p = profile("standard");
    assert!(
        squeeze(&printed[0]).contains(&squeeze(&p.address))
            && printed[0].contains("住民票の写し等交付請求書")
    );
    assert_eq!(k.log("outcome"), ["Integer(0)"]);
    assert_eq!(k.log("identification"), ["Integer(1)"]);
    assert_eq!(k.log("satisfaction"), ["Integer(5)"]);
    assert_eq!(k.log("card_check"), ["Integer(1)"]);
    assert_eq!(k.printed_forms(), 1);
}

#[test]
fn wrong_pins_count_down_and_the_guard_sends_the_resident_to_the_clerk() {
    let mut k = setup(Some("standard"), None);
    k.choose(Language::EN, &["koseki"]);
    k.send(Event::CardInserted);
    assert_eq!(k.pin("9999"), Screen::Pin);
    assert_eq!(k.kiosk.tries().unwrap().pin, Some(2));
    assert_eq!(k.pin("9999"), Screen::SeeClerk(ClerkReason::LastTryGuarded));
    assert_eq!(k.send(Event::Reset), Screen::Idle);
    assert!(k.printed_text().is_empty());
    assert_eq!(k.log("outcome"), ["Integer(3)"], "card error");
    // pin_wrong ×2, then the guard.
    assert_eq!(k.events(), [3, 3, 5]);
}

#[test]
fn a_card_with_one_try_left_never_sees_a_pin_and_a_blocked_one_reads_with_code_b() {
    let mut k = setup(Some("one-try-left"), None);
    k.choose(Language::JA, &["juminhyo"]);
    assert_eq!(
        k.send(Event::CardInserted),
        Screen::SeeClerk(ClerkReason::LastTryGuarded)
    );

    let mut k = setup(Some("blocked"), None);
    k.send(Event::Start(Language::JA));
    k.send(Event::ToggleForm("inkan-shomei".into()));
    k.send(Event::Next);
    k.send(Event::Identify(Identification::CodeB));
    assert_eq!(k.send(Event::CardInserted), Screen::CodeB);
    let p = profile("blocked");
    let screen = k.send(Event::CodeB {
        birth_date: p.birth_date,
        expiry_year: p.expiry_year,
        security_code: p.security_code.clone(),
    });
    assert_eq!(screen, Screen::Confirm);
    assert_eq!(k.through_questions(), Screen::Preview);
    assert_eq!(k.send(Event::Print), Screen::Done);
    k.send(Event::Finish);
    assert!(k.printed_text()[0].contains("鈴木"));
    assert_eq!(k.log("identification"), ["Integer(2)"]);
}

#[test]
fn without_a_card_the_clerk_enters_the_data_and_the_session_is_staff_operated() {
    let mut k = setup(None, None);
    k.send(Event::Start(Language::JA));
    k.send(Event::ToggleForm("fuhyo".into()));
    k.send(Event::Next);
    assert_eq!(
        k.send(Event::Identify(Identification::None)),
        Screen::StaffEntry
    );
    let data = kakanai::card::BasicFour::new(
        "窓口　入力".into(),
        "東京都千代田区一番町１".into(),
        Date::new(1970, 1, 1).unwrap(),
        kakanai::card::Sex::Female,
    );
    assert_eq!(k.send(Event::StaffEntered(data)), Screen::Confirm);
    k.through_questions();
    assert_eq!(k.send(Event::Print), Screen::Done);
    k.send(Event::Finish);
    assert!(k.printed_text()[0].contains("窓口"));
    assert_eq!(k.log("mode"), ["Integer(1)"]);
    assert_eq!(k.log("identification"), ["Integer(0)"]);
    assert_eq!(k.log("card_check"), ["Integer(0)"]);
}

#[test]
fn removing_the_card_mid_flow_wipes_its_data_and_asks_for_it_again() {
    let mut k = setup(Some("standard"), None);
    k.choose(Language::JA, &["juminhyo"]);
    k.send(Event::CardInserted);
    k.pin("1234");
    assert!(k.kiosk.data().is_some());
    assert_eq!(k.send(Event::CardRemoved), Screen::PlaceCard);
    assert!(
        k.kiosk.data().is_none(),
        "the data stayed after the card left"
    );
    assert_eq!(
        k.kiosk.chosen(),
        ["juminhyo"],
        "the choice of forms is kept"
    );
    assert_eq!(k.send(Event::CardInserted), Screen::Pin);
}

#[test]
fn the_not_my_number_card_goes_to_the_clerk() {
    let mut k = setup(Some("other-card"), None);
    k.choose(Language::JA, &["juminhyo"]);
    assert_eq!(
        k.send(Event::CardInserted),
        Screen::SeeClerk(ClerkReason::NotMyNumberCard)
    );
}

/// A test double: a printer that fails its first job and prints the next (the real failure
/// paths of CUPS are in tests/print.rs; here only the session's handling is under test).
struct FailsOnce {
    failed: std::sync::atomic::AtomicBool,
    inner: FolderPrinter,
}

impl Printer for FailsOnce {
    fn name(&self) -> String {
        "fails-once".into()
    }
    fn status(&self) -> Result<PrinterStatus, PrintError> {
        self.inner.status()
    }
    fn print(
        &self,
        pdf: &[u8],
        title: &str,
        timeout: Duration,
        progress: &mut dyn FnMut(JobState),
    ) -> Result<(), PrintError> {
        if !self.failed.swap(true, Ordering::SeqCst) {
            return Err(PrintError::JobFailed {
                printer: "fails-once".into(),
                state: JobState::Aborted,
                reasons: vec!["media-jam".into()],
            });
        }
        self.inner.print(pdf, title, timeout, progress)
    }
}

#[test]
fn a_print_failure_keeps_the_forms_for_the_clerks_retry() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("retry");
    let printer = FailsOnce {
        failed: std::sync::atomic::AtomicBool::new(false),
        inner: FolderPrinter { dir: out.clone() },
    };
    let mut k = setup(Some("standard"), Some(Box::new(printer)));
    k.choose(Language::JA, &["juminhyo", "zei-shomei"]);
    k.send(Event::CardInserted);
    k.pin("1234");
    k.through_questions();
    let screen = k.send(Event::Print);
    assert!(
        matches!(&screen, Screen::SeeClerk(ClerkReason::PrintFailed(e)) if e.for_clerk().in_language(Language::JA).contains("media-jam")),
        "{screen:?}"
    );
    assert!(k.kiosk.pdf().is_some(), "the forms were lost");
    assert_eq!(k.send(Event::Print), Screen::Done);
    k.send(Event::Finish);
    let printed: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().collect();
    assert_eq!(printed.len(), 1);
    assert_eq!(k.log("outcome"), ["Integer(0)"]);
    assert!(k.events().contains(&6), "the printer error was not logged");
    assert_eq!(k.printed_forms(), 2);
}

#[test]
fn going_back_keeps_the_answers_and_an_idle_kiosk_times_out() {
    let mut k = setup(Some("standard"), None);
    k.choose(Language::JA, &["juminhyo"]);
    k.send(Event::CardInserted);
    k.pin("1234");
    let first = k.send(Event::Next);
    assert_eq!(first, Screen::Questions { form: 0 });
    // 住民票's page has the furigana (a kana keyboard on the screen) and the phone (a pad).
    k.send(Event::Answer {
        question: "furigana".into(),
        value: "ヤマダ　タロウ".into(),
    });
    k.send(Event::Answer {
        question: "phone".into(),
        value: "09011112222".into(),
    });
    // An unknown question is ignored.
    k.send(Event::Answer {
        question: "nonsense".into(),
        value: "x".into(),
    });
    assert_eq!(k.send(Event::Next), Screen::Preview);
    assert_eq!(k.send(Event::Back), first);
    assert_eq!(
        k.kiosk.answers(0).unwrap().get("furigana"),
        Some("ヤマダ　タロウ")
    );
    assert_eq!(k.send(Event::Back), Screen::Confirm);
    // Forward again to the preview: the answer is printed.
    assert_eq!(k.through_questions(), Screen::Preview);
    let text = {
        let file = k._dir.path().join("preview.pdf");
        std::fs::write(&file, k.kiosk.pdf().unwrap()).unwrap();
        pdf_text(&file)
    };
    assert!(text.contains("ヤマダ"), "{text}");
    // The countdown shows 30 s before the timeout, and a touch puts it away.
    assert_eq!(k.kiosk.countdown(), None);
    k.clock.fetch_add(100, Ordering::SeqCst);
    assert_eq!(k.kiosk.countdown(), Some(20));
    assert_eq!(k.kiosk.run(Event::Tick).clone(), Screen::Preview);
    k.kiosk.run(Event::StillHere);
    assert_eq!(k.kiosk.countdown(), None);
    // Nobody touches the screen for the timeout: the session ends and everything is wiped.
    k.clock.fetch_add(121, Ordering::SeqCst);
    assert_eq!(k.kiosk.run(Event::Tick).clone(), Screen::Idle);
    assert!(k.kiosk.data().is_none() && k.kiosk.pdf().is_none());
    assert_eq!(k.log("outcome"), ["Integer(2)"], "timed out");
    assert!(k.printed_text().is_empty());
}

#[test]
fn with_restart_configured_a_card_taken_mid_flow_ends_the_session() {
    let mut k = setup_with(Some("standard"), None, OnRemoval::Restart);
    k.send(Event::Start(Language::JA));
    k.send(Event::ToggleForm("juminhyo".into()));
    k.send(Event::Next);
    k.send(Event::CardInserted);
    k.pin("1234");
    assert_eq!(k.kiosk.screen(), &Screen::Confirm);
    assert_eq!(k.send(Event::CardRemoved), Screen::Idle);
    assert!(k.kiosk.data().is_none());
    assert_eq!(k.log("outcome"), ["Integer(1)"], "cancelled, logged once");
    assert!(k.printed_text().is_empty());
}

/// The first word's left edge in a PDF, pt (pdftotext -bbox).
fn first_word_x(pdf: &std::path::Path) -> f32 {
    let xml = support::tool("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let at = xml.find("<word xMin=\"").expect("a word") + "<word xMin=\"".len();
    xml[at..]
        .split('"')
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// The printer's offset (`[printer] offset_mm`) moves what is printed and never the preview.
#[test]
fn the_printer_gets_its_corrected_pdf_and_the_preview_stays_as_designed() {
    let mut k = setup(Some("standard"), None);
    k.kiosk.set_placement(kakanai::forms::pdf::Placement {
        offset_mm: [3.0, 0.0],
        scale: 1.0,
    });
    k.choose(Language::JA, &["juminhyo"]);
    assert_eq!(k.send(Event::CardInserted), Screen::Pin);
    assert_eq!(k.pin("1234"), Screen::Confirm);
    assert_eq!(k.through_questions(), Screen::Preview);
    let preview = k._dir.path().join("preview.pdf");
    std::fs::write(&preview, k.kiosk.pdf().unwrap()).unwrap();
    assert_eq!(k.send(Event::Print), Screen::Done);
    let printed: Vec<PathBuf> = std::fs::read_dir(&k.out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(printed.len(), 1);
    let moved = first_word_x(&printed[0]) - first_word_x(&preview);
    assert!(
        (moved - 3.0 * 72.0 / 25.4).abs() < 0.2,
        "moved {moved} pt, want 3 mm"
    );
    k.send(Event::Finish);
    assert!(k.kiosk.pdf().is_none(), "the PDF outlived the session");
}

/// ふりがな belongs to the session: on from the start for やさしい日本語, off for Japanese,
/// flipped by the resident's toggle, never for another language, and gone with the session.
#[test]
fn furigana_is_the_sessions_and_ends_with_it() {
    let mut k = setup(None, None);
    assert!(!k.kiosk.furigana(), "no session, no ふりがな");
    k.send(Event::Start(Language::EASY_JA));
    assert!(k.kiosk.furigana());
    // The toggle is a touch like any other: the screen stays.
    assert_eq!(k.send(Event::ToggleFurigana), Screen::ChooseForms);
    assert!(!k.kiosk.furigana());
    k.send(Event::ToggleFurigana);
    assert!(k.kiosk.furigana());
    k.send(Event::Reset);
    assert!(!k.kiosk.furigana());

    k.send(Event::Start(Language::JA));
    assert!(!k.kiosk.furigana());
    k.send(Event::ToggleFurigana);
    assert!(k.kiosk.furigana());
    k.send(Event::Reset);
    k.send(Event::Start(Language::JA));
    assert!(
        !k.kiosk.furigana(),
        "the next resident starts with the default"
    );
    k.send(Event::Reset);

    k.send(Event::Start(Language::EN));
    k.send(Event::ToggleFurigana);
    assert!(!k.kiosk.furigana(), "English has no ふりがな");
}
