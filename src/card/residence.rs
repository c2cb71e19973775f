//! Reading the 在留カード and the 特別永住者証明書 (one chip, two kinds) with the card number
//! the resident types.
//!
//! Facts and sources: `OTHER-CARDS.md` (出入国在留管理庁「在留カード等仕様書」); the
//! cryptography is [`super::secure_messaging`], checked there against the specification's
//! own test run. What the kiosk reads, and what it never does:
//!
//! - MF EF02 (free): `C1` "1" 在留カード, "2" 特別永住者証明書.
//! - The card number opens the chip: GET CHALLENGE, MUTUAL AUTHENTICATE (keys from the number),
//!   VERIFY of the number under secure messaging. A wrong number is answered `63 00` and **not
//!   counted**: the specification gives the chip no counter, so typing a wrong number can never
//!   lock a resident's card. (The kiosk still sends a resident who keeps failing to the clerk:
//!   that is the session's policy, not the card's.)
//! - DF2 EF01 (the back, 追記欄): `D2` 追記日, `D3` 市町村コード, `D4` 住居地 — the address written
//!   after a move. When several entries are present the newest (by date, later on a tie) is the
//!   current address; a back never written has the tags empty: no address from the chip then.
//! - DF1 EF03 on a second-generation card ([I], the simulator's layout, see
//!   `sim::residence::data_file`): 生年月日, 性別, 国籍・地域, 在留期間の満了日. The end of the
//!   period of stay is checked like the licence's expiry, against `[card]
//!   accept_expired_residence_card`. A first-generation card answers `6A82`: those values are
//!   only in the face image there.
//! - Never read: DF1 EF02 (the photo). The face image (DF1 EF01) is not read either: 氏名 is only
//!   there, and the OCR that would turn it into text is not built yet, so a read here gives no
//!   name and the kiosk must ask for it. The integrity signature (DF3) covers the face image
//!   **and the photo** (SHA-256 of both), so checking it would mean reading the photo: the read
//!   says "not verified" to the clerk, which is the truth.
//!
//! # Extended APDUs
//!
//! Every secure-messaging READ BINARY is an extended APDU in the specification's form
//! (`08 B0 P1 00 00 00 04 96 02 Le Le 00 00`), even for a file of a few bytes; so a reader that
//! passes none cannot read these cards at all, photo or not. Its driver answers `67 00` (or
//! the transmit fails): [`CardError::NoExtendedApdus`], with a message saying so.
//!
//! # The APDUs, and why there are no fewer
//!
//! After the My Number card's and the licence's SELECTs answered `6A82`:
//!
//! | # | command | why it cannot go |
//! |---|---|---|
//! | 1 | SELECT DF1 by AID | identifies the card (never the ATR) |
//! | 2–3 | SELECT MF, READ BINARY EF02 | which of the two cards it is (the messages name it) |
//! | 4 | GET CHALLENGE | RND.ICC for the mutual authentication |
//! | 5 | MUTUAL AUTHENTICATE | proves both sides know the card number; gives the session key |
//! | 6 | VERIFY (SM) | the card number, which opens the files |
//! | 7–8 | SELECT DF1, READ BINARY 87 (SM) | the second-generation data and the period of stay |
//! | 9–10 | SELECT DF2, READ BINARY 81 (SM) | 住居地 from the back |
//!
//! Each file is one read: an extended Le covers the largest (DF2 EF01, at most ~340 bytes).

use std::fmt;

use myna_card::Transmit;
use rand::RngCore;
use tracing::info;
use zeroize::Zeroize;

use super::basic_four::{Date, Sex, today_jst};
use super::credential::Credential;
use super::error::{CardError, Key};
use super::integrity::{Unverified, Verification};
use super::kind::{CardKind, RESIDENCE_DF1_AID, exchange, select_by_aid};
use super::read::ReadOptions;
use super::secure_messaging as sm;
use super::sim::residence::RESIDENCE_DF2_AID;

/// What a read of a 在留カード / 特別永住者証明書 gives. No 氏名: it is only in the face image.
pub struct ResidenceRead {
    /// 在留カード or 特別永住者証明書 (MF EF02).
    pub kind: CardKind,
    /// 2 when the chip holds the second-generation data file, else 1.
    pub generation: u8,
    /// 住居地 from the back (the newest entry); `None` when the back was never written (the
    /// address is then only on the face image).
    pub address: Option<String>,
    /// The day that address was written.
    pub address_date: Option<Date>,
    /// 生年月日 (second generation only).
    pub birth_date: Option<Date>,
    /// 性別 (second generation only; `3`, which the kiosk cannot map to a form's box, is `None`).
    pub sex: Option<Sex>,
    /// 国籍・地域 (second generation only).
    pub nationality: Option<String>,
    /// 在留期間の満了日 (second generation only; absent for a stay without end).
    pub stay_expiry: Option<Date>,
    /// The period of stay has ended (and the office accepts the card anyway).
    pub expired: bool,
    /// Always unverified: see the module's text.
    pub verification: Verification,
}

