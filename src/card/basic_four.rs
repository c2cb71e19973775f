//! The basic four fields (基本4情報) as the kiosk holds them for one session.
//!
//! This is one of the few types that carries personal data, so it is built to be hard to leak:
//! `Debug` prints no value, the fields are private behind accessors, and every string is
//! overwritten with zeros when the value is dropped. Nothing here is `Serialize`: writing a
//! resident's data anywhere must be an explicit, visible act at the call site.

use std::fmt;

use zeroize::Zeroize;

use crate::wareki;

/// 性別 as the card stores it (JIS X 0303): one ASCII digit.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    /// `1`
    Male,
    /// `2`
    Female,
    /// `9`: not applicable.
    NotApplicable,
    /// `0`: not known.
    Unknown,
}

impl Sex {
    /// Decode the card's digit. Anything outside JIS X 0303 is `None`, so that a strange card
    /// is reported as malformed instead of printing a guess on a form.
    pub fn from_digit(digit: u8) -> Option<Self> {
        match digit {
            b'1' => Some(Sex::Male),
            b'2' => Some(Sex::Female),
            b'9' => Some(Sex::NotApplicable),
            b'0' => Some(Sex::Unknown),
            _ => None,
        }
    }

    /// The digit the card stores.
    pub fn digit(self) -> char {
        match self {
            Sex::Male => '1',
            Sex::Female => '2',
            Sex::NotApplicable => '9',
            Sex::Unknown => '0',
        }
    }

    /// The label printed on forms and shown to the resident.
    pub fn label_ja(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
            Sex::NotApplicable => "適用不能",
            Sex::Unknown => "不明",
        }
    }
}

/// Redacted: sex is personal data too.
impl fmt::Debug for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sex(<redacted>)")
    }
}

/// A Gregorian calendar date, checked for month lengths and leap years.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A date, or `None` when it is not on the calendar (2023-02-29, month 13, …).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (year >= 1 && (1..=days).contains(&day)).then_some(Date { year, month, day })
    }

    /// Parse `YYYY-MM-DD` (profiles, command line).
    pub fn parse_iso(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        Date::new(
            text[0..4].parse().ok()?,
            text[5..7].parse().ok()?,
            text[8..10].parse().ok()?,
        )
    }

    /// Parse the card's eight ASCII digits, `YYYYMMDD`.
    pub fn parse_compact(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != 8 || !bytes.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let text = std::str::from_utf8(bytes).ok()?;
        Date::new(
            text[0..4].parse().ok()?,
            text[4..6].parse().ok()?,
            text[6..8].parse().ok()?,
        )
    }

    /// Gregorian year.
    pub fn year(self) -> u16 {
        self.year
    }
    /// Month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }
    /// Day of the month.
    pub fn day(self) -> u8 {
        self.day
    }

    /// `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `YYYYMMDD`, as the card stores it.
    pub fn compact(self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }

    /// The same date in myna-card's type, for 照合番号B.
    pub(crate) fn to_myna(self) -> myna_card::Date {
        myna_card::Date {
            year: self.year,
            month: self.month,
            day: self.day,
        }
    }
}

/// Redacted: a date of birth is personal data. Dates that are not personal (today, an expiry)
/// are printed with [`Date::iso`] explicitly.
impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Date(<redacted>)")
    }
}

/// Today in Japan (UTC+9), from the system clock.
pub fn today_jst() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
        + 9 * 3600;
    let d = myna_card::Date::from_unix_seconds(secs);
    Date::new(d.year, d.month, d.day).unwrap_or(FIRST_MEIJI_DAY)
}

/// The first day of 明治 (明治元年1月1日 in the Gregorian calendar).
pub const FIRST_MEIJI_DAY: Date = Date {
    year: 1868,
    month: 1,
    day: 25,
};

/// 氏名・住所・生年月日・性別, read from a card (or, later, typed in by a clerk).
///
/// 性別 can be missing: the 運転免許証 has none. It is then `None`, never a guess, and a form
/// leaves its box blank.
pub struct BasicFour {
    name: String,
    address: String,
    birth_date: Date,
    sex: Option<Sex>,
}

impl BasicFour {
    /// Build from already-validated parts. The strings are taken by value so that the buffers
    /// the card layer decoded into are the ones wiped on drop, not copies left behind.
    pub fn new(name: String, address: String, birth_date: Date, sex: Sex) -> Self {
        BasicFour {
            name,
            address,
            birth_date,
            sex: Some(sex),
        }
    }

    /// The same from a card that holds no 性別 (the 運転免許証): the field is missing.
    pub fn without_sex(name: String, address: String, birth_date: Date) -> Self {
        BasicFour {
            name,
            address,
            birth_date,
            sex: None,
        }
    }

    /// 氏名 as on the card: family and given name separated by U+3000.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// 氏, the part before the first ideographic space; the whole name for a mononym.
    pub fn family_name(&self) -> &str {
        self.name
            .split_once('\u{3000}')
            .map_or(self.name.as_str(), |(family, _)| family)
    }

    /// 名, the part after the first ideographic space; `None` for a mononym, which has no
    /// given name to print (the form's box stays blank rather than repeating the name).
    pub fn given_name(&self) -> Option<&str> {
        self.name.split_once('\u{3000}').map(|(_, given)| given)
    }

