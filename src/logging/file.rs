//! The log file as a tracing layer: whole lines under one lock, rotation at the size cap
//! keeping one old file, and the per-peer rate limit applied before writing.

use super::*;

/// The log file as a tracing layer: each event becomes one line,
/// `2025-01-31T12:00:00.123Z  INFO span: message key=value …`, written whole with one
/// `write` under a lock that also covers the rate limit and the rotation.
pub struct FileLog {
    inner: Mutex<Writer>,
}

/// What the lock guards: the open file and the per-peer counts.
pub(super) struct Writer {
    pub(super) file: SizedFile,
    pub(super) peers: PeerLimit,
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

    /// Whether a line for `event` is to be written: the per-peer rate limit decides, and
    /// writes the summary of an earlier window's held-back lines first. Only the `peer` field
    /// is read here, so that a line held back costs no formatting: under a class's load most
    /// lines are held back, and formatting every one of them was the largest cost on the
    /// server's path after the crypto.
    pub(super) fn admit(&self, event: &tracing::Event<'_>) -> bool {
        let mut peer = PeerField(None);
        event.record(&mut peer);
        let mut writer = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let Writer { file, peers } = &mut *writer;
        let now = Instant::now();
        let per_second = peers.per_second;
        let mut summary = |peer: &str, n| {
            let stamp = timestamp(SystemTime::now());
            file.write_line(&summary_line(&stamp, peer, n, per_second));
        };
        match &peer.0 {
            Some(peer) => peers.admit(peer, now, summary),
            None => {
                peers.sweep(now, &mut summary);
                true
            }
        }
    }

    /// Formats and writes an admitted event's line.
    pub(super) fn write_event(&self, event: &tracing::Event<'_>, spans: &str) {
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
        writer.file.write_line(&line);
    }
}

/// Reads only the `peer` field of an event, as the file's [`LineVisitor`] keys it (at most
/// 64 characters).
struct PeerField(Option<String>);

impl tracing::field::Visit for PeerField {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        // Quoted, as the file's LineVisitor records a `&str`.
        if field.name() == "peer" {
            self.0 = Some(format!("{value:?}").chars().take(64).collect());
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "peer" {
            let text = format!("{value:?}");
            self.0 = Some(text.chars().take(64).collect());
        }
    }
}

pub(super) fn summary_line(stamp: &str, peer: &str, suppressed: u64, per_second: u32) -> String {
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
        if !self.admit(event) {
            return;
        }
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

/// The log file, its size, and how to rotate it.
pub(super) struct SizedFile {
    pub(super) path: PathBuf,
    /// `None` after a rotation failed to reopen the file: the log then stops rather than
    /// grow without bound.
    pub(super) file: Option<File>,
    /// Bytes in the file, as far as this process knows (refreshed from the file now and then,
    /// for another process appending to the same log).
    pub(super) len: u64,
    /// Lines since `len` was last read from the file.
    pub(super) since_refresh: u32,
    /// Only a regular file is rotated: `--log-file /dev/null` must never be renamed.
    pub(super) regular: bool,
    pub(super) max_bytes: u64,
}

/// How often (in lines) the size is re-read from the file.
pub(super) const REFRESH_LINES: u32 = 256;

impl SizedFile {
    pub(super) fn open(path: &Path, max_bytes: u64) -> Result<SizedFile, LogFileError> {
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
    pub(super) fn write_line(&mut self, line: &str) {
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
    pub(super) fn rotate(&mut self) {
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
pub(super) fn rotated_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".1");
    PathBuf::from(name)
}

/// Whether `path` still names the open `file` (device and inode).
pub(super) fn same_file(file: Option<&File>, path: &Path) -> bool {
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
