//! Plays a lesson headless on the demo's loopback chain and checks each step's expectations:
//! what `cipherlab lesson NAME --headless` runs, and what the tests assert.

use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};

use super::{AttackExpect, Eavesdropper, Expect, Lesson};
use crate::crypto::KeyExchange;
use crate::crypto::{Anatomy, Leak, Verdict};
use crate::net::oracle::Plan;
use crate::net::{
    AttackKind, DemoOptions, Direction, EVENT_QUEUE, Event, MitmCommand, OracleEvent, Role, Tagged,
    Topology,
};
use crate::wire::Frame;

/// How long a step waits for its message's verdicts.
const STEP_LIMIT: Duration = Duration::from_secs(10);
/// How long a dropped message is given to prove that it was dropped.
const DROP_WAIT: Duration = Duration::from_millis(800);

/// One expectation and what happened.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CheckResult {
    /// What was checked.
    pub what: &'static str,
    /// What the lesson says should happen.
    pub expected: String,
    /// What happened.
    pub observed: String,
    /// Whether they agree.
    pub ok: bool,
}

/// One step's outcome.
#[derive(Clone, Debug, Serialize)]
pub struct StepReport {
    /// The step's number, from 1.
    pub step: usize,
    /// Its narration.
    pub narration: String,
    /// Each expectation checked.
    pub checks: Vec<CheckResult>,
    /// Whether every check passed.
    pub ok: bool,
}

/// What a sent message led to.
#[derive(Default)]
struct Outcome {
    verdict: Option<Verdict>,
    plaintext: Option<Vec<u8>>,
    replay: Option<Verdict>,
    eavesdropped: bool,
    /// The message as the man in the middle saw it.
    on_wire: Option<Bytes>,
}

