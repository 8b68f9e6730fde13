//! `hmac`: `len u32 BE ‖ m ‖ HMAC-SHA256(key, m)`, as seed 004 sends it in three writes.
//!
//! Integrity without secrecy: the message crosses the wire in plaintext. The length counts
//! bytes (seed 004 counted characters, which breaks on non-ASCII text).

use std::sync::Arc;

use hmac::Mac;

use super::anatomy::{Anatomy, Builder, FieldKind};
use super::key::MAX_HMAC_KEY;
use super::spec::{Integrity, KeyForm, KeyLengths, KeyRule, Seal, Spec};
use super::{KeyExchange, Nonce, OpenOptions, Opened, Reason, SealError, Signer, TAG, signer};

/// The key rule of the MACs: any bytes, bare text used as-is (seed 004's `SHARED_SECRET_KEY`).
pub(super) const MAC_KEY_RULE: KeyRule = KeyRule {
    form: KeyForm::Text,
    lengths: KeyLengths::UpTo(MAX_HMAC_KEY),
    generated: 32,
    expected: "1 to 1024 bytes; bare text is used as-is, or hex:… / base64:…",
    describe: |len| format!("{len}-byte HMAC-SHA256 key"),
};

pub(super) static SPEC: Spec = Spec {
    name: "hmac",
    title: "HMAC-SHA256, plaintext on the wire",
    secrecy: false,
    integrity: Integrity::Tag("the HMAC-SHA256 tag, compared in constant time"),
    deterministic: true,
    nonce: false,
    first_message_byte: 4,
    seed_port: Some(12345),
    exchange: KeyExchange::Psk,
    key: MAC_KEY_RULE,
    expand: |key| Arc::new(Hmac(signer(key))),
    dissect,
};

struct Hmac(Signer);

impl Seal for Hmac {
    fn seal(&self, msg: &[u8], _: &Nonce) -> Result<Vec<u8>, SealError> {
        let tag = self.0.clone().chain_update(msg).finalize().into_bytes();
        framed(msg, &tag)
    }

    fn open(&self, wire: &[u8], _: &OpenOptions) -> Opened {
        open_framed(wire, |msg, tag| {
            self.0.clone().chain_update(msg).verify_slice(tag).is_ok()
        })
    }
}

/// `len u32 BE ‖ msg ‖ tag`, the framing hmac and prefix-mac share.
pub(super) fn framed(msg: &[u8], tag: &[u8]) -> Result<Vec<u8>, SealError> {
    let len = u32::try_from(msg.len()).map_err(|_| SealError::TooLong { len: msg.len() })?;
    let mut out = Vec::with_capacity(4 + msg.len() + tag.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(msg);
    out.extend_from_slice(tag);
    Ok(out)
}

/// Checks the framing, then the tag with `verify` (which must compare in constant time).
pub(super) fn open_framed(wire: &[u8], verify: impl FnOnce(&[u8], &[u8]) -> bool) -> Opened {
    let Some(body_len) = wire.len().checked_sub(4 + TAG) else {
        return Opened::rejected(Reason::TooShort);
    };
    let claimed = u32::from_be_bytes([wire[0], wire[1], wire[2], wire[3]]);
    if usize::try_from(claimed).ok() != Some(body_len) {
        return Opened::rejected(Reason::LengthMismatch);
    }
    let (msg, tag) = wire[4..].split_at(body_len);
    if verify(msg, tag) {
        Opened::accepted(super::Verdict::Authentic, msg.to_vec())
    } else {
        Opened::rejected(Reason::TagMismatch)
    }
}

/// `length ‖ message ‖ tag`, for hmac and prefix-mac.
pub(super) fn dissect(wire: &[u8]) -> Anatomy {
    let mut out = Builder::default();
    let Some(head) = wire.first_chunk::<4>() else {
        out.rest(wire);
        return out.raw(wire);
    };
    out.push_upto(
        wire,
        FieldKind::Length {
            value: u32::from_be_bytes(*head),
        },
        4,
    );
    let message_len = wire.len().saturating_sub(4 + TAG);
    out.push_upto(wire, FieldKind::Message, message_len);
    out.push_upto(wire, FieldKind::Tag, TAG);
    out.raw(wire)
}
