//! The script behind the deterministic screens: the events a real session produces, with
//! fixed keys, IVs, clock and addresses, fed into a real [`App`].

use std::net::SocketAddr;

use bytes::Bytes;

use crate::crypto::KeyExchange;
use crate::crypto::spec::KeyForm;
use crate::crypto::{Cipher, Key, KeySource, Nonce, OpenOptions, Scheme, Tamper};
use crate::logging::LogRing;
use crate::net::{Direction, Event, Peer, Reading, Role};
use crate::tui::app::App;
use crate::tui::session::{Handshake, SessionView};
use crate::tui::state::{Mode, Tab};
use crate::tui::theme::Theme;
use crate::wire::{Frame, Hello, Welcome};

/// The fixed clock: 2026-11-22 12:00:00 UTC.
pub const NOW: u64 = 1_795_348_800;

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// A fixed key for `scheme`: a generated key's length of fixed bytes, or for the MACs seed
/// 004's text.
pub fn fixed_key(scheme: Scheme) -> Key {
    let rule = scheme.spec().key;
    let bytes: Vec<u8> = match rule.form {
        KeyForm::Text => b"your_shared_secret_key".to_vec(),
        KeyForm::Hex | KeyForm::UrlBase64 => (0u8..)
            .take(rule.generated)
            .map(|i| i.wrapping_mul(if rule.generated == 16 { 17 } else { 29 }))
            .map(|b| b.wrapping_add(if rule.generated == 16 { 3 } else { 11 }))
            .collect(),
    };
    Key::from_bytes(scheme, bytes).unwrap_or_else(|_| unreachable_key(scheme))
}

/// A valid key for any scheme (never used: the fixed keys above are valid).
fn unreachable_key(scheme: Scheme) -> Key {
    Key::generate(scheme).unwrap_or_else(|_| fixed_key(Scheme::Hmac))
}

/// Feeds a scripted session into an app.
pub struct Script {
    app: App,
    cipher: Cipher,
    key: Key,
    client_seq: u64,
    server_seq: u64,
    nonce: u8,
    /// The server's view of the (first) client; the client's view of its server.
    client_peer: Peer,
    server_peer: Peer,
}

impl Script {
    /// A new session in `mode` under `scheme`, handshake done.
    pub fn new(mode: Mode, scheme: Scheme, exchange: KeyExchange) -> Script {
        let log = LogRing::default();
        let session = SessionView::new(
            mode,
            Handshake::Known { scheme, exchange },
            crate::wire::seed::Protocol::Lab,
        );
        let app = App::new(session, log, Theme { mono: false }).fixed();
        let key = fixed_key(scheme);
        let mut script = Script {
            cipher: Cipher::new(&key),
            key,
            app,
            client_seq: 0,
            server_seq: 0,
            nonce: 0,
            client_peer: Peer {
                id: 1,
                addr: addr(50_412),
            },
            server_peer: Peer {
                id: 0,
                addr: addr(12_345),
            },
        };
        script.handshake(exchange);
        script
    }

    fn emit(&mut self, role: Role, event: Event) {
        self.app.on_net(0, role, event);
    }

    fn log(&self, line: &str) {
        self.app.log().push(format!("12:00:00 INFO  {line}"));
    }

    fn roles(&self) -> (bool, bool, bool) {
        match self.app.session().mode() {
            Mode::Demo => (true, true, true),
            Mode::Client => (true, false, false),
            Mode::Server => (false, false, true),
            Mode::Mitm => (false, true, false),
        }
    }

