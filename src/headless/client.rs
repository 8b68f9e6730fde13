//! The headless client: sends its messages (`--message` or stdin lines), wire bytes and
//! answers, prints every event, comes back after losing its server, and exits 0 only when the
//! server accepted everything.

use std::process::ExitCode;

use tokio::sync::mpsc;

use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE, Output, Printer, input};
use crate::net::{self, ClientCommand, ClientConfig, Event, NetError, Role};
use crate::wire::seed::Protocol;

/// Tallies one conversation for the exit status: did every message get an accepting verdict?
#[derive(Default)]
struct Tally {
    queued: usize,
    sent: usize,
    unsent: usize,
    verdicts: usize,
    accepted: usize,
    /// False where the protocol never answers (seed 000): sending is all there is.
    verdicts_expected: bool,
}

impl Tally {
    fn settled(&self) -> bool {
        let done = if self.verdicts_expected {
            self.verdicts
        } else {
            self.sent
        };
        done + self.unsent == self.queued
    }

    fn all_accepted(&self) -> bool {
        let good = if self.verdicts_expected {
            self.accepted
        } else {
            self.sent
        };
        self.settled() && self.unsent == 0 && good == self.queued
    }
}

/// `cipherlab client --headless`: sends each `--message` (or each stdin line), waits for
/// every verdict, and exits 0 only if the server accepted them all.
pub async fn client(config: ClientConfig, messages: Vec<String>, out: Output) -> ExitCode {
    converse(
        config,
        messages,
        Student::default(),
        &Printer::new(&out, Role::Client),
    )
    .await
}

/// What a student's headless client sends besides messages: wire bytes as they are
/// (`--send-wire`) and answers (`--answer`), after the messages, on the first connection.
#[derive(Clone, Debug, Default)]
pub struct Student {
    /// Raw DATA payloads.
    pub wires: Vec<bytes::Bytes>,
    /// ANSWER texts.
    pub answers: Vec<String>,
}

/// `cipherlab client --headless` with `--send-wire` or `--answer`: as [`client`], and each
/// answer waits for its `result` (exit 0 only if every one is `correct` and every message and
/// wire was accepted).
pub async fn student(
    config: ClientConfig,
    messages: Vec<String>,
    student: Student,
    out: Output,
) -> ExitCode {
    converse(config, messages, student, &Printer::new(&out, Role::Client)).await
}

