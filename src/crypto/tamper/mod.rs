//! Tamper actions: what the man in the middle can do to a message, and their byte-level effect.
//!
//! Offsets index the message's decoded bytes (for Fernet, the token after base64url decoding;
//! the result is re-encoded). Bit 0 is the least significant bit. Blocks are 16-byte ciphertext
//! blocks counted from the first ciphertext byte, so the IV/salt, the Fernet header and hmac's
//! length field are not counted; for hmac, prefix-mac, gcm and chacha, "blocks" are 16-byte runs
//! of the message (the plaintext, or the stream ciphertext).
//!
//! The second release's actions work on what the attacker believes, never on the key:
//! `xor` XORs chosen bytes in, `rewrite` turns known plaintext into chosen plaintext through the
//! scheme's XOR path (the IV or previous block under CBC, the ciphertext itself under a stream
//! cipher), and `extend` length-extends a `SHA-256(key ‖ m)` tag.

mod grammar;

use std::ops::Range;

use super::hmac::framed;
use super::length_extension::extend;
use super::{Anatomy, BLOCK, Cipher, FieldKind, Key, Scheme, TAG};

/// The most bytes `xor`, `rewrite` and `extend` take, so that a typed action stays a line.
pub const MAX_TAMPER_BYTES: usize = 256;

/// One thing the attacker does to one message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Tamper {
    /// Flip one bit of the message.
    Flip {
        /// Byte offset in the decoded message.
        byte: usize,
        /// Bit, 0 = least significant.
        bit: u8,
    },
    /// Flip a bit of the IV or salt (cbc, fernet) or of the nonce (gcm, chacha).
    IvFlip {
        /// Byte offset within the IV.
        byte: usize,
        /// Bit, 0 = least significant.
        bit: u8,
    },
    /// Swap two ciphertext blocks.
    Swap {
        /// First block.
        i: usize,
        /// Second block.
        j: usize,
    },
    /// Replace block `i` with block 0 of the previous client message.
    Paste {
        /// The block replaced.
        i: usize,
    },
    /// Drop the last 16 bytes (the last byte for hmac and prefix-mac).
    Truncate,
    /// After forwarding, send again the last client message that was forwarded (a dropped or
    /// held one never reached the server).
    Replay,
    /// Do not forward the message.
    Drop,
    /// Replace the message with one the attacker wrote, sealed under the key it read off the
    /// wire when it has one (the receiver cannot tell), else under a fresh random key.
    Forge,
    /// XOR `bytes` into the message at `byte`.
    Xor {
        /// Byte offset in the decoded message.
        byte: usize,
        /// The bytes XORed in.
        bytes: Vec<u8>,
    },
    /// Where plaintext offset `pos` is believed to read `from`, make it read `to`.
    Rewrite {
        /// Offset in the plaintext.
        pos: usize,
        /// The plaintext believed to be there.
        from: String,
        /// The plaintext wanted there, as long as `from`.
        to: String,
    },
    /// Length extension: `m ‖ pad ‖ text` with a valid `SHA-256(key ‖ ·)` tag for a key of
    /// `key_len` bytes, made without the key.
    Extend {
        /// The guessed key length.
        key_len: usize,
        /// The text appended.
        text: String,
    },
}

/// Why a tamper action cannot be parsed or applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TamperError {
    /// The action text does not follow the grammar.
    #[error(
        "bad tamper action {0:?}: expected flip:<byte>:<bit>, iv-flip:<byte>:<bit>, swap:<i>:<j>, \
         paste:<i>, truncate, replay, drop, forge, xor:<byte>:<hex>, rewrite:<pos>:<from>:<to> \
         or extend:<keylen>:<text>"
    )]
    Grammar(String),
    /// `rewrite` with texts of different lengths, or `xor`/`rewrite`/`extend` with too many or
    /// too few bytes.
    #[error("{0}")]
    Bytes(String),
    /// `rewrite` on a scheme where no XOR reaches the plaintext.
    #[error(
        "refused: no XOR path ({0}): each block is decrypted on its own, so no byte XORed in lands on the plaintext"
    )]
    NoXorPath(&'static str),
    /// `extend` on a message that is not `length ‖ message ‖ SHA-256 tag`.
    #[error("extend needs a plaintext message and its 32-byte tag (hmac, prefix-mac), not {0}")]
    NoExtend(Scheme),
    /// A byte offset past the end.
    #[error("byte {byte} is past the end of the {len}-byte {what}")]
    ByteOutOfRange {
        /// The offset asked for.
        byte: usize,
        /// The length available.
        len: usize,
        /// Message or IV.
        what: &'static str,
    },
    /// A bit number of 8 or more.
    #[error("bit {0} does not exist: bits are 0 (least significant) to 7")]
    BitOutOfRange(u8),
    /// A block index past the last block.
    #[error("block {index} does not exist: the message has {count} whole blocks")]
    BlockOutOfRange {
        /// The index asked for.
        index: usize,
        /// How many blocks there are.
        count: usize,
    },
    /// `iv-flip` on a scheme without an IV.
    #[error("{0} has no IV or salt to flip")]
    NoIv(Scheme),
    /// `paste` or `replay` with no earlier client message.
    #[error("there is no earlier client message to take from")]
    NoPrevious,
    /// The message is too short for the action.
    #[error("the message is too short to truncate")]
    TooShort,
}

