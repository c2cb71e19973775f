//! The read itself: select, count tries, verify, read EF 0002, check integrity.
//!
//! It runs over any myna-card [`Transmit`], so the same code reads a card in a PC/SC reader, a
//! simulated card in-process, and a simulated card behind pcscd's virtual reader.
//!
//! # The APDUs, and why there are no fewer
//!
//! A read sends 13 commands for an ordinary card (14 when EF 0002 is longer than 256 bytes):
//!
//! | # | command | why it cannot go |
//! |---|---|---|
//! | 1 | SELECT the 券面事項入力補助AP by AID | identifies the card (never the ATR) |
//! | 2 | SELECT EF 0011 (or 0015 for 照合番号B) | VERIFY acts on the current key EF; one SELECT serves both VERIFYs |
//! | 3 | VERIFY, no data | tries left, without spending one: the lockout guard needs it |
//! | 4 | VERIFY with the PIN | opens EF 0002 and 0003 |
//! | 5–6 | SELECT EF 0002, READ BINARY (Le 256) | the basic four fields (one read up to 256 bytes) |
//! | 7–9 | SELECT EF 0003, READ BINARY ×2 | the integrity record is 336 bytes: two short reads |
//! | 10–13 | SELECT EF 0004, READ BINARY ×3 | the certificate is 568 bytes: three short reads |
//!
//! Short APDUs carry at most 256 bytes, and many readers pass no extended APDUs, so each file
//! needs ⌈size/256⌉ reads. The files are selected explicitly: a READ BINARY naming its file by
//! short EF identifier would save four SELECTs, but it is not part of the protocol the kiosk
//! relies on and has not been confirmed on a real card (myna-card does not use it either).
//! EF 0001 (個人番号) is never selected.

use myna_card::ap::text::{Attributes, TextAp, ef};
use myna_card::{Card, Retries, Transmit};
use tracing::{debug, info};
use zeroize::Zeroize;

use super::basic_four::{BasicFour, Date, Sex};
use super::credential::Credential;
use super::error::{CardError, Key};
use super::integrity::{TrustAnchors, Unverified, Verification};
use super::kind::{CardKind, detect, detect_other};
use super::licence;
use super::residence::{self, ResidenceRead};

/// How a read is guarded and checked.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The lockout guard: when the tries left are at or below this, nothing is sent and the
    /// resident is sent to the clerk. Default 1: the last try is never spent at the kiosk.
    pub guard_at: u8,
    /// The keys the integrity check accepts.
    pub anchors: TrustAnchors,
    /// `[card] accept_expired_licence`: whether an expired 運転免許証 may still be used (the
    /// clerk is shown that it expired either way). Off by default: the read stops before its PIN.
    pub accept_expired_licence: bool,
    /// `[card] accept_expired_residence_card`: whether a 在留カード whose period of stay ended
    /// may still be read (the clerk is told either way). Off by default.
    pub accept_expired_residence_card: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            guard_at: 1,
            anchors: TrustAnchors::jlis(false),
            accept_expired_licence: false,
            accept_expired_residence_card: false,
        }
    }
}

/// Tries left on the two keys that open the basic four fields, read without spending any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tries {
    /// The PIN's counter (3 when fresh); `None` when the card did not report one.
    pub pin: Option<u8>,
    /// 照合番号B's counter.
    pub code_b: Option<u8>,
    /// Which card answered.
    pub kind: CardKind,
    /// Whether the card wants a secret before the read: false for a licence with no PIN set,
    /// which is read without asking the resident anything.
    pub needs_pin: bool,
}

impl Tries {
    /// The counter of one key.
    pub fn of(&self, key: Key) -> Option<u8> {
        match key {
            Key::Pin => self.pin,
            Key::CodeB => self.code_b,
            Key::LicencePin => self.pin,
            Key::CardNumber => None,
        }
    }
}

/// What a successful read yields.
#[derive(Debug)]
pub struct CardRead {
    /// The four fields (性別 missing when the card has none).
    pub data: BasicFour,
    /// Whether they chain to a trusted issuer.
    pub verification: Verification,
    /// Which card it was.
    pub kind: CardKind,
    /// What the clerk should be told about this read.
    pub notes: ReadNotes,
}

/// Facts about a read for the clerk, beyond the data (counts and flags, never values).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadNotes {
    /// Characters the card holds only as 外字/欠字 bitmaps, shown as 〓: the clerk checks them
    /// against the card.
    pub gaiji: usize,
    /// The 運転免許証 is past its expiry (and the office accepts that).
    pub expired: bool,
    /// The address is the latest change written on the card (EF 0004), not the one at issue.
    pub address_changed: bool,
}

