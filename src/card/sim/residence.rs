//! A simulated 在留カード / 特別永住者証明書: its profile (`kind = "residence-card"` or
//! `"special-permanent-resident"` in `fixtures/cards/`) and the chip answering APDUs as
//! 在留カード等仕様書 describes the real one (OTHER-CARDS.md), secure messaging included.
//!
//! What a reader can observe is reproduced: the MF with EF01 (`C0` version) and EF02 (`C1`
//! kind) free to read; GET CHALLENGE, MUTUAL AUTHENTICATE keyed by the card number (a wrong
//! number fails the MAC: `63 00`, **not counted** — the specification has no counter, so the
//! chip never locks); VERIFY of the card number under secure messaging (`63 00` when wrong);
//! then encrypted READ BINARY by short EF identifier, in the extended form only. DF1 EF01 (the
//! face image), DF1 EF02 (the photo), DF2 EF01 (住居地 written on the back), DF3 (signature).
//! The simulator counts every read of the photo and of the face image, so a test can prove the
//! kiosk never asks for the photo.
//!
//! Two things are the simulator's own, not the specification's ([I] in OTHER-CARDS.md):
//! - the second-generation card's data (birth date, sex, nationality, the end of the period of
//!   stay) is served in DF1 EF03 (short EF `87`) as tags `E1`–`E4` (see [`data_file`]); no
//!   public source the kiosk could read gives that layout, so `card::residence` and this file
//!   are the two places to correct against a real card;
//! - DF1 EF01 holds no drawn face: its `D0` is zeros of a real image's size (the OCR path that
//!   would need a drawn face is not built yet).
//!
//! A fault makes it a reader without extended APDUs (`short_apdus_only`): every extended
//! command is answered `67 00`, which is what such a reader's driver makes of them.

use std::fmt;
use std::path::Path;

use rand::RngCore;
use serde::Deserialize;
use zeroize::Zeroize;

use crate::card::basic_four::{BasicFour, Date, Sex};
use crate::card::kind::{CardKind, RESIDENCE_DF1_AID};
use crate::card::secure_messaging as sm;

use super::profile::ProfileError;
use super::vpcd::VirtualCard;

/// DF2 (追記欄: the address written on the back): `D3 92 F0 00 4F 03` and ten zeros.
pub const RESIDENCE_DF2_AID: [u8; 16] = [
    0xD3, 0x92, 0xF0, 0x00, 0x4F, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];
/// DF3 (the integrity signature): `D3 92 F0 00 4F 04` and ten zeros.
pub const RESIDENCE_DF3_AID: [u8; 16] = [
    0xD3, 0x92, 0xF0, 0x00, 0x4F, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];
/// A contactless (Type B) card's ATR as a PC/SC reader builds it. Never used to identify it.
pub const ATR_RESIDENCE: [u8; 13] = [
    0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,
];
/// The size of a real face image (OTHER-CARDS.md: about 7,000 bytes).
pub const FACE_IMAGE_SIZE: usize = 7000;

/// One address written on the back of the card (DF2).
pub struct BackEntry {
    /// 追記日.
    pub date: Date,
    /// 住居地.
    pub address: String,
}

impl Drop for BackEntry {
    fn drop(&mut self) {
        self.address.zeroize();
    }
}

