//! The anatomy of a message: labelled byte ranges that cover its bytes exactly.
//!
//! Dissecting needs no key, which is the lesson: everything here is what an eavesdropper sees.
//! It is computed on demand (for the message on screen), never on the sealing hot path.

use std::collections::HashMap;
use std::ops::Range;

use base64::Engine as _;

use super::{BLOCK, Scheme};

/// How the dissected bytes relate to the wire bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// The bytes are the wire bytes.
    Raw,
    /// The wire carries base64url text; the bytes are its decoding (Fernet).
    Base64Url,
}

impl Encoding {
    /// The wire bytes for `bytes` dissected under this encoding.
    pub fn to_wire(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Encoding::Raw => bytes.to_vec(),
            Encoding::Base64Url => base64::engine::general_purpose::URL_SAFE
                .encode(bytes)
                .into_bytes(),
        }
    }
}

/// One labelled range of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The byte range within [`Anatomy::bytes`].
    pub range: Range<usize>,
    /// What those bytes are.
    pub kind: FieldKind,
}

/// What a range of message bytes is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// Fernet's version byte, 0x80.
    Version,
    /// Fernet's big-endian creation time, in seconds since 1970.
    Timestamp {
        /// The decoded seconds.
        secs: u64,
    },
    /// Fernet's random IV.
    Iv,
    /// cbc's random salt, used as the IV.
    Salt,
    /// A 16-byte ciphertext block, counted from 0 at the first ciphertext byte.
    Block {
        /// The block's index.
        index: usize,
        /// For ECB: the index of an earlier block with identical bytes.
        repeat_of: Option<usize>,
    },
    /// The nonce of an AEAD (gcm, chacha), sent in the clear.
    Nonce,
    /// A stream cipher's ciphertext (gcm, chacha): as long as the message, no blocks.
    Ciphertext,
    /// An authentication tag: HMAC-SHA256, SHA-256(key ‖ m), or an AEAD's.
    Tag,
    /// The 4-byte big-endian length field of hmac and prefix-mac.
    Length {
        /// The value the field claims.
        value: u32,
    },
    /// hmac's plaintext message, readable by anyone on the wire.
    Message,
    /// Bytes that fit no field: a malformed message.
    Trailing,
}

impl FieldKind {
    /// The field's label, such as `ciphertext block 2 (repeats block 0)`.
    pub fn label(&self) -> String {
        match self {
            FieldKind::Version => "version".to_owned(),
            FieldKind::Timestamp { secs } => format!("timestamp {}", format_utc(*secs)),
            FieldKind::Iv => "IV".to_owned(),
            FieldKind::Salt => "salt (IV)".to_owned(),
            FieldKind::Block {
                index,
                repeat_of: Some(first),
            } => {
                format!("ciphertext block {index} (repeats block {first})")
            }
            FieldKind::Block {
                index,
                repeat_of: None,
            } => format!("ciphertext block {index}"),
            FieldKind::Nonce => "nonce".to_owned(),
            FieldKind::Ciphertext => "ciphertext".to_owned(),
            FieldKind::Tag => "tag".to_owned(),
            FieldKind::Length { value } => format!("length {value}"),
            FieldKind::Message => "message".to_owned(),
            FieldKind::Trailing => "unparsed".to_owned(),
        }
    }

    /// The field's category, as shown in a colour legend.
    pub fn legend(&self) -> &'static str {
        match self {
            FieldKind::Version => "version",
            FieldKind::Timestamp { .. } => "timestamp",
            FieldKind::Iv => "IV",
            FieldKind::Salt => "salt",
            FieldKind::Block {
                repeat_of: Some(_), ..
            } => "repeated block",
            FieldKind::Block { .. } | FieldKind::Ciphertext => "ciphertext",
            FieldKind::Nonce => "nonce",
            FieldKind::Tag => "tag",
            FieldKind::Length { .. } => "length",
            FieldKind::Message => "message",
            FieldKind::Trailing => "unparsed",
        }
    }
}

