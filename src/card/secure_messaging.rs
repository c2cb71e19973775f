//! The 在留カード's (and 特別永住者証明書's) card-number authentication and secure messaging,
//! as 出入国在留管理庁「在留カード等仕様書」 describes them (OTHER-CARDS.md; the byte-level run
//! of its 別添2, card number `AA12345678BB`, is this module's unit test).
//!
//! - Kenc = Kmac = the first 16 bytes of SHA-1 of the 12-character card number (ASCII).
//! - 2-key TDES in CBC mode with a zero IV; Retail MAC (ISO/IEC 9797-1 algorithm 3 with DES,
//!   padding method 2: `80` then `00`s).
//! - Mutual authentication: E.IFD = Enc(RND.IFD ‖ RND.ICC ‖ K.IFD), M.IFD = MAC(E.IFD); the
//!   card answers E.ICC ‖ M.ICC with E.ICC = Enc(RND.ICC ‖ RND.IFD ‖ K.ICC).
//! - KSenc = the first 16 bytes of SHA-1((K.IFD ⊕ K.ICC) ‖ `00 00 00 01`).
//! - After that, data travels encrypted only (no MAC, no counter) in a `86` object:
//!   `86 L 01 ‖ Enc(data ‖ 80 00 …)`.
//!
//! Both sides live here (the reader's and the card's), because the simulated card must do the
//! same arithmetic; the test vector pins it, so the two cannot agree on a wrong cipher.
//! Nothing here logs: every input is a key, a challenge or card data.

use des::cipher::{Block, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use des::{Des, TdesEde2};
use sha1::{Digest, Sha1};
use zeroize::Zeroize;

/// The card number printed on the card: 12 characters.
pub const CARD_NUMBER_LEN: usize = 12;

/// A 2-key TDES key (16 bytes): Kenc/Kmac or KSenc.
pub type Key16 = [u8; 16];

/// Kenc (= Kmac) from the card number.
pub fn access_key(card_number: &[u8; CARD_NUMBER_LEN]) -> Key16 {
    first16(&Sha1::digest(card_number))
}

/// KSenc from the two halves the sides exchanged.
pub fn session_key(k_ifd: &Key16, k_icc: &Key16) -> Key16 {
    let mut seed = [0u8; 20];
    for i in 0..16 {
        seed[i] = k_ifd[i] ^ k_icc[i];
    }
    seed[19] = 0x01;
    let key = first16(&Sha1::digest(seed));
    seed.zeroize();
    key
}

fn first16(digest: &[u8]) -> Key16 {
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// ISO/IEC 7816-4 padding: `80`, then `00` up to a multiple of 8 (always at least one byte).
pub fn pad(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 8);
    out.extend_from_slice(data);
    out.push(0x80);
    while out.len() % 8 != 0 {
        out.push(0x00);
    }
    out
}

/// Remove [`pad`]'s padding; `None` when there is none.
pub fn unpad(mut data: Vec<u8>) -> Option<Vec<u8>> {
    while let Some(&last) = data.last() {
        data.pop();
        match last {
            0x00 => continue,
            0x80 => return Some(data),
            _ => break,
        }
    }
    data.zeroize();
    None
}

/// 2-key TDES-CBC with a zero IV. `data` is a multiple of 8 bytes (callers pad first).
pub fn encrypt(key: &Key16, data: &[u8]) -> Vec<u8> {
    debug_assert!(data.len() % 8 == 0);
    let cipher = TdesEde2::new(&(*key).into());
    let mut chain = [0u8; 8];
    let mut out = Vec::with_capacity(data.len());
    for block in data.chunks_exact(8) {
        let mut b = Block::<TdesEde2>::default();
        for i in 0..8 {
            b.0[i] = block[i] ^ chain[i];
        }
        cipher.encrypt_block(&mut b);
        chain = b.0;
        out.extend_from_slice(&b.0);
        b.0.zeroize();
    }
    out
}

/// The inverse of [`encrypt`]; `None` when `data` is not a whole number of blocks.
pub fn decrypt(key: &Key16, data: &[u8]) -> Option<Vec<u8>> {
    if data.len() % 8 != 0 {
        return None;
    }
    let cipher = TdesEde2::new(&(*key).into());
    let mut chain = [0u8; 8];
    let mut out = Vec::with_capacity(data.len());
    for block in data.chunks_exact(8) {
        let mut b = Block::<TdesEde2>::default();
        b.0.copy_from_slice(block);
        cipher.decrypt_block(&mut b);
        out.extend(b.0.iter().zip(&chain).map(|(x, c)| x ^ c));
        chain.copy_from_slice(block);
        b.0.zeroize();
    }
    Some(out)
}

/// Retail MAC (ISO/IEC 9797-1 MAC algorithm 3, DES, padding method 2) under a 2-key TDES key.
pub fn retail_mac(key: &Key16, data: &[u8]) -> [u8; 8] {
    let k1 = Des::new(&<[u8; 8]>::try_from(&key[..8]).expect("8 bytes").into());
    let k2 = Des::new(&<[u8; 8]>::try_from(&key[8..]).expect("8 bytes").into());
    let padded = pad(data);
    let mut h = Block::<Des>::default();
    for block in padded.chunks_exact(8) {
        for (h, x) in h.0.iter_mut().zip(block) {
            *h ^= x;
        }
        k1.encrypt_block(&mut h);
    }
    k2.decrypt_block(&mut h);
    k1.encrypt_block(&mut h);
    h.0
}

/// The reader's MUTUAL AUTHENTICATE data: E.IFD ‖ M.IFD (40 bytes).
pub fn ifd_authenticate(
    kenc: &Key16,
    rnd_ifd: &[u8; 8],
    rnd_icc: &[u8; 8],
    k_ifd: &Key16,
) -> [u8; 40] {
    let mut plain = [0u8; 32];
    plain[..8].copy_from_slice(rnd_ifd);
    plain[8..16].copy_from_slice(rnd_icc);
    plain[16..].copy_from_slice(k_ifd);
    let e = encrypt(kenc, &plain);
    plain.zeroize();
    let m = retail_mac(kenc, &e);
    let mut out = [0u8; 40];
    out[..32].copy_from_slice(&e);
    out[32..].copy_from_slice(&m);
    out
}

/// Why the card's MUTUAL AUTHENTICATE answer was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// Not 40 bytes.
    Length,
    /// M.ICC does not match E.ICC.
    Mac,
    /// E.ICC does not hold our RND.IFD and the card's RND.ICC.
    Challenge,
}

