//! `prefix-mac`: `len u32 BE ‖ m ‖ SHA-256(key ‖ m)`, the MAC done wrong.
//!
//! Hazmat, on purpose: SHA-256's output is its whole internal state, so anyone holding `m` and
//! its tag can go on hashing from there and produce a valid tag for `m ‖ pad ‖ more` without the
//! key ([`length_extension`](super::length_extension)). HMAC exists because of this. The tag is
//! still compared in constant time: the flaw is the construction, not the comparison.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::hmac::{MAC_KEY_RULE, dissect, framed, open_framed};
use super::spec::{Integrity, KeyRule, Seal, Spec};
use super::{KeyExchange, Nonce, OpenOptions, Opened, SealError};

pub(super) static SPEC: Spec = Spec {
    name: "prefix-mac",
    title: "SHA-256(key ‖ m), plaintext on the wire: the MAC done wrong",
    secrecy: false,
    integrity: Integrity::Forgeable("SHA-256(key ‖ message): forgeable by length extension"),
    deterministic: true,
    nonce: false,
    first_message_byte: 4,
    seed_port: None,
    exchange: KeyExchange::Psk,
    key: KeyRule {
        describe: |len| format!("{len}-byte SHA-256 prefix key"),
        ..MAC_KEY_RULE
    },
    expand: |key| Arc::new(PrefixMac(Zeroizing::new(key.to_vec()))),
    dissect,
};

struct PrefixMac(Zeroizing<Vec<u8>>);

impl PrefixMac {
    fn tag(&self, msg: &[u8]) -> [u8; 32] {
        Sha256::new()
            .chain_update(&*self.0)
            .chain_update(msg)
            .finalize()
            .into()
    }
}

impl Seal for PrefixMac {
    fn seal(&self, msg: &[u8], _: &Nonce) -> Result<Vec<u8>, SealError> {
        framed(msg, &self.tag(msg))
    }

    fn open(&self, wire: &[u8], _: &OpenOptions) -> Opened {
        open_framed(wire, |msg, tag| bool::from(self.tag(msg).ct_eq(tag)))
    }
}
