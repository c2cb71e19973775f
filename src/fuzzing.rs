//! The fuzz targets' bodies (`fuzz/`, `cargo fuzz`), as library functions so that the committed
//! corpus also replays as an ordinary test in CI (`tests/fuzz_corpus.rs`). Each takes any bytes
//! and must return: a result or an error, never a panic or a hang.

use std::path::Path;

use myna_card::Card;

use crate::card::{Credential, Date, ReadOptions, TrustAnchors, probe, read_basic_four};

/// Every file the reader parses: EF 0002 (the basic four, BER-TLV), and EF 0003 + EF 0004 (the
/// integrity record and the issuer's certificate) checked against the trust anchors. The input
/// is split in three by its first two bytes.
pub fn card_files(data: &[u8]) {
    let _ = crate::card::read::parse_attributes(data);
    if data.len() < 2 {
        return;
    }
    let (a, b) = (usize::from(data[0]), usize::from(data[1]));
    let rest = &data[2..];
    let a = a.min(rest.len());
    let b = b.min(rest.len() - a);
    let (attributes, rest) = rest.split_at(a);
    let (integrity, certificate) = rest.split_at(b);
    let _ = TrustAnchors::jlis(true).check(attributes, integrity, certificate);
}

/// A card that answers anything: each response is a length byte, then that many bytes (at
/// most what is left); an empty response once the input runs out.
struct Chaos<'a>(&'a [u8]);

impl myna_card::Transmit for Chaos<'_> {
    fn transmit(&mut self, _command: &[u8]) -> myna_card::Result<Vec<u8>> {
        let Some((&n, rest)) = self.0.split_first() else {
            return Ok(Vec::new());
        };
        let n = usize::from(n).min(rest.len());
        let (answer, rest) = rest.split_at(n);
        self.0 = rest;
        Ok(answer.to_vec())
    }
}

/// Whole APDU exchanges with a card answering random data and status words: the probe, and the
/// read with a PIN and with 照合番号B.
pub fn card_exchange(data: &[u8]) {
    let options = ReadOptions {
        accept_expired_licence: false,
        accept_expired_residence_card: false,
        guard_at: 1,
        anchors: TrustAnchors::jlis(true),
    };
    let _ = probe(&mut Card::new(Chaos(data)));
    if let Ok(pin) = Credential::pin("1234") {
        let _ = read_basic_four(&mut Card::new(Chaos(data)), &pin, &options);
    }
    if let Some(birth) = Date::new(1985, 4, 1) {
        if let Ok(b) = Credential::code_b(birth, 2031, "1234") {
            let _ = read_basic_four(&mut Card::new(Chaos(data)), &b, &options);
        }
    }
}

/// The form template loader and its checks; a template that passes is also filled.
pub fn template(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = crate::forms::Template::parse(text, Path::new("fuzz.toml")) {
        let answers = crate::forms::Answers::new().with_defaults(&t);
        if let Some(today) = Date::new(2026, 11, 21) {
            let _ = crate::forms::fill(
                &t,
                &crate::forms::FillInput {
                    card: None,
                    answers: &answers,
                    today,
                    office: &crate::forms::Office::default(),
                    read: crate::usage::record::Identification::None,
                },
            );
        }
    }
}

/// The configuration loader.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = crate::config::Config::parse(text, "fuzz.toml") {
        let _ = c.read_options(Path::new("/nonexistent"));
    }
}

/// Merging KPI CSV exports: one to three input files, split at 0xFF bytes.
pub fn kpi_merge(data: &[u8]) {
    let inputs: Vec<(String, Vec<u8>)> = data
        .split(|b| *b == 0xFF)
        .take(3)
        .enumerate()
        .map(|(i, part)| (format!("in{i}.csv"), part.to_vec()))
        .collect();
    let mut out = Vec::new();
    let _ = crate::usage::export::merge_csv(&inputs, &mut out, crate::usage::export::Lang::Ja);
}

/// The CSV writers' inputs: one to three merge sources (split at 0xFF bytes), merged; when the
/// merge succeeds its output must be what kakanai writes — every row 38 cells, no text cell
/// that a spreadsheet would run as a formula — and merging that output again must give it
/// back byte for byte (a merged report merges like an export). Any other outcome panics.
pub fn kpi_csv(data: &[u8]) {
    use crate::usage::export::{Lang, merge_csv};
    let inputs: Vec<(String, Vec<u8>)> = data
        .split(|b| *b == 0xFF)
        .take(3)
        .enumerate()
        .map(|(i, part)| (format!("in{i}.csv"), part.to_vec()))
        .collect();
    let lang = if data.first().is_some_and(|b| b % 2 == 1) {
        Lang::En
    } else {
        Lang::Ja
    };
    let mut out = Vec::new();
    if merge_csv(&inputs, &mut out, lang).is_err() {
        return;
    }
    let text =
        std::str::from_utf8(out.strip_prefix(b"\xEF\xBB\xBF").expect("a BOM")).expect("UTF-8 out");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    for rec in reader.records() {
        let rec = rec.expect("the output parses as CSV");
        assert_eq!(rec.len(), 38, "a row of {} cells", rec.len());
        for cell in rec.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a formula cell was written: {cell:?}"
            );
        }
    }
    let mut again = Vec::new();
    merge_csv(&[("merged.csv".into(), out.clone())], &mut again, lang)
        .expect("the merged report merges again");
    assert_eq!(again, out, "merging the merged report changed it");
}
