//! The seven schemes the lab teaches: the one list every surface reads from.
//!
//! The order is DESIGN §1's: the screen's columns, the number keys `1`–`7`, the Matrix and the
//! Compare tab. Every property is read off the scheme's [`Spec`], in the scheme's own file.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::spec::{Integrity, Spec};
use super::{KeyExchange, cbc, chacha, ecb, fernet, gcm, hmac, prefix_mac};

/// One of the lab's ways of protecting a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    /// AES in electronic-codebook mode: equal plaintext blocks give equal ciphertext blocks.
    Ecb,
    /// AES-CBC with a random 16-byte salt used as the IV (seed 003).
    Cbc,
    /// Fernet: AES-128-CBC plus HMAC-SHA256, base64url text.
    Fernet,
    /// HMAC-SHA256 over a plaintext message: integrity without secrecy (seed 004).
    Hmac,
    /// `SHA-256(key ‖ m)` over a plaintext message: the MAC done wrong.
    PrefixMac,
    /// AES-GCM: an AEAD, `nonce ‖ ciphertext ‖ tag`.
    Gcm,
    /// ChaCha20-Poly1305 (RFC 8439): an AEAD, `nonce ‖ ciphertext ‖ tag`.
    Chacha,
}

impl Scheme {
    /// Every scheme, in the order of DESIGN §1.
    pub const ALL: [Scheme; 7] = [
        Scheme::Ecb,
        Scheme::Cbc,
        Scheme::Fernet,
        Scheme::Hmac,
        Scheme::PrefixMac,
        Scheme::Gcm,
        Scheme::Chacha,
    ];

    /// The schemes the seed programs speak (`--wire seed`).
    pub fn seeds() -> impl Iterator<Item = Scheme> {
        Scheme::ALL.into_iter().filter(|s| s.seed_port().is_some())
    }

    /// Everything about the scheme, from its own file.
    pub fn spec(self) -> &'static Spec {
        match self {
            Scheme::Ecb => &ecb::SPEC,
            Scheme::Cbc => &cbc::SPEC,
            Scheme::Fernet => &fernet::SPEC,
            Scheme::Hmac => &hmac::SPEC,
            Scheme::PrefixMac => &prefix_mac::SPEC,
            Scheme::Gcm => &gcm::SPEC,
            Scheme::Chacha => &chacha::SPEC,
        }
    }

    /// The lowercase name used on the command line, in JSON and on the wire.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// A one-line description for help text and the screen.
    pub fn title(self) -> &'static str {
        self.spec().title
    }

    /// Whether the scheme keeps the message secret from an eavesdropper without the key.
    pub fn has_secrecy(self) -> bool {
        self.spec().secrecy
    }

    /// Whether the receiver checks a tag (forgeable or not).
    pub fn has_integrity(self) -> bool {
        self.spec().integrity != Integrity::None
    }

    /// What the receiver's check proves.
    pub fn integrity(self) -> Integrity {
        self.spec().integrity
    }

    /// Whether sealing the same plaintext twice gives the same wire bytes.
    pub fn is_deterministic(self) -> bool {
        self.spec().deterministic
    }

    /// Whether the sender picks a nonce per message, so that `--nonce` applies.
    pub fn takes_nonce(self) -> bool {
        self.spec().nonce
    }

    /// The offset of the first byte that carries the message (ciphertext, or hmac's plaintext)
    /// in the sealed bytes, after any salt, nonce, version, timestamp, IV or length field: where
    /// a bit flip changes the message itself. For fernet, in the decoded token.
    pub fn first_message_byte(self) -> usize {
        self.spec().first_message_byte
    }

    /// The seed program's TCP port, the default under `--wire seed`; `None` for the schemes
    /// no seed speaks.
    pub fn seed_port(self) -> Option<u16> {
        self.spec().seed_port
    }

    /// The default key exchange: `psk` for the MACs (as seed 004), `send` otherwise.
    pub fn default_exchange(self) -> KeyExchange {
        self.spec().exchange
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A scheme name that is not one of the seven.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scheme '{0}' (expected ecb, cbc, fernet, hmac, prefix-mac, gcm or chacha)")]
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
            let json = serde_json::to_string(&scheme).unwrap();
            assert_eq!(json, format!("\"{}\"", scheme.name()));
        }
        let err = "rot13".parse::<Scheme>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown scheme 'rot13' (expected ecb, cbc, fernet, hmac, prefix-mac, gcm or chacha)"
        );
    }

    #[test]
    fn the_list_is_in_the_order_of_the_design() {
        let names: Vec<_> = Scheme::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(
            names,
            [
                "ecb",
                "cbc",
                "fernet",
                "hmac",
                "prefix-mac",
                "gcm",
                "chacha"
            ]
        );
        let seeds: Vec<_> = Scheme::seeds().collect();
        assert_eq!(seeds, &Scheme::ALL[..4]);
    }
}
