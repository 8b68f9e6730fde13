//! The attacker's seat: which client message a replay sends again, and the padding oracle
//! started from the screen on a held or selected message.

use super::App;
use crate::net::{Direction, MitmCommand, PeerId, Role};
use crate::tui::journey::Journey;
use crate::tui::state::{Request, Tab};

impl App {
    /// The sequence number of the last client message the man in the middle forwarded (on
    /// connection `peer`, when given): what a `replay` sends again. Dropped and held messages
    /// never reached the server, and injected copies are not the client's.
    pub(super) fn last_forwarded(&self, peer: Option<PeerId>) -> Option<u64> {
        let conn = peer.map(|peer| self.conn(Role::Mitm, peer));
        let held = |journey: &Journey| {
            self.attacker
                .held
                .iter()
                .any(|h| self.conn(Role::Mitm, h.peer) == journey.conn && h.seq == journey.seq)
        };
        self.timeline
            .journeys()
            .iter()
            .rev()
            .filter(|j| j.direction == Some(Direction::ToServer) && !j.injected)
            .filter(|j| conn.is_none_or(|conn| conn == j.conn))
            .find(|j| j.on_wire.is_some() && !j.dropped() && !held(j))
            .map(|j| j.seq)
    }

    /// Starts the padding oracle on the held client message, else on the one selected (or
    /// latest) in History, through the man in the middle's connection it crossed, and shows
    /// the Oracle tab. The scheme is not checked here: against anything but cbc the attack
    /// runs and fails, and the tab says why, as `cipherlab attack` does.
    pub(super) fn start_oracle(&mut self) {
        let held = self
            .attacker
            .held
            .front()
            .map(|h| (h.peer, h.seq, h.wire.clone(), "held "));
        let selected = || {
            let journey = self.timeline.current()?;
            let client_sent = journey.direction == Some(Direction::ToServer) && !journey.injected;
            let wire = journey.on_wire.as_ref().filter(|w| !w.is_cut())?;
            let peer = journey.via?;
            client_sent.then(|| (peer, journey.seq, wire.bytes.clone(), ""))
        };
        let Some((peer, seq, wire, how)) = held.or_else(selected) else {
            self.ui.show_error(
                "no client message to read: send one, select it in History (or hold one with \
                 x), then press o",
            );
            return;
        };
        let aim = format!(
            "{how}client message #{seq} ({} bytes), asked through the victim's connection",
            wire.len()
        );
        let live = self.tabs.oracle.aim_at(aim);
        self.requests.push(Request::Mitm(MitmCommand::OracleOn {
            peer,
            seq,
            wire,
            live,
        }));
        self.ui.show_tab(Tab::Oracle);
    }
}
