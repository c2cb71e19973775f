//! The 運転免許証 read through a real pcscd with vsmartcard's virtual reader, as a physical
//! reader would read it: every licence profile (current address from EF 0004, 外字 as 〓, no
//! 性別, 本籍 and the photo never selected), a licence without PIN, a wrong PIN counting down,
//! the lockout guard, a blocked PIN (reset only at a police station), the expiry policy, and
//! the card pulled out at every APDU of the read.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use kakanai::card::pcsc_reader;
use kakanai::card::sim::vpcd::{Faults, InsertedCard};
use kakanai::card::sim::{AnyProfile, LicenceProfile, SimLicence};
use kakanai::card::{
    CardError, CardKind, CardRead, Credential, Key, ReadOptions, probe_any, read_any,
};
use kakanai::testbed::Pcscd;
use support::{fixtures, options, pcsc_lock, stem};

const READER: &str = "Virtual PCD 00 00";

fn licences() -> Vec<(PathBuf, LicenceProfile)> {
    let all = AnyProfile::load_dir(&fixtures().join("cards")).unwrap();
    let licences: Vec<_> = all
        .into_iter()
        .filter_map(|(path, p)| match p {
            AnyProfile::Licence(l) => Some((path, l)),
            AnyProfile::MyNumber(_) | AnyProfile::Residence(_) => None,
        })
        .collect();
    assert!(licences.len() >= 3, "at least three licence profiles");
    licences
}

fn licence(name: &str) -> LicenceProfile {
    LicenceProfile::load(&fixtures().join("cards").join(format!("{name}.toml"))).unwrap()
}

fn insert(pcscd: &Pcscd, p: &LicenceProfile, faults: Faults) -> InsertedCard<SimLicence> {
    pcsc_reader::wait_for_removal(READER, Duration::from_secs(5)).unwrap();
    let card = InsertedCard::insert(SimLicence::new(p), pcscd.ports[0], faults).unwrap();
    pcsc_reader::wait_for_card(Some(READER), Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("the card did not appear: {e}\n{}", pcscd.log()));
    card
}

fn read(credential: Option<&Credential>, options: &ReadOptions) -> Result<CardRead, CardError> {
    let (_, mut card) = pcsc_reader::connect(Some(READER))?;
    read_any(&mut card, credential, options)
}

fn pin1(p: &LicenceProfile) -> Option<Credential> {
    p.pin1.as_deref().map(|d| Credential::pin(d).unwrap())
}

fn accepting_expired() -> ReadOptions {
    ReadOptions {
        accept_expired_licence: true,
        ..options()
    }
}

#[test]
fn every_licence_profile_reads_through_pcscd() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    for (path, p) in licences() {
        let name = stem(&path);
        let inserted = insert(&pcscd, &p, Faults::default());
        let result = read(pin1(&p).as_ref(), &accepting_expired());
        if p.pin1_tries_left == 0 {
            assert!(
                matches!(
                    result,
                    Err(CardError::Blocked {
                        key: Key::LicencePin
                    })
                ),
                "{name}: {result:?}"
            );
        } else {
            let read = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(read.kind, CardKind::DriversLicence, "{name}");
            assert_eq!(read.data.name(), p.expected_name(), "{name}");
            assert_eq!(read.data.address(), p.expected_address(), "{name}");
            assert_eq!(read.data.birth_date(), p.birth_date, "{name}");
            assert_eq!(read.data.sex(), None, "{name}: the licence has no 性別");
            assert_eq!(read.notes.gaiji, p.expected_gaiji(), "{name}");
            assert_eq!(
                read.notes.address_changed,
                !p.address_changes.is_empty(),
                "{name}"
            );
            assert!(!read.verification.is_verified(), "{name}");
        }
        let card = inserted.card.lock().unwrap();
        assert_eq!(card.domicile_selections, 0, "{name}: 本籍 selected");
        assert_eq!(card.photo_selections, 0, "{name}: the photo's DF2 selected");
        drop(card);
        inserted.remove().unwrap();
    }
}

