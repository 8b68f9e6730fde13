//! Reading the seed protocols' unframed bytes with bounds: every read has a size limit and a
//! deadline, and a short read is an error that says how short.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::timeout;

use crate::crypto::{Cipher, Reason, Verdict};
use crate::wire::seed::TokenSplitter;

/// How long a Fernet sender may pause inside a token before what arrived counts as whole.
pub(super) const TOKEN_QUIET: Duration = Duration::from_millis(250);

/// How long one whole message may take to arrive once it has begun, whatever the pauses
/// between its bytes: a peer that sends a byte every few seconds cannot hold its slot for good
/// (the lab protocol's frame timeout, 30 s by default, does the same there).
pub(super) const MESSAGE_DEADLINE: Duration = Duration::from_secs(30);

/// Reads exactly `n` bytes, all within `limit` (a deadline for the whole read, not for each
/// piece), or says how many arrived before the peer closed or the time ran out.
pub(super) async fn read_exactly(
    stream: &mut (impl AsyncRead + Unpin),
    n: usize,
    limit: Duration,
    what: &str,
) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; n];
    let mut have = 0;
    let deadline = tokio::time::Instant::now() + limit;
    while have < n {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf[have..])).await {
            Ok(Ok(0)) => {
                return Err(format!(
                    "the peer closed after {have} of the {n} bytes of {what}"
                ));
            }
            Ok(Ok(read)) => have += read,
            Ok(Err(e)) => return Err(format!("reading {what}: {e}")),
            Err(_) => {
                return Err(format!(
                    "timed out: {have} of the {n} bytes of {what} arrived within {} s",
                    limit.as_secs()
                ));
            }
        }
    }
    Ok(buf)
}

/// Reads until the peer closes, at most `max` bytes, waiting at most `idle` between reads and
/// [`MESSAGE_DEADLINE`] in all once the first byte has come.
pub(super) async fn read_to_end(
    stream: &mut (impl AsyncRead + Unpin),
    max: usize,
    idle: Duration,
    what: &str,
) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        let wait = match deadline {
            Some(deadline) => {
                idle.min(deadline.saturating_duration_since(tokio::time::Instant::now()))
            }
            None => idle,
        };
        if wait.is_zero() {
            return Err(format!(
                "{what} took more than {} s to arrive: the peer is sending too slowly",
                MESSAGE_DEADLINE.as_secs()
            ));
        }
        match timeout(wait, stream.read(&mut chunk)).await {
            Ok(Ok(0)) => return Ok(buf),
            Ok(Ok(n)) => {
                if buf.len() + n > max {
                    return Err(format!("{what} is longer than {max} bytes"));
                }
                buf.extend_from_slice(&chunk[..n]);
                deadline.get_or_insert_with(|| tokio::time::Instant::now() + MESSAGE_DEADLINE);
            }
            Ok(Err(e)) => return Err(format!("reading {what}: {e}")),
            Err(_) if buf.is_empty() => return Err(format!("timed out waiting for {what}")),
            // The seed sends its message in one go; a sender that stops short of closing has said
            // all it is going to.
            Err(_) => return Ok(buf),
        }
    }
}

/// Reads what one `recv(1024)` would: a single read of at most `max` bytes.
pub(super) async fn read_once(
    stream: &mut (impl AsyncRead + Unpin),
    max: usize,
    limit: Duration,
    what: &str,
) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; max];
    match timeout(limit, stream.read(&mut buf)).await {
        Ok(Ok(0)) => Err(format!("the peer closed before sending {what}")),
        Ok(Ok(n)) => {
            buf.truncate(n);
            Ok(buf)
        }
        Ok(Err(e)) => Err(format!("reading {what}: {e}")),
        Err(_) => Err(format!("timed out waiting for {what}")),
    }
}

/// Writes all of `bytes` within `limit`.
pub(super) async fn write_all(
    stream: &mut (impl AsyncWrite + Unpin),
    bytes: &[u8],
    limit: Duration,
) -> Result<(), String> {
    match timeout(limit, stream.write_all(bytes)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("write failed: {e}")),
        Err(_) => Err("the peer stopped reading".to_owned()),
    }
}

