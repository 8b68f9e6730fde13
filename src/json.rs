//! The JSON event contract: each event as one JSON object with the product contract's names
//! and fields. The headless front end prints it and recordings store it, so it sits below both.

use serde_json::{Map, Value, json};

use crate::crypto::{Key, Verdict};
use crate::net::{Event, OracleEvent, Peer};
use crate::wire::Frame;

/// What the `key` field holds when keys are not to be shown.
pub const REDACTED: &str = "<redacted: pass --log-secrets to show>";

/// The JSON object for one event. Keys appear only when `show_keys` is set.
pub fn event_json(event: &Event, show_keys: bool) -> Value {
    let mut object = Map::new();
    object.insert("event".into(), event.name().into());
    let fields = match event {
        Event::Listening { addr } => json!({ "addr": addr.to_string() }),
        Event::Connected {
            peer,
            name,
            scheme,
            listed_as,
        } => {
            let mut fields = json!({ "peer": peer.to_string(), "peer_id": peer.id, "name": name, "scheme": scheme.name() });
            if let Some(listed_as) = listed_as {
                fields["listed_as"] = listed_as.as_str().into();
            }
            fields
        }
        Event::Reconnecting {
            addr,
            attempt,
            attempts,
            delay,
            reason,
        } => json!({
            "addr": addr,
            "attempt": attempt,
            "attempts": attempts,
            "delay_ms": delay.as_millis() as u64,
            "reason": reason,
        }),
        Event::Key {
            key,
            source,
            exchange,
        } => json!({
            "scheme": key.scheme().name(),
            "source": source.as_str(),
            "key": key_text(key, show_keys),
            "fingerprint": key.fingerprint(),
            "key_exchange": exchange.as_str(),
        }),
        Event::Sent {
            peer,
            seq,
            plaintext,
            sealed: wire,
        } => {
            let mut fields = json!({ "seq": seq, "peer": peer.to_string() });
            add_plaintext(&mut fields, plaintext);
            fields["wire_hex"] = hex::encode(wire).into();
            fields
        }
        Event::Received {
            peer,
            seq,
            sealed: wire,
            opened,
        } => {
            let mut fields =
                json!({ "seq": seq, "peer": peer.to_string(), "wire_hex": hex::encode(wire) });
            add_verdict(&mut fields, &opened.verdict);
            if let Some(plaintext) = &opened.plaintext {
                add_plaintext(&mut fields, plaintext);
            }
            fields
        }
        Event::Verdict { peer, seq, verdict } => {
            let mut fields = json!({ "seq": seq, "peer": peer.to_string() });
            add_verdict(&mut fields, verdict);
            fields
        }
        Event::Disconnected {
            peer,
            reason,
            unanswered,
        } => {
            json!({ "peer": peer.to_string(), "reason": reason, "unanswered": unanswered })
        }
        Event::Intercepted {
            peer,
            direction,
            frame,
            fate,
        } => {
            let mut fields = json!({ "peer": peer.to_string(), "direction": direction.as_str(), "kind": frame.kind_name() });
            match frame {
                Frame::Data { seq, sealed: wire } => {
                    fields["seq"] = (*seq).into();
                    fields["wire_hex"] = hex::encode(wire).into();
                }
                Frame::Verdict { seq, verdict } => {
                    fields["seq"] = (*seq).into();
                    add_verdict(&mut fields, verdict);
                }
                // A WELCOME under `send` carries the key in the clear: its bytes are shown
                // with the key redacted, as the `key` event is, unless keys are to be shown.
                Frame::Welcome(welcome) if welcome.key.is_some() && !show_keys => {
                    let redacted = Frame::Welcome(crate::wire::Welcome {
                        key: Some(REDACTED.to_owned()),
                        ..welcome.clone()
                    });
                    fields["wire_hex"] = hex::encode(&redacted.to_bytes()[4..]).into();
                    fields["key_redacted"] = true.into();
                }
                other => fields["wire_hex"] = hex::encode(&other.to_bytes()[4..]).into(),
            }
            // The contract predates `Fate`: a hold number when held, and a flag.
            if let Some(hold) = fate.held() {
                fields["held"] = hold.into();
            }
            fields["forwarded"] = fate.forwarded().into();
            fields
        }
        Event::Tampered {
            peer,
            seq,
            action,
            sealed: wire,
        } => {
            json!({ "peer": peer.to_string(), "seq": seq, "action": action.to_string(), "wire_hex": hex::encode(wire) })
        }
        Event::Eavesdropped {
            peer,
            direction,
            seq,
            plaintext,
            how,
        } => {
            let mut fields =
                json!({ "peer": peer.to_string(), "direction": direction.as_str(), "seq": seq });
            add_plaintext(&mut fields, plaintext);
            fields["how"] = json!(how.as_str());
            fields
        }
        Event::NonceReused {
            peer,
            seq,
            earlier_seq,
        } => json!({ "peer": peer.to_string(), "seq": seq, "earlier_seq": earlier_seq }),
        Event::Armed { action } => json!({ "action": action.to_string() }),
        Event::Oracle(oracle) => oracle_fields(oracle),
        Event::Unsent { peer, reason } => {
            json!({ "message": format!("message not sent: {reason}"), "peer": peer.to_string() })
        }
        Event::SentWire { peer, seq, sealed } => {
            json!({ "seq": seq, "peer": peer.to_string(), "raw": true, "wire_hex": hex::encode(sealed) })
        }
        Event::Task { peer, task } => json!({
            "peer": peer.to_string(),
            "exercise": task.exercise,
            "text": task.text,
            "material": task.material,
        }),
        Event::Result {
            peer,
            correct,
            reason,
        } => json!({
            "peer": peer.to_string(),
            "result": if *correct { crate::wire::frame::CORRECT } else { crate::wire::frame::INCORRECT },
            "reason": reason,
        }),
        Event::Notice { peer, text } => json!({ "peer": peer.to_string(), "text": text }),
        Event::Progress {
            peer,
            name,
            exercise,
            progress,
        } => {
            let mut fields = json!({
                "peer": peer.to_string(),
                "name": name,
                "exercise": exercise,
                "tries": progress.tries(),
            });
            match progress {
                crate::net::exercise::Progress::Solved { taken, .. } => {
                    fields["state"] = "solved".into();
                    fields["seconds"] = json!((taken.as_secs_f64() * 10.0).round() / 10.0);
                }
                crate::net::exercise::Progress::Working { .. } => {
                    fields["state"] = "working".into();
                }
            }
            fields
        }
        Event::Error { peer, message } => {
            let mut fields = json!({ "message": message });
            if let Some(peer) = peer {
                fields["peer"] = peer_value(peer);
            }
            fields
        }
    };
    if let Value::Object(fields) = fields {
        object.extend(fields);
    }
    // The connection number lets a recording be replayed with each client kept apart.
    if let Some(peer) = event.peer() {
        object.insert("peer_id".into(), peer.id.into());
    }
    Value::Object(object)
}

