//! Simulated card profiles: `fixtures/cards/*.toml`.
//!
//! A profile holds made-up personal data, but it is handled like the real thing (redacted
//! `Debug`, zeroed on drop) so that the privacy tests that use it mean something.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use zeroize::Zeroize;

use crate::card::basic_four::{BasicFour, Date, Sex};

/// What kind of card the profile describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardKind {
    /// A My Number card with the 券面事項入力補助AP.
    MyNumber,
    /// Some other contact card: answers SELECT of the AP with 6A82.
    Other,
}

/// A profile, validated.
pub struct CardProfile {
    /// The file it came from, for messages.
    pub origin: String,
    /// 氏名 (U+3000 between 氏 and 名).
    pub name: String,
    /// 住所.
    pub address: String,
    /// 生年月日.
    pub birth_date: Date,
    /// 性別.
    pub sex: Sex,
    /// The 4-digit PIN.
    pub pin: String,
    /// The PIN's counter when the card is made (0 = blocked).
    pub pin_tries_left: u8,
    /// The expiry year printed on the card (照合番号B).
    pub expiry_year: u16,
    /// The 4-digit security code printed on the card (照合番号B).
    pub security_code: String,
    /// 照合番号B's counter when the card is made.
    pub code_b_tries_left: u8,
    /// 個人番号, 12 digits with a valid check digit; held only to build EF 0001 and its digest.
    pub my_number: String,
    /// My Number card or not.
    pub kind: CardKind,
    /// `FF` bytes after the EF 0002 object (real cards may have filler).
    pub filler: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: String,
    address: String,
    birth_date: String,
    sex: u8,
    pin: String,
    pin_tries_left: Option<u8>,
    expiry_year: u16,
    security_code: String,
    code_b_tries_left: Option<u8>,
    my_number: Option<String>,
    kind: Option<String>,
    filler: Option<usize>,
    /// Free text for people reading the fixture; not used.
    #[allow(dead_code)]
    note: Option<String>,
}

/// A profile that cannot be used. The message names the file and the field, never the value.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ProfileError {
    /// The profile file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// The PIN counter of a fresh card.
pub const PIN_TRIES: u8 = 3;
/// The 照合番号B counter of a fresh card.
pub const CODE_B_TRIES: u8 = 10;

/// A profile file's text (any card kind): a regular file of at most 1 MiB, or an error naming
/// the file.
pub(super) fn read_profile_text(path: &Path) -> Result<String, ProfileError> {
    crate::files::read_regular_text(path, 1 << 20, "a card profile").map_err(|e| ProfileError {
        file: path.display().to_string(),
        message: format!("cannot read the profile: {e}"),
    })
}

impl CardProfile {
    /// Read and check a profile file.
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let text = read_profile_text(path)?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Check a profile given as text; `origin` names it in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ProfileError> {
        let err = |message: String| ProfileError {
            file: origin.to_owned(),
            message,
        };
        // toml's message carries the line, the column and the key; for a type error it may
        // quote the offending value, which in a profile is made-up data.
        let file: ProfileFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let birth_date = Date::parse_iso(&file.birth_date)
            .ok_or_else(|| err("birth_date: not a calendar date in YYYY-MM-DD".into()))?;
        let sex = Sex::from_digit(b'0'.wrapping_add(file.sex))
            .filter(|_| file.sex <= 9)
            .ok_or_else(|| {
                err("sex: must be 1 (male), 2 (female), 9 (not applicable) or 0 (unknown)".into())
            })?;
        if file.pin.len() != 4 || !file.pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("pin: must be 4 digits".into()));
        }
        if file.security_code.len() != 4 || !file.security_code.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(err("security_code: must be 4 digits".into()));
        }
        if !(2000..=2199).contains(&file.expiry_year) {
            return Err(err("expiry_year: must be a 4-digit year".into()));
        }
        let pin_tries_left = file.pin_tries_left.unwrap_or(PIN_TRIES);
        if pin_tries_left > PIN_TRIES {
            return Err(err(format!("pin_tries_left: at most {PIN_TRIES}")));
        }
        let code_b_tries_left = file.code_b_tries_left.unwrap_or(CODE_B_TRIES);
        if code_b_tries_left > CODE_B_TRIES {
            return Err(err(format!("code_b_tries_left: at most {CODE_B_TRIES}")));
        }
        let my_number = match file.my_number {
            Some(n) if is_valid_my_number(&n) => n,
            Some(_) => {
                return Err(err(
                    "my_number: not 12 digits with a valid check digit".into()
                ));
            }
            None => "123456789018".to_owned(),
        };
        let kind = match file.kind.as_deref() {
            None | Some("mynumber") => CardKind::MyNumber,
            Some("other") => CardKind::Other,
            Some(_) => {
                return Err(err(
                    "kind: must be \"mynumber\", \"other\", \"drivers-licence\", \"residence-card\" or \"special-permanent-resident\"".into(),
                ));
            }
        };
        // A My Number card's holder was born in 明治 or later, and not after today: a date
        // outside would print as "1867年…" or "令和981年".
        if kind == CardKind::MyNumber {
            let today = crate::card::basic_four::today_jst();
            if !BasicFour::plausible_birth_date(birth_date, today) {
                return Err(err(format!(
                    "birth_date: impossible for a My Number card holder (from 1868-01-25, the first day of 明治, to today, {})",
                    today.iso()
                )));
            }
            if file.expiry_year < birth_date.year() {
                return Err(err("expiry_year: before the year of birth".into()));
            }
        }
        if file.name.is_empty() || file.address.is_empty() {
            return Err(err("name and address must not be empty".into()));
        }
        Ok(CardProfile {
            origin: origin.to_owned(),
            name: file.name,
            address: file.address,
            birth_date,
            sex,
            pin: file.pin,
            pin_tries_left,
            expiry_year: file.expiry_year,
            security_code: file.security_code,
            code_b_tries_left,
            my_number,
            kind,
            filler: file.filler.unwrap_or(0),
        })
    }

    /// What a correct read of this card must give.
    pub fn expected(&self) -> BasicFour {
        BasicFour::new(
            self.name.clone(),
            self.address.clone(),
            self.birth_date,
            self.sex,
        )
    }

    /// Every My Number (and "other") profile in a folder, sorted by file name. Profiles of
    /// other kinds (`kind = "drivers-licence"`) are left out: [`AnyProfile::load_dir`] has all.
    pub fn load_dir(dir: &Path) -> Result<Vec<(PathBuf, CardProfile)>, ProfileError> {
        Ok(AnyProfile::load_dir(dir)?
            .into_iter()
            .filter_map(|(path, p)| match p {
                AnyProfile::MyNumber(p) => Some((path, p)),
                AnyProfile::Licence(_) | AnyProfile::Residence(_) => None,
            })
            .collect())
    }
}

