//! Network events into the screen's parts: each event goes to the parts it concerns.

use bytes::Bytes;

use super::App;
use crate::net::{Direction, Event, Fate, Peer, PeerId, Role};
use crate::tui::attacker::{FrameLine, HeldMessage};
use crate::tui::journey::{Arrival, Kept};
use crate::tui::session::Source;
use crate::tui::state::{ConnState, KeyView, Mode};
use crate::wire::Frame;

impl App {
    /// Applies one network event from `role` of topology `generation`.
    pub fn on_net(&mut self, generation: u64, role: Role, event: Event) {
        if generation != self.session.generation() {
            return;
        }
        let mode = self.session.mode();
        match event {
            Event::Listening { addr } => {
                self.session.set_status(role, ConnState::Listening(addr));
            }
            Event::Connected {
                peer,
                name,
                scheme,
                listed_as,
            } => {
                // A client or a man in the middle learns the scheme from the handshake.
                if matches!(mode, Mode::Client | Mode::Mitm) {
                    self.session.connected(scheme);
                }
                if self.session.listens(role) {
                    self.clients.add(peer, name);
                } else {
                    if role == Role::Client {
                        self.session.client_connected(listed_as);
                        // "Not connected" is stale news now.
                        self.ui.clear_error();
                    }
                    self.session
                        .set_status(role, ConnState::Connected(peer.addr));
                }
            }
            Event::Reconnecting {
                attempt,
                attempts,
                delay,
                reason,
                ..
            } => {
                let state = ConnState::Reconnecting {
                    attempt,
                    attempts,
                    delay,
                    reason,
                };
                self.session.set_status(role, state);
            }
            Event::Key {
                key,
                source,
                exchange,
            } => {
                if role == Role::Mitm {
                    self.attacker.key_learned = true;
                }
                if mode == Mode::Client {
                    self.session.learn_exchange(exchange);
                    // A student joins an exercise without the key: say what that means.
                    if source == crate::crypto::KeySource::Generated
                        && exchange == crate::crypto::KeyExchange::Psk
                    {
                        self.ui.show_error(
                            "no --key: this client seals with a key of its own, which the server rejects",
                        );
                    }
                }
                let view = KeyView {
                    key,
                    source,
                    exchange,
                };
                self.session.set_key(role, view);
            }
            Event::Sent {
                peer,
                seq,
                plaintext,
                sealed: wire,
            } => {
                let direction = sent_by(role);
                let key = (self.conn(role, peer.id), direction, seq);
                let journey = self.timeline.journeys_mut().entry(key);
                journey.plaintext = Some(Kept::new(&plaintext));
                journey.sent = Some(Kept::new(&wire));
                let id = journey.id;
                if role == Role::Client {
                    self.on_step_message_sent(id);
                }
                if let Some(row) = self.client_row(role, peer) {
                    row.messages_out += 1;
                }
            }
            Event::Received {
                peer,
                seq,
                sealed: wire,
                opened,
            } => {
                let direction = received_by(role);
                let key = (self.conn(role, peer.id), direction, seq);
                let journey = self.timeline.journeys_mut().entry(key);
                journey.injected = seq >= crate::net::INJECTED_SEQ;
                journey.arrival = Some(Arrival {
                    wire: Kept::new(&wire),
                    verdict: opened.verdict.clone(),
                    plaintext: opened.plaintext.map(|p| Kept::new(&Bytes::from(p))),
                });
                if let Some(row) = self.client_row(role, peer) {
                    row.messages_in += 1;
                    row.last_verdict = Some(opened.verdict);
                }
            }
            Event::Verdict { peer, seq, verdict } => {
                let key = (self.conn(role, peer.id), sent_by(role), seq);
                self.timeline.journeys_mut().entry(key).peer_verdict = Some(verdict);
            }
            Event::Intercepted {
                peer,
                direction,
                frame,
                fate,
            } => self.on_intercepted(peer, direction, frame, fate),
            Event::Tampered {
                peer,
                seq,
                action,
                sealed: wire,
            } => {
                let key = (self.conn(Role::Mitm, peer.id), Direction::ToServer, seq);
                let journey = self.timeline.journeys_mut().entry(key);
                journey.held = None;
                journey.tampered.push((action, Kept::new(&wire)));
            }
            Event::Eavesdropped {
                peer,
                direction,
                seq,
                plaintext,
                how,
            } => {
                let key = (self.conn(Role::Mitm, peer.id), direction, seq);
                let journey = self.timeline.journeys_mut().entry(key);
                journey.eavesdropped = Some(Kept::new(&plaintext));
                journey.read_by = Some(how);
            }
            Event::NonceReused {
                peer,
                seq,
                earlier_seq,
            } => {
                let key = (self.conn(Role::Mitm, peer.id), Direction::ToServer, seq);
                self.timeline.journeys_mut().entry(key).nonce_reused = Some(earlier_seq);
            }
            Event::Disconnected { peer, reason, .. } => {
                // One client leaving a listener is that client's news, not the listener's.
                if self.session.listens(role) {
                    self.clients.gone(peer);
                } else {
                    self.session.set_status(role, ConnState::Closed(reason));
                }
                if role == Role::Mitm {
                    // What the attacker held on that connection will never be released: no
                    // pane may go on calling it held.
                    let gone: Vec<u64> = self
                        .attacker
                        .held
                        .iter()
                        .filter(|h| h.peer == peer.id)
                        .map(|h| h.seq)
                        .collect();
                    self.attacker.held.retain(|h| h.peer != peer.id);
                    let conn = self.conn(Role::Mitm, peer.id);
                    for seq in gone {
                        let key = (conn, Direction::ToServer, seq);
                        if let Some(journey) = self.timeline.journeys_mut().find_mut(key) {
                            journey.held = None;
                        }
                    }
                }
            }
            Event::Armed { .. } => self.on_armed(),
            // The man in the middle armed the padding oracle: a lesson's message goes now.
            Event::Oracle(crate::net::OracleEvent::Armed { .. }) => self.on_armed(),
            // The Oracle tab draws from the attack's own live view, which sees every question;
            // these events are for headless front ends and recordings, and a replay of one
            // draws the tab from them.
            Event::Oracle(oracle) => {
                if matches!(self.session.source(), Source::Replay { .. }) {
                    if matches!(oracle, crate::net::OracleEvent::Started { .. }) {
                        self.tabs
                            .oracle
                            .aim_at("a recorded attack, replayed".to_owned());
                    }
                    self.tabs.oracle.live().replayed(&oracle);
                }
            }
            Event::Unsent { reason, .. } => {
                self.ui.show_error(format!("message not sent: {reason}"));
            }
            Event::Error {
                peer: Some(peer),
                message,
            } if self.session.listens(role) => {
                let warning = self.about(peer, message);
                self.ui.show_error(warning);
            }
            // A client's own error with no connection is its last word: it has stopped.
            Event::Error {
                peer: None,
                message,
            } if role == Role::Client => {
                self.session
                    .set_status(role, ConnState::Closed(message.clone()));
                self.ui.show_error(message);
            }
            Event::Error { message, .. } => self.ui.show_error(message),
            // The exercise's words go to the Exercise pane; the status line says they came.
            Event::Task { task, .. } => {
                self.exercise.on_task(&task);
                self.ui.show_error(format!(
                    "task {}: see the Exercise pane (a answers, w types wire bytes in hex)",
                    task.exercise
                ));
            }
            Event::Result {
                correct, reason, ..
            } => {
                self.exercise.on_result(correct, &reason);
                let word = if correct {
                    "✔ correct"
                } else {
                    "✘ incorrect"
                };
                self.ui.show_error(format!("{word}: {reason}"));
            }
            Event::Notice { text, .. } => {
                self.exercise.on_notice(&text);
                self.ui.show_error(format!("notice: {text}"));
            }
            Event::Progress {
                peer,
                name,
                progress,
                ..
            } => self.clients.set_progress(peer, &name, progress),
            // Bytes the student wrote: History lists them, with the verdict they get.
            Event::SentWire { peer, seq, sealed } => {
                let key = (self.conn(role, peer.id), sent_by(role), seq);
                let journey = self.timeline.journeys_mut().entry(key);
                journey.sent = Some(Kept::new(&sealed));
            }
        }
    }

