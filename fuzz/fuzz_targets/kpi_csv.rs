//! See `kakanai::fuzzing::kpi_csv`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kakanai::fuzzing::kpi_csv(data));