/// Select the application and read both counters: what the kiosk shows **before** the PIN pad.
pub fn probe<T: Transmit>(card: &mut Card<T>) -> Result<Tries, CardError> {
    let mut ap = select_application(card)?;
    let pin = tries(&mut ap, Key::Pin)?;
    let code_b = tries(&mut ap, Key::CodeB)?;
    debug!(pin = ?pin, code_b = ?code_b, "card.probe");
    Ok(Tries {
        pin,
        code_b,
        kind: CardKind::MyNumber,
        needs_pin: true,
    })
}

/// [`probe`] for any card the kiosk knows: the My Number card first (its APDUs unchanged),
/// then the others by their own SELECT ([`super::kind`]).
pub fn probe_any<T: Transmit>(card: &mut Card<T>) -> Result<Tries, CardError> {
    match probe(card) {
        Err(CardError::NotMyNumberCard) => {}
        other => return other,
    }
    match detect_other(card.transport_mut())? {
        CardKind::DriversLicence => {
            let p = licence::probe(card.transport_mut())?;
            Ok(Tries {
                pin: p.tries,
                code_b: None,
                kind: CardKind::DriversLicence,
                needs_pin: p.pin_set,
            })
        }
        kind => Err(CardError::KindNotReadable(kind.name_ja())),
    }
}

/// [`read_basic_four`] for any card the kiosk knows. `credential` is the PIN (or 照合番号B) for
/// the My Number card, PIN1 for a licence; `None` only for a licence with no PIN set.
pub fn read_any<T: Transmit>(
    card: &mut Card<T>,
    credential: Option<&Credential>,
    options: &ReadOptions,
) -> Result<CardRead, CardError> {
    let my_number = match credential {
        Some(c) => read_basic_four(card, c, options),
        // Without a credential, only the SELECT tells whether this is a My Number card.
        None => select_application(card).and(Err(CardError::InvalidCredential {
            key: Key::Pin,
            reason: "the My Number card needs its PIN or 照合番号B",
        })),
    };
    match my_number {
        Err(CardError::NotMyNumberCard) => {}
        other => return other,
    }
    match detect_other(card.transport_mut())? {
        CardKind::DriversLicence => licence::read(card.transport_mut(), credential, options),
        kind => Err(CardError::KindNotReadable(kind.name_ja())),
    }
}

/// Read a 在留カード or 特別永住者証明書 with its card number ([`Credential::card_number`]).
/// Any other card is refused before anything is sent to it but the SELECTs that tell the kinds
/// apart. The read is not a [`CardRead`]: it has no 氏名 (only in the face image) and gives
/// birth date and sex only on a second-generation card ([`ResidenceRead`]).
pub fn read_residence<T: Transmit>(
    card: &mut Card<T>,
    credential: &Credential,
    options: &ReadOptions,
) -> Result<ResidenceRead, CardError> {
    match detect(card.transport_mut())? {
        CardKind::ResidenceCard | CardKind::SpecialPermanentResident => {
            residence::read(card.transport_mut(), credential, options)
        }
        kind => {
            info!(kind = kind.slug(), "card.residence.other_kind");
            Err(CardError::InvalidCredential {
                key: Key::CardNumber,
                reason: "this card is not a 在留カード or 特別永住者証明書: it does not open with a card number",
            })
        }
    }
}

/// Read the basic four fields with a PIN or 照合番号B.
pub fn read_basic_four<T: Transmit>(
    card: &mut Card<T>,
    credential: &Credential,
    options: &ReadOptions,
) -> Result<CardRead, CardError> {
    let key = credential.key();
    let mut ap = select_application(card)?;

    let left = tries(&mut ap, key)?;
    info!(key = %key, tries_left = ?left, "card.tries");
    match left {
        Some(0) => return Err(CardError::Blocked { key }),
        Some(n) if n <= options.guard_at => {
            info!(key = %key, tries_left = n, "card.lockout_guard");
            return Err(CardError::LastTryGuarded { key, tries_left: n });
        }
        _ => {}
    }

    // `tries` left the key's EF selected, so VERIFY goes straight to it: selecting it again
    // (as myna-card's `verify_pin` does) would cost one APDU for nothing.
    let verified = ap.card().verify(credential.value());
    match verified {
        Ok(()) => info!(key = %key, "card.verify.ok"),
        Err(myna_card::Error::PinIncorrect { retries }) => {
            info!(key = %key, tries_left = ?retries, "card.verify.wrong");
            return Err(match retries {
                Some(0) => CardError::Blocked { key },
                tries_left => CardError::WrongPin { key, tries_left },
            });
        }
        Err(myna_card::Error::PinBlocked) => return Err(CardError::Blocked { key }),
        Err(e) => return Err(CardError::from_myna(e, "VERIFY")),
    }

    let mut attributes = read_file(&mut ap, ef::ATTRIBUTES, "READ BINARY of EF 0002")?;
    let parsed = parse_attributes(&attributes);

    let verification = match parsed {
        Ok(_) => check_integrity(&mut ap, &attributes, &options.anchors)?,
        Err(_) => Verification::Unverified(Unverified::Unreadable(String::new())),
    };
    attributes.zeroize();
    let data = parsed?;
    info!(verified = verification.is_verified(), "card.read.ok");
    Ok(CardRead {
        data,
        verification,
        kind: CardKind::MyNumber,
        notes: ReadNotes {
            gaiji: 0,
            expired: false,
            address_changed: false,
        },
    })
}

