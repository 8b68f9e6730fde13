//! One conversation after the handshake: either side seals and sends DATA, opens what arrives,
//! and answers every DATA with exactly one VERDICT. Servers and clients share this loop.

use std::collections::BTreeSet;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;

use super::config::{AutoReply, Clock, Limits, VerdictDetail};
use super::event::{ClientCommand, Event, Peer};
use super::exercise::Desk;
use crate::crypto::{Anatomy, Cipher, Nonce, OpenOptions, Verdict};
use crate::wire::{Frame, FrameError, LabCodec};

mod student;
use student::next_solve;
mod watch;

pub(crate) use watch::{Stall, Watch};

/// How often a session checks for a frame that is arriving too slowly.
const WATCHDOG: std::time::Duration = std::time::Duration::from_secs(1);

/// A lab connection whose handshake is done.
pub(crate) struct Session {
    pub(crate) framed: Framed<TcpStream, LabCodec>,
    pub(crate) peer: Peer,
    pub(crate) cipher: Cipher,
    pub(crate) ttl: Option<u64>,
    pub(crate) clock: Clock,
    pub(crate) events: mpsc::Sender<Event>,
    pub(crate) limits: Limits,
    pub(crate) auto_reply: Option<AutoReply>,
    /// What our VERDICT frames say about a rejection (a server's `--verdicts`).
    pub(crate) verdicts: VerdictDetail,
    pub(crate) stop: CancellationToken,
    pub(crate) seat: Seat,
}

/// Which end of a lab connection this session is, for the exercise frames each end may send:
/// TASK, RESULT and NOTICE come from servers, ANSWER from clients.
pub(crate) enum Seat {
    /// A client.
    Client,
    /// A server, with the student's desk when it hosts an exercise.
    Server(Option<Desk>),
}

/// The reason a server gives in its BYE when it shuts down: a client may come back.
pub(crate) const SHUTTING_DOWN: &str = "server shutting down";

/// Why a conversation ended, and whether we should still say something to the peer.
enum Ending {
    /// We chose to close: say BYE with this reason.
    Bye(String),
    /// The peer broke the protocol: say ERROR with this reason. The flag says the stream
    /// itself broke (a socket error, or a close mid-frame), as when the peer vanishes.
    Fault(String, bool),
    /// The peer closed on purpose (a BYE for its own reasons): nothing more can be said.
    Gone(String),
    /// The peer went away: it shut down, vanished, reported an error, or the socket failed.
    Lost(String),
}

/// How a conversation ended, for a client deciding whether to come back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Parted {
    /// This side closed it, or the peer did on purpose, or broke the protocol: coming back
    /// would end the same way.
    Ended,
    /// The peer went away (it shut down, crashed or the network failed), with this reason:
    /// it may well be back.
    Lost(String),
}

/// Sends an event, ignoring a front end that has gone away.
pub(crate) async fn emit(events: &mpsc::Sender<Event>, event: Event) {
    let _ = events.send(event).await;
}

/// Writes one frame, bounded by the write timeout.
pub(crate) async fn write_frame(
    framed: &mut Framed<TcpStream, LabCodec>,
    frame: Frame,
    limits: &Limits,
) -> Result<(), String> {
    match timeout(limits.write_timeout, framed.send(frame)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("write failed: {e}")),
        Err(_) => Err(format!(
            "the peer stopped reading: a frame could not be written within {} s",
            limits.write_timeout.as_secs()
        )),
    }
}

impl Session {
    /// Reports an event. Once shutdown has begun, a front end that has stopped reading cannot
    /// hold the session up: the event is dropped instead (an event that can be sent still is).
    async fn report(&self, event: Event) {
        tokio::select! {
            biased;
            _ = self.events.send(event) => {}
            () = self.stop.cancelled() => {}
        }
    }

    /// Runs until either side closes, a command says so, or `shutdown` fires; then reports
    /// `disconnected` and says how it ended.
    pub(crate) async fn converse(self, commands: &mut mpsc::Receiver<ClientCommand>) -> Parted {
        self.converse_after(Vec::new(), commands).await
    }

