//! The seed programs' own bytes (`--wire seed`), pure: no sockets here.
//!
//! - 000 (ecb): the raw key, then one raw ciphertext; no reply.
//! - 001 (fernet): the raw 44-byte key, then tokens both ways with no delimiter: one `recv` is
//!   one message in the seed. TCP may split or join them, so [`TokenSplitter`] finds token
//!   boundaries from their structure instead.
//! - 003 (cbc): an HTTP JSON API, `POST /decrypt-mac` (bodies here; HTTP is left to hyper).
//! - 004 (hmac): a 4-byte big-endian length, the message, a 32-byte tag; a text reply.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::crypto::{BLOCK, Scheme, TAG};

/// The wire protocol a networked mode speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Protocol {
    /// cipherlab's framed protocol (`docs/PROTOCOL.md`).
    #[default]
    Lab,
    /// The seed program's own bytes for the scheme.
    Seed,
}

impl Protocol {
    /// The header label.
    pub fn label(self) -> &'static str {
        match self {
            Protocol::Lab => "lab wire",
            Protocol::Seed => "seed wire",
        }
    }
}

/// Seed 004's reply when the tag checks out.
pub const HMAC_VERIFIED: &str =
    "Message verified successfully. Integrity and authenticity confirmed.";
/// Seed 004's reply when it does not.
pub const HMAC_FAILED: &str = "Message verification failed.";
/// Seed 003's API path.
pub const CBC_PATH: &str = "/decrypt-mac";
/// Seed 003's hard-coded key, as a cipherlab key text.
pub const CBC_SEED_KEY: &str = "text:mysecretkey12345";
/// Seed 003's error for a request missing a field.
pub const CBC_MISSING: &str = "No encrypted MAC address or salt provided";
/// Seed 003's error for anything that fails to decrypt.
pub const CBC_FAILED: &str = "Decryption failed";
/// The length of a Fernet key as sent by seed 001: 32 bytes in urlsafe base64.
pub const FERNET_KEY_TEXT: usize = 44;
/// The base64url text every Fernet token starts with: version 0x80 and a timestamp below 2^40.
pub const TOKEN_PREFIX: &[u8] = b"gAAAAA";

/// The request body of seed 003's API. Fields are optional so that a missing one gets the
/// seed's own error rather than a parse failure.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct DecryptMacRequest {
    /// Standard base64 of the CBC ciphertext.
    #[serde(default)]
    pub encrypted_mac: Option<String>,
    /// Standard base64 of the 16-byte salt (the IV).
    #[serde(default)]
    pub salt: Option<String>,
}

/// Why a seed 003 request could not be turned into cbc wire bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeedRequestError {
    /// A field was absent or empty (the seed's own 400).
    #[error("{CBC_MISSING}")]
    Missing,
    /// A field was not base64 (the seed fails to decrypt: 400).
    #[error("{0} is not valid base64")]
    BadBase64(&'static str),
    /// The body was not a JSON object.
    #[error("the body is not JSON: {0}")]
    NotJson(String),
}

impl DecryptMacRequest {
    /// The request for cbc wire bytes `salt ‖ ciphertext`.
    pub fn from_wire(wire: &[u8]) -> DecryptMacRequest {
        let (salt, ciphertext) = wire.split_at(wire.len().min(BLOCK));
        DecryptMacRequest {
            encrypted_mac: Some(STANDARD.encode(ciphertext)),
            salt: Some(STANDARD.encode(salt)),
        }
    }

    /// Parses a request body.
    ///
    /// # Errors
    /// [`SeedRequestError::NotJson`].
    pub fn parse(body: &[u8]) -> Result<DecryptMacRequest, SeedRequestError> {
        serde_json::from_slice(body).map_err(|e| SeedRequestError::NotJson(e.to_string()))
    }

    /// The cbc wire bytes `salt ‖ ciphertext` this request carries.
    ///
    /// # Errors
    /// [`SeedRequestError::Missing`] or [`SeedRequestError::BadBase64`].
    pub fn to_wire(&self) -> Result<Vec<u8>, SeedRequestError> {
        let (Some(ciphertext), Some(salt)) = (&self.encrypted_mac, &self.salt) else {
            return Err(SeedRequestError::Missing);
        };
        if ciphertext.is_empty() || salt.is_empty() {
            return Err(SeedRequestError::Missing);
        }
        let mut wire = STANDARD
            .decode(salt.trim())
            .map_err(|_| SeedRequestError::BadBase64("salt"))?;
        wire.extend(
            STANDARD
                .decode(ciphertext.trim())
                .map_err(|_| SeedRequestError::BadBase64("encrypted_mac"))?,
        );
        Ok(wire)
    }
}

