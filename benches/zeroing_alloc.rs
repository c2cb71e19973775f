//! What wiping freed memory costs: one whole in-process session (the simulated card read with
//! its two RSA verifications, the form filled and rendered to PDF) with the kiosk's zeroing
//! allocator and with the plain system allocator, in the same run. `cargo bench --bench
//! zeroing_alloc`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use kakanai::card::sim::{CardProfile, SimCard, SimKeys};
use kakanai::card::{Credential, ReadOptions, TrustAnchors, read_basic_four};
use kakanai::zeroing_alloc::ZeroingAlloc;

/// The kiosk's allocator or the system's, switched between runs. Both allocate from `System`,
/// so a block may be freed by either.
struct Switch;

static ZEROING: AtomicBool = AtomicBool::new(true);

// SAFETY: every call forwards to `System` or to `ZeroingAlloc` (itself over `System`).
unsafe impl GlobalAlloc for Switch {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe {
            if ZEROING.load(Ordering::Relaxed) {
                ZeroingAlloc.dealloc(ptr, layout)
            } else {
                System.dealloc(ptr, layout)
            }
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe {
            if ZEROING.load(Ordering::Relaxed) {
                ZeroingAlloc.realloc(ptr, layout, new_size)
            } else {
                System.realloc(ptr, layout, new_size)
            }
        }
    }
}

#[global_allocator]
static ALLOCATOR: Switch = Switch;

fn session(c: &mut Criterion) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let profile = CardProfile::load(&root.join("fixtures/cards/standard.toml")).unwrap();
    let keys = SimKeys::fixture();
    let mut anchors = TrustAnchors::none();
    anchors.push(keys.anchor());
    let options = ReadOptions {
        accept_expired_licence: false,
        accept_expired_residence_card: false,
        guard_at: 1,
        anchors,
    };
    let template = kakanai::forms::Template::load(&root.join("forms/juminhyo.toml")).unwrap();
    let mut run = || {
        let mut card = SimCard::new(&profile, &keys);
        let read = read_basic_four(
            &mut myna_card::Card::new(&mut card),
            &Credential::pin(&profile.pin).unwrap(),
            &options,
        )
        .unwrap();
        let answers = kakanai::forms::Answers::new().with_defaults(&template);
        let filled = kakanai::forms::fill(
            &template,
            &kakanai::forms::FillInput {
                card: Some(&read.data),
                answers: &answers,
                today: kakanai::card::Date::new(2026, 11, 21).unwrap(),
                office: &kakanai::forms::Office::default(),
                read: kakanai::usage::record::Identification::Pin,
            },
        )
        .unwrap();
        black_box(kakanai::forms::pdf::render(&[(&template, &filled, 1)], "bench").unwrap())
    };
    let mut g = c.benchmark_group("session_in_process");
    g.sample_size(30);
    g.bench_function("zeroing_allocator", |b| {
        ZEROING.store(true, Ordering::SeqCst);
        b.iter(&mut run)
    });
    g.bench_function("system_allocator", |b| {
        ZEROING.store(false, Ordering::SeqCst);
        b.iter(&mut run)
    });
    ZEROING.store(true, Ordering::SeqCst);
    g.finish();
}

criterion_group!(benches, session);
criterion_main!(benches);
