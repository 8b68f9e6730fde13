//! How a sender picks the nonce of gcm and chacha: `--nonce random|counter|fixed`.
//!
//! An AEAD is only as good as its nonces: two messages under one key and one nonce share a
//! keystream, so their XOR is the XOR of their plaintexts (and GCM's authentication key leaks
//! too). `fixed` is that fault, on purpose, for the lesson.
//!
//! [`SealError::Random`]: super::SealError::Random

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{AEAD_NONCE, Nonce};

/// The nonce every message gets under `--nonce fixed`: readable in the hex view, so the repeat
/// is plain to see.
pub const FIXED_NONCE: [u8; AEAD_NONCE] = *b"fixed nonce!";

/// How the sender picks each message's nonce.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum NoncePolicy {
    /// 96 random bits per message.
    #[default]
    Random,
    /// A random 4-byte prefix per connection, then an 8-byte message counter (NIST SP 800-38D's
    /// deterministic construction): connections sharing a pre-shared key never repeat one.
    Counter,
    /// One nonce for every message: a deliberate fault.
    Fixed,
}

impl NoncePolicy {
    /// Every policy, in the order of `--help`.
    pub const ALL: [NoncePolicy; 3] = [
        NoncePolicy::Random,
        NoncePolicy::Counter,
        NoncePolicy::Fixed,
    ];

    /// The word used on the command line and in recordings.
    pub fn as_str(self) -> &'static str {
        match self {
            NoncePolicy::Random => "random",
            NoncePolicy::Counter => "counter",
            NoncePolicy::Fixed => "fixed",
        }
    }

    /// A one-line description for `--help`.
    pub fn describe(self) -> &'static str {
        match self {
            NoncePolicy::Random => "96 random bits per message (the default)",
            NoncePolicy::Counter => "a random 4-byte prefix per connection, then a message counter",
            NoncePolicy::Fixed => "one nonce for every message: a deliberate fault, for the lesson",
        }
    }
}

impl fmt::Display for NoncePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A nonce policy name that is not one of the three.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown nonce policy '{0}' (expected random, counter or fixed)")]
pub struct UnknownNoncePolicy(pub String);

impl FromStr for NoncePolicy {
    type Err = UnknownNoncePolicy;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NoncePolicy::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownNoncePolicy(s.chars().take(32).collect()))
    }
}

/// A policy with its state.
#[derive(Clone, Debug)]
pub(super) enum Nonces {
    Random,
    Counter {
        prefix: [u8; 4],
        next: Arc<AtomicU64>,
    },
    Fixed,
}

impl Nonces {
    /// The policy's state. Should the system's random number generator fail to give the
    /// counter its prefix, this falls back to `random`, whose every seal then draws randomness
    /// and fails loudly with [`SealError::Random`]; it never counts from a prefix it did not
    /// draw.
    pub(super) fn new(policy: NoncePolicy) -> Nonces {
        match policy {
            NoncePolicy::Random => Nonces::Random,
            NoncePolicy::Fixed => Nonces::Fixed,
            NoncePolicy::Counter => {
                let mut prefix = [0u8; 4];
                match getrandom::getrandom(&mut prefix) {
                    Ok(()) => Nonces::Counter {
                        prefix,
                        next: Arc::new(AtomicU64::new(0)),
                    },
                    Err(_) => Nonces::Random,
                }
            }
        }
    }

    pub(super) fn policy(&self) -> NoncePolicy {
        match self {
            Nonces::Random => NoncePolicy::Random,
            Nonces::Counter { .. } => NoncePolicy::Counter,
            Nonces::Fixed => NoncePolicy::Fixed,
        }
    }

    /// The nonce to seal with: `given` under `random`, else the policy's own in its first 12
    /// bytes (the schemes without an AEAD nonce never read them).
    pub(super) fn choose(&self, given: &Nonce) -> Nonce {
        let mut nonce = *given;
        match self {
            Nonces::Random => {}
            Nonces::Fixed => nonce.iv[..AEAD_NONCE].copy_from_slice(&FIXED_NONCE),
            Nonces::Counter { prefix, next } => {
                let n = next.fetch_add(1, Ordering::Relaxed);
                nonce.iv[..4].copy_from_slice(prefix);
                nonce.iv[4..AEAD_NONCE].copy_from_slice(&n.to_be_bytes());
            }
        }
        nonce
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nonce() -> Nonce {
        Nonce::fresh_at(0).unwrap()
    }

    #[test]
    fn counter_nonces_count_under_one_prefix_and_clones_share_the_count() {
        let a = Nonces::new(NoncePolicy::Counter);
        let b = a.clone();
        let first = a.choose(&nonce()).iv;
        let second = b.choose(&nonce()).iv;
        assert_eq!(first[..4], second[..4]);
        assert_eq!(first[4..12], 0u64.to_be_bytes());
        assert_eq!(second[4..12], 1u64.to_be_bytes());
    }

    #[test]
    fn fixed_repeats_and_random_passes_the_randomness_through() {
        let fixed = Nonces::new(NoncePolicy::Fixed);
        assert_eq!(fixed.choose(&nonce()).iv[..12], FIXED_NONCE);
        assert_eq!(fixed.choose(&nonce()).iv[..12], FIXED_NONCE);
        let given = nonce();
        assert_eq!(Nonces::Random.choose(&given), given);
        for policy in NoncePolicy::ALL {
            assert_eq!(policy.as_str().parse::<NoncePolicy>(), Ok(policy));
        }
        assert!("sometimes".parse::<NoncePolicy>().is_err());
    }
}
