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

/// What the default log path depends on, passed in so that choosing it needs no process
/// environment (see [`log_path_in`]).
#[derive(Clone, Copy, Debug)]
pub struct LogEnv<'a> {
    /// `$XDG_STATE_HOME`.
    pub xdg_state_home: Option<&'a OsStr>,
    /// `$HOME`.
    pub home: Option<&'a OsStr>,
    /// The system's temporary directory.
    pub temp_dir: &'a Path,
    /// The user's uid, when known: it names the temp-folder fallback.
    pub uid: Option<u32>,
}

/// Where the log goes by default, and whether that place is shared with other users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogPlace {
    /// The log file.
    pub file: PathBuf,
    /// True for the temp-folder fallback, whose directory must then be checked to be this
    /// user's own before use (anyone can create names there).
    pub shared_parent: bool,
}

/// The default log per the XDG base directory rules: `$XDG_STATE_HOME/cipherlab/cipherlab.log`,
/// else `$HOME/.local/state/cipherlab/cipherlab.log`; a variable counts only when it is an
/// absolute path (the rules say to ignore a relative one). When neither is, a per-user
/// directory in the temp folder, `cipherlab-<uid>/cipherlab.log`; with no uid either, `None`.
pub fn log_path_in(env: &LogEnv<'_>) -> Option<LogPlace> {
    fn absolute(v: Option<&OsStr>) -> Option<&Path> {
        v.map(Path::new).filter(|p| p.is_absolute())
    }
    if let Some(state) = absolute(env.xdg_state_home) {
        return Some(LogPlace {
            file: state.join("cipherlab").join(FILE_NAME),
            shared_parent: false,
        });
    }
    if let Some(home) = absolute(env.home) {
        return Some(LogPlace {
            file: home.join(".local/state/cipherlab").join(FILE_NAME),
            shared_parent: false,
        });
    }
    env.uid.map(|uid| LogPlace {
        file: env
            .temp_dir
            .join(format!("cipherlab-{uid}"))
            .join(FILE_NAME),
        shared_parent: true,
    })
}

/// The default log for this process's environment (see [`log_path_in`]).
pub fn default_log_path() -> Option<PathBuf> {
    with_process_env(|env| log_path_in(env).map(|place| place.file))
}

fn with_process_env<T>(f: impl FnOnce(&LogEnv<'_>) -> T) -> T {
    let xdg = std::env::var_os("XDG_STATE_HOME");
    let home = std::env::var_os("HOME");
    let temp = std::env::temp_dir();
    f(&LogEnv {
        xdg_state_home: xdg.as_deref(),
        home: home.as_deref(),
        temp_dir: &temp,
        uid: current_uid(),
    })
}

/// The process's uid without `unsafe` or a new dependency: the owner of `/proc/self` (Linux).
/// Elsewhere `None`, which only matters when neither `$XDG_STATE_HOME` nor `$HOME` is set.
fn current_uid() -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").ok().map(|m| m.uid())
    }
    #[cfg(not(unix))]
    None
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

/// The log file as a tracing layer: each event becomes one line,
/// `2025-01-31T12:00:00.123Z  INFO span: message key=value …`, written whole with one
/// `write` under a lock that also covers the rate limit and the rotation.
pub struct FileLog {
    inner: Mutex<Writer>,
}

/// What the lock guards: the open file and the per-peer counts.
struct Writer {
    file: SizedFile,
    peers: PeerLimit,
}

impl FileLog {
    /// Opens (appending) or creates `path` with mode `0600`, refusing a symbolic link at the
    /// path. Parent directories are not created: a given path's directory is the user's.
    ///
    /// # Errors
    /// [`LogFileError::Symlink`] for a symbolic link, [`LogFileError::Open`] otherwise.
    pub fn open(path: &Path, limits: Limits) -> Result<FileLog, LogFileError> {
        Ok(FileLog {
            inner: Mutex::new(Writer {
                file: SizedFile::open(path, limits.max_bytes)?,
                peers: PeerLimit::new(limits.peer_lines_per_second, limits.peers),
            }),
        })
    }

    /// Opens the default log for `env` ([`log_path_in`]), creating its directory `0700`. The
    /// temp-folder fallback's directory must then be a real directory of this user with no
    /// access for others, since anyone could have made it first.
    ///
    /// # Errors
    /// [`LogFileError::NoDefault`], [`LogFileError::Dir`] or [`LogFileError::NotPrivate`] for
    /// the directory, else as [`FileLog::open`].
    pub fn open_default(env: &LogEnv<'_>, limits: Limits) -> Result<FileLog, LogFileError> {
        let place = log_path_in(env).ok_or(LogFileError::NoDefault)?;
        if let Some(dir) = place.file.parent() {
            create_private_dir(dir, place.shared_parent.then_some(env.uid).flatten())?;
        }
        FileLog::open(&place.file, limits)
    }

