//! See `kakanai::fuzzing::template`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kakanai::fuzzing::template(data));