impl Drop for ResidenceRead {
    fn drop(&mut self) {
        if let Some(a) = &mut self.address {
            a.zeroize();
        }
        if let Some(n) = &mut self.nationality {
            n.zeroize();
        }
    }
}

/// Redacted: it holds an address.
impl fmt::Debug for ResidenceRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ResidenceRead({}, generation {}, <redacted>)",
            self.kind.slug(),
            self.generation
        )
    }
}

const SELECT_MF: [u8; 7] = [0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00];

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

/// Which of the two cards this is, from MF EF02 (free to read). Leaves the MF selected.
fn card_kind<T: Transmit>(card: &mut T) -> Result<CardKind, CardError> {
    expect_ok(card, &SELECT_MF, "SELECT of the 在留カード's MF")?;
    let raw = expect_ok(
        card,
        &[0x00, 0xB0, 0x8A, 0x00, 0x00],
        "READ BINARY of MF EF02",
    )?;
    match raw.as_slice() {
        [0xC1, 0x01, b'1', ..] => Ok(CardKind::ResidenceCard),
        [0xC1, 0x01, b'2', ..] => Ok(CardKind::SpecialPermanentResident),
        _ => Err(CardError::Malformed(
            "MF EF02 is not C1 01 \"1\" or \"2\"".into(),
        )),
    }
}

/// [`card_kind`] for a card whose DF1 the caller has just selected: which of the two it is,
/// before the card number is asked for.
pub fn probe<T: Transmit>(card: &mut T) -> Result<CardKind, CardError> {
    let kind = card_kind(card)?;
    info!(kind = kind.slug(), "card.residence.probe");
    Ok(kind)
}

/// Open the chip with the card number: GET CHALLENGE, MUTUAL AUTHENTICATE, VERIFY. The
/// session key on success.
fn open<T: Transmit>(
    card: &mut T,
    number: &[u8; sm::CARD_NUMBER_LEN],
) -> Result<sm::Key16, CardError> {
    let challenge = expect_ok(card, &[0x00, 0x84, 0x00, 0x00, 0x08], "GET CHALLENGE")?;
    let rnd_icc: [u8; 8] = challenge
        .as_slice()
        .try_into()
        .map_err(|_| CardError::Malformed("GET CHALLENGE did not answer 8 bytes".into()))?;
    let mut rnd_ifd = [0u8; 8];
    let mut k_ifd = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut rnd_ifd);
    rand::thread_rng().fill_bytes(&mut k_ifd);
    let mut kenc = sm::access_key(number);
    let mut apdu = vec![0x00, 0x82, 0x00, 0x00, 0x28];
    apdu.extend(sm::ifd_authenticate(&kenc, &rnd_ifd, &rnd_icc, &k_ifd));
    apdu.push(0x00);
    let answer = exchange(card, &apdu, "MUTUAL AUTHENTICATE");
    apdu.zeroize();
    let result = match answer {
        Ok((0x9000, data)) => sm::check_icc_answer(&kenc, &data, &rnd_ifd, &rnd_icc)
            .map(|mut k_icc| {
                let ks = sm::session_key(&k_ifd, &k_icc);
                k_icc.zeroize();
                ks
            })
            .map_err(|why| {
                CardError::Malformed(format!(
                    "the card's MUTUAL AUTHENTICATE answer does not check ({why:?})"
                ))
            }),
        // The card could not check our MAC: its keys (from its number) are not ours.
        Ok((0x6300 | 0x6982 | 0x6988, _)) => {
            info!("card.residence.wrong_number");
            Err(CardError::WrongCardNumber)
        }
        Ok((sw, _)) => Err(CardError::UnexpectedStatus {
            sw,
            during: "MUTUAL AUTHENTICATE",
        }),
        Err(e) => Err(e),
    };
    kenc.zeroize();
    k_ifd.zeroize();
    let mut ks = result?;
    let mut verify = sm::verify_command(&ks, number);
    let answer = exchange(card, &verify, "VERIFY of the card number");
    verify.zeroize();
    match answer {
        Ok((0x9000, _)) => {
            info!("card.verify.ok");
            Ok(ks)
        }
        Ok((sw, _)) => {
            ks.zeroize();
            if sw == 0x6300 || sw & 0xFFF0 == 0x63C0 {
                info!("card.residence.wrong_number");
                Err(CardError::WrongCardNumber)
            } else {
                Err(CardError::UnexpectedStatus {
                    sw,
                    during: "VERIFY of the card number",
                })
            }
        }
        Err(e) => {
            ks.zeroize();
            Err(e)
        }
    }
}

