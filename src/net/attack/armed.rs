//! Actions armed from a front end for "the next client message", shared by every connection
//! of one man in the middle and bounded.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use crate::crypto::Tamper;
use crate::net::event::Event;

/// Actions armed for "the next message" that may wait at once.
pub(crate) const MAX_ARMED: usize = 16;

/// Actions armed for the next client message, whichever connection sends it.
#[derive(Default)]
pub(crate) struct Armed(Mutex<VecDeque<Tamper>>);

impl Armed {
    /// Arms `action` for the next client message. Returns the event to report: `armed`, or an
    /// `error` when too many actions already wait.
    pub(crate) fn arm(&self, action: Tamper) -> Event {
        let mut queue = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if queue.len() >= MAX_ARMED {
            let message =
                format!("{action} not armed: {MAX_ARMED} actions already wait for a message");
            return Event::Error {
                peer: None,
                message,
            };
        }
        queue.push_back(action.clone());
        Event::Armed { action }
    }

    /// The oldest armed action, taken for the message now arriving.
    pub(crate) fn take(&self) -> Option<Tamper> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
    }
}