fn select_application<'a, T: Transmit>(card: &'a mut Card<T>) -> Result<TextAp<'a, T>, CardError> {
    match TextAp::select(card) {
        Ok(ap) => Ok(ap),
        // 6A82 "file not found": no 券面事項入力補助AP on this card. Some non-JICSAP cards
        // answer 6A86/6D00/6E00 to a SELECT by AID they do not know; those are not ours either.
        Err(myna_card::Error::Status(sw))
            if matches!(
                sw.value(),
                0x6A82 | 0x6A86 | 0x6A87 | 0x6D00 | 0x6E00 | 0x6999
            ) =>
        {
            info!(
                sw = format!("{:04X}", sw.value()),
                "card.not_my_number_card"
            );
            Err(CardError::NotMyNumberCard)
        }
        Err(e) => Err(CardError::from_myna(e, "SELECT of the 券面事項入力補助AP")),
    }
}

fn tries<T: Transmit>(ap: &mut TextAp<'_, T>, key: Key) -> Result<Option<u8>, CardError> {
    let ef = match key {
        Key::Pin | Key::LicencePin => ef::PIN,
        Key::CodeB => ef::CODE_B,
        Key::CardNumber => {
            return Err(CardError::InvalidCredential {
                key,
                reason: "the My Number card has no card-number key",
            });
        }
    };
    // SELECT the key's EF, then VERIFY without data: the counter, no try spent.
    match ap.retries(ef) {
        Ok(Retries::Remaining(n)) => Ok(Some(n)),
        Ok(Retries::Blocked) => Ok(Some(0)),
        // 9000 (already verified in this power cycle) or 6300 (no limit): no count to show.
        Ok(Retries::NotReported | Retries::Unlimited) => Ok(None),
        Err(myna_card::Error::PinBlocked) => Ok(Some(0)),
        Err(e) => Err(CardError::from_myna(e, "VERIFY without data (tries left)")),
    }
}

/// Read a whole TLV file with explicit SELECT and short READ BINARYs (myna-card reads the
/// header of the first 256 bytes and fetches exactly the rest).
/// The most a file of the 券面事項入力補助AP can hold that the kiosk will read. The largest, EF
/// 0004 (the certificate), is about 1.4 KB; a card may *declare* any length up to 2^64 in its
/// BER header, and myna-card's `read_ef` would allocate that much before reading (found by the
/// `card_exchange` fuzz target: a capacity-overflow panic, or a huge allocation).
pub const MAX_FILE: usize = 8192;

/// Read a transparent EF in full: the first chunk, then as much more as its BER-TLV header
/// declares, refusing a declared length above [`MAX_FILE`].
fn read_file<T: Transmit>(
    ap: &mut TextAp<'_, T>,
    ef: u16,
    during: &'static str,
) -> Result<Vec<u8>, CardError> {
    let card = ap.card();
    let myna = |e| CardError::from_myna(e, during);
    card.select_ef(ef).map_err(myna)?;
    let mut out = card.read_binary_chunk(0, 256).map_err(myna)?;
    let Ok(header) = myna_card::tlv::ber::parse_header(&out) else {
        // Not a TLV file: what the card gave is all there is; the parser will say what is wrong.
        return Ok(out);
    };
    let total = header
        .header_len
        .checked_add(header.length)
        .filter(|t| *t <= MAX_FILE)
        .ok_or_else(|| {
            CardError::Malformed(format!(
                "{during}: the file declares more than {MAX_FILE} bytes"
            ))
        })?;
    if total <= out.len() {
        out.truncate(total);
    } else {
        let rest = card
            .read_binary(out.len(), total - out.len())
            .map_err(myna)?;
        out.extend_from_slice(&rest);
    }
    Ok(out)
}

