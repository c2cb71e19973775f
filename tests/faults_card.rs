//! Card faults at the kiosk level, over a real pcscd with vsmartcard's virtual reader: the card
//! taken off at every APDU of the check and the read (between VERIFY and READ among them), a
//! slow card, and pcscd killed in the middle of a read and started again. In each the session
//! ends where a resident can leave it, the card's data is never half-kept, every session is
//! logged once, and the call that met the fault returned.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use kakanai::card::pcsc_reader;
use kakanai::card::sim::SimCard;
use kakanai::card::sim::vpcd::{Faults, InsertedCard};
use kakanai::kiosk::{Event, Kiosk, Screen};
use kakanai::testbed::Pcscd;
use kakanai::usage::record::Language;
use support::{keys, pcsc_lock, profile, session_log};

const READER: &str = "Virtual PCD 00 00";

fn kiosk(dir: &Path) -> Kiosk {
    support::pcsc_kiosk(dir, READER)
}

fn insert(pcscd: &Pcscd, faults: Faults) -> InsertedCard {
    pcsc_reader::wait_for_removal(READER, Duration::from_secs(5)).unwrap();
    let card = InsertedCard::insert(
        SimCard::new(&profile("standard"), keys()),
        pcscd.ports[0],
        faults,
    )
    .unwrap();
    pcsc_reader::wait_for_card(Some(READER), Duration::from_secs(5)).unwrap();
    card
}

fn to_card_screen(k: &mut Kiosk) {
    k.run(Event::Start(Language::JA));
    k.run(Event::ToggleForm("juminhyo".into()));
    assert_eq!(k.run(Event::Next), &Screen::PlaceCard);
}

fn pin(k: &mut Kiosk) -> Screen {
    for d in [1, 2, 3, 4] {
        k.run(Event::PinDigit(d));
    }
    k.run(Event::PinEnter);
    k.screen().clone()
}

#[test]
fn the_card_taken_off_at_any_apdu_leaves_no_data_and_one_record() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut k = kiosk(dir.path());
    let mut removed_after_pin = 0;
    let mut read_whole = 0;
    let rounds = 1..=20;
    for after in rounds.clone() {
        let card = insert(
            &pcscd,
            Faults {
                remove_after_apdus: Some(after),
                ..Faults::default()
            },
        );
        to_card_screen(&mut k);
        let started = Instant::now();
        let mut screen = k.run(Event::CardInserted).clone();
        if screen == Screen::Pin {
            screen = pin(&mut k);
            if screen == Screen::PlaceCard {
                removed_after_pin += 1;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "after {after}: returned"
        );
        match &screen {
            Screen::Confirm => {
                read_whole += 1;
                assert!(k.data().is_some());
            }
            Screen::PlaceCard | Screen::Pin | Screen::SeeClerk(_) => {
                assert!(k.data().is_none(), "after {after}: no half-read data")
            }
            other => panic!("after {after} APDUs: {other:?}"),
        }
        assert_eq!(k.run(Event::Reset), &Screen::Idle);
        drop(card);
    }
    // The sweep crossed the read itself: the card left between VERIFY and the end of the read
    // in several rounds, and in the last rounds the whole read finished first.
    assert!(
        removed_after_pin >= 5,
        "{removed_after_pin} rounds removed mid-read"
    );
    assert!(read_whole >= 1, "the sweep reaches past the read");
    let logged = session_log(&dir.path().join("usage.db"), "outcome");
    assert_eq!(logged.len(), rounds.count(), "one record per session");
}

#[test]
fn a_slow_card_reads_and_pcscd_killed_mid_read_is_survived() {
    let _lock = pcsc_lock();
    let mut pcscd = Pcscd::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut k = kiosk(dir.path());
    // A slow card (the card side delays its TCP acks: ~60 ms an APDU): it still reads.
    let slow = Faults {
        delayed_acks: true,
        ..Faults::default()
    };
    let card = insert(&pcscd, slow);
    to_card_screen(&mut k);
    assert_eq!(k.run(Event::CardInserted), &Screen::Pin);
    let started = Instant::now();
    assert_eq!(pin(&mut k), Screen::Confirm);
    assert!(
        started.elapsed() > Duration::from_millis(300),
        "it was slow"
    );
    k.run(Event::Reset);
    drop(card);

    // pcscd killed 300 ms into a slow read.
    let card = insert(&pcscd, slow);
    to_card_screen(&mut k);
    assert_eq!(k.run(Event::CardInserted), &Screen::Pin);
    let ports = pcscd.ports;
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        pcscd.stop();
        pcscd
    });
    let started = Instant::now();
    let screen = pin(&mut k);
    let took = started.elapsed();
    drop(killer.join().unwrap());
    drop(card);
    assert!(
        took < Duration::from_secs(10),
        "the read returned ({took:?})"
    );
    assert!(
        matches!(screen, Screen::PlaceCard | Screen::SeeClerk(_)),
        "{screen:?}"
    );
    assert!(k.data().is_none());
    assert_eq!(k.run(Event::Reset), &Screen::Idle);

    // pcscd back: the next resident is served.
    let pcscd = Pcscd::start_with(ports).unwrap();
    let _card = insert(&pcscd, Faults::default());
    to_card_screen(&mut k);
    assert_eq!(k.run(Event::CardInserted), &Screen::Pin);
    assert_eq!(pin(&mut k), Screen::Confirm);
    k.run(Event::Reset);
    assert_eq!(session_log(&dir.path().join("usage.db"), "id").len(), 3);
}
