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
//! Q:copies=1                each answer, question id = value (choice values, not labels)
//! ```

use qrcode::{EcLevel, QrCode};

use super::fill::FillInput;
use super::template::Template;

/// Build the payload for one form.
pub fn payload(template: &Template, input: &FillInput) -> String {
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
        if template.question(q).is_some() && !v.is_empty() {
            lines.push(format!("Q:{q}={}", clean(v)));
        }
    }
    lines.join("\n")
}

/// The dark modules of the code, as rows of `bool`, with the side length; `None` when the
/// payload is too long for a QR code (it never is for one form's data).
pub fn modules(payload: &str) -> Option<(usize, Vec<bool>)> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Some((width, dark))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_payload_still_encodes() {
        let long = "KKN1\nF:x\nA:".to_owned() + &"北海道札幌市中央区".repeat(20);
        let (w, dark) = modules(&long).unwrap();
        assert_eq!(dark.len(), w * w);
        assert!(dark.iter().any(|d| *d));
    }
}
