//! The state of the tabs beside Lab: each tab's part lives here, so a new tab adds a field to
//! [`TabStates`] rather than to the app.

use super::board::MatrixBoard;
use super::compare::Compare;
use crate::net::oracle::LiveAttack;

/// The Compare, Matrix and Oracle tabs' state (Picture has none).
pub struct TabStates {
    /// The Compare tab.
    pub compare: Compare,
    /// The Matrix tab.
    pub matrix: MatrixBoard,
    /// The Oracle tab.
    pub oracle: OracleBoard,
}

impl TabStates {
    /// Fresh tabs; `fixed` gives Compare deterministic keys and nonces (snapshots).
    pub fn new(fixed: bool) -> TabStates {
        TabStates {
            compare: Compare::new(fixed),
            matrix: MatrixBoard::default(),
            oracle: OracleBoard::default(),
        }
    }
}

/// The Oracle tab's part: the attack it watches, shared with the task that runs it (which
/// writes every question into it, and reads the pace from it), and what that attack reads.
#[derive(Default)]
pub struct OracleBoard {
    live: LiveAttack,
    aim: Option<String>,
}

impl OracleBoard {
    /// The attack watched.
    pub fn live(&self) -> &LiveAttack {
        &self.live
    }

    /// What it reads, in words.
    pub fn aim(&self) -> Option<&str> {
        self.aim.as_deref()
    }

    /// A new attack, on `aim`: the handle to give the task that runs it. It is a handle of
    /// its own, so that an earlier attack still asking (on another connection) writes nowhere
    /// that is shown; the pace carries over, so a class slowed once stays slowed.
    pub fn aim_at(&mut self, aim: String) -> LiveAttack {
        self.aim = Some(aim);
        self.live = LiveAttack::paced(self.live.pace());
        self.live.clone()
    }

    /// Forgets the attack (the demo started again): a handle of its own, so that a task of
    /// the old demo still running writes nowhere that is shown.
    pub fn reset(&mut self) {
        self.live = LiveAttack::paced(self.live.pace());
        self.aim = None;
    }
}
