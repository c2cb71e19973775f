//! Reading simulated cards through a real pcscd with vsmartcard's virtual reader, exactly as a
//! physical reader would be read: every profile, removal mid-read, the PIN counting down, the
//! lockout guard, and the reader monitor across pcscd stopping and starting.

mod support;

use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use kakanai::card::monitor::{Monitor, MonitorEvent};
use kakanai::card::pcsc_reader::{self, Connection};
use kakanai::card::sim::vpcd::{Faults, InsertedCard};
use kakanai::card::sim::{CardKind, CardProfile, SimCard};
use kakanai::card::{CardError, CardRead, Credential, Key, ReadOptions, read_basic_four};
use kakanai::testbed::Pcscd;
use myna_card::Card;
use support::{all_profiles, keys, options, pcsc_lock, profile, stem};

const READER: &str = "Virtual PCD 00 00";

fn insert(pcscd: &Pcscd, p: &CardProfile, faults: Faults) -> InsertedCard {
    // As a hand would: the previous card is seen gone before the next one is placed.
    pcsc_reader::wait_for_removal(READER, Duration::from_secs(5)).unwrap();
    let card = InsertedCard::insert(SimCard::new(p, keys()), pcscd.ports[0], faults).unwrap();
    pcsc_reader::wait_for_card(Some(READER), Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("the card did not appear: {e}\n{}", pcscd.log()));
    card
}

fn read(credential: &Credential, options: &ReadOptions) -> Result<CardRead, CardError> {
    let (_, mut card) = pcsc_reader::connect(Some(READER))?;
    read_basic_four(&mut card, credential, options)
}

fn pin(p: &CardProfile) -> Credential {
    Credential::pin(&p.pin).unwrap()
}

#[test]
fn every_profile_reads_through_pcscd() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    for (path, p) in all_profiles() {
        let name = stem(&path);
        let inserted = insert(&pcscd, &p, Faults::default());
        let result = read(&pin(&p), &options());
        match (p.kind, p.pin_tries_left) {
            (CardKind::Other, _) => {
                assert!(
                    matches!(result, Err(CardError::NotMyNumberCard)),
                    "{name}: {result:?}"
                )
            }
            (_, 0) => assert!(
                matches!(result, Err(CardError::Blocked { .. })),
                "{name}: {result:?}"
            ),
            (_, 1) => assert!(
                matches!(result, Err(CardError::LastTryGuarded { .. })),
                "{name}: {result:?}"
            ),
            _ => {
                let read = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                support::assert_read_matches(&read, &p, &name);
                let card = inserted.card.lock().unwrap();
                assert_eq!(card.my_number_selections, 0, "{name}");
            }
        }
        inserted.remove().unwrap();
    }
}

#[test]
fn code_b_reads_through_pcscd() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    let p = profile("blocked");
    let _card = insert(&pcscd, &p, Faults::default());
    let credential = Credential::code_b(p.birth_date, p.expiry_year, &p.security_code).unwrap();
    let read = read(&credential, &options()).unwrap();
    assert_eq!(read.data.name(), p.name);
}

#[test]
fn a_wrong_pin_counts_down_to_the_guard_and_then_to_blocked() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    let p = profile("standard");
    let inserted = insert(&pcscd, &p, Faults::default());
    let wrong = Credential::pin("9999").unwrap();
    for left in [2u8, 1] {
        let err = read(&wrong, &options()).unwrap_err();
        assert!(
            matches!(err, CardError::WrongPin { key: Key::Pin, tries_left: Some(l) } if l == left),
            "{err:?}"
        );
    }
    let err = read(&pin(&p), &options()).unwrap_err();
    assert!(
        matches!(err, CardError::LastTryGuarded { tries_left: 1, .. }),
        "{err:?}"
    );
    assert_eq!(
        inserted.card.lock().unwrap().pin_tries(),
        1,
        "the guard sent a PIN"
    );
    let no_guard = ReadOptions {
        accept_expired_licence: false,
        accept_expired_residence_card: false,
        guard_at: 0,
        ..options()
    };
    let err = read(&wrong, &no_guard).unwrap_err();
    assert!(matches!(err, CardError::Blocked { .. }), "{err:?}");
    let err = read(&pin(&p), &no_guard).unwrap_err();
    assert!(matches!(err, CardError::Blocked { .. }), "{err:?}");
}

