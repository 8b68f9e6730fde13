//! The headless front end: every network event as one JSON object per line on stdout, for
//! scripts, tests and benchmarks. It consumes the same event stream as the screen.

mod attack;
mod input;

pub use attack::attack;

use std::io::Write;
use std::process::ExitCode;

use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::json::event_json;
use crate::net::{
    self, ClientCommand, ClientConfig, Event, MitmConfig, NetError, Role, ServerConfig,
};
use crate::record::{self, Recording, Tape};
use crate::wire::seed::Protocol;

/// Exit status: every message opened and accepted.
pub const EXIT_OK: u8 = 0;
/// Exit status: a message was rejected, lost, or the connection failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit status: the command line or a key was unusable.
pub const EXIT_USAGE: u8 = 2;

/// Where headless events go: stdout, and a recording too when `--record` was given.
#[derive(Clone, Default)]
pub struct Output {
    /// Print keys (`--log-secrets`); they are redacted otherwise.
    pub show_keys: bool,
    /// The recording, if any.
    pub tape: Option<Tape>,
}

/// Writes JSON lines to stdout, flushing each so that a reader sees events as they happen.
pub struct Printer {
    show_keys: bool,
    /// Every line says which role printed it (the demo's two streams), as recordings do.
    names_role: bool,
    role: Option<Role>,
    tape: Option<Tape>,
}

impl Printer {
    /// A printer for the events of `role`.
    pub fn new(out: &Output, role: Role) -> Printer {
        Printer {
            show_keys: out.show_keys,
            names_role: false,
            role: Some(role),
            tape: out.tape.clone(),
        }
    }

    /// A printer that names `role` on every line with the `"role"` field recordings use (the
    /// demo prints two roles' events on one stdout).
    pub fn naming_role(out: &Output, role: Role) -> Printer {
        Printer {
            names_role: true,
            ..Printer::new(out, role)
        }
    }

    /// Prints one event. Returns `false` when stdout is gone (a closed pipe).
    pub fn print(&self, event: &Event) -> bool {
        match &self.tape {
            // Recorded and printed under one lock, so that the file and stdout agree on the
            // order when several roles print at once.
            Some(tape) => tape.record_then(self.role, event, || self.write(event, None)),
            None => self.write(event, None),
        }
    }

    /// Prints a failure that stopped a headless mode before it ran (a port already in use) as
    /// the contract's `error` event, so that a script reading stdout learns why, as stderr says.
    pub fn failure(&self, failure: &impl std::fmt::Display) -> bool {
        self.print(&Event::Error {
            peer: None,
            message: failure.to_string(),
        })
    }

    /// Prints one replayed event with its `"role"`.
    pub fn print_replayed(&self, role: Role, event: &Event) -> bool {
        self.write(event, Some(role))
    }

    fn write(&self, event: &Event, role: Option<Role>) -> bool {
        if self.show_keys
            && let Event::Key { key, source, .. } = event
        {
            // Only with --log-secrets: the key goes to the log as well as to stdout.
            tracing::info!(scheme = %key.scheme(), source = source.as_str(), key = %&*key.to_text(), "key in use");
        }
        let mut json = event_json(event, self.show_keys);
        let role = role.or(self.role.filter(|_| self.names_role));
        if let Some(role) = role {
            json["role"] = record::role_name(role).into();
        }
        print_line(&json)
    }
}

/// Prints one JSON line. Returns `false` when stdout is gone (a closed pipe).
fn print_line(json: &serde_json::Value) -> bool {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{json}").and_then(|()| out.flush()).is_ok()
}

/// Waits for Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// How long a stopped task's remaining events may take to print.
const PRINT_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// Prints events on a thread of its own: stdout is a blocking pipe, and a reader that stops
/// reading must stall only the printing (and, through the bounded queue, the network), never
/// the shutdown.
fn print_all(mut events: mpsc::Receiver<Event>, printer: Printer) -> tokio::task::JoinHandle<()> {
    tokio::task::spawn_blocking(move || {
        while let Some(event) = events.blocking_recv() {
            if !printer.print(&event) {
                break;
            }
        }
    })
}

/// Waits for a long-running task to stop, then gives its last events a moment to print.
async fn run_until_stopped(
    task: tokio::task::JoinHandle<()>,
    printing: tokio::task::JoinHandle<()>,
) -> ExitCode {
    let _ = task.await;
    let _ = tokio::time::timeout(PRINT_GRACE, printing).await;
    ExitCode::from(EXIT_OK)
}

