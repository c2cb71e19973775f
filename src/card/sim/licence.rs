//! A simulated 運転免許証: its profile (`kind = "drivers-licence"` in `fixtures/cards/`) and
//! the card answering APDUs as OTHER-CARDS.md describes the real one.
//!
//! What a reader can observe is reproduced: the MF with EF 2F01 (共通データ要素) and EF 000A
//! (PIN設定) free to read; PIN1 and PIN2 (4 ASCII digits, 3 tries, `63Cx` without data and after
//! a wrong PIN, blocked at 0); a licence with no PIN set takes `****`; DF1 with EF 0001 (記載事項,
//! PIN1, padded to the ~880 bytes of a real card), EF 0002 (本籍, PIN1 + PIN2) and EF 0004
//! (記載事項変更等, PIN1); DF2 (the photo, PIN1 + PIN2). Verification survives selecting DF1
//! and is gone at power-off. The simulator counts every selection of 本籍 and of DF2, so a test
//! can prove the kiosk never asks for them.

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use zeroize::Zeroize;

use crate::card::basic_four::{BasicFour, Date};
use crate::card::jis;
use crate::card::kind::LICENCE_DF1_AID;

use super::profile::ProfileError;
use super::vpcd::VirtualCard;

/// DF2 (the photo): `A0 00 00 02 31 02` and ten zero bytes.
pub const LICENCE_DF2_AID: [u8; 16] = [
    0xA0, 0x00, 0x00, 0x02, 0x31, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];
/// A contactless (Type B) card's ATR as a PC/SC reader builds it. Never used to identify it.
pub const ATR_LICENCE: [u8; 13] = [
    0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,
];
/// The size a real licence's EF 0001 has (OTHER-CARDS.md: about 880 bytes).
pub const MATTERS_SIZE: usize = 880;
/// PIN tries of a fresh licence.
pub const LICENCE_PIN_TRIES: u8 = 3;

/// One address change written on the card by the police.
pub struct AddressChange {
    /// The day of the change.
    pub date: Date,
    /// The new address.
    pub address: String,
}

impl Drop for AddressChange {
    fn drop(&mut self) {
        self.address.zeroize();
    }
}

/// A licence profile, validated.
pub struct LicenceProfile {
    /// The file it came from.
    pub origin: String,
    /// 氏名 (U+3000 between 氏 and 名). A character outside JIS X 0208 becomes a 外字.
    pub name: String,
    /// 呼び名 (kana).
    pub kana: String,
    /// 住所 at issue (tag 17).
    pub address: String,
    /// 生年月日.
    pub birth_date: Date,
    /// PIN1; `None`: no PIN set.
    pub pin1: Option<String>,
    /// PIN2.
    pub pin2: Option<String>,
    /// PIN1's tries when the card is made (0 = blocked).
    pub pin1_tries_left: u8,
    /// 有効期限.
    pub expiry: Date,
    /// EF 0004, oldest first.
    pub address_changes: Vec<AddressChange>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeFile {
    date: String,
    address: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LicenceFile {
    #[allow(dead_code)]
    kind: String,
    name: String,
    kana: String,
    address: String,
    birth_date: String,
    pin1: Option<String>,
    pin2: Option<String>,
    pin1_tries_left: Option<u8>,
    expiry: String,
    #[serde(default)]
    address_change: Vec<ChangeFile>,
    #[allow(dead_code)]
    note: Option<String>,
}

fn four_digits(pin: &Option<String>) -> bool {
    pin.as_ref()
        .is_none_or(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_digit()))
}

impl LicenceProfile {
    /// Check a licence profile given as text; `origin` names it in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ProfileError> {
        let err = |message: String| ProfileError {
            file: origin.to_owned(),
            message,
        };
        let file: LicenceFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let date = |value: &str, field: &str| {
            Date::parse_iso(value)
                .ok_or_else(|| err(format!("{field}: not a calendar date in YYYY-MM-DD")))
        };
        let birth_date = date(&file.birth_date, "birth_date")?;
        if !BasicFour::plausible_birth_date(birth_date, crate::card::basic_four::today_jst()) {
            return Err(err("birth_date: before 明治 or after today".into()));
        }
        let expiry = date(&file.expiry, "expiry")?;
        if !four_digits(&file.pin1) || !four_digits(&file.pin2) {
            return Err(err("pin1/pin2: must be 4 digits".into()));
        }
        if file.pin1.is_some() != file.pin2.is_some() {
            return Err(err(
                "pin1/pin2: a licence has both PINs or none (EF 000A is one setting)".into(),
            ));
        }
        let pin1_tries_left = file.pin1_tries_left.unwrap_or(LICENCE_PIN_TRIES);
        if pin1_tries_left > LICENCE_PIN_TRIES {
            return Err(err(format!("pin1_tries_left: at most {LICENCE_PIN_TRIES}")));
        }
        if file.name.is_empty() || file.address.is_empty() || file.kana.is_empty() {
            return Err(err("name, kana and address must not be empty".into()));
        }
        let mut address_changes = Vec::new();
        for (i, c) in file.address_change.iter().enumerate() {
            let field = format!("address_change[{i}].date");
            address_changes.push(AddressChange {
                date: date(&c.date, &field)?,
                address: c.address.clone(),
            });
        }
        Ok(LicenceProfile {
            origin: origin.to_owned(),
            name: file.name,
            kana: file.kana,
            address: file.address,
            birth_date,
            pin1: file.pin1,
            pin2: file.pin2,
            pin1_tries_left,
            expiry,
            address_changes,
        })
    }

