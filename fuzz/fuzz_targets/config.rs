//! See `kakanai::fuzzing::config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kakanai::fuzzing::config(data));