/// `cipherlab server --headless`: serves until Ctrl-C or SIGTERM, printing every event.
pub async fn server(listener: TcpListener, config: ServerConfig, out: Output) -> ExitCode {
    let (_commands, command_rx) = mpsc::channel(config.limits.queue_depth);
    let (event_tx, events) = mpsc::channel(net::EVENT_QUEUE);
    let server = tokio::spawn(net::run_server(
        listener,
        config,
        command_rx,
        event_tx,
        shutdown_signal(),
    ));
    run_until_stopped(server, print_all(events, Printer::new(&out, Role::Server))).await
}

/// `cipherlab mitm --headless`: forwards until Ctrl-C or SIGTERM, printing every event.
pub async fn mitm(listener: TcpListener, config: MitmConfig, out: Output) -> ExitCode {
    let (_commands, command_rx) = mpsc::channel(config.limits.queue_depth);
    let (event_tx, events) = mpsc::channel(net::EVENT_QUEUE);
    let task = tokio::spawn(net::run_mitm(
        listener,
        config,
        command_rx,
        event_tx,
        shutdown_signal(),
    ));
    run_until_stopped(task, print_all(events, Printer::new(&out, Role::Mitm))).await
}

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
async fn converse(
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

/// The conversation `cipherlab demo --headless` plays when given no messages: plain text, two
/// equal blocks for ECB to give away, and a short order worth tampering with.
pub const DEMO_SCRIPT: [&str; 3] = [
    "hello, lab",
    "YELLOW SUBMARINEYELLOW SUBMARINE",
    "pay bob 10 coins",
];

/// `cipherlab demo --headless`: a server and a client on loopback in one process, both event
/// streams printed with the `"role"` field of recordings.
pub async fn demo(
    server_config: ServerConfig,
    mut client_config: ClientConfig,
    messages: Vec<String>,
    out: Output,
) -> ExitCode {
    let listener = match TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener,
        Err(e) => {
            let failure = format!("cannot listen on 127.0.0.1: {e}");
            Printer::naming_role(&out, Role::Server).failure(&failure);
            eprintln!("cipherlab: {failure}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let Ok(addr) = listener.local_addr() else {
        return ExitCode::from(EXIT_FAILED);
    };
    client_config.connect = addr.to_string();
    let (command_tx, command_rx) = mpsc::channel(server_config.limits.queue_depth);
    let (event_tx, mut events) = mpsc::channel(net::EVENT_QUEUE);
    let server = tokio::spawn(net::run_server(
        listener,
        server_config,
        command_rx,
        event_tx,
        std::future::pending(),
    ));
    let printer = Printer::naming_role(&out, Role::Server);
    let server_printer = tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            printer.print(&event);
        }
    });
    let messages = if messages.is_empty() {
        DEMO_SCRIPT.map(str::to_owned).to_vec()
    } else {
        messages
    };
    let status = converse(
        client_config,
        messages,
        Student::default(),
        &Printer::naming_role(&out, Role::Client),
    )
    .await;
    let _ = command_tx.send(net::ServerCommand::Shutdown).await;
    let _ = server.await;
    let _ = server_printer.await;
    status
}

/// The next input line, or never when there is no input yet.
async fn recv_line(lines: &mut Option<mpsc::Receiver<input::Line>>) -> Option<input::Line> {
    match lines {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// `cipherlab replay --headless`: prints a recording's events, each with its `"role"`, at
/// `speed` times the recorded pace. Exits 1 if any line of the file could not be read.
pub async fn replay(recording: Recording, speed: f64, out: &Output) -> ExitCode {
    for (line, why) in &recording.skipped {
        eprintln!("cipherlab: line {line} of the recording skipped: {why}");
    }
    let (tx, mut entries) = mpsc::channel(net::EVENT_QUEUE);
    let player = record::play(recording.events, speed, tx);
    let printer = Printer {
        tape: None,
        ..Printer::new(out, Role::Server)
    };
    while let Some(entry) = entries.recv().await {
        let printed = match entry {
            record::Entry::Event(role, event) => printer.print_replayed(role, &event),
            record::Entry::Mark(mark) => print_line(&mark.to_json()),
        };
        if !printed {
            player.abort();
            break;
        }
    }
    ExitCode::from(if recording.skipped.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}
