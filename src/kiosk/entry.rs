//! Typed entry without a keyboard: the 照合番号B pad and the clerk's manual entry. Plain state,
//! no window types, so the rules (digits per field, era years, what makes an entry complete) are
//! tested here and the UI only draws them. Every buffer is zeroed when dropped or cleared.

use zeroize::{Zeroize, Zeroizing};

use super::Event;
use crate::card::{BasicFour, Date, Sex};
use crate::wareki::Era;

/// The three parts of 照合番号B, in the order they are typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeBField {
    /// 生年月日 as on the card: era, then YYMMDD.
    Birth,
    /// The expiry year (西暦, 4 digits), printed on the card's front.
    Expiry,
    /// The 4-digit security code, printed on the card's front.
    Security,
}

/// The 照合番号B being typed.
pub struct CodeBEntry {
    /// The era of the birth date (the card prints 和暦).
    pub era: Era,
    /// YYMMDD within the era.
    pub birth: Zeroizing<String>,
    /// YYYY.
    pub expiry: Zeroizing<String>,
    /// 4 digits.
    pub security: Zeroizing<String>,
    /// The field the pad types into.
    pub field: CodeBField,
}

impl Default for CodeBEntry {
    fn default() -> Self {
        CodeBEntry {
            era: Era::Showa,
            birth: Zeroizing::new(String::new()),
            expiry: Zeroizing::new(String::new()),
            security: Zeroizing::new(String::new()),
            field: CodeBField::Birth,
        }
    }
}

impl CodeBEntry {
    fn buffer(&mut self, field: CodeBField) -> (&mut String, usize) {
        match field {
            CodeBField::Birth => (&mut self.birth, 6),
            CodeBField::Expiry => (&mut self.expiry, 4),
            CodeBField::Security => (&mut self.security, 4),
        }
    }

    /// A digit into the current field; a full field moves on to the next.
    pub fn push(&mut self, digit: u8) {
        if digit > 9 {
            return;
        }
        let field = self.field;
        let (buf, len) = self.buffer(field);
        if buf.len() < len {
            buf.push(char::from(b'0' + digit));
        }
        if buf.len() == len {
            self.field = match field {
                CodeBField::Birth => CodeBField::Expiry,
                _ => CodeBField::Security,
            };
        }
    }

    /// Erase the last digit of the current field (or of the previous one when it is empty).
    pub fn erase(&mut self) {
        let field = self.field;
        let (buf, _) = self.buffer(field);
        if buf.pop().is_none() {
            self.field = match field {
                CodeBField::Security => CodeBField::Expiry,
                _ => CodeBField::Birth,
            };
            let field = self.field;
            self.buffer(field).0.pop();
        }
    }

    /// The birth date typed, when it is a real day within the era.
    pub fn birth_date(&self) -> Option<Date> {
        if self.birth.len() != 6 {
            return None;
        }
        let n = |r: std::ops::Range<usize>| self.birth[r].parse::<u16>().ok();
        let (yy, mm, dd) = (n(0..2)?, n(2..4)?, n(4..6)?);
        if yy == 0 {
            return None;
        }
        let year = self.era.first_day().year() + yy - 1;
        let date = Date::new(year, u8::try_from(mm).ok()?, u8::try_from(dd).ok()?)?;
        (crate::wareki::era_of(date).map(|(e, _)| e) == Some(self.era)).then_some(date)
    }

    /// The event to send, once every part is complete and valid.
    pub fn event(&self) -> Option<Event> {
        let birth_date = self.birth_date()?;
        let expiry_year = self.expiry.parse::<u16>().ok().filter(|y| *y >= 2015)?;
        (self.security.len() == 4).then(|| Event::CodeB {
            birth_date,
            expiry_year,
            security_code: self.security.to_string(),
        })
    }

    /// Wipe everything typed.
    pub fn clear(&mut self) {
        *self = CodeBEntry::default();
    }
}

/// Which field of the clerk's entry is being edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffField {
    /// 氏名 (family and given name, separated by a space).
    Name,
    /// 住所.
    Address,
    /// 生年月日 as YYYY-MM-DD or YYYYMMDD.
    Birth,
}