    /// [`Session::converse`], sending `backlog` first (what a reconnecting client was asked
    /// to send while it had no connection).
    pub(crate) async fn converse_after(
        mut self,
        backlog: Vec<Bytes>,
        commands: &mut mpsc::Receiver<ClientCommand>,
    ) -> Parted {
        let shutdown = self.stop.clone();
        let mut next_seq: u64 = 1;
        let mut awaiting: BTreeSet<u64> = BTreeSet::new();
        // A backlog that cannot be written means the connection is gone already.
        let mut broken = None;
        for plaintext in backlog {
            if broken.is_some() {
                self.unsent("the connection broke before it was sent".to_owned())
                    .await;
            } else if let Err(reason) = self.send(plaintext, &mut next_seq, &mut awaiting).await {
                broken = Some(reason);
            }
        }
        // A frame that has started to arrive must finish within `frame_timeout`, and a quiet
        // connection closes after `idle_timeout`: either would otherwise hold its slot forever.
        let mut watchdog = tokio::time::interval(WATCHDOG);
        watchdog.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut watch = Watch::new();
        let mut solves = self.class_solves();
        let ending = loop {
            if let Some(reason) = broken.take() {
                break Ending::Lost(reason);
            }
            let may_send = awaiting.len() < self.limits.max_in_flight;
            tokio::select! {
                _ = watchdog.tick() => {
                    let partial = !self.framed.read_buffer().is_empty();
                    match watch.check(partial, &self.limits) {
                        Some(Stall::SlowFrame(reason)) => break Ending::Fault(reason, false),
                        Some(Stall::Idle(reason)) => break Ending::Bye(reason),
                        None => {}
                    }
                }
                solve = next_solve(&mut solves) => {
                    if let Err(reason) = self.solved_elsewhere(solve).await {
                        break Ending::Lost(reason);
                    }
                }
                frame = self.framed.next() => match frame {
                    Some(Ok(frame)) => {
                        watch.activity();
                        if let Err(ending) = self.on_frame(frame, &mut next_seq, &mut awaiting).await {
                            break ending;
                        }
                    }
                    Some(Err(e)) => {
                        let broken = matches!(e, FrameError::Io(_) | FrameError::Truncated { .. });
                        break Ending::Fault(e.to_string(), broken);
                    }
                    None => break Ending::Lost("connection closed by peer".to_owned()),
                },
                command = commands.recv(), if may_send => match command {
                    Some(ClientCommand::Send(plaintext)) => {
                        watch.activity();
                        if let Err(reason) = self.send(plaintext, &mut next_seq, &mut awaiting).await {
                            break Ending::Lost(reason);
                        }
                    }
                    Some(ClientCommand::SendWire(sealed)) => {
                        watch.activity();
                        if let Err(reason) = self.send_wire(sealed, &mut next_seq, &mut awaiting).await {
                            break Ending::Lost(reason);
                        }
                    }
                    Some(ClientCommand::Answer(text)) => {
                        watch.activity();
                        if let Err(reason) = self.send_answer(text).await {
                            break Ending::Lost(reason);
                        }
                    }
                    Some(ClientCommand::Notice(text)) => {
                        watch.activity();
                        if let Err(reason) = write_frame(&mut self.framed, Frame::Notice { text }, &self.limits).await {
                            break Ending::Lost(reason);
                        }
                    }
                    Some(ClientCommand::Disconnect) | None => break Ending::Bye("goodbye".to_owned()),
                },
                () = shutdown.cancelled() => break Ending::Bye(SHUTTING_DOWN.to_owned()),
            }
        };
        let parted = match &ending {
            Ending::Bye(_) | Ending::Gone(_) | Ending::Fault(_, false) => Parted::Ended,
            Ending::Lost(reason) | Ending::Fault(reason, true) => Parted::Lost(reason.clone()),
        };
        let reason = match ending {
            Ending::Bye(reason) => {
                let _ = write_frame(
                    &mut self.framed,
                    Frame::Bye {
                        reason: Some(reason.clone()),
                    },
                    &self.limits,
                )
                .await;
                reason
            }
            Ending::Fault(reason, _) => {
                tracing::warn!(peer = %self.peer, %reason, "protocol error; closing");
                self.report(Event::Error {
                    peer: Some(self.peer),
                    message: reason.clone(),
                })
                .await;
                let _ = write_frame(
                    &mut self.framed,
                    Frame::Error {
                        reason: reason.clone(),
                    },
                    &self.limits,
                )
                .await;
                reason
            }
            Ending::Gone(reason) | Ending::Lost(reason) => reason,
        };
        tracing::info!(peer = %self.peer, %reason, unanswered = awaiting.len(), "disconnected");
        self.report(Event::Disconnected {
            peer: self.peer,
            reason,
            unanswered: awaiting.len(),
        })
        .await;
        parted
    }