/// Check the card's answer (E.ICC ‖ M.ICC) against our challenge and its own; K.ICC when it
/// holds.
pub fn check_icc_answer(
    kenc: &Key16,
    answer: &[u8],
    rnd_ifd: &[u8; 8],
    rnd_icc: &[u8; 8],
) -> Result<Key16, AuthFailure> {
    if answer.len() != 40 {
        return Err(AuthFailure::Length);
    }
    let (e, m) = answer.split_at(32);
    if retail_mac(kenc, e) != m {
        return Err(AuthFailure::Mac);
    }
    let mut plain = decrypt(kenc, e).ok_or(AuthFailure::Length)?;
    let ok = plain[..8] == rnd_icc[..] && plain[8..16] == rnd_ifd[..];
    let k_icc = first16(&plain[16..32]);
    plain.zeroize();
    if ok {
        Ok(k_icc)
    } else {
        Err(AuthFailure::Challenge)
    }
}

/// The card's side: check the reader's E.IFD ‖ M.IFD against the challenge it gave; the
/// reader's RND.IFD and K.IFD when it holds. `None` for a wrong card number (the MAC fails).
pub fn check_ifd_data(kenc: &Key16, data: &[u8], rnd_icc: &[u8; 8]) -> Option<([u8; 8], Key16)> {
    if data.len() != 40 || retail_mac(kenc, &data[..32]) != data[32..] {
        return None;
    }
    let mut plain = decrypt(kenc, &data[..32])?;
    let result = (plain[8..16] == rnd_icc[..]).then(|| {
        let mut rnd_ifd = [0u8; 8];
        rnd_ifd.copy_from_slice(&plain[..8]);
        (rnd_ifd, first16(&plain[16..32]))
    });
    plain.zeroize();
    result
}

/// The card's side: E.ICC ‖ M.ICC.
pub fn icc_answer(kenc: &Key16, rnd_icc: &[u8; 8], rnd_ifd: &[u8; 8], k_icc: &Key16) -> [u8; 40] {
    // The same layout as the reader's, with the roles swapped.
    ifd_authenticate(kenc, rnd_icc, rnd_ifd, k_icc)
}

/// `86 L 01 ‖ Enc(pad(data))`: the encrypted data object both directions use.
pub fn wrap(ks: &Key16, data: &[u8]) -> Vec<u8> {
    let mut padded = pad(data);
    let cipher = encrypt(ks, &padded);
    padded.zeroize();
    let len = cipher.len() + 1;
    let mut out = vec![0x86];
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend([0x81, len as u8]),
        _ => out.extend([0x82, (len >> 8) as u8, len as u8]),
    }
    out.push(0x01);
    out.extend_from_slice(&cipher);
    out
}

/// Why an encrypted answer could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnwrapFailure {
    /// Not a `86` object with the `01` padding indicator, or its length does not fit.
    Shape,
    /// Decrypted, it has no `80` padding: the wrong session key, or a damaged answer.
    Padding,
}

/// The inverse of [`wrap`]: the plain data of a `86` object.
pub fn unwrap(ks: &Key16, answer: &[u8]) -> Result<Vec<u8>, UnwrapFailure> {
    let (len, rest) = match answer {
        [0x86, n @ 0..=0x7F, r @ ..] => (usize::from(*n), r),
        [0x86, 0x81, n, r @ ..] => (usize::from(*n), r),
        [0x86, 0x82, hi, lo, r @ ..] => (usize::from(u16::from_be_bytes([*hi, *lo])), r),
        _ => return Err(UnwrapFailure::Shape),
    };
    if len < 1 || rest.len() != len || rest[0] != 0x01 {
        return Err(UnwrapFailure::Shape);
    }
    let plain = decrypt(ks, &rest[1..]).ok_or(UnwrapFailure::Shape)?;
    unpad(plain).ok_or(UnwrapFailure::Padding)
}

