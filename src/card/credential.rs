//! The secret a resident gives to open the basic four fields: the PIN, or 照合番号B.
//!
//! Both end up as a myna-card [`Pin`], which zeroes its buffer on drop and redacts `Debug`.
//! The inputs are checked for shape here so that a typo never costs one of the card's tries.

use std::fmt;

use myna_card::Pin;

use super::basic_four::Date;
use super::error::{CardError, Key};

/// What is presented to the card with VERIFY.
pub struct Credential {
    key: Key,
    value: Pin,
}

impl Credential {
    /// The 4-digit PIN (暗証番号). Anything but four ASCII digits is refused before the card
    /// sees it.
    pub fn pin(digits: &str) -> Result<Self, CardError> {
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CardError::InvalidCredential {
                key: Key::Pin,
                reason: "the PIN is 4 digits",
            });
        }
        let value = Pin::numeric(digits).map_err(|_| CardError::InvalidCredential {
            key: Key::Pin,
            reason: "the PIN is 4 digits",
        })?;
        Ok(Credential {
            key: Key::Pin,
            value,
        })
    }

    /// 照合番号B from the three things printed on the card: the date of birth (its era year is
    /// used, 昭和55年2月17日 → `550217`), the expiry year (4 digits) and the 4-digit security code.
    /// myna-card's `verification_code_b` builds the 14 digits.
    pub fn code_b(
        birth_date: Date,
        expiry_year: u16,
        security_code: &str,
    ) -> Result<Self, CardError> {
        let invalid = |reason| CardError::InvalidCredential {
            key: Key::CodeB,
            reason,
        };
        if !(1000..=9999).contains(&expiry_year) {
            return Err(invalid("the expiry year is 4 digits"));
        }
        if security_code.len() != 4 || !security_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("the security code is 4 digits"));
        }
        let value = myna_card::verification_code_b(
            birth_date.to_myna(),
            expiry_year,
            security_code.as_bytes(),
        )
        .map_err(|_| invalid("the date of birth has no era year of two digits"))?;
        Ok(Credential {
            key: Key::CodeB,
            value,
        })
    }

    /// The 12-character number printed on a 在留カード / 特別永住者証明書 (2 letters, 8 digits,
    /// 2 letters on today's cards; any of A–Z and 0–9 is taken, lower case as upper case, so the
    /// shape check never refuses a real number). Spaces and hyphens a resident may type are
    /// dropped.
    pub fn card_number(text: &str) -> Result<Self, CardError> {
        let mut number: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let ok = number.len() == super::secure_messaging::CARD_NUMBER_LEN
            && number
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        let value = if ok {
            Pin::new(number.as_bytes()).ok()
        } else {
            None
        };
        zeroize::Zeroize::zeroize(&mut number);
        let value = value.ok_or(CardError::InvalidCredential {
            key: Key::CardNumber,
            reason: "the card number is 12 letters and digits",
        })?;
        Ok(Credential {
            key: Key::CardNumber,
            value,
        })
    }

    /// Which key this is presented to.
    pub fn key(&self) -> Key {
        self.key
    }

    pub(crate) fn value(&self) -> &Pin {
        &self.value
    }
}

/// Redacted.
impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credential({}, <redacted>)", self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_is_exactly_four_ascii_digits() {
        assert!(Credential::pin("1234").is_ok());
        for bad in ["123", "12345", "12a4", "１２３４", "", "1234\n"] {
            assert!(
                matches!(
                    Credential::pin(bad),
                    Err(CardError::InvalidCredential { key: Key::Pin, .. })
                ),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn code_b_uses_the_era_year() {
        // CARD.md: 昭和55年2月17日 → 550217, then the expiry year, then the security code.
        let c = Credential::code_b(Date::new(1980, 2, 17).unwrap(), 2035, "2285").unwrap();
        assert_eq!(c.value().as_bytes(), b"55021720352285");
        // 平成元年1月8日 → 010108.
        let c = Credential::code_b(Date::new(1989, 1, 8).unwrap(), 2030, "0001").unwrap();
        assert_eq!(c.value().as_bytes(), b"01010820300001");
    }

    #[test]
    fn code_b_rejects_bad_parts_without_quoting_them() {
        let birth = Date::new(1980, 2, 17).unwrap();
        let err = Credential::code_b(birth, 2035, "22a5").unwrap_err();
        assert!(!err.to_string().contains("22a5"));
        assert!(Credential::code_b(birth, 35, "2285").is_err());
    }

    #[test]
    fn debug_is_redacted() {
        let shown = format!("{:?}", Credential::pin("1234").unwrap());
        assert!(!shown.contains("1234"), "{shown}");
    }
}