/// The clerk's manual entry of the four fields (no card, or a correction).
#[derive(Default)]
pub struct StaffEntry {
    /// 氏名.
    pub name: Zeroizing<String>,
    /// 住所.
    pub address: Zeroizing<String>,
    /// 生年月日.
    pub birth: Zeroizing<String>,
    /// 性別.
    pub sex: Option<Sex>,
    /// Type romaji and get kana (wana_kana), for a back-screen keyboard without an IME.
    pub romaji: bool,
}

impl StaffEntry {
    /// Start from the data already held (a correction), or empty.
    pub fn from_data(data: Option<&BasicFour>) -> Self {
        let Some(d) = data else {
            return StaffEntry::default();
        };
        StaffEntry {
            name: Zeroizing::new(d.name().to_owned()),
            address: Zeroizing::new(d.address().to_owned()),
            birth: Zeroizing::new(d.birth_date().iso()),
            sex: d.sex(),
            romaji: false,
        }
    }

    /// The clerk typed into a field. With romaji on, ASCII letters become katakana for the
    /// name (furigana-style entry) and hiragana for the address.
    pub fn set(&mut self, field: StaffField, mut text: String) {
        if self.romaji && field != StaffField::Birth {
            let converted = match field {
                StaffField::Name => wana_kana::ConvertJapanese::to_katakana(text.as_str()),
                _ => wana_kana::ConvertJapanese::to_hiragana(text.as_str()),
            };
            text.zeroize();
            text = converted;
        }
        let slot = match field {
            StaffField::Name => &mut self.name,
            StaffField::Address => &mut self.address,
            StaffField::Birth => &mut self.birth,
        };
        slot.zeroize();
        **slot = text;
    }

    /// The birth date typed, if it is a date.
    pub fn birth_date(&self) -> Option<Date> {
        let digits: String = self.birth.chars().filter(char::is_ascii_digit).collect();
        (digits.len() == 8)
            .then(|| Date::parse_compact(digits.as_bytes()))
            .flatten()
    }

