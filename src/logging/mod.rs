//! The log: significant actions (message sent, tag made, verification result), written with
//! `tracing` to a file because stdout belongs to the screen or to JSON lines. The screen also
//! keeps the most recent lines in a [`LogRing`] for its Log pane.
//!
//! The file is a place a hostile peer can make us write to, so it is bounded ([`Limits`]):
//! it lives in the user's own state directory ([`log_path_in`]), is created `0600` without
//! following a symbolic link, is rotated at [`MAX_LOG_BYTES`] keeping one old file, and each
//! peer gets at most [`PEER_LINES_PER_SECOND`] lines a second, the rest counted in one summary
//! line. [`FileLog`] does all of it under one lock, so lines are whole and in order whatever
//! the thread, and a rotation falls between two lines.

use std::collections::{HashMap, VecDeque};
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// Log verbosity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogLevel {
    /// Nothing.
    Off,
    /// Failures only.
    Error,
    /// Failures and refusals.
    Warn,
    /// Messages sent, tags made, verification results (seed 004's log).
    Info,
    /// Everything.
    Debug,
}

/// Lines the ring keeps.
pub const RING_LINES: usize = 500;

/// The size at which the log file is rotated (10 MiB): it is renamed to `<name>.1`, replacing
/// the previous old file, and a new file is started. At most about twice this is on disk.
pub const MAX_LOG_BYTES: u64 = 10 * 1024 * 1024;

/// Lines a second the log takes from one peer (its `peer=` field); the rest are counted and
/// reported in one `… N similar lines from PEER suppressed` line.
pub const PEER_LINES_PER_SECOND: u32 = 20;

/// Peers whose line rate is tracked at once; beyond it the one tracked longest is forgotten
/// (after its summary is written), so a flood of new peers cannot grow the table.
pub const RATE_PEERS: usize = 1024;

/// The longest line written; a longer one is cut (a `--log-secrets` key of 1024 bytes fits).
pub const MAX_LINE_BYTES: usize = 8 * 1024;

/// The log file's name in its directory.
const FILE_NAME: &str = "cipherlab.log";

/// The bounds [`FileLog`] keeps; [`Limits::default`] gives the documented ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Rotate the file before it would pass this many bytes.
    pub max_bytes: u64,
    /// Lines a second from one peer.
    pub peer_lines_per_second: u32,
    /// Peers tracked at once.
    pub peers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: MAX_LOG_BYTES,
            peer_lines_per_second: PEER_LINES_PER_SECOND,
            peers: RATE_PEERS,
        }
    }
}

/// Why the log file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LogFileError {
    /// The path is a symbolic link, which could point at any file the user can write.
    #[error(
        "the log path {} is a symbolic link; cipherlab does not write its log through one \
         (remove it, or give the real file with --log-file)",
        path.display()
    )]
    Symlink {
        /// The path given or chosen.
        path: PathBuf,
    },
    /// Neither `$XDG_STATE_HOME` nor `$HOME` is usable, and the temp folder needs the uid.
    #[error(
        "no place for the log: $XDG_STATE_HOME and $HOME are unset or not absolute \
         (give one with --log-file)"
    )]
    NoDefault,
    /// The directory for the default log could not be created.
    #[error("cannot create the log directory {}: {source}", path.display())]
    Dir {
        /// The directory.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The temp-folder log directory exists but is not the user's own, private directory.
    #[error(
        "the log directory {} is not a private directory of this user \
         (remove it, or give a path with --log-file)",
        path.display()
    )]
    NotPrivate {
        /// The directory.
        path: PathBuf,
    },
    /// The file could not be opened.
    #[error("cannot write the log to {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
}

mod file;
mod place;
mod rate;

pub use file::FileLog;
pub use place::{LogEnv, LogPlace, default_log_path, log_path_in};

use place::*;
use rate::*;

/// The most recent log lines, shared between the logger and the screen.
#[derive(Clone, Default, Debug)]
pub struct LogRing(Arc<Mutex<VecDeque<String>>>);

impl LogRing {
    /// Adds a line, forgetting the oldest beyond [`RING_LINES`].
    pub fn push(&self, line: String) {
        let mut lines = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if lines.len() == RING_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// The last `n` lines, oldest first.
    pub fn tail(&self, n: usize) -> Vec<String> {
        let lines = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        lines
            .iter()
            .skip(lines.len().saturating_sub(n))
            .cloned()
            .collect()
    }

    /// How many lines are kept.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Whether no lines are kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A tracing layer that copies each event, as one line, into a [`LogRing`].
struct RingLayer {
    ring: LogRing,
    level: tracing::Level,
}

/// An event's message and fields as text, with its `peer` field kept apart for the rate limit.
#[derive(Default)]
struct LineVisitor {
    message: String,
    fields: String,
    peer: Option<String>,
    /// Quote `&str` values, as tracing's own formatter does, so that `wire="lab wire"` reads
    /// as one field in the file; the Log pane shows them bare.
    quote_str: bool,
}

impl LineVisitor {
    fn record_text(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            push_escaped(&mut self.message, value);
        } else {
            let _ = write!(self.fields, " {}=", field.name());
            push_escaped(&mut self.fields, value);
            if field.name() == "peer" {
                self.peer = Some(value.chars().take(64).collect());
            }
        }
    }
}

/// Appends `value` with control characters escaped: a field holding a peer's bytes must not
/// start a line of its own in the log, nor reach the terminal as an escape sequence.
fn push_escaped(out: &mut String, value: &str) {
    for c in value.chars() {
        if c.is_control() {
            let _ = write!(out, "{}", c.escape_default());
        } else {
            out.push(c);
        }
    }
}

impl Visit for LineVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_text(field, &format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if self.quote_str && field.name() != "message" {
            self.record_text(field, &format!("{value:?}"));
        } else {
            self.record_text(field, value);
        }
    }
}