/// A 在留カード or 特別永住者証明書 profile, validated.
pub struct ResidenceProfile {
    /// The file it came from.
    pub origin: String,
    /// Which of the two cards.
    pub kind: CardKind,
    /// The 12-character card number printed on the card.
    pub card_number: String,
    /// 氏名 as printed on the face (Latin capitals, or kanji).
    pub name: String,
    /// 生年月日.
    pub birth_date: Date,
    /// 性別.
    pub sex: Sex,
    /// 国籍・地域.
    pub nationality: String,
    /// 住居地 printed on the face.
    pub address: String,
    /// The end of the period of stay (在留期間の満了日); `None` for 永住者 and 特別永住者.
    pub expiry: Option<Date>,
    /// 1, or 2: birth date, sex, nationality and the period also as data.
    pub generation: u8,
    /// DF2, oldest first: the latest is the current 住居地.
    pub back: Vec<BackEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    date: String,
    address: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResidenceFile {
    kind: String,
    card_number: String,
    name: String,
    birth_date: String,
    sex: u8,
    nationality: String,
    address: String,
    expiry: Option<String>,
    generation: Option<u8>,
    #[serde(default)]
    address_change: Vec<EntryFile>,
    #[allow(dead_code)]
    note: Option<String>,
}

/// Whether a text has the shape of a card number: 12 of `A`–`Z` and `0`–`9`.
pub fn is_card_number(text: &str) -> bool {
    text.len() == sm::CARD_NUMBER_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

impl ResidenceProfile {
    /// Check a profile given as text; `origin` names it in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ProfileError> {
        let err = |message: String| ProfileError {
            file: origin.to_owned(),
            message,
        };
        let file: ResidenceFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let kind = match file.kind.as_str() {
            "residence-card" => CardKind::ResidenceCard,
            "special-permanent-resident" => CardKind::SpecialPermanentResident,
            _ => {
                return Err(err(
                    "kind: must be \"residence-card\" or \"special-permanent-resident\"".into(),
                ));
            }
        };
        let date = |value: &str, field: &str| {
            Date::parse_iso(value)
                .ok_or_else(|| err(format!("{field}: not a calendar date in YYYY-MM-DD")))
        };
        if !is_card_number(&file.card_number) {
            return Err(err(
                "card_number: must be 12 capital letters and digits (as printed)".into(),
            ));
        }
        let birth_date = date(&file.birth_date, "birth_date")?;
        if !BasicFour::plausible_birth_date(birth_date, crate::card::basic_four::today_jst()) {
            return Err(err("birth_date: before 明治 or after today".into()));
        }
        let sex = match file.sex {
            1 => Sex::Male,
            2 => Sex::Female,
            _ => return Err(err("sex: must be 1 (male) or 2 (female)".into())),
        };
        let expiry = file
            .expiry
            .as_deref()
            .map(|e| date(e, "expiry"))
            .transpose()?;
        if kind == CardKind::SpecialPermanentResident && expiry.is_some() {
            return Err(err(
                "expiry: a 特別永住者 has no period of stay (leave it out)".into(),
            ));
        }
        let generation = file.generation.unwrap_or(1);
        if !(1..=2).contains(&generation) {
            return Err(err("generation: must be 1 or 2".into()));
        }
        if file.name.is_empty() || file.address.is_empty() || file.nationality.is_empty() {
            return Err(err("name, nationality and address must not be empty".into()));
        }
        let mut back = Vec::new();
        for (i, c) in file.address_change.iter().enumerate() {
            if c.address.is_empty() || c.address.len() > 320 {
                return Err(err(format!(
                    "address_change[{i}].address: 1 to 320 bytes of UTF-8"
                )));
            }
            back.push(BackEntry {
                date: date(&c.date, &format!("address_change[{i}].date"))?,
                address: c.address.clone(),
            });
        }
        Ok(ResidenceProfile {
            origin: origin.to_owned(),
            kind,
            card_number: file.card_number,
            name: file.name,
            birth_date,
            sex,
            nationality: file.nationality,
            address: file.address,
            expiry,
            generation,
            back,
        })
    }

    /// Read and check a profile file.
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let text = super::profile::read_profile_text(path)?;
        Self::parse(&text, &path.display().to_string())
    }

    /// The 住居地 a correct read gives: the latest entry on the back, or none (the face's
    /// address is only in the face image).
    pub fn expected_address(&self) -> Option<&str> {
        self.back.last().map(|e| e.address.as_str())
    }
}

impl Drop for ResidenceProfile {
    fn drop(&mut self) {
        self.card_number.zeroize();
        self.name.zeroize();
        self.nationality.zeroize();
        self.address.zeroize();
    }
}

impl fmt::Debug for ResidenceProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidenceProfile({}, <redacted>)", self.origin)
    }
}

/// One-byte tag, length `< 80`, `81 xx` or `82 hh ll`.
fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match value.len() {
        n @ 0..=0x7F => out.push(n as u8),
        n @ 0x80..=0xFF => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(value);
    out
}

/// DF2 EF01: `D2` 追記日, `D3` 市町村コード, `D4` 住居地 for each entry, oldest first. A card
/// whose back was never written has the three tags empty.
pub fn back_file(p: &ResidenceProfile) -> Vec<u8> {
    let mut out = Vec::new();
    if p.back.is_empty() {
        out.extend(tlv(0xD2, b""));
        out.extend(tlv(0xD3, b""));
        out.extend(tlv(0xD4, b""));
    }
    for e in &p.back {
        out.extend(tlv(0xD2, e.date.compact().as_bytes()));
        // A made-up 全国地方公共団体コード (春日井市).
        out.extend(tlv(0xD3, b"232068"));
        out.extend(tlv(0xD4, e.address.as_bytes()));
    }
    out
}

