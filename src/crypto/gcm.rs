//! `gcm`: AES-GCM, `nonce 12 ‖ AES-CTR(m) ‖ GHASH tag 16`, no associated data.
//!
//! An AEAD: the tag covers every ciphertext byte, so any change is `rejected: tag mismatch`.
//! What it does not stop: a replay (nothing in the message says it is new), and a repeated
//! nonce, which repeats the keystream (`--nonce fixed`).

use std::sync::Arc;

use aes::Aes192;
use aes_gcm::aead::KeyInit;
use aes_gcm::aead::consts::U12;
use aes_gcm::{Aes128Gcm, Aes256Gcm, AesGcm};

use super::aes_modes::AES_KEY_RULE;
use super::spec::{Integrity, KeyRule, Seal, Spec};
use super::{KeyExchange, Nonce, OpenOptions, Opened, SealError, aead};

pub(super) static SPEC: Spec = Spec {
    name: "gcm",
    title: "AES-GCM: an AEAD, nonce ‖ ciphertext ‖ tag",
    secrecy: true,
    integrity: Integrity::Tag("the AES-GCM tag, checked in constant time before decrypting"),
    deterministic: false,
    nonce: true,
    first_message_byte: aead::FIRST_MESSAGE_BYTE,
    seed_port: None,
    exchange: KeyExchange::Send,
    key: KeyRule {
        describe: |len| format!("AES-{}-GCM", len * 8),
        ..AES_KEY_RULE
    },
    expand,
    dissect: aead::dissect,
};

enum Gcm {
    A128(Box<Aes128Gcm>),
    A192(Box<AesGcm<Aes192, U12>>),
    A256(Box<Aes256Gcm>),
}

/// The key length was checked by [`Key`](super::Key); anything else (never reached) is cut or
/// zero-padded to AES-128 rather than panicking.
fn expand(key: &[u8]) -> Arc<dyn Seal> {
    Arc::new(match key.len() {
        24 => Gcm::A192(Box::new(AesGcm::new(key.into()))),
        32 => Gcm::A256(Box::new(Aes256Gcm::new(key.into()))),
        _ => {
            let mut k = zeroize::Zeroizing::new([0u8; 16]);
            let n = key.len().min(16);
            k[..n].copy_from_slice(&key[..n]);
            Gcm::A128(Box::new(Aes128Gcm::new(&(*k).into())))
        }
    })
}

impl Seal for Gcm {
    fn seal(&self, msg: &[u8], nonce: &Nonce) -> Result<Vec<u8>, SealError> {
        match self {
            Gcm::A128(c) => aead::seal(&**c, msg, nonce),
            Gcm::A192(c) => aead::seal(&**c, msg, nonce),
            Gcm::A256(c) => aead::seal(&**c, msg, nonce),
        }
    }

    fn open(&self, wire: &[u8], _: &OpenOptions) -> Opened {
        match self {
            Gcm::A128(c) => aead::open(&**c, wire),
            Gcm::A192(c) => aead::open(&**c, wire),
            Gcm::A256(c) => aead::open(&**c, wire),
        }
    }
}
