//! The network tasks: a lab server and a lab client on tokio.
//!
//! They report typed [`Event`]s over a bounded channel and take commands over another, and
//! never know which front end listens. Every resource is bounded by [`Limits`].

mod accept;
mod attack;
mod client;
mod config;
mod event;
pub mod exercise;
mod keystream;
pub mod matrix;
pub mod mitm;
mod mode;
mod names;
pub mod oracle;
mod roster;
pub(crate) mod seed;
pub mod server;
mod session;
mod topology;

pub use attack::{FORGED_TEXT, INJECTED_SEQ, ORACLE_SEQ, seq_label};
pub use client::run as run_client;
pub use config::{
    AutoReply, ClientConfig, Clock, KeyText, Limits, MitmConfig, Retry, ServerConfig,
    VerdictDetail, system_clock,
};
pub use event::{
    AttackKind, ClientCommand, Direction, Event, Fate, HoldId, MitmCommand, OracleEvent, Peer,
    PeerId, Reading, ServerCommand,
};
pub use mitm::run as run_mitm;
pub use mode::Mode;
pub use server::run as run_server;
pub use topology::{Chain, DemoOptions, Role, Tagged, Topology};

use crate::crypto::{KeyError, Scheme};

/// Depth of the event channel from the network tasks to a front end.
pub const EVENT_QUEUE: usize = 1024;

/// Why a network task could not start or continue.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The listening address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The server could not be reached.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The server did not answer in time.
    #[error("cannot connect to {addr}: timed out")]
    ConnectTimeout {
        /// The address.
        addr: String,
    },
    /// The handshake went wrong.
    #[error("handshake failed: {0}")]
    Handshake(String),
    /// The connection broke during the handshake (the server went away): worth a retry.
    #[error("handshake failed: {0}")]
    HandshakeLost(String),
    /// The server refused us with an ERROR frame.
    #[error("the server refused the connection: {0}")]
    Refused(String),
    /// The connection to the server was lost (it shut down, crashed, or the network failed).
    #[error("lost the server: {0}")]
    Lost(String),
    /// Every retry failed (`--retries`); the last failure is kept.
    #[error("gave up after {attempts} {}: {last}", if *attempts == 1 { "retry" } else { "retries" })]
    GaveUp {
        /// Retries made.
        attempts: u32,
        /// Why the last one failed.
        last: Box<NetError>,
    },
    /// The server uses a pre-shared key and we have none.
    #[error(
        "the server uses a pre-shared {scheme} key (psk), and this client has none: give --key, --key-file or CIPHERLAB_KEY{}",
        if *scheme == Scheme::Hmac { " (or SHARED_SECRET_KEY)" } else { "" }
    )]
    MissingKey {
        /// The session's scheme.
        scheme: Scheme,
    },
    /// The conversation broke off: the server closed, stopped answering, or broke the
    /// protocol.
    #[error("{0}")]
    Ended(String),
    /// Our pre-shared key does not fit the session's scheme.
    #[error("{origin}: {source}")]
    Key {
        /// Where the key came from.
        origin: String,
        /// What was wrong with it.
        source: KeyError,
    },
}

impl NetError {
    /// Whether trying again later may work: the server was unreachable or went away, or
    /// refused us for a reason that can pass (it was full, or a man in the middle could not
    /// reach it). A scheme mismatch, a bad key or a broken handshake stays what it is.
    pub fn may_pass(&self) -> bool {
        match self {
            NetError::Connect { .. } | NetError::ConnectTimeout { .. } => true,
            NetError::HandshakeLost(_) | NetError::Lost(_) => true,
            NetError::Refused(reason) => !reason.starts_with(server::SCHEME_MISMATCH),
            NetError::Bind { .. }
            | NetError::Handshake(_)
            | NetError::GaveUp { .. }
            | NetError::MissingKey { .. }
            | NetError::Ended(_)
            | NetError::Key { .. } => false,
        }
    }
}
