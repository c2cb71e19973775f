//! The simulator's signing keys: a CA (the role of J-LIS) and an issuer (the role of the
//! municipality's key certified in EF 0004).
//!
//! Tests generate fresh keys, so the positive integrity path is exercised with a CA that exists
//! only for that test. The demo and the command line use the fixed **test** keys in
//! `fixtures/keys/`, which are public and trusted only where a trust anchor file says so.

use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

use crate::card::integrity::TrustAnchor;

/// 証明者鍵ID of the simulator's CA: hierarchy `9`, which no J-LIS key uses.
pub const SIM_CA_KEY_ID: [u8; 16] = *b"9000033\x08\x05001\0\0\0\0";
/// 被証明者鍵ID of the simulator's issuer key.
pub const SIM_ISSUER_KEY_ID: [u8; 16] = *b"9132213\x08\x05000\0\0\0\0";

const FIXTURE_CA: &str = include_str!("../../../fixtures/keys/sim-ca.key.pem");
const FIXTURE_ISSUER: &str = include_str!("../../../fixtures/keys/sim-issuer.key.pem");

/// The two private keys a simulated card's records are signed with.
#[derive(Clone)]
pub struct SimKeys {
    ca: RsaPrivateKey,
    issuer: RsaPrivateKey,
    /// Name of the anchor for these keys.
    pub label: String,
}

impl std::fmt::Debug for SimKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SimKeys({})", self.label)
    }
}

impl SimKeys {
    /// Fresh RSA-2048 keys (about a second on this machine, optimised).
    pub fn generate() -> Self {
        let mut rng = rand::thread_rng();
        let mut new_key = || {
            RsaPrivateKey::new(&mut rng, 2048)
                .unwrap_or_else(|e| panic!("RSA key generation failed: {e}"))
        };
        SimKeys {
            ca: new_key(),
            issuer: new_key(),
            label: "test CA generated for this run".to_owned(),
        }
    }

    /// The fixed test keys in `fixtures/keys/` (compiled in).
    pub fn fixture() -> Self {
        let load = |pem: &str| {
            RsaPrivateKey::from_pkcs8_pem(pem).unwrap_or_else(|e| {
                panic!("fixtures/keys: the bundled test key does not parse: {e}")
            })
        };
        SimKeys {
            ca: load(FIXTURE_CA),
            issuer: load(FIXTURE_ISSUER),
            label: "kakanai simulated-card test CA (not a J-LIS key)".to_owned(),
        }
    }

    /// The anchor a reader must trust for cards signed with these keys to verify.
    pub fn anchor(&self) -> TrustAnchor {
        TrustAnchor {
            name: self.label.clone(),
            key_id: SIM_CA_KEY_ID,
            key: to_card_key(&RsaPublicKey::from(&self.ca)),
        }
    }

    /// The issuer's public key in the card's `90`/`91` encoding, 265 bytes.
    pub(crate) fn issuer_public_encoded(&self) -> Vec<u8> {
        let key = to_card_key(&RsaPublicKey::from(&self.issuer));
        let mut out = vec![0x90, key.exponent.len() as u8];
        out.extend_from_slice(&key.exponent);
        out.extend_from_slice(&[0x91, 0x82, 0x01, 0x00]);
        out.extend_from_slice(&key.modulus);
        out
    }

    /// PKCS#1 v1.5 SHA-256 signature by the CA (over a certificate body).
    pub(crate) fn sign_as_ca(&self, message: &[u8]) -> Vec<u8> {
        SigningKey::<Sha256>::new(self.ca.clone())
            .sign(message)
            .to_vec()
    }

    /// PKCS#1 v1.5 SHA-256 signature by the issuer (over the integrity record).
    pub(crate) fn sign_as_issuer(&self, message: &[u8]) -> Vec<u8> {
        SigningKey::<Sha256>::new(self.issuer.clone())
            .sign(message)
            .to_vec()
    }
}

fn to_card_key(key: &RsaPublicKey) -> myna_card::RsaPublicKey {
    let mut modulus = key.n().to_bytes_be();
    while modulus.len() < 256 {
        modulus.insert(0, 0);
    }
    myna_card::RsaPublicKey {
        exponent: key.e().to_bytes_be(),
        modulus,
    }
}
