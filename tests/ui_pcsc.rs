//! The kiosk's windows over the real card path: a private pcscd with vsmartcard's virtual
//! reader, the simulated card served into it, the real card monitor's events handed to the app
//! as the running kiosk's subscription does, and every card operation over PC/SC. The reader is
//! also unplugged and plugged back (through the testbed's cable driver in front of vpcd).

mod support;

use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use kakanai::card::monitor::{Monitor, MonitorEvent};
use kakanai::card::pcsc_reader;
use kakanai::card::sim::SimCard;
use kakanai::card::sim::vpcd::{Faults, InsertedCard};
use kakanai::i18n::{t, tf};
use kakanai::kiosk::Screen;
use kakanai::testbed::Pcscd;
use kakanai::ui::{App, Launch, Message, Role};
use kakanai::usage::record::Language;
use support::ui::{shows, shows_ja, tap};
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
    insert_with(pcscd, Faults::default())
}

fn insert_with(pcscd: &Pcscd, faults: Faults) -> InsertedCard {
    pcsc_reader::wait_for_removal(READER, Duration::from_secs(5)).unwrap();
    InsertedCard::insert(
        SimCard::new(&profile("standard"), keys()),
        pcscd.ports[0],
        faults,
    )
    .unwrap()
}

/// This process's threads named `name` (their /proc/self/task folders).
fn threads_named(name: &str) -> Vec<std::path::PathBuf> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == name))
        .map(|t| t.path())
        .collect()
}

fn thread_count(name: &str) -> usize {
    threads_named(name).len()
}

/// CPU time (user + system, ms) used so far by this process's threads named `name`.
fn thread_cpu_ms(name: &str) -> u64 {
    let mut ticks = 0;
    for task in threads_named(name) {
        let stat = std::fs::read_to_string(task.join("stat")).unwrap_or_default();
        // Fields after the parenthesised name: state is the 3rd field, utime the 14th.
        let rest = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        ticks += fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    }
    ticks * 10 // USER_HZ is 100 on Linux
}

/// The kiosk's two windows over PC/SC (reader `READER`), printing PDFs into `dir/printed`.
fn windows(dir: &std::path::Path) -> App {
    App::new(Launch {
        pcsc: Some(Some(READER.into())),
        ..Launch::simulated(support::pcsc_kiosk(dir, READER), dir)
    })
}

fn screen(app: &App) -> Screen {
    app.kiosk().screen().clone()
}

fn to_card_screen(app: &mut App) {
    tap(app, Role::Front, Language::JA.native_name());
    tap(app, Role::Front, &t(Language::JA, "form.juminhyo"));
    tap(
        app,
        Role::Front,
        &tf(Language::JA, "choose.next", &[("n", "1")]),
    );
}

#[test]
fn a_session_on_the_windows_reads_the_card_through_pcscd_and_follows_the_monitor() {
    let _lock = pcsc_lock();
    let dir = tempfile::tempdir().unwrap();
    let mut pcscd = Pcscd::start().unwrap();
    let (tx, rx) = channel();
    let monitor = Monitor::start(tx).unwrap();
    let out = dir.path().join("printed");
    let mut app = windows(dir.path());
    pump(&mut app, &rx, &MonitorEvent::ReaderAdded(READER.into()));

    to_card_screen(&mut app);
    assert_eq!(screen(&app), Screen::PlaceCard);
    assert!(shows_ja(&app, Role::Back, "clerk.reader_empty"));

    // The card is placed: the monitor says so, the app checks it over PC/SC.
    let card = insert(&pcscd);
    pump(&mut app, &rx, &MonitorEvent::CardInserted(READER.into()));
    assert_eq!(screen(&app), Screen::Pin);
    for d in ["1", "2", "3", "4"] {
        tap(&mut app, Role::Front, d);
    }
    tap(&mut app, Role::Front, &t(Language::JA, "key.enter"));
    assert_eq!(screen(&app), Screen::Confirm);
    assert!(shows_ja(&app, Role::Back, "clerk.verified"));

    // Taken off on the confirm screen: wiped, and asked for again.
    card.remove().unwrap();
    pump(&mut app, &rx, &MonitorEvent::CardRemoved(READER.into()));
    assert_eq!(screen(&app), Screen::PlaceCard);
    assert!(app.kiosk().data().is_none());

    let _card = insert(&pcscd);
    pump(&mut app, &rx, &MonitorEvent::CardInserted(READER.into()));
    for d in ["1", "2", "3", "4"] {
        tap(&mut app, Role::Front, d);
    }
    tap(&mut app, Role::Front, &t(Language::JA, "key.enter"));
    tap(&mut app, Role::Front, &t(Language::JA, "confirm.ok"));
    tap(&mut app, Role::Front, &t(Language::JA, "nav.next"));
    tap(&mut app, Role::Front, &t(Language::JA, "preview.print"));
    assert_eq!(screen(&app), Screen::Done);
    let pdf = support::first_printed(&out);
    let text: String = pdf_text(&pdf).split_whitespace().collect();
    assert!(text.contains("山田太郎"), "{text}");
    tap(&mut app, Role::Front, &t(Language::JA, "done.finish"));

    // pcscd stops while the kiosk waits for a card: the resident is told the reader does not
    // work, and the clerk sees why.
    tap(&mut app, Role::Front, Language::JA.native_name());
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
    assert!(shows_ja(&app, Role::Front, "place.no_reader"));
    assert!(shows_ja(&app, Role::Back, "clerk.reader_no_service"));
    // The way out is still there.
    tap(&mut app, Role::Front, &t(Language::JA, "nav.back"));
    assert_eq!(screen(&app), Screen::ChooseForms);
    monitor.stop();
}