impl Tamper {
    /// Whether the action rewrites the message's bytes (rather than deciding whether and how
    /// often it is forwarded).
    pub fn rewrites(&self) -> bool {
        !matches!(self, Tamper::Replay | Tamper::Drop)
    }

    /// The byte ranges of the decoded message that this action touches, for the screen's byte
    /// cursor. Empty for actions that touch no particular byte, and for offsets past the end
    /// (which `apply` refuses): the offsets come from typed text and may be anything.
    pub fn touches(&self, scheme: Scheme, anatomy: &Anatomy) -> Vec<Range<usize>> {
        match *self {
            Tamper::Flip { byte, .. } => (byte < anatomy.bytes.len())
                .then(|| byte..byte + 1)
                .into_iter()
                .collect(),
            Tamper::IvFlip { byte, .. } => iv_range(scheme, anatomy)
                .filter(|iv| byte < iv.len())
                .map(|iv| iv.start + byte..iv.start + byte + 1)
                .into_iter()
                .collect(),
            Tamper::Swap { i, j } => [i, j]
                .iter()
                .filter_map(|&k| blocks(scheme, anatomy).get(k).cloned())
                .collect(),
            Tamper::Paste { i } => blocks(scheme, anatomy)
                .get(i)
                .cloned()
                .into_iter()
                .collect(),
            Tamper::Truncate => {
                let cut = truncation(scheme);
                let len = anatomy.bytes.len();
                std::iter::once(len.saturating_sub(cut)..len).collect()
            }
            Tamper::Xor { byte, ref bytes } => {
                let end = byte.saturating_add(bytes.len()).min(anatomy.bytes.len());
                (byte < end).then_some(byte..end).into_iter().collect()
            }
            Tamper::Rewrite { pos, ref from, .. } => xor_path(scheme, anatomy, pos, from.len())
                .unwrap_or_default()
                .into_iter()
                .map(|i| i..i + 1)
                .collect(),
            Tamper::Replay | Tamper::Drop | Tamper::Forge | Tamper::Extend { .. } => vec![],
        }
    }

    /// Whether the action can fit any message of `scheme`: `rewrite` needs an XOR path (none
    /// under ECB), and `extend` a plaintext message with a SHA-256 tag (hmac, prefix-mac).
    /// The tamper form says so before a message is there to try it on.
    ///
    /// # Errors
    /// [`TamperError::NoXorPath`] or [`TamperError::NoExtend`].
    pub fn fits_scheme(&self, scheme: Scheme) -> Result<(), TamperError> {
        match self {
            Tamper::Rewrite { .. } if scheme == Scheme::Ecb => Err(TamperError::NoXorPath("ECB")),
            Tamper::Extend { .. } if !matches!(scheme, Scheme::Hmac | Scheme::PrefixMac) => {
                Err(TamperError::NoExtend(scheme))
            }
            _ => Ok(()),
        }
    }

