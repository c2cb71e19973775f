//! The simulated card's files, built byte for byte as CARD.md describes.

use sha2::{Digest, Sha256};

use super::keys::{SIM_CA_KEY_ID, SIM_ISSUER_KEY_ID, SimKeys};
use super::profile::CardProfile;

/// A BER length: short form below 128, then `81 xx`, then `82 xx xx`.
pub fn ber_length(len: usize) -> Vec<u8> {
    match len {
        0..=0x7F => vec![len as u8],
        0x80..=0xFF => vec![0x81, len as u8],
        _ => vec![0x82, (len >> 8) as u8, len as u8],
    }
}

/// One TLV with a one- or two-byte tag.
pub fn tlv(tag: u16, value: &[u8]) -> Vec<u8> {
    let mut out = if tag > 0xFF {
        vec![(tag >> 8) as u8, tag as u8]
    } else {
        vec![tag as u8]
    };
    out.extend(ber_length(value.len()));
    out.extend_from_slice(value);
    out
}

/// EF 0001: `FF 10 0C` + the 12 digits + `FF FF` filler (17 bytes).
pub fn my_number_file(my_number: &str) -> Vec<u8> {
    let mut out = tlv(0xFF10, my_number.as_bytes());
    out.extend_from_slice(&[0xFF, 0xFF]);
    out
}

/// EF 0002: the basic four fields with the DF21 offset table, then `filler` bytes of `FF`.
pub fn attributes_file(profile: &CardProfile) -> Vec<u8> {
    let sex = [profile.sex.digit() as u8];
    let fields = [
        tlv(0xDF22, profile.name.as_bytes()),
        tlv(0xDF23, profile.address.as_bytes()),
        tlv(0xDF24, profile.birth_date.compact().as_bytes()),
        tlv(0xDF25, &sex),
    ];
    let table_len = 3 + 8; // DF 21 08 + four u16
    let value_len = table_len + fields.iter().map(Vec::len).sum::<usize>();
    let outer_header = 2 + ber_length(value_len).len();
    let mut offsets = Vec::with_capacity(8);
    let mut at = outer_header + table_len;
    for field in &fields {
        offsets.extend_from_slice(&(at as u16).to_be_bytes());
        at += field.len();
    }
    let mut value = tlv(0xDF21, &offsets);
    for field in &fields {
        value.extend_from_slice(field);
    }
    let mut out = tlv(0xFF20, &value);
    out.extend(std::iter::repeat_n(0xFF, profile.filler));
    out
}

/// The part of EF 0002 that `DF32` digests: from `DF22` to the end of the `FF20` value.
pub fn attributes_digest_source(file: &[u8]) -> &[u8] {
    let value_len = match file.get(2) {
        Some(0x81) => usize::from(file[3]),
        Some(0x82) => usize::from(file[3]) << 8 | usize::from(file[4]),
        Some(&n) => usize::from(n),
        None => 0,
    };
    let header = match file.get(2) {
        Some(0x81) => 4,
        Some(0x82) => 5,
        _ => 3,
    };
    &file[header + 11..header + value_len]
}

/// EF 0003: DF31 and DF32 digests, DF33 the issuer's signature over both TLVs.
pub fn integrity_file(my_number_file: &[u8], attributes_file: &[u8], keys: &SimKeys) -> Vec<u8> {
    let mut signed = tlv(0xDF31, &Sha256::digest(my_number_file));
    signed.extend(tlv(
        0xDF32,
        &Sha256::digest(attributes_digest_source(attributes_file)),
    ));
    let signature = keys.sign_as_issuer(&signed);
    let mut value = signed;
    value.extend(tlv(0xDF33, &signature));
    tlv(0xFF30, &value)
}

/// EF 0004: the card-verifiable certificate of the issuer key, signed by the CA (568 bytes).
pub fn certificate_file(keys: &SimKeys) -> Vec<u8> {
    let mut body = SIM_CA_KEY_ID.to_vec();
    body.extend_from_slice(&SIM_ISSUER_KEY_ID);
    body.extend(keys.issuer_public_encoded());
    let signature = keys.sign_as_ca(&body);
    let mut value = tlv(0x5F4E, &body);
    value.extend(tlv(0x5F37, &signature));
    tlv(0x7F21, &value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::basic_four::{Date, Sex};

    #[test]
    fn lengths_use_the_short_and_long_forms() {
        assert_eq!(ber_length(0x65), [0x65]);
        assert_eq!(ber_length(0x80), [0x81, 0x80]);
        assert_eq!(ber_length(0xFF), [0x81, 0xFF]);
        assert_eq!(ber_length(0x14B), [0x82, 0x01, 0x4B]);
    }

    #[test]
    fn reproduces_the_reference_vector_byte_for_byte() {
        let profile = CardProfile::parse(
            r#"
name = "黒桐　幹也"
address = "東京都清瀬市観布子南１２－７－２０２"
birth_date = "1980-02-17"
sex = 1
pin = "1234"
expiry_year = 2035
security_code = "2285"
my_number = "537686677188"
"#,
            "reference",
        )
        .unwrap();
        assert_eq!(profile.sex, Sex::Male);
        assert_eq!(profile.birth_date, Date::new(1980, 2, 17).unwrap());
        let want = "ff2065df2108000e002000590064df220fe9bb92e6a190e38080e5b9b9e4b99fdf2336e69db1e4baace983bde6b885e780ace5b882e8a6b3e5b883e5ad90e58d97efbc91efbc92efbc8defbc97efbc8defbc92efbc90efbc92df24083139383030323137df250131";
        let got: String = attributes_file(&profile)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(got, want);
        // myna-card's fixture of the same synthetic card's EF 0001, filler included.
        assert_eq!(my_number_file(&profile.my_number).len(), 17);
    }
}
