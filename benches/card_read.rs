//! One complete card read — SELECT, tries, VERIFY, EF 0002, integrity (EF 0003, EF 0004 and
//! both RSA checks) — over a real pcscd and vpcd, and the same in-process for comparison.
//!
//! A 在留カード read (card number, mutual authentication, secure messaging, DF1 EF03 and DF2
//! EF01) over the same pcscd and vpcd: `card_read_over_vpcd/residence-standard`.
//!
//! `cargo bench --bench card_read`. The APDU count per read is printed before the timings.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group};
use kakanai::card::pcsc_reader;
use kakanai::card::sim::vpcd::{Faults, InsertedCard};
use kakanai::card::sim::{CardProfile, ResidenceProfile, SimCard, SimKeys, SimResidence};
use kakanai::card::{Credential, ReadOptions, TrustAnchors, read_basic_four, read_residence};
use kakanai::testbed::Pcscd;
use myna_card::Card;

const READER: &str = "Virtual PCD 00 00";

fn profile(name: &str) -> CardProfile {
    let path = format!("{}/fixtures/cards/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    CardProfile::load(std::path::Path::new(&path)).unwrap()
}

fn options(keys: &SimKeys) -> ReadOptions {
    let mut anchors = TrustAnchors::none();
    anchors.push(keys.anchor());
    ReadOptions {
        accept_expired_licence: false,
        accept_expired_residence_card: false,
        guard_at: 1,
        anchors,
    }
}

fn over_vpcd(c: &mut Criterion) {
    let pcscd =
        Pcscd::start().expect("start a private pcscd (needs pcscd, vsmartcard-vpcd, unshare)");
    let keys = SimKeys::fixture();
    let options = options(&keys);
    let mut group = c.benchmark_group("card_read_over_vpcd");
    group
        .sample_size(60)
        .measurement_time(Duration::from_secs(8));
    for name in ["standard", "long-address"] {
        let p = profile(name);
        let credential = Credential::pin(&p.pin).unwrap();
        let inserted =
            InsertedCard::insert(SimCard::new(&p, &keys), pcscd.ports[0], Faults::default())
                .unwrap();
        pcsc_reader::wait_for_card(Some(READER), Duration::from_secs(5)).unwrap();
        let read_once = || {
            let (_, mut card) = pcsc_reader::connect(Some(READER)).unwrap();
            let read = read_basic_four(&mut card, &credential, &options).unwrap();
            assert!(read.verification.is_verified());
            card.into_transport().close().unwrap();
            read
        };
        let before = inserted.card.lock().unwrap().apdus;
        black_box(read_once());
        let apdus = inserted.card.lock().unwrap().apdus - before;
        println!("{name}: {apdus} APDUs per read");
        group.bench_function(name, |b| b.iter(|| black_box(read_once())));
        inserted.remove().unwrap();
        pcsc_reader::wait_for_removal(READER, Duration::from_secs(5)).unwrap();
    }
    // The 在留カード: the three SELECTs that tell the kinds apart, then the nine commands
    // `src/card/residence.rs` lists.
    let path = format!(
        "{}/fixtures/cards/residence-standard.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let r = ResidenceProfile::load(std::path::Path::new(&path)).unwrap();
    let number = Credential::card_number(&r.card_number).unwrap();
    let inserted =
        InsertedCard::insert(SimResidence::new(&r), pcscd.ports[0], Faults::default()).unwrap();
    pcsc_reader::wait_for_card(Some(READER), Duration::from_secs(5)).unwrap();
    let read_once = || {
        let (_, mut card) = pcsc_reader::connect(Some(READER)).unwrap();
        let read = read_residence(&mut card, &number, &options).unwrap();
        assert!(read.address.is_some());
        card.into_transport().close().unwrap();
        read
    };
    let before = inserted.card.lock().unwrap().apdus;
    black_box(read_once());
    let apdus = inserted.card.lock().unwrap().apdus - before;
    println!("residence-standard: {apdus} APDUs per read");
    group.bench_function("residence-standard", |b| b.iter(|| black_box(read_once())));
    inserted.remove().unwrap();
    pcsc_reader::wait_for_removal(READER, Duration::from_secs(5)).unwrap();
    group.finish();

    // The latency trap of CARD.md: the same read with a card side that leaves Nagle and delayed
    // ACKs on. Few samples: each read takes about half a second.
    let mut slow = c.benchmark_group("card_read_over_vpcd_delayed_acks");
    slow.sample_size(10)
        .measurement_time(Duration::from_secs(10));
    let p = profile("standard");
    let credential = Credential::pin(&p.pin).unwrap();
    let faults = Faults {
        delayed_acks: true,
        ..Faults::default()
    };
    let inserted = InsertedCard::insert(SimCard::new(&p, &keys), pcscd.ports[0], faults).unwrap();
    pcsc_reader::wait_for_card(Some(READER), Duration::from_secs(5)).unwrap();
    slow.bench_function("standard", |b| {
        b.iter(|| {
            let (_, mut card) = pcsc_reader::connect(Some(READER)).unwrap();
            black_box(read_basic_four(&mut card, &credential, &options).unwrap())
        })
    });
    inserted.remove().unwrap();
    slow.finish();
}

fn in_process(c: &mut Criterion) {
    let keys = SimKeys::fixture();
    let options = options(&keys);
    let p = profile("standard");
    let credential = Credential::pin(&p.pin).unwrap();
    let mut card = SimCard::new(&p, &keys);
    c.bench_function("card_read_in_process/standard", |b| {
        b.iter(|| {
            card.power_off();
            black_box(read_basic_four(&mut Card::new(&mut card), &credential, &options).unwrap())
        })
    });
}

criterion_group!(benches, over_vpcd, in_process);

fn main() {
    let (key, value) = Pcscd::socket_env();
    // SAFETY: set before criterion or anything else starts a thread.
    unsafe { std::env::set_var(key, value) };
    benches();
    Criterion::default().configure_from_args().final_summary();
}
