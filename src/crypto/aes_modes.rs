//! AES-128/192/256 behind one type, with the ECB and CBC modes the schemes use.
//!
//! The key schedule is expanded once per key and cloned into each mode instance, so sealing a
//! message never re-expands the key.

use aes::cipher::block_padding::{NoPadding, Pkcs7, RawPadding};
use aes::cipher::crypto_common::InnerInit;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, InnerIvInit, KeyInit};
use aes::{Aes128, Aes192, Aes256};

use super::BLOCK;

/// An expanded AES key of any of the three sizes. Zeroized on drop by the `aes` crate.
#[derive(Clone)]
pub(crate) enum Aes {
    A128(Aes128),
    A192(Aes192),
    A256(Aes256),
}

/// Runs `$body` with `$c` bound to the concrete cipher.
macro_rules! with_cipher {
    ($aes:expr, $c:ident => $body:expr) => {
        match $aes {
            Aes::A128($c) => $body,
            Aes::A192($c) => $body,
            Aes::A256($c) => $body,
        }
    };
}

/// Large messages are copied and enciphered a piece at a time, so that each piece is still in
/// cache when the cipher reads it: the message crosses memory once rather than twice.
const CHUNK: usize = 64 * 1024;

/// The length of `len` bytes after PKCS#7 padding: always at least one byte of padding.
pub(crate) fn padded_len(len: usize) -> usize {
    (len / BLOCK + 1) * BLOCK
}

impl Aes {
    /// Expands a key whose length [`Key`](super::Key) has already checked: 24 bytes give
    /// AES-192, 32 bytes AES-256, and 16 bytes AES-128. (Any other length, which `Key` never
    /// lets through, is zero-padded or cut to 16 bytes rather than panicking.)
    pub(crate) fn from_key(key: &[u8]) -> Aes {
        match key.len() {
            24 => Aes::A192(Aes192::new(key.into())),
            32 => Aes::A256(Aes256::new(key.into())),
            _ => {
                let mut k = zeroize::Zeroizing::new([0u8; 16]);
                let n = key.len().min(16);
                k[..n].copy_from_slice(&key[..n]);
                Aes::A128(Aes128::new(&(*k).into()))
            }
        }
    }

    /// Appends `AES-ECB(PKCS7(msg))` to `out`.
    pub(crate) fn ecb_seal(&self, msg: &[u8], out: &mut Vec<u8>) {
        out.reserve(padded_len(msg.len()));
        let whole = msg.len() - msg.len() % BLOCK;
        for chunk in msg[..whole].chunks(CHUNK) {
            let start = out.len();
            out.extend_from_slice(chunk);
            with_cipher!(self, c => {
                let _ = ecb::Encryptor::inner_init(c.clone()).encrypt_padded_mut::<NoPadding>(&mut out[start..], chunk.len());
            });
        }
        let tail = &msg[whole..];
        let start = out.len();
        out.extend_from_slice(tail);
        out.resize(start + BLOCK, 0);
        with_cipher!(self, c => {
            // One block holds the tail and its padding, so padding cannot fail.
            let _ = ecb::Encryptor::inner_init(c.clone()).encrypt_padded_mut::<Pkcs7>(&mut out[start..], tail.len());
        });
    }

    /// Appends `AES-CBC(iv, PKCS7(msg))` to `out`.
    pub(crate) fn cbc_seal(&self, iv: &[u8; BLOCK], msg: &[u8], out: &mut Vec<u8>) {
        out.reserve(padded_len(msg.len()));
        let whole = msg.len() - msg.len() % BLOCK;
        let mut chain = *iv;
        for chunk in msg[..whole].chunks(CHUNK) {
            let start = out.len();
            out.extend_from_slice(chunk);
            with_cipher!(self, c => {
                let mode = cbc::Encryptor::inner_iv_init(c.clone(), (&chain).into());
                let _ = mode.encrypt_padded_mut::<NoPadding>(&mut out[start..], chunk.len());
            });
            // CBC chains through the last ciphertext block into the next piece.
            chain.copy_from_slice(&out[out.len() - BLOCK..]);
        }
        let tail = &msg[whole..];
        let start = out.len();
        out.extend_from_slice(tail);
        out.resize(start + BLOCK, 0);
        with_cipher!(self, c => {
            let mode = cbc::Encryptor::inner_iv_init(c.clone(), (&chain).into());
            let _ = mode.encrypt_padded_mut::<Pkcs7>(&mut out[start..], tail.len());
        });
    }

    /// Decrypts whole ECB blocks (padding left in place). `wire.len()` must be a multiple of 16.
    pub(crate) fn ecb_open(&self, wire: &[u8]) -> Vec<u8> {
        debug_assert_eq!(wire.len() % BLOCK, 0);
        let mut out = Vec::with_capacity(wire.len());
        for chunk in wire.chunks(CHUNK) {
            let start = out.len();
            out.extend_from_slice(chunk);
            with_cipher!(self, c => {
                let _ = ecb::Decryptor::inner_init(c.clone()).decrypt_padded_mut::<NoPadding>(&mut out[start..]);
            });
        }
        out
    }

    /// Decrypts whole CBC blocks (padding left in place). `wire.len()` must be a multiple of 16.
    pub(crate) fn cbc_open(&self, iv: &[u8; BLOCK], wire: &[u8]) -> Vec<u8> {
        debug_assert_eq!(wire.len() % BLOCK, 0);
        let mut out = Vec::with_capacity(wire.len());
        let mut chain = *iv;
        for chunk in wire.chunks(CHUNK) {
            let start = out.len();
            out.extend_from_slice(chunk);
            with_cipher!(self, c => {
                let mode = cbc::Decryptor::inner_iv_init(c.clone(), (&chain).into());
                let _ = mode.decrypt_padded_mut::<NoPadding>(&mut out[start..]);
            });
            chain.copy_from_slice(&chunk[chunk.len() - BLOCK..]);
        }
        out
    }
}

/// Strips PKCS#7 padding from decrypted blocks; `None` when the padding is invalid.
pub(crate) fn unpad(decrypted: &[u8]) -> Option<usize> {
    let last = decrypted.len().checked_sub(BLOCK)?;
    let kept = Pkcs7::raw_unpad(&decrypted[last..]).ok()?.len();
    Some(last + kept)
}