/// Plays `lesson`, calling `report` after each step.
///
/// # Errors
/// When the demo cannot start (no loopback port, no randomness) or a step's action is malformed.
pub async fn run(
    lesson: &Lesson,
    mut report: impl FnMut(&StepReport),
) -> Result<Vec<StepReport>, String> {
    let (tx, mut rx) = mpsc::channel::<Tagged>(EVENT_QUEUE * 4);
    let mut topology: Option<Topology> = None;
    let mut generation = 0u64;
    let mut options = DemoOptions::new(crate::crypto::Scheme::Fernet, KeyExchange::Send);
    let mut seq = 0u64;
    let mut reports = Vec::new();
    for (index, step) in lesson.steps.iter().enumerate() {
        if step.restarts() || topology.is_none() {
            options = step.options(&options);
            if let Some(old) = topology.take() {
                old.shutdown().await;
            }
            generation += 1;
            topology = Some(
                Topology::demo_with(generation, &options, &tx)
                    .await
                    .map_err(|e| e.to_string())?,
            );
            seq = 0;
            wait_until(&mut rx, generation, |role, e| {
                role == Role::Client && matches!(e, Event::Key { .. })
            })
            .await?;
        }
        if let Some(wait) = step.wait {
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
        let mut checks = Vec::new();
        if let (Some(text), Some(live)) = (&step.send, &topology) {
            let tamper = step.tamper.clone();
            if let Some(action) = tamper.clone() {
                live.command_mitm(MitmCommand::Arm(action.clone())).await;
                // The message must not overtake the command: wait until the action is armed.
                wait_until(&mut rx, generation, |role, event| {
                    role == Role::Mitm && matches!(event, Event::Armed { .. })
                })
                .await
                .map_err(|e| format!("the man in the middle did not arm {action}: {e}"))?;
            }
            if step.attack == Some(AttackKind::PaddingOracle) {
                // The man in the middle reads the message through the victim's own
                // connection, so that the oracle works whatever the key exchange.
                let live_view = crate::net::oracle::LiveAttack::default();
                live.command_mitm(MitmCommand::Oracle { live: live_view })
                    .await;
                wait_until(&mut rx, generation, |role, event| {
                    role == Role::Mitm && matches!(event, Event::Oracle(OracleEvent::Armed { .. }))
                })
                .await
                .map_err(|e| format!("the man in the middle did not arm the oracle: {e}"))?;
            }
            seq += 1;
            live.send(Role::Client, None, Bytes::from(text.clone()))
                .await;
            let dropped = step.expect == Some(Expect::Dropped);
            let replayed = tamper == Some(crate::crypto::Tamper::Replay);
            let outcome = observe(&mut rx, generation, seq, dropped, replayed).await?;
            let words = |v: &Option<Verdict>| {
                v.as_ref()
                    .map_or_else(|| "no verdict (dropped)".to_owned(), Verdict::to_string)
            };
            if let Some(expected) = &step.expect {
                let ok = expected.met_by(outcome.verdict.as_ref());
                checks.push(CheckResult {
                    what: "verdict",
                    expected: expected.to_string(),
                    observed: words(&outcome.verdict),
                    ok,
                });
            }
            if let Some(expected) = &step.expect_replay {
                let ok = expected.met_by(outcome.replay.as_ref());
                checks.push(CheckResult {
                    what: "replay verdict",
                    expected: expected.to_string(),
                    observed: words(&outcome.replay),
                    ok,
                });
            }
            if let Some(expected) = &step.expect_plaintext {
                let observed = outcome.plaintext.as_deref().map_or_else(
                    || "nothing accepted".to_owned(),
                    |p| String::from_utf8_lossy(p).into_owned(),
                );
                let ok = outcome
                    .plaintext
                    .as_deref()
                    .is_some_and(|p| super::reads_as(p, expected));
                checks.push(CheckResult {
                    what: "plaintext",
                    ok,
                    expected: expected.clone(),
                    observed,
                });
            }
            if let Some(expected) = step.expect_repeated_blocks {
                let repeated = outcome.on_wire.as_deref().map(|wire| {
                    match Anatomy::dissect(options.scheme, wire).leak(options.scheme) {
                        Leak::EqualBlocks(n) => n,
                        _ => 0,
                    }
                });
                checks.push(CheckResult {
                    what: "repeated blocks",
                    expected: expected.to_string(),
                    observed: repeated.map_or_else(|| "nothing seen".to_owned(), |n| n.to_string()),
                    ok: repeated == Some(expected),
                });
            }
            if let Some(expected) = step.eavesdropper {
                let observed = if outcome.eavesdropped {
                    "reads"
                } else {
                    "blind"
                };
                let ok = (expected == Eavesdropper::Reads) == outcome.eavesdropped;
                let expected = if expected == Eavesdropper::Reads {
                    "reads"
                } else {
                    "blind"
                };
                checks.push(CheckResult {
                    what: "eavesdropper",
                    expected: expected.into(),
                    observed: observed.into(),
                    ok,
                });
            }
        }
        if let (Some(kind), Some(expected)) = (step.attack, step.expect_attack) {
            let started = match (kind, topology.as_mut()) {
                // Armed before the message went: it runs already.
                (AttackKind::PaddingOracle, Some(_)) => true,
                (AttackKind::ByteAtATime, Some(live)) => {
                    live.attack(Plan::ByteAtATime, Default::default(), &tx)
                }
                _ => false,
            };
            let ended = if started {
                attack_end(&mut rx, generation).await
            } else {
                Err("there was nothing to attack".to_owned())
            };
            // What a recovery must equal: the message sent, or the secret the server appends.
            let truth = match kind {
                AttackKind::PaddingOracle => step.send.as_deref(),
                _ => options.echo_append.as_deref(),
            };
            checks.push(attack_check(expected, ended, truth));
        }
        let step_report = StepReport {
            step: index + 1,
            narration: step.narration.clone(),
            ok: checks.iter().all(|c| c.ok),
            checks,
        };
        report(&step_report);
        reports.push(step_report);
    }
    if let Some(live) = topology {
        live.shutdown().await;
    }
    Ok(reports)
}

/// How long an attack may take in a lesson.
const ATTACK_LIMIT: Duration = Duration::from_secs(30);

/// Waits for the attacker's `oracle-done` or `oracle-failed` (or its error).
async fn attack_end(
    rx: &mut mpsc::Receiver<Tagged>,
    generation: u64,
) -> Result<OracleEvent, String> {
    let deadline = Instant::now() + ATTACK_LIMIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match timeout(left, rx.recv()).await {
            Ok(Some((g, Role::Mitm, Event::Oracle(end))))
                if g == generation
                    && matches!(end, OracleEvent::Done { .. } | OracleEvent::Failed { .. }) =>
            {
                return Ok(end);
            }
            Ok(Some((g, Role::Mitm, Event::Error { message, .. }))) if g == generation => {
                return Err(message);
            }
            Ok(Some(_)) => {}
            Ok(None) => return Err("the demo stopped".into()),
            Err(_) => {
                return Err(format!(
                    "the attack did not end within {} s",
                    ATTACK_LIMIT.as_secs()
                ));
            }
        }
    }
}

