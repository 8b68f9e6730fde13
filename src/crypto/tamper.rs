//! Tamper actions: what the man in the middle can do to a message, and their byte-level effect.
//!
//! Offsets index the message's decoded bytes (for Fernet, the token after base64url decoding;
//! the result is re-encoded). Bit 0 is the least significant bit. Blocks are 16-byte ciphertext
//! blocks counted from the first ciphertext byte, so the IV/salt, the Fernet header and hmac's
//! length field are not counted; for hmac, "blocks" are 16-byte runs of the plaintext message.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use super::{Anatomy, BLOCK, Cipher, FieldKind, Key, Scheme};

/// One thing the attacker does to one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tamper {
    /// Flip one bit of the message.
    Flip {
        /// Byte offset in the decoded message.
        byte: usize,
        /// Bit, 0 = least significant.
        bit: u8,
    },
    /// Flip a bit of the IV or salt (cbc, fernet).
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
    /// Drop the last 16 bytes (the last byte for hmac).
    Truncate,
    /// After forwarding, send again the last client message that was forwarded (a dropped or
    /// held one never reached the server).
    Replay,
    /// Do not forward the message.
    Drop,
    /// Replace the message with one the attacker wrote, sealed under the key it read off the
    /// wire when it has one (the receiver cannot tell), else under a fresh random key.
    Forge,
}

/// Why a tamper action cannot be parsed or applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TamperError {
    /// The action text does not follow the grammar.
    #[error(
        "bad tamper action {0:?}: expected flip:<byte>:<bit>, iv-flip:<byte>:<bit>, swap:<i>:<j>, \
         paste:<i>, truncate, replay, drop or forge"
    )]
    Grammar(String),
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

impl FromStr for Tamper {
    type Err = TamperError;

    fn from_str(text: &str) -> Result<Tamper, TamperError> {
        let bad = || TamperError::Grammar(text.chars().take(64).collect());
        let mut parts = text.split(':');
        let name = parts.next().unwrap_or("");
        let args: Vec<&str> = parts.collect();
        let number = |i: usize| -> Result<usize, TamperError> {
            args.get(i)
                .and_then(|a| a.parse::<usize>().ok())
                .ok_or_else(bad)
        };
        let bit = |i: usize| -> Result<u8, TamperError> {
            let b = args
                .get(i)
                .and_then(|a| a.parse::<u8>().ok())
                .ok_or_else(bad)?;
            if b < 8 {
                Ok(b)
            } else {
                Err(TamperError::BitOutOfRange(b))
            }
        };
        let arity = |n: usize| if args.len() == n { Ok(()) } else { Err(bad()) };
        match name {
            "flip" => arity(2).and_then(|()| {
                Ok(Tamper::Flip {
                    byte: number(0)?,
                    bit: bit(1)?,
                })
            }),
            "iv-flip" => arity(2).and_then(|()| {
                Ok(Tamper::IvFlip {
                    byte: number(0)?,
                    bit: bit(1)?,
                })
            }),
            "swap" => arity(2).and_then(|()| {
                Ok(Tamper::Swap {
                    i: number(0)?,
                    j: number(1)?,
                })
            }),
            "paste" => arity(1).and_then(|()| Ok(Tamper::Paste { i: number(0)? })),
            "truncate" => arity(0).map(|()| Tamper::Truncate),
            "replay" => arity(0).map(|()| Tamper::Replay),
            "drop" => arity(0).map(|()| Tamper::Drop),
            "forge" => arity(0).map(|()| Tamper::Forge),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Tamper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tamper::Flip { byte, bit } => write!(f, "flip:{byte}:{bit}"),
            Tamper::IvFlip { byte, bit } => write!(f, "iv-flip:{byte}:{bit}"),
            Tamper::Swap { i, j } => write!(f, "swap:{i}:{j}"),
            Tamper::Paste { i } => write!(f, "paste:{i}"),
            Tamper::Truncate => f.write_str("truncate"),
            Tamper::Replay => f.write_str("replay"),
            Tamper::Drop => f.write_str("drop"),
            Tamper::Forge => f.write_str("forge"),
        }
    }
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
                let cut = if scheme == Scheme::Hmac { 1 } else { BLOCK };
                let len = anatomy.bytes.len();
                std::iter::once(len.saturating_sub(cut)..len).collect()
            }
            Tamper::Replay | Tamper::Drop | Tamper::Forge => vec![],
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
                let cut = if scheme == Scheme::Hmac { 1 } else { BLOCK };
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

fn iv_range(scheme: Scheme, anatomy: &Anatomy) -> Option<Range<usize>> {
    let wanted = match scheme {
        Scheme::Cbc => FieldKind::Salt,
        Scheme::Fernet => FieldKind::Iv,
        Scheme::Ecb | Scheme::Hmac => return None,
    };
    anatomy
        .fields
        .iter()
        .find(|f| f.kind == wanted && f.range.len() == BLOCK)
        .map(|f| f.range.clone())
}

/// The whole 16-byte blocks an action may move: ciphertext blocks, or hmac's message runs.
fn blocks(scheme: Scheme, anatomy: &Anatomy) -> Vec<Range<usize>> {
    if scheme == Scheme::Hmac {
        let Some(message) = anatomy.fields.iter().find(|f| f.kind == FieldKind::Message) else {
            return vec![];
        };
        let start = message.range.start;
        return (0..message.range.len() / BLOCK)
            .map(|k| start + k * BLOCK..start + (k + 1) * BLOCK)
            .collect();
    }
    anatomy
        .blocks()
        .filter(|f| f.range.len() == BLOCK)
        .map(|f| f.range.clone())
        .collect()
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
