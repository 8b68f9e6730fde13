//! What the network tasks report, and what front ends may ask of them.
//!
//! Both travel over bounded channels. The same stream feeds the headless printer and the
//! screen; the network never knows which one listens. [`Event::name`] holds the event names of
//! the product contract in one place.

use std::fmt;
use std::net::SocketAddr;

use bytes::Bytes;

use crate::crypto::KeyExchange;
use crate::crypto::{Key, KeySource, Opened, Scheme, Tamper, Verdict};
use crate::wire::{Frame, Task};

use super::exercise::Progress;

mod oracle;

pub use oracle::{AttackKind, OracleEvent};

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

/// How the man in the middle read a plaintext.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reading {
    /// With the key, read off the wire where it crossed in the clear.
    Key,
    /// The scheme never encrypted it (hmac, prefix-mac).
    Plaintext,
    /// Under a repeated nonce: the ciphertext XOR a known plaintext's keystream.
    KeystreamReuse,
}

impl Reading {
    /// The words of the `how` field in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Reading::Key => "key read off the wire",
            Reading::Plaintext => "plaintext on the wire",
            Reading::KeystreamReuse => "keystream reuse",
        }
    }

    /// Parses [`Reading::as_str`] back.
    pub fn from_words(words: &str) -> Option<Reading> {
        [Reading::Key, Reading::Plaintext, Reading::KeystreamReuse]
            .into_iter()
            .find(|r| r.as_str() == words)
    }
}

/// Which way a frame travels through the man in the middle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the client towards the server.
    ToServer,
    /// From the server towards the client.
    ToClient,
}

impl Direction {
    /// The word used in JSON events.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::ToServer => "client-to-server",
            Direction::ToClient => "server-to-client",
        }
    }

    /// An arrow for the screen.
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::ToServer => "→",
            Direction::ToClient => "←",
        }
    }
}

/// A frame the man in the middle is holding until the front end decides its fate.
pub type HoldId = u64;

/// What the man in the middle did with a frame it intercepted. One enum rather than a hold
/// number beside a "forwarded" flag, so that a frame cannot be both held and passed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fate {
    /// Passed on to where it was going (any tampering is reported by its own event).
    Forwarded,
    /// Held in intercept mode until the front end releases, edits or drops it.
    Held(HoldId),
    /// Not passed on: the server's answer to a message the attacker injected (a replay),
    /// which the client never sent and must not see.
    KeptBack,
}

impl Fate {
    /// Whether the frame went on its way (the `forwarded` field of JSON events).
    pub fn forwarded(self) -> bool {
        self == Fate::Forwarded
    }

