//! Network events into the screen's parts: each event goes to the parts it concerns.

use bytes::Bytes;

use super::App;
use crate::net::{Direction, Event, Fate, Peer, PeerId, Role};
use crate::tui::attacker::{FrameLine, HeldMessage};
use crate::tui::journey::{Arrival, Kept};
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
            Event::Connected { peer, name, scheme } => {
                // A client or a man in the middle learns the scheme from the handshake.
                if matches!(mode, Mode::Client | Mode::Mitm) {
                    self.session.connected(scheme);
                }
                if role == Role::Server && mode == Mode::Server {
                    self.clients.add(peer, name);
                } else {
                    self.session
                        .set_status(role, ConnState::Connected(peer.addr));
                }
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
            } => {
                let key = (self.conn(Role::Mitm, peer.id), direction, seq);
                self.timeline.journeys_mut().entry(key).eavesdropped = Some(Kept::new(&plaintext));
            }
            Event::Disconnected { peer, reason, .. } => {
                if let Some(row) = self.client_row(role, peer) {
                    row.connected = false;
                } else {
                    self.session.set_status(role, ConnState::Closed(reason));
                }
                if role == Role::Mitm {
                    self.attacker.held.retain(|h| h.peer != peer.id);
                }
            }
            Event::Armed { .. } => self.on_armed(),
            Event::Unsent { reason, .. } => {
                self.ui.show_error(format!("message not sent: {reason}"));
            }
            Event::Error { message, .. } => self.ui.show_error(message),
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
                journey.held = fate.held();
                if let Some(hold) = fate.held() {
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
    /// each client, and 0 where there is only one conversation.
    pub(super) fn conn(&self, role: Role, peer: PeerId) -> PeerId {
        match (self.session.mode(), role) {
            (Mode::Server, Role::Server) | (Mode::Mitm, Role::Mitm) => peer,
            _ => 0,
        }
    }

    fn client_row(
        &mut self,
        role: Role,
        peer: Peer,
    ) -> Option<&mut crate::tui::clients::ClientRow> {
        if role != Role::Server || self.session.mode() != Mode::Server {
            return None;
        }
        self.clients.row_mut(peer.id)
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
