//! The four schemes the lab teaches: the one list every surface reads from.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the lab's four ways of protecting a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// AES in electronic-codebook mode: equal plaintext blocks give equal ciphertext blocks.
    Ecb,
    /// AES-CBC with a random 16-byte salt used as the IV (seed 003).
    Cbc,
    /// Fernet: AES-128-CBC plus HMAC-SHA256, base64url text.
    Fernet,
    /// HMAC-SHA256 over a plaintext message: integrity without secrecy (seed 004).
    Hmac,
}

impl Scheme {
    /// Every scheme, in the order the screen and the `1`–`4` keys use.
    pub const ALL: [Scheme; 4] = [Scheme::Ecb, Scheme::Cbc, Scheme::Fernet, Scheme::Hmac];

    /// The lowercase name used on the command line, in JSON and on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Ecb => "ecb",
            Scheme::Cbc => "cbc",
            Scheme::Fernet => "fernet",
            Scheme::Hmac => "hmac",
        }
    }

    /// A one-line description for help text and the screen.
    pub fn title(self) -> &'static str {
        match self {
            Scheme::Ecb => "AES-ECB",
            Scheme::Cbc => "AES-CBC, random salt as IV",
            Scheme::Fernet => "Fernet (AES-128-CBC + HMAC-SHA256)",
            Scheme::Hmac => "HMAC-SHA256, plaintext on the wire",
        }
    }

    /// Whether the scheme keeps the message secret from an eavesdropper without the key.
    pub fn has_secrecy(self) -> bool {
        !matches!(self, Scheme::Hmac)
    }

    /// Whether the receiver can detect tampering.
    pub fn has_integrity(self) -> bool {
        matches!(self, Scheme::Fernet | Scheme::Hmac)
    }

    /// Whether sealing the same plaintext twice gives the same wire bytes.
    pub fn is_deterministic(self) -> bool {
        matches!(self, Scheme::Ecb | Scheme::Hmac)
    }

    /// The offset of the first byte that carries the message (ciphertext, or hmac's plaintext)
    /// in the sealed bytes, after any salt, version, timestamp, IV or length field: where a
    /// bit flip changes the message itself. For fernet, in the decoded token.
    pub fn first_message_byte(self) -> usize {
        match self {
            Scheme::Ecb => 0,
            Scheme::Cbc => 16,
            Scheme::Fernet => 25,
            Scheme::Hmac => 4,
        }
    }

    /// The seed program's TCP port, used as the default under `--wire seed`.
    pub fn seed_port(self) -> u16 {
        match self {
            Scheme::Ecb | Scheme::Hmac => 12345,
            Scheme::Cbc | Scheme::Fernet => 5000,
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A scheme name that is not one of the four.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scheme '{0}' (expected ecb, cbc, fernet or hmac)")]
pub struct UnknownScheme(pub String);

impl FromStr for Scheme {
    type Err = UnknownScheme;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scheme::ALL
            .into_iter()
            .find(|scheme| scheme.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownScheme(s.chars().take(32).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for scheme in Scheme::ALL {
            assert_eq!(scheme.name().parse::<Scheme>(), Ok(scheme));
        }
        let err = "rot13".parse::<Scheme>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown scheme 'rot13' (expected ecb, cbc, fernet or hmac)"
        );
    }
}
