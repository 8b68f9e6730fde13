//! `cbc`: `salt(16) ‖ AES-CBC(PKCS7(m))`, where the random salt is the IV (seed 003).
//!
//! Hazmat: nothing authenticates the ciphertext. Flipping a bit of the salt flips the same bit
//! of plaintext block 0, undetected.

use std::sync::Arc;

use super::aes_modes::{AES_KEY_RULE, Aes, padded_len, sized};
use super::anatomy::{Anatomy, Builder, FieldKind};
use super::spec::{Integrity, Seal, Spec, seal_fresh};
use super::{
    BLOCK, KeyExchange, Nonce, OpenOptions, Opened, Reason, SealError, Verdict, unpad_in_place,
};

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
        seal_fresh(|out| self.seal_into(msg, nonce, out))
    }

    fn open(&self, wire: &[u8], options: &OpenOptions) -> Opened {
        Opened::fresh(|out| self.open_into(wire, options, out))
    }

    fn seal_into(&self, msg: &[u8], nonce: &Nonce, out: &mut Vec<u8>) -> Result<(), SealError> {
        let (salt, body) = sized(out, BLOCK + padded_len(msg.len())).split_at_mut(BLOCK);
        salt.copy_from_slice(&nonce.iv);
        self.0.cbc_seal_to(&nonce.iv, msg, body);
        Ok(())
    }

    fn open_into(&self, wire: &[u8], _: &OpenOptions, out: &mut Vec<u8>) -> Verdict {
        let parts = wire
            .split_first_chunk::<BLOCK>()
            .ok_or(Reason::TooShort)
            .and_then(|(salt, body)| match body.len() {
                0 => Err(Reason::TooShort),
                n if !n.is_multiple_of(BLOCK) => Err(Reason::NotBlockMultiple),
                _ => Ok((salt, body)),
            });
        match parts {
            Ok((salt, body)) => {
                self.0.cbc_open_to(salt, body, sized(out, body.len()));
                unpad_in_place(out)
            }
            Err(reason) => {
                out.clear();
                Verdict::Rejected(reason)
            }
        }
    }
}

fn dissect(wire: &[u8]) -> Anatomy {
    let mut out = Builder::default();
    out.push_upto(wire, FieldKind::Salt, BLOCK);
    out.blocks_until(wire, wire.len(), false);
    out.raw(wire)
}