    /// A warning about one connection of a listener, saying which one.
    fn about(&self, peer: Peer, message: String) -> String {
        let addr = peer.addr.to_string();
        let lab = self.session.protocol() == crate::wire::seed::Protocol::Lab;
        match self.clients.name_of(peer.id) {
            _ if message.contains(&addr) => message,
            Some(name) if lab => format!("{name} ({addr}): {message}"),
            _ => format!("{addr}: {message}"),
        }
    }

    fn on_intercepted(&mut self, peer: Peer, direction: Direction, frame: Frame, fate: Fate) {
        let bytes = frame.to_bytes();
        let summary = match &frame {
            Frame::Data { seq, sealed: wire } => {
                format!("seq {}, {} bytes", crate::net::seq_label(*seq), wire.len())
            }
            Frame::Verdict { seq, verdict } => {
                format!("seq {}: {verdict}", crate::net::seq_label(*seq))
            }
            // Control frames are JSON after the length and kind: readable as they are.
            _ => String::from_utf8_lossy(bytes.get(5..).unwrap_or_default()).into_owned(),
        };
        // A WELCOME that sends the key holds it: a projector hides it (as it went on the wire,
        // escaped in the JSON), so the hidden form is made before the line is cut short.
        let redacted = match &frame {
            Frame::Welcome(welcome) => welcome.key.as_deref().map(|key| {
                let escaped = serde_json::to_string(key).unwrap_or_default();
                let escaped = escaped.trim_matches('"');
                summary
                    .replace(escaped, "‹hidden›")
                    .replace(key, "‹hidden›")
            }),
            _ => None,
        };
        let short = |text: String| text.chars().take(120).collect::<String>();
        self.attacker.record(FrameLine {
            direction,
            kind: frame.kind_name(),
            len: bytes.len(),
            summary: short(summary),
            redacted: redacted.map(short),
            fate,
        });
        let conn = self.conn(Role::Mitm, peer.id);
        match frame {
            // The server's WELCOME says what the session is, whatever the command line guessed.
            Frame::Welcome(welcome) if self.session.mode() == Mode::Mitm => {
                self.session.settle(welcome.scheme, welcome.key_exchange);
            }
            Frame::Verdict { seq, verdict } if direction == Direction::ToClient => {
                let key = (conn, Direction::ToServer, seq);
                self.timeline.journeys_mut().entry(key).peer_verdict = Some(verdict);
            }
            Frame::Data { seq, sealed: wire } => {
                let journey = self.timeline.journeys_mut().entry((conn, direction, seq));
                journey.on_wire = Some(Kept::new(&wire));
                journey.via = Some(peer.id);
                journey.held = fate.held();
                if let Some(hold) = fate.held() {
                    // A held message proves the switch is on, whatever the screen last knew (a
                    // recording made before intercept marks, or `mitm --intercept`).
                    self.attacker.intercept = true;
                    self.attacker.held.push_back(HeldMessage {
                        peer: peer.id,
                        hold,
                        seq,
                        wire,
                    });
                }
            }
            _ => {}
        }
    }

    /// The connection number journeys are keyed by: the server's and the attacker's view of
    /// each client, a client's count of its connections (each numbers its messages from 1
    /// again), and 0 in the demo, where the three roles see one conversation.
    pub(super) fn conn(&self, role: Role, peer: PeerId) -> PeerId {
        match (self.session.mode(), role) {
            (Mode::Server, Role::Server) | (Mode::Mitm, Role::Mitm) => peer,
            (Mode::Client, Role::Client) => self.session.connection(),
            _ => 0,
        }
    }

    /// The server view's row for `peer`, marked active.
    fn client_row(
        &mut self,
        role: Role,
        peer: Peer,
    ) -> Option<&mut crate::tui::clients::ClientRow> {
        if role != Role::Server || self.session.mode() != Mode::Server {
            return None;
        }
        self.clients.active(peer)
    }
}

/// Which way a message `role` sends goes.
fn sent_by(role: Role) -> Direction {
    if role == Role::Server {
        Direction::ToClient
    } else {
        Direction::ToServer
    }
}

/// Which way a message `role` receives came.
fn received_by(role: Role) -> Direction {
    if role == Role::Server {
        Direction::ToServer
    } else {
        Direction::ToClient
    }
}