    /// Handles one frame from the peer; `Err` ends the conversation.
    async fn on_frame(
        &mut self,
        frame: Frame,
        next_seq: &mut u64,
        awaiting: &mut BTreeSet<u64>,
    ) -> Result<(), Ending> {
        match frame {
            Frame::Data { seq, sealed: wire } => {
                let options = OpenOptions {
                    now: (self.clock)(),
                    ttl: self.ttl,
                };
                let opened = self.cipher.open_with(&wire, &options);
                tracing::info!(peer = %self.peer, seq = %super::seq_label(seq), bytes = wire.len(), verdict = %opened.verdict, "verification result");
                // The sender hears the reason only if this side gives reasons; the Received
                // event below keeps the real one for our own screen and log.
                let verdict = self.verdicts.report(&opened.verdict);
                let outcome = match &self.seat {
                    Seat::Server(Some(desk)) => desk.class.on_message(
                        &desk.name,
                        self.peer.addr,
                        opened
                            .plaintext
                            .as_deref()
                            .filter(|_| verdict.is_accepted()),
                    ),
                    _ => None,
                };
                // Only the solve is told, and before the verdict, so that a client that stops
                // at its last verdict has heard it: every other message has its verdict.
                if let Some(outcome) = outcome.as_ref().filter(|o| o.correct) {
                    let result = Frame::Result {
                        correct: true,
                        reason: outcome.reason.clone(),
                    };
                    write_frame(&mut self.framed, result, &self.limits)
                        .await
                        .map_err(Ending::Lost)?;
                }
                write_frame(
                    &mut self.framed,
                    Frame::Verdict { seq, verdict },
                    &self.limits,
                )
                .await
                .map_err(Ending::Lost)?;
                let reply = match (&self.auto_reply, &opened.plaintext) {
                    (Some(reply), Some(plaintext)) => Some(Bytes::from(reply.to(plaintext))),
                    // An echo that appends a secret echoes what it cannot open as the bytes it
                    // got: a service anyone may feed, key or not (byte-at-a-time needs no key).
                    (Some(reply @ AutoReply::Append(_)), None) => {
                        Some(Bytes::from(reply.to(&wire)))
                    }
                    _ => None,
                };
                self.report(Event::Received {
                    peer: self.peer,
                    seq,
                    sealed: wire,
                    opened,
                })
                .await;
                if let Some(outcome) = outcome {
                    self.progress(outcome.progress).await;
                }
                if let Some(reply) = reply {
                    if awaiting.len() < self.limits.max_in_flight {
                        self.send(reply, next_seq, awaiting)
                            .await
                            .map_err(Ending::Lost)?;
                    } else {
                        let reason = format!(
                            "automatic reply skipped: {} messages await a verdict",
                            awaiting.len()
                        );
                        self.report(Event::Unsent {
                            peer: self.peer,
                            reason,
                        })
                        .await;
                    }
                }
                Ok(())
            }
            Frame::Verdict { seq, verdict } => {
                if !awaiting.remove(&seq) {
                    return Err(Ending::Fault(
                        format!("VERDICT for message {seq}, which is not awaiting one"),
                        false,
                    ));
                }
                self.log_peer_verdict(seq, &verdict);
                self.report(Event::Verdict {
                    peer: self.peer,
                    seq,
                    verdict,
                })
                .await;
                Ok(())
            }
            // A server shutting down (to restart, say) may be back: a client comes back.
            Frame::Bye {
                reason: Some(reason),
            } if reason == SHUTTING_DOWN => Err(Ending::Lost(format!("peer said BYE: {reason}"))),
            Frame::Bye { reason } => Err(Ending::Gone(match reason {
                Some(reason) => format!("peer said BYE: {reason}"),
                None => "peer said BYE".to_owned(),
            })),
            Frame::Error { reason } => {
                let message = format!("peer reported an error: {reason}");
                self.report(Event::Error {
                    peer: Some(self.peer),
                    message: message.clone(),
                })
                .await;
                Err(Ending::Lost(message))
            }
            Frame::Hello(_) | Frame::Welcome(_) => Err(Ending::Fault(
                format!("unexpected {} after the handshake", frame.kind_name()),
                false,
            )),
            Frame::Answer { text } => self.on_answer(text).await,
            Frame::Task(task) if matches!(self.seat, Seat::Client) => {
                self.report(Event::Task {
                    peer: self.peer,
                    task,
                })
                .await;
                Ok(())
            }
            Frame::Result { correct, reason } if matches!(self.seat, Seat::Client) => {
                self.report(Event::Result {
                    peer: self.peer,
                    correct,
                    reason,
                })
                .await;
                Ok(())
            }
            Frame::Notice { text } if matches!(self.seat, Seat::Client) => {
                self.report(Event::Notice {
                    peer: self.peer,
                    text,
                })
                .await;
                Ok(())
            }
            Frame::Task(_) | Frame::Result { .. } | Frame::Notice { .. } => Err(Ending::Fault(
                format!(
                    "a client may not send {}: only the server gives tasks, results and notices",
                    frame.kind_name()
                ),
                false,
            )),
            // A newer peer's kind: said, and the conversation goes on.
            Frame::Unknown { kind } => {
                let message = format!(
                    "{} (sent by a newer peer?): ignored",
                    FrameError::UnknownKind(kind)
                );
                tracing::warn!(peer = %self.peer, %message, "unknown frame");
                self.report(Event::Error {
                    peer: Some(self.peer),
                    message,
                })
                .await;
                Ok(())
            }
        }
    }

