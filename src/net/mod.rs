//! The network tasks: a lab server and a lab client on tokio.
//!
//! They report typed [`Event`]s over a bounded channel and take commands over another, and
//! never know which front end listens. Every resource is bounded by [`Limits`].

mod accept;
mod attack;
mod client;
mod config;
mod event;
mod keystream;
pub mod matrix;
pub mod mitm;
mod mode;
pub mod oracle;
mod roster;
pub(crate) mod seed;
pub mod server;
mod session;
mod topology;

pub use attack::{FORGED_TEXT, INJECTED_SEQ, ORACLE_SEQ, seq_label};
pub use client::run as run_client;
pub use config::{
    AutoReply, ClientConfig, Clock, KeyText, Limits, MitmConfig, ServerConfig, VerdictDetail,
    system_clock,
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
    /// The server refused us with an ERROR frame.
    #[error("the server refused the connection: {0}")]
    Refused(String),
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
