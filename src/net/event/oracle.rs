//! The oracle lab's events (DESIGN §9): which attack, and how it goes, byte by byte.

use bytes::Bytes;

/// An attack of the oracle lab (DESIGN §9): each reads without the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttackKind {
    /// Vaudenay's padding oracle against cbc.
    PaddingOracle,
    /// ECB byte-at-a-time against a server that appends a secret to what it echoes.
    ByteAtATime,
    /// Length extension against prefix-mac, the key's length found by trying.
    Extend,
}

impl AttackKind {
    /// The attack's name, as on the command line and in the `attack` field.
    pub fn name(self) -> &'static str {
        match self {
            AttackKind::PaddingOracle => "padding-oracle",
            AttackKind::ByteAtATime => "byte-at-a-time",
            AttackKind::Extend => "extend",
        }
    }
}

impl std::str::FromStr for AttackKind {
    type Err = String;

    fn from_str(text: &str) -> Result<AttackKind, String> {
        [
            AttackKind::PaddingOracle,
            AttackKind::ByteAtATime,
            AttackKind::Extend,
        ]
        .into_iter()
        .find(|a| a.name() == text)
        .ok_or_else(|| {
            format!("unknown attack {text:?} (expected padding-oracle, byte-at-a-time or extend)")
        })
    }
}

/// How an attack of the oracle lab is getting on. [`OracleEvent::name`] holds the contract's
/// names for these events.
#[derive(Clone, Debug, PartialEq)]
pub enum OracleEvent {
    /// The man in the middle will run `attack` on the next client message.
    Armed {
        /// Which attack.
        attack: AttackKind,
    },
    /// The attack has its target.
    Started {
        /// Which attack.
        attack: AttackKind,
        /// Bytes to recover: the captured ciphertext, the appended secret, the message.
        target_len: usize,
        /// The block size found (byte-at-a-time), if the attack measures one.
        block_size: Option<usize>,
    },
    /// One byte recovered.
    Byte {
        /// Its block, from 0.
        block: usize,
        /// Its position in the block (padding oracle) or in the secret (byte-at-a-time).
        index: usize,
        /// The byte.
        value: u8,
        /// Questions it took.
        queries: u64,
    },
    /// Recovered: the plaintext, the secret, or the accepted forgery.
    Done {
        /// Which attack.
        attack: AttackKind,
        /// What was recovered (for `extend`, the forged message the server accepted).
        plaintext: Bytes,
        /// Questions asked in all.
        queries: u64,
        /// How long it took.
        seconds: f64,
        /// The key length that worked (`extend`).
        key_len: Option<usize>,
    },
    /// The attack cannot succeed against this server, and why.
    Failed {
        /// Which attack.
        attack: AttackKind,
        /// Why, in words.
        reason: String,
        /// Questions asked in all.
        queries: u64,
    },
}

impl OracleEvent {
    /// The event's name in the product contract.
    pub fn name(&self) -> &'static str {
        match self {
            OracleEvent::Armed { .. } => "oracle-armed",
            OracleEvent::Started { .. } => "oracle-started",
            OracleEvent::Byte { .. } => "oracle-byte",
            OracleEvent::Done { .. } => "oracle-done",
            OracleEvent::Failed { .. } => "oracle-failed",
        }
    }
}
