//! Session recordings: `--record FILE` writes every event as a JSON line (the headless
//! format, plus the time and the role), and `cipherlab replay FILE` plays one back on the
//! screen at real or faster speed, so an instructor can prepare a lab offline.
//!
//! The first line is a header naming the mode, scheme and key exchange. Between the events, a
//! [`Mark`] line records what the screen did to the session (the demo restarted under another
//! scheme, the intercept switch), so that a replay does it too. Keys are redacted in
//! recordings, as everywhere, unless `--log-secrets` is given.

mod parse;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::mpsc;

pub use parse::{Entry, Recording, parse};

use crate::crypto::KeyExchange;
use crate::crypto::{NoncePolicy, Scheme};
use crate::json::event_json;
use crate::net::{Event, Mode, Role};

/// The longest recording read back, in bytes.
pub const MAX_RECORDING: u64 = 256 * 1024 * 1024;
/// The fastest replay: beyond this, every event lands in the same frame anyway.
pub const MAX_SPEED: f64 = 10_000.0;
/// The slowest replay.
pub const MIN_SPEED: f64 = 0.01;

/// The word for a role in recordings.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Client => "client",
        Role::Mitm => "wire",
        Role::Server => "server",
    }
}

/// What a recording's header says about the session.
#[derive(Clone, Copy, Debug)]
pub struct Header {
    /// The mode the session runs in.
    pub mode: Mode,
    /// The scheme, when the session has one from the start (a client or a wire may learn it
    /// only from the handshake).
    pub scheme: Option<Scheme>,
    /// The key exchange, when known.
    pub exchange: Option<KeyExchange>,
    /// How the AEAD nonces are chosen, when known (a replay marks `fixed` as the session did).
    pub nonce: Option<NoncePolicy>,
}

/// What the screen did to the session, recorded where it happened among the events: a
/// `{"mark": ...}` line rather than an event, since no network task reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// The demo started again under this scheme and key exchange (keys `1`–`7`, a lesson's
    /// step): what follows belongs to the new session.
    Restart {
        /// The new scheme.
        scheme: Scheme,
        /// The new key exchange.
        exchange: KeyExchange,
        /// The new nonce policy.
        nonce: NoncePolicy,
    },
    /// The man in the middle's intercept switch turned on or off.
    Intercept(bool),
}

impl Mark {
    /// The mark as a JSON line's fields (without the time).
    pub fn to_json(self) -> Value {
        match self {
            Mark::Restart {
                scheme,
                exchange,
                nonce,
            } => json!({
                "mark": "restart",
                "scheme": scheme.name(),
                "key_exchange": exchange.as_str(),
                "nonce": nonce.as_str(),
            }),
            Mark::Intercept(on) => json!({"mark": "intercept", "on": on}),
        }
    }
}

/// Writes a recording as events happen.
pub struct Recorder {
    out: BufWriter<File>,
    start: Instant,
    show_keys: bool,
}

impl Recorder {
    /// Creates `path` and writes the header.
    ///
    /// # Errors
    /// When the file cannot be created or written.
    pub fn create(path: &Path, header: Header, show_keys: bool) -> std::io::Result<Recorder> {
        let mut out = BufWriter::new(File::create(path)?);
        let line = json!({
            "recording": 1,
            "mode": header.mode.name(),
            "scheme": header.scheme.map(Scheme::name),
            "key_exchange": header.exchange.map(KeyExchange::as_str),
            "nonce": header.nonce.map(NoncePolicy::as_str),
        });
        writeln!(out, "{line}")?;
        out.flush()?;
        Ok(Recorder {
            out,
            start: Instant::now(),
            show_keys,
        })
    }

    /// Appends one event (from `role`, when several run). Write errors are returned so the
    /// front end can report them once and stop recording.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn write(&mut self, role: Option<Role>, event: &Event) -> std::io::Result<()> {
        let mut line = event_json(event, self.show_keys);
        if let (Value::Object(fields), Some(role)) = (&mut line, role) {
            fields.insert("role".into(), role_name(role).into());
        }
        self.line(line)
    }

    /// Appends a mark: what the screen did to the session at this point.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn mark(&mut self, mark: Mark) -> std::io::Result<()> {
        self.line(mark.to_json())
    }

    fn line(&mut self, mut line: Value) -> std::io::Result<()> {
        if let Value::Object(fields) = &mut line {
            let t_ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
            fields.insert("t_ms".into(), t_ms.into());
        }
        writeln!(self.out, "{line}")?;
        // Flushed per line: a recording cut short by a crash keeps everything before it.
        self.out.flush()
    }
}

