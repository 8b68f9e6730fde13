//! `chacha`: ChaCha20-Poly1305 (RFC 8439), `nonce 12 ‖ ChaCha20(m) ‖ Poly1305 tag 16`.
//!
//! The other AEAD, fast without AES hardware. The same lesson as gcm: every tamper is
//! `rejected: tag mismatch`, a replay is accepted, and a repeated nonce repeats the keystream.

use std::sync::Arc;

use chacha20poly1305::ChaCha20Poly1305;
use chacha20poly1305::aead::KeyInit;

use super::spec::{Integrity, KeyForm, KeyLengths, KeyRule, Seal, Spec};
use super::{KeyExchange, Nonce, OpenOptions, Opened, SealError, aead};

pub(super) static SPEC: Spec = Spec {
    name: "chacha",
    title: "ChaCha20-Poly1305: an AEAD, nonce ‖ ciphertext ‖ tag",
    secrecy: true,
    integrity: Integrity::Tag("the Poly1305 tag, checked in constant time before decrypting"),
    deterministic: false,
    nonce: true,
    first_message_byte: aead::FIRST_MESSAGE_BYTE,
    seed_port: None,
    exchange: KeyExchange::Send,
    key: KeyRule {
        form: KeyForm::Hex,
        lengths: KeyLengths::Exactly(32),
        generated: 32,
        expected: "32 bytes: 64 hex digits, or base64:… / text:…",
        describe: |_| "ChaCha20-Poly1305".to_owned(),
    },
    expand: |key| {
        Arc::new(Chacha(Box::new(
            ChaCha20Poly1305::new_from_slice(key)
                .unwrap_or_else(|_| ChaCha20Poly1305::new(&Default::default())),
        )))
    },
    dissect: aead::dissect,
};

/// The key length was checked by [`Key`](super::Key), so the zero-key fallback is never taken;
/// it exists so that no path can panic.
struct Chacha(Box<ChaCha20Poly1305>);

impl Seal for Chacha {
    fn seal(&self, msg: &[u8], nonce: &Nonce) -> Result<Vec<u8>, SealError> {
        aead::seal(&*self.0, msg, nonce)
    }

    fn open(&self, wire: &[u8], _: &OpenOptions) -> Opened {
        aead::open(&*self.0, wire)
    }
}
