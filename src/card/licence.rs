//! Reading the 運転免許証 (IC driver's licence) into the same basic four the forms use.
//!
//! Facts and sources: `OTHER-CARDS.md` (the 警察庁 specification, and open readers tried on real
//! cards). What the kiosk reads, and what it never does:
//!
//! - MF EF 2F01 共通データ要素 (free): the expiry, checked **before** any PIN, against the
//!   office's `[card] accept_expired_licence`.
//! - MF EF 000A PIN設定 (free): whether a PIN is set. A licence without one is read with the
//!   fixed `****` and the resident is asked nothing.
//! - PIN1 through VERIFY `00 20 00 81`: first without data (the tries left, none spent), then
//!   the lockout guard, then with the digits. A blocked licence PIN is reset only at a police
//!   station, and the error says so.
//! - DF1 EF 0001 記載事項 (本籍 excluded): 氏名 (tag 12), 生年月日 (16), 住所 at issue (17).
//!   The licence number (21) and the other tags are stepped over, never kept.
//! - DF1 EF 0004 記載事項変更等: the address changes the police wrote after issue; the latest
//!   is the current address. Its layout beyond tag 50 is not confirmed by a source the kiosk
//!   could read ([I] in OTHER-CARDS.md): `50 01 nn` (追記の有無), then one `51` record per change
//!   holding `52` (the date, 7-digit era date) and `53` (the new address, JIS X 0208). Only this
//!   module and the simulator know it, so correcting it against a real card is one place.
//! - Never read: DF1 EF 0002 (本籍, PIN1 + PIN2) and DF2 (the photo).
//!
//! There is no 性別 on the licence: the basic four carry it as missing, never guessed. The
//! licence's own signature (EF 0006 in the specification) is not checked by the kiosk: the read
//! says "not verified" to the clerk, which is the truth.
//!
//! # The APDUs, and why there are no fewer
//!
//! After the My Number card's SELECT answered 6A82, a licence read with a PIN is 16 commands
//! (17 on the wire with that SELECT; `tests/licence_vpcd.rs` counts them) when EF 0001 has the
//! ~880 bytes of a real card and EF 0004 fits in one short read:
//!
//! | # | command | why it cannot go |
//! |---|---|---|
//! | 1 | SELECT DF1 by AID | identifies the licence (never the ATR) |
//! | 2 | SELECT MF | EF 2F01, 000A and PIN1 live in the MF |
//! | 3–4 | SELECT EF 2F01, READ BINARY | the expiry: an expired licence is stopped before its PIN |
//! | 5–6 | SELECT EF 000A, READ BINARY | whether a PIN is set (no PIN: no pad, `****`) |
//! | 7 | VERIFY PIN1, no data | the tries left, for the lockout guard (skipped without a PIN) |
//! | 8 | VERIFY PIN1 | opens DF1 EF 0001 and 0004 |
//! | 9 | SELECT DF1 by AID | the data files are in DF1 |
//! | 10–14 | SELECT EF 0001, READ BINARY ×4 | 氏名, 住所, 生年月日: a short read carries 256 bytes |
//! | 15–16 | SELECT EF 0004, READ BINARY | the current address |
//!
//! Files are read in 256-byte short reads (some readers cut long answers at about 400 bytes),
//! until a read comes back short or past the end.

use myna_card::Transmit;
use tracing::info;
use zeroize::Zeroize;

use super::basic_four::{BasicFour, Date, today_jst};
use super::credential::Credential;
use super::error::{CardError, Key};
use super::integrity::{Unverified, Verification};
use super::jis;
use super::kind::{CardKind, LICENCE_DF1_AID, exchange, select_by_aid};
use super::read::{CardRead, ReadNotes, ReadOptions};

/// SELECT MF (`3F00`).
pub const SELECT_MF: [u8; 7] = [0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00];
/// MF EF 2F01 共通データ要素.
pub const EF_COMMON: u16 = 0x2F01;
/// MF EF 000A PIN設定.
pub const EF_PIN_SETTING: u16 = 0x000A;
/// DF1 EF 0001 記載事項 (本籍 excluded).
pub const EF_MATTERS: u16 = 0x0001;
/// DF1 EF 0002 本籍: never selected.
pub const EF_DOMICILE: u16 = 0x0002;
/// DF1 EF 0004 記載事項変更等.
pub const EF_CHANGES: u16 = 0x0004;
/// VERIFY's P2 for PIN1.
pub const PIN1: u8 = 0x81;
/// What a licence without a PIN is verified with.
pub const NO_PIN: [u8; 4] = *b"****";
/// The most the kiosk reads of one licence file (EF 0001 is about 880 bytes).
pub const MAX_FILE: usize = 4096;

