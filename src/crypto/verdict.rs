//! What a receiver concludes about a message, in the exact words every surface shows.

use std::fmt;

/// The receiver's conclusion about one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The tag checked out: the message came from a key holder and is unchanged (fernet, hmac).
    Authentic,
    /// It decrypted with valid padding, but nothing proves who sent it or that it is unchanged
    /// (ecb, cbc).
    Unauthenticated,
    /// The message was refused, for a specific reason.
    Rejected(Reason),
}

/// Why a message was rejected. The words of [`Reason::words`] are part of the product contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The recomputed HMAC differs from the one carried by the message.
    TagMismatch,
    /// The last decrypted block does not end in valid PKCS#7 padding.
    BadPadding,
    /// A Fernet token that is not base64url text.
    InvalidBase64,
    /// A Fernet token whose first byte is not 0x80.
    BadVersion,
    /// A Fernet token older than the receiver's TTL.
    TokenExpired,
    /// A Fernet token stamped more than 60 s ahead of the receiver's clock.
    FutureTimestamp,
    /// Fewer bytes than the smallest valid message of the scheme.
    TooShort,
    /// An hmac message whose 4-byte length field does not match the bytes that follow.
    LengthMismatch,
    /// Ciphertext that is not a whole number of 16-byte AES blocks.
    NotBlockMultiple,
    /// The receiver said only "rejected" (`server --verdicts opaque`): it keeps its reason to
    /// itself. Not one of [`Reason::ALL`]: it is the absence of a reason, carried on the wire
    /// as a VERDICT with no `reason` field.
    Withheld,
}

/// The check that decided a verdict, shown on the Verification pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// base64url decoding of a Fernet token.
    Base64,
    /// The Fernet version byte.
    Version,
    /// The message's overall length.
    Length,
    /// The Fernet timestamp against the receiver's clock and TTL.
    Timestamp,
    /// The HMAC-SHA256 tag, compared in constant time.
    Tag,
    /// PKCS#7 padding after decryption.
    Padding,
    /// Unknown: the receiver gave no reason (`--verdicts opaque`).
    Withheld,
}

impl Reason {
    /// Every reason, for exhaustive tests and the help screen.
    pub const ALL: [Reason; 9] = [
        Reason::TagMismatch,
        Reason::BadPadding,
        Reason::InvalidBase64,
        Reason::BadVersion,
        Reason::TokenExpired,
        Reason::FutureTimestamp,
        Reason::TooShort,
        Reason::LengthMismatch,
        Reason::NotBlockMultiple,
    ];

    /// The contract's words for this reason, as shown after `rejected: `.
    pub fn words(self) -> &'static str {
        match self {
            Reason::TagMismatch => "tag mismatch",
            Reason::BadPadding => "bad padding",
            Reason::InvalidBase64 => "invalid base64",
            Reason::BadVersion => "bad version byte",
            Reason::TokenExpired => "token expired",
            Reason::FutureTimestamp => "timestamp too far in the future",
            Reason::TooShort => "too short",
            Reason::LengthMismatch => "length field disagrees with message",
            Reason::NotBlockMultiple => "not a multiple of the block size",
            Reason::Withheld => "no reason given",
        }
    }

    /// Parses the words of [`Reason::words`] back, as reported by a peer.
    pub fn from_words(words: &str) -> Option<Reason> {
        Reason::ALL
            .into_iter()
            .find(|reason| reason.words() == words)
    }

    /// Which check produced this reason.
    pub fn check(self) -> Check {
        match self {
            Reason::TagMismatch => Check::Tag,
            Reason::BadPadding => Check::Padding,
            Reason::InvalidBase64 => Check::Base64,
            Reason::BadVersion => Check::Version,
            Reason::TokenExpired | Reason::FutureTimestamp => Check::Timestamp,
            Reason::TooShort | Reason::LengthMismatch | Reason::NotBlockMultiple => Check::Length,
            Reason::Withheld => Check::Withheld,
        }
    }
}

impl Check {
    /// A sentence naming the check, for the Verification pane.
    pub fn describe(self) -> &'static str {
        match self {
            Check::Base64 => "base64url decoding of the token",
            Check::Version => "the version byte (must be 0x80)",
            Check::Length => "the message length and framing",
            Check::Timestamp => "the token timestamp against the clock and TTL",
            Check::Tag => "the HMAC-SHA256 tag, compared in constant time",
            Check::Padding => "PKCS#7 padding after decryption (nothing checks integrity)",
            Check::Withheld => "unknown: the receiver gives no reasons (--verdicts opaque)",
        }
    }
}

