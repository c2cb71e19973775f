//! The usage log: session records per second, the export of a year of a large city office
//! (1,000,000 sessions) by month × form, and database bytes per session.
//!
//! `cargo bench --bench usage`. Run as a test (`cargo test --benches`) it uses 20,000 sessions.

use std::hint::black_box;

use criterion::{Criterion, criterion_group};
use kakanai::usage::aggregate::{Grouping, Period, Query, aggregate};
use kakanai::usage::seed::{SeedParams, generate, seed};
use kakanai::usage::store::Store;

fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn usage(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let sessions = if full_run() { 1_000_000 } else { 20_000 };
    let params = SeedParams {
        sessions,
        days: 365,
        last_day: 20_778,
        terminals: 8,
        seed: 3,
    };
    let db = dir.path().join("year.db");
    let started = std::time::Instant::now();
    seed(&mut Store::open(&db).unwrap(), &params).unwrap();
    let seeded = started.elapsed();
    let store = Store::open(&db).unwrap();
    store
        .connection()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let bytes = std::fs::metadata(&db).unwrap().len();
    println!(
        "{sessions} sessions seeded in {seeded:.1?}; {bytes} bytes = {} bytes per session",
        bytes / sessions as u64
    );

    let query = Query {
        from_day: 20_778 - 364,
        to_day: 20_778,
        by: Period::Month,
        group: Grouping {
            form: true,
            ..Grouping::default()
        },
    };
    let rows = aggregate(&store, &query).unwrap();
    println!("export by month × form: {} rows", rows.len());
    let mut g = c.benchmark_group("usage");
    g.sample_size(10);
    g.bench_function("export_year_by_month_x_form", |b| {
        b.iter(|| black_box(aggregate(&store, &query).unwrap()))
    });
    drop(store);

    // One session per transaction, as the kiosk records them.
    let live = dir.path().join("live.db");
    let mut store = Store::open(&live).unwrap();
    let records = generate(&SeedParams {
        sessions: 2_000,
        ..params
    });
    let mut next = records.iter().cycle();
    g.sample_size(30);
    g.bench_function("record_one_session", |b| {
        b.iter(|| black_box(store.record(next.next().unwrap()).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, usage);

fn main() {
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
