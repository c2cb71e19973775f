//! The fuzz corpus (`fuzz/corpus/<target>/`, inputs libFuzzer kept for new coverage, and any
//! crash it found once fixed) replayed through the same functions the fuzz targets call, so
//! that CI catches a regression in seconds without a nightly toolchain.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let data = std::fs::read(e.path()).unwrap();
        run(&data);
        n += 1;
    }
    assert!(n > 0, "{}: no corpus", dir.display());
}

#[test]
fn card_files() {
    replay("card_files", kakanai::fuzzing::card_files);
}

#[test]
fn card_exchange() {
    replay("card_exchange", kakanai::fuzzing::card_exchange);
}

#[test]
fn template() {
    replay("template", kakanai::fuzzing::template);
}

#[test]
fn config() {
    replay("config", kakanai::fuzzing::config);
}

#[test]
fn kpi_merge() {
    replay("kpi_merge", kakanai::fuzzing::kpi_merge);
}

#[test]
fn kpi_csv() {
    replay("kpi_csv", kakanai::fuzzing::kpi_csv);
}
