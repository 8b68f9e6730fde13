//! Building a [`Frame`] from the body bytes of one checked frame.

use bytes::{Buf, Bytes};

use super::body::{
    HelloJson, ReasonJson, ResultJson, TaskJson, TextJson, VerdictJson, WelcomeJson, check_version,
    cut, invalid, json, public_key,
};
use super::{
    CORRECT, Frame, Hello, INCORRECT, MAX_EXERCISE_NAME, MAX_MATERIAL, MAX_NAME, MAX_NOTICE,
    MAX_REASON, MAX_TASK_TEXT, Task, Welcome, check_answer_len, kind,
};
use crate::crypto::{KeyExchange, Reason, Verdict, VerdictWord};
use crate::wire::FrameError;

impl Frame {
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
                // From the length alone, before the JSON is parsed.
                check_answer_len(body.len() + 1)?;
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
}