/// One SM READ BINARY of a whole file by short EF identifier. `Ok(None)`: no such file.
fn sm_read<T: Transmit>(
    card: &mut T,
    ks: &sm::Key16,
    sfi: u8,
    first_extended: bool,
    during: &'static str,
) -> Result<Option<Vec<u8>>, CardError> {
    let answer = exchange(card, &sm::read_binary_command(0x80 | sfi, 0), during);
    match answer {
        Ok((0x9000, mut data)) => {
            let plain = sm::unwrap(ks, &data);
            data.zeroize();
            plain.map(Some).map_err(|why| {
                CardError::Malformed(format!(
                    "{during}: the encrypted answer does not open ({why:?})"
                ))
            })
        }
        Ok((0x6A82, _)) => Ok(None),
        Ok((0x6700, _)) if first_extended => Err(CardError::NoExtendedApdus),
        Err(CardError::Transport(_)) if first_extended => Err(CardError::NoExtendedApdus),
        Ok((sw, _)) => Err(CardError::UnexpectedStatus { sw, during }),
        Err(e) => Err(e),
    }
}

/// Read a 在留カード / 特別永住者証明書 whose DF1 the caller has just selected (see
/// [`super::kind::detect`]). `credential` is its card number ([`Credential::card_number`]).
pub fn read<T: Transmit>(
    card: &mut T,
    credential: &Credential,
    options: &ReadOptions,
) -> Result<ResidenceRead, CardError> {
    if credential.key() != Key::CardNumber {
        return Err(CardError::InvalidCredential {
            key: Key::CardNumber,
            reason: "this card opens with the 12-character card number printed on it",
        });
    }
    let kind = card_kind(card)?;
    let mut number = [0u8; sm::CARD_NUMBER_LEN];
    number.copy_from_slice(credential.value().as_bytes());
    let opened = open(card, &number);
    number.zeroize();
    let mut ks = opened?;
    let result = read_opened(card, &ks, kind, options);
    ks.zeroize();
    result
}

fn read_opened<T: Transmit>(
    card: &mut T,
    ks: &sm::Key16,
    kind: CardKind,
    options: &ReadOptions,
) -> Result<ResidenceRead, CardError> {
    expect_ok(
        card,
        &select_by_aid(&RESIDENCE_DF1_AID),
        "SELECT of the 在留カード's DF1",
    )?;
    let data = sm_read(card, ks, 0x07, true, "READ BINARY of DF1 EF03")?;
    let mut read = ResidenceRead {
        kind,
        generation: 1,
        address: None,
        address_date: None,
        birth_date: None,
        sex: None,
        nationality: None,
        stay_expiry: None,
        expired: false,
        verification: Verification::Unverified(Unverified::NotChecked(kind)),
    };
    if let Some(mut raw) = data {
        let parsed = parse_data(&raw, &mut read);
        raw.zeroize();
        parsed?;
        read.generation = 2;
    }
    if let Some(end) = read.stay_expiry {
        read.expired = end < today_jst();
        if read.expired && !options.accept_expired_residence_card {
            info!("card.residence.expired_refused");
            return Err(CardError::ExpiredStay);
        }
    }
    expect_ok(
        card,
        &select_by_aid(&RESIDENCE_DF2_AID),
        "SELECT of the 在留カード's DF2",
    )?;
    let mut back = sm_read(card, ks, 0x01, false, "READ BINARY of DF2 EF01")?.ok_or(
        CardError::UnexpectedStatus {
            sw: 0x6A82,
            during: "READ BINARY of DF2 EF01",
        },
    )?;
    let latest = latest_back_entry(&back);
    back.zeroize();
    if let Some((date, address)) = latest? {
        read.address = Some(address);
        read.address_date = Some(date);
    }
    info!(
        kind = kind.slug(),
        generation = read.generation,
        address_from_back = read.address.is_some(),
        expired = read.expired,
        "card.read.ok"
    );
    Ok(read)
}

/// Walk one-byte-tag TLVs (lengths `< 80`, `81 xx`, `82 hh ll`), stopping at `FF`/`00` filler.
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

