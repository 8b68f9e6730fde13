//! The four schemes, pure: keys, sealing, opening, verdicts and anatomy. No sockets, no screen.
//!
//! A [`Key`] is bound to its [`Scheme`]; a [`Cipher`] expands it once and then seals and opens
//! messages. Opening never fails: it returns an [`Opened`] whose [`Verdict`] says what the
//! receiver concluded and why. [`Anatomy::dissect`] labels a message's bytes without the key.

mod aes_modes;
pub mod agreement;
pub mod anatomy;
mod cbc;
mod ecb;
mod exchange;
pub(crate) mod fernet;
mod hmac;
pub mod key;
mod scheme;
pub mod tamper;
pub mod verdict;

use std::time::{SystemTime, UNIX_EPOCH};

use ::hmac::Mac;

pub use anatomy::{Anatomy, Encoding, Field, FieldKind, Leak};
pub use exchange::KeyExchange;
pub use key::{Key, KeyError, KeySource};
pub use scheme::{Scheme, UnknownScheme};
pub use tamper::{Tamper, TamperError};
pub use verdict::{Check, Reason, Verdict, VerdictWord};

use aes_modes::Aes;
use fernet::FernetKeys;

/// The AES block size, in bytes.
pub const BLOCK: usize = 16;
/// The HMAC-SHA256 tag size, in bytes.
pub const TAG: usize = 32;

/// A pre-keyed HMAC-SHA256 state, cloned for each message so the key pads are hashed once.
type Signer = ::hmac::Hmac<sha2::Sha256>;

/// What the receiver concluded about a message, and the plaintext when it accepted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The verdict.
    pub verdict: Verdict,
    /// The plaintext, present exactly when the verdict accepts the message.
    pub plaintext: Option<Vec<u8>>,
}

impl Opened {
    fn rejected(reason: Reason) -> Opened {
        Opened {
            verdict: Verdict::Rejected(reason),
            plaintext: None,
        }
    }

    fn accepted(verdict: Verdict, plaintext: Vec<u8>) -> Opened {
        Opened {
            verdict,
            plaintext: Some(plaintext),
        }
    }

    /// The unauthenticated schemes' last step: strip the padding or reject.
    fn unpadded(mut decrypted: Vec<u8>) -> Opened {
        match aes_modes::unpad(&decrypted) {
            Some(len) => {
                decrypted.truncate(len);
                Opened::accepted(Verdict::Unauthenticated, decrypted)
            }
            None => Opened::rejected(Reason::BadPadding),
        }
    }
}

/// The receiver's clock and Fernet TTL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenOptions {
    /// The receiver's time, in seconds since 1970.
    pub now: u64,
    /// Reject Fernet tokens older than this many seconds.
    pub ttl: Option<u64>,
}

impl OpenOptions {
    /// The system clock, with an optional TTL.
    pub fn now(ttl: Option<u64>) -> OpenOptions {
        OpenOptions {
            now: unix_now(),
            ttl,
        }
    }
}

/// The random and time-dependent inputs of sealing, fixed for known-answer tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nonce {
    /// The IV for fernet, the salt for cbc; unused by ecb and hmac.
    pub iv: [u8; BLOCK],
    /// The Fernet timestamp, in seconds since 1970.
    pub now: u64,
}

impl Nonce {
    /// A fresh random IV from the operating system and the current time.
    ///
    /// # Errors
    /// [`SealError::Random`] if the operating system cannot supply randomness.
    pub fn fresh() -> Result<Nonce, SealError> {
        Nonce::fresh_at(unix_now())
    }

    /// A fresh random IV from the operating system, stamped with the given time.
    ///
    /// # Errors
    /// [`SealError::Random`] if the operating system cannot supply randomness.
    pub fn fresh_at(now: u64) -> Result<Nonce, SealError> {
        let mut iv = [0u8; BLOCK];
        getrandom::getrandom(&mut iv).map_err(|e| SealError::Random(e.to_string()))?;
        Ok(Nonce { iv, now })
    }
}

