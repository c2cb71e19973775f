//! The QR code printed on a form, so the window can scan the entered data into the
//! resident-record system instead of retyping it.
//!
//! # Payload (documented in `forms/README.md`)
//!
//! UTF-8 text, one `key:value` per line, in this order; a line is left out when there is no
//! value. Values never contain a line break.
//!
//! ```text
//! KKN1                      format tag and version
//! F:juminhyo                form id
//! V:2026.1                  form version
//! N:山田　太郎              氏名 (U+3000 between 氏 and 名)
//! A:東京都青梅市…           住所
//! B:19600401                生年月日, YYYYMMDD
//! S:1                       性別, the card's digit
//! Q:copies=1                each answer the paper shows, question id = value (choice values)
//! ```

use std::collections::BTreeSet;

use qrcode::{EcLevel, QrCode};

use super::fill::FillInput;
use super::template::{LONGEST_TEST_ADDRESS, LONGEST_TEST_NAME, QuestionKind, Template};

/// The smallest module printed, mm. At 0.28 mm (a long address in a 30 mm code) a window
/// scanner at 150 dpi — 0.17 mm a dot, under two dots a module — no longer read it; at 0.33 mm
/// every form with every test card scans back (tests/forms.rs).
pub const MIN_MODULE_MM: f32 = 0.33;
/// The quiet zone on each side, in modules (ISO/IEC 18004 asks for 4).
pub const QUIET: usize = 4;

/// What the code holds, printed under it so nobody takes it for more than it is.
pub const CAPTION: &str = "上記の印字内容のコード\n手書きの訂正は含みません";

/// Build the payload for one form (UTF-8, declared with an ECI in the code): the card's data, and the answers of `printed` (the
/// questions whose answer the paper shows). Free text the clerk types (`staff_text`) is
/// printed but left out: it can be long, and the clerk has it on the screen.
pub fn payload(template: &Template, input: &FillInput, printed: &BTreeSet<String>) -> String {
    let clean = |s: &str| s.replace(['\n', '\r'], " ");
    let mut lines = vec![
        "KKN1".to_owned(),
        format!("F:{}", template.spec.id),
        format!("V:{}", template.spec.version),
    ];
    if let Some(card) = input.card {
        lines.push(format!("N:{}", clean(card.name())));
        lines.push(format!("A:{}", clean(card.address())));
        lines.push(format!("B:{}", card.birth_date().compact()));
        if let Some(sex) = card.sex() {
            lines.push(format!("S:{}", sex.digit()));
        }
    }
    for (q, v) in input.answers.iter() {
        let carried = template
            .question(q)
            .is_some_and(|x| x.kind != QuestionKind::StaffText);
        if carried && printed.contains(q) && !v.is_empty() {
            lines.push(format!("Q:{q}={}", clean(v)));
        }
    }
    lines.join("\n")
}

/// The longest payload this template can produce: the longest test name and address and the
/// longest answer to every question. `forms check` makes sure it fits the `[qr]` square.
pub fn longest_payload(template: &crate::forms::template::TemplateSpec) -> String {
    let mut lines = vec![
        "KKN1".to_owned(),
        format!("F:{}", template.id),
        format!("V:{}", template.version),
        format!("N:{LONGEST_TEST_NAME}"),
        format!("A:{LONGEST_TEST_ADDRESS}"),
        "B:19000101".to_owned(),
        "S:9".to_owned(),
    ];
    let mut questions: Vec<_> = template.questions.iter().map(|q| q.get_ref()).collect();
    questions.sort_by(|a, b| a.id.cmp(&b.id));
    for q in questions {
        let value = match q.kind {
            QuestionKind::Choice => q
                .options
                .iter()
                .map(|o| o.value.clone())
                .max_by_key(String::len)
                .unwrap_or_default(),
            QuestionKind::Choices => q
                .options
                .iter()
                .map(|o| o.value.as_str())
                .collect::<Vec<_>>()
                .join(","),
            QuestionKind::Count => q.count_bounds().end().to_string(),
            QuestionKind::Number => "0".repeat(q.max_chars()),
            QuestionKind::Kana => "ア".repeat(q.max_chars()),
            QuestionKind::StaffText => continue,
        };
        lines.push(format!("Q:{}={value}", q.id));
    }
    lines.join("\n")
}

/// The dark modules of the code for a square of `side_mm`, as rows of `bool`, with the side
/// length in modules (quiet zone not included): error correction M when its modules come out
/// at least [`MIN_MODULE_MM`], else L; `None` when even L would print smaller modules.
pub fn modules(payload: &str, side_mm: f32) -> Option<(usize, Vec<bool>)> {
    [EcLevel::M, EcLevel::L].into_iter().find_map(|level| {
        let code = utf8_code(payload, level)?;
        let width = code.width();
        (side_mm / (width + 2 * QUIET) as f32 >= MIN_MODULE_MM).then(|| {
            let dark = code
                .to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect();
            (width, dark)
        })
    })
}

/// The side, mm, a square needs for `payload` at [`MIN_MODULE_MM`] (error correction L).
pub fn side_needed(payload: &str) -> Option<f32> {
    let code = utf8_code(payload, EcLevel::L)?;
    Some((code.width() + 2 * QUIET) as f32 * MIN_MODULE_MM)
}

/// The smallest code holding `payload` as bytes after an ECI designator for UTF-8 (26).
/// Without it a reader guesses the character set: zbar took a furigana of katakana alone for
/// Shift_JIS and scanned back mojibake.
fn utf8_code(payload: &str, level: EcLevel) -> Option<QrCode> {
    (1..=40).find_map(|v| {
        let mut bits = qrcode::bits::Bits::new(qrcode::Version::Normal(v));
        bits.push_eci_designator(26).ok()?;
        bits.push_byte_data(payload.as_bytes()).ok()?;
        bits.push_terminator(level).ok()?;
        QrCode::with_bits(bits, level).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_payload_still_encodes() {
        let long = "KKN1\nF:x\nA:".to_owned() + &"北海道札幌市中央区".repeat(20);
        let (w, dark) = modules(&long, 60.0).unwrap();
        assert_eq!(dark.len(), w * w);
        assert!(dark.iter().any(|d| *d));
        // In a square too small for 0.33 mm modules it is refused, not shrunk.
        assert!(modules(&long, 20.0).is_none());
        assert!(side_needed(&long).unwrap() > 20.0);
    }
}
