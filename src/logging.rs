//! The log: significant actions (message sent, tag made, verification result), written with
//! `tracing` to a file because stdout belongs to the screen or to JSON lines. The screen also
//! keeps the most recent lines in a [`LogRing`] for its Log pane.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

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

/// `cipherlab.log` in the system's temporary directory.
pub fn default_log_path() -> PathBuf {
    std::env::temp_dir().join("cipherlab.log")
}

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

#[derive(Default)]
struct LineVisitor {
    message: String,
    fields: String,
}

impl Visit for LineVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
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

/// Starts logging: to the file at `path` (appending), and into `ring` when given. Returns a
/// warning to show the user when the file cannot be opened; the program then runs without a
/// log file rather than refusing to start.
pub fn init(path: Option<&Path>, level: LogLevel, ring: Option<LogRing>) -> Option<String> {
    let filter = match level {
        LogLevel::Off => return None,
        LogLevel::Error => tracing::Level::ERROR,
        LogLevel::Warn => tracing::Level::WARN,
        LogLevel::Info => tracing::Level::INFO,
        LogLevel::Debug => tracing::Level::DEBUG,
    };
    let path = path.map_or_else(default_log_path, Path::to_path_buf);
    let (file, warning) = match OpenOptions::new().create(true).append(true).open(&path) {
        Ok(file) => (Some(file), None),
        Err(e) => (
            None,
            Some(format!(
                "cannot write the log to {}: {e}; continuing without a log file",
                path.display()
            )),
        ),
    };
    let file_layer = file.map(|file| {
        tracing_subscriber::fmt::layer()
            .with_writer(Arc::new(file))
            .with_ansi(false)
            .with_target(false)
            .with_filter(tracing_subscriber::filter::LevelFilter::from_level(filter))
    });
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
}