impl<S> Layer<S> for RingLayer
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let level = *event.metadata().level();
        if level > self.level {
            return;
        }
        // The Matrix tab's rehearsal sessions would read as the demo itself shutting down;
        // they go to the log file only.
        let in_matrix = ctx.event_scope(event).is_some_and(|mut scope| {
            scope.any(|span| span.name() == crate::net::matrix::MATRIX_SPAN)
        });
        if in_matrix {
            return;
        }
        let mut visitor = LineVisitor::default();
        event.record(&mut visitor);
        let secs = crate::crypto::unix_now() % 86_400;
        let line = format!(
            "{:02}:{:02}:{:02} {level:<5} {}{}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60,
            visitor.message,
            visitor.fields
        );
        self.ring.push(line);
    }
}

/// `2025-01-31T12:00:00.123Z`, in UTC.
fn timestamp(now: SystemTime) -> String {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm), to avoid a
    // date crate for one line.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Starts logging: to the file at `path` (appending), or to the default log
/// ([`default_log_path`]) when `path` is `None`, and into `ring` when given. Returns a warning
/// to show the user when the file cannot be used; the program then runs without a log file
/// rather than refusing to start.
pub fn init(path: Option<&Path>, level: LogLevel, ring: Option<LogRing>) -> Option<String> {
    let filter = match level {
        LogLevel::Off => return None,
        LogLevel::Error => tracing::Level::ERROR,
        LogLevel::Warn => tracing::Level::WARN,
        LogLevel::Info => tracing::Level::INFO,
        LogLevel::Debug => tracing::Level::DEBUG,
    };
    let opened = match path {
        Some(path) => FileLog::open(path, Limits::default()),
        None => with_process_env(|env| FileLog::open_default(env, Limits::default())),
    };
    let (file, warning) = match opened {
        Ok(file) => (Some(file), None),
        Err(e) => (None, Some(format!("{e}; continuing without a log file"))),
    };
    let file_layer = file
        .map(|file| file.with_filter(tracing_subscriber::filter::LevelFilter::from_level(filter)));
    let ring_layer = ring.map(|ring| RingLayer {
        ring,
        level: filter,
    });
    let result = tracing_subscriber::registry()
        .with(file_layer)
        .with(ring_layer)
        .try_init();
    warning.or_else(|| result.err().map(|e| format!("logging not started: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_sessions_stay_out_of_the_log_pane() {
        let ring = LogRing::default();
        let layer = RingLayer {
            ring: ring.clone(),
            level: tracing::Level::INFO,
        };
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("demo message sent");
            tracing::info_span!("matrix").in_scope(|| tracing::info!("server shutting down"));
        });
        let lines = ring.tail(10);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].ends_with("demo message sent"), "{lines:?}");
    }

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        let at = |secs| timestamp(UNIX_EPOCH + Duration::from_millis(secs));
        assert_eq!(at(0), "1970-01-01T00:00:00.000Z");
        // 2000-02-29 (a leap day in a century year), 12:34:56.789.
        assert_eq!(at(951_827_696_789), "2000-02-29T12:34:56.789Z");
        assert_eq!(at(1_735_689_599_000), "2024-12-31T23:59:59.000Z");
    }

    #[test]
    fn a_peer_gets_its_quota_then_one_summary_for_the_rest() {
        let mut limit = PeerLimit::new(3, 8);
        let t0 = Instant::now();
        let mut summaries = Vec::new();
        let admitted = (0..10)
            .filter(|_| limit.admit("10.0.0.1:1", t0, |p, n| summaries.push((p.to_owned(), n))))
            .count();
        assert_eq!(admitted, 3);
        assert!(summaries.is_empty());
        assert!(limit.admit("10.0.0.1:1", t0 + WINDOW, |p, n| {
            summaries.push((p.to_owned(), n))
        }));
        assert_eq!(summaries, [("10.0.0.1:1".to_owned(), 7)]);
    }

    #[test]
    fn the_peer_table_stays_bounded_and_reports_who_it_forgets() {
        let mut limit = PeerLimit::new(1, 4);
        let t0 = Instant::now();
        let mut summaries = Vec::new();
        limit.admit("first", t0, |_, _| {});
        limit.admit("first", t0, |_, _| {});
        for i in 0..100 {
            limit.admit(
                &format!("p{i}"),
                t0 + Duration::from_millis(1 + i),
                |p, n| summaries.push((p.to_owned(), n)),
            );
            assert!(limit.windows.len() <= 4);
        }
        assert_eq!(summaries, [("first".to_owned(), 1)]);
    }
}
