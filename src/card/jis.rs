//! JIS X 0208 text and era dates as the 運転免許証 stores them (OTHER-CARDS.md).
//!
//! The licence writes kanji fields as raw two-byte JIS X 0208 codes, each byte 0x21–0x7E.
//! Adding 0x80 to both bytes gives EUC-JP, which `encoding_rs` decodes. Characters the police
//! system could not write in JIS X 0208 are 外字: `FF F1`–`FF F7` name a bitmap in EF 0003/0005
//! (which the kiosk does not read) and `FF FA` is a 欠字. Each becomes 〓 and is counted, so the
//! clerk is told to check the name or address against the card itself.
//!
//! Dates are 7 ASCII digits: the era (1 明治, 2 大正, 3 昭和, 4 平成, 5 令和) and YYMMDD.

use zeroize::Zeroize;

use super::basic_four::Date;
use crate::wareki::{self, Era};

/// What stands for a character the card could not give as text.
pub const GETA: char = '〓';

/// Decoded text and how many 外字/欠字 it had.
pub struct Decoded {
    /// The text, with 〓 for each 外字 or 欠字.
    pub text: String,
    /// How many 〓 came from 外字 or 欠字 codes (not from a 〓 the card wrote as JIS).
    pub gaiji: usize,
}

/// Why a JIS X 0208 field could not be decoded. Says how, never what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JisError {
    /// An odd number of bytes: not two-byte codes.
    OddLength,
    /// A byte outside 0x21–0x7E (and not a 外字 code).
    OutOfRange,
}

/// Decode a JIS X 0208 field. Trailing `21 21` (full-width spaces used as padding) stay: the
/// caller trims.
pub fn decode(bytes: &[u8]) -> Result<Decoded, JisError> {
    if bytes.len() % 2 != 0 {
        return Err(JisError::OddLength);
    }
    let mut text = String::with_capacity(bytes.len() * 3 / 2);
    let mut gaiji = 0;
    let mut euc = Vec::with_capacity(bytes.len());
    let flush = |euc: &mut Vec<u8>, text: &mut String| {
        if !euc.is_empty() {
            let (decoded, _) = encoding_rs::EUC_JP.decode_without_bom_handling(euc);
            text.push_str(&decoded);
            if let std::borrow::Cow::Owned(mut o) = decoded {
                o.zeroize();
            }
            euc.zeroize();
            euc.clear();
        }
    };
    for pair in bytes.chunks_exact(2) {
        match (pair[0], pair[1]) {
            (0xFF, 0xF1..=0xF7 | 0xFA) => {
                flush(&mut euc, &mut text);
                text.push(GETA);
                gaiji += 1;
            }
            (a @ 0x21..=0x7E, b @ 0x21..=0x7E) => {
                euc.push(a | 0x80);
                euc.push(b | 0x80);
            }
            _ => {
                euc.zeroize();
                text.zeroize();
                return Err(JisError::OutOfRange);
            }
        }
    }
    flush(&mut euc, &mut text);
    // A code point JIS X 0208 leaves unassigned decodes as U+FFFD: show it as 〓 too.
    if text.contains('\u{FFFD}') {
        gaiji += text.matches('\u{FFFD}').count();
        let replaced = text.replace('\u{FFFD}', "〓");
        text.zeroize();
        text = replaced;
    }
    Ok(Decoded { text, gaiji })
}

/// Encode text as the licence would: each character as two JIS X 0208 bytes, and a character
/// outside JIS X 0208 as the 外字 code `FF F1` (the simulator's cards; the police system draws
/// a bitmap for it). Returns the bytes and the number of 外字.
pub fn encode(text: &str) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(text.len() * 2);
    let mut gaiji = 0;
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let (bytes, _, unmappable) = encoding_rs::EUC_JP.encode(c.encode_utf8(&mut buf));
        match bytes.as_ref() {
            // Rows 1–84 of JIS X 0208 proper: EUC-JP also encodes NEC's row 13 and the IBM
            // extensions (rows 89–92, where 髙 lives), which a licence does not have.
            [a @ 0xA1..=0xF4, b @ 0xA1..=0xFE] if !unmappable && *a != 0xAD => {
                out.push(a & 0x7F);
                out.push(b & 0x7F);
            }
            _ => {
                out.extend_from_slice(&[0xFF, 0xF1]);
                gaiji += 1;
            }
        }
    }
    (out, gaiji)
}

/// The era digit the licence writes.
fn era_digit(era: Era) -> u8 {
    match era {
        Era::Meiji => 1,
        Era::Taisho => 2,
        Era::Showa => 3,
        Era::Heisei => 4,
        Era::Reiwa => 5,
    }
}

/// A date as 7 ASCII digits: era digit and YYMMDD. `None` before 明治.
pub fn era_date(date: Date) -> Option<[u8; 7]> {
    let (era, year) = wareki::era_of(date)?;
    let text = format!(
        "{}{:02}{:02}{:02}",
        era_digit(era),
        year % 100,
        date.month(),
        date.day()
    );
    text.as_bytes().try_into().ok()
}

