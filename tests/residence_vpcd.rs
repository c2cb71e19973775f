//! The 在留カード and the 特別永住者証明書 read through a real pcscd with vsmartcard's virtual
//! reader, secure messaging and all: every residence profile with its right card number (the
//! newest address on the back, the second generation's data, the photo never read), a wrong
//! card number (refused, never counted, the right one still opens it afterwards), the period of
//! stay's policy, a reader without extended APDUs, and the card pulled out at every APDU.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use kakanai::card::sim::vpcd::{Faults, InsertedCard};
use kakanai::card::sim::{AnyProfile, ResidenceProfile, SimResidence};
use kakanai::card::{
    CardError, CardKind, Credential, Date, ReadOptions, ResidenceRead, Sex, pcsc_reader,
    read_residence,
};
use kakanai::testbed::Pcscd;
use support::{fixtures, options, pcsc_lock, stem};

const READER: &str = "Virtual PCD 00 00";

fn residence_profiles() -> Vec<(PathBuf, ResidenceProfile)> {
    let all = AnyProfile::load_dir(&fixtures().join("cards")).unwrap();
    let cards: Vec<_> = all
        .into_iter()
        .filter_map(|(path, p)| match p {
            AnyProfile::Residence(r) => Some((path, r)),
            _ => None,
        })
        .collect();
    assert!(cards.len() >= 4, "at least four residence profiles");
    assert!(
        cards
            .iter()
            .any(|(_, p)| p.kind == CardKind::SpecialPermanentResident),
        "a 特別永住者証明書 among them"
    );
    cards
}

fn profile(name: &str) -> ResidenceProfile {
    ResidenceProfile::load(&fixtures().join("cards").join(format!("{name}.toml"))).unwrap()
}

fn insert(pcscd: &Pcscd, card: SimResidence, faults: Faults) -> InsertedCard<SimResidence> {
    pcsc_reader::wait_for_removal(READER, Duration::from_secs(5)).unwrap();
    let card = InsertedCard::insert(card, pcscd.ports[0], faults).unwrap();
    pcsc_reader::wait_for_card(Some(READER), Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("the card did not appear: {e}\n{}", pcscd.log()));
    card
}

fn read(number: &str, options: &ReadOptions) -> Result<ResidenceRead, CardError> {
    let (_, mut card) = pcsc_reader::connect(Some(READER))?;
    read_residence(
        &mut card,
        &Credential::card_number(number).unwrap(),
        options,
    )
}

fn accepting_expired() -> ReadOptions {
    ReadOptions {
        accept_expired_residence_card: true,
        ..options()
    }
}

fn today() -> Date {
    kakanai::card::basic_four::today_jst()
}

#[test]
fn every_residence_profile_reads_through_pcscd_with_its_card_number() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    for (path, p) in residence_profiles() {
        let name = stem(&path);
        let inserted = insert(&pcscd, SimResidence::new(&p), Faults::default());
        let r = read(&p.card_number, &accepting_expired())
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", pcscd.log()));
        assert_eq!(r.kind, p.kind, "{name}");
        assert_eq!(r.generation, p.generation, "{name}");
        assert_eq!(r.address.as_deref(), p.expected_address(), "{name}");
        assert_eq!(r.address_date, p.back.last().map(|e| e.date), "{name}");
        if p.generation == 2 {
            assert_eq!(r.birth_date, Some(p.birth_date), "{name}");
            assert_eq!(r.sex, Some(p.sex), "{name}");
            assert_eq!(
                r.nationality.as_deref(),
                Some(p.nationality.as_str()),
                "{name}"
            );
            assert_eq!(r.stay_expiry, p.expiry, "{name}");
            assert_eq!(r.expired, p.expiry.is_some_and(|e| e < today()), "{name}");
        } else {
            // Only in the face image: missing, never guessed.
            assert_eq!(
                (r.birth_date, r.sex, r.stay_expiry),
                (None, None, None),
                "{name}"
            );
        }
        assert!(!r.verification.is_verified(), "{name}");
        // Nothing of the card in its Debug (it reaches logs when someone debug-prints it).
        let shown = format!("{r:?}");
        assert!(
            !shown.contains(&p.nationality) && !shown.contains("番地"),
            "{shown}"
        );
        let card = inserted.card.lock().unwrap();
        assert_eq!(card.photo_reads, 0, "{name}: the photo was read");
        assert_eq!(card.face_reads, 0, "{name}");
        assert_eq!(card.wrong_numbers, 0, "{name}");
        // The My Number and licence SELECTs, then the ten commands residence.rs lists.
        assert_eq!(card.apdus, 12, "{name}: APDUs the card answered");
    }
    let a = profile("residence-standard");
    assert_eq!(
        a.expected_address(),
        Some("愛知県春日井市中央通１丁目８８番地　サンハイツ２０１号")
    );
    assert_eq!(a.sex, Sex::Female);
}

