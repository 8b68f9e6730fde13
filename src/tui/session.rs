//! The session seen on screen: which program this is, what the handshake settled, where the
//! events come from (live sockets or a recording), and each role's key and connection state.

use std::collections::HashMap;

use super::state::{ConnState, KeyView, Mode};
use crate::crypto::{KeyExchange, NoncePolicy, Scheme};
use crate::net::Role;
use crate::wire::seed::Protocol;

/// What the handshake has settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handshake {
    /// A client or man in the middle on the lab protocol before the server's WELCOME: the
    /// header says so instead of guessing. `assumed` is what the panes dissect with meanwhile
    /// (the `--scheme` asked for, or the default).
    Awaiting {
        /// The scheme assumed until the server says.
        assumed: Scheme,
    },
    /// The scheme and key exchange in force.
    Known {
        /// The scheme.
        scheme: Scheme,
        /// How the key is established.
        exchange: KeyExchange,
    },
}

/// Where the events on screen come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Live sockets.
    Live,
    /// A recording played back: nothing can be sent.
    Replay {
        /// Its keys were redacted, so the Key panes say why they stay empty.
        redacted_keys: bool,
        /// Events played so far.
        played: usize,
        /// Events the recording holds.
        total: usize,
        /// The viewer paused it (it then moves one entry per step).
        paused: bool,
    },
}

/// The session seen on screen.
#[derive(Debug)]
pub struct SessionView {
    mode: Mode,
    protocol: Protocol,
    handshake: Handshake,
    source: Source,
    generation: u64,
    keys: HashMap<Role, KeyView>,
    status: HashMap<Role, ConnState>,
    nonce: NoncePolicy,
    /// A client's connections so far: its journeys are kept apart by this number, since
    /// each connection numbers its messages from 1 again.
    connections: u64,
    /// The name a client's server lists it under.
    listed_as: Option<String>,
}

impl SessionView {
    /// A session in `mode` speaking `protocol`.
    pub fn new(mode: Mode, handshake: Handshake, protocol: Protocol) -> SessionView {
        SessionView {
            mode,
            protocol,
            handshake,
            source: Source::Live,
            generation: 0,
            keys: HashMap::new(),
            status: HashMap::new(),
            nonce: NoncePolicy::Random,
            connections: 0,
            listed_as: None,
        }
    }

    /// The same session, whose senders pick gcm/chacha nonces by `policy`.
    pub fn with_nonce(mut self, policy: NoncePolicy) -> SessionView {
        self.nonce = policy;
        self
    }

    /// How this screen's senders pick gcm/chacha nonces.
    pub fn nonce(&self) -> NoncePolicy {
        self.nonce
    }

    /// The same session, played back from a recording of `total` events.
    pub fn replaying(mut self, redacted_keys: bool, total: usize) -> SessionView {
        self.source = Source::Replay {
            redacted_keys,
            played: 0,
            total,
            paused: false,
        };
        self
    }

    /// Which program this is.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The protocol spoken.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// What the header calls the session's source: its protocol, or `replay`.
    pub fn label(&self) -> &'static str {
        match self.source {
            Source::Live => self.protocol.label(),
            Source::Replay { .. } => "replay",
        }
    }

    /// What the handshake settled.
    pub fn handshake(&self) -> Handshake {
        self.handshake
    }

    /// The scheme the panes dissect with: the agreed one, or the one assumed until then.
    pub fn scheme(&self) -> Scheme {
        match self.handshake {
            Handshake::Awaiting { assumed } => assumed,
            Handshake::Known { scheme, .. } => scheme,
        }
    }

    /// The key exchange, once known.
    pub fn exchange(&self) -> Option<KeyExchange> {
        match self.handshake {
            Handshake::Awaiting { .. } => None,
            Handshake::Known { exchange, .. } => Some(exchange),
        }
    }

    /// Where the events come from.
    pub fn source(&self) -> Source {
        self.source
    }

    /// Whether this is a replay whose keys were redacted.
    pub fn keys_redacted(&self) -> bool {
        matches!(
            self.source,
            Source::Replay {
                redacted_keys: true,
                ..
            }
        )
    }

    /// The topology generation whose events count; others are stragglers.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The key `role` holds.
    pub fn key(&self, role: Role) -> Option<&KeyView> {
        self.keys.get(&role)
    }

    /// How `role`'s connection stands.
    pub fn status(&self, role: Role) -> Option<&ConnState> {
        self.status.get(&role)
    }

    /// The handshake (or the server's WELCOME seen on the wire) settled the session.
    pub fn settle(&mut self, scheme: Scheme, exchange: KeyExchange) {
        self.handshake = Handshake::Known { scheme, exchange };
    }

    /// A client or man in the middle connected: the scheme is the server's from now on.
    pub fn connected(&mut self, scheme: Scheme) {
        let exchange = self.exchange().unwrap_or(KeyExchange::default_for(scheme));
        self.settle(scheme, exchange);
    }

    /// The key exchange a client learnt with its key.
    pub fn learn_exchange(&mut self, exchange: KeyExchange) {
        let scheme = self.scheme();
        self.settle(scheme, exchange);
    }

    /// `role` now holds `key`.
    pub fn set_key(&mut self, role: Role, key: KeyView) {
        self.keys.insert(role, key);
    }

    /// A client connected (again), listed by its server as `listed_as` when it said.
    pub fn client_connected(&mut self, listed_as: Option<String>) {
        self.connections += 1;
        self.listed_as = listed_as;
    }

    /// The client's connection number: 0 before the first, then 1, 2, ...
    pub fn connection(&self) -> u64 {
        self.connections
    }

    /// The name the client's server lists it under, if the server said.
    pub fn listed_as(&self) -> Option<&str> {
        self.listed_as.as_deref()
    }

    /// Whether `role` accepts connections from many clients here (the server of the server
    /// view, the man in the middle of the mitm view): one client's trouble is then a
    /// warning about that client, never the state of the whole.
    pub fn listens(&self, role: Role) -> bool {
        matches!(
            (self.mode, role),
            (Mode::Server, Role::Server) | (Mode::Mitm, Role::Mitm)
        )
    }

    /// `role`'s connection now stands at `state`.
    pub fn set_status(&mut self, role: Role, state: ConnState) {
        self.status.insert(role, state);
    }

    /// A replay was paused (`true`) or resumed; live, nothing happens.
    pub fn set_paused(&mut self, on: bool) {
        if let Source::Replay { paused, .. } = &mut self.source {
            *paused = on;
        }
    }

    /// One more event of the recording has played.
    pub fn played_one(&mut self) {
        if let Source::Replay { played, .. } = &mut self.source {
            *played += 1;
        }
    }

    /// A new topology with `scheme` and `exchange`: its events carry the next generation, and
    /// nothing of the old one is kept.
    pub fn restart(&mut self, scheme: Scheme, exchange: KeyExchange, nonce: NoncePolicy) -> u64 {
        self.settle(scheme, exchange);
        self.nonce = nonce;
        self.generation += 1;
        self.keys.clear();
        self.status.clear();
        self.generation
    }
}
