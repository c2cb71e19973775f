//! Every profile read in-process through the simulated card, and the integrity chain with a CA
//! generated for this run: positive path, and each way it can fail.

mod support;

use kakanai::card::sim::{CardKind, SimCard};
use kakanai::card::{
    CardError, Credential, Key, ReadOptions, TrustAnchors, Unverified, Verification, probe,
    read_basic_four,
};
use kakanai::kiosk::check::ClerkCheck;
use myna_card::Card;
use support::{all_profiles, keys, options, profile, stem};

fn read_with_pin(
    card: &mut SimCard,
    pin: &str,
    options: &ReadOptions,
) -> Result<kakanai::card::CardRead, CardError> {
    read_basic_four(
        &mut Card::new(card),
        &Credential::pin(pin).unwrap(),
        options,
    )
}

#[test]
fn every_profile_reads_exactly_or_fails_as_it_should() {
    let profiles = all_profiles();
    assert!(profiles.len() >= 12, "only {} profiles", profiles.len());
    for (path, p) in &profiles {
        let name = stem(path);
        let mut card = SimCard::new(p, keys());
        let result = read_with_pin(&mut card, &p.pin, &options());
        match (p.kind, p.pin_tries_left) {
            (CardKind::Other, _) => {
                assert!(
                    matches!(result, Err(CardError::NotMyNumberCard)),
                    "{name}: {result:?}"
                )
            }
            (_, 0) => assert!(
                matches!(result, Err(CardError::Blocked { key: Key::Pin })),
                "{name}: {result:?}"
            ),
            (_, 1) => {
                assert!(
                    matches!(result, Err(CardError::LastTryGuarded { tries_left: 1, .. })),
                    "{name}: {result:?}"
                );
                assert_eq!(card.pin_tries(), 1, "{name}: the guard must send nothing");
            }
            _ => {
                let read = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                support::assert_read_matches(&read, p, &name);
                // 13 APDUs; 14 when EF 0002 passes 256 bytes (BENCHMARKS.md explains).
                let expected_apdus = if name == "long-address" { 14 } else { 13 };
                assert_eq!(card.apdus, expected_apdus, "{name}");
                assert_eq!(card.my_number_selections, 0, "{name}: EF 0001 was selected");
            }
        }
    }
}

#[test]
fn profiles_exercise_every_length_form_and_the_special_names() {
    use kakanai::card::sim::files::attributes_file;
    let lengths: Vec<(String, u8)> = all_profiles()
        .iter()
        .map(|(path, p)| (stem(path), attributes_file(p)[2]))
        .collect();
    let form = |n: &str| lengths.iter().find(|(s, _)| s == n).unwrap().1;
    assert!(form("standard") < 0x80);
    assert_eq!(form("medium-address"), 0x81);
    assert_eq!(form("long-address"), 0x82);
    assert!(ClerkCheck::of(&profile("non-bmp").expected()).is_some());
    assert!(ClerkCheck::of(&profile("geta").expected()).is_some());
    assert_eq!(profile("mononym").expected().given_name(), None);
}

#[test]
fn era_boundaries_come_out_in_wareki() {
    for (name, want) in [
        ("showa-last-day", "昭和64年1月7日"),
        ("heisei-first-day", "平成元年1月8日"),
        ("heisei-last-day", "平成31年4月30日"),
        ("reiwa-first-day", "令和元年5月1日"),
        ("taisho", "大正14年2月11日"),
    ] {
        let p = profile(name);
        let mut card = SimCard::new(&p, keys());
        let read = read_with_pin(&mut card, &p.pin, &options()).unwrap();
        assert_eq!(read.data.birth_date_wareki(), want, "{name}");
    }
}

#[test]
fn code_b_opens_the_fields_with_the_era_year_even_when_the_pin_is_blocked() {
    for name in ["blocked", "taisho", "heisei-first-day", "standard"] {
        let p = profile(name);
        let mut card = SimCard::new(&p, keys());
        let credential = Credential::code_b(p.birth_date, p.expiry_year, &p.security_code).unwrap();
        let read = read_basic_four(&mut Card::new(&mut card), &credential, &options())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(read.data.name(), p.name, "{name}");
        assert!(read.verification.is_verified());
        assert_eq!(card.code_b_tries(), 10);
    }
    // A wrong security code costs one of 照合番号B's ten tries.
    let p = profile("standard");
    let mut card = SimCard::new(&p, keys());
    let wrong = Credential::code_b(p.birth_date, p.expiry_year, "0000").unwrap();
    let err = read_basic_four(&mut Card::new(&mut card), &wrong, &options()).unwrap_err();
    assert!(
        matches!(
            err,
            CardError::WrongPin {
                key: Key::CodeB,
                tries_left: Some(9)
            }
        ),
        "{err:?}"
    );
}

#[test]
fn probe_reports_both_counters_without_spending_a_try() {
    let p = profile("one-try-left");
    let mut card = SimCard::new(&p, keys());
    let tries = probe(&mut Card::new(&mut card)).unwrap();
    assert_eq!((tries.pin, tries.code_b), (Some(1), Some(10)));
    assert_eq!(card.pin_tries(), 1);
    let mut other = SimCard::new(&profile("other-card"), keys());
    assert!(matches!(
        probe(&mut Card::new(&mut other)),
        Err(CardError::NotMyNumberCard)
    ));
}

