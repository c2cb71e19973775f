//! Faults while the kiosk runs, with real components: a paused CUPS queue, cupsd gone in the
//! middle of a job, a form template deleted or broken under the running kiosk. In each the
//! session ends where a resident can leave it (a clear message, then idle), the usage log says
//! what happened once, and the call that met the fault returned (no thread left waiting).

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kakanai::card::sim::SimCard;
use kakanai::kiosk::services::SimReader;
use kakanai::kiosk::{ClerkReason, Event, Kiosk, KioskConfig, Screen};
use kakanai::print::{CupsPrinter, FolderPrinter, Printer};
use kakanai::testbed::{Cupsd, RawListener};
use kakanai::usage::Recorder;
use kakanai::usage::record::Language;
use support::{keys, pdf_text, profile, session_log};

fn kiosk(forms: &Path, printer: Box<dyn Printer>, db: &Path, print_timeout_s: u64) -> Kiosk {
    let (templates, errors) = kakanai::forms::load_dir(forms);
    assert!(errors.is_empty(), "{errors:?}");
    Kiosk::new(
        templates,
        Box::new(SimReader::new(Some(SimCard::new(
            &profile("standard"),
            keys(),
        )))),
        printer,
        Recorder::open(db),
        KioskConfig {
            print_timeout_s,
            ..support::kiosk_config()
        },
    )
}

/// Idle → 住民票 → card + PIN → preview.
fn to_preview(k: &mut Kiosk) {
    k.run(Event::Start(Language::JA));
    k.run(Event::ToggleForm("juminhyo".into()));
    k.run(Event::Next);
    assert_eq!(k.run(Event::CardInserted), &Screen::Pin);
    for d in [1, 2, 3, 4] {
        k.run(Event::PinDigit(d));
    }
    k.run(Event::PinEnter);
    assert_eq!(k.screen(), &Screen::Confirm);
    k.run(Event::Next);
    assert_eq!(k.run(Event::Next), &Screen::Preview);
}

fn forms() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("forms")
}

fn received(listener: &RawListener) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Some(job) = listener.received().into_iter().next() {
            return job;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no job reached the printer");
}

#[test]
fn a_paused_queue_fails_at_once_in_plain_words_and_prints_when_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let cupsd = Cupsd::start().unwrap();
    let listener = RawListener::start().unwrap();
    cupsd.add_raw_queue("kiosk", listener.port).unwrap();
    cupsd.admin("cupsdisable", &["kiosk"]).unwrap();
    let db = dir.path().join("usage.db");
    let printer = CupsPrinter::new(&cupsd.server(), "kiosk");
    let mut k = kiosk(&forms(), Box::new(printer), &db, 30);
    to_preview(&mut k);
    let started = Instant::now();
    let screen = k.run(Event::Print).clone();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "refused before sending, not after a timeout"
    );
    match &screen {
        Screen::SeeClerk(ClerkReason::PrintFailed(e)) => {
            let m = e.for_clerk().in_language(Language::JA);
            assert!(m.contains("kiosk") && m.contains("stopped"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    assert!(listener.received().is_empty());
    // The clerk resumes the queue and retries: the same forms print.
    cupsd.admin("cupsenable", &["kiosk"]).unwrap();
    assert_eq!(k.run(Event::Print), &Screen::Done);
    let file = dir.path().join("job.pdf");
    std::fs::write(&file, received(&listener)).unwrap();
    assert!(pdf_text(&file).contains("山田"));
    k.run(Event::Finish);
    assert_eq!(session_log(&db, "outcome"), ["Integer(0)"]);
}

#[test]
fn cupsd_gone_mid_job_ends_the_print_within_its_timeout_and_the_session_can_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut cupsd = Cupsd::start().unwrap();
    // A printer that accepts the connection and never reads: the job stays "processing".
    let hold = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hold.local_addr().unwrap().port();
    cupsd.add_raw_queue("kiosk", port).unwrap();
    let server = cupsd.server();
    let db = dir.path().join("usage.db");
    let mut k = kiosk(
        &forms(),
        Box::new(CupsPrinter::new(&server, "kiosk")),
        &db,
        8,
    );
    to_preview(&mut k);
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(2));
        cupsd.stop();
        cupsd
    });
    let started = Instant::now();
    let screen = k.run(Event::Print).clone();
    let took = started.elapsed();
    let _cupsd = stopper.join().unwrap();
    assert!(
        took < Duration::from_secs(20),
        "the print call returned ({took:?})"
    );
    match &screen {
        Screen::SeeClerk(ClerkReason::PrintFailed(e)) => assert!(!e.to_string().is_empty()),
        other => panic!("{other:?}"),
    }
    // The resident can leave; the session is logged once, as a print error.
    assert_eq!(k.run(Event::Reset), &Screen::Idle);
    assert_eq!(session_log(&db, "outcome"), ["Integer(4)"]);
    drop(hold);
}

#[test]
fn a_template_deleted_or_broken_under_the_running_kiosk_still_prints_what_was_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("forms");
    std::fs::create_dir_all(&copy).unwrap();
    for e in std::fs::read_dir(forms()).unwrap().flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), copy.join(e.file_name())).unwrap();
        }
    }
    let out = dir.path().join("printed");
    let db = dir.path().join("usage.db");
    let mut k = kiosk(&copy, Box::new(FolderPrinter { dir: out.clone() }), &db, 30);
    // Templates are checked and loaded once at start; what happens to the files afterwards
    // does not reach a session in progress.
    std::fs::remove_file(copy.join("juminhyo.toml")).unwrap();
    std::fs::write(copy.join("zei-shomei.toml"), "title = [broken").unwrap();
    to_preview(&mut k);
    assert_eq!(k.run(Event::Print), &Screen::Done);
    k.run(Event::Finish);
    let pdf = support::first_printed(&out);
    assert!(pdf_text(&pdf).contains("住民票"));
    // The next start names the broken file and the line, and keeps the good forms.
    let (templates, errors) = kakanai::forms::load_dir(&copy);
    assert!(templates.iter().all(|t| t.spec.id != "juminhyo"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = errors[0].to_string();
    assert!(e.contains("zei-shomei.toml:1"), "{e}");
}
