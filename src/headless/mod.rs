//! The headless front end: every network event as one JSON object per line on stdout, for
//! scripts, tests and benchmarks. It consumes the same event stream as the screen.

mod attack;
mod client;
mod input;

pub use attack::attack;
use client::converse;
pub use client::{Student, client, student};

use std::io::Write;
use std::process::ExitCode;

use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::json::event_json;
use crate::net::{self, ClientConfig, Event, MitmConfig, Role, ServerConfig};
use crate::record::{self, Recording, Tape};

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
