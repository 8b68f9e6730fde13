//! What the screen runs (a demo, a server, a client, a man in the middle, a lesson or a
//! replay), the session it shows before the first event, and how each is started.

use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::session::{Handshake, SessionView};
use super::state::Mode;
use crate::crypto::{KeyExchange, NoncePolicy, Scheme};
use crate::net::{ClientConfig, DemoOptions, MitmConfig, ServerConfig, Tagged, Topology};
use crate::record::{Entry, Player, Recording};
use crate::wire::seed::Protocol;

/// What the screen runs.
pub enum Launch {
    /// Client, man in the middle and server on loopback.
    Demo {
        /// The first scheme.
        scheme: Scheme,
        /// The key exchange.
        exchange: KeyExchange,
        /// How gcm/chacha nonces are picked.
        nonce: NoncePolicy,
    },
    /// A server on `listener`.
    Server {
        /// Bound already, so that a bad address is reported before the screen opens.
        listener: TcpListener,
        /// Its configuration.
        config: ServerConfig,
    },
    /// A client.
    Client {
        /// Its configuration.
        config: ClientConfig,
    },
    /// A lesson: the demo, driven step by step, with a Narration pane.
    Lesson {
        /// The lesson.
        lesson: crate::lesson::Lesson,
    },
    /// A man in the middle on `listener`.
    Mitm {
        /// Bound already.
        listener: TcpListener,
        /// Its configuration.
        config: MitmConfig,
    },
    /// A recorded session played back: nothing is sent, events arrive from the file.
    Replay {
        /// The recording.
        recording: Recording,
        /// How many times faster than real time.
        speed: f64,
    },
}

impl Launch {
    pub(super) fn mode(&self) -> Mode {
        match self {
            Launch::Demo { .. } | Launch::Lesson { .. } => Mode::Demo,
            Launch::Server { .. } => Mode::Server,
            Launch::Client { .. } => Mode::Client,
            Launch::Mitm { .. } => Mode::Mitm,
            Launch::Replay { recording, .. } => recording.mode,
        }
    }

    /// The session as the screen first shows it: a client or man in the middle on the lab
    /// protocol waits for the server's handshake to learn the scheme and key exchange.
    pub(super) fn session(&self) -> SessionView {
        let (scheme, exchange) = self.scheme_and_exchange();
        let known = Handshake::Known { scheme, exchange };
        let awaiting = Handshake::Awaiting { assumed: scheme };
        let (handshake, protocol) = match self {
            Launch::Demo { .. } | Launch::Lesson { .. } => (known, Protocol::Lab),
            Launch::Server { config, .. } => (known, config.protocol),
            Launch::Client { config } if config.protocol == Protocol::Lab => {
                (awaiting, config.protocol)
            }
            Launch::Client { config } => (known, config.protocol),
            Launch::Mitm { config, .. } if config.protocol == Protocol::Lab => {
                (awaiting, config.protocol)
            }
            Launch::Mitm { config, .. } => (known, config.protocol),
            // A recording does not say which protocol it crossed; the header says `replay`.
            Launch::Replay { .. } => (known, Protocol::Lab),
        };
        let nonce = match self {
            Launch::Demo { nonce, .. } => *nonce,
            Launch::Server { config, .. } => config.nonce,
            Launch::Client { config } => config.nonce,
            Launch::Replay { recording, .. } => recording.nonce,
            _ => NoncePolicy::Random,
        };
        let session = SessionView::new(self.mode(), handshake, protocol).with_nonce(nonce);
        match self {
            Launch::Replay { recording, .. } => {
                session.replaying(recording.redacted_keys > 0, recording.events.len())
            }
            _ => session,
        }
    }

    fn scheme_and_exchange(&self) -> (Scheme, KeyExchange) {
        match self {
            Launch::Demo {
                scheme, exchange, ..
            } => (*scheme, *exchange),
            Launch::Lesson { lesson } => lesson.opening(),
            Launch::Server { config, .. } => (config.scheme, config.key_exchange),
            Launch::Client { config } => {
                let scheme = config.scheme.unwrap_or(Scheme::Fernet);
                (scheme, KeyExchange::default_for(scheme))
            }
            Launch::Mitm { config, .. } => {
                let scheme = config.scheme.unwrap_or(Scheme::Fernet);
                (scheme, KeyExchange::default_for(scheme))
            }
            Launch::Replay { recording, .. } => (recording.scheme, recording.exchange),
        }
    }

    /// Starts what the screen runs; a replay's entries go to `replay` instead of the network's
    /// queue, and its player is returned beside an empty topology.
    pub(super) async fn start(
        self,
        out: &mpsc::Sender<Tagged>,
        replay: mpsc::Sender<Entry>,
    ) -> Result<(Topology, Option<Player>), String> {
        if let Launch::Replay { recording, speed } = self {
            let player = crate::record::play(recording.events, speed, replay);
            return Ok((Topology::new(0), Some(player)));
        }
        let topology = match self {
            Launch::Demo {
                scheme,
                exchange,
                nonce,
            } => {
                let options = DemoOptions {
                    nonce,
                    ..DemoOptions::new(scheme, exchange)
                };
                Topology::demo_with(0, &options, out)
                    .await
                    .map_err(|e| e.to_string())
            }
            // The lesson's first step starts its own demo.
            Launch::Lesson { .. } => Ok(Topology::new(0)),
            Launch::Server { listener, config } => {
                Ok(Topology::new(0).with_server(listener, config, out))
            }
            Launch::Client { config } => Ok(Topology::new(0).with_client(config, out)),
            Launch::Mitm { listener, config } => {
                Ok(Topology::new(0).with_mitm(listener, config, out))
            }
            Launch::Replay { .. } => Ok(Topology::new(0)),
        };
        topology.map(|topology| (topology, None))
    }
}