/// The reader's cable pulled out and put back (vpcd behind the testbed's cable driver, which
/// answers "no such device" while unplugged; pcscd marks the reader unavailable, the monitor
/// reports it removed): while the kiosk waits, and in the middle of a card read.
#[test]
fn the_reader_unplugged_and_plugged_back_while_waiting_and_while_reading() {
    let _lock = pcsc_lock();
    let dir = tempfile::tempdir().unwrap();
    let pcscd = Pcscd::start_with_cable().unwrap();
    let (tx, rx) = channel();
    let monitor = Monitor::start(tx).unwrap();
    let mut app = windows(dir.path());
    pump(&mut app, &rx, &MonitorEvent::ReaderAdded(READER.into()));

    // Unplugged while the kiosk is idle: the resident who comes is told the reader does not
    // work, the clerk sees that no reader is there.
    pcscd.unplug().unwrap();
    pump(&mut app, &rx, &MonitorEvent::ReaderRemoved(READER.into()));
    // The monitor waits on the unplugged reader; it does not spin listing readers again.
    let before = thread_cpu_ms("card-monitor");
    std::thread::sleep(Duration::from_millis(1500));
    let used = thread_cpu_ms("card-monitor") - before;
    assert!(used < 300, "the monitor used {used} ms of CPU in 1.5 s");
    to_card_screen(&mut app);
    assert_eq!(screen(&app), Screen::PlaceCard);
    assert!(shows_ja(&app, Role::Front, "place.no_reader"));
    assert!(shows_ja(&app, Role::Back, "clerk.reader_none"));

    // Plugged back: the same screen asks for the card again, and a card reads.
    pcscd.plug().unwrap();
    pump(&mut app, &rx, &MonitorEvent::ReaderAdded(READER.into()));
    assert!(!shows_ja(&app, Role::Front, "place.no_reader"));
    assert!(shows_ja(&app, Role::Back, "clerk.reader_empty"));
    let slow = Faults {
        delayed_acks: true,
        ..Faults::default()
    };
    let card = insert_with(&pcscd, slow);
    pump(&mut app, &rx, &MonitorEvent::CardInserted(READER.into()));
    assert_eq!(screen(&app), Screen::Pin);

    // Unplugged 300 ms into the read that follows the PIN (a slow card: ~60 ms an APDU).
    let started = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(300));
            pcscd.unplug().unwrap();
        });
        for d in ["1", "2", "3", "4"] {
            tap(&mut app, Role::Front, d);
        }
        tap(&mut app, Role::Front, &t(Language::JA, "key.enter"));
    });
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(10),
        "the read returned ({took:?})"
    );
    let after = screen(&app);
    assert!(
        matches!(after, Screen::PlaceCard | Screen::SeeClerk(_)),
        "{after:?}"
    );
    assert!(app.kiosk().data().is_none(), "no half-read data");
    pump(&mut app, &rx, &MonitorEvent::ReaderRemoved(READER.into()));
    assert!(shows_ja(&app, Role::Back, "clerk.reader_none"));
    // The clerk reads what happened, in Japanese; the resident can start over.
    assert!(shows(
        &app,
        Role::Back,
        &kakanai::card::CardError::NoReader
            .for_clerk()
            .in_language(kakanai::usage::record::Language::JA)
    ));
    assert!(shows_ja(&app, Role::Front, "see_clerk.restart"));

    // The resident starts over; the reader is plugged back with the card still on it: the
    // card is found when the card screen comes, and the same PIN reads (the failed read did
    // not count as a wrong PIN).
    tap(&mut app, Role::Front, &t(Language::JA, "see_clerk.restart"));
    assert_eq!(screen(&app), Screen::Idle);
    pcscd.plug().unwrap();
    pump(&mut app, &rx, &MonitorEvent::CardInserted(READER.into()));
    to_card_screen(&mut app);
    assert_eq!(screen(&app), Screen::Pin);
    for d in ["1", "2", "3", "4"] {
        tap(&mut app, Role::Front, d);
    }
    tap(&mut app, Role::Front, &t(Language::JA, "key.enter"));
    assert_eq!(screen(&app), Screen::Confirm);
    assert!(shows_ja(&app, Role::Back, "clerk.verified"));
    tap(&mut app, Role::Front, &t(Language::JA, "confirm.ok"));
    tap(&mut app, Role::Front, &t(Language::JA, "nav.next"));
    tap(&mut app, Role::Front, &t(Language::JA, "preview.print"));
    assert_eq!(screen(&app), Screen::Done);
    tap(&mut app, Role::Front, &t(Language::JA, "done.finish"));
    drop(card);
    monitor.stop();
    assert_eq!(
        thread_count("card-monitor"),
        0,
        "no monitor thread left behind"
    );

    // Two residents, each logged once: the first met the unplugged reader, waited for it,
    // then lost the read to the cable and started over; the second printed.
    let outcomes = support::session_log(&dir.path().join("usage.db"), "outcome");
    // Outcome codes: 3 = card error, 0 = printed.
    assert_eq!(outcomes, ["Integer(3)", "Integer(0)"]);
}
