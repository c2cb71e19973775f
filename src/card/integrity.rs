//! Is the data on the card the data the issuer wrote? The clerk sees the answer.
//!
//! EF 0003 holds SHA-256 digests of the 個人番号 and basic-four files and an RSA signature over
//! them, made with a key certified in EF 0004; that certificate is signed by a J-LIS CA key that
//! is not on the card. So the chain is: trust anchor → EF 0004 → EF 0003 → EF 0002. myna-card
//! parses and checks each link; this module holds the anchors and turns the outcome into a
//! [`Verification`] that travels with the data.
//!
//! The anchors are configurable so that tests exercise the *positive* path with a CA key they
//! generate, and the simulated card's records signed under it, instead of mocking the check.

use std::fmt;
use std::path::Path;

use myna_card::ap::text::IntegrityRecord;
use myna_card::{CardVerifiableCertificate, RsaPublicKey};
use serde::Deserialize;

/// The outcome of the integrity check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// The chain holds, up to the named anchor.
    Verified {
        /// The trust anchor the certificate chains to.
        anchor: String,
    },
    /// The data was read but could not be vouched for.
    Unverified(Unverified),
}

impl Verification {
    /// Whether the chain held.
    pub fn is_verified(&self) -> bool {
        matches!(self, Verification::Verified { .. })
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verification::Verified { anchor } => write!(f, "verified ({anchor})"),
            Verification::Unverified(why) => write!(f, "NOT verified: {why}"),
        }
    }
}

/// Why the data could not be verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unverified {
    /// The certificate names a CA key that is not among the trust anchors.
    #[error("the card's certificate is signed by CA key {0}, which is not a trusted anchor")]
    UnknownAuthority(String),
    /// The EF 0004 certificate does not verify under its anchor.
    #[error("the card's certificate does not verify under the CA key it names")]
    CertificateInvalid,
    /// The EF 0003 signature does not verify under the certified key.
    #[error("the integrity record's signature does not verify")]
    RecordSignatureInvalid,
    /// EF 0002 does not hash to the digest in EF 0003: the data was altered.
    #[error("the basic four fields do not match the signed digest")]
    DigestMismatch,
    /// EF 0003 or EF 0004 could not be read or parsed.
    #[error("{0}")]
    Unreadable(String),
    /// The kiosk does not check this kind of card's signature (the 運転免許証's).
    #[error("the kiosk does not check the {}'s signature", .0.name_ja())]
    NotChecked(crate::card::kind::CardKind),
}

/// One CA public key the kiosk trusts, with the 16-byte 証明者鍵ID that names it.
#[derive(Clone)]
pub struct TrustAnchor {
    /// Shown to the clerk with the verification result.
    pub name: String,
    /// 証明者鍵ID.
    pub key_id: [u8; 16],
    /// The key.
    pub key: RsaPublicKey,
}

impl fmt::Debug for TrustAnchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrustAnchor({})", self.name)
    }
}

/// An anchor file: TOML with hex strings, so an administrator can read and diff it.
///
/// ```toml
/// name = "J-LIS 券面入力補助AP CA 5000033"
/// key_id = "35303030303333080530303100000000"   # 16 bytes
/// exponent = "010001"
/// modulus = "D24615F6…"                          # 256 bytes for RSA-2048
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnchorFile {
    name: String,
    key_id: String,
    exponent: String,
    modulus: String,
}

/// The keys the integrity check accepts.
#[derive(Debug, Clone, Default)]
pub struct TrustAnchors(Vec<TrustAnchor>);

impl TrustAnchors {
    /// No anchors: every card reads as unverified.
    pub fn none() -> Self {
        TrustAnchors(Vec::new())
    }

    /// The production J-LIS CA keys that myna-card carries (証明者鍵ID beginning `5`). With
    /// `include_test_hierarchy`, also the keys J-LIS test cards are issued under (`6…`): useful
    /// with a vendor's test card, wrong for a kiosk in a lobby.
    pub fn jlis(include_test_hierarchy: bool) -> Self {
        TrustAnchors(
            myna_card::ca::KNOWN
                .iter()
                .filter(|k| k.key_id[0] == b'5' || include_test_hierarchy)
                .map(|k| TrustAnchor {
                    name: format!("J-LIS CA {}", k.name()),
                    key_id: *k.key_id,
                    key: k.to_public_key(),
                })
                .collect(),
        )
    }

    /// Add one anchor.
    pub fn push(&mut self, anchor: TrustAnchor) {
        self.0.push(anchor);
    }

