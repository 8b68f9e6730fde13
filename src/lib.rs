//! cipherlab: a terminal lab for symmetric cryptography on the wire.
//!
//! # Layout
//! The modules are layers, and the arrows point one way:
//! front ends (`headless`, `tui`) → [`net`] → [`wire`] → [`crypto`].
//!
//! - [`crypto`]: the four schemes (ecb, cbc, fernet, hmac), pure. Keys, seal, open, verdicts,
//!   and the anatomy of a message.
//! - `wire`: the framed lab protocol: a pure codec and its frames.
//! - `net`: tokio tasks for the server and client; they report typed events over bounded
//!   channels and take commands, and never know which front end listens.
//! - `headless`: a front end that prints one JSON object per event.
//! - `tui`: the ratatui front end (demo, server, client, mitm, lessons, replay).
//! - `lesson`: lesson scripts, and `record`: session recordings and their replay.
//! - `bench`: `cipherlab bench crypto` and `bench net`.
//! - `cli`: the command line.

pub mod bench;
pub mod cli;
pub mod crypto;
pub mod headless;
pub mod json;
pub mod lesson;
pub mod logging;
pub mod net;
pub mod oneshot;
pub mod record;
pub mod tui;
pub mod wire;