/// A recorder shared by the printers of several roles. The first write error is reported on
/// stderr and ends the recording; the session itself goes on.
#[derive(Clone)]
pub struct Tape(Arc<Mutex<Option<Recorder>>>);

impl Tape {
    /// Shares `recorder`.
    pub fn new(recorder: Recorder) -> Tape {
        Tape(Arc::new(Mutex::new(Some(recorder))))
    }

    /// Records one event, then runs `then` before any other event can be recorded.
    pub fn record_then<T>(&self, role: Option<Role>, event: &Event, then: impl FnOnce() -> T) -> T {
        let mut guard = match self.0.lock() {
            Ok(guard) => guard,
            // A printer that panicked mid-write leaves nothing half-done that matters here.
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(recorder) = guard.as_mut()
            && let Err(e) = recorder.write(role, event)
        {
            eprintln!("cipherlab: recording stopped: {e}");
            *guard = None;
        }
        then()
    }
}

/// Reads the recording at `path`, refusing files over [`MAX_RECORDING`].
///
/// # Errors
/// A sentence naming the file and what is wrong with it.
pub fn load(path: &Path) -> Result<Recording, String> {
    let name = path.display();
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {name}: {e}"))?
        .len();
    if size > MAX_RECORDING {
        return Err(format!(
            "{name} is {size} bytes; recordings over {MAX_RECORDING} bytes are refused"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    parse(&bytes).map_err(|e| format!("{name}: {e}"))
}

/// What a viewer asks of a replay in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Stop the clock, or start it again where it stopped.
    TogglePause,
    /// Play the next entry now, and stay paused.
    Step,
}

/// A replay in progress: its task, and the way to pause and step it.
pub struct Player {
    task: tokio::task::JoinHandle<()>,
    control: mpsc::Sender<Control>,
}

impl Player {
    /// Asks the replay to pause, resume or step. Ignored once it has finished.
    pub fn control(&self, control: Control) {
        let _ = self.control.try_send(control);
    }

    /// Stops the replay.
    pub fn abort(&self) {
        self.task.abort();
    }

    /// Waits until every entry has been played (or nobody listens any more).
    pub async fn finished(self) {
        let _ = self.task.await;
    }
}

/// Feeds `entries` into `out` at `speed` times the pace they were recorded at. Paused, the
/// clock stops until resumed, and each step plays one entry at once; on resuming, the pace
/// goes on from the last entry played. Ends when the entries run out or nobody listens.
pub fn play(entries: Vec<(u64, Entry)>, speed: f64, out: mpsc::Sender<Entry>) -> Player {
    let speed = speed.clamp(MIN_SPEED, MAX_SPEED);
    let (control, mut controls) = mpsc::channel(16);
    let scaled = move |t_ms: u64| Duration::from_secs_f64(t_ms as f64 / 1000.0 / speed);
    let task = tokio::spawn(async move {
        let mut start = tokio::time::Instant::now();
        let mut paused = false;
        let mut last = 0;
        let mut listening = true;
        for (t_ms, entry) in entries {
            loop {
                let due = start + scaled(t_ms);
                let wait = async {
                    if paused {
                        std::future::pending::<()>().await;
                    }
                    tokio::time::sleep_until(due).await;
                };
                tokio::select! {
                    () = wait => break,
                    asked = controls.recv(), if listening => match asked {
                        Some(Control::TogglePause) if paused => {
                            // On again from the last entry played, not from the pause.
                            paused = false;
                            start = tokio::time::Instant::now() - scaled(last);
                        }
                        Some(Control::TogglePause) => paused = true,
                        Some(Control::Step) => {
                            paused = true;
                            break;
                        }
                        // Nobody can pause it any more: play on at the recorded pace.
                        None => {
                            listening = false;
                            if paused {
                                paused = false;
                                start = tokio::time::Instant::now() - scaled(last);
                            }
                        }
                    },
                }
            }
            last = t_ms;
            if out.send(entry).await.is_err() {
                return;
            }
        }
    });
    Player { task, control }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn listening(port: u16) -> Event {
        Event::Listening {
            addr: ([127, 0, 0, 1], port).into(),
        }
    }

    fn entry(role: Role, port: u16) -> Entry {
        Entry::Event(role, listening(port))
    }

    fn role_of(entry: &Entry) -> Option<Role> {
        match entry {
            Entry::Event(role, _) => Some(*role),
            Entry::Mark(_) => None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn play_keeps_the_recorded_pace_scaled_by_the_speed() {
        let events = vec![
            (0, entry(Role::Server, 1)),
            (1_000, entry(Role::Mitm, 2)),
            (3_000, entry(Role::Client, 3)),
        ];
        let (tx, mut rx) = mpsc::channel(4);
        let start = tokio::time::Instant::now();
        let _player = play(events, 2.0, tx);
        let mut arrivals = Vec::new();
        while let Some(entry) = rx.recv().await {
            arrivals.push((role_of(&entry), start.elapsed().as_millis()));
        }
        assert_eq!(
            arrivals,
            [
                (Some(Role::Server), 0),
                (Some(Role::Mitm), 500),
                (Some(Role::Client), 1_500)
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_paused_replay_waits_steps_one_entry_at_a_time_and_resumes_at_its_pace() {
        let events = (0..4u16)
            .map(|i| (u64::from(i) * 1_000, entry(Role::Server, i)))
            .collect();
        let (tx, mut rx) = mpsc::channel(8);
        let start = tokio::time::Instant::now();
        let player = play(events, 1.0, tx);
        assert!(rx.recv().await.is_some(), "the first entry plays at once");
        player.control(Control::TogglePause);
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(rx.try_recv().is_err(), "nothing plays while paused");
        player.control(Control::Step);
        assert!(rx.recv().await.is_some());
        assert_eq!(
            start.elapsed().as_secs(),
            60,
            "a step plays the next entry at once"
        );
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(rx.try_recv().is_err(), "and stays paused");
        player.control(Control::TogglePause);
        assert!(rx.recv().await.is_some());
        assert_eq!(
            start.elapsed().as_millis(),
            121_000,
            "resumed: the next entry a recorded second after the one stepped to"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn play_stops_when_nobody_listens() {
        let events = (0..10)
            .map(|i| (i * 1_000, entry(Role::Server, 1)))
            .collect();
        let (tx, mut rx) = mpsc::channel(1);
        let player = play(events, 1.0, tx);
        assert!(rx.recv().await.is_some());
        drop(rx);
        tokio::time::timeout(Duration::from_secs(5), player.finished())
            .await
            .unwrap();
    }

    #[test]
    fn a_header_without_a_scheme_falls_back_to_the_defaults() {
        let recording = parse(b"{\"recording\":1,\"mode\":\"client\",\"scheme\":null}\n").unwrap();
        assert_eq!(recording.mode, Mode::Client);
        assert_eq!(recording.scheme, Scheme::Fernet);
        assert_eq!(recording.exchange, KeyExchange::Send);
        let recording = parse(b"{\"recording\":1,\"mode\":\"demo\",\"scheme\":\"hmac\"}").unwrap();
        assert_eq!(recording.exchange, KeyExchange::Psk);
        assert!(parse(b"").is_err());
        assert!(parse(b"{\"recording\":2}").is_err());
    }

    #[test]
    fn every_recorded_role_and_mode_default_is_read_back() {
        let text = "{\"recording\":1,\"mode\":\"mitm\",\"scheme\":\"cbc\"}\n\
                    {\"event\":\"listening\",\"addr\":\"127.0.0.1:9\",\"t_ms\":4}\n\
                    {\"event\":\"listening\",\"addr\":\"127.0.0.1:9\",\"t_ms\":5,\"role\":\"client\"}\n";
        let recording = parse(text.as_bytes()).unwrap();
        let roles: Vec<(u64, Option<Role>)> = recording
            .events
            .iter()
            .map(|(t, e)| (*t, role_of(e)))
            .collect();
        assert_eq!(roles, [(4, Some(Role::Mitm)), (5, Some(Role::Client))]);
        assert!(recording.skipped.is_empty());
    }

    #[test]
    fn a_line_that_is_not_utf8_is_skipped_with_its_number() {
        let event = b"{\"event\":\"listening\",\"addr\":\"127.0.0.1:9\",\"t_ms\":4}";
        let mut bytes = b"{\"recording\":1,\"mode\":\"server\"}\r\n".to_vec();
        bytes.extend_from_slice(b"\xff\xfe garbage\n");
        bytes.extend_from_slice(event);
        bytes.extend_from_slice(b"\r\n");
        let recording = parse(&bytes).unwrap();
        assert_eq!(recording.events.len(), 1, "the line after it still plays");
        assert_eq!(
            recording.skipped,
            [(2, "not UTF-8 text: byte 1 of the line is 0xff".to_owned())]
        );
        // The header is the one line that must be whole.
        assert!(parse(b"\xff{\"recording\":1}\n").is_err());
    }
}