/// What the kiosk learns before asking for a PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LicenceProbe {
    /// Whether a PIN is set (EF 000A).
    pub pin_set: bool,
    /// PIN1's tries left; `None` when no PIN is set or the card did not say.
    pub tries: Option<u8>,
    /// Whether the licence's expiry (EF 2F01) is before today.
    pub expired: bool,
}

fn select_ef(id: u16) -> [u8; 7] {
    let [hi, lo] = id.to_be_bytes();
    [0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo]
}

fn expect_ok<T: Transmit>(
    card: &mut T,
    apdu: &[u8],
    during: &'static str,
) -> Result<Vec<u8>, CardError> {
    match exchange(card, apdu, during)? {
        (0x9000, data) => Ok(data),
        (sw, mut data) => {
            data.zeroize();
            Err(CardError::UnexpectedStatus { sw, during })
        }
    }
}

/// Read the current EF in 256-byte short reads until one comes back short or past the end.
fn read_file<T: Transmit>(card: &mut T, during: &'static str) -> Result<Vec<u8>, CardError> {
    let mut out = Vec::new();
    loop {
        let offset = out.len();
        if offset >= MAX_FILE {
            out.zeroize();
            return Err(CardError::Malformed(format!(
                "{during}: the file is longer than {MAX_FILE} bytes"
            )));
        }
        // P1 carries 7 offset bits (the top bit would mean a short EF identifier).
        let apdu = [0x00, 0xB0, (offset >> 8) as u8 & 0x7F, offset as u8, 0x00];
        match exchange(card, &apdu, during)? {
            (0x9000, mut chunk) => {
                let done = chunk.len() < 256;
                out.extend_from_slice(&chunk);
                chunk.zeroize();
                if done {
                    return Ok(out);
                }
            }
            (0x6B00, _) if offset > 0 => return Ok(out),
            (sw, _) => {
                out.zeroize();
                return Err(CardError::UnexpectedStatus { sw, during });
            }
        }
    }
}

/// SELECT MF, read EF 2F01 and EF 000A, and (when a PIN is set) PIN1's counter.
fn probe_selected<T: Transmit>(card: &mut T) -> Result<LicenceProbe, CardError> {
    expect_ok(card, &SELECT_MF, "SELECT of the licence's MF")?;
    expect_ok(card, &select_ef(EF_COMMON), "SELECT of EF 2F01")?;
    let common = expect_ok(
        card,
        &[0x00, 0xB0, 0x00, 0x00, 0x11],
        "READ BINARY of EF 2F01",
    )?;
    let expiry = parse_common(&common)?;
    expect_ok(card, &select_ef(EF_PIN_SETTING), "SELECT of EF 000A")?;
    let setting = expect_ok(
        card,
        &[0x00, 0xB0, 0x00, 0x00, 0x03],
        "READ BINARY of EF 000A",
    )?;
    let pin_set = match setting.as_slice() {
        [0x05, 0x01, 0x01] => true,
        [0x05, 0x01, 0x00] => false,
        _ => {
            return Err(CardError::Malformed(
                "EF 000A (PIN設定) is not 05 01 00 or 05 01 01".into(),
            ));
        }
    };
    let tries = if pin_set {
        match exchange(
            card,
            &[0x00, 0x20, 0x00, PIN1],
            "VERIFY of PIN1 without data",
        )? {
            (sw, _) if sw & 0xFFF0 == 0x63C0 => Some((sw & 0x0F) as u8),
            (0x6983 | 0x6984, _) => Some(0),
            // 9000: already verified in this power cycle; no count to show.
            (0x9000, _) => None,
            (sw, _) => {
                return Err(CardError::UnexpectedStatus {
                    sw,
                    during: "VERIFY of PIN1 without data",
                });
            }
        }
    } else {
        None
    };
    let expired = expiry < today_jst();
    info!(pin_set, tries = ?tries, expired, "card.licence.probe");
    Ok(LicenceProbe {
        pin_set,
        tries,
        expired,
    })
}

/// Probe a licence whose DF1 the caller has just selected (see [`super::kind::detect`]).
pub fn probe<T: Transmit>(card: &mut T) -> Result<LicenceProbe, CardError> {
    probe_selected(card)
}

