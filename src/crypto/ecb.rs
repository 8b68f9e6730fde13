//! `ecb`: `AES-ECB(PKCS7(m))`, as seed 000 sends it.
//!
//! Hazmat: ECB is deterministic block by block, so equal 16-byte plaintext blocks give equal
//! ciphertext blocks, and nothing detects blocks that were swapped, cut or replayed.

use std::sync::Arc;

use super::aes_modes::{AES_KEY_RULE, Aes, padded_len};
use super::anatomy::{Anatomy, Builder};
use super::spec::{Integrity, Seal, Spec};
use super::{BLOCK, KeyExchange, Nonce, OpenOptions, Opened, Reason, SealError};

pub(super) static SPEC: Spec = Spec {
    name: "ecb",
    title: "AES-ECB",
    secrecy: true,
    integrity: Integrity::None,
    deterministic: true,
    nonce: false,
    first_message_byte: 0,
    seed_port: Some(12345),
    exchange: KeyExchange::Send,
    key: AES_KEY_RULE,
    expand: |key| Arc::new(Ecb(Aes::from_key(key))),
    dissect,
};

struct Ecb(Aes);

impl Seal for Ecb {
    fn seal(&self, msg: &[u8], _: &Nonce) -> Result<Vec<u8>, SealError> {
        Ok(seal(&self.0, msg))
    }

    fn open(&self, wire: &[u8], _: &OpenOptions) -> Opened {
        open(&self.0, wire)
    }
}

fn dissect(wire: &[u8]) -> Anatomy {
    let mut out = Builder::default();
    out.blocks_until(wire, wire.len(), true);
    out.raw(wire)
}

fn seal(aes: &Aes, msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(padded_len(msg.len()));
    aes.ecb_seal(msg, &mut out);
    out
}

fn open(aes: &Aes, wire: &[u8]) -> Opened {
    if wire.is_empty() {
        return Opened::rejected(Reason::TooShort);
    }
    if !wire.len().is_multiple_of(BLOCK) {
        return Opened::rejected(Reason::NotBlockMultiple);
    }
    Opened::unpadded(aes.ecb_open(wire))
}