    /// 住所, full-width digits and hyphens as the card has them.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// 生年月日 (Gregorian).
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// 生年月日 in 和暦, e.g. `昭和55年2月17日`, `平成元年1月8日`.
    pub fn birth_date_wareki(&self) -> String {
        wareki::format_kanji(self.birth_date)
    }

    /// 性別; `None` when the card holds none (the 運転免許証).
    pub fn sex(&self) -> Option<Sex> {
        self.sex
    }
}

/// Bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), zero-width
/// and other invisible formatting characters (U+00AD, U+180E, U+200B–U+200D, U+2060–U+2064,
/// U+FEFF, U+FFF9–U+FFFB): they change how a text is shown without being seen themselves.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// `text` with every [`is_invisible_format`] character written as `<U+202E>`, for a terminal:
/// printed raw, a bidirectional control would reorder what the operator sees.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_invisible_format) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_invisible_format(c) {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

impl BasicFour {
    /// Whether the birth date is one a My Number card can hold on `today`: from 明治 (the
    /// oldest era the card's 和暦 and 照合番号B can write) to today. A date outside that range
    /// would print as "1867年…" or "令和981年".
    pub fn plausible_birth_date(date: Date, today: Date) -> bool {
        date >= FIRST_MEIJI_DAY && date <= today
    }
}

impl Drop for BasicFour {
    fn drop(&mut self) {
        self.name.zeroize();
        self.address.zeroize();
        self.birth_date = Date {
            year: 0,
            month: 0,
            day: 0,
        };
        self.sex = None;
    }
}

/// Redacted: shows only how long each field is, which is enough to debug a layout problem.
impl fmt::Debug for BasicFour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BasicFour {{ name: <{} chars>, address: <{} chars>, birth_date: <redacted>, sex: <redacted> }}",
            self.name.chars().count(),
            self.address.chars().count()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> BasicFour {
        BasicFour::new(
            name.to_owned(),
            "東京都清瀬市観布子南１２－７－２０２".to_owned(),
            Date::new(1980, 2, 17).unwrap(),
            Sex::Male,
        )
    }

    #[test]
    fn splits_the_name_at_the_ideographic_space() {
        let p = sample("黒桐　幹也");
        assert_eq!(p.family_name(), "黒桐");
        assert_eq!(p.given_name(), Some("幹也"));
    }

    #[test]
    fn a_mononym_has_no_given_name() {
        let p = sample("ＭＡＤＯＮＮＡ");
        assert_eq!(p.family_name(), "ＭＡＤＯＮＮＡ");
        assert_eq!(p.given_name(), None);
    }

    #[test]
    fn only_the_first_ideographic_space_splits() {
        // Foreign residents' names can have several parts; 名 keeps the rest whole.
        let p = sample("SMITH　JOHN　PAUL");
        assert_eq!(p.family_name(), "SMITH");
        assert_eq!(p.given_name(), Some("JOHN　PAUL"));
    }

    #[test]
    fn debug_shows_no_value() {
        let p = sample("黒桐　幹也");
        let shown = format!("{p:?} {:?} {:?}", p.birth_date(), p.sex());
        for secret in ["黒桐", "幹也", "清瀬", "1980", "02", "17", "Male", "男"] {
            assert!(!shown.contains(secret), "{secret} leaked in {shown}");
        }
    }

    #[test]
    fn flags_bidirectional_and_zero_width_characters() {
        for name in [
            "山田\u{202E}子花　太郎",
            "山田\u{200F}　太郎",
            "山田\u{2066}　太郎",
            "山田\u{200B}　太郎",
            "\u{FEFF}山田　太郎",
        ] {
            assert!(
                sample(name).name().chars().any(is_invisible_format),
                "{name:?}"
            );
        }
        assert_eq!(visible("山田\u{202E}花子"), "山田<U+202E>花子");
        assert_eq!(visible("山田花子"), "山田花子");
    }

    #[test]
    fn birth_dates_before_meiji_or_after_today_are_impossible() {
        let today = Date::new(2026, 11, 21).unwrap();
        let ok = |y, m, d| BasicFour::plausible_birth_date(Date::new(y, m, d).unwrap(), today);
        assert!(ok(1868, 1, 25));
        assert!(!ok(1868, 1, 24));
        assert!(!ok(1867, 12, 31));
        assert!(ok(2026, 11, 21));
        assert!(!ok(2026, 11, 22));
        assert!(!ok(2999, 1, 1));
    }

    #[test]
    fn dates_are_checked_against_the_calendar() {
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(2023, 4, 31).is_none());
        assert!(Date::new(2023, 13, 1).is_none());
        assert_eq!(Date::parse_compact(b"19800217"), Date::new(1980, 2, 17));
        assert_eq!(Date::parse_compact(b"1980021"), None);
        assert_eq!(Date::parse_compact(b"1980O217"), None);
        assert_eq!(Date::parse_iso("1960-04-01"), Date::new(1960, 4, 1));
        assert_eq!(Date::parse_iso("1960/04/01"), None);
    }

    #[test]
    fn sex_digits_round_trip() {
        for d in [b'0', b'1', b'2', b'9'] {
            assert_eq!(Sex::from_digit(d).unwrap().digit() as u8, d);
        }
        assert!(Sex::from_digit(b'3').is_none());
    }
}
