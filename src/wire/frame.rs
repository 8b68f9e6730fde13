//! Lab frames: `u32` big-endian length, then a kind byte and its payload.
//!
//! Control frames carry JSON so that they read plainly in a hex+ASCII view; DATA carries the
//! scheme's wire bytes untouched. Parsing is split in two, as in mini-redis: [`check`] looks at
//! the buffer without allocating and says whether a whole frame is there, and only then
//! [`Frame::parse`] builds it. See `docs/PROTOCOL.md`.

use std::borrow::Cow;

use base64::Engine as _;
use bytes::{Buf, BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use super::FrameError;
use crate::crypto::{KeyExchange, Reason, Scheme, Verdict, VerdictWord};

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
/// The largest ANSWER body accepted, in bytes: refused from the frame's length alone, before
/// its JSON is parsed. An answer is a recovered secret or a short word, never a file.
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

#[derive(Serialize, Deserialize)]
struct TaskJson {
    exercise: String,
    text: String,
    #[serde(default)]
    material: String,
}

#[derive(Serialize, Deserialize)]
struct TextJson {
    text: String,
}

#[derive(Serialize, Deserialize)]
struct ResultJson {
    result: String,
    #[serde(default)]
    reason: String,
}

/// The words of a RESULT frame.
pub const CORRECT: &str = "correct";
/// The words of a RESULT frame.
pub const INCORRECT: &str = "incorrect";

#[derive(Serialize, Deserialize)]
struct HelloJson {
    version: u32,
    #[serde(default)]
    scheme: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    x25519: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct WelcomeJson {
    version: u32,
    scheme: String,
    key_exchange: KeyExchange,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    x25519: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

/// An X25519 public key as base64url text, as HELLO and WELCOME carry it.
fn public_key_text(key: &[u8; 32]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
}

fn public_key(kind: &'static str, text: Option<&str>) -> Result<Option<[u8; 32]>, FrameError> {
    let Some(text) = text else { return Ok(None) };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| invalid(kind, "the x25519 public key is not unpadded base64url"))?;
    let key: [u8; 32] = bytes
        .try_into()
        .map_err(|_| invalid(kind, "the x25519 public key is not 32 bytes"))?;
    Ok(Some(key))
}

/// Borrowed where possible; `Cow` so that JSON escapes (`"tag\u0020mismatch"`) still parse.
#[derive(Serialize, Deserialize)]
struct VerdictJson<'a> {
    seq: u64,
    #[serde(borrow)]
    verdict: Cow<'a, str>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    reason: Option<Cow<'a, str>>,
}

#[derive(Serialize, Deserialize)]
struct ReasonJson {
    #[serde(default)]
    reason: Option<String>,
}

/// Whether `buf` starts with a whole frame. Returns the total length (prefix included) when it
/// does, `Ok(None)` when more bytes are needed, and refuses oversized or empty lengths before
/// anything is allocated.
///
/// # Errors
/// [`FrameError::TooLarge`] or [`FrameError::Empty`].
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
    let total = 4 + len as usize;
    Ok((buf.len() >= total).then_some(total))
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

fn cut(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect()
}

fn json<'a, T: Deserialize<'a>>(kind: &'static str, body: &'a [u8]) -> Result<T, FrameError> {
    serde_json::from_slice(body).map_err(|e| FrameError::BadJson {
        kind,
        detail: e.to_string(),
    })
}

fn invalid(kind: &'static str, detail: impl Into<String>) -> FrameError {
    FrameError::Invalid {
        kind,
        detail: detail.into(),
    }
}

fn check_version(kind: &'static str, version: u32) -> Result<(), FrameError> {
    if version == VERSION {
        Ok(())
    } else {
        Err(invalid(
            kind,
            format!("protocol version {version}, this side speaks {VERSION}"),
        ))
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

    /// Parses one frame body (the bytes after the length prefix).
    ///
    /// # Errors
    /// A [`FrameError`] naming what was wrong.
    pub fn parse(mut body: Bytes) -> Result<Frame, FrameError> {
        if body.is_empty() {
            return Err(FrameError::Empty);
        }
        let kind = body.get_u8();
        match kind {
            kind::HELLO => {
                let hello: HelloJson = json("HELLO", &body)?;
                check_version("HELLO", hello.version)?;
                let scheme = hello.scheme.as_deref().map(str::parse).transpose()?;
                let name = cut(hello.name.as_deref().unwrap_or(""), MAX_NAME);
                let agreement = public_key("HELLO", hello.x25519.as_deref())?;
                Ok(Frame::Hello(Hello {
                    scheme,
                    name,
                    agreement,
                }))
            }
            kind::WELCOME => {
                let welcome: WelcomeJson = json("WELCOME", &body)?;
                check_version("WELCOME", welcome.version)?;
                let scheme = welcome.scheme.parse()?;
                if welcome.key.is_some() != (welcome.key_exchange == KeyExchange::Send) {
                    return Err(invalid(
                        "WELCOME",
                        "a key must be sent exactly when key_exchange is \"send\"",
                    ));
                }
                let agreement = public_key("WELCOME", welcome.x25519.as_deref())?;
                if agreement.is_some() != (welcome.key_exchange == KeyExchange::X25519) {
                    return Err(invalid(
                        "WELCOME",
                        "an x25519 public key is sent exactly when key_exchange is \"x25519\"",
                    ));
                }
                Ok(Frame::Welcome(Welcome {
                    scheme,
                    key_exchange: welcome.key_exchange,
                    key: welcome.key,
                    agreement,
                    name: welcome.name.map(|name| cut(&name, MAX_NAME)),
                }))
            }
            kind::DATA => {
                if body.len() < 8 {
                    return Err(FrameError::ShortData(body.len() + 1));
                }
                let seq = body.get_u64();
                Ok(Frame::Data { seq, sealed: body })
            }
            kind::VERDICT => {
                let report: VerdictJson = json("VERDICT", &body)?;
                let word = VerdictWord::parse(&report.verdict).ok_or_else(|| {
                    invalid(
                        "VERDICT",
                        format!("unknown verdict {:?}", cut(&report.verdict, 32)),
                    )
                })?;
                let verdict = match (word, report.reason.as_deref()) {
                    (VerdictWord::Authentic, None) => Verdict::Authentic,
                    (VerdictWord::Unauthenticated, None) => Verdict::Unauthenticated,
                    (VerdictWord::Rejected, Some(words)) => {
                        Verdict::Rejected(Reason::from_words(words).ok_or_else(|| {
                            invalid("VERDICT", format!("unknown reason {:?}", cut(words, 64)))
                        })?)
                    }
                    // A server run with --verdicts opaque keeps its reasons to itself.
                    (VerdictWord::Rejected, None) => Verdict::Rejected(Reason::Withheld),
                    (_, Some(_)) => {
                        return Err(invalid(
                            "VERDICT",
                            "a reason is only given with \"rejected\"",
                        ));
                    }
                };
                Ok(Frame::Verdict {
                    seq: report.seq,
                    verdict,
                })
            }
            kind::ERROR => {
                let error: ReasonJson = json("ERROR", &body)?;
                Ok(Frame::Error {
                    reason: cut(error.reason.as_deref().unwrap_or("unspecified"), MAX_REASON),
                })
            }
            kind::BYE if body.is_empty() => Ok(Frame::Bye { reason: None }),
            kind::BYE => {
                let bye: ReasonJson = json("BYE", &body)?;
                Ok(Frame::Bye {
                    reason: bye.reason.map(|r| cut(&r, MAX_REASON)),
                })
            }
            kind::TASK => {
                let task: TaskJson = json("TASK", &body)?;
                if !task.material.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(invalid("TASK", "the material is not hex"));
                }
                Ok(Frame::Task(Task {
                    exercise: cut(&task.exercise, MAX_EXERCISE_NAME),
                    text: task.text.chars().take(MAX_TASK_TEXT).collect(),
                    material: task.material.chars().take(MAX_MATERIAL).collect(),
                }))
            }
            kind::ANSWER => {
                // Checked from the length alone, before the JSON is parsed.
                if body.len() + 1 > MAX_ANSWER_FRAME {
                    return Err(FrameError::AnswerTooLarge {
                        len: body.len() + 1,
                        max: MAX_ANSWER_FRAME,
                    });
                }
                let answer: TextJson = json("ANSWER", &body)?;
                Ok(Frame::Answer { text: answer.text })
            }
            kind::RESULT => {
                let result: ResultJson = json("RESULT", &body)?;
                let correct = match result.result.as_str() {
                    CORRECT => true,
                    INCORRECT => false,
                    other => {
                        return Err(invalid(
                            "RESULT",
                            format!("unknown result {:?}", cut(other, 32)),
                        ));
                    }
                };
                Ok(Frame::Result {
                    correct,
                    reason: cut(&result.reason, MAX_REASON),
                })
            }
            kind::NOTICE => {
                let notice: TextJson = json("NOTICE", &body)?;
                Ok(Frame::Notice {
                    text: cut(&notice.text, MAX_NOTICE),
                })
            }
            other => Err(FrameError::UnknownKind(other)),
        }
    }

    /// Appends the frame, length prefix included, to `out`.
    pub fn encode(&self, out: &mut BytesMut) {
        let start = out.len();
        out.put_u32(0); // patched below, once the body length is known
        match self {
            Frame::Hello(hello) => {
                out.put_u8(kind::HELLO);
                let body = HelloJson {
                    version: VERSION,
                    scheme: hello.scheme.map(|s| s.name().to_owned()),
                    name: Some(hello.name.clone()),
                    x25519: hello.agreement.as_ref().map(public_key_text),
                };
                write_json(out, &body);
            }
            Frame::Welcome(welcome) => {
                out.put_u8(kind::WELCOME);
                let body = WelcomeJson {
                    version: VERSION,
                    scheme: welcome.scheme.name().to_owned(),
                    key_exchange: welcome.key_exchange,
                    key: welcome.key.clone(),
                    x25519: welcome.agreement.as_ref().map(public_key_text),
                    name: welcome.name.clone(),
                };
                write_json(out, &body);
            }
            Frame::Data { seq, sealed: wire } => {
                out.reserve(1 + 8 + wire.len());
                out.put_u8(kind::DATA);
                out.put_u64(*seq);
                out.put_slice(wire);
            }
            Frame::Verdict { seq, verdict } => {
                out.put_u8(kind::VERDICT);
                let body = VerdictJson {
                    seq: *seq,
                    verdict: Cow::Borrowed(verdict.word().as_str()),
                    reason: verdict.reason().map(|r| Cow::Borrowed(r.words())),
                };
                write_json(out, &body);
            }
            Frame::Error { reason } => {
                out.put_u8(kind::ERROR);
                write_json(
                    out,
                    &ReasonJson {
                        reason: Some(reason.clone()),
                    },
                );
            }
            Frame::Bye { reason: None } => out.put_u8(kind::BYE),
            Frame::Bye {
                reason: Some(reason),
            } => {
                out.put_u8(kind::BYE);
                write_json(
                    out,
                    &ReasonJson {
                        reason: Some(reason.clone()),
                    },
                );
            }
            Frame::Task(task) => {
                out.put_u8(kind::TASK);
                let body = TaskJson {
                    exercise: task.exercise.clone(),
                    text: task.text.clone(),
                    material: task.material.clone(),
                };
                write_json(out, &body);
            }
            Frame::Answer { text } => {
                out.put_u8(kind::ANSWER);
                write_json(out, &TextJson { text: text.clone() });
            }
            Frame::Result { correct, reason } => {
                out.put_u8(kind::RESULT);
                let body = ResultJson {
                    result: (if *correct { CORRECT } else { INCORRECT }).to_owned(),
                    reason: reason.clone(),
                };
                write_json(out, &body);
            }
            Frame::Notice { text } => {
                out.put_u8(kind::NOTICE);
                write_json(out, &TextJson { text: text.clone() });
            }
            Frame::Unknown { kind } => out.put_u8(*kind),
        }
        let body_len = out.len() - start - 4;
        // Bodies we build are far below 4 GiB; saturate rather than wrap if one ever is not.
        let prefix = u32::try_from(body_len).unwrap_or(u32::MAX).to_be_bytes();
        out[start..start + 4].copy_from_slice(&prefix);
    }

    /// The frame's bytes on the wire, length prefix included.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::new();
        self.encode(&mut out);
        out.freeze()
    }
}