/// DF1 EF03 of a second-generation card, the simulator's layout ([I]): `E1` 生年月日
/// (YYYYMMDD), `E2` 性別 (`1`/`2`), `E3` 国籍・地域 (UTF-8), `E4` 在留期間の満了日 (YYYYMMDD;
/// absent when the stay has no end).
pub fn data_file(p: &ResidenceProfile) -> Vec<u8> {
    let mut out = tlv(0xE1, p.birth_date.compact().as_bytes());
    out.extend(tlv(0xE2, &[p.sex.digit() as u8]));
    out.extend(tlv(0xE3, p.nationality.as_bytes()));
    if let Some(e) = p.expiry {
        out.extend(tlv(0xE4, e.compact().as_bytes()));
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Df {
    Mf,
    Df1,
    Df2,
    Df3,
}

/// Where the secure-messaging handshake stands.
enum Auth {
    /// Nothing yet, or a failed step.
    None,
    /// GET CHALLENGE answered with this RND.ICC.
    Challenged([u8; 8]),
    /// Mutual authentication done: the session key; VERIFY still to come.
    Authenticated(sm::Key16),
    /// The card number verified: reads are open.
    Open(sm::Key16),
}

impl Drop for Auth {
    fn drop(&mut self) {
        if let Auth::Authenticated(k) | Auth::Open(k) = self {
            k.zeroize();
        }
    }
}

/// The simulated 在留カード / 特別永住者証明書.
pub struct SimResidence {
    card_number: [u8; sm::CARD_NUMBER_LEN],
    kenc: sm::Key16,
    mf: Vec<(u8, Vec<u8>)>,
    df1: Vec<(u8, Vec<u8>)>,
    df2: Vec<(u8, Vec<u8>)>,
    df3: Vec<(u8, Vec<u8>)>,
    df: Df,
    auth: Auth,
    /// Answer every extended APDU with `67 00`, like a reader that passes none.
    pub short_apdus_only: bool,
    /// Every command APDU answered.
    pub apdus: usize,
    /// Failed card-number checks (MUTUAL AUTHENTICATE or VERIFY); the card itself keeps no
    /// count, this is for tests.
    pub wrong_numbers: usize,
    /// Reads of DF1 EF02 (the photo): a test asserts it stays 0.
    pub photo_reads: usize,
    /// Reads of DF1 EF01 (the face image).
    pub face_reads: usize,
}

impl fmt::Debug for SimResidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SimResidence(<redacted>)")
    }
}

impl Drop for SimResidence {
    fn drop(&mut self) {
        self.card_number.zeroize();
        self.kenc.zeroize();
        for (_, file) in self
            .mf
            .iter_mut()
            .chain(self.df1.iter_mut())
            .chain(self.df2.iter_mut())
        {
            file.zeroize();
        }
    }
}

const OK: [u8; 2] = [0x90, 0x00];
const WRONG: [u8; 2] = [0x63, 0x00];

impl SimResidence {
    /// Build the card's files from a profile.
    pub fn new(p: &ResidenceProfile) -> Self {
        let mut card_number = [0u8; sm::CARD_NUMBER_LEN];
        card_number.copy_from_slice(p.card_number.as_bytes());
        let which = if p.kind == CardKind::SpecialPermanentResident {
            b"2"
        } else {
            b"1"
        };
        let mut df1 = vec![
            (0x05, tlv(0xD0, &vec![0u8; FACE_IMAGE_SIZE])),
            // The photo: never read by the kiosk; a few bytes of a JPEG 2000 signature.
            (
                0x06,
                tlv(0xD1, &[0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]),
            ),
        ];
        if p.generation == 2 {
            df1.push((0x07, data_file(p)));
        }
        let mut signature = tlv(0xDA, &[0u8; 256]);
        signature.extend(tlv(0xDB, b"(no certificate: the simulator signs nothing)"));
        SimResidence {
            kenc: sm::access_key(&card_number),
            card_number,
            mf: vec![(0x0B, tlv(0xC0, b"1.50")), (0x0A, tlv(0xC1, which))],
            df1,
            df2: vec![(0x01, back_file(p))],
            df3: vec![(0x02, signature)],
            df: Df::Mf,
            auth: Auth::None,
            short_apdus_only: false,
            apdus: 0,
            wrong_numbers: 0,
            photo_reads: 0,
            face_reads: 0,
        }
    }

