//! What gcm and chacha share: `nonce 12 ‖ ciphertext ‖ tag 16`, no associated data.
//!
//! The AEAD crates check the tag in constant time before releasing any plaintext; a message
//! either opens `authentic` or is `rejected: tag mismatch` (or `too short`).

use aes_gcm::aead::{AeadInPlace, Nonce as AeadNonce, Tag};

use super::anatomy::{Anatomy, Builder, FieldKind};
use super::{AEAD_NONCE, AEAD_TAG, Nonce, Opened, Reason, SealError, Verdict};

/// Where the ciphertext starts: after the nonce.
pub(super) const FIRST_MESSAGE_BYTE: usize = AEAD_NONCE;

/// Seals `msg` under the first 12 bytes of `nonce.iv`.
pub(super) fn seal<C: AeadInPlace>(
    cipher: &C,
    msg: &[u8],
    nonce: &Nonce,
) -> Result<Vec<u8>, SealError> {
    let iv = &nonce.iv[..AEAD_NONCE];
    let mut out = Vec::with_capacity(AEAD_NONCE + msg.len() + AEAD_TAG);
    out.extend_from_slice(iv);
    out.extend_from_slice(msg);
    let tag = cipher
        .encrypt_in_place_detached(AeadNonce::<C>::from_slice(iv), b"", &mut out[AEAD_NONCE..])
        .map_err(|_| SealError::TooLong { len: msg.len() })?;
    out.extend_from_slice(&tag);
    Ok(out)
}

/// Opens `nonce ‖ ciphertext ‖ tag`.
pub(super) fn open<C: AeadInPlace>(cipher: &C, wire: &[u8]) -> Opened {
    if wire.len() < AEAD_NONCE + AEAD_TAG {
        return Opened::rejected(Reason::TooShort);
    }
    let (iv, rest) = wire.split_at(AEAD_NONCE);
    let (ciphertext, tag) = rest.split_at(rest.len() - AEAD_TAG);
    let mut plaintext = ciphertext.to_vec();
    match cipher.decrypt_in_place_detached(
        AeadNonce::<C>::from_slice(iv),
        b"",
        &mut plaintext,
        Tag::<C>::from_slice(tag),
    ) {
        Ok(()) => Opened::accepted(Verdict::Authentic, plaintext),
        Err(_) => Opened::rejected(Reason::TagMismatch),
    }
}

/// `nonce ‖ ciphertext ‖ tag`: a stream cipher's ciphertext has no blocks to label.
pub(super) fn dissect(wire: &[u8]) -> Anatomy {
    let mut out = Builder::default();
    out.push_upto(wire, FieldKind::Nonce, AEAD_NONCE);
    let ciphertext = wire.len().saturating_sub(AEAD_NONCE + AEAD_TAG);
    out.push_upto(wire, FieldKind::Ciphertext, ciphertext);
    out.push_upto(wire, FieldKind::Tag, AEAD_TAG);
    out.raw(wire)
}
