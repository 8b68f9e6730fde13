//! Which program runs, named once for every front end and for recordings.

use super::Role;

/// Which program runs: the demo, a server, a client or a man in the middle. The screen, the
/// recording's header and a replay all speak of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Client, wire and server side by side.
    Demo,
    /// A server and its clients.
    Server,
    /// One client.
    Client,
    /// A man in the middle.
    Mitm,
}

impl Mode {
    /// Every mode.
    pub const ALL: [Mode; 4] = [Mode::Demo, Mode::Server, Mode::Client, Mode::Mitm];

    /// The mode named `name` (as a recording's header writes it).
    pub fn parse(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The mode's name (the header, a recording).
    pub fn name(self) -> &'static str {
        match self {
            Mode::Demo => "demo",
            Mode::Server => "server",
            Mode::Client => "client",
            Mode::Mitm => "mitm",
        }
    }

    /// The role whose plaintext editor sends messages, if any.
    pub fn sender(self) -> Option<Role> {
        match self {
            Mode::Demo | Mode::Client => Some(Role::Client),
            Mode::Server => Some(Role::Server),
            Mode::Mitm => None,
        }
    }

    /// Whether a man in the middle runs in this mode.
    pub fn has_wire(self) -> bool {
        matches!(self, Mode::Demo | Mode::Mitm)
    }
}
