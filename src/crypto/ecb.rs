//! `ecb`: `AES-ECB(PKCS7(m))`, as seed 000 sends it.
//!
//! Hazmat: ECB is deterministic block by block, so equal 16-byte plaintext blocks give equal
//! ciphertext blocks, and nothing detects blocks that were swapped, cut or replayed.

use super::aes_modes::{Aes, padded_len};
use super::{BLOCK, Opened, Reason};

pub(super) fn seal(aes: &Aes, msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(padded_len(msg.len()));
    aes.ecb_seal(msg, &mut out);
    out
}

pub(super) fn open(aes: &Aes, wire: &[u8]) -> Opened {
    if wire.is_empty() {
        return Opened::rejected(Reason::TooShort);
    }
    if !wire.len().is_multiple_of(BLOCK) {
        return Opened::rejected(Reason::NotBlockMultiple);
    }
    Opened::unpadded(aes.ecb_open(wire))
}