/// Runs a client conversation, printing with `printer`; returns the exit status.
///
/// On the lab wire the client comes back after losing its server (`reconnecting` events);
/// meanwhile no input is read, and messages that were sent but got no verdict before the
/// connection broke are sent again on the next one, so that every message still gets its
/// verdict (the server may then have seen one twice).
pub(super) async fn converse(
    config: ClientConfig,
    messages: Vec<String>,
    student: Student,
    printer: &Printer,
) -> ExitCode {
    let (command_tx, command_rx) = mpsc::channel(config.limits.queue_depth);
    let (event_tx, mut events) = mpsc::channel(net::EVENT_QUEUE);
    let max_line = config.limits.max_frame;
    let seed = config.protocol == Protocol::Seed;
    // Seed 000 has no reply at all: a message sent is as settled as it gets.
    let verdicts = !(seed && config.scheme == Some(crate::crypto::Scheme::Ecb));
    let net_task = tokio::spawn(net::run_client(config, command_rx, event_tx));

    let mut lines: Option<mpsc::Receiver<input::Line>> = None;
    let mut pending_messages = Some(messages);
    if seed {
        // Seed clients connect per message (000, 003, 004): there is no handshake to wait for.
        lines = pending_messages
            .take()
            .map(|messages| input::feed(messages, max_line));
    }
    let mut tally = Tally {
        verdicts_expected: verdicts,
        ..Tally::default()
    };
    let mut input_done = false;
    let mut said_bye = false;
    // Seed clients are always ready; a lab client between connections reads no input.
    let mut connected = seed;
    let mut unanswered = Unanswered::default();
    let mut student = Some(student);
    // Answers sent and still waiting for their RESULT.
    let mut answers_out: usize = 0;
    loop {
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { break };
                if !printer.print(&event) {
                    break;
                }
                match &event {
                    Event::Connected { .. } => {
                        connected = true;
                        if let Some(messages) = pending_messages.take() {
                            lines = Some(input::feed(messages, max_line));
                        }
                        for message in unanswered.take_lost() {
                            let _ = command_tx.send(ClientCommand::Send(message)).await;
                        }
                        // Wire bytes and answers go once, on the first connection.
                        if let Some(student) = student.take() {
                            for wire in student.wires {
                                tally.queued += 1;
                                let _ = command_tx.send(ClientCommand::SendWire(wire)).await;
                            }
                            for answer in student.answers {
                                tally.queued += 1;
                                answers_out += 1;
                                let _ = command_tx.send(ClientCommand::Answer(answer)).await;
                            }
                        }
                    }
                    Event::SentWire { .. } => tally.sent += 1,
                    // A RESULT that answers an ANSWER settles it; one telling a solve by a
                    // message (before that message's verdict) does not.
                    Event::Result { correct, .. } if answers_out > 0 => {
                        answers_out -= 1;
                        tally.verdicts += 1;
                        tally.accepted += usize::from(*correct);
                    }
                    Event::Sent { seq, plaintext, .. } => {
                        tally.sent += 1;
                        unanswered.sent(*seq, plaintext);
                    }
                    Event::Unsent { .. } => tally.unsent += 1,
                    Event::Verdict { seq, verdict, .. } => {
                        unanswered.answered(*seq);
                        tally.verdicts += 1;
                        tally.accepted += usize::from(verdict.is_accepted());
                    }
                    // A lab conversation may come back (a `reconnecting` event follows), or
                    // end, when the client task stops; seed clients reconnect per message.
                    Event::Disconnected { .. } if !seed => {
                        connected = false;
                        unanswered.lost();
                    }
                    _ => {}
                }
            }
            line = recv_line(&mut lines), if !input_done && connected => match line {
                Some(Ok(message)) => {
                    tally.queued += 1;
                    if command_tx.send(ClientCommand::Send(message)).await.is_err() {
                        input_done = true;
                    }
                }
                Some(Err(message)) => {
                    printer.print(&Event::Error { peer: None, message });
                    tally.unsent += 1;
                    tally.queued += 1;
                }
                None => input_done = true,
            },
        }
        if input_done && tally.settled() && !said_bye {
            said_bye = true;
            let _ = command_tx.send(ClientCommand::Disconnect).await;
        }
    }
    // (Only once input began: a client that never connected has said why already.)
    if !seed && !input_done && !said_bye && pending_messages.is_none() {
        // The conversation ended with input still to send: that is a failure, whoever
        // closed, not a polite goodbye.
        let message = "the connection ended before every message was sent".to_owned();
        printer.print(&Event::Error {
            peer: None,
            message,
        });
        tally.unsent += 1;
    }
    drop(command_tx);
    match net_task.await {
        Ok(Err(NetError::MissingKey { .. } | NetError::Key { .. })) => ExitCode::from(EXIT_USAGE),
        Ok(Ok(())) if tally.all_accepted() => ExitCode::from(EXIT_OK),
        _ => ExitCode::from(EXIT_FAILED),
    }
}

/// A lab client's messages sent on the current connection and still awaiting their verdict,
/// and those a broken connection left without one, to send again on the next. Bounded by
/// the connection's in-flight limit.
#[derive(Default)]
struct Unanswered {
    awaiting: std::collections::BTreeMap<u64, bytes::Bytes>,
    lost: Vec<bytes::Bytes>,
}

impl Unanswered {
    fn sent(&mut self, seq: u64, plaintext: &bytes::Bytes) {
        self.awaiting.insert(seq, plaintext.clone());
    }

    fn answered(&mut self, seq: u64) {
        self.awaiting.remove(&seq);
    }

    /// The connection broke: what awaited a verdict is to be sent again.
    fn lost(&mut self) {
        let awaiting = std::mem::take(&mut self.awaiting);
        self.lost.extend(awaiting.into_values());
    }

    fn take_lost(&mut self) -> Vec<bytes::Bytes> {
        std::mem::take(&mut self.lost)
    }
}

/// The next input line, or never when there is no input yet.
async fn recv_line(lines: &mut Option<mpsc::Receiver<input::Line>>) -> Option<input::Line> {
    match lines {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