/// A message dissected into labelled fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anatomy {
    /// Whether `bytes` are the wire bytes or their base64url decoding.
    pub encoding: Encoding,
    /// The bytes the fields index.
    pub bytes: Vec<u8>,
    /// Fields in order; their ranges are contiguous and cover `bytes` exactly.
    pub fields: Vec<Field>,
}

/// What an eavesdropper without the key learns from one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Leak {
    /// The message itself: the scheme has no secrecy.
    Everything,
    /// Equal 16-byte blocks give equal ciphertext; this many blocks repeat an earlier one.
    EqualBlocks(usize),
    /// The length, and a timestamp in the clear (its label, the date it decodes to).
    LengthAndTimestamp(String),
    /// Only the length.
    Length,
}

impl Anatomy {
    /// Dissects `wire` as a message of `scheme`. Never fails: bytes that fit nothing are
    /// labelled [`FieldKind::Trailing`].
    pub fn dissect(scheme: Scheme, wire: &[u8]) -> Anatomy {
        (scheme.spec().dissect)(wire)
    }

    /// What an eavesdropper without the key learns from this message, read off the scheme's
    /// properties and the fields themselves, so that a new scheme needs no case here.
    pub fn leak(&self, scheme: Scheme) -> Leak {
        if !scheme.has_secrecy() {
            return Leak::Everything;
        }
        if scheme.is_deterministic() {
            let repeats = self
                .fields
                .iter()
                .filter(|f| {
                    matches!(
                        f.kind,
                        FieldKind::Block {
                            repeat_of: Some(_),
                            ..
                        }
                    )
                })
                .count();
            return Leak::EqualBlocks(repeats);
        }
        match self
            .fields
            .iter()
            .find(|f| matches!(f.kind, FieldKind::Timestamp { .. }))
        {
            Some(stamp) => Leak::LengthAndTimestamp(stamp.kind.label()),
            None => Leak::Length,
        }
    }

    /// The field that holds byte `offset`, if any.
    pub fn field_at(&self, offset: usize) -> Option<&Field> {
        let index = self.fields.partition_point(|f| f.range.end <= offset);
        self.fields.get(index).filter(|f| f.range.contains(&offset))
    }

    /// The ciphertext blocks, in order.
    pub fn blocks(&self) -> impl Iterator<Item = &Field> {
        self.fields
            .iter()
            .filter(|f| matches!(f.kind, FieldKind::Block { .. }))
    }

    /// The bytes of the tag, for schemes that carry one.
    pub fn tag(&self) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|f| f.kind == FieldKind::Tag)
            .map(|f| &self.bytes[f.range.clone()])
    }

    /// The wire text for these bytes: base64url for Fernet, the bytes themselves otherwise.
    pub fn to_wire(&self) -> Vec<u8> {
        self.encoding.to_wire(&self.bytes)
    }
}

/// Builds an anatomy field by field, for the schemes' `dissect` functions.
#[derive(Default)]
pub(super) struct Builder {
    /// The next unlabelled byte.
    pub(super) pos: usize,
    fields: Vec<Field>,
}

impl Builder {
    /// The anatomy of raw wire bytes.
    pub(super) fn raw(self, wire: &[u8]) -> Anatomy {
        self.finish(Encoding::Raw, wire.to_vec())
    }

    /// The anatomy of `bytes`, which relate to the wire by `encoding`.
    pub(super) fn finish(self, encoding: Encoding, bytes: Vec<u8>) -> Anatomy {
        Anatomy {
            encoding,
            bytes,
            fields: self.fields,
        }
    }

    /// Labels the next `len` bytes, or as many as remain.
    pub(super) fn push_upto(&mut self, bytes: &[u8], kind: FieldKind, len: usize) {
        let end = (self.pos + len).min(bytes.len());
        if end > self.pos {
            self.fields.push(Field {
                range: self.pos..end,
                kind,
            });
            self.pos = end;
        }
    }