    /// Add the anchor in a TOML anchor file. Errors name the file and what is wrong.
    pub fn load_file(&mut self, path: &Path) -> Result<(), AnchorFileError> {
        let at = |problem| AnchorFileError {
            path: path.to_owned(),
            problem,
        };
        let text = std::fs::read_to_string(path).map_err(|e| at(AnchorProblem::Read(e)))?;
        let file: AnchorFile =
            toml::from_str(&text).map_err(|e| at(AnchorProblem::Toml(Box::new(e))))?;
        let hex = |field: &'static str, value: &str| {
            decode_hex(value).ok_or_else(|| at(AnchorProblem::NotHex(field)))
        };
        let key_id: [u8; 16] = hex("key_id", &file.key_id)?
            .try_into()
            .map_err(|_| at(AnchorProblem::KeyIdLength))?;
        self.push(TrustAnchor {
            name: file.name,
            key_id,
            key: RsaPublicKey {
                exponent: hex("exponent", &file.exponent)?,
                modulus: hex("modulus", &file.modulus)?,
            },
        });
        Ok(())
    }

    /// Write an anchor in the file format [`TrustAnchors::load_file`] reads.
    pub fn anchor_file_text(anchor: &TrustAnchor) -> String {
        format!(
            "name = {:?}\nkey_id = \"{}\"\nexponent = \"{}\"\nmodulus = \"{}\"\n",
            anchor.name,
            encode_hex(&anchor.key_id),
            encode_hex(&anchor.key.exponent),
            encode_hex(&anchor.key.modulus)
        )
    }

    /// How many anchors.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn find(&self, key_id: &[u8; 16]) -> Option<&TrustAnchor> {
        self.0.iter().find(|a| &a.key_id == key_id)
    }

    /// Check EF 0002 (`attributes`, as read: the TLV without filler) against EF 0003
    /// (`integrity`) and EF 0004 (`certificate`).
    pub fn check(&self, attributes: &[u8], integrity: &[u8], certificate: &[u8]) -> Verification {
        let sane = [attributes, integrity, certificate]
            .iter()
            .all(|f| super::read::ber_sane(f));
        let checked = if sane {
            self.check_chain(attributes, integrity, certificate)
        } else {
            Err(Unverified::Unreadable(
                "a length in the integrity files does not fit".into(),
            ))
        };
        match checked {
            Ok(anchor) => Verification::Verified { anchor },
            Err(why) => Verification::Unverified(why),
        }
    }

    fn check_chain(
        &self,
        attributes: &[u8],
        integrity: &[u8],
        certificate: &[u8],
    ) -> Result<String, Unverified> {
        let cert = CardVerifiableCertificate::parse(certificate).map_err(|_| {
            Unverified::Unreadable("the card's certificate (EF 0004) does not parse".into())
        })?;
        let anchor = self
            .find(cert.issuer_key_id.as_bytes())
            .ok_or_else(|| Unverified::UnknownAuthority(cert.issuer_key_id.to_string()))?;
        cert.verify_with(&anchor.key)
            .map_err(|_| Unverified::CertificateInvalid)?;
        let record = IntegrityRecord::parse(integrity).map_err(|_| {
            Unverified::Unreadable("the integrity record (EF 0003) does not parse".into())
        })?;
        record
            .verify(&cert.public_key)
            .map_err(|_| Unverified::RecordSignatureInvalid)?;
        match record.matches_attributes_file(attributes) {
            Ok(true) => Ok(anchor.name.clone()),
            _ => Err(Unverified::DigestMismatch),
        }
    }
}

pub(crate) fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

pub(crate) fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok())
        .collect()
}

/// A trust anchor file (`[card] trust_anchors`) that cannot be used; names the file.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct AnchorFileError {
    /// The file.
    pub path: std::path::PathBuf,
    /// What is wrong with it.
    pub problem: AnchorProblem,
}

/// What is wrong with a trust anchor file.
#[derive(Debug, thiserror::Error)]
pub enum AnchorProblem {
    /// Missing or unreadable.
    #[error("cannot read the trust anchor file: {0}")]
    Read(std::io::Error),
    /// Not TOML, or not the anchor fields (name, key_id, exponent, modulus).
    #[error("{0}")]
    Toml(Box<toml::de::Error>),
    /// A field that must be hexadecimal is not.
    #[error("`{0}` is not hex")]
    NotHex(&'static str),
    /// The key id is not 16 bytes.
    #[error("`key_id` must be 16 bytes")]
    KeyIdLength,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_anchors_exclude_the_test_hierarchy_unless_asked() {
        let prod = TrustAnchors::jlis(false);
        assert!(prod.0.iter().all(|a| a.key_id[0] == b'5'));
        assert_eq!(prod.len(), 3);
        assert_eq!(TrustAnchors::jlis(true).len(), 6);
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(decode_hex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(decode_hex("0 0F F"), Some(vec![0, 255]));
        assert_eq!(decode_hex("0g"), None);
        assert_eq!(decode_hex("abc"), None);
        assert_eq!(encode_hex(&[0, 255]), "00FF");
    }
}