    fn handshake(&mut self, exchange: KeyExchange) {
        let (client, wire, server) = self.roles();
        let scheme = self.key.scheme();
        if server {
            self.emit(Role::Server, Event::Listening { addr: addr(12_345) });
            self.emit(
                Role::Server,
                Event::Key {
                    key: self.key.clone(),
                    source: KeySource::Generated,
                    exchange,
                },
            );
            self.log(&format!("listening addr=127.0.0.1:12345 scheme={scheme}"));
        }
        if wire {
            self.emit(Role::Mitm, Event::Listening { addr: addr(40_001) });
            let hello = Frame::Hello(Hello {
                scheme: Some(scheme),
                name: "student".into(),
                agreement: None,
            });
            self.emit(
                Role::Mitm,
                Event::Intercepted {
                    peer: self.client_peer,
                    direction: Direction::ToServer,
                    frame: hello,
                    fate: crate::net::Fate::Forwarded,
                },
            );
            let key = (exchange == KeyExchange::Send).then(|| self.key.to_text().to_string());
            let welcome = Frame::Welcome(Welcome {
                scheme,
                key_exchange: exchange,
                key,
                agreement: None,
                name: None,
            });
            self.emit(
                Role::Mitm,
                Event::Intercepted {
                    peer: self.client_peer,
                    direction: Direction::ToClient,
                    frame: welcome,
                    fate: crate::net::Fate::Forwarded,
                },
            );
            if exchange == KeyExchange::Send {
                self.emit(
                    Role::Mitm,
                    Event::Key {
                        key: self.key.clone(),
                        source: KeySource::ReceivedInClear,
                        exchange,
                    },
                );
                self.log("key read off the wire");
            }
            self.emit(
                Role::Mitm,
                Event::Connected {
                    peer: self.client_peer,
                    name: "student".into(),
                    scheme,
                    listed_as: None,
                },
            );
        }
        if server {
            self.emit(
                Role::Server,
                Event::Connected {
                    peer: self.client_peer,
                    name: "student".into(),
                    scheme,
                    listed_as: None,
                },
            );
            self.log("connected peer=127.0.0.1:50412 name=student");
        }
        if client {
            self.emit(
                Role::Client,
                Event::Connected {
                    peer: self.server_peer,
                    name: "server".into(),
                    scheme,
                    listed_as: None,
                },
            );
            let source = if exchange == KeyExchange::Send {
                KeySource::ReceivedInClear
            } else {
                KeySource::PreShared
            };
            self.emit(
                Role::Client,
                Event::Key {
                    key: self.key.clone(),
                    source,
                    exchange,
                },
            );
        }
    }

    pub(super) fn seal(&mut self, text: &str) -> Bytes {
        self.nonce = self.nonce.wrapping_add(1);
        let nonce = Nonce {
            iv: [self.nonce; 16],
            now: NOW,
        };
        Bytes::from(
            self.cipher
                .seal_with(text.as_bytes(), &nonce)
                .unwrap_or_default(),
        )
    }

    /// The client sends `text`; the man in the middle applies `tamper` on its way.
    pub fn message(mut self, text: &str, tamper: Option<Tamper>) -> Script {
        let (client, wire_role, server) = self.roles();
        self.client_seq += 1;
        let seq = self.client_seq;
        let wire = self.seal(text);
        let peer = self.client_peer;
        if client {
            self.emit(
                Role::Client,
                Event::Sent {
                    peer: self.server_peer,
                    seq,
                    plaintext: Bytes::from(text.to_owned()),
                    sealed: wire.clone(),
                },
            );
            self.log(&format!("message sent seq={seq} bytes={}", wire.len()));
        }
        let scheme = self.key.scheme();
        let mut arriving = wire.clone();
        if wire_role {
            let frame = Frame::Data {
                seq,
                sealed: wire.clone(),
            };
            self.emit(
                Role::Mitm,
                Event::Intercepted {
                    peer,
                    direction: Direction::ToServer,
                    frame,
                    fate: crate::net::Fate::Forwarded,
                },
            );
            let how = if self.app.session().key(Role::Mitm).is_some() {
                Some(Reading::Key)
            } else {
                (!scheme.has_secrecy()).then_some(Reading::Plaintext)
            };
            if let Some(how) = how {
                self.emit(
                    Role::Mitm,
                    Event::Eavesdropped {
                        peer,
                        direction: Direction::ToServer,
                        seq,
                        plaintext: Bytes::from(text.to_owned()),
                        how,
                    },
                );
            }
        }
        if tamper == Some(Tamper::Drop) {
            // Never forwarded: no verdict comes back to anyone.
            if wire_role {
                let dropped = Event::Tampered {
                    peer,
                    seq,
                    action: Tamper::Drop,
                    sealed: Bytes::new(),
                };
                self.emit(Role::Mitm, dropped);
            }
            return self;
        }
        // The attacker acts whether or not this screen sees it (a client's does not).
        if let Some(action) = tamper.clone()
            && let Ok(changed) = action.apply(scheme, &wire, None)
        {
            arriving = Bytes::from(changed);
            if wire_role {
                self.emit(
                    Role::Mitm,
                    Event::Tampered {
                        peer,
                        seq,
                        action: action.clone(),
                        sealed: arriving.clone(),
                    },
                );
                self.log(&format!("tampered seq={seq} action={action}"));
            }
        }
        let opened = self.cipher.open_with(
            &arriving,
            &OpenOptions {
                now: NOW,
                ttl: None,
            },
        );
        let verdict = opened.verdict.clone();
        if server {
            self.log(&format!("verification result seq={seq} verdict={verdict}"));
            self.emit(
                Role::Server,
                Event::Received {
                    peer,
                    seq,
                    sealed: arriving,
                    opened,
                },
            );
        }
        if wire_role {
            let frame = Frame::Verdict {
                seq,
                verdict: verdict.clone(),
            };
            self.emit(
                Role::Mitm,
                Event::Intercepted {
                    peer,
                    direction: Direction::ToClient,
                    frame,
                    fate: crate::net::Fate::Forwarded,
                },
            );
        }
        if client {
            self.emit(
                Role::Client,
                Event::Verdict {
                    peer: self.server_peer,
                    seq,
                    verdict,
                },
            );
        }
        self
    }