    /// Read and check a profile file.
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let text = super::profile::read_profile_text(path)?;
        Self::parse(&text, &path.display().to_string())
    }

    /// The address a correct read gives: the latest change, else the one at issue.
    pub fn current_address(&self) -> &str {
        self.address_changes
            .last()
            .map_or(self.address.as_str(), |c| c.address.as_str())
    }

    /// How many 外字 a correct read shows (name and current address).
    pub fn expected_gaiji(&self) -> usize {
        jis::encode(&self.name).1 + jis::encode(self.current_address()).1
    }

    /// 氏名 as a correct read gives it: a 外字 shows as 〓.
    pub fn expected_name(&self) -> String {
        let (bytes, _) = jis::encode(&self.name);
        jis::decode(&bytes).map(|d| d.text).unwrap_or_default()
    }

    /// The current address as a correct read gives it.
    pub fn expected_address(&self) -> String {
        let (bytes, _) = jis::encode(self.current_address());
        jis::decode(&bytes).map(|d| d.text).unwrap_or_default()
    }
}

impl Drop for LicenceProfile {
    fn drop(&mut self) {
        self.name.zeroize();
        self.kana.zeroize();
        self.address.zeroize();
        if let Some(p) = &mut self.pin1 {
            p.zeroize();
        }
        if let Some(p) = &mut self.pin2 {
            p.zeroize();
        }
    }
}

impl fmt::Debug for LicenceProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LicenceProfile({}, <redacted>)", self.origin)
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

fn era(date: Date) -> Vec<u8> {
    jis::era_date(date).map_or_else(|| b"0000000".to_vec(), |d| d.to_vec())
}

/// EF 2F01: `45 0B` "008" + issue date + expiry (BCD), `46 02` maker ids.
pub fn common_file(p: &LicenceProfile) -> Vec<u8> {
    let issue = Date::new(p.expiry.year().saturating_sub(5).max(1), 1, 1).unwrap_or(p.expiry);
    let mut value = b"008".to_vec();
    value.extend(jis::bcd_date(issue));
    value.extend(jis::bcd_date(p.expiry));
    let mut out = tlv(0x45, &value);
    out.extend(tlv(0x46, &[0x00, 0x00]));
    out
}

/// EF 0001: the 記載事項 TLVs, padded with `FF` to [`MATTERS_SIZE`].
pub fn matters_file(p: &LicenceProfile) -> Vec<u8> {
    let mut out = tlv(0x11, b"002");
    out.extend(tlv(0x12, &jis::encode(&p.name).0));
    out.extend(tlv(0x13, &jis::encode(&p.kana).0));
    out.extend(tlv(0x16, &era(p.birth_date)));
    out.extend(tlv(0x17, &jis::encode(&p.address).0));
    out.extend(tlv(0x18, &era(p.expiry)));
    out.extend(tlv(0x1B, &era(p.expiry)));
    out.extend(tlv(0x20, &jis::encode("東京都公安委員会").0));
    // A made-up licence number: the kiosk must step over it, never keep it.
    out.extend(tlv(0x21, b"309912345670"));
    if out.len() < MATTERS_SIZE {
        out.resize(MATTERS_SIZE, 0xFF);
    }
    out
}