/// A profile of any simulated card kind, told apart by its `kind` key.
#[derive(Debug)]
pub enum AnyProfile {
    /// A My Number card (no `kind`, `kind = "mynumber"`) or a card with no application
    /// (`kind = "other"`).
    MyNumber(CardProfile),
    /// `kind = "drivers-licence"`.
    Licence(super::licence::LicenceProfile),
    /// `kind = "residence-card"` or `"special-permanent-resident"`.
    Residence(super::residence::ResidenceProfile),
}

impl AnyProfile {
    /// Check a profile given as text.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ProfileError> {
        let kind = toml::from_str::<toml::Table>(text)
            .ok()
            .and_then(|t| t.get("kind").and_then(|k| k.as_str().map(str::to_owned)));
        match kind.as_deref() {
            Some("drivers-licence") => {
                super::licence::LicenceProfile::parse(text, origin).map(AnyProfile::Licence)
            }
            Some("residence-card" | "special-permanent-resident") => {
                super::residence::ResidenceProfile::parse(text, origin).map(AnyProfile::Residence)
            }
            _ => CardProfile::parse(text, origin).map(AnyProfile::MyNumber),
        }
    }

    /// Read and check a profile file.
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let text = read_profile_text(path)?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Every profile in a folder, sorted by file name.
    pub fn load_dir(dir: &Path) -> Result<Vec<(PathBuf, AnyProfile)>, ProfileError> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| ProfileError {
                file: dir.display().to_string(),
                message: format!("cannot list profiles: {e}"),
            })?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|p| AnyProfile::load(&p).map(|profile| (p, profile)))
            .collect()
    }
}

impl Drop for CardProfile {
    fn drop(&mut self) {
        self.name.zeroize();
        self.address.zeroize();
        self.pin.zeroize();
        self.security_code.zeroize();
        self.my_number.zeroize();
    }
}

impl fmt::Debug for CardProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardProfile({}, <redacted>)", self.origin)
    }
}

/// The 個人番号 check digit (番号法施行令第8条): weights 2–7 then 2–6 from the right.
pub fn is_valid_my_number(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = (1..=11)
        .map(|n| {
            let p = u32::from(bytes[11 - n] - b'0');
            let q = if n <= 6 { n as u32 + 1 } else { n as u32 - 5 };
            p * q
        })
        .sum();
    let check = match sum % 11 {
        0 | 1 => 0,
        r => 11 - r,
    };
    u32::from(bytes[11] - b'0') == check
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "山田　太郎"
address = "東京都青梅市東青梅１丁目１１番地の１"
birth_date = "1960-04-01"
sex = 1
pin = "1234"
expiry_year = 2034
security_code = "5678"
"#;

    #[test]
    fn my_number_check_digit() {
        assert!(is_valid_my_number("123456789018"));
        assert!(!is_valid_my_number("123456789012"));
        assert!(!is_valid_my_number("12345678901"));
        // The synthetic test card in myna-card's fixtures.
        assert!(is_valid_my_number("537686677188"));
    }

    #[test]
    fn defaults_apply() {
        let p = CardProfile::parse(MINIMAL, "t.toml").unwrap();
        assert_eq!(p.pin_tries_left, 3);
        assert_eq!(p.code_b_tries_left, 10);
        assert_eq!(p.kind, CardKind::MyNumber);
    }

    #[test]
    fn errors_name_the_file_and_field_but_not_the_value() {
        let bad = MINIMAL.replace("1960-04-01", "1960-02-30");
        let e = CardProfile::parse(&bad, "fixtures/cards/x.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("fixtures/cards/x.toml") && e.contains("birth_date"),
            "{e}"
        );
        assert!(!e.contains("1960"), "{e}");
        let e = CardProfile::parse(&MINIMAL.replace("sex = 1", "sex = 3"), "x").unwrap_err();
        assert!(e.to_string().contains("sex"));
        let e =
            CardProfile::parse(&format!("{MINIMAL}my_number = \"123456789012\""), "x").unwrap_err();
        assert!(e.to_string().contains("my_number"));
        let e = CardProfile::parse(&format!("{MINIMAL}colour = 1"), "x").unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
        let e = CardProfile::parse(&MINIMAL.replace("sex = 1", "sex = \"x\""), "x").unwrap_err();
        assert!(e.to_string().contains("line"), "{e}");
    }
}