/// Whether a token is whole as far as `cipher` can tell: anything but a tag mismatch or a
/// length or encoding problem means the text ends where a token ends.
fn whole(cipher: &Cipher, token: &[u8]) -> bool {
    !matches!(
        cipher.open(token).verdict,
        Verdict::Rejected(
            Reason::TagMismatch
                | Reason::TooShort
                | Reason::InvalidBase64
                | Reason::NotBlockMultiple
        )
    )
}

/// Reads Fernet tokens sent back to back with no delimiter (seed 001).
#[derive(Default)]
pub(super) struct TokenReader {
    splitter: TokenSplitter,
    ready: std::collections::VecDeque<Vec<u8>>,
    closed: bool,
    /// When the pending token's first byte came: it must be whole by [`MESSAGE_DEADLINE`].
    pending_since: Option<tokio::time::Instant>,
}

impl TokenReader {
    /// Adds bytes that arrived before the reader was in use.
    pub(super) fn prefill(&mut self, bytes: &[u8]) {
        self.splitter.push(bytes);
    }

    /// The next token (or, when the sender went quiet mid-way, whatever it sent); `None` when
    /// the peer closed with nothing pending. Waits at most `idle` for a sender that is silent.
    pub(super) async fn next(
        &mut self,
        stream: &mut (impl AsyncRead + Unpin),
        cipher: &Cipher,
        max: usize,
        idle: Duration,
    ) -> Result<Option<Vec<u8>>, String> {
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(token) = self.ready.pop_front() {
                return Ok(Some(token));
            }
            if self.closed {
                return Ok(self.splitter.flush());
            }
            if self.splitter.pending() == 0 {
                self.pending_since = None;
            } else if self
                .pending_since
                .get_or_insert_with(tokio::time::Instant::now)
                .elapsed()
                >= MESSAGE_DEADLINE
            {
                return Err(format!(
                    "a token took more than {} s to arrive: the peer is sending too slowly",
                    MESSAGE_DEADLINE.as_secs()
                ));
            }
            let wait = if self.splitter.pending() > 0 {
                TOKEN_QUIET
            } else {
                idle
            };
            match timeout(wait, stream.read(&mut chunk)).await {
                Ok(Ok(0)) => self.closed = true,
                Ok(Ok(n)) => {
                    self.splitter.push(&chunk[..n]);
                    if self.splitter.pending() > max {
                        return Err(format!("more than {max} bytes without a whole token"));
                    }
                    self.ready
                        .extend(self.splitter.tokens(|t| whole(cipher, t)));
                }
                // A peer that closes without reading what we sent resets the connection (seed
                // 002 never reads the key): what it sent before that still counts.
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => self.closed = true,
                Ok(Err(e)) => return Err(format!("reading a token: {e}")),
                Err(_) if self.splitter.pending() > 0 => return Ok(self.splitter.flush()),
                Err(_) => return Err("timed out waiting for a token".to_owned()),
            }
        }
    }
}

/// Closes a connection with a FIN rather than a reset: shut our side, then read and discard
/// what the peer still sends for a moment (closing with unread input makes the kernel send RST).
pub(super) async fn close_gently(stream: &mut tokio::net::TcpStream) {
    let _ = stream.shutdown().await;
    let mut sink = [0u8; 4096];
    let drained = timeout(Duration::from_millis(200), async {
        while let Ok(n) = stream.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    });
    let _ = drained.await;
}

/// Whatever the peer sent before waiting for us, within `grace`: seed 002's client sends its
/// token without reading the key, and closes; writing the key first would make its kernel reset
/// the connection and drop the token with it.
pub(super) async fn early_bytes(
    stream: &mut tokio::net::TcpStream,
    grace: Duration,
    max: usize,
) -> Vec<u8> {
    let mut early = Vec::new();
    let mut chunk = [0u8; 4096];
    while early.len() < max {
        match timeout(grace, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => early.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    early
}