/// Whether every BER-TLV object in `data` (and, recursively, inside constructed ones) has a
/// length that fits in what follows its header. myna-card adds a declared length to the header
/// length unchecked, so a crafted length overflows (a panic where overflow checks are on; found
/// by the `card_files` fuzz target): bytes from the card go through this walk first.
pub(crate) fn ber_sane(mut data: &[u8]) -> bool {
    while !data.is_empty() {
        let Ok(h) = myna_card::tlv::ber::parse_header(data) else {
            // Not TLV: myna-card rejects it without adding anything.
            return true;
        };
        let Some(end) = h
            .header_len
            .checked_add(h.length)
            .filter(|e| *e <= data.len())
        else {
            return false;
        };
        let constructed = data[0] & 0x20 != 0;
        if constructed && !ber_sane(&data[h.header_len..end]) {
            return false;
        }
        data = &data[end..];
    }
    true
}
/// Parse EF 0002 with myna-card and check it more strictly than the protocol needs: a date that
/// is not on the calendar or a sex outside JIS X 0303 is an error, because a form must never
/// carry a guess. Error texts name the field and the fault, never the content.
pub fn parse_attributes(raw: &[u8]) -> Result<BasicFour, CardError> {
    if !ber_sane(raw) {
        return Err(CardError::Malformed(
            "EF 0002: a length in the data does not fit".into(),
        ));
    }
    let parsed = Attributes::parse(raw).map_err(|e| {
        let what = match &e {
            myna_card::Error::Malformed(m) if m.contains("UTF-8") => {
                if m.contains("氏名") {
                    "氏名 (DF22) is not valid UTF-8"
                } else {
                    "住所 (DF23) is not valid UTF-8"
                }
            }
            myna_card::Error::Malformed(m) if m.contains("8 digits") || m.contains("calendar") => {
                "生年月日 (DF24) is not eight digits of a date"
            }
            myna_card::Error::Malformed(m) if m.contains("no field") => {
                "a field (DF22–DF25) is missing"
            }
            myna_card::Error::Malformed(m) if m.contains("offset") => {
                "the offset table (DF21) does not match the fields"
            }
            myna_card::Error::Malformed(m) if m.contains("FF20") => {
                "EF 0002 does not start with the FF20 object"
            }
            _ => "EF 0002 is not a well-formed BER-TLV object",
        };
        CardError::Malformed(what.to_owned())
    })?;
    let Attributes {
        name,
        address,
        birth_date,
        sex,
    } = parsed;
    let malformed = |what: &str| CardError::Malformed(what.to_owned());
    let mut name = name;
    let mut address = address;
    let checked = (|| {
        if name.trim().is_empty() {
            return Err(malformed("氏名 (DF22) is empty"));
        }
        if address.trim().is_empty() {
            return Err(malformed("住所 (DF23) is empty"));
        }
        if name.chars().chain(address.chars()).any(char::is_control) {
            return Err(malformed("氏名 or 住所 contains control characters"));
        }
        let birth = Date::new(birth_date.year, birth_date.month, birth_date.day)
            .ok_or_else(|| malformed("生年月日 (DF24) is not a calendar date"))?;
        // Before 明治 or after today: no holder's date (it would print as "1867年…").
        if !BasicFour::plausible_birth_date(birth, crate::card::basic_four::today_jst()) {
            return Err(malformed("生年月日 (DF24) is before 明治 or after today"));
        }
        let sex = match sex {
            myna_card::Sex::Male => Sex::Male,
            myna_card::Sex::Female => Sex::Female,
            myna_card::Sex::NotApplicable => Sex::NotApplicable,
            myna_card::Sex::Unknown => Sex::Unknown,
            myna_card::Sex::Other(_) => {
                return Err(malformed("性別 (DF25) is not one of 0, 1, 2, 9"));
            }
        };
        Ok((birth, sex))
    })();
    match checked {
        Ok((birth, sex)) => Ok(BasicFour::new(name, address, birth, sex)),
        Err(e) => {
            name.zeroize();
            address.zeroize();
            Err(e)
        }
    }
}

