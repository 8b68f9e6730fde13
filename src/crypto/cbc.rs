//! `cbc`: `salt(16) ‖ AES-CBC(PKCS7(m))`, where the random salt is the IV (seed 003).
//!
//! Hazmat: nothing authenticates the ciphertext. Flipping a bit of the salt flips the same bit
//! of plaintext block 0, undetected.

use super::aes_modes::{Aes, padded_len};
use super::{BLOCK, Opened, Reason};

pub(super) fn seal(aes: &Aes, salt: &[u8; BLOCK], msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(BLOCK + padded_len(msg.len()));
    out.extend_from_slice(salt);
    aes.cbc_seal(salt, msg, &mut out);
    out
}

pub(super) fn open(aes: &Aes, wire: &[u8]) -> Opened {
    let Some((salt, ciphertext)) = wire.split_first_chunk::<BLOCK>() else {
        return Opened::rejected(Reason::TooShort);
    };
    if ciphertext.is_empty() {
        return Opened::rejected(Reason::TooShort);
    }
    if !ciphertext.len().is_multiple_of(BLOCK) {
        return Opened::rejected(Reason::NotBlockMultiple);
    }
    Opened::unpadded(aes.cbc_open(salt, ciphertext))
}