    /// Applies a byte-rewriting action to `wire` and returns the new wire bytes. `previous` is
    /// the previous client message (for `paste`). `replay` and `drop` return `wire` unchanged:
    /// they are forwarding decisions. `forge` needs [`forge`] instead and is refused here.
    ///
    /// # Errors
    /// A [`TamperError`] when the action does not fit the message.
    pub fn apply(
        &self,
        scheme: Scheme,
        wire: &[u8],
        previous: Option<&[u8]>,
    ) -> Result<Vec<u8>, TamperError> {
        let mut anatomy = Anatomy::dissect(scheme, wire);
        let len = anatomy.bytes.len();
        match *self {
            Tamper::Xor { byte, ref bytes } => {
                if byte.checked_add(bytes.len()).is_none_or(|end| end > len) {
                    return Err(TamperError::ByteOutOfRange {
                        byte: byte.saturating_add(bytes.len().saturating_sub(1)),
                        len,
                        what: "message",
                    });
                }
                for (target, b) in anatomy.bytes[byte..].iter_mut().zip(bytes) {
                    *target ^= b;
                }
            }
            Tamper::Rewrite {
                pos,
                ref from,
                ref to,
            } => {
                let path = xor_path(scheme, &anatomy, pos, from.len())?;
                let delta = from.bytes().zip(to.bytes()).map(|(a, b)| a ^ b);
                for (index, d) in path.into_iter().zip(delta) {
                    anatomy.bytes[index] ^= d;
                }
            }
            Tamper::Extend { key_len, ref text } => {
                return extended(scheme, &anatomy, key_len, text.as_bytes());
            }
            Tamper::Flip { byte, bit } => {
                check_bit(bit)?;
                let target = anatomy
                    .bytes
                    .get_mut(byte)
                    .ok_or(TamperError::ByteOutOfRange {
                        byte,
                        len,
                        what: "message",
                    })?;
                *target ^= 1 << bit;
            }
            Tamper::IvFlip { byte, bit } => {
                check_bit(bit)?;
                let iv = iv_range(scheme, &anatomy).ok_or(TamperError::NoIv(scheme))?;
                if byte >= iv.len() {
                    return Err(TamperError::ByteOutOfRange {
                        byte,
                        len: iv.len(),
                        what: "IV",
                    });
                }
                anatomy.bytes[iv.start + byte] ^= 1 << bit;
            }
            Tamper::Swap { i, j } => {
                let blocks = blocks(scheme, &anatomy);
                let (a, b) = (block_at(&blocks, i)?, block_at(&blocks, j)?);
                let saved = anatomy.bytes[a.clone()].to_vec();
                anatomy.bytes.copy_within(b.clone(), a.start);
                anatomy.bytes[b].copy_from_slice(&saved);
            }
            Tamper::Paste { i } => {
                let previous = previous.ok_or(TamperError::NoPrevious)?;
                let earlier = Anatomy::dissect(scheme, previous);
                let source = block_at(&blocks(scheme, &earlier), 0)?;
                let target = block_at(&blocks(scheme, &anatomy), i)?;
                anatomy.bytes[target].copy_from_slice(&earlier.bytes[source]);
            }
            Tamper::Truncate => {
                let cut = truncation(scheme);
                if len <= cut {
                    return Err(TamperError::TooShort);
                }
                anatomy.bytes.truncate(len - cut);
            }
            Tamper::Replay | Tamper::Drop => return Ok(wire.to_vec()),
            Tamper::Forge => {
                return Err(TamperError::Grammar("forge needs the plaintext".to_owned()));
            }
        }
        Ok(anatomy.to_wire())
    }
}

/// `forge`: the plaintext sealed under a fresh random key, so that the receiver's key does not
/// fit it.
///
/// # Errors
/// Only if the system's random number generator fails.
pub fn forge(scheme: Scheme, plaintext: &[u8]) -> Result<Vec<u8>, TamperError> {
    let fail = |e: String| TamperError::Grammar(format!("cannot forge: {e}"));
    let key = Key::generate(scheme).map_err(|e| fail(e.to_string()))?;
    Cipher::new(&key)
        .seal(plaintext)
        .map_err(|e| fail(e.to_string()))
}

fn check_bit(bit: u8) -> Result<(), TamperError> {
    if bit < 8 {
        Ok(())
    } else {
        Err(TamperError::BitOutOfRange(bit))
    }
}

/// The IV, salt or nonce: the bytes in the clear that the decryption starts from.
fn iv_range(_scheme: Scheme, anatomy: &Anatomy) -> Option<Range<usize>> {
    anatomy
        .fields
        .iter()
        .find(|f| match f.kind {
            FieldKind::Salt | FieldKind::Iv => f.range.len() == BLOCK,
            FieldKind::Nonce => !f.range.is_empty(),
            _ => false,
        })
        .map(|f| f.range.clone())
}