/// EF 0004 in the layout `licence.rs` documents: `50 01 nn`, then a `51` per change with `52`
/// (era date) and `53` (the new address).
pub fn changes_file(p: &LicenceProfile) -> Vec<u8> {
    let mut out = tlv(0x50, &[u8::from(!p.address_changes.is_empty())]);
    for c in &p.address_changes {
        let mut record = tlv(0x52, &era(c.date));
        record.extend(tlv(0x53, &jis::encode(&c.address).0));
        record.extend(tlv(0x54, &jis::encode("東京都公安委員会").0));
        out.extend(tlv(0x51, &record));
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Df {
    Mf,
    Df1,
    Df2,
}

struct Pin {
    value: Vec<u8>,
    tries: u8,
    verified: bool,
}

impl Drop for Pin {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

/// The simulated licence.
pub struct SimLicence {
    pin_set: bool,
    pins: [Pin; 2],
    mf: Vec<(u16, Vec<u8>)>,
    df1: Vec<(u16, Vec<u8>)>,
    df: Df,
    ef: Option<u16>,
    /// Every command APDU answered.
    pub apdus: usize,
    /// Selections of DF1 EF 0002 (本籍): a test asserts it stays 0.
    pub domicile_selections: usize,
    /// Selections of DF2 (the photo): a test asserts it stays 0.
    pub photo_selections: usize,
}

impl fmt::Debug for SimLicence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SimLicence(<redacted>)")
    }
}

impl Drop for SimLicence {
    fn drop(&mut self) {
        for (_, file) in self.mf.iter_mut().chain(self.df1.iter_mut()) {
            file.zeroize();
        }
    }
}

const OK: [u8; 2] = [0x90, 0x00];

impl SimLicence {
    /// Build the card's files from a profile.
    pub fn new(p: &LicenceProfile) -> Self {
        let pin_set = p.pin1.is_some();
        let pin = |v: &Option<String>, tries| Pin {
            value: v.as_deref().unwrap_or("****").as_bytes().to_vec(),
            tries,
            verified: false,
        };
        let domicile = jis::encode("本籍　シミュレーター").0;
        SimLicence {
            pin_set,
            pins: [
                pin(&p.pin1, p.pin1_tries_left),
                pin(&p.pin2, LICENCE_PIN_TRIES),
            ],
            mf: vec![
                (0x2F01, common_file(p)),
                (0x000A, vec![0x05, 0x01, u8::from(pin_set)]),
            ],
            df1: vec![
                (0x0001, matters_file(p)),
                (0x0002, tlv(0x31, &domicile)),
                (0x0004, changes_file(p)),
            ],
            df: Df::Mf,
            ef: None,
            apdus: 0,
            domicile_selections: 0,
            photo_selections: 0,
        }
    }

    /// PIN1's tries left.
    pub fn pin1_tries(&self) -> u8 {
        self.pins[0].tries
    }

    /// Answer one command APDU (short APDUs only).
    pub fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.apdus += 1;
        let [cla, ins, p1, p2, body @ ..] = apdu else {
            return vec![0x67, 0x00];
        };
        if *cla != 0x00 {
            return vec![0x6E, 0x00];
        }
        let (data, le): (&[u8], Option<usize>) = match body {
            [] => (&[], None),
            [le] => (&[], Some(if *le == 0 { 256 } else { usize::from(*le) })),
            [lc, rest @ ..] if *lc != 0 && rest.len() == usize::from(*lc) => (rest, None),
            _ => return vec![0x67, 0x00],
        };
        match ins {
            0xA4 => self.select(*p1, data).to_vec(),
            0x20 => self.verify(*p2, data).to_vec(),
            0xB0 => self.read_binary(*p1, *p2, le),
            _ => vec![0x6D, 0x00],
        }
    }

    fn select(&mut self, p1: u8, data: &[u8]) -> [u8; 2] {
        match p1 {
            0x00 if data == [0x3F, 0x00] || data.is_empty() => {
                self.df = Df::Mf;
                self.ef = None;
                OK
            }
            0x04 if data == LICENCE_DF1_AID => {
                self.df = Df::Df1;
                self.ef = None;
                OK
            }
            0x04 if data == LICENCE_DF2_AID => {
                self.photo_selections += 1;
                self.df = Df::Df2;
                self.ef = None;
                OK
            }
            0x04 => [0x6A, 0x82],
            0x02 if data.len() == 2 => {
                let id = u16::from_be_bytes([data[0], data[1]]);
                let found = match self.df {
                    Df::Mf => self.mf.iter().any(|(i, _)| *i == id),
                    Df::Df1 => self.df1.iter().any(|(i, _)| *i == id),
                    Df::Df2 => false,
                };
                if !found {
                    return [0x6A, 0x82];
                }
                if self.df == Df::Df1 && id == 0x0002 {
                    self.domicile_selections += 1;
                }
                self.ef = Some(id);
                OK
            }
            _ => [0x6A, 0x86],
        }
    }

    fn verify(&mut self, p2: u8, data: &[u8]) -> [u8; 2] {
        let pin = match p2 {
            0x81 => &mut self.pins[0],
            0x82 => &mut self.pins[1],
            _ => return [0x6A, 0x86],
        };
        if data.is_empty() {
            return [0x63, 0xC0 | pin.tries];
        }
        if pin.tries == 0 {
            return [0x69, 0x84];
        }
        if data == pin.value.as_slice() {
            pin.tries = LICENCE_PIN_TRIES;
            pin.verified = true;
            OK
        } else if !self.pin_set {
            // No PIN set: only **** opens it, and nothing is counted.
            [0x63, 0xC0 | pin.tries]
        } else {
            pin.tries -= 1;
            pin.verified = false;
            [0x63, 0xC0 | pin.tries]
        }
    }

    fn read_binary(&mut self, p1: u8, p2: u8, le: Option<usize>) -> Vec<u8> {
        if p1 & 0x80 != 0 {
            return vec![0x6A, 0x86];
        }
        let Some(le) = le else {
            return vec![0x67, 0x00];
        };
        let Some(id) = self.ef else {
            return vec![0x69, 0x86];
        };
        let (pin1, pin2) = (self.pins[0].verified, self.pins[1].verified);
        let (file, allowed) = match self.df {
            Df::Mf => (self.mf.iter().find(|(i, _)| *i == id), true),
            Df::Df1 => (
                self.df1.iter().find(|(i, _)| *i == id),
                if id == 0x0002 { pin1 && pin2 } else { pin1 },
            ),
            Df::Df2 => (None, false),
        };
        let Some((_, file)) = file else {
            return vec![0x69, 0x86];
        };
        if !allowed {
            return vec![0x69, 0x82];
        }
        let offset = usize::from(u16::from_be_bytes([p1, p2]));
        if offset >= file.len() {
            return vec![0x6B, 0x00];
        }
        let end = file.len().min(offset + le);
        let mut out = file[offset..end].to_vec();
        out.extend_from_slice(&OK);
        out
    }
}

