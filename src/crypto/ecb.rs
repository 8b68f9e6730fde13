//! `ecb`: `AES-ECB(PKCS7(m))`, as seed 000 sends it.
//!
//! Hazmat: ECB is deterministic block by block, so equal 16-byte plaintext blocks give equal
//! ciphertext blocks, and nothing detects blocks that were swapped, cut or replayed.

use std::sync::Arc;

use super::aes_modes::{AES_KEY_RULE, Aes, padded_len, sized};
use super::anatomy::{Anatomy, Builder};
use super::spec::{Integrity, Seal, Spec, seal_fresh};
use super::{
    BLOCK, KeyExchange, Nonce, OpenOptions, Opened, Reason, SealError, Verdict, unpad_in_place,
};

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
    fn seal(&self, msg: &[u8], nonce: &Nonce) -> Result<Vec<u8>, SealError> {
        seal_fresh(|out| self.seal_into(msg, nonce, out))
    }

    fn open(&self, wire: &[u8], options: &OpenOptions) -> Opened {
        Opened::fresh(|out| self.open_into(wire, options, out))
    }

    fn seal_into(&self, msg: &[u8], _: &Nonce, out: &mut Vec<u8>) -> Result<(), SealError> {
        self.0.ecb_seal_to(msg, sized(out, padded_len(msg.len())));
        Ok(())
    }

    fn open_into(&self, wire: &[u8], _: &OpenOptions, out: &mut Vec<u8>) -> Verdict {
        let refusal = if wire.is_empty() {
            Some(Reason::TooShort)
        } else if !wire.len().is_multiple_of(BLOCK) {
            Some(Reason::NotBlockMultiple)
        } else {
            None
        };
        if let Some(reason) = refusal {
            out.clear();
            return Verdict::Rejected(reason);
        }
        self.0.ecb_open_to(wire, sized(out, wire.len()));
        unpad_in_place(out)
    }
}

fn dissect(wire: &[u8]) -> Anatomy {
    let mut out = Builder::default();
    out.blocks_until(wire, wire.len(), true);
    out.raw(wire)
}
