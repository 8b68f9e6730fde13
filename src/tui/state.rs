//! The small enums the screen's state is made of: mode, tab, focus, connection status, and
//! what a front end asks of the network.

use std::net::SocketAddr;

use bytes::Bytes;

use crate::crypto::KeyExchange;
use crate::crypto::{Key, KeySource};
pub use crate::net::Mode;
use crate::net::{DemoOptions, MitmCommand, PeerId, Role};

/// The tabs, switched with `[` and `]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    /// The live lab.
    Lab,
    /// One plaintext under all four schemes.
    Compare,
    /// The attack matrix, filled from what really happened.
    Matrix,
    /// The ECB picture.
    Picture,
    /// The padding oracle reading a client message (demo and mitm).
    Oracle,
}

impl Tab {
    /// Every tab, in order.
    pub const ALL: [Tab; 5] = [
        Tab::Lab,
        Tab::Compare,
        Tab::Matrix,
        Tab::Picture,
        Tab::Oracle,
    ];

    /// The tabs a screen in `mode` has: the Oracle tab only where a man in the middle runs.
    pub fn of(mode: Mode) -> &'static [Tab] {
        if mode.has_wire() {
            &Tab::ALL
        } else {
            &Tab::ALL[..4]
        }
    }

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Lab => "Lab",
            Tab::Compare => "Compare",
            Tab::Matrix => "Matrix",
            Tab::Picture => "Picture",
            Tab::Oracle => "Oracle",
        }
    }
}

/// The pane that receives keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Focus {
    /// The plaintext editor.
    Input,
    /// The message history.
    History,
    /// The hex view.
    Ciphertext,
    /// The man in the middle's view.
    Wire,
    /// The server's client list.
    Clients,
    /// The student's exercise (a client whose server set one).
    Exercise,
    /// The log.
    Log,
}

impl Focus {
    /// The pane focused when a screen in `mode` starts. It is never the editor: every screen
    /// starts with keys as commands (`?` helps, `q` quits, `1` picks ecb), `i` starts typing
    /// and Esc stops, and a restart (`1`-`4`, `e`) leaves the focus where it was.
    pub fn start(mode: Mode) -> Focus {
        match mode {
            Mode::Demo | Mode::Client => Focus::History,
            Mode::Server => Focus::Clients,
            Mode::Mitm => Focus::Wire,
        }
    }

    /// The focus cycle for a mode, in Tab order.
    pub fn cycle(mode: Mode) -> &'static [Focus] {
        match mode {
            Mode::Demo => &[
                Focus::Input,
                Focus::History,
                Focus::Ciphertext,
                Focus::Wire,
                Focus::Log,
            ],
            Mode::Client => &[
                Focus::Input,
                Focus::Exercise,
                Focus::History,
                Focus::Ciphertext,
                Focus::Log,
            ],
            Mode::Server => &[
                Focus::Clients,
                Focus::Input,
                Focus::History,
                Focus::Ciphertext,
                Focus::Log,
            ],
            Mode::Mitm => &[Focus::Wire, Focus::History, Focus::Ciphertext, Focus::Log],
        }
    }
}

/// Whether key material is drawn. A projector in front of a class hides a pre-shared key
/// (`--hide-keys`, or `h`): the panes say it is hidden, and show only its fingerprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum KeyDisplay {
    /// Keys are shown: seeing them is the lesson.
    #[default]
    Shown,
    /// Keys are hidden wherever they would appear.
    Hidden,
}

impl KeyDisplay {
    /// The other one.
    pub fn toggled(self) -> KeyDisplay {
        match self {
            KeyDisplay::Shown => KeyDisplay::Hidden,
            KeyDisplay::Hidden => KeyDisplay::Shown,
        }
    }
}

/// How the Lab tab lays out its panes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Zoom {
    /// Every pane in its place.
    #[default]
    Tiled,
    /// The focused pane fills the screen, to be read from the back of a room.
    Focused,
}

/// How one role's connection stands.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum ConnState {
    /// Not started yet.
    #[default]
    Starting,
    /// Accepting connections here.
    Listening(SocketAddr),
    /// In a conversation with this peer.
    Connected(SocketAddr),
    /// A client waiting to try its server again.
    Reconnecting {
        /// This try's number, from 1.
        attempt: u32,
        /// Tries before it gives up.
        attempts: u32,
        /// The wait before the try.
        delay: std::time::Duration,
        /// Why the last connection failed or ended.
        reason: String,
    },
    /// The conversation ended.
    Closed(String),
}

/// A key as one role holds it.
#[derive(Clone, Debug)]
pub struct KeyView {
    /// The key (shown on screen: that is the lesson).
    pub key: Key,
    /// Where it came from.
    pub source: KeySource,
    /// How it was established.
    pub exchange: KeyExchange,
}

/// What the screen asks the network to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Seal and send a message from `role`, to client `to` when the server sends.
    Send {
        /// Who sends.
        role: Role,
        /// The server's client, when the server sends.
        to: Option<PeerId>,
        /// The plaintext.
        plaintext: Bytes,
    },
    /// Start the demo again (a new generation).
    Restart {
        /// Scheme, key exchange and lesson options.
        options: DemoOptions,
        /// The generation the new topology's events will carry.
        generation: u64,
    },
    /// Carry out a request after a pause (a lesson's `wait`), without blocking the screen.
    Later(std::time::Duration, Box<Request>),
    /// A command for the man in the middle.
    Mitm(MitmCommand),
    /// Play the attack matrix.
    RunMatrix,
    /// Run an attack of the oracle lab against the demo's server, from a connection of its own
    /// (a lesson's `attack = "byte-at-a-time"`).
    Attack(crate::net::oracle::Plan, crate::net::oracle::LiveAttack),
    /// Pause, resume or step the replay of a recording.
    Playback(crate::record::Control),
    /// A client that stopped (it gave up, or was told to stop) tries its server again.
    Reconnect,
    /// A client waiting to reconnect stops trying.
    StopReconnecting,
    /// The client sends these bytes as they are (the student wrote them in hex).
    SendWire(Bytes),
    /// The client sends an ANSWER to its exercise.
    Answer(String),
    /// The server sends a NOTICE to every connected client.
    Notice(String),
}
