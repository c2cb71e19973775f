//! A stateful simulated My Number card that answers APDUs as CARD.md describes.
//!
//! It reproduces what a reader can observe: selection by AID and by EF, the access rule of each
//! file, the retry counters and blocking (`63Cx`, `63C0` on the exhausting try, `6984` after),
//! short reads at the end of a file and `6B00` past it, and security status that survives a warm
//! reset but not a power-off or leaving the application.

use std::collections::HashMap;

use myna_card::Transmit;
use zeroize::Zeroize;

use super::files;
use super::keys::SimKeys;
use super::profile::{CODE_B_TRIES, CardKind, CardProfile, PIN_TRIES};
use crate::wareki;

/// AID of the 券面事項入力補助AP.
pub const AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];

/// ATR of a contact My Number card (T=1, IFSC 254). The kiosk never identifies the card by it.
pub const ATR_MY_NUMBER: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];
/// ATR of the "other" card: the same protocol bytes with one historical byte.
pub const ATR_OTHER: [u8; 10] = [0x3B, 0xE1, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x00, 0x15];

const EF_MY_NUMBER: u16 = 0x0001;
const EF_ATTRIBUTES: u16 = 0x0002;
const EF_INTEGRITY: u16 = 0x0003;
const EF_CERTIFICATE: u16 = 0x0004;
const EF_PIN: u16 = 0x0011;
const EF_CODE_A: u16 = 0x0014;
const EF_CODE_B: u16 = 0x0015;

const SW_OK: [u8; 2] = [0x90, 0x00];
const SW_WRONG_LENGTH: [u8; 2] = [0x67, 0x00];
const SW_SECURITY: [u8; 2] = [0x69, 0x82];
const SW_BLOCKED: [u8; 2] = [0x69, 0x84];
const SW_NO_CURRENT_EF: [u8; 2] = [0x69, 0x86];
const SW_NOT_FOUND: [u8; 2] = [0x6A, 0x82];
const SW_WRONG_P1P2: [u8; 2] = [0x6A, 0x86];
const SW_PAST_END: [u8; 2] = [0x6B, 0x00];
const SW_BAD_INS: [u8; 2] = [0x6D, 0x00];
const SW_BAD_CLA: [u8; 2] = [0x6E, 0x00];

/// One key reference: its value, counter and whether it is verified now.
struct KeyRef {
    value: Vec<u8>,
    tries: u8,
    max: u8,
    verified: bool,
}

impl Drop for KeyRef {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

/// The card.
pub struct SimCard {
    kind: CardKind,
    files: HashMap<u16, Vec<u8>>,
    keys: HashMap<u16, KeyRef>,
    application_selected: bool,
    current_ef: Option<u16>,
    /// Every command APDU answered since the card was made, for tests and the benchmark.
    pub apdus: usize,
    /// How many times EF 0001 (個人番号) was selected: a test asserts it stays 0.
    pub my_number_selections: usize,
}

impl std::fmt::Debug for SimCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SimCard({:?}, <redacted>)", self.kind)
    }
}

impl SimCard {
    /// Build the card's files from a profile and sign them with `keys`.
    pub fn new(profile: &CardProfile, keys: &SimKeys) -> Self {
        let my_number = files::my_number_file(&profile.my_number);
        let attributes = files::attributes_file(profile);
        let integrity = files::integrity_file(&my_number, &attributes, keys);
        let certificate = files::certificate_file(keys);
        let mut code_b = String::new();
        if let Some((_, era_year)) = wareki::era_of(profile.birth_date) {
            code_b = format!(
                "{:02}{:02}{:02}{:04}{}",
                era_year % 100,
                profile.birth_date.month(),
                profile.birth_date.day(),
                profile.expiry_year,
                profile.security_code
            );
        }
        let key = |value: &str, tries, max| KeyRef {
            value: value.as_bytes().to_vec(),
            tries,
            max,
            verified: false,
        };
        let card = SimCard {
            kind: profile.kind,
            files: HashMap::from([
                (EF_MY_NUMBER, my_number),
                (EF_ATTRIBUTES, attributes),
                (EF_INTEGRITY, integrity),
                (EF_CERTIFICATE, certificate),
            ]),
            keys: HashMap::from([
                (EF_PIN, key(&profile.pin, profile.pin_tries_left, PIN_TRIES)),
                (EF_CODE_A, key(&profile.my_number, 10, 10)),
                (
                    EF_CODE_B,
                    key(&code_b, profile.code_b_tries_left, CODE_B_TRIES),
                ),
            ]),
            application_selected: false,
            current_ef: None,
            apdus: 0,
            my_number_selections: 0,
        };
        code_b.zeroize();
        card
    }

