//! What the network tasks report, and what front ends may ask of them.
//!
//! Both travel over bounded channels. The same stream feeds the headless printer and the
//! screen; the network never knows which one listens. [`Event::name`] holds the event names of
//! the product contract in one place.

use std::fmt;
use std::net::SocketAddr;

use bytes::Bytes;

use crate::crypto::{Key, KeySource, Opened, Scheme, Verdict};
use crate::wire::KeyExchange;

/// A connection's number, unique within one server or client run.
pub type PeerId = u64;

/// The other end of one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Peer {
    /// The connection's number.
    pub id: PeerId,
    /// Its socket address.
    pub addr: SocketAddr,
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.addr.fmt(f)
    }
}

/// Something that happened on the network.
#[derive(Clone, Debug)]
pub enum Event {
    /// The server is accepting connections at `addr` (the real port when asked for port 0).
    Listening {
        /// The bound address.
        addr: SocketAddr,
    },
    /// A connection completed its handshake.
    Connected {
        /// Who.
        peer: Peer,
        /// The name the client gave, or the server's role.
        name: String,
        /// The session's scheme.
        scheme: Scheme,
    },
    /// The key in use, and where it came from.
    Key {
        /// The key itself: front ends decide whether to show it (the screen does; headless
        /// output redacts it unless `--log-secrets`).
        key: Key,
        /// Where it came from.
        source: KeySource,
        /// How it was established.
        exchange: KeyExchange,
    },
    /// This side sealed and sent a message.
    Sent {
        /// To whom.
        peer: Peer,
        /// Our sequence number for it.
        seq: u64,
        /// What was sealed.
        plaintext: Bytes,
        /// The sealed wire bytes.
        wire: Bytes,
    },
    /// A message arrived and was opened.
    Received {
        /// From whom.
        peer: Peer,
        /// The sender's sequence number.
        seq: u64,
        /// The wire bytes as they arrived.
        wire: Bytes,
        /// What this side concluded.
        opened: Opened,
    },
    /// The peer's verdict on one of our messages.
    Verdict {
        /// Who judged.
        peer: Peer,
        /// Our sequence number.
        seq: u64,
        /// What the peer concluded.
        verdict: Verdict,
    },
    /// A connection ended.
    Disconnected {
        /// Who.
        peer: Peer,
        /// Why, in words.
        reason: String,
        /// Messages we sent that never got a verdict.
        unanswered: usize,
    },
    /// A message the front end asked to send was not sent (reported as an `error` event).
    Unsent {
        /// To whom it was going.
        peer: Peer,
        /// Why not.
        reason: String,
    },
    /// Something failed; `peer` says which connection, if any.
    Error {
        /// The connection at fault, if one.
        peer: Option<Peer>,
        /// What happened.
        message: String,
    },
}

impl Event {
    /// The event's name in the product contract (`"listening"`, `"sent"`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Event::Listening { .. } => "listening",
            Event::Connected { .. } => "connected",
            Event::Key { .. } => "key",
            Event::Sent { .. } => "sent",
            Event::Received { .. } => "received",
            Event::Verdict { .. } => "verdict",
            Event::Disconnected { .. } => "disconnected",
            Event::Unsent { .. } | Event::Error { .. } => "error",
        }
    }
}

/// What a front end asks of a client, or of one connection of a server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientCommand {
    /// Seal and send this plaintext.
    Send(Bytes),
    /// Say BYE and close.
    Disconnect,
}

/// What a front end asks of a server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerCommand {
    /// Seal and send a reply to one client.
    Send {
        /// The client.
        to: PeerId,
        /// The plaintext.
        plaintext: Bytes,
    },
    /// Seal and send to every connected client.
    Broadcast(Bytes),
    /// Say BYE to one client and close its connection.
    Kick(PeerId),
    /// Say BYE to everyone, wait for the connections to finish, and stop.
    Shutdown,
}