    fn write_event(&self, event: &tracing::Event<'_>, spans: &str) {
        let mut visitor = LineVisitor {
            quote_str: true,
            ..LineVisitor::default()
        };
        event.record(&mut visitor);
        let stamp = timestamp(SystemTime::now());
        let line = format!(
            "{stamp} {:>5} {spans}{}{}",
            event.metadata().level(),
            visitor.message,
            visitor.fields
        );
        let mut writer = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let Writer { file, peers } = &mut *writer;
        let now = Instant::now();
        let per_second = peers.per_second;
        let admitted = match &visitor.peer {
            Some(peer) => peers.admit(peer, now, |peer, n| {
                file.write_line(&summary_line(&stamp, peer, n, per_second));
            }),
            None => {
                peers.sweep(now, |peer, n| {
                    file.write_line(&summary_line(&stamp, peer, n, per_second));
                });
                true
            }
        };
        if admitted {
            file.write_line(&line);
        }
    }
}

fn summary_line(stamp: &str, peer: &str, suppressed: u64, per_second: u32) -> String {
    format!(
        "{stamp}  INFO … {suppressed} similar lines from {peer} suppressed \
         (at most {per_second} a second are logged per peer)"
    )
}

impl<S> Layer<S> for FileLog
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        // As tracing's own formatter does: the spans around the event, outermost first.
        let mut spans = String::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                spans.push_str(span.name());
                spans.push_str(": ");
            }
        }
        self.write_event(event, &spans);
    }
}

