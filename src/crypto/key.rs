//! Keys: their text forms, generation, and the rules that keep them secret in memory.
//!
//! A key prints as `<redacted>` in `Debug`, is zeroized on drop, and no error message ever
//! repeats the key text it failed to parse.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::Scheme;
use super::spec::KeyForm;

/// The longest key text accepted, in characters; longer input is refused before decoding.
pub const MAX_KEY_TEXT: usize = 4096;
/// The longest key accepted by the MACs (hmac, prefix-mac), in bytes.
pub const MAX_HMAC_KEY: usize = 1024;

/// base64 decoders that accept input with or without `=` padding.
const STANDARD_ANY_PAD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const URL_SAFE_ANY_PAD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A scheme's secret key. Zeroized on drop; never printed by `Debug`.
#[derive(Clone)]
pub struct Key {
    scheme: Scheme,
    bytes: Zeroizing<Vec<u8>>,
}

/// Where a key came from, as shown on the Key pane and in the `key` event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// Made by this process.
    Generated,
    /// Read off the wire, where anyone listening could read it too.
    ReceivedInClear,
    /// Given by the user: `--key`, `--key-file`, or the environment.
    PreShared,
    /// Derived by an ephemeral key agreement.
    Agreed,
}

impl KeySource {
    /// The contract's word for the source.
    pub fn as_str(self) -> &'static str {
        match self {
            KeySource::Generated => "generated",
            KeySource::ReceivedInClear => "received-in-clear",
            KeySource::PreShared => "pre-shared",
            KeySource::Agreed => "agreed",
        }
    }
}

/// Why a key text or key bytes could not be used. Messages name the expected form and length
/// and never contain the key itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The text was empty.
    #[error("the {scheme} key is empty; expected {}", expected(*scheme))]
    Empty {
        /// The scheme the key was for.
        scheme: Scheme,
    },
    /// The text was absurdly long.
    #[error("the {scheme} key text is longer than {MAX_KEY_TEXT} characters")]
    TooLong {
        /// The scheme the key was for.
        scheme: Scheme,
    },
    /// `hex:` text, or a bare ecb/cbc key, that is not hex.
    #[error("the {scheme} key is not valid hex ({detail}); expected {}", expected(*scheme))]
    BadHex {
        /// The scheme the key was for.
        scheme: Scheme,
        /// What the decoder found, without the key text.
        detail: String,
    },
    /// `base64:` text, or a bare fernet key, that is not base64.
    #[error("the {scheme} key is not valid {alphabet} ({detail}); expected {}", expected(*scheme))]
    BadBase64 {
        /// The scheme the key was for.
        scheme: Scheme,
        /// Which alphabet was tried.
        alphabet: &'static str,
        /// What the decoder found, without the key text.
        detail: String,
    },
    /// The key decoded to the wrong number of bytes.
    #[error("the {scheme} key is {got} byte{}; expected {}", if *got == 1 { "" } else { "s" }, expected(*scheme))]
    WrongLength {
        /// The scheme the key was for.
        scheme: Scheme,
        /// How many bytes it had.
        got: usize,
    },
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed: {0}")]
    Random(String),
}

/// The expected form and length of a key for `scheme`, for error messages and help.
pub fn expected(scheme: Scheme) -> &'static str {
    scheme.spec().key.expected
}

impl Key {
    /// Parses a key in one of the text forms of the lab: `hex:…`, `base64:…` (either alphabet),
    /// `text:…`, or without a prefix the scheme's natural form (hex for ecb/cbc, urlsafe base64
    /// for fernet, raw text for hmac).
    ///
    /// # Errors
    /// A [`KeyError`] naming the expected form and length.
    pub fn parse(scheme: Scheme, text: &str) -> Result<Key, KeyError> {
        if text.len() > MAX_KEY_TEXT {
            return Err(KeyError::TooLong { scheme });
        }
        let bytes = if let Some(rest) = text.strip_prefix("hex:") {
            decode_hex(scheme, rest)?
        } else if let Some(rest) = text.strip_prefix("base64:") {
            decode_base64_either(scheme, rest)?
        } else if let Some(rest) = text.strip_prefix("text:") {
            Zeroizing::new(rest.as_bytes().to_vec())
        } else {
            match scheme.spec().key.form {
                KeyForm::Hex => decode_hex(scheme, text)?,
                KeyForm::UrlBase64 => {
                    decode_base64(scheme, text.trim(), &URL_SAFE_ANY_PAD, "urlsafe base64")?
                }
                KeyForm::Text => Zeroizing::new(text.as_bytes().to_vec()),
            }
        };
        Key::from_bytes(scheme, bytes)
    }