/// Why a message could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// hmac's length field is 32 bits.
    #[error("the message is {len} bytes; hmac's length field holds at most 4 GiB")]
    TooLong {
        /// The message length.
        len: usize,
    },
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed: {0}")]
    Random(String),
}

/// A pre-keyed HMAC-SHA256. HMAC takes keys of any length, so the fallback is never taken; it
/// exists so that no path can panic.
fn signer(key: &[u8]) -> Signer {
    <Signer as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| <Signer as ::hmac::digest::KeyInit>::new(&Default::default()))
}

/// Seconds since 1970 by the system clock (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A scheme bound to an expanded key, ready to seal and open messages.
#[derive(Clone)]
pub struct Cipher {
    state: State,
}

#[derive(Clone)]
enum State {
    Ecb(Aes),
    Cbc(Aes),
    Fernet(FernetKeys),
    Hmac(Signer),
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cipher")
            .field("scheme", &self.scheme())
            .finish_non_exhaustive()
    }
}

impl Cipher {
    /// Expands `key` for its scheme.
    pub fn new(key: &Key) -> Cipher {
        let bytes = key.as_bytes();
        let state = match key.scheme() {
            Scheme::Ecb => State::Ecb(Aes::from_key(bytes)),
            Scheme::Cbc => State::Cbc(Aes::from_key(bytes)),
            Scheme::Fernet => {
                // The spec splits the 32-byte key: signing key first, encryption key second.
                let (signing, encryption) = bytes.split_at(bytes.len() / 2);
                State::Fernet(FernetKeys {
                    signer: signer(signing),
                    aes: Aes::from_key(encryption),
                })
            }
            Scheme::Hmac => State::Hmac(signer(bytes)),
        };
        Cipher { state }
    }

    /// The scheme this cipher implements.
    pub fn scheme(&self) -> Scheme {
        match self.state {
            State::Ecb(_) => Scheme::Ecb,
            State::Cbc(_) => Scheme::Cbc,
            State::Fernet(_) => Scheme::Fernet,
            State::Hmac(_) => Scheme::Hmac,
        }
    }

    /// Seals `plaintext` into wire bytes with a fresh IV/salt and the current time.
    ///
    /// # Errors
    /// See [`SealError`].
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let nonce = match self.state {
            State::Cbc(_) | State::Fernet(_) => Nonce::fresh()?,
            State::Ecb(_) | State::Hmac(_) => Nonce {
                iv: [0; BLOCK],
                now: 0,
            },
        };
        self.seal_with(plaintext, &nonce)
    }

    /// Seals `plaintext` with a given IV/salt and timestamp (known-answer tests, lessons).
    ///
    /// # Errors
    /// See [`SealError`].
    pub fn seal_with(&self, plaintext: &[u8], nonce: &Nonce) -> Result<Vec<u8>, SealError> {
        Ok(match &self.state {
            State::Ecb(aes) => ecb::seal(aes, plaintext),
            State::Cbc(aes) => cbc::seal(aes, &nonce.iv, plaintext),
            State::Fernet(keys) => fernet::seal(keys, plaintext, &nonce.iv, nonce.now),
            State::Hmac(signer) => hmac::seal(signer, plaintext)?,
        })
    }

    /// Opens wire bytes by the system clock, with no Fernet TTL.
    pub fn open(&self, wire: &[u8]) -> Opened {
        self.open_with(wire, &OpenOptions::now(None))
    }

    /// Opens wire bytes with an explicit clock and TTL.
    pub fn open_with(&self, wire: &[u8], options: &OpenOptions) -> Opened {
        match &self.state {
            State::Ecb(aes) => ecb::open(aes, wire),
            State::Cbc(aes) => cbc::open(aes, wire),
            State::Fernet(keys) => fernet::open(keys, wire, options),
            State::Hmac(signer) => hmac::open(signer, wire),
        }
    }
}