/// Creates `dir` (and missing parents) with mode `0700`. With `owner`, `dir` is in a folder
/// anyone can write, so it must also turn out to be a directory (not a link) owned by that uid
/// with no group or other access.
fn create_private_dir(dir: &Path, owner: Option<u32>) -> Result<(), LogFileError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| LogFileError::Dir {
        path: dir.to_path_buf(),
        source,
    })?;
    #[cfg(unix)]
    if let Some(uid) = owner {
        use std::os::unix::fs::MetadataExt;
        let private = std::fs::symlink_metadata(dir)
            .is_ok_and(|m| m.file_type().is_dir() && m.uid() == uid && m.mode() & 0o077 == 0);
        if !private {
            return Err(LogFileError::NotPrivate {
                path: dir.to_path_buf(),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = owner;
    Ok(())
}

/// The log file, its size, and how to rotate it.
struct SizedFile {
    path: PathBuf,
    /// `None` after a rotation failed to reopen the file: the log then stops rather than
    /// grow without bound.
    file: Option<File>,
    /// Bytes in the file, as far as this process knows (refreshed from the file now and then,
    /// for another process appending to the same log).
    len: u64,
    /// Lines since `len` was last read from the file.
    since_refresh: u32,
    /// Only a regular file is rotated: `--log-file /dev/null` must never be renamed.
    regular: bool,
    max_bytes: u64,
}

/// How often (in lines) the size is re-read from the file.
const REFRESH_LINES: u32 = 256;

impl SizedFile {
    fn open(path: &Path, max_bytes: u64) -> Result<SizedFile, LogFileError> {
        let file = open_no_follow(path)?;
        let meta = file.metadata().map_err(|source| LogFileError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(SizedFile {
            path: path.to_path_buf(),
            file: Some(file),
            len: meta.len(),
            since_refresh: 0,
            regular: meta.is_file(),
            max_bytes,
        })
    }

    /// Writes `line` and a newline, rotating first when they would pass the cap. A line longer
    /// than [`MAX_LINE_BYTES`] is cut, so that one line cannot break the bound.
    fn write_line(&mut self, line: &str) {
        let mut cut = line.len().min(MAX_LINE_BYTES);
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        let mut bytes = Vec::with_capacity(cut + 4);
        bytes.extend_from_slice(&line.as_bytes()[..cut]);
        if cut < line.len() {
            bytes.extend_from_slice("…".as_bytes());
        }
        bytes.push(b'\n');
        if self.regular {
            self.since_refresh += 1;
            if self.since_refresh >= REFRESH_LINES {
                self.since_refresh = 0;
                if let Some(meta) = self.file.as_ref().and_then(|f| f.metadata().ok()) {
                    self.len = meta.len();
                }
            }
            if self.len > 0 && self.len + bytes.len() as u64 > self.max_bytes {
                self.rotate();
            }
        }
        let Some(file) = &mut self.file else {
            return;
        };
        // One write of the whole line: with O_APPEND it lands in one piece even when another
        // process writes the same file.
        if file.write_all(&bytes).is_ok() {
            self.len += bytes.len() as u64;
        }
    }

    /// Renames the file to `<name>.1` (replacing the old one) and starts a new one.
    fn rotate(&mut self) {
        let old = rotated_path(&self.path);
        // Another cipherlab writing the same log may have rotated it already: then the path
        // names its new file, which is only reopened, not rotated away.
        let still_ours = same_file(self.file.as_ref(), &self.path);
        self.file = None;
        let renamed = !still_ours || std::fs::rename(&self.path, &old).is_ok();
        match open_no_follow(&self.path) {
            Ok(file) => {
                // A rename that failed (say the directory became read-only) leaves the file in
                // place; emptying it keeps the cap.
                if !renamed {
                    let _ = file.set_len(0);
                }
                self.len = file.metadata().map_or(0, |m| m.len());
                self.file = Some(file);
            }
            Err(_) => self.len = 0,
        }
        self.since_refresh = 0;
    }
}

/// `<path>.1`, where the previous log is kept.
fn rotated_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".1");
    PathBuf::from(name)
}

/// Whether `path` still names the open `file` (device and inode).
fn same_file(file: Option<&File>, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let open = file.and_then(|f| f.metadata().ok());
        let named = std::fs::symlink_metadata(path).ok();
        match (open, named) {
            (Some(a), Some(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// Opens `path` for appending, creating it `0600`, with `O_NOFOLLOW`: the kernel refuses a
/// symbolic link as the last component, so none planted at the path can redirect the log.
fn open_no_follow(path: &Path) -> Result<File, LogFileError> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path).map_err(|source| {
        // The error for a link is ELOOP on Linux and macOS but EMLINK on FreeBSD; asking the
        // file system is clearer than either.
        let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if is_link {
            LogFileError::Symlink {
                path: path.to_path_buf(),
            }
        } else {
            LogFileError::Open {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

/// Lines a second per peer, in fixed one-second windows that start at a peer's first line.
struct PeerLimit {
    per_second: u32,
    capacity: usize,
    windows: HashMap<String, Window>,
    last_sweep: Option<Instant>,
}

struct Window {
    start: Instant,
    lines: u32,
    suppressed: u64,
}

const WINDOW: Duration = Duration::from_secs(1);

impl PeerLimit {
    fn new(per_second: u32, capacity: usize) -> PeerLimit {
        PeerLimit {
            per_second,
            capacity: capacity.max(1),
            windows: HashMap::new(),
            last_sweep: None,
        }
    }

    /// Whether a line from `peer` is logged at `now`. `summary(peer, n)` is called first for
    /// lines of an earlier window that were held back, for this peer or for one forgotten
    /// to make room.
    fn admit(&mut self, peer: &str, now: Instant, mut summary: impl FnMut(&str, u64)) -> bool {
        self.sweep(now, &mut summary);
        if let Some(window) = self.windows.get_mut(peer) {
            if now.duration_since(window.start) >= WINDOW {
                if window.suppressed > 0 {
                    summary(peer, window.suppressed);
                }
                *window = Window {
                    start: now,
                    lines: 1,
                    suppressed: 0,
                };
                return true;
            }
            if window.lines < self.per_second {
                window.lines += 1;
                return true;
            }
            window.suppressed += 1;
            return false;
        }
        if self.windows.len() >= self.capacity {
            // Forget the peer whose window began first. A linear scan, but only when a new
            // peer arrives with the table full.
            let oldest = self
                .windows
                .iter()
                .min_by_key(|(_, w)| w.start)
                .map(|(p, _)| p.clone());
            if let Some(old) = oldest
                && let Some(window) = self.windows.remove(&old)
                && window.suppressed > 0
            {
                summary(&old, window.suppressed);
            }
        }
        self.windows.insert(
            peer.to_owned(),
            Window {
                start: now,
                lines: 1,
                suppressed: 0,
            },
        );
        self.per_second > 0
    }

    /// At most once a second, reports the held-back lines of every window that has ended, so
    /// that a peer that went quiet still gets its summary line soon after.
    fn sweep(&mut self, now: Instant, mut summary: impl FnMut(&str, u64)) {
        if self
            .last_sweep
            .is_some_and(|last| now.duration_since(last) < WINDOW)
        {
            return;
        }
        self.last_sweep = Some(now);
        self.windows.retain(|peer, window| {
            let ended = now.duration_since(window.start) >= WINDOW;
            if ended && window.suppressed > 0 {
                summary(peer, window.suppressed);
                window.suppressed = 0;
            }
            // A window long over is forgotten: the peer starts afresh when it logs again.
            !ended || now.duration_since(window.start) < 60 * WINDOW
        });
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