fn write_json(out: &mut BytesMut, value: &impl Serialize) {
    // Serialising these plain structs into memory cannot fail.
    let _ = serde_json::to_writer(out.writer(), value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(frame: Frame) {
        let bytes = frame.to_bytes();
        let total = check(&bytes, DEFAULT_MAX_FRAME).unwrap();
        assert_eq!(total, Some(bytes.len()));
        assert_eq!(Frame::parse(bytes.slice(4..)).unwrap(), frame);
    }

    #[test]
    fn the_largest_welcome_with_a_name_fits_the_handshake_limit() {
        // A 1,024-byte hmac key in the clear, and 64 four-byte characters of name.
        let welcome = Frame::Welcome(Welcome {
            scheme: Scheme::Hmac,
            key_exchange: KeyExchange::Send,
            key: Some(format!("hex:{}", "ab".repeat(1024))),
            agreement: None,
            name: Some("𝄞".repeat(MAX_NAME)),
        });
        let body = welcome.to_bytes().len() - 4;
        assert_eq!(body, 2379);
        assert!(body <= MAX_HANDSHAKE_FRAME);
    }

    #[test]
    fn an_older_welcome_without_a_name_still_parses() {
        let body = br#"W{"version":1,"scheme":"ecb","key_exchange":"psk"}"#;
        let Frame::Welcome(welcome) = Frame::parse(Bytes::from_static(body)).unwrap() else {
            panic!("not a WELCOME");
        };
        assert_eq!(welcome.name, None);
    }

    #[test]
    fn every_kind_round_trips() {
        round_trip(Frame::Hello(Hello {
            scheme: Some(Scheme::Ecb),
            name: "alice".into(),
            agreement: Some([9; 32]),
        }));
        round_trip(Frame::Hello(Hello {
            scheme: None,
            name: String::new(),
            agreement: None,
        }));
        round_trip(Frame::Welcome(Welcome {
            scheme: Scheme::Fernet,
            key_exchange: KeyExchange::Send,
            key: Some("k".into()),
            agreement: None,
            name: Some("alice-2".into()),
        }));
        round_trip(Frame::Welcome(Welcome {
            scheme: Scheme::Hmac,
            key_exchange: KeyExchange::Psk,
            key: None,
            agreement: None,
            name: None,
        }));
        round_trip(Frame::Welcome(Welcome {
            scheme: Scheme::Cbc,
            key_exchange: KeyExchange::X25519,
            key: None,
            agreement: Some([3; 32]),
            name: Some("bob".into()),
        }));
        round_trip(Frame::Data {
            seq: 7,
            sealed: Bytes::from_static(b"\x00\x01wire"),
        });
        round_trip(Frame::Verdict {
            seq: 7,
            verdict: Verdict::Authentic,
        });
        round_trip(Frame::Verdict {
            seq: 8,
            verdict: Verdict::Rejected(Reason::BadPadding),
        });
        round_trip(Frame::Verdict {
            seq: 9,
            verdict: Verdict::Rejected(Reason::Withheld),
        });
        round_trip(Frame::Error {
            reason: "nope".into(),
        });
        round_trip(Frame::Bye { reason: None });
        round_trip(Frame::Task(Task {
            exercise: "rewrite-role".into(),
            text: "Make the server read \"role\":\"teacher\".".into(),
            material: "00ff".into(),
        }));
        round_trip(Frame::Answer {
            text: "secret".into(),
        });
        round_trip(Frame::Result {
            correct: false,
            reason: "not the secret".into(),
        });
        round_trip(Frame::Notice {
            text: "five minutes left".into(),
        });
        round_trip(Frame::Bye {
            reason: Some("server shutting down".into()),
        });
    }

    #[test]
    fn an_oversized_answer_is_refused_from_its_length_before_parsing() {
        let mut body = b"A".to_vec();
        body.extend(std::iter::repeat_n(b'x', MAX_ANSWER_FRAME));
        let err = Frame::parse(Bytes::from(body)).unwrap_err().to_string();
        assert_eq!(
            err,
            "ANSWER frame of 1025 bytes exceeds the maximum of 1024 bytes"
        );
    }

    #[test]
    fn a_result_says_correct_or_incorrect_and_nothing_else() {
        let parse = |b: &'static [u8]| Frame::parse(Bytes::from_static(b));
        assert!(
            parse(br#"R{"result":"maybe"}"#)
                .unwrap_err()
                .to_string()
                .contains("unknown result")
        );
        assert!(parse(br#"T{"exercise":"x","text":"t","material":"zz"}"#).is_err());
    }

    #[test]
    fn json_escapes_in_verdicts_are_understood() {
        let frame = Frame::parse(Bytes::from_static(
            br#"V{"seq":1,"verdict":"rej\u0065cted","reason":"tag\u0020mismatch"}"#,
        ));
        assert_eq!(
            frame.unwrap(),
            Frame::Verdict {
                seq: 1,
                verdict: Verdict::Rejected(Reason::TagMismatch)
            }
        );
    }

    #[test]
    fn control_frames_read_as_text() {
        let bytes = Frame::Verdict {
            seq: 1,
            verdict: Verdict::Rejected(Reason::TagMismatch),
        }
        .to_bytes();
        assert_eq!(
            &bytes[4..],
            br#"V{"seq":1,"verdict":"rejected","reason":"tag mismatch"}"#
        );
    }

    #[test]
    fn oversized_and_empty_lengths_are_refused_from_the_prefix_alone() {
        let err = check(&[0xff, 0xff, 0xff, 0xff], DEFAULT_MAX_FRAME).unwrap_err();
        assert_eq!(
            err.to_string(),
            "frame length 4294967295 exceeds the maximum of 1048576 bytes"
        );
        let err = check(b"GET / HTTP/1.1", DEFAULT_MAX_FRAME).unwrap_err();
        assert!(err.to_string().contains("looks like HTTP"), "{err}");
        assert!(matches!(check(&[0, 0, 0, 0], 10), Err(FrameError::Empty)));
        assert_eq!(
            check(&[0, 0, 0, 5, b'B'], 10).unwrap(),
            None,
            "partial frames wait"
        );
    }

    #[test]
    fn specific_errors_for_bad_bodies() {
        let parse = |b: &'static [u8]| Frame::parse(Bytes::from_static(b)).unwrap_err().to_string();
        assert_eq!(parse(b"Z"), "unknown frame kind 0x5a");
        assert!(parse(b"H{not json").starts_with("invalid JSON in HELLO frame"));
        assert_eq!(
            parse(br#"H{"version":1,"scheme":"rot13"}"#),
            "unknown scheme 'rot13' (expected ecb, cbc, fernet, hmac, prefix-mac, gcm or chacha)"
        );
        assert!(parse(br#"H{"version":9}"#).contains("protocol version 9"));
        assert_eq!(
            parse(b"D\x00\x01"),
            "DATA frame of 3 bytes is too short for its 8-byte sequence number"
        );
        assert!(
            parse(br#"V{"seq":1,"verdict":"rejected","reason":"gremlins"}"#)
                .contains("unknown reason")
        );
        assert!(
            parse(br#"W{"version":1,"scheme":"ecb","key_exchange":"psk","key":"00"}"#)
                .contains("exactly when")
        );
    }
}