/// The fields of an oracle-lab event (DESIGN §9).
fn oracle_fields(event: &OracleEvent) -> Value {
    match event {
        OracleEvent::Armed { attack } => json!({ "attack": attack.name() }),
        OracleEvent::Started {
            attack,
            target_len,
            block_size,
        } => {
            let mut fields = json!({ "attack": attack.name(), "target_len": target_len });
            if let Some(size) = block_size {
                fields["block_size"] = (*size).into();
            }
            fields
        }
        OracleEvent::Byte {
            block,
            index,
            value,
            queries,
        } => json!({ "block": block, "index": index, "value": value, "queries": queries }),
        OracleEvent::Done {
            attack,
            plaintext,
            queries,
            seconds,
            key_len,
        } => {
            let mut fields = json!({ "attack": attack.name() });
            add_plaintext(&mut fields, plaintext);
            fields["queries"] = (*queries).into();
            fields["seconds"] = (*seconds).into();
            if let Some(len) = key_len {
                fields["key_len"] = (*len).into();
            }
            fields
        }
        OracleEvent::Failed {
            attack,
            reason,
            queries,
        } => json!({ "attack": attack.name(), "reason": reason, "queries": queries }),
    }
}

fn peer_value(peer: &Peer) -> Value {
    peer.to_string().into()
}

fn key_text(key: &Key, show: bool) -> String {
    if show {
        key.to_text().to_string()
    } else {
        REDACTED.to_owned()
    }
}

fn add_verdict(fields: &mut Value, verdict: &Verdict) {
    fields["verdict"] = verdict.word().as_str().into();
    if let Some(reason) = verdict.reason() {
        fields["reason"] = reason.words().into();
    }
}