/// Read a licence whose DF1 the caller has just selected. `credential` is PIN1 (a
/// [`Key::Pin`] credential of 4 digits); it is not sent when the licence has no PIN.
pub fn read<T: Transmit>(
    card: &mut T,
    credential: Option<&Credential>,
    options: &ReadOptions,
) -> Result<CardRead, CardError> {
    let key = Key::LicencePin;
    let probe = probe_selected(card)?;
    if probe.expired && !options.accept_expired_licence {
        info!("card.licence.expired_refused");
        return Err(CardError::ExpiredLicence);
    }
    match probe.tries {
        Some(0) => return Err(CardError::Blocked { key }),
        Some(n) if n <= options.guard_at => {
            info!(tries_left = n, "card.lockout_guard");
            return Err(CardError::LastTryGuarded { key, tries_left: n });
        }
        _ => {}
    }
    let mut verify = vec![0x00, 0x20, 0x00, PIN1, 0x04];
    if probe.pin_set {
        let Some(c) = credential.filter(|c| c.key() == Key::Pin) else {
            return Err(CardError::InvalidCredential {
                key,
                reason: "this licence has a PIN: the 4-digit PIN1 is needed",
            });
        };
        verify.extend_from_slice(c.value().as_bytes());
    } else {
        verify.extend_from_slice(&NO_PIN);
    }
    let answer = exchange(card, &verify, "VERIFY of PIN1");
    verify.zeroize();
    match answer? {
        (0x9000, _) => info!("card.verify.ok"),
        (sw, _) if sw & 0xFFF0 == 0x63C0 => {
            let left = (sw & 0x0F) as u8;
            info!(tries_left = left, "card.verify.wrong");
            return Err(if left == 0 {
                CardError::Blocked { key }
            } else {
                CardError::WrongPin {
                    key,
                    tries_left: Some(left),
                }
            });
        }
        (0x6983 | 0x6984, _) => return Err(CardError::Blocked { key }),
        (sw, _) => {
            return Err(CardError::UnexpectedStatus {
                sw,
                during: "VERIFY of PIN1",
            });
        }
    }

    expect_ok(
        card,
        &select_by_aid(&LICENCE_DF1_AID),
        "SELECT of the licence's DF1",
    )?;
    expect_ok(card, &select_ef(EF_MATTERS), "SELECT of EF 0001")?;
    let mut matters = read_file(card, "READ BINARY of EF 0001")?;
    let parsed = parse_matters(&matters);
    matters.zeroize();
    let mut fields = parsed?;
    expect_ok(card, &select_ef(EF_CHANGES), "SELECT of EF 0004")?;
    let mut changes = read_file(card, "READ BINARY of EF 0004")?;
    let latest = latest_address(&changes);
    changes.zeroize();
    let mut gaiji = fields.gaiji;
    let address_changed = match latest? {
        Some(new) => {
            fields.address.zeroize();
            fields.address = new.text;
            gaiji = fields.name_gaiji + new.gaiji;
            true
        }
        None => false,
    };
    let data = BasicFour::without_sex(
        std::mem::take(&mut fields.name),
        std::mem::take(&mut fields.address),
        fields.birth_date,
    );
    info!(
        gaiji,
        address_changed,
        expired = probe.expired,
        "card.read.ok"
    );
    Ok(CardRead {
        data,
        verification: Verification::Unverified(Unverified::NotChecked(CardKind::DriversLicence)),
        kind: CardKind::DriversLicence,
        notes: ReadNotes {
            gaiji,
            expired: probe.expired,
            address_changed,
        },
    })
}

/// EF 2F01: `45 0B` version (3 ASCII) + issue date (BCD) + expiry (BCD), then `46 02`.
/// Returns the expiry.
pub fn parse_common(raw: &[u8]) -> Result<Date, CardError> {
    if raw.len() < 13 || raw[0] != 0x45 || raw[1] != 0x0B {
        return Err(CardError::Malformed(
            "EF 2F01 does not start with tag 45 of 11 bytes".into(),
        ));
    }
    jis::parse_bcd_date(&raw[9..13])
        .ok_or_else(|| CardError::Malformed("EF 2F01: 有効期限 is not a BCD date".into()))
}

/// The fields of EF 0001 the kiosk uses.
struct Matters {
    name: String,
    address: String,
    birth_date: Date,
    /// 外字 in the name and the address at issue.
    gaiji: usize,
    /// 外字 in the name alone (when the address is replaced by a later one).
    name_gaiji: usize,
}

impl Drop for Matters {
    fn drop(&mut self) {
        self.name.zeroize();
        self.address.zeroize();
    }
}

/// Walk one-byte-tag TLVs: length `< 80`, `81 xx` or `82 hh ll`. Stops at filler (`FF`/`00`
/// where a tag would be). `None` when a length does not fit.
fn tlvs(mut data: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    let mut out = Vec::new();
    while let [tag, rest @ ..] = data {
        if matches!(tag, 0x00 | 0xFF) {
            break;
        }
        let (len, rest) = match rest {
            [n @ 0..=0x7F, r @ ..] => (usize::from(*n), r),
            [0x81, n, r @ ..] => (usize::from(*n), r),
            [0x82, hi, lo, r @ ..] => (usize::from(u16::from_be_bytes([*hi, *lo])), r),
            _ => return None,
        };
        if rest.len() < len {
            return None;
        }
        out.push((*tag, &rest[..len]));
        data = &rest[len..];
    }
    Some(out)
}