    /// The server replies `text` to the client.
    pub fn reply(mut self, text: &str) -> Script {
        let (client, _, server) = self.roles();
        self.server_seq += 1;
        let seq = self.server_seq;
        let wire = self.seal(text);
        let opened = self.cipher.open_with(
            &wire,
            &OpenOptions {
                now: NOW,
                ttl: None,
            },
        );
        if server {
            self.emit(
                Role::Server,
                Event::Sent {
                    peer: self.client_peer,
                    seq,
                    plaintext: Bytes::from(text.to_owned()),
                    sealed: wire.clone(),
                },
            );
            self.emit(
                Role::Server,
                Event::Verdict {
                    peer: self.client_peer,
                    seq,
                    verdict: opened.verdict.clone(),
                },
            );
        }
        if client {
            self.emit(
                Role::Client,
                Event::Received {
                    peer: self.server_peer,
                    seq,
                    sealed: wire,
                    opened,
                },
            );
        }
        self
    }

    /// Another client joins the server (server mode) and sends nothing yet.
    pub fn silent_client(mut self, name: &str, port: u16) -> Script {
        self.join(name, port);
        self
    }

    fn join(&mut self, name: &str, port: u16) -> Peer {
        let peer = Peer {
            id: u64::from(port),
            addr: addr(port),
        };
        let scheme = self.key.scheme();
        self.emit(
            Role::Server,
            Event::Connected {
                peer,
                name: name.to_owned(),
                scheme,
                listed_as: None,
            },
        );
        peer
    }

    /// Another client joins the server (server mode) and sends `text`.
    pub fn another_client(mut self, name: &str, port: u16, text: &str) -> Script {
        let peer = self.join(name, port);
        let wire = self.seal(text);
        let opened = self.cipher.open_with(
            &wire,
            &OpenOptions {
                now: NOW,
                ttl: None,
            },
        );
        self.emit(
            Role::Server,
            Event::Received {
                peer,
                seq: 1,
                sealed: wire,
                opened,
            },
        );
        self
    }

    /// Feeds one event, as `role` reports it (an exercise's TASK, RESULT, NOTICE, progress).
    pub fn event(mut self, role: Role, event: Event) -> Script {
        self.emit(role, event);
        self
    }

    /// Finishes the script on `tab`.
    pub fn finish(mut self, tab: Tab) -> App {
        self.app.settle();
        // As if drawn on a roomy terminal: sizes only decide whether keys type or command.
        self.app
            .on_terminal(&ratatui::crossterm::event::Event::Resize(200, 60));
        for _ in 0..Tab::ALL.iter().position(|t| *t == tab).unwrap_or(0) {
            self.app.apply(crate::tui::action::Action::NextTab);
        }
        self.app
    }
}