impl VirtualCard for SimLicence {
    fn atr(&self) -> &[u8] {
        &ATR_LICENCE
    }
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        SimLicence::process(self, apdu)
    }
    fn power_off(&mut self) {
        self.df = Df::Mf;
        self.ef = None;
        for p in &mut self.pins {
            p.verified = false;
        }
    }
}

impl myna_card::Transmit for SimLicence {
    fn transmit(&mut self, command: &[u8]) -> myna_card::Result<Vec<u8>> {
        Ok(self.process(command))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: &str = r#"
kind = "drivers-licence"
name = "佐藤　美咲"
kana = "サトウ　ミサキ"
address = "東京都千代田区霞が関２丁目１番２号"
birth_date = "1989-01-07"
pin1 = "4821"
pin2 = "7093"
expiry = "2031-02-07"
[[address_change]]
date = "2026-03-30"
address = "東京都八王子市元本郷町３丁目２４番１号"
"#;

    #[test]
    fn the_profile_parses_and_files_are_as_documented() {
        let p = LicenceProfile::parse(PROFILE, "t").unwrap();
        assert_eq!(
            p.current_address(),
            "東京都八王子市元本郷町３丁目２４番１号"
        );
        let common = common_file(&p);
        assert_eq!(common.len(), 17);
        assert_eq!(&common[..5], &[0x45, 0x0B, b'0', b'0', b'8']);
        assert_eq!(&common[9..13], &[0x20, 0x31, 0x02, 0x07]);
        assert_eq!(matters_file(&p).len(), MATTERS_SIZE);
        assert_eq!(&changes_file(&p)[..3], &[0x50, 0x01, 0x01]);
    }

    #[test]
    fn bad_profiles_name_the_field_not_the_value() {
        let e = LicenceProfile::parse(&PROFILE.replace("4821", "48a1"), "x.toml").unwrap_err();
        assert!(e.to_string().contains("pin1") && !e.to_string().contains("48a1"));
        let e = LicenceProfile::parse(&PROFILE.replace("2026-03-30", "2026-02-30"), "x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("address_change[0].date"), "{e}");
        let e = LicenceProfile::parse(&PROFILE.replace("pin2 = \"7093\"\n", ""), "x").unwrap_err();
        assert!(e.to_string().contains("both PINs"));
    }

    #[test]
    fn pins_count_down_and_block_and_power_off_forgets() {
        let p = LicenceProfile::parse(PROFILE, "t").unwrap();
        let mut card = SimLicence::new(&p);
        assert_eq!(card.process(&[0, 0x20, 0, 0x81]), [0x63, 0xC3]);
        assert_eq!(
            card.process(&[0, 0x20, 0, 0x81, 4, b'0', b'0', b'0', b'0']),
            [0x63, 0xC2]
        );
        assert_eq!(
            card.process(&[0, 0x20, 0, 0x81, 4, b'4', b'8', b'2', b'1']),
            OK
        );
        assert_eq!(card.pin1_tries(), 3);
        let mut select_df1 = vec![0, 0xA4, 4, 0x0C, 16];
        select_df1.extend(LICENCE_DF1_AID);
        assert_eq!(card.process(&select_df1), OK);
        assert_eq!(card.process(&[0, 0xA4, 2, 0x0C, 2, 0, 1]), OK);
        assert_eq!(card.process(&[0, 0xB0, 0, 0, 0]).len(), 258);
        // 本籍 needs PIN2 as well.
        assert_eq!(card.process(&[0, 0xA4, 2, 0x0C, 2, 0, 2]), OK);
        assert_eq!(card.process(&[0, 0xB0, 0, 0, 0]), [0x69, 0x82]);
        assert_eq!(card.domicile_selections, 1);
        VirtualCard::power_off(&mut card);
        card.process(&select_df1);
        card.process(&[0, 0xA4, 2, 0x0C, 2, 0, 1]);
        assert_eq!(card.process(&[0, 0xB0, 0, 0, 0]), [0x69, 0x82]);
        for _ in 0..3 {
            card.process(&[0, 0x20, 0, 0x81, 4, b'0', b'0', b'0', b'0']);
        }
        assert_eq!(card.process(&[0, 0x20, 0, 0x81]), [0x63, 0xC0]);
        assert_eq!(
            card.process(&[0, 0x20, 0, 0x81, 4, b'4', b'8', b'2', b'1']),
            [0x69, 0x84]
        );
    }

    #[test]
    fn a_licence_without_pin_takes_stars_and_counts_nothing() {
        let text = PROFILE
            .replace("pin1 = \"4821\"\n", "")
            .replace("pin2 = \"7093\"\n", "");
        let p = LicenceProfile::parse(&text, "t").unwrap();
        let mut card = SimLicence::new(&p);
        card.process(&[0, 0xA4, 2, 0x0C, 2, 0, 0x0A]);
        assert_eq!(card.process(&[0, 0xB0, 0, 0, 3]), [5, 1, 0, 0x90, 0]);
        assert_eq!(
            card.process(&[0, 0x20, 0, 0x81, 4, b'1', b'2', b'3', b'4']),
            [0x63, 0xC3]
        );
        assert_eq!(
            card.process(&[0, 0x20, 0, 0x81, 4, b'*', b'*', b'*', b'*']),
            OK
        );
    }
}