    /// The four fields, when all are given. A single ASCII or ideographic space in the name
    /// becomes U+3000, the card's separator between family and given name.
    pub fn data(&self) -> Option<BasicFour> {
        let name = self.name.trim().replacen(' ', "\u{3000}", 1);
        let address = self.address.trim().to_owned();
        if name.is_empty() || address.is_empty() {
            return None;
        }
        Some(BasicFour::new(name, address, self.birth_date()?, self.sex?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_b_moves_field_to_field_and_builds_the_event() {
        let mut e = CodeBEntry::default();
        for d in [6, 0, 0, 4, 0, 1] {
            e.push(d);
        }
        assert_eq!(e.field, CodeBField::Expiry);
        assert_eq!(e.birth_date(), Date::new(1985, 4, 1), "昭和60年4月1日");
        for d in [2, 0, 3, 1, 1, 2, 3, 4] {
            e.push(d);
        }
        match e.event() {
            Some(Event::CodeB {
                birth_date,
                expiry_year,
                security_code,
            }) => {
                assert_eq!(birth_date, Date::new(1985, 4, 1).unwrap());
                assert_eq!(expiry_year, 2031);
                assert_eq!(security_code, "1234");
            }
            other => panic!("{other:?}"),
        }
        // Erasing from an empty field steps back into the previous one.
        let mut e = CodeBEntry::default();
        for d in [6, 0, 0, 4, 0, 1] {
            e.push(d);
        }
        e.erase();
        assert_eq!((e.field, e.birth.as_str()), (CodeBField::Birth, "60040"));
    }

    #[test]
    fn a_date_outside_its_era_is_not_accepted() {
        let mut e = CodeBEntry {
            era: Era::Heisei,
            ..CodeBEntry::default()
        };
        // 平成1年1月1日 does not exist (平成 began on 1月8日).
        for d in [0, 1, 0, 1, 0, 1] {
            e.push(d);
        }
        assert_eq!(e.birth_date(), None);
    }

    #[test]
    fn staff_entry_converts_romaji_and_needs_all_four_fields() {
        let mut s = StaffEntry {
            romaji: true,
            ..StaffEntry::default()
        };
        s.set(StaffField::Name, "yamada tarou".into());
        assert_eq!(s.name.as_str(), "ヤマダ タロウ");
        assert!(s.data().is_none(), "no address, birth date or sex yet");
        s.romaji = false;
        s.set(StaffField::Address, "東京都千代田区1-1".into());
        s.set(StaffField::Birth, "1985-04-01".into());
        s.sex = Some(Sex::Male);
        let d = s.data().unwrap();
        assert_eq!(d.name(), "ヤマダ\u{3000}タロウ");
        assert_eq!(d.birth_date(), Date::new(1985, 4, 1).unwrap());
    }
}

/// The kana keyboard's rows (katakana, as forms print フリガナ). Columns read ア カ サ … ワ
/// left to right, as on the 50音 charts residents know; a blank is an empty cell.
pub const KANA_ROWS: [[char; 10]; 5] = [
    ['ア', 'カ', 'サ', 'タ', 'ナ', 'ハ', 'マ', 'ヤ', 'ラ', 'ワ'],
    ['イ', 'キ', 'シ', 'チ', 'ニ', 'ヒ', 'ミ', ' ', 'リ', 'ヲ'],
    ['ウ', 'ク', 'ス', 'ツ', 'ヌ', 'フ', 'ム', 'ユ', 'ル', 'ン'],
    ['エ', 'ケ', 'セ', 'テ', 'ネ', 'ヘ', 'メ', ' ', 'レ', 'ー'],
    ['オ', 'コ', 'ソ', 'ト', 'ノ', 'ホ', 'モ', 'ヨ', 'ロ', ' '],
];

/// Turn the last kana into its next form for the ゛゜ key (カ→ガ, ハ→バ→パ→ハ, ウ→ヴ) or the
/// 小 key (ツ→ッ, ヤ→ャ …, and back). Returns whether anything changed.
pub fn modify_last_kana(text: &mut String, small: bool) -> bool {
    let Some(last) = text.chars().last() else {
        return false;
    };
    const DAKUTEN: &str = "カガキギクグケゲコゴサザシジスズセゼソゾタダチヂツヅテデトド";
    const HANDAKU: [[char; 3]; 5] = [
        ['ハ', 'バ', 'パ'],
        ['ヒ', 'ビ', 'ピ'],
        ['フ', 'ブ', 'プ'],
        ['ヘ', 'ベ', 'ペ'],
        ['ホ', 'ボ', 'ポ'],
    ];
    const SMALL: [(char, char); 9] = [
        ('ア', 'ァ'),
        ('イ', 'ィ'),
        ('ウ', 'ゥ'),
        ('エ', 'ェ'),
        ('オ', 'ォ'),
        ('ツ', 'ッ'),
        ('ヤ', 'ャ'),
        ('ユ', 'ュ'),
        ('ヨ', 'ョ'),
    ];
    let next = if small {
        SMALL
            .iter()
            .find_map(|(a, b)| (*a == last).then_some(*b).or((*b == last).then_some(*a)))
    } else if let Some(row) = HANDAKU.iter().find(|r| r.contains(&last)) {
        let i = row.iter().position(|c| *c == last).unwrap_or(0);
        Some(row[(i + 1) % 3])
    } else if last == 'ウ' {
        Some('ヴ')
    } else if last == 'ヴ' {
        Some('ウ')
    } else {
        let chars: Vec<char> = DAKUTEN.chars().collect();
        chars.iter().position(|c| *c == last).map(|i| {
            if i % 2 == 0 {
                chars[i + 1]
            } else {
                chars[i - 1]
            }
        })
    };
    match next {
        Some(c) => {
            text.pop();
            text.push(c);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod kana_tests {
    use super::modify_last_kana;

    #[test]
    fn dakuten_and_small_kana_cycle() {
        let mut s = String::from("ハ");
        for want in ["バ", "パ", "ハ"] {
            assert!(modify_last_kana(&mut s, false));
            assert_eq!(s, want);
        }
        let mut s = String::from("タカ");
        modify_last_kana(&mut s, false);
        assert_eq!(s, "タガ");
        modify_last_kana(&mut s, false);
        assert_eq!(s, "タカ");
        let mut s = String::from("キツ");
        modify_last_kana(&mut s, true);
        assert_eq!(s, "キッ");
        let mut s = String::from("ン");
        assert!(!modify_last_kana(&mut s, false));
    }
}
