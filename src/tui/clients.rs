//! The server's clients as its screen lists them, and the one its operator replies to.

use crate::crypto::Verdict;
use crate::net::{Peer, PeerId};

/// Clients listed by the server view; the oldest disconnected ones are forgotten first.
pub const MAX_CLIENTS_SHOWN: usize = 256;

/// One row of the server's client list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRow {
    /// The connection.
    pub peer: Peer,
    /// The name it gave.
    pub name: String,
    /// Messages received from it.
    pub messages_in: u64,
    /// Messages sent to it.
    pub messages_out: u64,
    /// The server's verdict on its latest message.
    pub last_verdict: Option<Verdict>,
    /// Whether it is still connected.
    pub connected: bool,
}

/// The client list.
#[derive(Debug, Default)]
pub struct ClientList {
    rows: Vec<ClientRow>,
    selected: usize,
}

impl ClientList {
    /// The rows, in order of arrival.
    pub fn rows(&self) -> &[ClientRow] {
        &self.rows
    }

    /// The row the operator replies to.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// A client connected; past [`MAX_CLIENTS_SHOWN`] a gone one makes room, and when none
    /// has gone the newcomer is not listed.
    pub fn add(&mut self, peer: Peer, name: String) {
        if self.rows.len() >= MAX_CLIENTS_SHOWN
            && let Some(gone) = self.rows.iter().position(|c| !c.connected)
        {
            self.rows.remove(gone);
        }
        if self.rows.len() < MAX_CLIENTS_SHOWN {
            self.rows.push(ClientRow {
                peer,
                name,
                messages_in: 0,
                messages_out: 0,
                last_verdict: None,
                connected: true,
            });
        }
    }

    /// The row of connection `id`.
    pub fn row_mut(&mut self, id: PeerId) -> Option<&mut ClientRow> {
        self.rows.iter_mut().find(|c| c.peer.id == id)
    }

    /// The name of connection `id`, if listed.
    pub fn name_of(&self, id: PeerId) -> Option<&str> {
        self.rows
            .iter()
            .find(|c| c.peer.id == id)
            .map(|c| c.name.as_str())
    }

    /// Moves the selection `delta` rows, clamped to the list.
    pub fn step(&mut self, delta: isize) {
        let last = self.rows.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    /// The connected client the operator replies to, if the selection is one.
    pub fn reply_to(&self) -> Option<PeerId> {
        self.rows
            .get(self.selected)
            .filter(|c| c.connected)
            .map(|c| c.peer.id)
    }
}