    /// Wraps raw key bytes after checking their length for `scheme`.
    ///
    /// # Errors
    /// [`KeyError::WrongLength`] or [`KeyError::Empty`].
    pub fn from_bytes(
        scheme: Scheme,
        bytes: impl Into<Zeroizing<Vec<u8>>>,
    ) -> Result<Key, KeyError> {
        let bytes = bytes.into();
        let ok = scheme.spec().key.lengths.allows(bytes.len());
        match (ok, bytes.is_empty()) {
            (true, _) => Ok(Key { scheme, bytes }),
            (false, true) => Err(KeyError::Empty { scheme }),
            (false, false) => Err(KeyError::WrongLength {
                scheme,
                got: bytes.len(),
            }),
        }
    }

    /// A fresh random key: AES-128 for ecb and cbc (as the seeds use), a Fernet key, or for
    /// hmac 43 characters of urlsafe base64 text (256 random bits, usable as
    /// `SHARED_SECRET_KEY`).
    ///
    /// # Errors
    /// [`KeyError::Random`] if the operating system cannot supply randomness.
    pub fn generate(scheme: Scheme) -> Result<Key, KeyError> {
        let rule = scheme.spec().key;
        let mut raw = Zeroizing::new(vec![0u8; rule.generated]);
        getrandom::getrandom(&mut raw).map_err(|e| KeyError::Random(e.to_string()))?;
        let bytes = match rule.form {
            KeyForm::Text => {
                Zeroizing::new(general_purpose::URL_SAFE_NO_PAD.encode(&*raw).into_bytes())
            }
            KeyForm::Hex | KeyForm::UrlBase64 => raw,
        };
        Key::from_bytes(scheme, bytes)
    }

    /// The scheme this key is for.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The key in its scheme's natural text form, which [`Key::parse`] reads back: hex for
    /// ecb/cbc, urlsafe base64 for fernet, and for hmac the text itself (or `hex:…` when the
    /// bytes are not printable text).
    pub fn to_text(&self) -> Zeroizing<String> {
        Zeroizing::new(match self.scheme.spec().key.form {
            KeyForm::Hex => hex::encode(&*self.bytes),
            KeyForm::UrlBase64 => general_purpose::URL_SAFE.encode(&*self.bytes),
            KeyForm::Text => match std::str::from_utf8(&self.bytes) {
                Ok(text) if is_plain_text(text) => text.to_owned(),
                _ => format!("hex:{}", hex::encode(&*self.bytes)),
            },
        })
    }

    /// A short, non-secret identifier: the first 8 hex digits of SHA-256 of the key bytes.
    /// Two peers holding the same key show the same fingerprint.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(&*self.bytes);
        hex::encode(&digest[..4])
    }

    /// A description of the key's size, such as `AES-128` or `32-byte HMAC key`.
    pub fn describe(&self) -> String {
        (self.scheme.spec().key.describe)(self.bytes.len())
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("scheme", &self.scheme)
            .field(
                "bytes",
                &format_args!("<redacted {} bytes>", self.bytes.len()),
            )
            .finish()
    }
}

/// Text that reads back unchanged as a bare hmac key.
fn is_plain_text(text: &str) -> bool {
    !text.is_empty()
        && !text.chars().any(char::is_control)
        && !["hex:", "base64:", "text:"]
            .iter()
            .any(|p| text.starts_with(p))
}

fn decode_hex(scheme: Scheme, text: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(KeyError::Empty { scheme });
    }
    hex::decode(text)
        .map(Zeroizing::new)
        .map_err(|e| KeyError::BadHex {
            scheme,
            detail: match e {
                hex::FromHexError::InvalidHexCharacter { index, .. } => {
                    format!("character {} is not a hex digit", index + 1)
                }
                hex::FromHexError::OddLength => format!("odd number of digits: {}", text.len()),
                hex::FromHexError::InvalidStringLength => "wrong length".to_owned(),
            },
        })
}

fn decode_base64(
    scheme: Scheme,
    text: &str,
    engine: &GeneralPurpose,
    alphabet: &'static str,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    if text.is_empty() {
        return Err(KeyError::Empty { scheme });
    }
    engine
        .decode(text)
        .map(Zeroizing::new)
        .map_err(|e| KeyError::BadBase64 {
            scheme,
            alphabet,
            detail: match e {
                base64::DecodeError::InvalidByte(index, _) => {
                    format!("character {} is not in the alphabet", index + 1)
                }
                base64::DecodeError::InvalidLength(len) => {
                    format!("{len} symbols is not a valid length")
                }
                base64::DecodeError::InvalidLastSymbol(index, _) => {
                    format!("the last symbol, at {}, has stray bits", index + 1)
                }
                base64::DecodeError::InvalidPadding => "bad `=` padding".to_owned(),
            },
        })
}