/// VERIFY of the card number under secure messaging: `08 20 00 86 13 86 11 01 ‖ Enc(number ‖
/// 80 00 00 00)`.
pub fn verify_command(ks: &Key16, card_number: &[u8; CARD_NUMBER_LEN]) -> Vec<u8> {
    let mut apdu = vec![0x08, 0x20, 0x00, 0x86, 0x13];
    apdu.extend(wrap(ks, card_number));
    apdu
}

/// SM READ BINARY by short EF identifier (`p1` = `80 | SFI`), extended form:
/// `08 B0 P1 00 00 00 04 96 02 <Le> 00 00`. `le` 0 asks for the whole file.
pub fn read_binary_command(p1: u8, le: u16) -> [u8; 13] {
    let [hi, lo] = le.to_be_bytes();
    [
        0x08, 0xB0, p1, 0x00, 0x00, 0x00, 0x04, 0x96, 0x02, hi, lo, 0x00, 0x00,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn arr<const N: usize>(s: &str) -> [u8; N] {
        hex(s).try_into().unwrap()
    }

    /// 在留カード等仕様書 別添2: the whole run with card number AA12345678BB, byte for byte.
    #[test]
    fn the_specification_test_vector_byte_for_byte() {
        let number = *b"AA12345678BB";
        let kenc = access_key(&number);
        assert_eq!(kenc, arr::<16>("6522B4E171195BB218223A976C040111"));

        let rnd_icc: [u8; 8] = arr("5A6E7E385162B7A3");
        let rnd_ifd: [u8; 8] = arr("1122334455667788");
        let k_ifd: Key16 = arr("404142434445464748494A4B4C4D4E4F");
        let ifd = ifd_authenticate(&kenc, &rnd_ifd, &rnd_icc, &k_ifd);
        assert_eq!(
            ifd[..32],
            hex("937745C20883A1BAD1E04193722A1592378F81A8F1DC589157AEB0F7544FA1BA")[..]
        );
        assert_eq!(ifd[32..], hex("1AD7FB6A3389E017")[..]);

        // The card's answer in the specification, and what the reader takes from it.
        let mut icc = hex("5860775B4D032CC564BA204B8EA868F694A74E7475A8FEF240588BDA1AF496CE");
        icc.extend(hex("59388FD6CD45248B"));
        let k_icc = check_icc_answer(&kenc, &icc, &rnd_ifd, &rnd_icc).unwrap();
        assert_eq!(k_icc, arr::<16>("19D049490FFF52EEDBFCB930BC810ED0"));

        // The card's side gives the same bytes, and accepts the reader's.
        assert_eq!(icc_answer(&kenc, &rnd_icc, &rnd_ifd, &k_icc)[..], icc[..]);
        assert_eq!(
            check_ifd_data(&kenc, &ifd, &rnd_icc),
            Some((rnd_ifd, k_ifd))
        );

        let ks = session_key(&k_ifd, &k_icc);
        assert_eq!(ks, arr::<16>("CE94938E19E3B97DF96EABCEDC1715CC"));

        let verify = verify_command(&ks, &number);
        let mut want = hex("08 20 00 86 13 86 11 01");
        want.extend(hex("1AA82973DB959A811F9711D728F0EEF6"));
        assert_eq!(verify, want);
        assert_eq!(unwrap(&ks, &verify[5..]).unwrap(), number);
    }

    #[test]
    fn a_wrong_card_number_fails_the_mac_on_both_sides() {
        let right = access_key(b"AA12345678BB");
        let wrong = access_key(b"AA12345678BC");
        let (rnd_ifd, rnd_icc, k) = ([1u8; 8], [2u8; 8], [3u8; 16]);
        let ifd = ifd_authenticate(&wrong, &rnd_ifd, &rnd_icc, &k);
        assert_eq!(check_ifd_data(&right, &ifd, &rnd_icc), None);
        let icc = icc_answer(&right, &rnd_icc, &rnd_ifd, &k);
        assert_eq!(
            check_icc_answer(&wrong, &icc, &rnd_ifd, &rnd_icc),
            Err(AuthFailure::Mac)
        );
        // A replayed answer to another challenge is refused too.
        assert_eq!(
            check_icc_answer(&right, &icc, &[9u8; 8], &rnd_icc),
            Err(AuthFailure::Challenge)
        );
    }

    #[test]
    fn wrap_and_unwrap_at_every_length_form() {
        let ks = [7u8; 16];
        for n in [0usize, 1, 7, 8, 100, 126, 127, 300, 7000] {
            let data: Vec<u8> = (0..n).map(|i| i as u8).collect();
            let w = wrap(&ks, &data);
            assert_eq!(unwrap(&ks, &w).unwrap(), data, "{n} bytes");
        }
        let w = wrap(&ks, b"abc");
        assert_eq!(unwrap(&[8u8; 16], &w), Err(UnwrapFailure::Padding));
        assert_eq!(unwrap(&ks, &w[..w.len() - 1]), Err(UnwrapFailure::Shape));
    }
}
