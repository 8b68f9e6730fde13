//! Reading a recording back into events. Every line is checked; a malformed line is reported
//! with its number and skipped, so that one bad line does not lose the rest.

use std::net::SocketAddr;

use bytes::Bytes;
use serde_json::Value;

use super::Mark;
use crate::crypto::{Key, KeySource, Opened, Reason, Scheme, Tamper, Verdict, VerdictWord};
use crate::crypto::{KeyExchange, NoncePolicy};
use crate::net::{AttackKind, Direction, Event, Fate, Mode, OracleEvent, Peer, Reading, Role};
use crate::wire::Frame;

mod classroom;
use classroom::classroom;

/// One line of a recording after the header.
#[derive(Debug)]
pub enum Entry {
    /// What `role` reported.
    Event(Role, Event),
    /// What the screen did to the session there.
    Mark(Mark),
}

/// A recording read back.
#[derive(Debug)]
pub struct Recording {
    /// The mode it was made in.
    pub mode: Mode,
    /// The scheme.
    pub scheme: Scheme,
    /// The key exchange.
    pub exchange: KeyExchange,
    /// How the AEAD nonces were chosen (`random` when the recording does not say).
    pub nonce: NoncePolicy,
    /// Events (with their role) and marks, with their time in milliseconds from the start.
    pub events: Vec<(u64, Entry)>,
    /// Lines that could not be read, with their numbers.
    pub skipped: Vec<(usize, String)>,
    /// Key events whose key was redacted when recorded (no `--log-secrets`).
    pub redacted_keys: usize,
}

fn text<'a>(v: &'a Value, field: &str) -> Result<&'a str, String> {
    v[field].as_str().ok_or_else(|| format!("no {field}"))
}

fn number(v: &Value, field: &str) -> Result<u64, String> {
    v[field].as_u64().ok_or_else(|| format!("no {field}"))
}

fn bytes_hex(v: &Value, field: &str) -> Result<Bytes, String> {
    hex::decode(text(v, field)?)
        .map(Bytes::from)
        .map_err(|_| format!("{field} is not hex"))
}

fn plaintext(v: &Value) -> Option<Bytes> {
    match v["plaintext_hex"].as_str() {
        Some(h) => hex::decode(h).ok().map(Bytes::from),
        None => v["plaintext"].as_str().map(|t| Bytes::from(t.to_owned())),
    }
}

fn peer(v: &Value) -> Result<Peer, String> {
    let addr: SocketAddr = text(v, "peer")?
        .parse()
        .map_err(|_| "bad peer address".to_owned())?;
    Ok(Peer {
        id: v["peer_id"].as_u64().unwrap_or(0),
        addr,
    })
}

fn verdict(v: &Value) -> Result<Verdict, String> {
    match VerdictWord::parse(text(v, "verdict")?) {
        Some(VerdictWord::Authentic) => Ok(Verdict::Authentic),
        Some(VerdictWord::Unauthenticated) => Ok(Verdict::Unauthenticated),
        Some(VerdictWord::Rejected) => match v["reason"].as_str() {
            // A server run with --verdicts opaque gives no reason.
            None => Ok(Verdict::Rejected(Reason::Withheld)),
            Some(words) => Reason::from_words(words)
                .map(Verdict::Rejected)
                .ok_or("unknown reason".into()),
        },
        None => Err("unknown verdict".into()),
    }
}

fn direction(v: &Value) -> Result<Direction, String> {
    match text(v, "direction")? {
        "client-to-server" => Ok(Direction::ToServer),
        "server-to-client" => Ok(Direction::ToClient),
        _ => Err("unknown direction".into()),
    }
}

fn scheme(v: &Value) -> Result<Scheme, String> {
    text(v, "scheme")?
        .parse()
        .map_err(|e: crate::crypto::UnknownScheme| e.to_string())
}

fn exchange(v: &Value) -> KeyExchange {
    match v["key_exchange"].as_str() {
        Some("psk") => KeyExchange::Psk,
        Some("x25519") => KeyExchange::X25519,
        _ => KeyExchange::Send,
    }
}

fn source(v: &Value) -> KeySource {
    match v["source"].as_str() {
        Some("received-in-clear") => KeySource::ReceivedInClear,
        Some("pre-shared") => KeySource::PreShared,
        Some("agreed") => KeySource::Agreed,
        _ => KeySource::Generated,
    }
}