    /// The ATR this card answers with.
    pub fn atr(&self) -> &'static [u8] {
        match self.kind {
            CardKind::MyNumber => &ATR_MY_NUMBER,
            CardKind::Other => &ATR_OTHER,
        }
    }

    /// Power off: every security status and selection is gone.
    pub fn power_off(&mut self) {
        self.application_selected = false;
        self.current_ef = None;
        for key in self.keys.values_mut() {
            key.verified = false;
        }
    }

    /// Warm reset: on the real card this does **not** clear a verified PIN (CARD.md), so the
    /// simulator keeps it too.
    pub fn warm_reset(&mut self) {}

    /// Tries left on the PIN (EF 0011).
    pub fn pin_tries(&self) -> u8 {
        self.keys[&EF_PIN].tries
    }

    /// Tries left on 照合番号B (EF 0015).
    pub fn code_b_tries(&self) -> u8 {
        self.keys[&EF_CODE_B].tries
    }

    /// A file's bytes, for tests that tamper with a card.
    pub fn file_mut(&mut self, ef: u16) -> Option<&mut Vec<u8>> {
        self.files.get_mut(&ef)
    }

    /// Answer one command APDU.
    pub fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.apdus += 1;
        let Some(command) = Command::parse(apdu) else {
            return SW_WRONG_LENGTH.to_vec();
        };
        if command.cla != 0x00 {
            return SW_BAD_CLA.to_vec();
        }
        match command.ins {
            0xA4 => self.select(&command).to_vec(),
            0x20 => self.verify(&command).to_vec(),
            0xB0 => self.read_binary(&command),
            _ => SW_BAD_INS.to_vec(),
        }
    }

    fn select(&mut self, c: &Command) -> [u8; 2] {
        match (c.p1, c.p2) {
            (0x04, 0x0C) | (0x04, 0x00) => {
                if self.kind == CardKind::MyNumber && c.data == AID {
                    // Re-selecting the current application keeps its security status.
                    self.application_selected = true;
                    self.current_ef = None;
                    SW_OK
                } else {
                    SW_NOT_FOUND
                }
            }
            (0x02, 0x0C) | (0x02, 0x00) => {
                if c.data.len() != 2 {
                    return SW_WRONG_LENGTH;
                }
                let ef = u16::from_be_bytes([c.data[0], c.data[1]]);
                if !self.application_selected
                    || !(self.files.contains_key(&ef) || self.keys.contains_key(&ef))
                {
                    return SW_NOT_FOUND;
                }
                if ef == EF_MY_NUMBER {
                    self.my_number_selections += 1;
                }
                self.current_ef = Some(ef);
                SW_OK
            }
            _ => SW_WRONG_P1P2,
        }
    }

    fn verify(&mut self, c: &Command) -> [u8; 2] {
        if c.p1 != 0x00 || c.p2 != 0x80 {
            return SW_WRONG_P1P2;
        }
        let Some(key) = self.current_ef.and_then(|ef| self.keys.get_mut(&ef)) else {
            return SW_NO_CURRENT_EF;
        };
        if c.data.is_empty() {
            // The counter, without spending a try (63C0 when blocked).
            return [0x63, 0xC0 | key.tries];
        }
        if key.tries == 0 {
            return SW_BLOCKED;
        }
        if c.data == key.value.as_slice() {
            key.tries = key.max;
            key.verified = true;
            SW_OK
        } else {
            key.tries -= 1;
            key.verified = false;
            [0x63, 0xC0 | key.tries]
        }
    }

    fn verified(&self, ef: u16) -> bool {
        self.keys.get(&ef).is_some_and(|k| k.verified)
    }

    fn read_binary(&mut self, c: &Command) -> Vec<u8> {
        if c.p1 & 0x80 != 0 {
            // Short EF identifiers are not part of the protocol the kiosk uses; a strict card
            // could refuse them, and so does the simulator, so nothing comes to rely on them.
            return SW_WRONG_P1P2.to_vec();
        }
        let Some(le) = c.le else {
            return SW_WRONG_LENGTH.to_vec();
        };
        let Some(ef) = self.current_ef.filter(|ef| self.files.contains_key(ef)) else {
            return SW_NO_CURRENT_EF.to_vec();
        };
        let pin = self.verified(EF_PIN);
        let allowed = match ef {
            EF_MY_NUMBER => pin || self.verified(EF_CODE_A),
            EF_ATTRIBUTES => pin || self.verified(EF_CODE_B),
            EF_INTEGRITY => pin || self.verified(EF_CODE_A) || self.verified(EF_CODE_B),
            _ => true,
        };
        if !allowed {
            return SW_SECURITY.to_vec();
        }
        let file = &self.files[&ef];
        let offset = usize::from(u16::from_be_bytes([c.p1, c.p2]));
        if offset >= file.len() {
            return SW_PAST_END.to_vec();
        }
        let end = file.len().min(offset + le);
        let mut out = file[offset..end].to_vec();
        out.extend_from_slice(&SW_OK);
        out
    }
}