/// Read EF 0003 and EF 0004 and check the chain. A file that is missing or does not parse makes
/// the data unverified; a card pulled out or a dead link is an error, as everywhere else.
fn check_integrity<T: Transmit>(
    ap: &mut TextAp<'_, T>,
    attributes: &[u8],
    anchors: &TrustAnchors,
) -> Result<Verification, CardError> {
    let integrity = match read_file(ap, ef::INTEGRITY, "READ BINARY of EF 0003") {
        Ok(bytes) => bytes,
        Err(e @ (CardError::UnexpectedStatus { .. } | CardError::Malformed(_))) => {
            return Ok(Verification::Unverified(Unverified::Unreadable(
                e.to_string(),
            )));
        }
        Err(e) => return Err(e),
    };
    let certificate = match read_file(ap, ef::CERTIFICATE, "READ BINARY of EF 0004") {
        Ok(bytes) => bytes,
        Err(e @ (CardError::UnexpectedStatus { .. } | CardError::Malformed(_))) => {
            return Ok(Verification::Unverified(Unverified::Unreadable(
                e.to_string(),
            )));
        }
        Err(e) => return Err(e),
    };
    let verification = anchors.check(attributes, &integrity, &certificate);
    info!(result = %verification, "card.integrity");
    Ok(verification)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 104-byte reference vector from CARD.md (synthetic holder).
    const REFERENCE: &str = "ff2065df2108000e002000590064df220fe9bb92e6a190e38080e5b9b9e4b99fdf2336e69db1e4baace983bde6b885e780ace5b882e8a6b3e5b883e5ad90e58d97efbc91efbc92efbc8defbc97efbc8defbc92efbc90efbc92df24083139383030323137df250131";

    fn reference() -> Vec<u8> {
        crate::card::integrity::decode_hex(REFERENCE).unwrap()
    }

    #[test]
    fn parses_the_reference_vector() {
        let p = parse_attributes(&reference()).unwrap();
        assert_eq!(p.name(), "黒桐　幹也");
        assert_eq!(p.family_name(), "黒桐");
        assert_eq!(p.address(), "東京都清瀬市観布子南１２－７－２０２");
        assert_eq!(p.birth_date(), Date::new(1980, 2, 17).unwrap());
        assert_eq!(p.sex(), Some(Sex::Male));
        assert_eq!(p.birth_date_wareki(), "昭和55年2月17日");
    }

    #[test]
    fn a_malformed_date_is_named_but_not_quoted() {
        let mut raw = reference();
        // DF24 value starts after "df 24 08": overwrite the month with 13.
        let at = raw
            .windows(3)
            .position(|w| w == [0xDF, 0x24, 0x08])
            .unwrap()
            + 3;
        raw[at + 4..at + 6].copy_from_slice(b"13");
        let err = parse_attributes(&raw).unwrap_err().to_string();
        assert!(err.contains("生年月日"), "{err}");
        assert!(!err.contains("1980") && !err.contains("31393830"), "{err}");
    }

    #[test]
    fn an_impossible_day_is_rejected() {
        let mut raw = reference();
        let at = raw
            .windows(3)
            .position(|w| w == [0xDF, 0x24, 0x08])
            .unwrap()
            + 3;
        raw[at + 4..at + 8].copy_from_slice(b"0230");
        let err = parse_attributes(&raw).unwrap_err().to_string();
        assert!(err.contains("calendar"), "{err}");
    }

    #[test]
    fn an_unknown_sex_digit_is_rejected() {
        let mut raw = reference();
        let last = raw.len() - 1;
        raw[last] = b'5';
        assert!(
            parse_attributes(&raw)
                .unwrap_err()
                .to_string()
                .contains("性別")
        );
    }

    #[test]
    fn bad_utf8_names_the_field() {
        let mut raw = reference();
        let at = raw.windows(2).position(|w| w == [0xDF, 0x22]).unwrap() + 3;
        raw[at] = 0xFF;
        let err = parse_attributes(&raw).unwrap_err().to_string();
        assert!(err.contains("氏名"), "{err}");
    }

    #[test]
    fn truncated_data_is_malformed() {
        let raw = reference();
        assert!(matches!(
            parse_attributes(&raw[..50]),
            Err(CardError::Malformed(_))
        ));
        assert!(matches!(
            parse_attributes(&[]),
            Err(CardError::Malformed(_))
        ));
    }
}

#[cfg(test)]
mod ber_tests {
    use super::ber_sane;

    #[test]
    fn a_length_that_would_overflow_or_overrun_is_refused() {
        // Tag 04, an eight-byte length of 2^64-1: myna-card's header arithmetic would overflow.
        let mut overflow = vec![0x04, 0x88];
        overflow.extend([0xFF; 8]);
        assert!(!ber_sane(&overflow));
        // Longer than what follows, at depth: FF20 { DF22 len 5 "ab" }.
        assert!(!ber_sane(&[0xFF, 0x20, 0x05, 0xDF, 0x22, 0x05, b'a', b'b']));
        // A good nested object passes.
        assert!(ber_sane(&[0xFF, 0x20, 0x05, 0xDF, 0x22, 0x02, b'a', b'b']));
    }
}
