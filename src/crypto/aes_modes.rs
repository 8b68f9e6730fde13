//! AES-128/192/256 behind one type, with the ECB and CBC modes the schemes use.
//!
//! The key schedule is expanded once per key and cloned into each mode instance, so sealing a
//! message never re-expands the key.

use aes::cipher::block_padding::{NoPadding, Pkcs7, RawPadding};
use aes::cipher::crypto_common::InnerInit;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, InnerIvInit, KeyInit};
use aes::{Aes128, Aes192, Aes256};

use super::BLOCK;
use super::spec::{KeyForm, KeyLengths, KeyRule};

/// The key rule of the AES schemes (ecb, cbc, gcm): generated keys are AES-128, as the seeds'.
pub(crate) const AES_KEY_RULE: KeyRule = KeyRule {
    form: KeyForm::Hex,
    lengths: KeyLengths::Aes,
    generated: 16,
    expected: "16, 24 or 32 bytes (AES-128/192/256): 32, 48 or 64 hex digits, \
               or base64:… / text:…",
    describe: |len| format!("AES-{}", len * 8),
};

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

    /// Writes `AES-ECB(PKCS7(msg))` over `out`, which is `padded_len(msg.len())` bytes.
    pub(crate) fn ecb_seal_to(&self, msg: &[u8], out: &mut [u8]) {
        debug_assert_eq!(out.len(), padded_len(msg.len()));
        with_cipher!(self, c => {
            // The output has room for the padding, so padding cannot fail.
            let _ = ecb::Encryptor::inner_init(c.clone()).encrypt_padded_b2b_mut::<Pkcs7>(msg, out);
        });
    }

    /// Writes `AES-CBC(iv, PKCS7(msg))` over `out`, which is `padded_len(msg.len())` bytes.
    pub(crate) fn cbc_seal_to(&self, iv: &[u8; BLOCK], msg: &[u8], out: &mut [u8]) {
        debug_assert_eq!(out.len(), padded_len(msg.len()));
        with_cipher!(self, c => {
            let mode = cbc::Encryptor::inner_iv_init(c.clone(), iv.into());
            let _ = mode.encrypt_padded_b2b_mut::<Pkcs7>(msg, out);
        });
    }

    /// Appends `AES-CBC(iv, PKCS7(msg))` to `out`.
    pub(crate) fn cbc_seal(&self, iv: &[u8; BLOCK], msg: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        // The cipher reads the message and writes here in one pass (block to buffer), which is
        // faster than copying the message in and enciphering it in place: the zeroing only writes.
        out.resize(start + padded_len(msg.len()), 0);
        self.cbc_seal_to(iv, msg, &mut out[start..]);
    }

    /// Decrypts whole ECB blocks over `out` (padding left in place). `wire` and `out` are the
    /// same length, a multiple of 16.
    pub(crate) fn ecb_open_to(&self, wire: &[u8], out: &mut [u8]) {
        debug_assert_eq!(wire.len() % BLOCK, 0);
        with_cipher!(self, c => {
            let _ = ecb::Decryptor::inner_init(c.clone()).decrypt_padded_b2b_mut::<NoPadding>(wire, out);
        });
    }

    /// Decrypts whole CBC blocks over `out` (padding left in place). `wire` and `out` are the
    /// same length, a multiple of 16.
    pub(crate) fn cbc_open_to(&self, iv: &[u8; BLOCK], wire: &[u8], out: &mut [u8]) {
        debug_assert_eq!(wire.len() % BLOCK, 0);
        with_cipher!(self, c => {
            let mode = cbc::Decryptor::inner_iv_init(c.clone(), iv.into());
            let _ = mode.decrypt_padded_b2b_mut::<NoPadding>(wire, out);
        });
    }

    /// Decrypts whole CBC blocks (padding left in place) into a new buffer.
    pub(crate) fn cbc_open(&self, iv: &[u8; BLOCK], wire: &[u8]) -> Vec<u8> {
        let mut out = vec![0; wire.len()];
        self.cbc_open_to(iv, wire, &mut out);
        out
    }
}

/// Makes `out` exactly `n` bytes long and returns them for a cipher to overwrite. Only bytes
/// beyond its old length are zeroed, so a buffer reused for messages of one size is never
/// zeroed again: that zeroing was the gap between a fresh buffer per message and
/// `openssl speed`, which reuses one buffer.
pub(crate) fn sized(out: &mut Vec<u8>, n: usize) -> &mut [u8] {
    out.truncate(n);
    out.resize(n, 0);
    out
}

/// Strips PKCS#7 padding from decrypted blocks; `None` when the padding is invalid.
pub(crate) fn unpad(decrypted: &[u8]) -> Option<usize> {
    let last = decrypted.len().checked_sub(BLOCK)?;
    let kept = Pkcs7::raw_unpad(&decrypted[last..]).ok()?.len();
    Some(last + kept)
}