    pub(super) fn rest(&mut self, bytes: &[u8]) {
        self.push_upto(bytes, FieldKind::Trailing, bytes.len());
    }

    /// Labels whole 16-byte blocks from the current position to `end`, then any rest as trailing.
    pub(super) fn blocks_until(&mut self, bytes: &[u8], end: usize, mark_repeats: bool) {
        let mut seen: HashMap<&[u8], usize> = HashMap::new();
        let mut index = 0;
        while self.pos + BLOCK <= end {
            let block = &bytes[self.pos..self.pos + BLOCK];
            let repeat_of = if mark_repeats {
                seen.get(block).copied()
            } else {
                None
            };
            if mark_repeats && repeat_of.is_none() {
                seen.insert(block, index);
            }
            self.push_upto(bytes, FieldKind::Block { index, repeat_of }, BLOCK);
            index += 1;
        }
        if end > self.pos {
            self.push_upto(bytes, FieldKind::Trailing, end - self.pos);
        }
    }
}

/// Formats seconds since 1970 as `YYYY-MM-DD HH:MM:SS UTC` (proleptic Gregorian calendar).
pub fn format_utc(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm, unsigned form).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_an_eavesdropper_learns_follows_the_schemes_properties() {
        let nonce = crate::crypto::Nonce {
            iv: [9; BLOCK],
            now: 499_162_800,
        };
        let leak = |scheme: Scheme, text: &[u8]| {
            let key = crate::crypto::Key::generate(scheme).unwrap_or_else(|_| unreachable!());
            let wire = crate::crypto::Cipher::new(&key)
                .seal_with(text, &nonce)
                .unwrap_or_default();
            Anatomy::dissect(scheme, &wire).leak(scheme)
        };
        let twice = b"YELLOW SUBMARINEYELLOW SUBMARINE";
        assert_eq!(leak(Scheme::Ecb, twice), Leak::EqualBlocks(1));
        assert_eq!(leak(Scheme::Ecb, b"one block"), Leak::EqualBlocks(0));
        assert_eq!(leak(Scheme::Cbc, twice), Leak::Length);
        assert!(matches!(
            leak(Scheme::Fernet, twice),
            Leak::LengthAndTimestamp(stamp) if stamp.contains("1985-10-26")
        ));
        assert_eq!(leak(Scheme::Hmac, twice), Leak::Everything);
    }

    #[test]
    fn dates_format_in_utc() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        // The Fernet spec's "1985-10-26T01:20:00-07:00".
        assert_eq!(format_utc(499_162_800), "1985-10-26 08:20:00 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert!(format_utc(u64::MAX).ends_with("UTC"));
    }

    #[test]
    fn ecb_repeats_point_at_the_first_copy() {
        let mut wire = vec![7u8; 16];
        wire.extend([9u8; 16]);
        wire.extend([7u8; 16]);
        wire.extend([1u8; 3]);
        let anatomy = Anatomy::dissect(Scheme::Ecb, &wire);
        let kinds: Vec<_> = anatomy.fields.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                FieldKind::Block {
                    index: 0,
                    repeat_of: None
                },
                FieldKind::Block {
                    index: 1,
                    repeat_of: None
                },
                FieldKind::Block {
                    index: 2,
                    repeat_of: Some(0)
                },
                FieldKind::Trailing,
            ]
        );
    }

    #[test]
    fn field_at_finds_the_covering_field() {
        let anatomy = Anatomy::dissect(Scheme::Cbc, &[0u8; 48]);
        assert_eq!(anatomy.field_at(0).map(|f| f.kind), Some(FieldKind::Salt));
        assert_eq!(
            anatomy.field_at(47).map(|f| f.kind),
            Some(FieldKind::Block {
                index: 1,
                repeat_of: None
            })
        );
        assert_eq!(anatomy.field_at(48), None);
    }
}