impl Transmit for SimCard {
    fn transmit(&mut self, command: &[u8]) -> myna_card::Result<Vec<u8>> {
        Ok(self.process(command))
    }
}

/// A short command APDU, split into its parts.
struct Command<'a> {
    cla: u8,
    ins: u8,
    p1: u8,
    p2: u8,
    data: &'a [u8],
    /// Ne: `Some(256)` for Le `00`; `None` when absent.
    le: Option<usize>,
}

impl<'a> Command<'a> {
    /// Cases 1–4 of ISO 7816-3 in their short form. Extended lengths are refused (`None` →
    /// 6700), as the kiosk must never need them.
    fn parse(apdu: &'a [u8]) -> Option<Self> {
        let [cla, ins, p1, p2, body @ ..] = apdu else {
            return None;
        };
        let le_of = |b: u8| Some(if b == 0 { 256 } else { usize::from(b) });
        let (data, le): (&[u8], Option<usize>) = match body {
            [] => (&[], None),
            [le] => (&[], le_of(*le)),
            [0, ..] => return None, // extended Lc
            [lc, rest @ ..] if rest.len() == usize::from(*lc) => (rest, None),
            [lc, rest @ ..] if rest.len() == usize::from(*lc) + 1 => {
                (&rest[..usize::from(*lc)], le_of(rest[usize::from(*lc)]))
            }
            _ => return None,
        };
        Some(Command {
            cla: *cla,
            ins: *ins,
            p1: *p1,
            p2: *p2,
            data,
            le,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(extra: &str) -> CardProfile {
        CardProfile::parse(
            &format!(
                r#"
name = "山田　太郎"
address = "東京都青梅市東青梅１丁目１１番地の１"
birth_date = "1960-04-01"
sex = 1
pin = "1234"
expiry_year = 2034
security_code = "5678"
{extra}"#
            ),
            "test",
        )
        .unwrap()
    }

    fn keys() -> SimKeys {
        SimKeys::fixture()
    }

    fn select_ap(card: &mut SimCard) -> Vec<u8> {
        let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, 0x0A];
        apdu.extend_from_slice(&AID);
        card.process(&apdu)
    }

    #[test]
    fn access_rules_and_counters() {
        let mut card = SimCard::new(&profile(""), &keys());
        assert_eq!(select_ap(&mut card), SW_OK);
        // EF 0002 is locked before VERIFY.
        assert_eq!(card.process(&[0, 0xA4, 2, 0x0C, 2, 0, 2]), SW_OK);
        assert_eq!(card.process(&[0, 0xB0, 0, 0, 0]), SW_SECURITY);
        // EF 0004 is free.
        assert_eq!(card.process(&[0, 0xA4, 2, 0x0C, 2, 0, 4]), SW_OK);
        assert_eq!(
            card.process(&[0, 0xB0, 0, 0, 4]),
            [0x7F, 0x21, 0x82, 0x02, 0x90, 0x00]
        );
        // Tries without spending, then a wrong PIN counts down, and the right one resets.
        assert_eq!(card.process(&[0, 0xA4, 2, 0x0C, 2, 0, 0x11]), SW_OK);
        assert_eq!(card.process(&[0, 0x20, 0, 0x80]), [0x63, 0xC3]);
        assert_eq!(
            card.process(&[0, 0x20, 0, 0x80, 4, b'9', b'9', b'9', b'9']),
            [0x63, 0xC2]
        );
        assert_eq!(card.process(&[0, 0x20, 0, 0x80]), [0x63, 0xC2]);
        assert_eq!(
            card.process(&[0, 0x20, 0, 0x80, 4, b'1', b'2', b'3', b'4']),
            SW_OK
        );
        assert_eq!(card.pin_tries(), 3);
        // Now EF 0002 reads; EF 0001 too (the PIN opens it), which the kiosk never asks for.
        assert_eq!(card.process(&[0, 0xA4, 2, 0x0C, 2, 0, 2]), SW_OK);
        assert_eq!(card.process(&[0, 0xB0, 0, 0, 3])[..3], [0xFF, 0x20, 0x65]);
        // Past the end: 6B00; near the end: fewer bytes and 9000.
        let len = card.files[&EF_ATTRIBUTES].len();
        let at = (len - 2) as u16;
        assert_eq!(
            card.process(&[0, 0xB0, (at >> 8) as u8, at as u8, 0]).len(),
            4
        );
        let at = len as u16;
        assert_eq!(
            card.process(&[0, 0xB0, (at >> 8) as u8, at as u8, 0]),
            SW_PAST_END
        );
        // Power-off forgets the PIN.
        card.power_off();
        select_ap(&mut card);
        card.process(&[0, 0xA4, 2, 0x0C, 2, 0, 2]);
        assert_eq!(card.process(&[0, 0xB0, 0, 0, 0]), SW_SECURITY);
    }

    #[test]
    fn blocking_answers_63c0_then_6984() {
        let mut card = SimCard::new(&profile("pin_tries_left = 1"), &keys());
        select_ap(&mut card);
        card.process(&[0, 0xA4, 2, 0x0C, 2, 0, 0x11]);
        assert_eq!(
            card.process(&[0, 0x20, 0, 0x80, 4, b'0', b'0', b'0', b'0']),
            [0x63, 0xC0]
        );
        assert_eq!(
            card.process(&[0, 0x20, 0, 0x80, 4, b'1', b'2', b'3', b'4']),
            SW_BLOCKED
        );
        assert_eq!(card.process(&[0, 0x20, 0, 0x80]), [0x63, 0xC0]);
    }

    #[test]
    fn code_b_opens_0002_and_0003_but_not_0001() {
        let mut card = SimCard::new(&profile(""), &keys());
        select_ap(&mut card);
        card.process(&[0, 0xA4, 2, 0x0C, 2, 0, 0x15]);
        // 昭和35年4月1日, expiry 2034, code 5678.
        let mut apdu = vec![0, 0x20, 0, 0x80, 14];
        apdu.extend_from_slice(b"35040120345678");
        assert_eq!(card.process(&apdu), SW_OK);
        for (ef, want) in [(2u8, SW_OK), (3, SW_OK), (1, SW_SECURITY)] {
            card.process(&[0, 0xA4, 2, 0x0C, 2, 0, ef]);
            let answer = card.process(&[0, 0xB0, 0, 0, 1]);
            assert_eq!(answer[answer.len() - 2..], want, "EF {ef:04X}");
        }
    }

    #[test]
    fn an_other_card_has_no_application() {
        let mut card = SimCard::new(&profile("kind = \"other\""), &keys());
        assert_eq!(select_ap(&mut card), SW_NOT_FOUND);
        assert_eq!(card.atr(), ATR_OTHER);
    }

    #[test]
    fn malformed_apdus_are_refused() {
        let mut card = SimCard::new(&profile(""), &keys());
        assert_eq!(card.process(&[0, 0xA4, 4]), SW_WRONG_LENGTH);
        assert_eq!(card.process(&[0, 0xA4, 4, 0x0C, 5, 1]), SW_WRONG_LENGTH);
        assert_eq!(card.process(&[0, 0xB0, 0, 0, 0, 1, 0]), SW_WRONG_LENGTH);
        assert_eq!(card.process(&[0x80, 0xB0, 0, 0, 0]), SW_BAD_CLA);
        assert_eq!(card.process(&[0, 0x88, 0, 0, 0]), SW_BAD_INS);
        select_ap(&mut card);
        // Short EF identifier READ BINARY is refused.
        assert_eq!(card.process(&[0, 0xB0, 0x84, 0, 0]), SW_WRONG_P1P2);
    }
}
