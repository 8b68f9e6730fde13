//! The schemes, pure: keys, sealing, opening, verdicts and anatomy. No sockets, no screen.
//!
//! A [`Key`] is bound to its [`Scheme`]; a [`Cipher`] expands it once and then seals and opens
//! messages. Opening never fails: it returns an [`Opened`] whose [`Verdict`] says what the
//! receiver concluded and why. [`Anatomy::dissect`] labels a message's bytes without the key.
//! Each scheme is one file exporting its [`Spec`]; `scheme.rs` lists them.

mod aead;
mod aes_modes;
pub mod agreement;
pub mod anatomy;
mod cbc;
mod chacha;
mod ecb;
mod exchange;
pub(crate) mod fernet;
mod gcm;
mod hmac;
pub mod key;
pub mod length_extension;
mod nonce;
mod prefix_mac;
mod scheme;
pub mod spec;
pub mod tamper;
pub mod verdict;

use std::time::{SystemTime, UNIX_EPOCH};

use std::sync::Arc;

use ::hmac::Mac;

pub use anatomy::{Anatomy, Encoding, Field, FieldKind, Leak};
pub use exchange::KeyExchange;
pub use key::{Key, KeyError, KeySource};
pub use nonce::{NoncePolicy, UnknownNoncePolicy};
pub use scheme::{Scheme, UnknownScheme};
pub use spec::{Integrity, Spec};
pub use tamper::{Tamper, TamperError};
pub use verdict::{Check, Reason, Verdict, VerdictWord};

use nonce::Nonces;
use spec::Seal;

/// The AES block size, in bytes.
pub const BLOCK: usize = 16;
/// The HMAC-SHA256 tag size, in bytes.
pub const TAG: usize = 32;
/// The AEAD nonce size of gcm and chacha, in bytes.
pub const AEAD_NONCE: usize = 12;
/// The AEAD tag size of gcm and chacha, in bytes.
pub const AEAD_TAG: usize = 16;

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

    /// What an `open_into` made of a fresh buffer, as an `Opened`.
    fn fresh(open_into: impl FnOnce(&mut Vec<u8>) -> Verdict) -> Opened {
        let mut plaintext = Vec::new();
        let verdict = open_into(&mut plaintext);
        if verdict.is_accepted() {
            Opened::accepted(verdict, plaintext)
        } else {
            Opened::rejected_with(verdict)
        }
    }

    fn rejected_with(verdict: Verdict) -> Opened {
        Opened {
            verdict,
            plaintext: None,
        }
    }
}

/// The unauthenticated schemes' last step: strip the padding in place, or reject and empty
/// the buffer.
fn unpad_in_place(decrypted: &mut Vec<u8>) -> Verdict {
    match aes_modes::unpad(decrypted) {
        Some(len) => {
            decrypted.truncate(len);
            Verdict::Unauthenticated
        }
        None => {
            decrypted.clear();
            Verdict::Rejected(Reason::BadPadding)
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
    /// The random bytes: the IV for fernet, the salt for cbc, and its first 12 bytes the
    /// nonce of gcm and chacha (under `--nonce random`); unused by ecb and the MACs.
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
    /// The length field of hmac and prefix-mac is 32 bits.
    #[error("the message is {len} bytes; the length field holds at most 4 GiB")]
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
    scheme: Scheme,
    sealer: Arc<dyn Seal>,
    nonces: Nonces,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cipher")
            .field("scheme", &self.scheme)
            .field("nonce", &self.nonces.policy())
            .finish_non_exhaustive()
    }
}

impl Cipher {
    /// Expands `key` for its scheme, with random nonces.
    pub fn new(key: &Key) -> Cipher {
        Cipher {
            scheme: key.scheme(),
            sealer: (key.scheme().spec().expand)(key.as_bytes()),
            nonces: Nonces::Random,
        }
    }

    /// Expands `key`, choosing nonces by `policy` (gcm and chacha; the others have no nonce).
    /// Each call draws a fresh counter prefix; clones share one counter, so that no two of them
    /// repeat a nonce under `counter`.
    pub fn with_nonces(key: &Key, policy: NoncePolicy) -> Cipher {
        Cipher {
            nonces: Nonces::new(policy),
            ..Cipher::new(key)
        }
    }

    /// The scheme this cipher implements.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// How this cipher picks its nonces.
    pub fn nonce_policy(&self) -> NoncePolicy {
        self.nonces.policy()
    }

    /// Seals `plaintext` into wire bytes with a fresh IV/salt/nonce and the current time.
    ///
    /// # Errors
    /// See [`SealError`].
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        self.seal_with(plaintext, &self.fresh_nonce()?)
    }

    /// A fresh IV/salt and the current time; nothing random for a deterministic scheme.
    fn fresh_nonce(&self) -> Result<Nonce, SealError> {
        if self.scheme.is_deterministic() {
            Ok(Nonce {
                iv: [0; BLOCK],
                now: 0,
            })
        } else {
            Nonce::fresh()
        }
    }

    /// Seals `plaintext` with a given IV/salt and timestamp (known-answer tests, lessons). Under
    /// `--nonce counter` or `fixed`, the AEAD nonce comes from the policy instead.
    ///
    /// # Errors
    /// See [`SealError`].
    pub fn seal_with(&self, plaintext: &[u8], nonce: &Nonce) -> Result<Vec<u8>, SealError> {
        let nonce = self.nonces.choose(nonce);
        self.sealer.seal(plaintext, &nonce)
    }

    /// Seals `plaintext` into `out`, replacing what it held, as [`seal`](Self::seal) does.
    /// Under ecb and cbc a buffer reused across messages of one size is overwritten, never
    /// zeroed again; the other schemes build a new buffer and move it in.
    ///
    /// # Errors
    /// See [`SealError`].
    pub fn seal_into(&self, plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), SealError> {
        let nonce = self.nonces.choose(&self.fresh_nonce()?);
        self.sealer.seal_into(plaintext, &nonce, out)
    }

    /// Opens wire bytes into `out`, as [`open_with`](Self::open_with) does: when the verdict
    /// accepts, `out` holds the plaintext; when it rejects, `out` is empty. Under ecb and cbc
    /// a reused buffer is overwritten, never zeroed again.
    pub fn open_into(&self, wire: &[u8], options: &OpenOptions, out: &mut Vec<u8>) -> Verdict {
        self.sealer.open_into(wire, options, out)
    }

    /// Opens wire bytes by the system clock, with no Fernet TTL.
    pub fn open(&self, wire: &[u8]) -> Opened {
        self.open_with(wire, &OpenOptions::now(None))
    }

    /// Opens wire bytes with an explicit clock and TTL.
    pub fn open_with(&self, wire: &[u8], options: &OpenOptions) -> Opened {
        self.sealer.open(wire, options)
    }
}