    /// Answer one command APDU.
    pub fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.apdus += 1;
        let [cla, ins, p1, p2, body @ ..] = apdu else {
            return vec![0x67, 0x00];
        };
        // Extended form: `00 Lc-hi Lc-lo data… Le-hi Le-lo`.
        let extended = matches!(body, [0x00, _, _, ..]) && body.len() >= 3;
        if extended && self.short_apdus_only {
            return vec![0x67, 0x00];
        }
        match (cla, ins) {
            (0x00, 0xA4) => self.select(*p1, short_data(body)).to_vec(),
            (0x00, 0xB0) => self.plain_read(*p1),
            (0x00, 0x84) if body == [0x08] => {
                let mut rnd = [0u8; 8];
                rand::thread_rng().fill_bytes(&mut rnd);
                self.auth = Auth::Challenged(rnd);
                let mut out = rnd.to_vec();
                out.extend(OK);
                out
            }
            (0x00, 0x82) => self.mutual_authenticate(body),
            (0x08, 0x20) if *p2 == 0x86 => self.verify(short_data(body)).to_vec(),
            (0x08, 0xB0) if extended => self.sm_read(*p1, body),
            (0x00 | 0x08, _) => vec![0x6D, 0x00],
            _ => vec![0x6E, 0x00],
        }
    }

    fn select(&mut self, p1: u8, data: &[u8]) -> [u8; 2] {
        self.df = match (p1, data) {
            (0x00, [0x3F, 0x00] | []) => Df::Mf,
            (0x04, aid) if aid == RESIDENCE_DF1_AID => Df::Df1,
            (0x04, aid) if aid == RESIDENCE_DF2_AID => Df::Df2,
            (0x04, aid) if aid == RESIDENCE_DF3_AID => Df::Df3,
            (0x04, _) => return [0x6A, 0x82],
            _ => return [0x6A, 0x86],
        };
        OK
    }

    fn files(&self) -> &[(u8, Vec<u8>)] {
        match self.df {
            Df::Mf => &self.mf,
            Df::Df1 => &self.df1,
            Df::Df2 => &self.df2,
            Df::Df3 => &self.df3,
        }
    }

    /// READ BINARY in the clear: only the MF's two files are free.
    fn plain_read(&mut self, p1: u8) -> Vec<u8> {
        if self.df != Df::Mf {
            return vec![0x69, 0x82];
        }
        match self.mf.iter().find(|(sfi, _)| p1 == 0x80 | sfi) {
            Some((_, file)) => {
                let mut out = file.clone();
                out.extend(OK);
                out
            }
            None => vec![0x6A, 0x82],
        }
    }

    fn mutual_authenticate(&mut self, body: &[u8]) -> Vec<u8> {
        let Auth::Challenged(rnd_icc) = self.auth else {
            return vec![0x69, 0x85];
        };
        let [0x28, data @ .., 0x00] = body else {
            return vec![0x67, 0x00];
        };
        let Some((rnd_ifd, mut k_ifd)) = sm::check_ifd_data(&self.kenc, data, &rnd_icc) else {
            self.auth = Auth::None;
            self.wrong_numbers += 1;
            return WRONG.to_vec();
        };
        let mut k_icc = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut k_icc);
        let mut out = sm::icc_answer(&self.kenc, &rnd_icc, &rnd_ifd, &k_icc).to_vec();
        self.auth = Auth::Authenticated(sm::session_key(&k_ifd, &k_icc));
        k_ifd.zeroize();
        k_icc.zeroize();
        out.extend(OK);
        out
    }

    fn verify(&mut self, data: &[u8]) -> [u8; 2] {
        let Auth::Authenticated(ks) = self.auth else {
            return [0x69, 0x82];
        };
        match sm::unwrap(&ks, data) {
            Ok(mut number) => {
                let right = number == self.card_number;
                number.zeroize();
                if right {
                    self.auth = Auth::Open(ks);
                    OK
                } else {
                    self.wrong_numbers += 1;
                    WRONG
                }
            }
            Err(_) => [0x69, 0x88],
        }
    }

    fn sm_read(&mut self, p1: u8, body: &[u8]) -> Vec<u8> {
        let Auth::Open(ks) = self.auth else {
            return vec![0x69, 0x82];
        };
        // 00 00 04 96 02 Le-hi Le-lo 00 00
        let [0x00, 0x00, 0x04, 0x96, 0x02, hi, lo, 0x00, 0x00] = body else {
            return vec![0x67, 0x00];
        };
        if p1 & 0x80 == 0 {
            return vec![0x6A, 0x86];
        }
        let sfi = p1 & 0x1F;
        if self.df == Df::Df1 && sfi == 0x06 {
            self.photo_reads += 1;
        }
        if self.df == Df::Df1 && sfi == 0x05 {
            self.face_reads += 1;
        }
        let Some((_, file)) = self.files().iter().find(|(s, _)| *s == sfi) else {
            return vec![0x6A, 0x82];
        };
        let le = usize::from(u16::from_be_bytes([*hi, *lo]));
        let take = if le == 0 {
            file.len()
        } else {
            le.min(file.len())
        };
        let mut out = sm::wrap(&ks, &file[..take]);
        out.extend(OK);
        out
    }
}

