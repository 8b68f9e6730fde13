//! Lab frames: `u32` big-endian length, then a kind byte and its payload.
//!
//! Control frames carry JSON so that they read plainly in a hex+ASCII view; DATA carries the
//! scheme's wire bytes untouched. Parsing is split in two, as in mini-redis: [`check`] looks at
//! the buffer without allocating and says whether a whole frame is there, and only then
//! [`Frame::parse`] builds it. See `docs/PROTOCOL.md`.

use bytes::{Bytes, BytesMut};

use super::FrameError;
use crate::crypto::{KeyExchange, Scheme, Verdict};

mod body;
mod encode;
mod parse;
#[cfg(test)]
mod tests;

/// The protocol version carried in HELLO and WELCOME.
pub const VERSION: u32 = 1;
/// The default cap on a frame body (`--max-frame`).
pub const DEFAULT_MAX_FRAME: usize = 1024 * 1024;
/// The longest client name kept, in characters; longer names are cut.
pub const MAX_NAME: usize = 64;
/// The largest frame body accepted before the handshake is done. The largest HELLO is 353
/// bytes (a 64-character name and an X25519 offer) and the largest WELCOME 2,379 (a 1,024-byte
/// hmac key sent in the clear as hex, and the client's 64-character name), so 4 KiB holds
/// every handshake.
pub const MAX_HANDSHAKE_FRAME: usize = 4096;
/// The longest reason text kept in VERDICT, ERROR, BYE and RESULT frames, in characters.
pub const MAX_REASON: usize = 256;
/// The largest ANSWER body accepted, in bytes: refused from the frame's length and kind byte,
/// before its body is read. An answer is a recovered secret or a short word, never a file.
pub const MAX_ANSWER_FRAME: usize = 1024;
/// The longest NOTICE text, in characters: one line from the instructor.
pub const MAX_NOTICE: usize = 512;
/// The longest exercise name in a TASK, in characters.
pub const MAX_EXERCISE_NAME: usize = 64;
/// The longest task text in a TASK, in characters.
pub const MAX_TASK_TEXT: usize = 4096;
/// The longest material in a TASK, in characters (hex of a captured message).
pub const MAX_MATERIAL: usize = 16 * 1024;

/// The first frame a client sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    /// The scheme the client wants, or `None` to take whatever the server speaks.
    pub scheme: Option<Scheme>,
    /// A display name for the server's client list.
    pub name: String,
    /// The client's X25519 public key, offered in case the server agrees keys.
    pub agreement: Option<[u8; 32]>,
}

/// The server's answer to HELLO.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Welcome {
    /// The scheme of this session.
    pub scheme: Scheme,
    /// How the key is established.
    pub key_exchange: KeyExchange,
    /// The key in its text form, present only under [`KeyExchange::Send`]: in the clear.
    pub key: Option<String>,
    /// The server's X25519 public key, present only under [`KeyExchange::X25519`].
    pub agreement: Option<[u8; 32]>,
    /// The name the server lists this client under: the one it asked for, or with a suffix
    /// (`alice-2`) when another client already goes by it. Older servers send none.
    pub name: Option<String>,
}

/// One lab frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// Client → server: scheme, name, version.
    Hello(Hello),
    /// Server → client: scheme, key exchange, and the key when it is sent in the clear.
    Welcome(Welcome),
    /// Either way: one sealed message.
    Data {
        /// The sender's sequence number, from 1.
        seq: u64,
        /// The sealed bytes: the scheme's output.
        sealed: Bytes,
    },
    /// The receiver's verdict on the DATA frame with this sequence number.
    Verdict {
        /// The DATA frame's sequence number.
        seq: u64,
        /// What the receiver concluded.
        verdict: Verdict,
    },
    /// A protocol error; the sender closes the connection after it.
    Error {
        /// What went wrong.
        reason: String,
    },
    /// A clean goodbye.
    Bye {
        /// Why, if the sender said.
        reason: Option<String>,
    },
    /// Server → client: the exercise this student is to solve, with their own material.
    Task(Task),
    /// Client → server: an answer to the task (at most [`MAX_ANSWER_FRAME`] bytes of frame).
    Answer {
        /// The answer as typed.
        text: String,
    },
    /// Server → client: whether an answer (or a message) solved the task.
    Result {
        /// `correct` or `incorrect`.
        correct: bool,
        /// A short reason.
        reason: String,
    },
    /// Server → every client: a line from the instructor.
    Notice {
        /// The line.
        text: String,
    },
    /// A frame of a kind this side does not know (a newer peer's): reported, never fatal.
    Unknown {
        /// Its kind byte.
        kind: u8,
    },
}

