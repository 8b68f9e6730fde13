//! `--wire seed`: the seed programs' own bytes, so that the lab's Python programs can talk to
//! cipherlab's server, client and man in the middle unchanged (`seeds/PROTOCOLS.md`).
//!
//! The events are the lab's own: a seed message is reported as `received`, `sent` and
//! `verdict` like any other. Where a seed protocol has no verdict (000), none is reported;
//! where its reply implies one (001's reply token, 003's HTTP status, 004's text), that is it.

/// Why the seed-wire man in the middle cannot hold messages for the screen.
pub const NO_HOLD_ON_SEED_WIRE: &str =
    "holding messages works on the lab wire; on the seed wire, arm an action (t) or use --tamper";

pub(crate) mod client;
pub(crate) mod http;
mod io;
pub(crate) mod mitm;
pub(crate) mod server;
