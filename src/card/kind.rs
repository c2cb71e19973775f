//! Which card is on the reader, told by what it answers — never by its ATR.
//!
//! Each kind is tried by the SELECT of its own application (OTHER-CARDS.md): the My Number
//! card's 券面事項入力補助AP first (the card the kiosk sees most), then the 運転免許証's DF1,
//! then the 在留カード's DF1. A card answers 9000 only to its own; every other answer (6A82 and
//! the like) means "not this one". The first SELECT that succeeds leaves that application
//! selected, so detection costs the My Number card nothing and the licence one extra APDU.

use myna_card::Transmit;
use tracing::info;

use super::error::CardError;

/// The kinds of card the kiosk knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardKind {
    /// マイナンバーカード (券面事項入力補助AP).
    MyNumber,
    /// 運転免許証 (IC licence, 警察庁 specification).
    DriversLicence,
    /// 在留カード.
    ResidenceCard,
    /// 特別永住者証明書 (the same chip as the 在留カード; MF EF02 says which).
    SpecialPermanentResident,
}

impl CardKind {
    /// Every kind, in the order detection tries them.
    pub const ALL: [CardKind; 4] = [
        CardKind::MyNumber,
        CardKind::DriversLicence,
        CardKind::ResidenceCard,
        CardKind::SpecialPermanentResident,
    ];

    /// The key used in JSON, profiles and the usage log's codes.
    pub fn slug(self) -> &'static str {
        match self {
            CardKind::MyNumber => "my-number",
            CardKind::DriversLicence => "drivers-licence",
            CardKind::ResidenceCard => "residence-card",
            CardKind::SpecialPermanentResident => "special-permanent-resident",
        }
    }

    /// The card's name in Japanese, for messages.
    pub fn name_ja(self) -> &'static str {
        match self {
            CardKind::MyNumber => "マイナンバーカード",
            CardKind::DriversLicence => "運転免許証",
            CardKind::ResidenceCard => "在留カード",
            CardKind::SpecialPermanentResident => "特別永住者証明書",
        }
    }

    /// Whether the card holds 性別 at all: the licence does not, so a form leaves it blank
    /// (or the resident answers it) instead of the kiosk guessing.
    pub fn holds_sex(self) -> bool {
        !matches!(self, CardKind::DriversLicence)
    }
}

/// The My Number card's 券面事項入力補助AP.
pub const MY_NUMBER_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];
/// The 運転免許証's DF1: `A0 00 00 02 31 01` and ten zero bytes.
pub const LICENCE_DF1_AID: [u8; 16] = [
    0xA0, 0x00, 0x00, 0x02, 0x31, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];
/// The 在留カード's (and 特別永住者証明書's) DF1: `D3 92 F0 00 4F 02` and ten zero bytes.
pub const RESIDENCE_DF1_AID: [u8; 16] = [
    0xD3, 0x92, 0xF0, 0x00, 0x4F, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

/// `00 A4 04 0C Lc AID`: SELECT by DF name, no response data.
pub fn select_by_aid(aid: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, aid.len() as u8];
    apdu.extend_from_slice(aid);
    apdu
}

/// Send one APDU; the status word and the data. A response too short for a status word is
/// a transport fault; a card that left maps to [`CardError::CardRemoved`].
pub(crate) fn exchange<T: Transmit>(
    card: &mut T,
    apdu: &[u8],
    during: &'static str,
) -> Result<(u16, Vec<u8>), CardError> {
    let mut response = card
        .transmit(apdu)
        .map_err(|e| CardError::from_myna(e, during))?;
    if response.len() < 2 {
        return Err(CardError::Transport(format!(
            "the card's answer to {during} was {} byte(s), too short for a status word",
            response.len()
        )));
    }
    let sw = u16::from_be_bytes([response[response.len() - 2], response[response.len() - 1]]);
    response.truncate(response.len() - 2);
    Ok((sw, response))
}

/// Whether a SELECT's status means "no such application here" (and not a broken link).
fn not_here(sw: u16) -> bool {
    matches!(
        sw,
        0x6A82 | 0x6A86 | 0x6A87 | 0x6D00 | 0x6E00 | 0x6999 | 0x6700
    )
}

/// Find out which card this is by selecting each kind's application in turn. The one found is
/// left selected. A card that is none of them is [`CardError::NotMyNumberCard`] (the kiosk's
/// "not a card we read" answer).
pub fn detect<T: Transmit>(card: &mut T) -> Result<CardKind, CardError> {
    detect_among(card, &CardKind::ALL[..3])
}

/// [`detect`] without the My Number card: for a read that already tried its SELECT (the My
/// Number read selects its own application, so its APDU count stays what `read.rs` says).
pub fn detect_other<T: Transmit>(card: &mut T) -> Result<CardKind, CardError> {
    detect_among(card, &CardKind::ALL[1..3])
}

fn detect_among<T: Transmit>(card: &mut T, kinds: &[CardKind]) -> Result<CardKind, CardError> {
    for &kind in kinds {
        let aid: &[u8] = match kind {
            CardKind::MyNumber => &MY_NUMBER_AID,
            CardKind::DriversLicence => &LICENCE_DF1_AID,
            // One chip for both: MF EF02 tells them apart once it is read.
            CardKind::ResidenceCard | CardKind::SpecialPermanentResident => &RESIDENCE_DF1_AID,
        };
        let (sw, _) = exchange(card, &select_by_aid(aid), "SELECT of a card application")?;
        match sw {
            0x9000 => {
                info!(kind = kind.slug(), "card.kind");
                return Ok(kind);
            }
            sw if not_here(sw) => {}
            sw => {
                return Err(CardError::UnexpectedStatus {
                    sw,
                    during: "SELECT of a card application",
                });
            }
        }
    }
    info!("card.kind.unknown");
    Err(CardError::NotMyNumberCard)
}