/// One line's event; `Ok(None)` for a key that was redacted when recorded.
fn event(v: &Value) -> Result<Option<Event>, String> {
    Ok(Some(match text(v, "event")? {
        "listening" => Event::Listening {
            addr: text(v, "addr")?
                .parse()
                .map_err(|_| "bad address".to_owned())?,
        },
        "connected" => Event::Connected {
            peer: peer(v)?,
            name: text(v, "name")?.to_owned(),
            scheme: scheme(v)?,
            listed_as: v["listed_as"].as_str().map(str::to_owned),
        },
        "reconnecting" => Event::Reconnecting {
            addr: text(v, "addr")?.to_owned(),
            attempt: number(v, "attempt")? as u32,
            attempts: number(v, "attempts")? as u32,
            delay: std::time::Duration::from_millis(number(v, "delay_ms")?),
            reason: text(v, "reason")?.to_owned(),
        },
        "key" => {
            let scheme = scheme(v)?;
            let text = text(v, "key")?;
            if text == crate::json::REDACTED {
                // Redacted in the recording: there is no key to show.
                return Ok(None);
            }
            let key = Key::parse(scheme, text).map_err(|e| e.to_string())?;
            Event::Key {
                key,
                source: source(v),
                exchange: exchange(v),
            }
        }
        "sent" => Event::Sent {
            peer: peer(v)?,
            seq: number(v, "seq")?,
            plaintext: plaintext(v).unwrap_or_default(),
            sealed: bytes_hex(v, "wire_hex")?,
        },
        "received" => {
            let opened = Opened {
                verdict: verdict(v)?,
                plaintext: plaintext(v).map(|p| p.to_vec()),
            };
            Event::Received {
                peer: peer(v)?,
                seq: number(v, "seq")?,
                sealed: bytes_hex(v, "wire_hex")?,
                opened,
            }
        }
        "verdict" => Event::Verdict {
            peer: peer(v)?,
            seq: number(v, "seq")?,
            verdict: verdict(v)?,
        },
        "disconnected" => Event::Disconnected {
            peer: peer(v)?,
            reason: text(v, "reason")?.to_owned(),
            unanswered: number(v, "unanswered").unwrap_or(0) as usize,
        },
        "error" => Event::Error {
            peer: peer(v).ok(),
            message: text(v, "message")?.to_owned(),
        },
        "intercepted" => {
            let frame = match text(v, "kind")? {
                "DATA" => Frame::Data {
                    seq: number(v, "seq")?,
                    sealed: bytes_hex(v, "wire_hex")?,
                },
                "VERDICT" => Frame::Verdict {
                    seq: number(v, "seq")?,
                    verdict: verdict(v)?,
                },
                _ => Frame::parse(bytes_hex(v, "wire_hex")?).map_err(|e| e.to_string())?,
            };
            let fate = match (v["held"].as_u64(), v["forwarded"].as_bool()) {
                (Some(hold), _) => Fate::Held(hold),
                (None, Some(false)) => Fate::KeptBack,
                (None, _) => Fate::Forwarded,
            };
            Event::Intercepted {
                peer: peer(v)?,
                direction: direction(v)?,
                frame,
                fate,
            }
        }
        "tampered" => {
            let action: Tamper = text(v, "action")?
                .parse()
                .map_err(|e: crate::crypto::TamperError| e.to_string())?;
            Event::Tampered {
                peer: peer(v)?,
                seq: number(v, "seq")?,
                action,
                sealed: bytes_hex(v, "wire_hex")?,
            }
        }
        "armed" => {
            let action: Tamper = text(v, "action")?
                .parse()
                .map_err(|e: crate::crypto::TamperError| e.to_string())?;
            Event::Armed { action }
        }
        "eavesdropped" => Event::Eavesdropped {
            peer: peer(v)?,
            direction: direction(v)?,
            seq: number(v, "seq")?,
            plaintext: plaintext(v).unwrap_or_default(),
            // Recordings from before `how` existed read with a key or read plaintext.
            how: v["how"]
                .as_str()
                .and_then(Reading::from_words)
                .unwrap_or(Reading::Key),
        },
        "nonce-reused" => Event::NonceReused {
            peer: peer(v)?,
            seq: number(v, "seq")?,
            earlier_seq: number(v, "earlier_seq")?,
        },
        name if name.starts_with("oracle-") => Event::Oracle(oracle(v, name)?),
        "task" | "result" | "notice" | "progress" => classroom(v)?,
        other => return Err(format!("unknown event {other:?}")),
    }))
}

/// An `oracle-*` event of the man in the middle's padding oracle.
fn oracle(v: &Value, name: &str) -> Result<OracleEvent, String> {
    let attack = || -> Result<AttackKind, String> { text(v, "attack")?.parse() };
    let size = |field: &str| number(v, field).map(|n| n as usize);
    Ok(match name {
        "oracle-armed" => OracleEvent::Armed { attack: attack()? },
        "oracle-started" => OracleEvent::Started {
            attack: attack()?,
            target_len: size("target_len")?,
            block_size: size("block_size").ok(),
        },
        "oracle-byte" => OracleEvent::Byte {
            block: size("block")?,
            index: size("index")?,
            value: u8::try_from(number(v, "value")?).map_err(|_| "bad value".to_owned())?,
            queries: number(v, "queries")?,
        },
        "oracle-done" => OracleEvent::Done {
            attack: attack()?,
            plaintext: plaintext(v).unwrap_or_default(),
            queries: number(v, "queries")?,
            seconds: v["seconds"].as_f64().unwrap_or(0.0),
            key_len: size("key_len").ok(),
        },
        "oracle-failed" => OracleEvent::Failed {
            attack: attack()?,
            reason: text(v, "reason")?.to_owned(),
            queries: number(v, "queries")?,
        },
        other => return Err(format!("unknown event {other:?}")),
    })
}

