//! What a session does for the classroom: a student's ANSWER checked against their own
//! secret, their progress reported, and wire bytes they made sent as they are.

use std::collections::BTreeSet;

use bytes::Bytes;

use super::{Ending, Event, Frame, Seat, Session, write_frame};
use crate::net::exercise::Solve;

/// The next solve of the class, for a server session hosting an exercise; never, otherwise
/// (or once the class is gone). A connection that fell behind skips to the news it has.
pub(super) async fn next_solve(
    solves: &mut Option<tokio::sync::broadcast::Receiver<Solve>>,
) -> Solve {
    use tokio::sync::broadcast::error::RecvError;
    if let Some(rx) = solves {
        loop {
            match rx.recv().await {
                Ok(solve) => return solve,
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
        }
    }
    std::future::pending().await
}

impl Session {
    /// An ANSWER: checked against the student's own secret when an exercise is running.
    pub(super) async fn on_answer(&mut self, text: String) -> Result<(), Ending> {
        let desk = match &self.seat {
            Seat::Client => {
                return Err(Ending::Fault(
                    "a server may not send ANSWER: only students answer".to_owned(),
                    false,
                ));
            }
            Seat::Server(desk) => desk.clone(),
        };
        let (correct, reason, progress) = match desk {
            Some(desk) => {
                let outcome = desk.class.on_answer(&desk.name, self.peer.addr, &text);
                (outcome.correct, outcome.reason, Some(outcome.progress))
            }
            None => {
                let reason =
                    "ANSWER with no exercise running: this server was started without --exercise"
                        .to_owned();
                self.report(Event::Error {
                    peer: Some(self.peer),
                    message: reason.clone(),
                })
                .await;
                (false, reason, None)
            }
        };
        write_frame(
            &mut self.framed,
            Frame::Result { correct, reason },
            &self.limits,
        )
        .await
        .map_err(Ending::Lost)?;
        if let Some(progress) = progress {
            self.progress(progress).await;
        }
        Ok(())
    }

    /// The class's solves, for a server session hosting an exercise: a student's solve on
    /// another of their connections is told on this one too.
    pub(super) fn class_solves(&self) -> Option<tokio::sync::broadcast::Receiver<Solve>> {
        match &self.seat {
            Seat::Server(Some(desk)) => Some(desk.class.solves()),
            _ => None,
        }
    }

    /// A first solve somewhere in the class: when it is this student's, on another of their
    /// connections, this one hears the RESULT too, so that their screen says solved.
    pub(super) async fn solved_elsewhere(&mut self, solve: Solve) -> Result<(), String> {
        let Seat::Server(Some(desk)) = &self.seat else {
            return Ok(());
        };
        if solve.name != desk.name || solve.by == self.peer.addr {
            return Ok(());
        }
        let result = Frame::Result {
            correct: true,
            reason: format!("{} (on another connection of yours)", solve.reason),
        };
        write_frame(&mut self.framed, result, &self.limits).await
    }

    pub(super) async fn progress(&self, progress: crate::net::exercise::Progress) {
        if let Seat::Server(Some(desk)) = &self.seat {
            self.report(Event::Progress {
                peer: self.peer,
                name: desk.name.clone(),
                exercise: desk.class.exercise().name.clone(),
                progress,
            })
            .await;
        }
    }

    /// Sends an ANSWER, unless it is over the size the server takes: that one is reported
    /// unsent, and the connection stays.
    pub(super) async fn send_answer(&mut self, text: String) -> Result<(), String> {
        if !crate::net::exercise::answer_fits(&text) {
            let reason = format!(
                "an answer of {} bytes is over the {}-byte ANSWER limit: an answer is a secret or a word",
                text.len(),
                crate::wire::frame::MAX_ANSWER_FRAME
            );
            self.unsent(reason).await;
            return Ok(());
        }
        write_frame(&mut self.framed, Frame::Answer { text }, &self.limits).await
    }

    /// Sends bytes as they are in a DATA frame (`--send-wire`): the student sealed them.
    pub(super) async fn send_wire(
        &mut self,
        sealed: Bytes,
        next_seq: &mut u64,
        awaiting: &mut BTreeSet<u64>,
    ) -> Result<(), String> {
        if 1 + 8 + sealed.len() > self.limits.max_frame {
            let reason = format!(
                "{} bytes of wire are over the {}-byte frame limit (--max-frame)",
                sealed.len(),
                self.limits.max_frame
            );
            self.unsent(reason).await;
            return Ok(());
        }
        let seq = *next_seq;
        *next_seq += 1;
        let data = Frame::Data {
            seq,
            sealed: sealed.clone(),
        };
        if let Err(reason) = write_frame(&mut self.framed, data, &self.limits).await {
            self.unsent(format!("the connection broke while it was sent ({reason})"))
                .await;
            return Err(reason);
        }
        awaiting.insert(seq);
        tracing::info!(peer = %self.peer, seq, bytes = sealed.len(), "wire bytes sent");
        self.report(Event::SentWire {
            peer: self.peer,
            seq,
            sealed,
        })
        .await;
        Ok(())
    }
}