/// The first word of a verdict, as carried in JSON and in VERDICT frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerdictWord {
    /// See [`Verdict::Authentic`].
    Authentic,
    /// See [`Verdict::Unauthenticated`].
    Unauthenticated,
    /// See [`Verdict::Rejected`].
    Rejected,
}

impl VerdictWord {
    /// The word itself.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictWord::Authentic => "authentic",
            VerdictWord::Unauthenticated => "unauthenticated",
            VerdictWord::Rejected => "rejected",
        }
    }

    /// Parses one of the three words.
    pub fn parse(word: &str) -> Option<VerdictWord> {
        [
            VerdictWord::Authentic,
            VerdictWord::Unauthenticated,
            VerdictWord::Rejected,
        ]
        .into_iter()
        .find(|w| w.as_str() == word)
    }
}

impl Verdict {
    /// The verdict's first word.
    pub fn word(&self) -> VerdictWord {
        match self {
            Verdict::Authentic => VerdictWord::Authentic,
            Verdict::Unauthenticated => VerdictWord::Unauthenticated,
            Verdict::Rejected(_) => VerdictWord::Rejected,
        }
    }

    /// The rejection reason, if the receiver gave one (a withheld reason is none).
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Verdict::Rejected(Reason::Withheld) => None,
            Verdict::Rejected(reason) => Some(*reason),
            _ => None,
        }
    }

    /// The verdict as a receiver run with `--verdicts opaque` reports it: every rejection
    /// reads just `rejected`. Acceptance still shows, and that alone is a padding oracle.
    pub fn opaque(&self) -> Verdict {
        match self {
            Verdict::Rejected(_) => Verdict::Rejected(Reason::Withheld),
            other => other.clone(),
        }
    }

    /// Whether the receiver accepted the message (authentic or unauthenticated).
    pub fn is_accepted(&self) -> bool {
        !matches!(self, Verdict::Rejected(_))
    }

    /// The sentence naming the check that decided this verdict under `scheme`: its own tag's
    /// words (HMAC-SHA256, an AEAD tag, or the forgeable `SHA-256(key ‖ message)`).
    pub fn decided_by_in(&self, scheme: super::Scheme) -> &'static str {
        match (self.decided_by(), scheme.integrity()) {
            (Check::Tag, super::Integrity::Tag(words) | super::Integrity::Forgeable(words)) => {
                words
            }
            (check, _) => check.describe(),
        }
    }

    /// The check that decided this verdict.
    pub fn decided_by(&self) -> Check {
        match self {
            Verdict::Authentic => Check::Tag,
            Verdict::Unauthenticated => Check::Padding,
            Verdict::Rejected(reason) => reason.check(),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Rejected(Reason::Withheld) => f.write_str("rejected"),
            Verdict::Rejected(reason) => write!(f, "rejected: {}", reason.words()),
            other => f.write_str(other.word().as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_print_in_the_contract_words() {
        assert_eq!(Verdict::Authentic.to_string(), "authentic");
        assert_eq!(Verdict::Unauthenticated.to_string(), "unauthenticated");
        assert_eq!(
            Verdict::Rejected(Reason::TagMismatch).to_string(),
            "rejected: tag mismatch"
        );
        assert_eq!(
            Verdict::Rejected(Reason::FutureTimestamp).to_string(),
            "rejected: timestamp too far in the future"
        );
    }

    #[test]
    fn every_reason_parses_back_from_its_words() {
        for reason in Reason::ALL {
            assert_eq!(Reason::from_words(reason.words()), Some(reason));
        }
        assert_eq!(Reason::from_words("cosmic rays"), None);
        assert_eq!(Reason::from_words(Reason::Withheld.words()), None);
    }

    #[test]
    fn an_opaque_rejection_reads_just_rejected() {
        let opaque = Verdict::Rejected(Reason::BadPadding).opaque();
        assert_eq!(opaque.to_string(), "rejected");
        assert_eq!(opaque.reason(), None);
        assert_eq!(Verdict::Unauthenticated.opaque(), Verdict::Unauthenticated);
    }
}