/// The data of a short APDU (`Lc data`), or nothing.
fn short_data(body: &[u8]) -> &[u8] {
    match body {
        [lc, rest @ ..] if *lc != 0 && rest.len() >= usize::from(*lc) => &rest[..usize::from(*lc)],
        _ => &[],
    }
}

impl VirtualCard for SimResidence {
    fn atr(&self) -> &[u8] {
        &ATR_RESIDENCE
    }
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        SimResidence::process(self, apdu)
    }
    fn power_off(&mut self) {
        self.df = Df::Mf;
        self.auth = Auth::None;
    }
}

impl myna_card::Transmit for SimResidence {
    fn transmit(&mut self, command: &[u8]) -> myna_card::Result<Vec<u8>> {
        Ok(self.process(command))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: &str = r#"
kind = "residence-card"
card_number = "UD48213597VN"
name = "NGUYEN THI LAN"
birth_date = "1997-08-19"
sex = 2
nationality = "ベトナム"
address = "愛知県春日井市鳥居松町５丁目４４番地"
expiry = "2029-08-19"
generation = 2
[[address_change]]
date = "2026-05-11"
address = "愛知県春日井市中央通１丁目８８番地"
"#;

    #[test]
    fn the_profile_parses_and_files_are_as_documented() {
        let p = ResidenceProfile::parse(PROFILE, "test").unwrap();
        assert_eq!(p.kind, CardKind::ResidenceCard);
        let back = back_file(&p);
        assert_eq!(&back[..10], b"\xD2\x0820260511");
        assert_eq!(&back[10..18], b"\xD3\x06232068");
        assert_eq!(back[18], 0xD4);
        let data = data_file(&p);
        assert_eq!(&data[..10], b"\xE1\x0819970819");
        assert_eq!(&data[10..13], b"\xE2\x012");
    }

    #[test]
    fn bad_profiles_name_the_field_not_the_value() {
        let bad = PROFILE.replace("UD48213597VN", "ud4821359");
        let err = ResidenceProfile::parse(&bad, "test")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("card_number") && !err.contains("ud48"),
            "{err}"
        );
        let spr = PROFILE.replace("\"residence-card\"", "\"special-permanent-resident\"");
        let err = ResidenceProfile::parse(&spr, "test")
            .unwrap_err()
            .to_string();
        assert!(err.contains("expiry"), "{err}");
    }

    #[test]
    fn nothing_is_read_before_the_card_number_and_a_wrong_one_is_not_counted_by_the_card() {
        let p = ResidenceProfile::parse(PROFILE, "test").unwrap();
        let mut card = SimResidence::new(&p);
        assert_eq!(card.process(&[0x00, 0xA4, 0x04, 0x0C, 0x10]), [0x6A, 0x82]);
        let mut select = vec![0x00, 0xA4, 0x04, 0x0C, 0x10];
        select.extend(RESIDENCE_DF2_AID);
        assert_eq!(card.process(&select), OK);
        assert_eq!(
            card.process(&sm::read_binary_command(0x81, 0)),
            [0x69, 0x82]
        );
        // A hundred wrong numbers: each answered 63 00, and the right one still works.
        for _ in 0..100 {
            let rnd: [u8; 8] = card.process(&[0x00, 0x84, 0x00, 0x00, 0x08])[..8]
                .try_into()
                .unwrap();
            let kenc = sm::access_key(b"UD48213597VM");
            let mut apdu = vec![0x00, 0x82, 0x00, 0x00, 0x28];
            apdu.extend(sm::ifd_authenticate(&kenc, &[1; 8], &rnd, &[2; 16]));
            apdu.push(0x00);
            assert_eq!(card.process(&apdu), WRONG);
        }
        assert_eq!(card.wrong_numbers, 100);
    }
}
