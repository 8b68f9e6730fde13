//! The state of the tabs beside Lab: each tab's part lives here, so a new tab adds a field to
//! [`TabStates`] rather than to the app.

use super::board::MatrixBoard;
use super::compare::Compare;

/// The Compare and Matrix tabs' state (Picture has none).
pub struct TabStates {
    /// The Compare tab.
    pub compare: Compare,
    /// The Matrix tab.
    pub matrix: MatrixBoard,
}

impl TabStates {
    /// Fresh tabs; `fixed` gives Compare deterministic keys and nonces (snapshots).
    pub fn new(fixed: bool) -> TabStates {
        TabStates {
            compare: Compare::new(fixed),
            matrix: MatrixBoard::default(),
        }
    }
}
