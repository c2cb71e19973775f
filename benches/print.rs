//! Time from "print" to the job accepted by CUPS (the Print-Job answer with a job id), for a
//! rendered one-page form, against a private cupsd with a raw queue. `cargo bench --bench print`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kakanai::print::CupsPrinter;
use kakanai::testbed::{Cupsd, RawListener};

fn print(c: &mut Criterion) {
    let cupsd = Cupsd::start().expect("start a private cupsd (scripts/setup installs cups)");
    let listener = RawListener::start().unwrap();
    cupsd.add_raw_queue("bench", listener.port).unwrap();
    // A real one-page form (55 KB), rendered in-process.
    let template = kakanai::forms::Template::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/forms/juminhyo.toml"
    )))
    .unwrap();
    let answers = kakanai::forms::Answers::new().with_defaults(&template);
    let filled = kakanai::forms::fill(
        &template,
        &kakanai::forms::FillInput {
            card: None,
            answers: &answers,
            today: kakanai::card::Date::new(2026, 11, 21).unwrap(),
            office: &kakanai::forms::Office::default(),
            read: kakanai::usage::record::Identification::None,
        },
    )
    .unwrap();
    let pdf = kakanai::forms::pdf::render(&[(&template, &filled, 1)], "bench").unwrap();
    let printer = CupsPrinter::new(&cupsd.server(), "bench");
    let mut g = c.benchmark_group("print");
    g.sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(3));
    g.bench_function("submit_until_accepted", |b| {
        b.iter(|| black_box(printer.submit(&pdf, "kakanai bench").unwrap()))
    });
    g.finish();
}

criterion_group!(benches, print);
criterion_main!(benches);