    async fn unsent(&self, reason: String) {
        self.report(Event::Unsent {
            peer: self.peer,
            reason,
        })
        .await;
    }

    fn log_peer_verdict(&self, seq: u64, verdict: &Verdict) {
        tracing::info!(peer = %self.peer, seq, verdict = %verdict, "peer verdict");
    }

    /// Seals and sends one message. A message too large for a frame is reported, not sent.
    async fn send(
        &mut self,
        plaintext: Bytes,
        next_seq: &mut u64,
        awaiting: &mut BTreeSet<u64>,
    ) -> Result<(), String> {
        let sealed = Nonce::fresh_at((self.clock)())
            .and_then(|nonce| self.cipher.seal_with(&plaintext, &nonce));
        let wire = match sealed {
            Ok(wire) => wire,
            Err(e) => {
                self.report(Event::Unsent {
                    peer: self.peer,
                    reason: format!("could not seal: {e}"),
                })
                .await;
                return Ok(());
            }
        };
        if 1 + 8 + wire.len() > self.limits.max_frame {
            let reason = format!(
                "sealed it is {} bytes, over the {}-byte frame limit (--max-frame)",
                wire.len(),
                self.limits.max_frame
            );
            self.report(Event::Unsent {
                peer: self.peer,
                reason,
            })
            .await;
            return Ok(());
        }
        let seq = *next_seq;
        *next_seq += 1;
        let wire = Bytes::from(wire);
        if tracing::enabled!(tracing::Level::INFO)
            && let Some(tag) = Anatomy::dissect(self.cipher.scheme(), &wire).tag()
        {
            tracing::info!(peer = %self.peer, seq, tag = %hex::encode(tag), "tag made");
        }
        let data = Frame::Data {
            seq,
            sealed: wire.clone(),
        };
        if let Err(reason) = write_frame(&mut self.framed, data, &self.limits).await {
            // Said, so that nobody waits for its verdict: the connection is gone.
            self.unsent(format!("the connection broke while it was sent ({reason})"))
                .await;
            return Err(reason);
        }
        awaiting.insert(seq);
        tracing::info!(peer = %self.peer, seq, bytes = wire.len(), "message sent");
        self.report(Event::Sent {
            peer: self.peer,
            seq,
            plaintext,
            sealed: wire,
        })
        .await;
        Ok(())
    }
}
