//! How a session's key is established: sent in the clear, pre-shared, or agreed. It belongs
//! beside the keys; the lab protocol's WELCOME carries its word.

use serde::{Deserialize, Serialize};

use super::Scheme;

/// How a session's key is established.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyExchange {
    /// The server sends its key in the clear, as seeds 000 and 001 do. Insecure by design.
    Send,
    /// Both sides already hold the key; nothing goes on the wire.
    Psk,
    /// An ephemeral X25519 agreement: only public keys go on the wire.
    X25519,
}

impl KeyExchange {
    /// The word used on the command line and in WELCOME.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyExchange::Send => "send",
            KeyExchange::Psk => "psk",
            KeyExchange::X25519 => "x25519",
        }
    }

    /// The default for a scheme: `psk` for the MACs (as seed 004), `send` otherwise (seeds
    /// 000/001).
    pub fn default_for(scheme: Scheme) -> KeyExchange {
        scheme.default_exchange()
    }
}
