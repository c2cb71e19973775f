//! The city's central PostgreSQL: a city year (10,000,000 sessions over 30 kiosks) seeded with
//! `COPY`, the fleet export by month × form × terminal from it, and one kiosk's shipping rate
//! (sessions per second, in batches, each batch one transaction).
//!
//! `cargo bench --bench central` starts a private server (src/testbed_pg.rs). Run as a test
//! (`cargo test --benches`) it seeds 3,000 sessions over 3 kiosks and ships 500.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group};
use kakanai::testbed_pg::Postgres;
use kakanai::usage::aggregate::{Grouping, Period, Query};
use kakanai::usage::central::Central;
use kakanai::usage::central::bulk::seed_city;
use kakanai::usage::central::fleet;
use kakanai::usage::central::outbox;
use kakanai::usage::central::ship::{DEFAULT_BATCH, KioskInfo, connect_and_ship};
use kakanai::usage::seed::{SeedParams, seed};
use kakanai::usage::store::Store;

const LAST_DAY: i64 = 20_778; // 2026-11-21

fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn central(c: &mut Criterion) {
    let full = full_run();
    let (kiosks, sessions, shipped) = if full {
        (30, 10_000_000, 5_000)
    } else {
        (3, 3_000, 500)
    };
    // A city's server is tuned for its load; these are modest settings for a 2-core machine.
    let pg = Postgres::start_with(&[
        ("shared_buffers", "'1GB'"),
        ("work_mem", "'64MB'"),
        ("maintenance_work_mem", "'512MB'"),
        ("max_wal_size", "'4GB'"),
        ("max_parallel_workers_per_gather", "2"),
    ])
    .unwrap();
    let city = Central::new(&pg.url(), Some(&pg.password_file())).unwrap();
    let mut client = city.connect().unwrap();
    let started = Instant::now();
    let seeded = seed_city(&mut client, kiosks, sessions, 365, LAST_DAY, 11).unwrap();
    println!(
        "{} sessions, {} printed forms, {} events over {kiosks} kiosks seeded by COPY in {:.1?}",
        seeded.sessions,
        seeded.printed,
        seeded.events,
        started.elapsed()
    );
    let bytes: i64 = client
        .query_one("SELECT pg_database_size(current_database())", &[])
        .unwrap()
        .get(0);
    println!(
        "central database: {bytes} bytes = {} bytes per session",
        bytes / seeded.sessions.max(1) as i64
    );

    // Twelve whole months, 2025-12 to 2026-11, as a city reports them.
    let query = Query {
        from_day: 20_423,
        to_day: 20_787,
        by: Period::Month,
        group: Grouping {
            form: true,
            terminal: true,
            mode: false,
        },
    };
    // The last 365 days: the partial months at both ends come from the raw rows.
    let rolling = Query {
        from_day: LAST_DAY - 364,
        to_day: LAST_DAY,
        ..query
    };
    // The 365 days hold every seeded session (the twelve whole months miss 2025-11-22…30).
    let all = fleet::aggregate(&city, &rolling, false).unwrap();
    let total: u64 = all.values().map(|r| r.row.forms_printed).sum();
    assert_eq!(
        total, seeded.printed,
        "the export counts every printed form"
    );
    let rows = fleet::aggregate(&city, &query, false).unwrap();
    println!(
        "fleet export by month × form × terminal: {} rows",
        rows.len()
    );
    let mut g = c.benchmark_group("central");
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.measurement_time(Duration::from_secs(if full { 60 } else { 1 }));
    g.bench_function("fleet_export_12_months_by_month_x_form_x_terminal", |b| {
        b.iter(|| black_box(fleet::aggregate(&city, &query, false).unwrap()))
    });
    g.bench_function("fleet_export_365_days_by_month_x_form_x_terminal", |b| {
        b.iter(|| black_box(fleet::aggregate(&city, &rolling, false).unwrap()))
    });

    // One kiosk ships `shipped` sessions; each iteration as a kiosk the server has not seen
    // (a new database id), so every session is a new row.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.db");
    let mut store = Store::open(&db).unwrap();
    seed(
        &mut store,
        &SeedParams {
            sessions: shipped,
            days: 30,
            last_day: LAST_DAY,
            terminals: 1,
            seed: 5,
        },
    )
    .unwrap();
    let mut rates = Vec::new();
    g.bench_function(format!("ship_{shipped}_sessions_one_kiosk"), |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                store
                    .connection()
                    .execute(
                        "UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'database_id'",
                        [],
                    )
                    .unwrap();
                outbox::requeue_all(&store).unwrap();
                let me = KioskInfo::of(&store, "kiosk-99", "本庁", &[]).unwrap();
                let started = Instant::now();
                let done = connect_and_ship(&city, &store, &me, DEFAULT_BATCH, &mut |_| {}).unwrap();
                let took = started.elapsed();
                assert_eq!(done.sessions, shipped);
                rates.push(shipped as f64 / took.as_secs_f64());
                spent += took;
            }
            spent
        })
    });
    g.finish();
    rates.sort_by(f64::total_cmp);
    if let Some(median) = rates.get(rates.len() / 2) {
        println!(
            "shipping: median {median:.0} sessions/s over {} shipments of {shipped} (batches of {DEFAULT_BATCH})",
            rates.len()
        );
    }
}

criterion_group!(benches, central);

fn main() {
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
