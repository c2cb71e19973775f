//! Fill + render of one form, and of a three-form batch, warm (fonts parsed, templates loaded);
//! bytes per page printed before the timings. `cargo bench --bench forms`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use kakanai::card::Date;
use kakanai::card::sim::CardProfile;
use kakanai::forms::{Answers, FillInput, Template, fill, pdf};

fn load(id: &str) -> Template {
    Template::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("forms")
            .join(format!("{id}.toml")),
    )
    .unwrap()
}

fn render(templates: &[Template], card: &kakanai::card::BasicFour) -> Vec<u8> {
    let today = Date::new(2026, 11, 21).unwrap();
    let answers: Vec<Answers> = templates
        .iter()
        .map(|t| Answers::new().with_defaults(t))
        .collect();
    let filled: Vec<_> = templates
        .iter()
        .zip(&answers)
        .map(|(t, a)| {
            fill(
                t,
                &FillInput {
                    card: Some(card),
                    answers: a,
                    today,
                    office: &kakanai::forms::Office::default(),
                    read: kakanai::usage::record::Identification::Pin,
                },
            )
            .unwrap()
        })
        .collect();
    let items: Vec<_> = templates
        .iter()
        .zip(&filled)
        .map(|(t, f)| (t, f, 1))
        .collect();
    pdf::render(&items, "bench").unwrap()
}

fn forms(c: &mut Criterion) {
    pdf::warm_up().unwrap();
    let profile = CardProfile::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cards/long-address.toml"),
    )
    .unwrap();
    let card = profile.expected();
    let one = vec![load("juminhyo")];
    let three = vec![load("juminhyo"), load("koseki"), load("zei-shomei")];
    println!(
        "bytes per page: one form {} B; three-form batch {} B",
        render(&one, &card).len(),
        render(&three, &card).len() / 3
    );
    c.bench_function("forms/fill_render_one", |b| {
        b.iter(|| black_box(render(&one, &card)))
    });
    c.bench_function("forms/fill_render_three", |b| {
        b.iter(|| black_box(render(&three, &card)))
    });
}

criterion_group!(benches, forms);
criterion_main!(benches);