#[test]
fn the_verified_status_does_not_outlive_the_connection() {
    // Connection drop powers the card off, so the next connection starts locked: reading
    // EF 0002 without a VERIFY must be refused.
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    let p = profile("standard");
    let inserted = insert(&pcscd, &p, Faults::default());
    read(&pin(&p), &options()).unwrap();
    let mut card = Card::new(Connection::open(READER).unwrap());
    let mut ap = myna_card::ap::text::TextAp::select(&mut card).unwrap();
    let err = ap.read_ef(0x0002).unwrap_err();
    assert!(
        matches!(err, myna_card::Error::Status(sw) if sw.value() == 0x6982),
        "{err:?}"
    );
    drop(inserted);
}

#[test]
fn removing_the_card_mid_read_is_reported_as_removal() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    let p = profile("standard");
    // APDU 6 is the READ BINARY of EF 0002; APDU 9 is inside the integrity read.
    for after in [5, 6, 9, 12] {
        let faults = Faults {
            remove_after_apdus: Some(after),
            ..Faults::default()
        };
        let inserted = insert(&pcscd, &p, faults);
        let err = read(&pin(&p), &options()).unwrap_err();
        assert!(
            matches!(err, CardError::CardRemoved),
            "after {after} APDUs: {err:?}"
        );
        drop(inserted);
    }
}

#[test]
fn readers_are_listed_with_card_presence() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    let readers = pcsc_reader::list_readers().unwrap();
    let names: Vec<&str> = readers.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, [Pcscd::reader_name(0), Pcscd::reader_name(1)]);
    assert!(readers.iter().all(|r| !r.card_present));
    assert!(matches!(pcsc_reader::connect(None), Err(CardError::NoCard)));
    let _card = insert(&pcscd, &profile("standard"), Faults::default());
    let readers = pcsc_reader::list_readers().unwrap();
    assert!(readers[0].card_present && !readers[1].card_present);
    assert!(matches!(
        pcsc_reader::connect(Some("No Such Reader")),
        Err(CardError::ReaderNotFound(_))
    ));
}

/// Wait for an event matching `want`, collecting what came before it.
fn expect(rx: &Receiver<MonitorEvent>, want: &MonitorEvent, seen: &mut Vec<MonitorEvent>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(event) = rx.recv_timeout(Duration::from_millis(100)) {
            let hit = &event == want;
            seen.push(event);
            if hit {
                return;
            }
        }
    }
    panic!("no {want:?} within 10 s; saw {seen:?}");
}

#[test]
fn the_monitor_sees_readers_and_cards_and_survives_pcscd_restarting() {
    let _lock = pcsc_lock();
    let (tx, rx) = channel();
    // Started before pcscd: the readers appear after the monitor did.
    let monitor = Monitor::start(tx).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let mut seen = Vec::new();
    let mut pcscd = Pcscd::start().unwrap();
    let reader = MonitorEvent::ReaderAdded(READER.into());
    expect(&rx, &MonitorEvent::ServiceUp, &mut seen);
    expect(&rx, &reader, &mut seen);
    let card = insert(&pcscd, &profile("standard"), Faults::default());
    expect(&rx, &MonitorEvent::CardInserted(READER.into()), &mut seen);
    card.remove().unwrap();
    expect(&rx, &MonitorEvent::CardRemoved(READER.into()), &mut seen);

    // pcscd stops with a card in the reader: the card and the readers go, then the service.
    let card = insert(&pcscd, &profile("standard"), Faults::default());
    expect(&rx, &MonitorEvent::CardInserted(READER.into()), &mut seen);
    let ports = pcscd.ports;
    pcscd.stop();
    expect(&rx, &MonitorEvent::CardRemoved(READER.into()), &mut seen);
    expect(&rx, &MonitorEvent::ReaderRemoved(READER.into()), &mut seen);
    expect(&rx, &MonitorEvent::ServiceDown, &mut seen);
    drop(card);

    // And it comes back by itself.
    let pcscd = Pcscd::start_with(ports).unwrap();
    expect(&rx, &MonitorEvent::ServiceUp, &mut seen);
    expect(&rx, &reader, &mut seen);
    let _card = insert(&pcscd, &profile("standard"), Faults::default());
    expect(&rx, &MonitorEvent::CardInserted(READER.into()), &mut seen);
    monitor.stop();
}

#[test]
fn without_pcscd_the_error_says_to_start_it() {
    let _lock = pcsc_lock();
    // No pcscd is running for this process while the lock is held and none was started.
    let err = pcsc_reader::list_readers().unwrap_err();
    assert!(matches!(err, CardError::NoService), "{err:?}");
    assert!(err.to_string().contains("pcscd"));
}