/// The check of a step's attack: how it ended against `expected`. A padding oracle that says
/// it recovered must have read exactly what the step sent.
fn attack_check(
    expected: AttackExpect,
    ended: Result<OracleEvent, String>,
    truth: Option<&str>,
) -> CheckResult {
    let (observed, ok) = match ended {
        Ok(OracleEvent::Done {
            plaintext, queries, ..
        }) => {
            let right = truth.is_none_or(|text| text.as_bytes() == &plaintext[..]);
            (
                format!(
                    "recovered \"{}\" in {queries} queries",
                    plaintext.escape_ascii()
                ),
                expected == AttackExpect::Recovered && right,
            )
        }
        Ok(OracleEvent::Failed {
            reason, queries, ..
        }) => (
            format!("failed after {queries} queries: {reason}"),
            expected == AttackExpect::Failed,
        ),
        Ok(other) => (format!("{other:?}"), false),
        Err(e) => (format!("error: {e}"), false),
    };
    CheckResult {
        what: "attack",
        expected: expected.as_str().to_owned(),
        observed,
        ok,
    }
}

/// Reads events of this generation until `pred` holds.
async fn wait_until(
    rx: &mut mpsc::Receiver<Tagged>,
    generation: u64,
    pred: impl Fn(Role, &Event) -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + STEP_LIMIT;
    loop {
        match timeout(
            deadline.saturating_duration_since(Instant::now()),
            rx.recv(),
        )
        .await
        {
            Ok(Some((g, role, event))) if g == generation && pred(role, &event) => return Ok(()),
            Ok(Some((g, Role::Client, Event::Error { message, .. }))) if g == generation => {
                return Err(message);
            }
            Ok(Some(_)) => {}
            Ok(None) => return Err("the demo stopped".into()),
            Err(_) => return Err("the demo did not start in time".into()),
        }
    }
}

/// Collects what happened to client message `seq`: the server's verdict (and the replay's),
/// and whether the man in the middle read it. The attacker's stream is read up to its view
/// of the verdict, which comes after anything it read or did to the message.
async fn observe(
    rx: &mut mpsc::Receiver<Tagged>,
    generation: u64,
    seq: u64,
    dropped: bool,
    replayed: bool,
) -> Result<Outcome, String> {
    let mut outcome = Outcome::default();
    let (mut judged, mut passed_back) = (false, false);
    let limit = if dropped { DROP_WAIT } else { STEP_LIMIT };
    let deadline = Instant::now() + limit;
    while !(judged && passed_back && (!replayed || outcome.replay.is_some())) {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(next) = timeout(left, rx.recv()).await else {
            return if dropped {
                Ok(outcome)
            } else {
                Err(format!(
                    "no verdict on message {seq} within {} s",
                    limit.as_secs()
                ))
            };
        };
        let Some((g, role, event)) = next else {
            return Err("the demo stopped".into());
        };
        if g != generation {
            continue;
        }
        match (role, event) {
            (
                Role::Server,
                Event::Received {
                    seq: got, opened, ..
                },
            ) if got == seq => {
                outcome.verdict = Some(opened.verdict);
                outcome.plaintext = opened.plaintext;
                judged = true;
            }
            (
                Role::Server,
                Event::Received {
                    seq: got, opened, ..
                },
            ) if got >= crate::net::INJECTED_SEQ => outcome.replay = Some(opened.verdict),
            (
                Role::Mitm,
                Event::Eavesdropped {
                    seq: got,
                    direction: Direction::ToServer,
                    ..
                },
            ) if got == seq => outcome.eavesdropped = true,
            (
                Role::Mitm,
                Event::Intercepted {
                    frame: Frame::Data { seq: got, sealed },
                    direction: Direction::ToServer,
                    ..
                },
            ) if got == seq => outcome.on_wire = Some(sealed),
            (
                Role::Mitm,
                Event::Intercepted {
                    frame: Frame::Verdict { seq: got, .. },
                    fate: crate::net::Fate::Forwarded,
                    ..
                },
            ) if got == seq => passed_back = true,
            _ => {}
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(attack: AttackKind, plaintext: &'static [u8]) -> Result<OracleEvent, String> {
        Ok(OracleEvent::Done {
            attack,
            plaintext: Bytes::from_static(plaintext),
            queries: 7,
            seconds: 0.1,
            key_len: None,
        })
    }

    #[test]
    fn a_recovery_passes_only_when_it_equals_what_was_hidden() {
        for attack in [AttackKind::PaddingOracle, AttackKind::ByteAtATime] {
            let right = attack_check(
                AttackExpect::Recovered,
                done(attack, b"s3cret"),
                Some("s3cret"),
            );
            assert!(right.ok, "{attack:?}: {}", right.observed);
            let wrong = attack_check(
                AttackExpect::Recovered,
                done(attack, b"s3creX"),
                Some("s3cret"),
            );
            assert!(!wrong.ok, "{attack:?} passed a wrong recovery");
        }
        let failed = attack_check(
            AttackExpect::Failed,
            done(AttackKind::ByteAtATime, b"x"),
            None,
        );
        assert!(!failed.ok, "a recovery passed where failure was promised");
    }
}