/// The message as it travels when it is one run of bytes: the plaintext of the MACs, or the
/// stream ciphertext of an AEAD, where byte `k` carries plaintext byte `k`.
fn stream(anatomy: &Anatomy) -> Option<Range<usize>> {
    anatomy
        .fields
        .iter()
        .find(|f| matches!(f.kind, FieldKind::Message | FieldKind::Ciphertext))
        .map(|f| f.range.clone())
}

/// The whole 16-byte blocks an action may move: ciphertext blocks, or 16-byte runs of a
/// message that travels as one run.
fn blocks(_scheme: Scheme, anatomy: &Anatomy) -> Vec<Range<usize>> {
    if let Some(run) = stream(anatomy) {
        return (0..run.len() / BLOCK)
            .map(|k| run.start + k * BLOCK..run.start + (k + 1) * BLOCK)
            .collect();
    }
    anatomy
        .blocks()
        .filter(|f| f.range.len() == BLOCK)
        .map(|f| f.range.clone())
        .collect()
}

/// How much `truncate` cuts: a byte of a plaintext message, a block of ciphertext otherwise.
/// Read off the scheme, not the fields: an empty or short hmac message has no message field,
/// and is still plaintext.
fn truncation(scheme: Scheme) -> usize {
    if scheme.has_secrecy() { BLOCK } else { 1 }
}

/// For each of `len` plaintext bytes from `pos`, the message byte whose XOR lands on it: the
/// byte itself in a run, or under CBC the byte at the same offset of the previous ciphertext
/// block (the IV for block 0), which garbles that previous block.
///
/// # Errors
/// [`TamperError::NoXorPath`] under ECB, [`TamperError::ByteOutOfRange`] past the end (a
/// message too short for a message field, or for a block, has no plaintext to reach).
fn xor_path(
    scheme: Scheme,
    anatomy: &Anatomy,
    pos: usize,
    len: usize,
) -> Result<Vec<usize>, TamperError> {
    // Offsets come from typed text: `pos + len` may not fit a usize.
    let fits = |available: usize| pos.checked_add(len).is_some_and(|end| end <= available);
    let past = |available: usize| TamperError::ByteOutOfRange {
        byte: pos.saturating_add(len.saturating_sub(1)),
        len: available,
        what: "plaintext",
    };
    if let Some(run) = stream(anatomy) {
        if !fits(run.len()) {
            return Err(past(run.len()));
        }
        return Ok((run.start + pos..run.start + pos + len).collect());
    }
    // Decided by the scheme, not by the fields: a cbc, fernet or hmac message too short for
    // an IV or a message field still has an XOR path, only no plaintext on it.
    if scheme == Scheme::Ecb {
        return Err(TamperError::NoXorPath("ECB"));
    }
    let blocks: Vec<Range<usize>> = anatomy.blocks().map(|f| f.range.clone()).collect();
    if !fits(blocks.len() * BLOCK) {
        return Err(past(blocks.len() * BLOCK));
    }
    // There are blocks only after a whole IV, so only an empty rewrite gets here without one.
    let iv = iv_range(scheme, anatomy).map_or(0, |iv| iv.start);
    Ok((pos..pos + len)
        .map(|q| {
            let before = if q < BLOCK {
                iv
            } else {
                blocks[q / BLOCK - 1].start
            };
            before + q % BLOCK
        })
        .collect())
}

/// `extend`: the forged message and tag, framed as the original was. The message is the bytes
/// between the length field and the tag: an empty one has no field of its own, and extends too.
fn extended(
    scheme: Scheme,
    anatomy: &Anatomy,
    key_len: usize,
    more: &[u8],
) -> Result<Vec<u8>, TamperError> {
    let message = anatomy.fields.iter().find_map(|f| match f.kind {
        FieldKind::Message => Some(f.range.clone()),
        _ => None,
    });
    let after_length = anatomy.fields.iter().find_map(|f| match f.kind {
        FieldKind::Length { .. } => Some(f.range.end..f.range.end),
        _ => None,
    });
    let tag = anatomy.tag().and_then(|t| <&[u8; TAG]>::try_from(t).ok());
    let (Some(message), Some(tag)) = (message.or(after_length), tag) else {
        return Err(TamperError::NoExtend(scheme));
    };
    let forged = extend(&anatomy.bytes[message], tag, key_len, more);
    framed(&forged.message, &forged.tag).map_err(|e| TamperError::Bytes(e.to_string()))
}

