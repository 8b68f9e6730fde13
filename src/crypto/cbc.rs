//! `cbc`: `salt(16) ‖ AES-CBC(PKCS7(m))`, where the random salt is the IV (seed 003).
//!
//! Hazmat: nothing authenticates the ciphertext. Flipping a bit of the salt flips the same bit
//! of plaintext block 0, undetected.

use std::sync::Arc;

use super::aes_modes::{AES_KEY_RULE, Aes, padded_len};
use super::anatomy::{Anatomy, Builder, FieldKind};
use super::spec::{Integrity, Seal, Spec};
use super::{BLOCK, KeyExchange, Nonce, OpenOptions, Opened, Reason, SealError};

pub(super) static SPEC: Spec = Spec {
    name: "cbc",
    title: "AES-CBC, random salt as IV",
    secrecy: true,
    integrity: Integrity::None,
    deterministic: false,
    nonce: false,
    first_message_byte: BLOCK,
    seed_port: Some(5000),
    exchange: KeyExchange::Send,
    key: AES_KEY_RULE,
    expand: |key| Arc::new(Cbc(Aes::from_key(key))),
    dissect,
};

struct Cbc(Aes);

impl Seal for Cbc {
    fn seal(&self, msg: &[u8], nonce: &Nonce) -> Result<Vec<u8>, SealError> {
        Ok(seal(&self.0, &nonce.iv, msg))
    }

    fn open(&self, wire: &[u8], _: &OpenOptions) -> Opened {
        open(&self.0, wire)
    }
}

fn dissect(wire: &[u8]) -> Anatomy {
    let mut out = Builder::default();
    out.push_upto(wire, FieldKind::Salt, BLOCK);
    out.blocks_until(wire, wire.len(), false);
    out.raw(wire)
}

fn seal(aes: &Aes, salt: &[u8; BLOCK], msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(BLOCK + padded_len(msg.len()));
    out.extend_from_slice(salt);
    aes.cbc_seal(salt, msg, &mut out);
    out
}

fn open(aes: &Aes, wire: &[u8]) -> Opened {
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
