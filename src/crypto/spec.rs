//! What makes a scheme a scheme: its properties, its key rules, its anatomy and how a key is
//! expanded into something that seals and opens.
//!
//! Each scheme's file exports one [`Spec`]; [`Scheme::spec`](super::Scheme::spec) is the one
//! place that lists them, so a new scheme is its file plus its line there.

use std::sync::Arc;

use super::{Anatomy, KeyExchange, Nonce, OpenOptions, Opened, SealError, Verdict};

/// A key expanded for one scheme: seals and opens messages. Implemented by each scheme's file.
pub(crate) trait Seal: Send + Sync {
    /// Seals `msg`, taking any randomness and time from `nonce`.
    fn seal(&self, msg: &[u8], nonce: &Nonce) -> Result<Vec<u8>, SealError>;
    /// Opens wire bytes; never fails, the verdict says why.
    fn open(&self, wire: &[u8], options: &OpenOptions) -> Opened;
    /// Seals `msg` over `out`, replacing what it held. By default a new buffer moved in; the
    /// AES modes write over the old one, so a reused buffer is not zeroed again.
    fn seal_into(&self, msg: &[u8], nonce: &Nonce, out: &mut Vec<u8>) -> Result<(), SealError> {
        *out = self.seal(msg, nonce)?;
        Ok(())
    }
    /// Opens wire bytes over `out`: the plaintext when the verdict accepts, empty otherwise.
    fn open_into(&self, wire: &[u8], options: &OpenOptions, out: &mut Vec<u8>) -> Verdict {
        let opened = self.open(wire, options);
        *out = opened.plaintext.unwrap_or_default();
        opened.verdict
    }
}

/// `seal` for a scheme that implements `seal_into`: into a new buffer.
pub(super) fn seal_fresh(
    seal_into: impl FnOnce(&mut Vec<u8>) -> Result<(), SealError>,
) -> Result<Vec<u8>, SealError> {
    let mut out = Vec::new();
    seal_into(&mut out)?;
    Ok(out)
}

/// How a scheme's key text reads without a `hex:`/`base64:`/`text:` prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyForm {
    /// Hex digits (ecb, cbc, gcm, chacha).
    Hex,
    /// urlsafe base64 (fernet).
    UrlBase64,
    /// The text itself, as seed 004's `SHARED_SECRET_KEY` (hmac, prefix-mac).
    Text,
}

/// Which key lengths a scheme takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyLengths {
    /// AES-128, AES-192 or AES-256: 16, 24 or 32 bytes.
    Aes,
    /// Exactly this many bytes.
    Exactly(usize),
    /// Anything from one byte up to this many.
    UpTo(usize),
}

impl KeyLengths {
    /// Whether a key of `len` bytes fits.
    pub fn allows(self, len: usize) -> bool {
        match self {
            KeyLengths::Aes => matches!(len, 16 | 24 | 32),
            KeyLengths::Exactly(n) => len == n,
            KeyLengths::UpTo(max) => (1..=max).contains(&len),
        }
    }
}

/// A scheme's key rules.
#[derive(Clone, Copy, Debug)]
pub struct KeyRule {
    /// How bare key text reads.
    pub form: KeyForm,
    /// The lengths accepted.
    pub lengths: KeyLengths,
    /// The length of a generated or agreed key, in bytes.
    pub generated: usize,
    /// The expected form and length, for error messages and help.
    pub expected: &'static str,
    /// What the key is, for the Key pane: `AES-128`, `32-byte HMAC key`.
    pub describe: fn(usize) -> String,
}

/// What the receiver's check proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Integrity {
    /// Nothing: a valid padding is all the receiver can check (ecb, cbc).
    None,
    /// A tag, and the sentence naming the check that decides.
    Tag(&'static str),
    /// A tag that anyone can extend without the key: it proves nothing. The sentence names it.
    Forgeable(&'static str),
}

/// Everything about one scheme that the rest of cipherlab reads.
pub struct Spec {
    /// The lowercase name used on the command line, in JSON and on the wire.
    pub name: &'static str,
    /// A one-line description for help text and the screen.
    pub title: &'static str,
    /// Whether an eavesdropper without the key cannot read the message.
    pub secrecy: bool,
    /// What the receiver's check proves.
    pub integrity: Integrity,
    /// Whether sealing the same plaintext twice gives the same wire bytes.
    pub deterministic: bool,
    /// Whether the sender picks a nonce per message (`--nonce`).
    pub nonce: bool,
    /// The offset of the first byte that carries the message in the sealed bytes.
    pub first_message_byte: usize,
    /// The seed program's port, for the four schemes `--wire seed` speaks.
    pub seed_port: Option<u16>,
    /// The default key exchange.
    pub exchange: KeyExchange,
    /// The key rules.
    pub key: KeyRule,
    /// Expands checked key bytes.
    pub(crate) expand: fn(&[u8]) -> Arc<dyn Seal>,
    /// Labels a message's bytes without the key.
    pub(crate) dissect: fn(&[u8]) -> Anatomy,
}
