//! A cell's verdict: what one case observed, turned into the words of DESIGN §5.

use bytes::Bytes;

use super::{Attack, MESSAGE, Observed, Outcome, SECOND};
use crate::crypto::{Anatomy, Leak, Scheme, Verdict};

/// Turns what was observed into the cell's outcome.
pub(super) fn judge(attack: Attack, scheme: Scheme, observed: Observed) -> Outcome {
    let original = MESSAGE.as_bytes();
    match attack {
        Attack::KeyInClear | Attack::PreShared => {
            let read = observed.eavesdropped.first().cloned();
            // The words of the contract's table: hmac is read with or without the key, because
            // it never encrypted anything.
            let summary = match (&read, attack) {
                (Some(_), Attack::KeyInClear) if !scheme.has_secrecy() => {
                    "the message was never secret".to_owned()
                }
                (Some(_), Attack::KeyInClear) => "eavesdropper reads all".to_owned(),
                (Some(_), _) => "reads every message".to_owned(),
                (None, _) => visible(scheme, observed.on_wire.first()),
            };
            Outcome {
                verdicts: vec![],
                safe: Some(read.is_none()),
                plaintext: read,
                summary,
            }
        }
        Attack::Replay => {
            let replays: Vec<&(u64, Verdict, Option<Bytes>)> = observed
                .received
                .iter()
                .filter(|(seq, ..)| *seq >= crate::net::INJECTED_SEQ)
                .collect();
            let verdicts: Vec<Verdict> = replays.iter().map(|(_, v, _)| v.clone()).collect();
            let accepted = replays.iter().any(|(_, v, _)| v.is_accepted());
            let summary = verdicts
                .iter()
                .map(Verdict::to_string)
                .collect::<Vec<_>>()
                .join(", then ");
            let plaintext = replays.iter().find_map(|(_, _, p)| p.clone());
            Outcome {
                safe: Some(!replays.last().is_some_and(|(_, v, _)| v.is_accepted())),
                verdicts,
                plaintext,
                summary: if accepted && summary.is_empty() {
                    "accepted".into()
                } else {
                    summary
                },
            }
        }
        Attack::NonceReused => {
            let read = observed
                .eavesdropped
                .iter()
                .find(|p| p.as_ref() == SECOND.as_bytes())
                .cloned();
            Outcome {
                verdicts: vec![],
                safe: Some(read.is_none()),
                summary: if read.is_some() {
                    "one known plaintext reads the other".to_owned()
                } else {
                    "read nothing".to_owned()
                },
                plaintext: read,
            }
        }
        Attack::Rewrite if observed.refused.iter().any(|m| m.contains("no XOR path")) => Outcome {
            verdicts: vec![],
            plaintext: None,
            summary: "refused: no XOR path (ECB)".to_owned(),
            safe: Some(true),
        },
        _ => {
            let Some((_, verdict, plaintext)) = observed.received.first().cloned() else {
                return Outcome {
                    verdicts: vec![],
                    plaintext: None,
                    summary: "no verdict".into(),
                    safe: None,
                };
            };
            let tampered = attack != Attack::Nothing;
            let intact = plaintext.as_deref() == Some(original);
            let summary = match (&verdict, tampered, intact) {
                (Verdict::Rejected(_), ..) => verdict.to_string(),
                (_, false, _) => verdict.to_string(),
                (_, true, false) if attack == Attack::Extend => {
                    format!("{verdict}: forged without the key")
                }
                (_, true, false)
                    if attack == Attack::Rewrite
                        && plaintext
                            .as_deref()
                            .is_some_and(|p| p.starts_with(b"FROM: trudy")) =>
                {
                    "accepted with trudy, undetected".to_owned()
                }
                (_, true, true) => format!("{verdict}, unchanged"),
                (_, true, false) => format!("{verdict}: changed, undetected"),
            };
            let safe = if tampered {
                !verdict.is_accepted()
            } else {
                verdict.is_accepted() && intact
            };
            Outcome {
                verdicts: vec![verdict],
                plaintext,
                summary,
                safe: Some(safe),
            }
        }
    }
}

/// What an eavesdropper without the key still learns from a message.
fn visible(scheme: Scheme, wire: Option<&Bytes>) -> String {
    let Some(wire) = wire else {
        return "saw nothing".to_owned();
    };
    match Anatomy::dissect(scheme, wire).leak(scheme) {
        Leak::EqualBlocks(repeats) => format!("sees equal blocks ({repeats} repeated)"),
        Leak::Length => format!("sees lengths only ({} bytes)", wire.len()),
        Leak::LengthAndTimestamp(_) => "sees lengths and the timestamp".to_owned(),
        Leak::Everything => "reads every message".to_owned(),
    }
}