#[test]
fn wrong_pins_count_down_and_the_guard_keeps_the_last_try() {
    let p = profile("standard");
    let mut card = SimCard::new(&p, keys());
    let opts = options();
    for left in [2u8, 1] {
        let err = read_with_pin(&mut card, "9999", &opts).unwrap_err();
        assert!(
            matches!(err, CardError::WrongPin { tries_left: Some(l), .. } if l == left),
            "{err:?}"
        );
    }
    // One try left: the guard sends nothing, not even the right PIN.
    let err = read_with_pin(&mut card, &p.pin, &opts).unwrap_err();
    assert!(
        matches!(err, CardError::LastTryGuarded { tries_left: 1, .. }),
        "{err:?}"
    );
    assert_eq!(card.pin_tries(), 1);
    // With the guard off (a clerk at the counter), the last wrong try blocks the card.
    let no_guard = ReadOptions {
        accept_expired_licence: false,
        accept_expired_residence_card: false,
        guard_at: 0,
        ..opts
    };
    let err = read_with_pin(&mut card, "9999", &no_guard).unwrap_err();
    assert!(
        matches!(err, CardError::Blocked { key: Key::Pin }),
        "{err:?}"
    );
    let err = read_with_pin(&mut card, &p.pin, &no_guard).unwrap_err();
    assert!(matches!(err, CardError::Blocked { .. }), "{err:?}");
    assert_eq!(card.pin_tries(), 0);
}

#[test]
fn a_right_pin_after_a_wrong_one_resets_the_counter() {
    let p = profile("standard");
    let mut card = SimCard::new(&p, keys());
    read_with_pin(&mut card, "9999", &options()).unwrap_err();
    assert_eq!(card.pin_tries(), 2);
    read_with_pin(&mut card, &p.pin, &options()).unwrap();
    assert_eq!(card.pin_tries(), 3);
}

fn unverified(card: &mut SimCard, options: &ReadOptions) -> Unverified {
    let p = profile("standard");
    match read_with_pin(card, &p.pin, options).unwrap().verification {
        Verification::Unverified(why) => why,
        v => panic!("expected unverified, got {v}"),
    }
}

#[test]
fn a_ca_that_is_not_an_anchor_leaves_the_data_unverified() {
    let mut card = SimCard::new(&profile("standard"), keys());
    let production = ReadOptions::default();
    let why = unverified(&mut card, &production);
    assert!(
        matches!(&why, Unverified::UnknownAuthority(id) if id == "9000033/001"),
        "{why:?}"
    );
}

#[test]
fn altered_basic_four_fields_fail_the_digest() {
    let mut card = SimCard::new(&profile("standard"), keys());
    // Change one byte of the address (inside DF23's value): still parses, no longer matches.
    let file = card.file_mut(0x0002).unwrap();
    let at = file.windows(2).position(|w| w == [0xDF, 0x23]).unwrap() + 5;
    file[at] ^= 0x01;
    assert_eq!(
        unverified(&mut card, &options()),
        Unverified::DigestMismatch
    );
}

#[test]
fn a_forged_integrity_signature_is_caught() {
    let mut card = SimCard::new(&profile("standard"), keys());
    let file = card.file_mut(0x0003).unwrap();
    let last = file.len() - 1;
    file[last] ^= 0xFF;
    assert_eq!(
        unverified(&mut card, &options()),
        Unverified::RecordSignatureInvalid
    );
}

#[test]
fn a_certificate_from_another_ca_with_the_same_key_id_is_caught() {
    // Cards signed by a second CA that claims the same 証明者鍵ID as the trusted one.
    let impostor = kakanai::card::sim::SimKeys::fixture();
    let mut card = SimCard::new(&profile("standard"), &impostor);
    assert_eq!(
        unverified(&mut card, &options()),
        Unverified::CertificateInvalid
    );
}

#[test]
fn unreadable_integrity_files_leave_the_data_readable_but_unverified() {
    let mut card = SimCard::new(&profile("standard"), keys());
    card.file_mut(0x0004).unwrap().truncate(100);
    let why = unverified(&mut card, &options());
    assert!(matches!(why, Unverified::Unreadable(_)), "{why:?}");
}

#[test]
fn malformed_basic_four_is_an_error_naming_the_field() {
    let mut card = SimCard::new(&profile("standard"), keys());
    let file = card.file_mut(0x0002).unwrap();
    let at = file
        .windows(3)
        .position(|w| w == [0xDF, 0x24, 0x08])
        .unwrap()
        + 3;
    file[at..at + 8].copy_from_slice(b"19601340");
    let err = read_with_pin(&mut card, "1234", &options()).unwrap_err();
    assert!(
        matches!(&err, CardError::Malformed(m) if m.contains("生年月日")),
        "{err:?}"
    );
    assert!(!err.to_string().contains("1960"), "{err}");
}

#[test]
fn the_bundled_anchor_file_matches_the_bundled_test_ca() {
    let mut anchors = TrustAnchors::none();
    anchors
        .load_file(&support::fixtures().join("keys/sim-ca.anchor.toml"))
        .unwrap();
    let mut card = SimCard::new(
        &profile("standard"),
        &kakanai::card::sim::SimKeys::fixture(),
    );
    let opts = ReadOptions {
        accept_expired_licence: false,
        accept_expired_residence_card: false,
        guard_at: 1,
        anchors,
    };
    let read = read_with_pin(&mut card, "1234", &opts).unwrap();
    assert!(read.verification.is_verified(), "{}", read.verification);
}
