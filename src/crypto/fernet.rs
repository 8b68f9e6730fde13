//! `fernet`: `base64url(0x80 ‖ timestamp u64 ‖ IV 16 ‖ AES-128-CBC(PKCS7(m)) ‖ HMAC 32)`.
//!
//! Implemented from the spec on RustCrypto primitives so that a rejection can say which check
//! failed; the `fernet` crate is the independent reference the tests hold it to. The tag is
//! verified with `hmac`'s constant-time `verify_slice` before anything is decrypted.

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use hmac::Mac;

use std::sync::Arc;

use super::aes_modes::{Aes, padded_len, unpad};
use super::anatomy::{Anatomy, Builder, Encoding, FieldKind};
use super::spec::{Integrity, KeyForm, KeyLengths, KeyRule, Seal, Spec};
use super::{
    BLOCK, KeyExchange, Nonce, OpenOptions, Opened, Reason, SealError, Signer, TAG, Verdict, signer,
};

pub(super) static SPEC: Spec = Spec {
    name: "fernet",
    title: "Fernet (AES-128-CBC + HMAC-SHA256)",
    secrecy: true,
    integrity: Integrity::Tag("the HMAC-SHA256 tag, compared in constant time"),
    deterministic: false,
    nonce: false,
    first_message_byte: HEADER,
    seed_port: Some(5000),
    exchange: KeyExchange::Send,
    key: KeyRule {
        form: KeyForm::UrlBase64,
        lengths: KeyLengths::Exactly(32),
        generated: 32,
        expected: "32 bytes as 44 characters of urlsafe base64, or hex:… / text:…",
        describe: |_| "Fernet: 16-byte HMAC key + 16-byte AES-128 key".to_owned(),
    },
    expand,
    dissect,
};

/// The spec splits the 32-byte key: signing key first, encryption key second.
fn expand(key: &[u8]) -> Arc<dyn Seal> {
    let (signing, encryption) = key.split_at(key.len() / 2);
    Arc::new(FernetKeys {
        signer: signer(signing),
        aes: Aes::from_key(encryption),
    })
}

impl Seal for FernetKeys {
    fn seal(&self, msg: &[u8], nonce: &Nonce) -> Result<Vec<u8>, SealError> {
        Ok(seal(self, msg, &nonce.iv, nonce.now))
    }

    fn open(&self, wire: &[u8], options: &OpenOptions) -> Opened {
        open(self, wire, options)
    }
}

/// Dissects the decoded token; text that is not base64url is one unparsed field.
fn dissect(wire: &[u8]) -> Anatomy {
    let mut out = Builder::default();
    let Some(token) = decode_token(wire) else {
        out.rest(wire);
        return out.raw(wire);
    };
    out.push_upto(&token, FieldKind::Version, 1);
    let secs = token
        .get(1..9)
        .and_then(|ts| ts.try_into().ok())
        .map(u64::from_be_bytes);
    match secs {
        Some(secs) => out.push_upto(&token, FieldKind::Timestamp { secs }, 8),
        None => out.rest(&token),
    }
    out.push_upto(&token, FieldKind::Iv, BLOCK);
    let tag_start = token.len().saturating_sub(TAG).max(out.pos);
    out.blocks_until(&token, tag_start, false);
    out.push_upto(&token, FieldKind::Tag, TAG);
    out.finish(Encoding::Base64Url, token)
}

/// The only version byte Fernet defines.
pub const VERSION: u8 = 0x80;
/// How far ahead of the receiver's clock a timestamp may be, in seconds (the spec's rule).
pub const MAX_CLOCK_SKEW: u64 = 60;
/// Version, timestamp and IV.
const HEADER: usize = 1 + 8 + BLOCK;

/// urlsafe base64 that tolerates missing `=` padding, as several Fernet libraries emit.
const TOKEN_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The signing half and the encryption half of a Fernet key.
struct FernetKeys {
    signer: Signer,
    aes: Aes,
}

/// Decodes a token's base64url text; `None` when it is not base64url.
pub(crate) fn decode_token(wire: &[u8]) -> Option<Vec<u8>> {
    TOKEN_BASE64.decode(wire).ok()
}

fn seal(keys: &FernetKeys, msg: &[u8], iv: &[u8; BLOCK], now: u64) -> Vec<u8> {
    let mut token = Vec::with_capacity(HEADER + padded_len(msg.len()) + TAG);
    token.push(VERSION);
    token.extend_from_slice(&now.to_be_bytes());
    token.extend_from_slice(iv);
    keys.aes.cbc_seal(iv, msg, &mut token);
    let tag = keys
        .signer
        .clone()
        .chain_update(&token)
        .finalize()
        .into_bytes();
    token.extend_from_slice(&tag);
    base64::engine::general_purpose::URL_SAFE
        .encode(&token)
        .into_bytes()
}

fn open(keys: &FernetKeys, wire: &[u8], options: &OpenOptions) -> Opened {
    let Some(token) = decode_token(wire) else {
        return Opened::rejected(Reason::InvalidBase64);
    };
    match token.first() {
        None => return Opened::rejected(Reason::TooShort),
        Some(&VERSION) => {}
        Some(_) => return Opened::rejected(Reason::BadVersion),
    }
    let Some(ciphertext_len) = token.len().checked_sub(HEADER + TAG) else {
        return Opened::rejected(Reason::TooShort);
    };
    if !ciphertext_len.is_multiple_of(BLOCK) {
        return Opened::rejected(Reason::NotBlockMultiple);
    }
    if ciphertext_len == 0 {
        return Opened::rejected(Reason::TooShort);
    }
    let mut stamp = [0u8; 8];
    stamp.copy_from_slice(&token[1..9]);
    let timestamp = u64::from_be_bytes(stamp);
    if let Some(ttl) = options.ttl
        && timestamp.saturating_add(ttl) < options.now
    {
        return Opened::rejected(Reason::TokenExpired);
    }
    if timestamp > options.now.saturating_add(MAX_CLOCK_SKEW) {
        return Opened::rejected(Reason::FutureTimestamp);
    }
    let (signed, tag) = token.split_at(token.len() - TAG);
    if keys
        .signer
        .clone()
        .chain_update(signed)
        .verify_slice(tag)
        .is_err()
    {
        return Opened::rejected(Reason::TagMismatch);
    }
    let mut iv = [0u8; BLOCK];
    iv.copy_from_slice(&signed[9..HEADER]);
    let mut buf = keys.aes.cbc_open(&iv, &signed[HEADER..]);
    match unpad(&buf) {
        Some(len) => {
            buf.truncate(len);
            Opened::accepted(Verdict::Authentic, buf)
        }
        None => Opened::rejected(Reason::BadPadding),
    }
}