    /// The hold number, while the frame is held (the `held` field of JSON events).
    pub fn held(self) -> Option<HoldId> {
        match self {
            Fate::Held(hold) => Some(hold),
            Fate::Forwarded | Fate::KeptBack => None,
        }
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
        /// The name the client gave (unique on the server, `alice-2` when another `alice` is
        /// connected), or the server's role.
        name: String,
        /// The session's scheme.
        scheme: Scheme,
        /// On a lab client: the name the server lists it under, told in WELCOME (`None`
        /// elsewhere, or from an older server).
        listed_as: Option<String>,
    },
    /// A lab client lost its server, or could not reach it, and tries again after `delay`.
    Reconnecting {
        /// The server's address, as given.
        addr: String,
        /// This try's number, from 1.
        attempt: u32,
        /// Tries before giving up (`--retries`).
        attempts: u32,
        /// The wait before it.
        delay: std::time::Duration,
        /// Why the last connection failed or ended.
        reason: String,
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
        /// The sealed bytes.
        sealed: Bytes,
    },
    /// A message arrived and was opened.
    Received {
        /// From whom.
        peer: Peer,
        /// The sender's sequence number.
        seq: u64,
        /// The sealed bytes as they arrived.
        sealed: Bytes,
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
    /// The man in the middle saw a frame pass (or is holding it).
    Intercepted {
        /// The client connection it belongs to.
        peer: Peer,
        /// Which way it was going.
        direction: Direction,
        /// The frame as it arrived.
        frame: Frame,
        /// Whether it was passed on, is held, or was kept back.
        fate: Fate,
    },
    /// The man in the middle changed, dropped, replayed or forged a client message.
    Tampered {
        /// The client connection.
        peer: Peer,
        /// The client's sequence number of the message acted on.
        seq: u64,
        /// What was done.
        action: Tamper,
        /// The sealed bytes sent instead (empty for `drop`; the replayed message for `replay`).
        sealed: Bytes,
    },
    /// The man in the middle armed an action for the next client message. Front ends that
    /// arm and then send (lessons) wait for this, so the message cannot overtake the command.
    Armed {
        /// The action.
        action: Tamper,
    },
    /// The man in the middle read a plaintext: it holds the key, the scheme has no secrecy, or
    /// a nonce repeated under a known plaintext.
    Eavesdropped {
        /// The client connection.
        peer: Peer,
        /// Which way the message was going.
        direction: Direction,
        /// The sender's sequence number.
        seq: u64,
        /// What it read (under keystream reuse, as much as the known keystream covers).
        plaintext: Bytes,
        /// How.
        how: Reading,
    },
    /// The man in the middle saw a gcm/chacha nonce it had seen before on this connection.
    NonceReused {
        /// The client connection.
        peer: Peer,
        /// The client's sequence number of the message that repeated it.
        seq: u64,
        /// The sequence number of the earlier message under the same nonce.
        earlier_seq: u64,
    },
    /// How an attack of the oracle lab is getting on.
    Oracle(OracleEvent),
    /// Wire bytes sent as they are (`--send-wire`): no plaintext, the student made them.
    SentWire {
        /// To whom.
        peer: Peer,
        /// Our sequence number for it.
        seq: u64,
        /// The bytes.
        sealed: Bytes,
    },
    /// A client was given its exercise (TASK).
    Task {
        /// The server.
        peer: Peer,
        /// The task and this student's material.
        task: Task,
    },
    /// A client learned whether it solved the exercise (RESULT).
    Result {
        /// The server.
        peer: Peer,
        /// `correct` or not.
        correct: bool,
        /// Why.
        reason: String,
    },
    /// A NOTICE from the instructor arrived.
    Notice {
        /// The server.
        peer: Peer,
        /// The line.
        text: String,
    },
    /// On a server hosting an exercise: a student's progress changed (a try, or the solve).
    Progress {
        /// The student's connection.
        peer: Peer,
        /// The name they are listed under.
        name: String,
        /// The exercise.
        exercise: String,
        /// Where they stand.
        progress: Progress,
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
    /// The connection the event belongs to, if any.
    pub fn peer(&self) -> Option<Peer> {
        match self {
            Event::Connected { peer, .. }
            | Event::Sent { peer, .. }
            | Event::Received { peer, .. }
            | Event::Verdict { peer, .. }
            | Event::Disconnected { peer, .. }
            | Event::Intercepted { peer, .. }
            | Event::Tampered { peer, .. }
            | Event::Eavesdropped { peer, .. }
            | Event::NonceReused { peer, .. }
            | Event::Unsent { peer, .. }
            | Event::SentWire { peer, .. }
            | Event::Task { peer, .. }
            | Event::Result { peer, .. }
            | Event::Notice { peer, .. }
            | Event::Progress { peer, .. } => Some(*peer),
            Event::Error { peer, .. } => *peer,
            Event::Listening { .. }
            | Event::Key { .. }
            | Event::Armed { .. }
            | Event::Oracle(_)
            | Event::Reconnecting { .. } => None,
        }
    }

    /// The event's name in the product contract (`"listening"`, `"sent"`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Event::Listening { .. } => "listening",
            Event::Connected { .. } => "connected",
            Event::Reconnecting { .. } => "reconnecting",
            Event::Key { .. } => "key",
            Event::Sent { .. } | Event::SentWire { .. } => "sent",
            Event::Task { .. } => "task",
            Event::Result { .. } => "result",
            Event::Notice { .. } => "notice",
            Event::Progress { .. } => "progress",
            Event::Received { .. } => "received",
            Event::Verdict { .. } => "verdict",
            Event::Disconnected { .. } => "disconnected",
            Event::Intercepted { .. } => "intercepted",
            Event::Tampered { .. } => "tampered",
            Event::Armed { .. } => "armed",
            Event::Eavesdropped { .. } => "eavesdropped",
            Event::NonceReused { .. } => "nonce-reused",
            Event::Oracle(oracle) => oracle.name(),
            Event::Unsent { .. } | Event::Error { .. } => "error",
        }
    }
}

/// What a front end asks of a client, or of one connection of a server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientCommand {
    /// Seal and send this plaintext.
    Send(Bytes),
    /// Send these bytes as a DATA frame's message, unsealed: bytes the student made.
    SendWire(Bytes),
    /// Send an ANSWER to the exercise.
    Answer(String),
    /// Send a NOTICE (a server, to its client).
    Notice(String),
    /// Say BYE and close.
    Disconnect,
}

/// What a front end asks of the man in the middle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MitmCommand {
    /// Apply this action to the next client message, on whichever connection sends one.
    Arm(Tamper),
    /// Hold every client message until released (true), or release them all and stop holding.
    Intercept(bool),
    /// Let a held message go, after applying `tamper` if given (`drop` discards it).
    Release {
        /// The client connection.
        peer: PeerId,
        /// The held frame.
        hold: HoldId,
        /// What to do to it first.
        tamper: Option<Tamper>,
    },
    /// Run the padding oracle on the next client message, on whichever connection sends one:
    /// its queries go into that connection (the server's verdicts on them kept from the
    /// client). Answered with `oracle-armed`. Every question, and how the attack stands, is
    /// shown on `live` (a lesson on the screen passes the Oracle tab's; headless, any).
    Oracle {
        /// Where a screen watches the attack, and sets its pace.
        live: crate::net::oracle::LiveAttack,
    },
    /// Run the padding oracle now on client message `seq` of connection `peer` (held or
    /// already forwarded): `wire` is the message as the client sealed it. The queries go into
    /// that connection; every one of them, and how the attack stands, is shown on `live`.
    OracleOn {
        /// The client connection.
        peer: PeerId,
        /// The client's sequence number of the message.
        seq: u64,
        /// The message's wire bytes.
        wire: Bytes,
        /// Where a screen watches the attack, and sets its pace.
        live: crate::net::oracle::LiveAttack,
    },
    /// Close every connection and stop.
    Shutdown,
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
    /// Send a NOTICE, a line from the instructor, to every connected client.
    Notice(String),
    /// Say BYE to everyone, wait for the connections to finish, and stop.
    Shutdown,
}
