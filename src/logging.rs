//! The log file: significant actions (message sent, tag made, verification result), written
//! with `tracing` to a file because stdout belongs to the screen or to JSON lines.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cli::LogLevel;

/// `cipherlab.log` in the system's temporary directory.
pub fn default_log_path() -> PathBuf {
    std::env::temp_dir().join("cipherlab.log")
}

/// Starts writing the log to `path`, appending. Returns a warning to show the user when the
/// file cannot be opened; the program then runs without a log rather than refusing to start.
pub fn init(path: Option<&Path>, level: LogLevel) -> Option<String> {
    let filter = match level {
        LogLevel::Off => return None,
        LogLevel::Error => tracing::Level::ERROR,
        LogLevel::Warn => tracing::Level::WARN,
        LogLevel::Info => tracing::Level::INFO,
        LogLevel::Debug => tracing::Level::DEBUG,
    };
    let path = path.map_or_else(default_log_path, Path::to_path_buf);
    let file = match OpenOptions::new().create(true).append(true).open(&path) {
        Ok(file) => file,
        Err(e) => {
            return Some(format!(
                "cannot write the log to {}: {e}; continuing without a log",
                path.display()
            ));
        }
    };
    let result = tracing_subscriber::fmt()
        .with_writer(Arc::new(file))
        .with_ansi(false)
        .with_max_level(filter)
        .with_target(false)
        .try_init();
    result.err().map(|e| format!("logging not started: {e}"))
}
