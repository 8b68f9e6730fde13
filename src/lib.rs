//! cipherlab: a terminal lab for symmetric cryptography on the wire.
//!
//! # Layout
//! The modules are layers, and the arrows point one way (no module imports one that imports
//! it back):
//! front ends (`headless`, `tui`) → `record`, `lesson` → [`json`] → [`net`] → [`wire`] →
//! [`crypto`].
//!
//! - [`crypto`]: the schemes (ecb, cbc, fernet, hmac), pure. Keys and how they are exchanged,
//!   seal, open, verdicts, tampering, and the anatomy of a message.
//! - [`wire`]: the lab protocol's pure codec and frames, and the seed protocols' constants.
//! - [`net`]: tokio tasks for the server, client and man in the middle. One accept loop serves
//!   them all, and one pure attack pipeline (`net::attack`) decides what the man in the middle
//!   does on either protocol; they report typed events over bounded channels and take
//!   commands, and never know which front end listens. `net::oracle` holds the attacks that
//!   read without the key (padding oracle, ECB byte-at-a-time, length extension): their
//!   logic pure, one lab connection for their questions.
//! - [`json`]: the JSON event contract, shared by the headless front end and recordings.
//! - [`headless`]: a front end that prints one JSON object per event.
//! - [`tui`]: the ratatui front end (demo, server, client, mitm, lessons, replay). Its state
//!   is in parts that own their data; each pane is a widget over the part it draws.
//! - [`lesson`]: lesson scripts, and [`record`]: session recordings and their replay.
//! - [`logging`]: the log file and the screen's log ring.
//! - [`bench`]: `cipherlab bench crypto` and `bench net`.
//! - [`cli`] and `oneshot`: the command line, and `seal`/`open`/`keygen`.
//!
//! Test scaffolding (the scripted screens in `tui::scenario` and a forced panic for the
//! terminal-safety test) is built only with the `test-support` feature, which the tests,
//! examples and benchmarks turn on; the shipped binary carries neither.

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