fn text_field(value: &[u8], what: &'static str) -> Result<jis::Decoded, CardError> {
    let mut d = jis::decode(value).map_err(|e| {
        CardError::Malformed(format!(
            "{what} is not JIS X 0208 ({})",
            match e {
                jis::JisError::OddLength => "an odd number of bytes",
                jis::JisError::OutOfRange => "a byte outside 21–7E",
            }
        ))
    })?;
    // Padding: trailing full-width and ASCII spaces.
    let trimmed = d.text.trim_end_matches(['\u{3000}', ' ']).len();
    d.text.truncate(trimmed);
    if d.text.is_empty() {
        return Err(CardError::Malformed(format!("{what} is empty")));
    }
    Ok(d)
}

fn parse_matters(raw: &[u8]) -> Result<Matters, CardError> {
    let items =
        tlvs(raw).ok_or_else(|| CardError::Malformed("EF 0001: a length does not fit".into()))?;
    let find = |tag: u8, what: &str| {
        items
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, v)| *v)
            .ok_or_else(|| CardError::Malformed(format!("EF 0001 has no {what}")))
    };
    let name = text_field(find(0x12, "氏名 (tag 12)")?, "氏名 (tag 12)")?;
    let address = text_field(find(0x17, "住所 (tag 17)")?, "住所 (tag 17)")?;
    let birth_date = jis::parse_era_date(find(0x16, "生年月日 (tag 16)")?)
        .filter(|d| BasicFour::plausible_birth_date(*d, today_jst()))
        .ok_or_else(|| {
            CardError::Malformed("生年月日 (tag 16) is not a 7-digit era date".into())
        })?;
    Ok(Matters {
        gaiji: name.gaiji + address.gaiji,
        name_gaiji: name.gaiji,
        name: name.text,
        address: address.text,
        birth_date,
    })
}

/// The newest address in EF 0004, or `None` when the police wrote no address change.
fn latest_address(raw: &[u8]) -> Result<Option<jis::Decoded>, CardError> {
    let bad = || CardError::Malformed("EF 0004: a length does not fit".into());
    let items = tlvs(raw).ok_or_else(bad)?;
    match items.first() {
        Some((0x50, [0x00])) | None => return Ok(None),
        Some((0x50, [_])) => {}
        Some(_) => {
            return Err(CardError::Malformed(
                "EF 0004 does not start with tag 50 (追記の有無)".into(),
            ));
        }
    }
    let mut latest: Option<(Date, jis::Decoded)> = None;
    for (tag, value) in &items[1..] {
        if *tag != 0x51 {
            continue;
        }
        let inner = tlvs(value).ok_or_else(bad)?;
        let Some(address) = inner.iter().find(|(t, _)| *t == 0x53) else {
            // A change of something else (a condition, the name): not an address.
            continue;
        };
        let date = inner
            .iter()
            .find(|(t, _)| *t == 0x52)
            .and_then(|(_, v)| jis::parse_era_date(v))
            .ok_or_else(|| {
                CardError::Malformed("EF 0004: a change has no 7-digit era date (tag 52)".into())
            })?;
        let text = text_field(address.1, "EF 0004 新住所 (tag 53)")?;
        // Records are written oldest first; on a tie the later record wins.
        if latest.as_ref().is_none_or(|(d, _)| date >= *d) {
            if let Some((_, mut old)) = latest.take() {
                old.text.zeroize();
            }
            latest = Some((date, text));
        }
    }
    Ok(latest.map(|(_, t)| t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlv_lengths_in_all_three_forms() {
        let mut long = vec![0x17, 0x82, 0x01, 0x00];
        long.extend([0x21; 256]);
        long.extend([0x12, 0x81, 0x02, 0x3A, 0x34, 0xFF, 0xFF]);
        let items = tlvs(&long).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].1.len(), 256);
        assert_eq!(items[1], (0x12, &[0x3A, 0x34][..]));
        assert!(tlvs(&[0x12, 0x05, 0x01]).is_none());
    }

    #[test]
    fn common_data_gives_the_expiry() {
        let raw = [
            0x45, 0x0B, b'0', b'0', b'8', 0x20, 0x21, 0x02, 0x07, 0x20, 0x31, 0x02, 0x07, 0x46,
            0x02, 0x00, 0x00,
        ];
        assert_eq!(parse_common(&raw).unwrap(), Date::new(2031, 2, 7).unwrap());
        assert!(parse_common(&raw[..8]).is_err());
    }

    #[test]
    fn errors_name_the_field_not_the_value() {
        let mut raw = vec![0x12, 0x03, 0x3A, 0x34, 0x21];
        raw.extend([0x16, 0x07]);
        raw.extend(b"3640107");
        let err = parse_matters(&raw).err().unwrap().to_string();
        assert!(err.contains("氏名") && err.contains("odd"), "{err}");
        assert!(!err.contains("3A") && !err.contains("佐"), "{err}");
    }
}
