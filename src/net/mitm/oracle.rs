//! The padding oracle from the man in the middle (DESIGN §9): on a client message it captured,
//! the relay asks the server its questions through the victim's own connection, so the server
//! opens them under the victim's key, even one agreed with X25519 that the relay never learns.
//! The queries are numbered from [`ORACLE_SEQ`], inside the injected range, and the server's
//! verdicts on them are kept from the client, whose own messages go on flowing and being
//! answered meanwhile. They are reported by their `oracle-*` events, not one by one.

use super::*;
use crate::crypto::Verdict;
use crate::net::attack::ORACLE_SEQ;
use crate::net::event::{AttackKind, OracleEvent};
use crate::net::oracle::Run;
use crate::net::oracle::padding::{Chain, PaddingOracle, Step};

/// A padding oracle under way on one connection.
pub(super) struct OracleRun {
    oracle: PaddingOracle,
    started: std::time::Instant,
}

impl Relay {
    /// Whether client message `number` is the oracle's: `--oracle N`, or armed for the next.
    pub(super) fn oracle_due(&self, number: u64) -> bool {
        self.oracle.is_none()
            && (self.oracle_at == Some(number)
                || self
                    .oracle_armed
                    .swap(false, std::sync::atomic::Ordering::SeqCst))
    }

    /// Starts the padding oracle on client message `seq`, as the client sealed it.
    pub(super) async fn start_oracle(&mut self, seq: u64, wire: &[u8]) -> Result<(), End> {
        let run = Run::new(AttackKind::PaddingOracle, &self.events);
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
                run.started(oracle.target_len(), None).await;
                self.oracle = Some(OracleRun {
                    oracle,
                    started: std::time::Instant::now(),
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
        let Some(id) = seq.checked_sub(ORACLE_SEQ) else {
            return Ok(false);
        };
        if let Some(run) = &mut self.oracle {
            run.oracle.answer(id, verdict);
            self.pump_oracle().await?;
        }
        // A late answer to a finished oracle is the oracle's all the same.
        Ok(true)
    }

    /// Sends the questions the oracle has now and reports what it has read.
    async fn pump_oracle(&mut self) -> Result<(), End> {
        loop {
            let Some(run) = &mut self.oracle else {
                return Ok(());
            };
            match run.oracle.step() {
                Step::Ask(query) => {
                    let frame = Frame::Data {
                        seq: ORACLE_SEQ + query.id,
                        sealed: query.sealed.into(),
                    };
                    self.send_upstream(frame).await?;
                }
                Step::Read(found) => {
                    let report = Run::resumed(AttackKind::PaddingOracle, &self.events, run.started);
                    report.byte(found).await;
                }
                Step::Wait => return Ok(()),
                Step::End => {
                    let report = Run::resumed(AttackKind::PaddingOracle, &self.events, run.started);
                    report
                        .finish(run.oracle.end().cloned(), run.oracle.queries())
                        .await;
                    self.oracle = None;
                    return Ok(());
                }
            }
        }
    }
}

/// The event that answers [`MitmCommand::Oracle`].
pub(super) fn armed() -> Event {
    Event::Oracle(OracleEvent::Armed {
        attack: AttackKind::PaddingOracle,
    })
}
