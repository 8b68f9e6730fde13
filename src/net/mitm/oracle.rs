//! The padding oracle from the man in the middle (DESIGN §9): on a client message it captured,
//! the relay asks the server its questions through the victim's own connection, so the server
//! opens them under the victim's key, even one agreed with X25519 that the relay never learns.
//! The queries are numbered from [`ORACLE_SEQ`], inside the injected range, and the server's
//! verdicts on them are kept from the client, whose own messages go on flowing and being
//! answered meanwhile. They are reported by their `oracle-*` events, not one by one; a screen
//! watches each of them on the attack's [`LiveAttack`].
//!
//! Slowed for a class, the relay never sleeps: a question waits for its slot as a timer in
//! the relay's own loop, so the client's traffic is relayed while the oracle waits.

use super::*;
use crate::crypto::Verdict;
use crate::net::attack::ORACLE_SEQ;
use crate::net::event::{AttackKind, OracleEvent};
use crate::net::oracle::padding::{Chain, PaddingOracle, Query, Step};
use crate::net::oracle::{LiveAttack, Run};

/// A padding oracle under way on one connection.
pub(super) struct OracleRun {
    oracle: PaddingOracle,
    started: std::time::Instant,
    live: LiveAttack,
    /// A question waiting for its paced slot, and the slot.
    waiting: Option<(Query, Instant)>,
}

impl Relay {
    /// Whether client message `number` is the oracle's (`--oracle N`, or armed for the next),
    /// and where it is shown.
    pub(super) fn oracle_due(&self, number: u64) -> Option<LiveAttack> {
        if self.oracle.is_some() {
            None
        } else if self.oracle_at == Some(number) {
            Some(LiveAttack::default())
        } else {
            lock(&self.oracle_armed).take()
        }
    }

    /// When a slowed oracle's waiting question may go.
    pub(super) fn oracle_slot(&self) -> Option<Instant> {
        self.oracle
            .as_ref()
            .and_then(|run| run.waiting.as_ref().map(|(_, at)| *at))
    }

    /// Starts the padding oracle on client message `seq`, as the client sealed it, showing it
    /// on `live`. One already reading on this connection is replaced.
    pub(super) async fn start_oracle(
        &mut self,
        seq: u64,
        wire: &[u8],
        live: LiveAttack,
    ) -> Result<(), End> {
        // The numbers go on from the last oracle's, so its late answers are told apart.
        if let Some(old) = self.oracle.take() {
            self.oracle_base += old.oracle.queries();
        }
        live.clear();
        let run = Run::new(AttackKind::PaddingOracle, &self.events, live.clone());
        let Some(scheme) = self.attack.scheme() else {
            run.failed("no WELCOME seen yet".to_owned(), 0).await;
            return Ok(());
        };
        match Chain::of(scheme, wire) {
            Err(reason) => {
                run.failed(reason, 0).await;
                Ok(())
            }
            Ok(chain) => {
                tracing::info!(peer = %self.peer, seq, "padding oracle started on a client message");
                let oracle = PaddingOracle::new(chain);
                live.target(wire.len(), oracle.links());
                run.started(oracle.target_len(), None).await;
                self.oracle = Some(OracleRun {
                    oracle,
                    started: std::time::Instant::now(),
                    live,
                    waiting: None,
                });
                self.pump_oracle().await
            }
        }
    }

    /// The server's verdict on message `seq`: `true` when it answered an oracle query (kept
    /// from the client), after which the oracle asks on.
    pub(super) async fn oracle_verdict(
        &mut self,
        seq: u64,
        verdict: &Verdict,
    ) -> Result<bool, End> {
        let Some(number) = seq.checked_sub(ORACLE_SEQ) else {
            return Ok(false);
        };
        // Below the base: an answer to an oracle this one replaced.
        if let (Some(id), Some(run)) = (number.checked_sub(self.oracle_base), &mut self.oracle) {
            run.live.heard(id, verdict);
            run.oracle.answer(id, verdict);
            self.pump_oracle().await?;
        }
        // A late answer to a finished oracle is the oracle's all the same.
        Ok(true)
    }

    /// Sends the questions the oracle has now (one per slot when slowed) and reports what it
    /// has read.
    pub(super) async fn pump_oracle(&mut self) -> Result<(), End> {
        loop {
            let Some(run) = &mut self.oracle else {
                return Ok(());
            };
            if let Some((_, at)) = &run.waiting {
                if *at > Instant::now() {
                    return Ok(());
                }
                if let Some((query, _)) = run.waiting.take() {
                    self.ask_upstream(query).await?;
                }
                continue;
            }
            match run.oracle.step() {
                Step::Ask(query) => {
                    let wait = run.live.wait_for_slot();
                    if wait.is_zero() {
                        self.ask_upstream(query).await?;
                    } else {
                        run.waiting = Some((query, Instant::now() + wait));
                        return Ok(());
                    }
                }
                Step::Read(found) => {
                    let report = Run::resumed(
                        AttackKind::PaddingOracle,
                        &self.events,
                        run.live.clone(),
                        run.started,
                    );
                    report.byte(found).await;
                }
                Step::Wait => return Ok(()),
                Step::End => {
                    self.oracle_base += run.oracle.queries();
                    let report = Run::resumed(
                        AttackKind::PaddingOracle,
                        &self.events,
                        run.live.clone(),
                        run.started,
                    );
                    report
                        .finish(run.oracle.end().cloned(), run.oracle.queries())
                        .await;
                    self.oracle = None;
                    return Ok(());
                }
            }
        }
    }

    async fn ask_upstream(&mut self, query: Query) -> Result<(), End> {
        if let Some(run) = &self.oracle {
            run.live.asked(&query);
        }
        let frame = Frame::Data {
            seq: ORACLE_SEQ + self.oracle_base + query.id,
            sealed: query.sealed.into(),
        };
        self.send_upstream(frame).await
    }
}

/// The padding oracle armed from the front end for the next client message on any connection,
/// with the view a screen watches it on; shared by every relayed connection.
pub(super) type ArmedOracle = std::sync::Arc<std::sync::Mutex<Option<LiveAttack>>>;

/// The armed oracle, taken or set in a few instructions (a poisoned lock still holds a view).
pub(super) fn lock(armed: &ArmedOracle) -> std::sync::MutexGuard<'_, Option<LiveAttack>> {
    armed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The event that answers [`MitmCommand::Oracle`].
pub(super) fn armed() -> Event {
    Event::Oracle(OracleEvent::Armed {
        attack: AttackKind::PaddingOracle,
    })
}
