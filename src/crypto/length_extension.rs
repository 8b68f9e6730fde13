//! Length extension of `SHA-256(key ‖ m)`: a valid prefix-mac tag for `m ‖ pad ‖ more`, made
//! from `m` and its tag alone, without the key. Only the key's length must be guessed.
//!
//! SHA-256 pads `key ‖ m` with `0x80`, zeros and the bit length to a multiple of 64 bytes, and
//! its tag is the state after the last block. Restarting the compression from that state over
//! `more` (padded for the new total length) gives `SHA-256(key ‖ m ‖ pad ‖ more)`.

use sha2::compress256;
use sha2::digest::generic_array::GenericArray;

/// SHA-256's block size, in bytes.
const BLOCK: usize = 64;

/// The padding SHA-256 appends to a message of `len` bytes: `0x80`, zeros, then the length in
/// bits as a big-endian u64, so that the total is a multiple of 64 bytes.
pub fn sha256_padding(len: usize) -> Vec<u8> {
    let zeros = (BLOCK + 55 - len % BLOCK) % BLOCK;
    let mut pad = Vec::with_capacity(1 + zeros + 8);
    pad.push(0x80);
    pad.resize(1 + zeros, 0);
    pad.extend_from_slice(&((len as u64).wrapping_mul(8)).to_be_bytes());
    pad
}

/// A forged message and its tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extended {
    /// `m ‖ pad ‖ more`, where `pad` is SHA-256's padding of `key ‖ m`.
    pub message: Vec<u8>,
    /// `SHA-256(key ‖ message)` for any key of the guessed length.
    pub tag: [u8; 32],
}

/// Extends `message`, whose prefix-mac tag is `tag`, by `more`, for a key of `key_len` bytes.
pub fn extend(message: &[u8], tag: &[u8; 32], key_len: usize, more: &[u8]) -> Extended {
    let glue = sha256_padding(key_len + message.len());
    let hashed = key_len + message.len() + glue.len();
    let mut state = [0u32; 8];
    for (word, bytes) in state.iter_mut().zip(tag.chunks_exact(4)) {
        *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    let mut tail = more.to_vec();
    tail.extend_from_slice(&sha256_padding(hashed + more.len()));
    let blocks: Vec<GenericArray<u8, _>> = tail
        .chunks_exact(BLOCK)
        .map(GenericArray::clone_from_slice)
        .collect();
    compress256(&mut state, &blocks);
    let mut forged = [0u8; 32];
    for (bytes, word) in forged.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    let mut extended = message.to_vec();
    extended.extend_from_slice(&glue);
    extended.extend_from_slice(more);
    Extended {
        message: extended,
        tag: forged,
    }
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    #[test]
    fn the_padding_ends_every_message_on_a_block_boundary() {
        for len in 0..200 {
            let pad = sha256_padding(len);
            assert_eq!((len + pad.len()) % 64, 0, "{len}");
            assert!((9..=72).contains(&pad.len()), "{len}");
            assert_eq!(pad[0], 0x80);
        }
    }

    #[test]
    fn an_extended_tag_is_the_tag_of_the_key_and_the_extended_message() {
        let key = b"sixteen byte key";
        let message = b"amount=10&to=alice";
        for key_len in [key.len(), 1, 33] {
            let key = &[b'k'; 64][..key_len];
            let tag: [u8; 32] = Sha256::new()
                .chain_update(key)
                .chain_update(message)
                .finalize()
                .into();
            let forged = extend(message, &tag, key_len, b"&to=mallory");
            let honest: [u8; 32] = Sha256::new()
                .chain_update(key)
                .chain_update(&forged.message)
                .finalize()
                .into();
            assert_eq!(forged.tag, honest, "key of {key_len} bytes");
            assert!(forged.message.ends_with(b"&to=mallory"));
        }
    }
}
