//! See `kakanai::fuzzing::card_files`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kakanai::fuzzing::card_files(data));
