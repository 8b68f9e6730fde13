//! The watchdog of a connection: a frame that dribbles in, or no traffic at all.

use super::Limits;

/// Watches a connection for the two ways a peer can hold a slot without using it: a frame
/// that has started to arrive but dribbles in (slowloris), and no traffic at all for
/// `--idle-timeout`. Checked on a one-second tick, so neither costs a timer per frame.
pub(crate) struct Watch {
    partial_since: Option<tokio::time::Instant>,
    last_activity: tokio::time::Instant,
}

impl Watch {
    pub(crate) fn new() -> Watch {
        Watch {
            partial_since: None,
            last_activity: tokio::time::Instant::now(),
        }
    }

    /// Something went across: a whole frame arrived, or one was sent.
    pub(crate) fn activity(&mut self) {
        self.partial_since = None;
        self.last_activity = tokio::time::Instant::now();
    }

    /// On a tick: why the connection must close, if it must. `partial` says whether part of a
    /// frame is waiting in the read buffer.
    pub(crate) fn check(&mut self, partial: bool, limits: &Limits) -> Option<Stall> {
        if !partial {
            self.partial_since = None;
        } else if self
            .partial_since
            .get_or_insert_with(tokio::time::Instant::now)
            .elapsed()
            >= limits.frame_timeout
        {
            return Some(Stall::SlowFrame(format!(
                "a frame took more than {} s to arrive: the peer is sending too slowly",
                limits.frame_timeout.as_secs()
            )));
        }
        (self.last_activity.elapsed() >= limits.idle_timeout).then(|| {
            Stall::Idle(format!(
                "idle for {} s (--idle-timeout)",
                limits.idle_timeout.as_secs()
            ))
        })
    }
}

/// Why a watched connection must close.
pub(crate) enum Stall {
    /// A frame is arriving too slowly: the peer is at fault.
    SlowFrame(String),
    /// Nothing crossed for `--idle-timeout`: a polite close.
    Idle(String),
}
