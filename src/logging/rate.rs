//! The per-peer rate limit: a few lines a second from each peer, the rest counted and
//! reported in one summary line.

use super::*;

/// Lines a second per peer, in fixed one-second windows that start at a peer's first line.
pub(super) struct PeerLimit {
    pub(super) per_second: u32,
    pub(super) capacity: usize,
    pub(super) windows: HashMap<String, Window>,
    pub(super) last_sweep: Option<Instant>,
}

pub(super) struct Window {
    pub(super) start: Instant,
    pub(super) lines: u32,
    pub(super) suppressed: u64,
}

pub(super) const WINDOW: Duration = Duration::from_secs(1);

impl PeerLimit {
    pub(super) fn new(per_second: u32, capacity: usize) -> PeerLimit {
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
    pub(super) fn admit(
        &mut self,
        peer: &str,
        now: Instant,
        mut summary: impl FnMut(&str, u64),
    ) -> bool {
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
    pub(super) fn sweep(&mut self, now: Instant, mut summary: impl FnMut(&str, u64)) {
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