/// What a TASK frame carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    /// The exercise's name (`rewrite-role`).
    pub exercise: String,
    /// What the student is to do.
    pub text: String,
    /// The student's own material, as hex (empty when there is none).
    pub material: String,
}

/// The kind byte of each frame: readable ASCII, so a hex dump shows `H`, `W`, `D`...
mod kind {
    pub const HELLO: u8 = b'H';
    pub const WELCOME: u8 = b'W';
    pub const DATA: u8 = b'D';
    pub const VERDICT: u8 = b'V';
    pub const ERROR: u8 = b'E';
    pub const BYE: u8 = b'B';
    pub const TASK: u8 = b'T';
    pub const ANSWER: u8 = b'A';
    pub const RESULT: u8 = b'R';
    pub const NOTICE: u8 = b'N';
}

/// The words of a RESULT frame.
pub const CORRECT: &str = "correct";
/// The words of a RESULT frame.
pub const INCORRECT: &str = "incorrect";

/// Whether `buf` starts with a whole frame. Returns the total length (prefix included) when it
/// does, `Ok(None)` when more bytes are needed, and refuses oversized or empty lengths before
/// anything is allocated. An ANSWER has its own small cap, refused as soon as its kind byte is
/// in: a student's client cannot make the server wait for, or hold, a megabyte of "answer".
///
/// # Errors
/// [`FrameError::TooLarge`], [`FrameError::Empty`] or [`FrameError::AnswerTooLarge`].
pub fn check(buf: &[u8], max_frame: usize) -> Result<Option<usize>, FrameError> {
    let Some(prefix) = buf.first_chunk::<4>() else {
        return Ok(None);
    };
    let len = u32::from_be_bytes(*prefix);
    if len == 0 {
        return Err(FrameError::Empty);
    }
    if len as usize > max_frame {
        return Err(FrameError::TooLarge {
            len,
            max: max_frame,
            hint: guess_peer(prefix),
        });
    }
    if buf.get(4) == Some(&kind::ANSWER) {
        check_answer_len(len as usize)?;
    }
    let total = 4 + len as usize;
    Ok((buf.len() >= total).then_some(total))
}

/// The ANSWER cap, for a frame of `len` bytes (kind byte included). [`check`] applies it from
/// the header; [`Frame::parse`] again, for a body that did not come through `check`.
fn check_answer_len(len: usize) -> Result<(), FrameError> {
    if len > MAX_ANSWER_FRAME {
        return Err(FrameError::AnswerTooLarge {
            len,
            max: MAX_ANSWER_FRAME,
        });
    }
    Ok(())
}

/// Names what a peer probably is when its first bytes are plainly not a lab frame.
fn guess_peer(prefix: &[u8; 4]) -> &'static str {
    match prefix {
        b"GET " | b"POST" | b"PUT " | b"HEAD" => {
            " (this looks like HTTP; seed 003 clients need --wire seed)"
        }
        b"HTTP" => " (this looks like an HTTP server, not a lab server; seed 003 is --wire seed)",
        [b'g', b'A', b'A', b'A'] => {
            " (this looks like a Fernet token; seed 001 clients need --wire seed)"
        }
        _ => "",
    }
}

impl Frame {
    /// The frame kind's name, as shown in logs and the Wire column.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Frame::Hello(_) => "HELLO",
            Frame::Welcome(_) => "WELCOME",
            Frame::Data { .. } => "DATA",
            Frame::Verdict { .. } => "VERDICT",
            Frame::Error { .. } => "ERROR",
            Frame::Bye { .. } => "BYE",
            Frame::Task(_) => "TASK",
            Frame::Answer { .. } => "ANSWER",
            Frame::Result { .. } => "RESULT",
            Frame::Notice { .. } => "NOTICE",
            Frame::Unknown { .. } => "UNKNOWN",
        }
    }

    /// The frame's bytes on the wire, length prefix included.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::new();
        self.encode(&mut out);
        out.freeze()
    }
}