/// A header's or a restart's nonce policy; `random` when it names none (recordings made
/// before they kept it) or one this version does not know.
fn nonce(v: &Value) -> NoncePolicy {
    v["nonce"]
        .as_str()
        .and_then(|n| n.parse().ok())
        .unwrap_or(NoncePolicy::Random)
}

/// A `{"mark": ...}` line.
fn mark(v: &Value, kind: &str) -> Result<Mark, String> {
    match kind {
        "restart" => Ok(Mark::Restart {
            scheme: scheme(v)?,
            exchange: exchange(v),
            nonce: nonce(v),
        }),
        "intercept" => v["on"]
            .as_bool()
            .map(Mark::Intercept)
            .ok_or_else(|| "no on".to_owned()),
        other => Err(format!("unknown mark {other:?}")),
    }
}

fn role(v: &Value, mode: Mode) -> Role {
    match v["role"].as_str() {
        Some("client") => Role::Client,
        Some("wire") => Role::Mitm,
        Some("server") => Role::Server,
        _ => match mode {
            Mode::Client => Role::Client,
            Mode::Mitm => Role::Mitm,
            Mode::Demo | Mode::Server => Role::Server,
        },
    }
}

/// The lines of a recording as [`str::lines`] splits text: at `\n`, a `\r` before it dropped,
/// no empty line after a final `\n`. Split as bytes, so that a line that is not UTF-8 is one
/// damaged line rather than the whole file.
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    (!bytes.is_empty())
        .then(|| body.split(|&b| b == b'\n'))
        .into_iter()
        .flatten()
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
}

/// One line's text.
fn utf8(line: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(line).map_err(|e| {
        let at = e.valid_up_to();
        format!(
            "not UTF-8 text: byte {} of the line is {:#04x}",
            at + 1,
            line[at]
        )
    })
}

/// Reads a recording. Only the header must be whole; any other line that cannot be read (not
/// UTF-8, not JSON, not an event) is listed in [`Recording::skipped`].
///
/// # Errors
/// When the header is missing or malformed.
pub fn parse(bytes: &[u8]) -> Result<Recording, String> {
    let mut lines = lines(bytes).enumerate();
    let header: Value = lines
        .next()
        .and_then(|(_, l)| serde_json::from_slice(l).ok())
        .filter(|h: &Value| h["recording"] == 1)
        .ok_or("not a cipherlab recording: the first line must be its header")?;
    // An unknown mode plays as the demo, which shows every role.
    let mode = header["mode"]
        .as_str()
        .and_then(Mode::parse)
        .unwrap_or(Mode::Demo);
    let scheme = self::scheme(&header).unwrap_or(Scheme::Fernet);
    let exchange = match header["key_exchange"].as_str() {
        Some(_) => exchange(&header),
        None => KeyExchange::default_for(scheme),
    };
    let mut recording = Recording {
        exchange,
        nonce: nonce(&header),
        scheme,
        mode,
        events: Vec::new(),
        skipped: Vec::new(),
        redacted_keys: 0,
    };
    for (number, line) in lines {
        let parsed = utf8(line)
            .and_then(|line| serde_json::from_str::<Value>(line).map_err(|e| e.to_string()))
            .and_then(|v| {
                let t_ms = v["t_ms"].as_u64().unwrap_or(0);
                if let Some(kind) = v["mark"].as_str() {
                    return Ok(Some((t_ms, Entry::Mark(mark(&v, kind)?))));
                }
                let event = event(&v)?;
                Ok(event.map(|e| (t_ms, Entry::Event(role(&v, recording.mode), e))))
            });
        match parsed {
            Ok(Some(entry)) => recording.events.push(entry),
            Ok(None) => recording.redacted_keys += 1,
            Err(e) => recording.skipped.push((number + 1, e)),
        }
    }
    Ok(recording)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oracle_events_read_back_as_they_were_written() {
        let events = [
            OracleEvent::Armed {
                attack: AttackKind::PaddingOracle,
            },
            OracleEvent::Started {
                attack: AttackKind::ByteAtATime,
                target_len: 30,
                block_size: Some(16),
            },
            OracleEvent::Byte {
                block: 2,
                index: 15,
                value: 0x10,
                queries: 17,
            },
            OracleEvent::Done {
                attack: AttackKind::Extend,
                plaintext: Bytes::from_static(b"amount=10\x80&to=mallory"),
                queries: 64,
                seconds: 0.25,
                key_len: Some(16),
            },
            OracleEvent::Failed {
                attack: AttackKind::PaddingOracle,
                reason: "every query rejected: tag mismatch".into(),
                queries: 256,
            },
        ];
        for oracle in events {
            let json = crate::json::event_json(&Event::Oracle(oracle.clone()), false);
            match event(&json) {
                Ok(Some(Event::Oracle(back))) => assert_eq!(back, oracle),
                other => panic!("{json}: {other:?}"),
            }
        }
    }
}