/// DF1 EF03 of a second-generation card ([I]): `E1` 生年月日, `E2` 性別, `E3` 国籍・地域,
/// `E4` 在留期間の満了日.
fn parse_data(raw: &[u8], read: &mut ResidenceRead) -> Result<(), CardError> {
    let items =
        tlvs(raw).ok_or_else(|| CardError::Malformed("DF1 EF03: a length does not fit".into()))?;
    for (tag, value) in items {
        match tag {
            0xE1 => {
                read.birth_date = Some(Date::parse_compact(value).ok_or_else(|| {
                    CardError::Malformed("DF1 EF03 生年月日 (E1) is not YYYYMMDD".into())
                })?);
            }
            0xE2 => {
                read.sex = match value {
                    [b'1'] => Some(Sex::Male),
                    [b'2'] => Some(Sex::Female),
                    // 3: a value no form box holds; missing, for the resident to answer.
                    [b'3'] => None,
                    _ => {
                        return Err(CardError::Malformed(
                            "DF1 EF03 性別 (E2) is not 1, 2 or 3".into(),
                        ));
                    }
                };
            }
            0xE3 => {
                let text = std::str::from_utf8(value).map_err(|_| {
                    CardError::Malformed("DF1 EF03 国籍・地域 (E3) is not UTF-8".into())
                })?;
                read.nationality = Some(text.trim_end().to_owned());
            }
            0xE4 => {
                read.stay_expiry = Some(Date::parse_compact(value).ok_or_else(|| {
                    CardError::Malformed("DF1 EF03 在留期間 (E4) is not YYYYMMDD".into())
                })?);
            }
            _ => {}
        }
    }
    Ok(())
}

/// The newest (追記日, 住居地) of DF2 EF01, or `None` when the back was never written.
fn latest_back_entry(raw: &[u8]) -> Result<Option<(Date, String)>, CardError> {
    let items =
        tlvs(raw).ok_or_else(|| CardError::Malformed("DF2 EF01: a length does not fit".into()))?;
    let mut latest: Option<(Date, String)> = None;
    let mut date: Option<Option<Date>> = None;
    for (tag, value) in items {
        match tag {
            0xD2 => {
                date = Some(
                    if value.is_empty() || value.iter().all(|b| *b == b' ' || *b == 0) {
                        None
                    } else {
                        Some(Date::parse_compact(value).ok_or_else(|| {
                            CardError::Malformed("DF2 EF01 追記日 (D2) is not YYYYMMDD".into())
                        })?)
                    },
                );
            }
            0xD4 => {
                let text = std::str::from_utf8(value)
                    .map_err(|_| CardError::Malformed("DF2 EF01 住居地 (D4) is not UTF-8".into()))?
                    .trim_end_matches(['\u{3000}', ' ', '\0']);
                if text.is_empty() {
                    continue;
                }
                let Some(Some(d)) = date.take() else {
                    return Err(CardError::Malformed(
                        "DF2 EF01: a 住居地 (D4) without its 追記日 (D2)".into(),
                    ));
                };
                if latest.as_ref().is_none_or(|(l, _)| d >= *l) {
                    if let Some((_, mut old)) = latest.take() {
                        old.zeroize();
                    }
                    latest = Some((d, text.to_owned()));
                }
            }
            _ => {}
        }
    }
    Ok(latest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_back_entry_wins_and_an_empty_back_gives_none() {
        let mut raw = Vec::new();
        for (d, a) in [
            ("20260511", "新"),
            ("20240101", "旧"),
            ("20260511", "同日後"),
        ] {
            raw.extend([0xD2, 8]);
            raw.extend(d.as_bytes());
            raw.extend([0xD3, 6]);
            raw.extend(b"232068");
            raw.push(0xD4);
            raw.push(a.len() as u8);
            raw.extend(a.as_bytes());
        }
        let (date, address) = latest_back_entry(&raw).unwrap().unwrap();
        assert_eq!(
            (date, address.as_str()),
            (Date::new(2026, 5, 11).unwrap(), "同日後")
        );
        assert!(
            latest_back_entry(&[0xD2, 0, 0xD3, 0, 0xD4, 0])
                .unwrap()
                .is_none()
        );
        assert!(latest_back_entry(&[]).unwrap().is_none());
    }

    #[test]
    fn malformed_fields_are_named_not_quoted() {
        let raw = [0xD2, 8, b'2', b'0', b'2', b'6', b'1', b'3', b'4', b'0'];
        let err = latest_back_entry(&raw).unwrap_err().to_string();
        assert!(err.contains("D2") && !err.contains("2026"), "{err}");
    }
}