/// Plaintext as a string; bytes that are not UTF-8 also get `plaintext_hex`.
fn add_plaintext(fields: &mut Value, plaintext: &[u8]) {
    match std::str::from_utf8(plaintext) {
        Ok(text) => fields["plaintext"] = text.into(),
        Err(_) => {
            fields["plaintext"] = String::from_utf8_lossy(plaintext).into_owned().into();
            fields["plaintext_hex"] = hex::encode(plaintext).into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyExchange;
    use crate::crypto::{KeySource, Opened, Reason, Scheme};
    use bytes::Bytes;

    fn peer() -> Peer {
        Peer {
            id: 3,
            addr: "127.0.0.1:4000".parse().unwrap(),
        }
    }

    #[test]
    fn received_carries_verdict_reason_and_no_plaintext_when_rejected() {
        let event = Event::Received {
            peer: peer(),
            seq: 2,
            sealed: Bytes::from_static(b"\x01\x02"),
            opened: Opened {
                verdict: Verdict::Rejected(Reason::TagMismatch),
                plaintext: None,
            },
        };
        assert_eq!(
            event_json(&event, false).to_string(),
            r#"{"event":"received","seq":2,"peer":"127.0.0.1:4000","wire_hex":"0102","verdict":"rejected","reason":"tag mismatch","peer_id":3}"#
        );
    }

    #[test]
    fn oracle_events_carry_the_contract_fields() {
        use crate::net::{AttackKind, OracleEvent};
        let line = |event| event_json(&Event::Oracle(event), false).to_string();
        assert_eq!(
            line(OracleEvent::Started {
                attack: AttackKind::PaddingOracle,
                target_len: 32,
                block_size: None
            }),
            r#"{"event":"oracle-started","attack":"padding-oracle","target_len":32}"#
        );
        assert_eq!(
            line(OracleEvent::Byte {
                block: 1,
                index: 15,
                value: 2,
                queries: 17
            }),
            r#"{"event":"oracle-byte","block":1,"index":15,"value":2,"queries":17}"#
        );
        assert_eq!(
            line(OracleEvent::Done {
                attack: AttackKind::Extend,
                plaintext: Bytes::from_static(b"hi"),
                queries: 13,
                seconds: 0.5,
                key_len: Some(13)
            }),
            r#"{"event":"oracle-done","attack":"extend","plaintext":"hi","queries":13,"seconds":0.5,"key_len":13}"#
        );
        assert_eq!(
            line(OracleEvent::Failed {
                attack: AttackKind::ByteAtATime,
                reason: "no repeated blocks: the IV or nonce is random".into(),
                queries: 18
            }),
            r#"{"event":"oracle-failed","attack":"byte-at-a-time","reason":"no repeated blocks: the IV or nonce is random","queries":18}"#
        );
    }

    #[test]
    fn keys_are_redacted_unless_asked_for() {
        let key = Key::parse(Scheme::Hmac, "hunter2hunter2").unwrap();
        let event = Event::Key {
            key,
            source: KeySource::PreShared,
            exchange: KeyExchange::Psk,
        };
        let hidden = event_json(&event, false).to_string();
        assert!(!hidden.contains("hunter2"), "{hidden}");
        assert!(hidden.contains(r#""source":"pre-shared""#), "{hidden}");
        assert!(
            event_json(&event, true)
                .to_string()
                .contains(r#""key":"hunter2hunter2""#)
        );
    }

    #[test]
    fn a_client_says_how_it_reconnects_and_what_it_is_called() {
        let event = Event::Reconnecting {
            addr: "127.0.0.1:12345".into(),
            attempt: 2,
            attempts: 5,
            delay: std::time::Duration::from_millis(1000),
            reason: "cannot connect to 127.0.0.1:12345: refused".into(),
        };
        assert_eq!(
            event_json(&event, false).to_string(),
            r#"{"event":"reconnecting","addr":"127.0.0.1:12345","attempt":2,"attempts":5,"delay_ms":1000,"reason":"cannot connect to 127.0.0.1:12345: refused"}"#
        );
        let event = Event::Connected {
            peer: peer(),
            name: "server".into(),
            scheme: Scheme::Ecb,
            listed_as: Some("alice-2".into()),
        };
        assert_eq!(event_json(&event, false)["listed_as"], "alice-2");
    }

    #[test]
    fn binary_plaintext_also_comes_as_hex() {
        let event = Event::Sent {
            peer: peer(),
            seq: 1,
            plaintext: Bytes::from_static(b"\xff"),
            sealed: Bytes::new(),
        };
        let json = event_json(&event, false);
        assert_eq!(json["plaintext_hex"], "ff");
    }

    #[test]
    fn intercepted_keeps_the_held_and_forwarded_fields_for_each_fate() {
        use crate::net::{Direction, Fate};
        let intercepted = |fate| Event::Intercepted {
            peer: peer(),
            direction: Direction::ToServer,
            frame: Frame::Data {
                seq: 5,
                sealed: Bytes::from_static(b"\xab"),
            },
            fate,
        };
        let line = |fate| event_json(&intercepted(fate), false).to_string();
        let head = r#"{"event":"intercepted","peer":"127.0.0.1:4000","direction":"client-to-server","kind":"DATA","seq":5,"wire_hex":"ab""#;
        assert_eq!(
            line(Fate::Forwarded),
            format!(r#"{head},"forwarded":true,"peer_id":3}}"#)
        );
        assert_eq!(
            line(Fate::Held(7)),
            format!(r#"{head},"held":7,"forwarded":false,"peer_id":3}}"#)
        );
        assert_eq!(
            line(Fate::KeptBack),
            format!(r#"{head},"forwarded":false,"peer_id":3}}"#)
        );
    }
}