#[test]
fn the_current_address_is_the_latest_change_and_gaiji_are_flagged() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    let p = licence("licence-expired");
    let _card = insert(&pcscd, &p, Faults::default());
    let first = read(pin1(&p).as_ref(), &accepting_expired()).unwrap();
    assert_eq!(first.data.address(), "愛知県春日井市中央通１丁目８８番地");
    assert!(first.notes.expired);
    drop(_card);

    let p = licence("licence-no-pin");
    let _card = insert(&pcscd, &p, Faults::default());
    // No PIN set: probe says so, and the read needs no credential.
    let (_, mut card) = pcsc_reader::connect(Some(READER)).unwrap();
    let tries = probe_any(&mut card).unwrap();
    drop(card);
    assert_eq!(tries.kind, CardKind::DriversLicence);
    assert!(!tries.needs_pin);
    let no_pin = read(None, &options()).unwrap();
    assert_eq!(no_pin.data.name(), "〓橋　一郎");
    assert_eq!(no_pin.notes.gaiji, 1);
    assert!(kakanai::kiosk::check::ClerkCheck::of(&no_pin.data).is_some());
}

#[test]
fn wrong_pin_counts_down_then_the_guard_then_blocked() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    let p = licence("licence-standard");
    let inserted = insert(&pcscd, &p, Faults::default());
    let wrong = Credential::pin("0000").unwrap();
    let (_, mut card) = pcsc_reader::connect(Some(READER)).unwrap();
    let tries = probe_any(&mut card).unwrap();
    drop(card);
    assert_eq!(
        (tries.kind, tries.pin, tries.needs_pin),
        (CardKind::DriversLicence, Some(3), true)
    );
    for left in [2, 1] {
        match read(Some(&wrong), &options()) {
            Err(CardError::WrongPin {
                key: Key::LicencePin,
                tries_left,
            }) => assert_eq!(tries_left, Some(left)),
            other => panic!("{other:?}"),
        }
    }
    // One try left: the guard sends nothing, even the right PIN.
    let right = pin1(&p).unwrap();
    assert!(matches!(
        read(Some(&right), &options()),
        Err(CardError::LastTryGuarded {
            key: Key::LicencePin,
            tries_left: 1
        })
    ));
    assert_eq!(inserted.card.lock().unwrap().pin1_tries(), 1);
    // Without the guard the last wrong try blocks it; then even the right PIN is refused.
    let no_guard = ReadOptions {
        guard_at: 0,
        ..options()
    };
    assert!(matches!(
        read(Some(&wrong), &no_guard),
        Err(CardError::Blocked {
            key: Key::LicencePin
        })
    ));
    let err = read(Some(&right), &no_guard).unwrap_err();
    assert!(matches!(
        err,
        CardError::Blocked {
            key: Key::LicencePin
        }
    ));
    assert!(err.to_string().contains("police station"), "{err}");
}

#[test]
fn an_expired_licence_is_refused_before_its_pin_unless_the_office_accepts_it() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    let p = licence("licence-expired");
    let inserted = insert(&pcscd, &p, Faults::default());
    let wrong = Credential::pin("0000").unwrap();
    assert!(matches!(
        read(Some(&wrong), &options()),
        Err(CardError::ExpiredLicence)
    ));
    // Refused before VERIFY: not a try was spent.
    assert_eq!(inserted.card.lock().unwrap().pin1_tries(), 3);
    assert!(
        read(pin1(&p).as_ref(), &accepting_expired())
            .unwrap()
            .notes
            .expired
    );
}

#[test]
fn a_licence_pulled_at_any_apdu_is_card_removed_and_leaks_nothing() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    let p = licence("licence-standard");
    let pin = pin1(&p).unwrap();
    // The My Number SELECT, then the licence read's 16 commands.
    let total = {
        let inserted = insert(&pcscd, &p, Faults::default());
        read(Some(&pin), &options()).unwrap();
        let n = inserted.card.lock().unwrap().apdus;
        inserted.remove().unwrap();
        n
    };
    assert_eq!(
        total, 17,
        "APDUs of a licence read (see src/card/licence.rs)"
    );
    for at in 1..=total {
        let inserted = insert(
            &pcscd,
            &p,
            Faults {
                remove_after_apdus: Some(at),
                ..Faults::default()
            },
        );
        match read(Some(&pin), &options()) {
            Err(CardError::CardRemoved | CardError::NoCard) => {}
            other => panic!("pulled at APDU {at}: {other:?}"),
        }
        assert_eq!(inserted.card.lock().unwrap().pin1_tries(), 3, "at {at}");
        drop(inserted);
    }
}
