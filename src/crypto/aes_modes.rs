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
        let buf = append_for_padding(msg, out);
        with_cipher!(self, c => {
            let mode = ecb::Encryptor::inner_init(c.clone());
            // The buffer was sized by `padded_len`, so padding cannot fail.
            let _ = mode.encrypt_padded_mut::<Pkcs7>(buf, msg.len());
        });
    }

    /// Appends `AES-CBC(iv, PKCS7(msg))` to `out`.
    pub(crate) fn cbc_seal(&self, iv: &[u8; BLOCK], msg: &[u8], out: &mut Vec<u8>) {
        let buf = append_for_padding(msg, out);
        with_cipher!(self, c => {
            let mode = cbc::Encryptor::inner_iv_init(c.clone(), iv.into());
            let _ = mode.encrypt_padded_mut::<Pkcs7>(buf, msg.len());
        });
    }

    /// Decrypts whole blocks in ECB mode, in place. `buf.len()` must be a multiple of 16.
    pub(crate) fn ecb_decrypt(&self, buf: &mut [u8]) {
        debug_assert_eq!(buf.len() % BLOCK, 0);
        with_cipher!(self, c => {
            let mode = ecb::Decryptor::inner_init(c.clone());
            let _ = mode.decrypt_padded_mut::<NoPadding>(buf);
        });
    }

    /// Decrypts whole blocks in CBC mode, in place. `buf.len()` must be a multiple of 16.
    pub(crate) fn cbc_decrypt(&self, iv: &[u8; BLOCK], buf: &mut [u8]) {
        debug_assert_eq!(buf.len() % BLOCK, 0);
        with_cipher!(self, c => {
            let mode = cbc::Decryptor::inner_iv_init(c.clone(), iv.into());
            let _ = mode.decrypt_padded_mut::<NoPadding>(buf);
        });
    }
}

/// Grows `out` by the padded length of `msg`, copies `msg` in, and returns the new region.
fn append_for_padding<'a>(msg: &[u8], out: &'a mut Vec<u8>) -> &'a mut [u8] {
    let start = out.len();
    out.resize(start + padded_len(msg.len()), 0);
    let buf = &mut out[start..];
    buf[..msg.len()].copy_from_slice(msg);
    buf
}

/// Strips PKCS#7 padding from decrypted blocks; `None` when the padding is invalid.
pub(crate) fn unpad(decrypted: &[u8]) -> Option<usize> {
    let last = decrypted.len().checked_sub(BLOCK)?;
    let kept = Pkcs7::raw_unpad(&decrypted[last..]).ok()?.len();
    Some(last + kept)
}