/// Seed 003's response: HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecryptMacResponse {
    /// 200 `{"status":"success","mac_address":…}`.
    Success(String),
    /// 400 `{"status":"error","message":…}`.
    Error(String),
}

#[derive(Serialize, Deserialize)]
struct ResponseJson {
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mac_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

impl DecryptMacResponse {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            DecryptMacResponse::Success(_) => 200,
            DecryptMacResponse::Error(_) => 400,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        let json = match self {
            DecryptMacResponse::Success(mac) => ResponseJson {
                status: "success".into(),
                mac_address: Some(mac.clone()),
                message: None,
            },
            DecryptMacResponse::Error(message) => ResponseJson {
                status: "error".into(),
                mac_address: None,
                message: Some(message.clone()),
            },
        };
        serde_json::to_string(&json).unwrap_or_default()
    }

    /// Reads a response from its status and body.
    ///
    /// # Errors
    /// A description when the body is not the seed's JSON.
    pub fn parse(status: u16, body: &[u8]) -> Result<DecryptMacResponse, String> {
        let json: ResponseJson = serde_json::from_slice(body)
            .map_err(|e| format!("HTTP {status} with a body that is not the seed's JSON: {e}"))?;
        match (status, json.status.as_str(), json.mac_address, json.message) {
            (200, "success", Some(mac), _) => Ok(DecryptMacResponse::Success(mac)),
            (_, "error", _, Some(message)) => Ok(DecryptMacResponse::Error(message)),
            _ => Err(format!("HTTP {status} with an unexpected body")),
        }
    }
}

/// The 4-byte header of a seed 004 message, in bytes (the seed counts characters, which
/// breaks on non-ASCII text; cipherlab counts bytes).
pub fn hmac_length(header: [u8; 4]) -> u32 {
    u32::from_be_bytes(header)
}

/// Splits a stream of Fernet tokens sent with no delimiter.
///
/// A token starts with [`TOKEN_PREFIX`] and decodes to `57 + 16k` bytes (k ≥ 1). A boundary is
/// taken where the next token's prefix begins and the text before it is a whole token; a token
/// at the end of the buffer is complete when `complete` says so (its tag verifies under the
/// session key) or the sender went quiet. Memory is bounded by `max`.
#[derive(Debug, Default)]
pub struct TokenSplitter {
    buf: Vec<u8>,
}

/// Whether `text` has the shape of a whole Fernet token.
pub fn token_shaped(text: &[u8]) -> bool {
    // Padded base64 only: a token's text without its trailing `=` still decodes, and taking it
    // early would leave the `=` stuck to the front of the next token.
    if !text.starts_with(TOKEN_PREFIX) || !text.len().is_multiple_of(4) {
        return false;
    }
    let Some(decoded) = crate::crypto::fernet::decode_token(text) else {
        return false;
    };
    decoded.len() >= 57 + BLOCK && (decoded.len() - 57).is_multiple_of(BLOCK)
}

impl TokenSplitter {
    /// Adds bytes as they arrive.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The bytes waiting.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Takes every token known to be whole: those followed by another token's start, and the
    /// last one if `complete` accepts it.
    pub fn tokens(&mut self, complete: impl Fn(&[u8]) -> bool) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        loop {
            let starts: Vec<usize> = (1..self.buf.len().saturating_sub(TOKEN_PREFIX.len() - 1))
                .filter(|&i| self.buf[i..].starts_with(TOKEN_PREFIX))
                .collect();
            let cut = starts.into_iter().find(|&i| token_shaped(&self.buf[..i]));
            match cut {
                Some(i) => out.push(self.buf.drain(..i).collect()),
                None if !self.buf.is_empty() && token_shaped(&self.buf) && complete(&self.buf) => {
                    out.push(std::mem::take(&mut self.buf));
                }
                None => return out,
            }
        }
    }

    /// Takes whatever is left as one message (the sender went quiet or closed).
    pub fn flush(&mut self) -> Option<Vec<u8>> {
        (!self.buf.is_empty()).then(|| std::mem::take(&mut self.buf))
    }
}