#[test]
fn a_wrong_card_number_is_refused_never_counted_and_the_right_one_still_opens() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    let p = profile("residence-standard");
    let inserted = insert(&pcscd, SimResidence::new(&p), Faults::default());
    for wrong in ["UD48213597VM", "AA12345678BB", "ud48213597vx"] {
        let err = read(wrong, &options()).unwrap_err();
        assert_eq!(err, CardError::WrongCardNumber, "{wrong}");
        let text = err.to_string();
        assert!(!text.contains(wrong) && !text.contains("UD4821"), "{text}");
    }
    assert_eq!(inserted.card.lock().unwrap().wrong_numbers, 3);
    // Lower case and spaces are the same number.
    let r = read("ud48 2135 97vn", &options()).unwrap();
    assert_eq!(r.address.as_deref(), p.expected_address());
    // A 4-digit PIN is not a card number: refused before the card sees it.
    assert!(matches!(
        Credential::card_number("1234"),
        Err(CardError::InvalidCredential { .. })
    ));
}

#[test]
fn an_ended_period_of_stay_is_refused_unless_the_office_accepts_it() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    let p = profile("residence-expired");
    assert!(p.expiry.unwrap() < today());
    let inserted = insert(&pcscd, SimResidence::new(&p), Faults::default());
    let err = read(&p.card_number, &options()).unwrap_err();
    assert_eq!(err, CardError::ExpiredStay);
    assert!(err.needs_clerk());
    assert!(err.to_string().contains("accept_expired_residence_card"));
    // Refused before the back (the address) was read.
    assert_eq!(inserted.card.lock().unwrap().apdus, 10);
    let r = read(&p.card_number, &accepting_expired()).unwrap();
    assert!(r.expired);
    assert_eq!(r.address.as_deref(), Some("愛知県春日井市八幡町１番地"));
}

#[test]
fn a_reader_without_extended_apdus_gets_a_clear_message() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    let p = profile("residence-standard");
    // A stand-in for such a reader (none can be plugged in here): the card answers 67 00 to
    // every extended APDU, as the reader's driver does.
    let mut card = SimResidence::new(&p);
    card.short_apdus_only = true;
    let _inserted = insert(&pcscd, card, Faults::default());
    let err = read(&p.card_number, &options()).unwrap_err();
    assert_eq!(err, CardError::NoExtendedApdus);
    assert!(
        err.to_string().contains("cannot read a 在留カード"),
        "{err}"
    );
    assert!(err.needs_clerk());
}

#[test]
fn the_card_pulled_out_at_every_apdu_is_a_clear_error() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    let p = profile("residence-standard");
    for at in 1..=12 {
        let inserted = insert(
            &pcscd,
            SimResidence::new(&p),
            Faults {
                remove_after_apdus: Some(at),
                ..Faults::default()
            },
        );
        match read(&p.card_number, &options()) {
            Err(CardError::CardRemoved | CardError::NoCard) => {}
            other => panic!("pulled at APDU {at}: {other:?}"),
        }
        assert_eq!(inserted.card.lock().unwrap().photo_reads, 0);
        drop(inserted);
    }
}