/// `base64:` accepts both alphabets: it is the lab's escape hatch for keys copied from anywhere.
fn decode_base64_either(scheme: Scheme, text: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let text = text.trim();
    let engine = if text.contains(['-', '_']) {
        &URL_SAFE_ANY_PAD
    } else {
        &STANDARD_ANY_PAD
    };
    decode_base64(scheme, text, engine, "base64")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_003_key_is_the_text_form() {
        let key = Key::parse(Scheme::Cbc, "text:mysecretkey12345").unwrap();
        assert_eq!(key.as_bytes(), b"mysecretkey12345");
        assert_eq!(key.describe(), "AES-128");
    }

    #[test]
    fn natural_forms_differ_by_scheme() {
        let hex = "2b7e151628aed2a6abf7158809cf4f3c";
        assert_eq!(Key::parse(Scheme::Ecb, hex).unwrap().as_bytes().len(), 16);
        let fernet = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
        assert_eq!(
            Key::parse(Scheme::Fernet, fernet).unwrap().as_bytes().len(),
            32
        );
        let hmac = Key::parse(Scheme::Hmac, "your_shared_secret_key").unwrap();
        assert_eq!(hmac.as_bytes(), b"your_shared_secret_key");
    }

    #[test]
    fn prefixes_work_for_every_scheme() {
        let k = Key::parse(Scheme::Fernet, &format!("hex:{}", "ab".repeat(32))).unwrap();
        assert_eq!(k.as_bytes(), [0xab; 32]);
        let k = Key::parse(Scheme::Ecb, "base64:K34VFiiu0qar9xWICc9PPA==").unwrap();
        assert_eq!(
            hex::encode(k.as_bytes()),
            "2b7e151628aed2a6abf7158809cf4f3c"
        );
        let k = Key::parse(Scheme::Hmac, "base64:_-8").unwrap();
        assert_eq!(k.as_bytes(), [0xff, 0xef]);
    }

    #[test]
    fn every_size_of_aes_key_is_accepted_and_others_are_named() {
        for len in [16, 24, 32] {
            assert!(Key::parse(Scheme::Cbc, &"00".repeat(len)).is_ok());
        }
        let err = Key::parse(Scheme::Ecb, "00112233").unwrap_err();
        assert_eq!(
            err,
            KeyError::WrongLength {
                scheme: Scheme::Ecb,
                got: 4
            }
        );
        assert!(err.to_string().contains("16, 24 or 32 bytes"), "{err}");
    }

    #[test]
    fn errors_name_the_form_and_never_echo_the_key() {
        let secret = "zz11secretsecretsecretsecretsecret";
        let err = Key::parse(Scheme::Ecb, secret).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("not valid hex"), "{message}");
        assert!(!message.contains("secret"), "{message}");
        let err = Key::parse(Scheme::Fernet, "not*base64").unwrap_err();
        assert!(err.to_string().contains("urlsafe base64"), "{err}");
        assert_eq!(
            Key::parse(Scheme::Hmac, "").unwrap_err(),
            KeyError::Empty {
                scheme: Scheme::Hmac
            }
        );
    }

    #[test]
    fn debug_redacts_the_key() {
        let key = Key::parse(Scheme::Hmac, "hunter2hunter2").unwrap();
        let debug = format!("{key:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("redacted"), "{debug}");
    }

    #[test]
    fn generated_keys_read_back_from_their_text() {
        for scheme in Scheme::ALL {
            let key = Key::generate(scheme).unwrap();
            let again = Key::parse(scheme, &key.to_text()).unwrap();
            assert_eq!(key.as_bytes(), again.as_bytes(), "{scheme}");
            assert_eq!(key.fingerprint(), again.fingerprint());
        }
    }

    #[test]
    fn binary_hmac_keys_print_as_hex_and_read_back() {
        let key = Key::from_bytes(Scheme::Hmac, vec![0, 1, 2, 0xff]).unwrap();
        assert_eq!(&*key.to_text(), "hex:000102ff");
        assert_eq!(
            Key::parse(Scheme::Hmac, &key.to_text()).unwrap().as_bytes(),
            key.as_bytes()
        );
    }
}