/// Parse the 7-digit era date. `None` when it is not digits, names no era, or is not a day
/// of that era (昭和65年, 平成1年1月7日).
pub fn parse_era_date(bytes: &[u8]) -> Option<Date> {
    if bytes.len() != 7 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |a: usize, b: usize| -> u16 {
        bytes[a..b]
            .iter()
            .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'))
    };
    let era = match bytes[0] {
        b'1' => Era::Meiji,
        b'2' => Era::Taisho,
        b'3' => Era::Showa,
        b'4' => Era::Heisei,
        b'5' => Era::Reiwa,
        _ => return None,
    };
    let year = era.first_day().year() + n(1, 3).checked_sub(1)?;
    let date = Date::new(
        year,
        u8::try_from(n(3, 5)).ok()?,
        u8::try_from(n(5, 7)).ok()?,
    )?;
    // The date must fall in that era: 昭和64年1月8日 does not exist.
    (wareki::era_of(date).map(|(e, _)| e) == Some(era)).then_some(date)
}

/// A date as the common data element (EF 2F01) writes it: BCD `YYYYMMDD`, four bytes.
pub fn bcd_date(date: Date) -> [u8; 4] {
    let digits = date.compact();
    let d = digits.as_bytes();
    let mut out = [0u8; 4];
    for (i, o) in out.iter_mut().enumerate() {
        *o = ((d[2 * i] - b'0') << 4) | (d[2 * i + 1] - b'0');
    }
    out
}

/// Parse a BCD `YYYYMMDD`.
pub fn parse_bcd_date(bytes: &[u8]) -> Option<Date> {
    if bytes.len() != 4 {
        return None;
    }
    let mut digits = Vec::with_capacity(8);
    for b in bytes {
        for nibble in [b >> 4, b & 0x0F] {
            if nibble > 9 {
                return None;
            }
            digits.push(b'0' + nibble);
        }
    }
    Date::parse_compact(&digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kanji_kana_and_full_width_digits_round_trip() {
        for text in [
            "佐藤　美咲",
            "サトウ　ミサキ",
            "東京都千代田区霞が関２丁目１番２号",
        ] {
            let (bytes, gaiji) = encode(text);
            assert_eq!(gaiji, 0, "{text}");
            assert!(bytes.iter().all(|b| (0x21..=0x7E).contains(b)), "{text}");
            let d = decode(&bytes).unwrap();
            assert_eq!(d.text, text);
            assert_eq!(d.gaiji, 0);
        }
        // 佐 is row 26 cell 36 in JIS X 0208: 0x3A 0x34.
        assert_eq!(&encode("佐").0, &[0x3A, 0x34]);
    }

    #[test]
    fn gaiji_codes_become_geta_and_are_counted() {
        // 髙 (the "ladder" 高) is not in JIS X 0208: the card writes a 外字.
        let (bytes, gaiji) = encode("髙橋　一郎");
        assert_eq!(gaiji, 1);
        assert_eq!(&bytes[..2], &[0xFF, 0xF1]);
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, "〓橋　一郎");
        assert_eq!(d.gaiji, 1);
        // 欠字 and the other 外字 numbers too.
        let d = decode(&[0xFF, 0xFA, 0x3A, 0x34, 0xFF, 0xF7]).unwrap();
        assert_eq!(d.text, "〓佐〓");
        assert_eq!(d.gaiji, 2);
        // A 〓 written as JIS (0x22 0x2E) is text, not a 外字.
        let d = decode(&[0x22, 0x2E]).unwrap();
        assert_eq!((d.text.as_str(), d.gaiji), ("〓", 0));
    }

    #[test]
    fn bad_bytes_are_refused() {
        assert_eq!(decode(&[0x3A]).err(), Some(JisError::OddLength));
        assert_eq!(decode(&[0x3A, 0x80]).err(), Some(JisError::OutOfRange));
        assert_eq!(decode(&[0xFF, 0xF8]).err(), Some(JisError::OutOfRange));
    }

    #[test]
    fn era_dates() {
        let d = |y, m, dd| Date::new(y, m, dd).unwrap();
        assert_eq!(&era_date(d(1989, 1, 7)).unwrap(), b"3640107");
        assert_eq!(&era_date(d(1989, 1, 8)).unwrap(), b"4010108");
        assert_eq!(&era_date(d(2019, 5, 1)).unwrap(), b"5010501");
        assert_eq!(parse_era_date(b"3640107"), Some(d(1989, 1, 7)));
        assert_eq!(parse_era_date(b"4010108"), Some(d(1989, 1, 8)));
        assert_eq!(parse_era_date(b"5080207"), Some(d(2026, 2, 7)));
        // 昭和64年1月8日 is 平成元年: not a day of 昭和.
        assert_eq!(parse_era_date(b"3640108"), None);
        assert_eq!(parse_era_date(b"6010101"), None);
        assert_eq!(parse_era_date(b"401010"), None);
        assert_eq!(parse_era_date(b"4000101"), None);
        assert_eq!(parse_era_date(b"40101x1"), None);
    }

    #[test]
    fn bcd_dates() {
        let date = Date::new(2031, 2, 7).unwrap();
        assert_eq!(bcd_date(date), [0x20, 0x31, 0x02, 0x07]);
        assert_eq!(parse_bcd_date(&[0x20, 0x31, 0x02, 0x07]), Some(date));
        assert_eq!(parse_bcd_date(&[0x20, 0x31, 0x02, 0x30]), None);
        assert_eq!(parse_bcd_date(&[0x20, 0x3A, 0x02, 0x07]), None);
    }
}
