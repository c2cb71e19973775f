//! Reads at the most verbose log level, in-process and through the command line, with every
//! profile and every outcome: none of the profile's values may appear in what is logged.

mod support;

use std::io::Write;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kakanai::card::sim::vpcd::{Faults, InsertedCard};
use kakanai::card::sim::{CardProfile, SimCard};
use kakanai::card::{Credential, pcsc_reader, read_basic_four};
use kakanai::testbed::Pcscd;
use kakanai::wareki;
use myna_card::Card;
use support::{all_profiles, kakanai, keys, options, pcsc_lock};

/// Every form in which a profile's values could leak.
fn secrets(p: &CardProfile) -> Vec<String> {
    let mut s = vec![
        p.name.clone(),
        p.address.clone(),
        p.birth_date.iso(),
        p.birth_date.compact(),
        wareki::format_kanji(p.birth_date),
        p.my_number.clone(),
        format!("{}{}", p.expiry_year, p.security_code),
    ];
    s.extend(p.name.split('\u{3000}').map(str::to_owned));
    // The address without its first characters, in case it is cut or prefixed.
    s.push(p.address.chars().skip(3).collect());
    // The 4-digit PIN, as hex of its APDU bytes too (a logged APDU would show it so).
    s.push(
        p.pin
            .bytes()
            .map(|b| format!("{b:02X} "))
            .collect::<String>()
            .trim()
            .to_owned(),
    );
    s.retain(|x| x.chars().count() >= 2);
    s
}

/// A 4-digit value appears as a token (not as part of a longer number such as a timestamp).
fn contains_token(haystack: &str, digits: &str) -> bool {
    haystack.match_indices(digits).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + digits.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

fn assert_clean(log: &str, p: &CardProfile, what: &str) {
    for secret in secrets(p) {
        assert!(
            !log.contains(&secret),
            "{what}: {secret:?} leaked into the log:\n{log}"
        );
    }
    for digits in [&p.pin, &p.security_code] {
        assert!(
            !contains_token(log, digits),
            "{what}: a 4-digit secret leaked:\n{log}"
        );
    }
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn in_process_reads_log_no_personal_value_at_trace() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        for (_, p) in all_profiles() {
            for pin in [p.pin.as_str(), "9999"] {
                let mut card = SimCard::new(&p, keys());
                let _ = read_basic_four(
                    &mut Card::new(&mut card),
                    &Credential::pin(pin).unwrap(),
                    &options(),
                );
            }
            let mut card = SimCard::new(&p, keys());
            let code_b = Credential::code_b(p.birth_date, p.expiry_year, &p.security_code).unwrap();
            let _ = read_basic_four(&mut Card::new(&mut card), &code_b, &options());
        }
    });
    let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("card.read.ok") && log.contains("card.verify.wrong"),
        "the log is empty:\n{log}"
    );
    for (_, p) in all_profiles() {
        assert_clean(&log, &p, "in-process");
    }
}

#[test]
fn cli_reads_through_pcscd_log_no_personal_value_at_trace() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    let mut all_stderr = String::new();
    for (_, p) in all_profiles() {
        let inserted =
            InsertedCard::insert(SimCard::new(&p, keys()), pcscd.ports[0], Faults::default())
                .unwrap();
        pcsc_reader::wait_for_card(Some("Virtual PCD 00 00"), Duration::from_secs(5)).unwrap();
        for pin in [p.pin.as_str(), "9999"] {
            let mut child = kakanai()
                .args(["-vvv", "card", "read", "--json"])
                .env("KAKANAI_LOG", "trace")
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            // A card the read refuses early may end the program before it reads the PIN.
            let _ = writeln!(child.stdin.take().unwrap(), "{pin}");
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert_clean(&stderr, &p, "kakanai card read -vvv");
            all_stderr.push_str(&stderr);
        }
        inserted.remove().unwrap();
        pcsc_reader::wait_for_removal("Virtual PCD 00 00", Duration::from_secs(5)).unwrap();
        assert_clean(&pcscd.log(), &p, "pcscd's own log");
    }
    assert!(
        all_stderr.contains("card.read.ok"),
        "nothing was logged at trace:\n{all_stderr}"
    );
}
