//! Everything that can be wrong with bytes that claim to be lab frames.

use crate::crypto::UnknownScheme;

/// A frame that could not be decoded. Each variant is a specific, reportable mistake; the
/// connection at fault gets an ERROR frame carrying this message and is closed.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The length prefix exceeds the cap; refused before anything is allocated.
    #[error("frame length {len} exceeds the maximum of {max} bytes{hint}")]
    TooLarge {
        /// The claimed length.
        len: u32,
        /// The cap in force (`--max-frame`).
        max: usize,
        /// A guess at what the peer really is, when the bytes look familiar.
        hint: &'static str,
    },
    /// A zero length prefix: every frame has at least a kind byte.
    #[error("empty frame (length 0)")]
    Empty,
    /// The stream ended part-way through a frame.
    #[error("connection closed mid-frame: {have} of {need} bytes received")]
    Truncated {
        /// Bytes received, including the length prefix.
        have: usize,
        /// Bytes the frame needed.
        need: usize,
    },
    /// The kind byte is not one this side knows.
    #[error("unknown frame kind 0x{0:02x}")]
    UnknownKind(u8),
    /// An ANSWER frame over its own small cap, refused before its JSON is parsed.
    #[error("ANSWER frame of {len} bytes exceeds the maximum of {max} bytes")]
    AnswerTooLarge {
        /// The frame body's length.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// A DATA frame too short to hold its sequence number.
    #[error("DATA frame of {0} bytes is too short for its 8-byte sequence number")]
    ShortData(usize),
    /// A control frame whose body is not the JSON it should be.
    #[error("invalid JSON in {kind} frame: {detail}")]
    BadJson {
        /// The frame kind.
        kind: &'static str,
        /// What serde_json reported.
        detail: String,
    },
    /// A HELLO or WELCOME naming a scheme that does not exist.
    #[error(transparent)]
    UnknownScheme(#[from] UnknownScheme),
    /// A field with a value the protocol does not allow.
    #[error("invalid {kind} frame: {detail}")]
    Invalid {
        /// The frame kind.
        kind: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The socket failed.
    #[error("socket error: {0}")]
    Io(#[from] std::io::Error),
}