fn block_at(blocks: &[Range<usize>], index: usize) -> Result<Range<usize>, TamperError> {
    blocks
        .get(index)
        .cloned()
        .ok_or(TamperError::BlockOutOfRange {
            index,
            count: blocks.len(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Nonce, Reason, Verdict};

    fn cipher(scheme: Scheme) -> Cipher {
        Cipher::new(&Key::generate(scheme).unwrap())
    }

    #[test]
    fn the_grammar_round_trips_and_names_its_forms() {
        for text in [
            "flip:17:3",
            "iv-flip:0:0",
            "swap:0:1",
            "paste:2",
            "truncate",
            "replay",
            "drop",
            "forge",
        ] {
            assert_eq!(text.parse::<Tamper>().unwrap().to_string(), text);
        }
        for bad in ["flip", "flip:1", "flip:a:1", "swap:1", "nuke", "drop:1", ""] {
            assert!(
                matches!(bad.parse::<Tamper>(), Err(TamperError::Grammar(_))),
                "{bad}"
            );
        }
        assert_eq!(
            "flip:0:8".parse::<Tamper>(),
            Err(TamperError::BitOutOfRange(8))
        );
    }

    #[test]
    fn cbc_iv_bit_flip_changes_first_block_undetected() {
        let cbc = cipher(Scheme::Cbc);
        let wire = cbc.seal(b"hello world").unwrap();
        let tampered = Tamper::IvFlip { byte: 0, bit: 0 }
            .apply(Scheme::Cbc, &wire, None)
            .unwrap();
        let opened = cbc.open(&tampered);
        assert_eq!(opened.verdict, Verdict::Unauthenticated);
        assert_eq!(opened.plaintext.unwrap(), b"iello world");
    }

    #[test]
    fn ecb_swap_swaps_plaintext_blocks() {
        let ecb = cipher(Scheme::Ecb);
        let wire = ecb.seal(b"AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB").unwrap();
        let swapped = Tamper::Swap { i: 0, j: 1 }
            .apply(Scheme::Ecb, &wire, None)
            .unwrap();
        assert_eq!(
            ecb.open(&swapped).plaintext.unwrap(),
            b"BBBBBBBBBBBBBBBBAAAAAAAAAAAAAAAA"
        );
    }

    #[test]
    fn cbc_flip_in_block_k_garbles_k_and_flips_the_same_bit_in_k_plus_1() {
        let cbc = cipher(Scheme::Cbc);
        let msg = b"0123456789abcdefGHIJKLMNOPQRSTUVwxyz";
        let wire = cbc
            .seal_with(
                msg,
                &Nonce {
                    iv: [9; 16],
                    now: 0,
                },
            )
            .unwrap();
        // Block 0 starts after the 16-byte salt; flip bit 2 of its byte 5.
        let tampered = Tamper::Flip {
            byte: 16 + 5,
            bit: 2,
        }
        .apply(Scheme::Cbc, &wire, None)
        .unwrap();
        let plain = cbc.open(&tampered).plaintext.unwrap();
        assert_ne!(plain[..16], msg[..16], "block 0 is garbled");
        assert_eq!(
            plain[16 + 5],
            msg[16 + 5] ^ 0b100,
            "the same bit flips in block 1"
        );
        assert_eq!(plain[16..21], msg[16..21]);
        assert_eq!(plain[22..], msg[22..]);
    }

    #[test]
    fn fernet_offsets_index_the_decoded_token() {
        let fernet = cipher(Scheme::Fernet);
        let wire = fernet.seal(b"authentic only").unwrap();
        let flipped = Tamper::Flip { byte: 30, bit: 0 }
            .apply(Scheme::Fernet, &wire, None)
            .unwrap();
        assert_eq!(
            flipped.len(),
            wire.len(),
            "still base64url of the same length"
        );
        assert_eq!(
            fernet.open(&flipped).verdict,
            Verdict::Rejected(Reason::TagMismatch)
        );
    }

    #[test]
    fn hmac_truncate_cuts_one_byte_and_blocks_are_message_runs() {
        let hmac = cipher(Scheme::Hmac);
        let wire = hmac.seal(b"AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB").unwrap();
        let cut = Tamper::Truncate.apply(Scheme::Hmac, &wire, None).unwrap();
        assert_eq!(cut.len(), wire.len() - 1);
        assert_eq!(
            hmac.open(&cut).verdict,
            Verdict::Rejected(Reason::LengthMismatch)
        );
        let swapped = Tamper::Swap { i: 0, j: 1 }
            .apply(Scheme::Hmac, &wire, None)
            .unwrap();
        assert_eq!(&swapped[4..36], b"BBBBBBBBBBBBBBBBAAAAAAAAAAAAAAAA");
        assert_eq!(
            hmac.open(&swapped).verdict,
            Verdict::Rejected(Reason::TagMismatch)
        );
    }

    #[test]
    fn paste_takes_block_0_of_the_previous_message() {
        let ecb = cipher(Scheme::Ecb);
        let earlier = ecb.seal(b"ADMIN=1;........").unwrap();
        let now = ecb.seal(b"user=eve;.......role=guest......").unwrap();
        let pasted = Tamper::Paste { i: 1 }
            .apply(Scheme::Ecb, &now, Some(&earlier))
            .unwrap();
        assert_eq!(
            ecb.open(&pasted).plaintext.unwrap(),
            b"user=eve;.......ADMIN=1;........"
        );
        assert_eq!(
            Tamper::Paste { i: 0 }.apply(Scheme::Ecb, &now, None),
            Err(TamperError::NoPrevious)
        );
    }

    #[test]
    fn out_of_range_actions_are_refused_with_specifics() {
        let wire = cipher(Scheme::Ecb).seal(b"short").unwrap();
        assert_eq!(
            Tamper::Flip { byte: 99, bit: 0 }.apply(Scheme::Ecb, &wire, None),
            Err(TamperError::ByteOutOfRange {
                byte: 99,
                len: 16,
                what: "message"
            })
        );
        assert_eq!(
            Tamper::Swap { i: 0, j: 3 }.apply(Scheme::Ecb, &wire, None),
            Err(TamperError::BlockOutOfRange { index: 3, count: 1 })
        );
        assert_eq!(
            Tamper::IvFlip { byte: 0, bit: 0 }.apply(Scheme::Ecb, &wire, None),
            Err(TamperError::NoIv(Scheme::Ecb))
        );
        assert_eq!(
            Tamper::Truncate.apply(Scheme::Ecb, &wire, None),
            Err(TamperError::TooShort)
        );
    }

    #[test]
    fn huge_offsets_touch_nothing_and_are_refused() {
        // Found by the tamper_grammar fuzz target: `touches` once computed `byte + 1`.
        for scheme in Scheme::ALL {
            let wire = cipher(scheme).seal(&[b'A'; 40]).unwrap();
            let anatomy = Anatomy::dissect(scheme, &wire);
            for text in [
                "flip:18446744073709551615:0",
                "iv-flip:18446744073709551615:0",
                "iv-flip:16:0",
                "swap:18446744073709551615:18446744073709551614",
                "paste:18446744073709551615",
            ] {
                let action: Tamper = text.parse().unwrap();
                assert!(
                    action.touches(scheme, &anatomy).is_empty(),
                    "{scheme} {text}"
                );
                assert!(
                    action.apply(scheme, &wire, Some(&wire)).is_err(),
                    "{scheme} {text}"
                );
            }
        }
    }

    #[test]
    fn huge_xor_and_rewrite_offsets_are_refused_without_overflow() {
        // Found by the tamper_grammar fuzz target: `byte + bytes.len()` and `pos + len`
        // overflowed for offsets near usize::MAX.
        for scheme in Scheme::ALL {
            let wire = cipher(scheme).seal(&[b'A'; 40]).unwrap();
            let anatomy = Anatomy::dissect(scheme, &wire);
            for text in [
                "xor:18446744073709551615:0102",
                "xor:18446744073709551614:0102",
                "rewrite:18446744073709551615:a:b",
                "rewrite:18446744073709551614:ab:cd",
            ] {
                let action: Tamper = text.parse().unwrap();
                assert!(
                    action.touches(scheme, &anatomy).is_empty(),
                    "{scheme} {text}"
                );
                assert!(
                    action.apply(scheme, &wire, None).is_err(),
                    "{scheme} {text}"
                );
            }
        }
        let wire = cipher(Scheme::Hmac).seal(b"hi").unwrap();
        assert_eq!(
            "xor:18446744073709551615:0102"
                .parse::<Tamper>()
                .unwrap()
                .apply(Scheme::Hmac, &wire, None),
            Err(TamperError::ByteOutOfRange {
                byte: usize::MAX,
                len: wire.len(),
                what: "message"
            })
        );
    }

    #[test]
    fn truncate_cuts_one_byte_of_any_plaintext_message_even_an_empty_one() {
        // Found by the tamper_grammar seeds: with no message field (an empty message, or
        // fewer bytes than the length field), hmac and prefix-mac lost 16 bytes.
        for scheme in [Scheme::Hmac, Scheme::PrefixMac] {
            let wire = cipher(scheme).seal(b"").unwrap();
            for bytes in [&wire[..], &wire[..3]] {
                let anatomy = Anatomy::dissect(scheme, bytes);
                let len = bytes.len();
                assert_eq!(
                    Tamper::Truncate.touches(scheme, &anatomy),
                    std::iter::once(len - 1..len).collect::<Vec<_>>(),
                    "{scheme}"
                );
                assert_eq!(
                    Tamper::Truncate.apply(scheme, bytes, None).unwrap(),
                    &bytes[..len - 1],
                    "{scheme}"
                );
            }
        }
        let wire = cipher(Scheme::Gcm).seal(b"").unwrap();
        assert_eq!(
            Tamper::Truncate.apply(Scheme::Gcm, &wire, None).unwrap(),
            &wire[..12]
        );
    }

    #[test]
    fn only_ecb_has_no_xor_path_and_a_short_message_has_no_plaintext_to_reach() {
        // Found by the tamper_grammar seeds: any message without blocks, an IV or a message
        // field was refused as "no XOR path (ECB)", whatever its scheme.
        let rewrite: Tamper = "rewrite:0:a:b".parse().unwrap();
        let nothing = Err(TamperError::ByteOutOfRange {
            byte: 0,
            len: 0,
            what: "plaintext",
        });
        for scheme in Scheme::ALL {
            let empty = cipher(scheme).seal(b"").unwrap();
            for wire in [&empty[..], &empty[..3], b"not base64 at all"] {
                let got = rewrite.apply(scheme, wire, None);
                let touched = rewrite.touches(scheme, &Anatomy::dissect(scheme, wire));
                if scheme == Scheme::Ecb {
                    assert_eq!(got, Err(TamperError::NoXorPath("ECB")));
                } else if matches!(scheme, Scheme::Cbc | Scheme::Fernet) && wire == &empty[..] {
                    // The padding block is plaintext the IV reaches.
                    assert!(got.is_ok(), "{scheme}: {got:?}");
                    assert_eq!(touched.len(), 1, "{scheme}");
                    continue;
                } else {
                    assert_eq!(got, nothing, "{scheme} on {} bytes", wire.len());
                }
                assert!(touched.is_empty(), "{scheme}");
            }
        }
    }

    #[test]
    fn an_empty_prefix_mac_message_extends_too() {
        // Found by the tamper_grammar seeds: an empty message has no message field, and
        // `extend` refused it as "not hmac".
        let key = Key::parse(Scheme::PrefixMac, "your_shared_secret_key").unwrap();
        let prefix_mac = Cipher::new(&key);
        let wire = prefix_mac.seal(b"").unwrap();
        let forged = "extend:22:&to=mallory"
            .parse::<Tamper>()
            .unwrap()
            .apply(Scheme::PrefixMac, &wire, None)
            .unwrap();
        let opened = prefix_mac.open(&forged);
        assert_eq!(opened.verdict, Verdict::Authentic);
        let mut want = crate::crypto::length_extension::sha256_padding(22);
        want.extend_from_slice(b"&to=mallory");
        assert_eq!(opened.plaintext.unwrap(), want);
        let hmac = cipher(Scheme::Hmac);
        let forged = "extend:22:x"
            .parse::<Tamper>()
            .unwrap()
            .apply(Scheme::Hmac, &hmac.seal(b"").unwrap(), None)
            .unwrap();
        assert_eq!(
            hmac.open(&forged).verdict,
            Verdict::Rejected(Reason::TagMismatch)
        );
    }

    #[test]
    fn forged_messages_do_not_open_under_the_real_key() {
        for scheme in [Scheme::Fernet, Scheme::Hmac] {
            let forged = forge(scheme, b"transfer 1000").unwrap();
            assert_eq!(
                cipher(scheme).open(&forged).verdict,
                Verdict::Rejected(Reason::TagMismatch),
                "{scheme}"
            );
        }
    }
}
