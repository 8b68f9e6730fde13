//! `cipherlab attack`'s arguments: the oracle lab's three attacks and what every one takes.

use clap::{Args, Subcommand};

use super::values::{HexMessage, parse_append, parse_hex_message, parse_peer_address};
use super::{DEFAULT_ADDR, KeyArgs, NetArgs};

/// `cipherlab attack`: the oracle lab (DESIGN §9).
#[derive(Debug, Subcommand)]
pub enum AttackCommand {
    /// Decrypt a captured cbc message from the server's verdicts alone (Vaudenay 2002).
    ///
    /// The message is salt ‖ CT, as hex; `unauthenticated` means the padding was valid, and
    /// each byte takes at most 256 queries. Works under
    /// psk and against `server --verdicts opaque`, and fails, saying why, against fernet, gcm
    /// and chacha, whose tag rejects every query before the padding is looked at.
    PaddingOracle(PaddingOracleArgs),
    /// Recover the secret an ecb `server --echo-append TEXT` appends to its echoes.
    ///
    /// It sends chosen prefixes and compares the replies' ciphertext blocks (never opening
    /// them), one question a byte, with no key needed. Fails under
    /// cbc, fernet, gcm and chacha: a random IV or nonce leaves no repeated blocks.
    ByteAtATime(ByteAtATimeArgs),
    /// Length extension against a prefix-mac server, trying key lengths 1 to 64.
    ///
    /// Appends TEXT to a captured message (len ‖ m ‖ tag, as hex) for each key length and
    /// reports the one the server accepts as authentic. Under hmac every try is rejected.
    Extend(ExtendArgs),
}

/// What every attack takes.
#[derive(Debug, Args)]
pub struct AttackArgs {
    /// The lab server's address.
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_ADDR, value_parser = parse_peer_address)]
    pub connect: String,
    /// The name shown on the server's client list (and, with an exercise, whose material).
    #[arg(long, value_name = "N", default_value = "attacker")]
    pub name: String,
    /// Print JSON lines (oracle-started, oracle-byte, oracle-done or oracle-failed) instead of
    /// text.
    #[arg(long)]
    pub headless: bool,
    /// Network limits.
    #[command(flatten)]
    pub net: NetArgs,
}

/// `cipherlab attack padding-oracle`.
#[derive(Debug, Args)]
pub struct PaddingOracleArgs {
    /// The captured message's wire bytes as hex (an `intercepted` event's `wire_hex`).
    #[arg(long, value_name = "HEX", value_parser = parse_hex_message)]
    pub message: HexMessage,
    /// Where and how.
    #[command(flatten)]
    pub attack: AttackArgs,
}

/// `cipherlab attack byte-at-a-time`.
#[derive(Debug, Args)]
pub struct ByteAtATimeArgs {
    /// A key to seal the chosen prefixes with under psk; without one they go as raw bytes,
    /// which the echo returns sealed all the same. The replies are never opened with it.
    #[command(flatten)]
    pub key: KeyArgs,
    /// Where and how.
    #[command(flatten)]
    pub attack: AttackArgs,
}

/// `cipherlab attack extend`.
#[derive(Debug, Args)]
pub struct ExtendArgs {
    /// The captured message's wire bytes as hex: len ‖ m ‖ tag.
    #[arg(long, value_name = "HEX", value_parser = parse_hex_message)]
    pub message: HexMessage,
    /// The text to append.
    #[arg(long, value_name = "TEXT", value_parser = parse_append)]
    pub append: String,
    /// Where and how.
    #[command(flatten)]
    pub attack: AttackArgs,
}
