//! Writing a [`Frame`] to the wire, length prefix included.

use std::borrow::Cow;

use bytes::{BufMut, BytesMut};

use super::body::{
    HelloJson, ReasonJson, ResultJson, TaskJson, TextJson, VerdictJson, WelcomeJson,
    public_key_text, write_json,
};
use super::{CORRECT, Frame, INCORRECT, VERSION, kind};

impl Frame {
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
}
