//! The tamper grammar of DESIGN §5, both ways: `flip:3:0`, `xor:4:ff00`, `rewrite:9:student:teacher`,
//! `extend:16:&to=mallory` … parsed into a [`Tamper`] with the size rules checked, and written
//! back as the same text.

use std::fmt;
use std::str::FromStr;

use super::{MAX_TAMPER_BYTES, Tamper, TamperError};
use crate::crypto::key::MAX_HMAC_KEY;

impl FromStr for Tamper {
    type Err = TamperError;

    fn from_str(text: &str) -> Result<Tamper, TamperError> {
        let bad = || TamperError::Grammar(text.chars().take(64).collect());
        if let Some(parsed) = parse_with_text(text) {
            return parsed.ok_or_else(bad).and_then(check_sizes);
        }
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
            Tamper::Xor { byte, bytes } => write!(f, "xor:{byte}:{}", hex::encode(bytes)),
            Tamper::Rewrite { pos, from, to } => write!(f, "rewrite:{pos}:{from}:{to}"),
            Tamper::Extend { key_len, text } => write!(f, "extend:{key_len}:{text}"),
        }
    }
}

/// The actions whose last argument is text that may hold `:`; `None` for the others, and
/// `Some(None)` when their numbers do not parse.
fn parse_with_text(text: &str) -> Option<Option<Tamper>> {
    let (name, rest) = text.split_once(':')?;
    let number = |s: &str| s.parse::<usize>().ok();
    Some(match name {
        "xor" => rest.split_once(':').and_then(|(byte, bytes)| {
            Some(Tamper::Xor {
                byte: number(byte)?,
                bytes: hex::decode(bytes).ok().filter(|b| !b.is_empty())?,
            })
        }),
        "rewrite" => {
            let mut parts = rest.splitn(3, ':');
            let pos = number(parts.next()?);
            let (from, to) = (parts.next(), parts.next());
            pos.zip(from.zip(to))
                .map(|(pos, (from, to))| Tamper::Rewrite {
                    pos,
                    from: from.to_owned(),
                    to: to.to_owned(),
                })
        }
        "extend" => rest.split_once(':').and_then(|(key_len, more)| {
            Some(Tamper::Extend {
                key_len: number(key_len)?,
                text: more.to_owned(),
            })
        }),
        _ => return None,
    })
}

/// The size rules of the actions that carry bytes.
fn check_sizes(tamper: Tamper) -> Result<Tamper, TamperError> {
    let too_long = |what: &str, n: usize| {
        Err(TamperError::Bytes(format!(
            "{what} is {n} bytes; at most {MAX_TAMPER_BYTES}"
        )))
    };
    match &tamper {
        Tamper::Xor { bytes, .. } if bytes.len() > MAX_TAMPER_BYTES => {
            too_long("the XOR", bytes.len())
        }
        Tamper::Rewrite { from, to, .. } if from.len() != to.len() => {
            // Typed text may be long: quote the start of each, the sizes say the rest.
            let quote = |t: &str| {
                let start: String = t.chars().take(24).collect();
                if start.len() < t.len() {
                    format!("{start}…")
                } else {
                    start
                }
            };
            Err(TamperError::Bytes(format!(
                "rewrite keeps the length: '{}' is {} bytes and '{}' is {}",
                quote(from),
                from.len(),
                quote(to),
                to.len()
            )))
        }
        Tamper::Rewrite { from, .. } if from.is_empty() => Err(TamperError::Bytes(
            "rewrite needs the plaintext believed to be there".to_owned(),
        )),
        Tamper::Rewrite { from, .. } if from.len() > MAX_TAMPER_BYTES => {
            too_long("the rewrite", from.len())
        }
        Tamper::Extend { text, .. } if text.len() > MAX_TAMPER_BYTES => {
            too_long("the extension", text.len())
        }
        Tamper::Extend { key_len, .. } if *key_len > MAX_HMAC_KEY => Err(TamperError::Bytes(
            format!("a key of {key_len} bytes is longer than any MAC key ({MAX_HMAC_KEY})"),
        )),
        _ => Ok(tamper),
    }
}
