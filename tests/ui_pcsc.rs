//! The kiosk's windows over the real card path: a private pcscd with vsmartcard's virtual
//! reader, the simulated card served into it, the real card monitor's events handed to the app
//! as the running kiosk's subscription does, and every card operation over PC/SC.

mod support;

use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use kakanai::card::monitor::{Monitor, MonitorEvent};
use kakanai::card::pcsc_reader;
use kakanai::card::sim::SimCard;
use kakanai::card::sim::vpcd::{Faults, InsertedCard};
use kakanai::kiosk::services::PcscReader;
use kakanai::kiosk::{Kiosk, Screen};
use kakanai::print::FolderPrinter;
use kakanai::testbed::Pcscd;
use kakanai::ui::catalog::{t, tf};
use kakanai::ui::{App, Launch, Message, Role};
use kakanai::usage::Recorder;
use kakanai::usage::record::Language;
use support::ui::{shows, tap};
use support::{keys, pcsc_lock, pdf_text, profile};

const READER: &str = "Virtual PCD 00 00";

/// Hand the monitor's events to the app until `want` has been handed.
fn pump(app: &mut App, rx: &Receiver<MonitorEvent>, want: &MonitorEvent) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(event) = rx.recv_timeout(Duration::from_millis(100)) {
            let hit = &event == want;
            let _ = app.update(Message::Monitor(event));
            if hit {
                return;
            }
        }
    }
    panic!("no {want:?} from the monitor within 10 s");
}

fn insert(pcscd: &Pcscd) -> InsertedCard {
    pcsc_reader::wait_for_removal(READER, Duration::from_secs(5)).unwrap();
    InsertedCard::insert(
        SimCard::new(&profile("standard"), keys()),
        pcscd.ports[0],
        Faults::default(),
    )
    .unwrap()
}

#[test]
fn a_session_on_the_windows_reads_the_card_through_pcscd_and_follows_the_monitor() {
    let _lock = pcsc_lock();
    let dir = tempfile::tempdir().unwrap();
    let mut pcscd = Pcscd::start().unwrap();
    let (tx, rx) = channel();
    let monitor = Monitor::start(tx).unwrap();
    let templates = support::templates();
    let out = dir.path().join("printed");
    let kiosk = Kiosk::new(
        templates,
        Box::new(PcscReader {
            reader: Some(READER.into()),
        }),
        Box::new(FolderPrinter { dir: out.clone() }),
        Recorder::open(&dir.path().join("usage.db")),
        support::kiosk_config(),
    );
    let mut app = App::new(Launch {
        pcsc: Some(Some(READER.into())),
        ..Launch::simulated(kiosk, dir.path())
    });
    pump(&mut app, &rx, &MonitorEvent::ReaderAdded(READER.into()));
    let screen = |app: &App| app.kiosk().unwrap().screen().clone();

    tap(&mut app, Role::Front, &t(Language::JA, "idle.start"));
    tap(&mut app, Role::Front, &t(Language::JA, "form.juminhyo"));
    tap(
        &mut app,
        Role::Front,
        &tf(Language::JA, "choose.next", &[("n", "1")]),
    );
    assert_eq!(screen(&app), Screen::PlaceCard);
    assert!(shows(
        &app,
        Role::Back,
        &t(Language::JA, "clerk.reader_empty")
    ));

    // The card is placed: the monitor says so, the app checks it over PC/SC.
    let card = insert(&pcscd);
    pump(&mut app, &rx, &MonitorEvent::CardInserted(READER.into()));
    assert_eq!(screen(&app), Screen::Pin);
    for d in ["1", "2", "3", "4"] {
        tap(&mut app, Role::Front, d);
    }
    assert_eq!(screen(&app), Screen::Confirm);
    assert!(shows(&app, Role::Back, &t(Language::JA, "clerk.verified")));

    // Taken off on the confirm screen: wiped, and asked for again.
    card.remove().unwrap();
    pump(&mut app, &rx, &MonitorEvent::CardRemoved(READER.into()));
    assert_eq!(screen(&app), Screen::PlaceCard);
    assert!(app.kiosk().unwrap().data().is_none());

    let _card = insert(&pcscd);
    pump(&mut app, &rx, &MonitorEvent::CardInserted(READER.into()));
    for d in ["1", "2", "3", "4"] {
        tap(&mut app, Role::Front, d);
    }
    tap(&mut app, Role::Front, &t(Language::JA, "confirm.ok"));
    tap(&mut app, Role::Front, &t(Language::JA, "nav.next"));
    tap(&mut app, Role::Front, &t(Language::JA, "preview.print"));
    assert_eq!(screen(&app), Screen::Done);
    let pdf = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text: String = pdf_text(&pdf).split_whitespace().collect();
    assert!(text.contains("山田太郎"), "{text}");
    tap(&mut app, Role::Front, &t(Language::JA, "done.finish"));

    // pcscd stops while the kiosk waits for a card: the resident is told the reader does not
    // work, and the clerk sees why.
    tap(&mut app, Role::Front, &t(Language::JA, "idle.start"));
    tap(&mut app, Role::Front, &t(Language::JA, "form.juminhyo"));
    drop(_card);
    pump(&mut app, &rx, &MonitorEvent::CardRemoved(READER.into()));
    tap(
        &mut app,
        Role::Front,
        &tf(Language::JA, "choose.next", &[("n", "1")]),
    );
    pcscd.stop();
    pump(&mut app, &rx, &MonitorEvent::ServiceDown);
    assert!(shows(
        &app,
        Role::Front,
        &t(Language::JA, "place.no_reader")
    ));
    assert!(shows(
        &app,
        Role::Back,
        &t(Language::JA, "clerk.reader_no_service")
    ));
    // The way out is still there.
    tap(&mut app, Role::Front, &t(Language::JA, "nav.back"));
    assert_eq!(screen(&app), Screen::ChooseForms);
    monitor.stop();
}