/// The schemes' default ports under the seed wire (the lab's port for a scheme no seed speaks,
/// which the command line refuses before it gets here).
pub fn default_addr(scheme: Scheme) -> String {
    format!("127.0.0.1:{}", scheme.seed_port().unwrap_or(12345))
}

/// This machine's MAC address (the first interface that has a real one), as `aa:bb:cc:dd:ee:ff`.
/// Seed 003 meant to send this; its helper shifted by the wrong amounts.
pub fn mac_address() -> Option<String> {
    let mut names: Vec<_> = std::fs::read_dir("/sys/class/net")
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    names.sort();
    names.iter().find_map(|dir| {
        let text = std::fs::read_to_string(dir.join("address")).ok()?;
        let mac = text.trim().to_ascii_lowercase();
        let real = mac.len() == 17 && mac != "00:00:00:00:00:00";
        real.then_some(mac)
    })
}

/// The TAG length, re-exported for the hmac seed reader.
pub const HMAC_TAG: usize = TAG;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Cipher, Key, Nonce};

    fn tokens(n: usize) -> (Cipher, Vec<Vec<u8>>) {
        let cipher = Cipher::new(&Key::generate(Scheme::Fernet).unwrap());
        let made = (0..n)
            .map(|i| {
                cipher
                    .seal_with(
                        format!("message {i} {}", "x".repeat(i * 7)).as_bytes(),
                        &Nonce {
                            iv: [i as u8; 16],
                            now: 1_700_000_000,
                        },
                    )
                    .unwrap()
            })
            .collect();
        (cipher, made)
    }

    #[test]
    fn joined_tokens_split_back_apart() {
        let (cipher, made) = tokens(4);
        let mut splitter = TokenSplitter::default();
        splitter.push(&made.concat());
        let verifies = |t: &[u8]| cipher.open(t).verdict.is_accepted();
        assert_eq!(splitter.tokens(verifies), made);
        assert_eq!(splitter.pending(), 0);
    }

    #[test]
    fn a_token_split_across_reads_waits_for_its_end() {
        let (cipher, made) = tokens(2);
        let verifies = |t: &[u8]| cipher.open(t).verdict.is_accepted();
        let mut splitter = TokenSplitter::default();
        let all = made.concat();
        let mut got = vec![];
        for chunk in all.chunks(7) {
            splitter.push(chunk);
            got.extend(splitter.tokens(verifies));
        }
        assert_eq!(got, made);
    }

    #[test]
    fn garbage_is_flushed_as_one_message() {
        let mut splitter = TokenSplitter::default();
        splitter.push(b"not a token at all");
        assert!(splitter.tokens(|_| true).is_empty());
        assert_eq!(
            splitter.flush().as_deref(),
            Some(&b"not a token at all"[..])
        );
    }

    #[test]
    fn seed_003_requests_and_responses() {
        let wire: Vec<u8> = (0u8..48).collect();
        let request = DecryptMacRequest::from_wire(&wire);
        assert_eq!(request.to_wire().unwrap(), wire);
        assert_eq!(
            DecryptMacRequest::parse(br#"{"salt":"AAAA"}"#)
                .unwrap()
                .to_wire(),
            Err(SeedRequestError::Missing)
        );
        assert_eq!(
            DecryptMacRequest::parse(br#"{"salt":"AAAA","encrypted_mac":"%%"}"#)
                .unwrap()
                .to_wire(),
            Err(SeedRequestError::BadBase64("encrypted_mac"))
        );
        let ok = DecryptMacResponse::Success("00:1a:2b:3c:4d:5e".into());
        assert_eq!(
            ok.body(),
            r#"{"status":"success","mac_address":"00:1a:2b:3c:4d:5e"}"#
        );
        assert_eq!(DecryptMacResponse::parse(200, ok.body().as_bytes()), Ok(ok));
        let pretty = b"{\n  \"message\": \"Decryption failed\",\n  \"status\": \"error\"\n}\n";
        assert_eq!(
            DecryptMacResponse::parse(400, pretty),
            Ok(DecryptMacResponse::Error(CBC_FAILED.into()))
        );
    }
}
