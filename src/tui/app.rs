//! The screen's state and how it changes: network events in, keys and mouse in, requests out.
//! Drawing lives in `view`; the app never touches a socket, it only asks (see [`Request`]).

use std::collections::HashMap;

use bytes::Bytes;
use ratatui::crossterm::event::{
    Event as TermEvent, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind,
};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::action::{self, Action, Context};
use super::attacker::{Attacker, FrameLine, HeldMessage, TamperForm};
use super::compare::{Compare, DEFAULT_PLAINTEXT};
use super::journey::{Arrival, Journey, Journeys, Kept};
use super::layout::{Areas, Pane};
use super::lesson::LessonState;
use super::state::{ConnState, Focus, KeyView, Mode, Request, Tab};
use super::theme::Theme;
use crate::crypto::{Scheme, Verdict};
use crate::logging::LogRing;
use crate::net::matrix::{Attack, Cell};
use crate::net::{Direction, Event, MitmCommand, Peer, PeerId, Role};
use crate::wire::{Frame, KeyExchange};

/// Clients listed by the server view; the oldest disconnected ones are forgotten first.
pub const MAX_CLIENTS_SHOWN: usize = 256;
/// Shown when someone tries to send during a replay.
pub const REPLAY_REFUSAL: &str = "this is a replay of a recording: nothing can be sent or changed";

/// One row of the server's client list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRow {
    /// The connection.
    pub peer: Peer,
    /// The name it gave.
    pub name: String,
    /// Messages received from it.
    pub messages_in: u64,
    /// Messages sent to it.
    pub messages_out: u64,
    /// The server's verdict on its latest message.
    pub last_verdict: Option<Verdict>,
    /// Whether it is still connected.
    pub connected: bool,
}

/// A popup over the screen.
pub enum Popup {
    /// The key list.
    Help,
    /// The tamper form.
    Tamper(TamperForm),
}

/// Everything the screen shows.
pub struct App {
    /// Which program this is.
    pub mode: Mode,
    /// The tab showing.
    pub tab: Tab,
    /// The pane receiving keys.
    pub focus: Focus,
    /// The popup, if one is open.
    pub popup: Option<Popup>,
    /// The scheme in use.
    pub scheme: Scheme,
    /// How the key is established.
    pub exchange: KeyExchange,
    /// `lab wire` or `seed wire`, for the header.
    pub wire_label: &'static str,
    /// A client or man in the middle on the lab wire learns the scheme and key exchange from
    /// the handshake; until then the header says so instead of guessing.
    pub awaiting_handshake: bool,
    /// Events from other generations are stragglers and are ignored.
    pub generation: u64,
    /// Playing a recording back: nothing can be sent. `Some(true)` when its keys were
    /// redacted, so the Key panes say why they stay empty.
    pub replay: Option<bool>,
    /// Of a replay: events played so far, and how many the recording holds.
    pub replay_progress: (usize, usize),
    /// Each role's key.
    pub keys: HashMap<Role, KeyView>,
    /// Each role's connection state.
    pub status: HashMap<Role, ConnState>,
    /// Messages, followed end to end.
    pub journeys: Journeys,
    /// The journey the user selected; `None` follows the latest.
    pub selected: Option<u64>,
    /// Live updates paused: the selection stays put.
    pub frozen: bool,
    /// The server's clients.
    pub clients: Vec<ClientRow>,
    /// The client the server's operator replies to.
    pub selected_client: usize,
    /// The attacker's seat.
    pub attacker: Attacker,
    /// The plaintext editor.
    pub input: Input,
    /// The Compare tab.
    pub compare: Compare,
    /// The Matrix tab's cells, as they arrive.
    pub matrix: HashMap<(Attack, Scheme), Cell>,
    /// Whether "run all" is under way.
    pub matrix_running: bool,
    /// Recent log lines.
    pub log: LogRing,
    /// The latest error, shown above the footer.
    pub error: Option<String>,
    /// Scroll offsets of the hex view and the log, in lines.
    pub scroll: HashMap<Focus, usize>,
    /// Colours.
    pub theme: Theme,
    /// Set when the user asked to leave.
    pub quit: bool,
    /// What the app asks of the network, taken by the runtime after each update.
    pub requests: Vec<Request>,
    /// The screen size last drawn, for mouse hit-testing.
    pub size: (u16, u16),
    /// Deterministic mode for snapshots and screenshots (no randomness, no clock).
    pub fixed: bool,
    /// The lesson being taught, if any.
    pub lesson: Option<LessonState>,
}

impl App {
    /// A fresh screen for `mode`.
    pub fn new(
        mode: Mode,
        scheme: Scheme,
        exchange: KeyExchange,
        log: LogRing,
        theme: Theme,
    ) -> App {
        App {
            mode,
            tab: Tab::Lab,
            focus: Focus::cycle(mode)[0],
            popup: None,
            scheme,
            exchange,
            wire_label: "lab wire",
            awaiting_handshake: false,
            generation: 0,
            replay: None,
            replay_progress: (0, 0),
            keys: HashMap::new(),
            status: HashMap::new(),
            journeys: Journeys::default(),
            selected: None,
            frozen: false,
            clients: Vec::new(),
            selected_client: 0,
            attacker: Attacker::default(),
            input: Input::default(),
            compare: Compare::new(false),
            matrix: HashMap::new(),
            matrix_running: false,
            log,
            error: None,
            scroll: HashMap::new(),
            theme,
            quit: false,
            requests: Vec::new(),
            size: (0, 0),
            fixed: false,
            lesson: None,
        }
    }

    /// Makes the app deterministic (fixed Compare keys and nonces) for snapshots.
    pub fn fixed(mut self) -> App {
        self.fixed = true;
        self.compare = Compare::new(true);
        self
    }

    /// What decides which keys apply now.
    pub fn context(&self) -> Context {
        Context {
            typing: self.focus == Focus::Input
                && self.tab == Tab::Lab
                && self.mode.sender().is_some()
                && !self.too_small(),
            popup: self.popup.is_some(),
            // A lesson sets the scheme itself, and Compare shows all four at once.
            scheme_choice: self.mode == Mode::Demo && self.tab == Tab::Lab && self.lesson.is_none(),
            compare: self.tab == Tab::Compare,
            matrix: self.tab == Tab::Matrix,
            wire: self.mode.has_wire() && self.tab == Tab::Lab,
            can_edit: self.mode.sender().is_some() && self.tab == Tab::Lab,
            lesson: self.lesson.is_some(),
        }
    }

    /// Whether the screen is below the size cipherlab draws on (only `q` and Ctrl-C work).
    pub fn too_small(&self) -> bool {
        self.size.0 < super::layout::MIN_WIDTH || self.size.1 < super::layout::MIN_HEIGHT
    }

    /// The journey the panes show: the selected one, or the latest.
    pub fn current(&self) -> Option<&Journey> {
        match self.selected {
            Some(id) => self.journeys.get(id),
            None => self.journeys.latest(),
        }
    }

    /// Takes the requests made since the last call.
    pub fn take_requests(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.requests)
    }

    // ----- network events -------------------------------------------------------------

    /// Applies one network event from `role` of topology `generation`.
    pub fn on_net(&mut self, generation: u64, role: Role, event: Event) {
        if generation != self.generation {
            return;
        }
        match event {
            Event::Listening { addr } => {
                self.status.insert(role, ConnState::Listening(addr));
            }
            Event::Connected { peer, name, scheme } => {
                // A client or a man in the middle learns the scheme from the handshake.
                if matches!(self.mode, Mode::Client | Mode::Mitm) {
                    self.scheme = scheme;
                    self.awaiting_handshake = false;
                }
                if role == Role::Server && self.mode == Mode::Server {
                    self.add_client(peer, name);
                } else {
                    self.status.insert(role, ConnState::Connected(peer.addr));
                }
            }
            Event::Key {
                key,
                source,
                exchange,
            } => {
                if role == Role::Wire {
                    self.attacker.key_learned = true;
                }
                if self.mode == Mode::Client {
                    self.exchange = exchange;
                }
                self.keys.insert(
                    role,
                    KeyView {
                        key,
                        source,
                        exchange,
                    },
                );
            }
            Event::Sent {
                peer,
                seq,
                plaintext,
                wire,
            } => {
                let direction = if role == Role::Server {
                    Direction::ToClient
                } else {
                    Direction::ToServer
                };
                let conn = self.conn(role, peer);
                let journey = self.journeys.entry((conn, direction, seq));
                journey.plaintext = Some(Kept::new(&plaintext));
                journey.sent = Some(Kept::new(&wire));
                let id = journey.id;
                if role == Role::Client {
                    self.on_step_message_sent(id);
                }
                if let Some(row) = self.client_mut(role, peer) {
                    row.messages_out += 1;
                }
            }
            Event::Received {
                peer,
                seq,
                wire,
                opened,
            } => {
                let direction = if role == Role::Server {
                    Direction::ToServer
                } else {
                    Direction::ToClient
                };
                let conn = self.conn(role, peer);
                let injected = seq >= crate::net::INJECTED_SEQ;
                let journey = self.journeys.entry((conn, direction, seq));
                journey.injected = injected;
                journey.arrival = Some(Arrival {
                    wire: Kept::new(&wire),
                    verdict: opened.verdict.clone(),
                    plaintext: opened.plaintext.map(|p| Kept::new(&Bytes::from(p))),
                });
                if let Some(row) = self.client_mut(role, peer) {
                    row.messages_in += 1;
                    row.last_verdict = Some(opened.verdict);
                }
            }
            Event::Verdict { peer, seq, verdict } => {
                let direction = if role == Role::Server {
                    Direction::ToClient
                } else {
                    Direction::ToServer
                };
                let conn = self.conn(role, peer);
                self.journeys.entry((conn, direction, seq)).peer_verdict = Some(verdict);
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
                wire,
            } => {
                let conn = self.conn(Role::Wire, peer);
                let journey = self.journeys.entry((conn, Direction::ToServer, seq));
                journey.held = None;
                journey.tampered.push((action, Kept::new(&wire)));
            }
            Event::Eavesdropped {
                peer,
                direction,
                seq,
                plaintext,
            } => {
                let conn = self.conn(Role::Wire, peer);
                self.journeys.entry((conn, direction, seq)).eavesdropped =
                    Some(Kept::new(&plaintext));
            }
            Event::Disconnected { peer, reason, .. } => {
                if let Some(row) = self.client_mut(role, peer) {
                    row.connected = false;
                } else {
                    self.status.insert(role, ConnState::Closed(reason));
                }
                self.attacker
                    .held
                    .retain(|h| h.peer != peer.id || role != Role::Wire);
            }
            Event::Armed { .. } => self.on_armed(),
            Event::Unsent { reason, .. } => {
                self.error = Some(format!("message not sent: {reason}"))
            }
            Event::Error { message, .. } => self.error = Some(message),
        }
    }

    /// Applies a batch boundary: enforces the memory budget once per batch of events.
    pub fn settle(&mut self) {
        self.journeys.evict();
    }

    fn on_intercepted(
        &mut self,
        peer: Peer,
        direction: Direction,
        frame: Frame,
        fate: crate::net::Fate,
    ) {
        let bytes = frame.to_bytes();
        let summary = match &frame {
            Frame::Data { seq, wire } => {
                format!("seq {}, {} bytes", crate::net::seq_label(*seq), wire.len())
            }
            Frame::Verdict { seq, verdict } => {
                format!("seq {}: {verdict}", crate::net::seq_label(*seq))
            }
            // Control frames are JSON after the length and kind: readable as they are.
            _ => String::from_utf8_lossy(bytes.get(5..).unwrap_or_default())
                .chars()
                .take(120)
                .collect(),
        };
        self.attacker.record(FrameLine {
            direction,
            kind: frame.kind_name(),
            len: bytes.len(),
            summary,
            forwarded: fate.forwarded(),
        });
        if let Frame::Welcome(welcome) = &frame
            && self.mode == Mode::Mitm
        {
            // The server's WELCOME says what the session is, whatever the command line guessed.
            self.scheme = welcome.scheme;
            self.exchange = welcome.key_exchange;
            self.awaiting_handshake = false;
        }
        if let Frame::Verdict { seq, verdict } = &frame
            && direction == Direction::ToClient
        {
            let conn = self.conn(Role::Wire, peer);
            self.journeys
                .entry((conn, Direction::ToServer, *seq))
                .peer_verdict = Some(verdict.clone());
        }
        if let Frame::Data { seq, wire } = frame {
            let conn = self.conn(Role::Wire, peer);
            let journey = self.journeys.entry((conn, direction, seq));
            journey.on_wire = Some(Kept::new(&wire));
            journey.held = fate.held();
            if let Some(hold) = journey.held {
                self.attacker.held.push_back(HeldMessage {
                    peer: peer.id,
                    hold,
                    seq,
                    wire,
                });
            }
        }
    }

    /// The connection number journeys are keyed by: the server's and the attacker's view of
    /// each client, and 0 where there is only one conversation.
    fn conn(&self, role: Role, peer: Peer) -> PeerId {
        self.conn_of(role, peer.id)
    }

    fn conn_of(&self, role: Role, peer: PeerId) -> PeerId {
        match (self.mode, role) {
            (Mode::Server, Role::Server) | (Mode::Mitm, Role::Wire) => peer,
            _ => 0,
        }
    }

    fn add_client(&mut self, peer: Peer, name: String) {
        if self.clients.len() >= MAX_CLIENTS_SHOWN
            && let Some(gone) = self.clients.iter().position(|c| !c.connected)
        {
            self.clients.remove(gone);
        }
        if self.clients.len() < MAX_CLIENTS_SHOWN {
            self.clients.push(ClientRow {
                peer,
                name,
                messages_in: 0,
                messages_out: 0,
                last_verdict: None,
                connected: true,
            });
        }
    }

    fn client_mut(&mut self, role: Role, peer: Peer) -> Option<&mut ClientRow> {
        if role != Role::Server || self.mode != Mode::Server {
            return None;
        }
        self.clients.iter_mut().find(|c| c.peer.id == peer.id)
    }

    /// Records one matrix cell.
    pub fn on_matrix(&mut self, cell: Cell) {
        self.matrix.insert((cell.attack, cell.scheme), cell);
    }

    // ----- keys and mouse -------------------------------------------------------------

    /// Applies one terminal event.
    pub fn on_terminal(&mut self, event: &TermEvent) {
        match event {
            TermEvent::Key(key) if key.kind == KeyEventKind::Press => self.on_key(*key, event),
            TermEvent::Mouse(mouse) => self.on_mouse(*mouse),
            TermEvent::Resize(w, h) => self.size = (*w, *h),
            _ => {}
        }
    }

    fn on_key(&mut self, key: KeyEvent, event: &TermEvent) {
        if let Some(Popup::Tamper(_)) = &self.popup {
            self.on_tamper_key(key, event);
            return;
        }
        let ctx = self.context();
        match action::lookup(&key, &ctx) {
            Some(action) => self.apply(action),
            None if ctx.typing => {
                self.input.handle_event(event);
            }
            None => {}
        }
    }

    /// Carries out one action.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::ForceQuit | Action::Quit => self.quit = true,
            Action::Help => self.popup = Some(Popup::Help),
            Action::Back => self.back(),
            Action::FocusNext => self.cycle_focus(1),
            Action::FocusPrev => self.cycle_focus(-1),
            Action::NextTab => self.switch_tab(1),
            Action::PrevTab => self.switch_tab(-1),
            Action::PickScheme(scheme) => self.pick_scheme(scheme),
            Action::Up => self.scroll_by(-1),
            Action::Down => self.scroll_by(1),
            Action::PageUp => self.scroll_by(-10),
            Action::PageDown => self.scroll_by(10),
            Action::Home => self.scroll_by(isize::MIN / 2),
            Action::End => {
                self.selected = None;
                self.frozen = false;
                self.scroll.clear();
            }
            Action::Freeze => {
                self.frozen = !self.frozen;
                if self.frozen && self.selected.is_none() {
                    self.selected = self.journeys.latest().map(|j| j.id);
                }
            }
            Action::Edit => self.focus = Focus::Input,
            Action::Send => self.send_typed(),
            Action::SealAgain => self.seal_compare(),
            Action::ToggleIntercept => self.toggle_intercept(),
            Action::Forward => self.release(None),
            Action::DropHeld => self.release(Some(crate::crypto::Tamper::Drop)),
            Action::TamperMenu => {
                let target = self.attacker.held.front().cloned();
                self.popup = Some(Popup::Tamper(TamperForm::new(target, self.scheme)));
            }
            Action::NextStep => self.next_step(),
            Action::PrevStep => self.previous_step(),
            Action::RunAll => {
                if !self.matrix_running {
                    self.matrix.clear();
                    self.matrix_running = true;
                    self.requests.push(Request::RunMatrix);
                }
            }
        }
    }

    fn back(&mut self) {
        if self.popup.take().is_some() {
            return;
        }
        if self.focus == Focus::Input {
            self.focus = Focus::History;
        } else {
            self.selected = None;
            self.frozen = false;
        }
        self.error = None;
    }

    fn cycle_focus(&mut self, step: isize) {
        let cycle = Focus::cycle(self.mode);
        let here = cycle.iter().position(|f| *f == self.focus).unwrap_or(0);
        let next = (here as isize + step).rem_euclid(cycle.len() as isize) as usize;
        self.focus = cycle[next];
    }

    fn switch_tab(&mut self, step: isize) {
        let here = Tab::ALL.iter().position(|t| *t == self.tab).unwrap_or(0);
        self.tab = Tab::ALL[(here as isize + step).rem_euclid(Tab::ALL.len() as isize) as usize];
        if self.tab == Tab::Compare && self.compare.rows.is_empty() {
            self.seal_compare();
        }
    }

    fn pick_scheme(&mut self, scheme: Scheme) {
        if self.mode != Mode::Demo || self.tab != Tab::Lab || self.lesson.is_some() {
            return;
        }
        self.exchange = KeyExchange::default_for(scheme);
        let options = crate::net::DemoOptions::new(scheme, self.exchange);
        self.restart(options);
    }

    /// Starts the demo again with `options`: a new generation, and a clean slate.
    pub(super) fn restart(&mut self, options: crate::net::DemoOptions) {
        self.scheme = options.scheme;
        self.exchange = options.exchange;
        self.generation += 1;
        self.keys.clear();
        self.status.clear();
        self.journeys = Journeys::default();
        self.selected = None;
        self.attacker = Attacker::default();
        self.error = None;
        self.requests.push(Request::Restart {
            options,
            generation: self.generation,
        });
    }

    fn scroll_by(&mut self, delta: isize) {
        match self.focus {
            Focus::History | Focus::Input => {
                self.selected = self.journeys.step(self.selected, delta);
            }
            Focus::Clients => {
                let last = self.clients.len().saturating_sub(1);
                self.selected_client = self.selected_client.saturating_add_signed(delta).min(last);
            }
            other => {
                let offset = self.scroll.entry(other).or_insert(0);
                *offset = offset.saturating_add_signed(delta);
            }
        }
    }

    fn send_typed(&mut self) {
        let text = self.input.value().to_owned();
        if text.is_empty() {
            return;
        }
        let Some(role) = self.mode.sender() else {
            return;
        };
        if self.replay.is_some() {
            self.error = Some(REPLAY_REFUSAL.to_owned());
            return;
        }
        let to = match self.mode {
            Mode::Server => match self
                .clients
                .get(self.selected_client)
                .filter(|c| c.connected)
            {
                Some(client) => Some(client.peer.id),
                None => {
                    self.error = Some(
                        "no connected client to reply to: select one in the client list".to_owned(),
                    );
                    return;
                }
            },
            _ => None,
        };
        if self.mode == Mode::Client
            && let Some(ConnState::Closed(reason)) = self.status.get(&Role::Client)
        {
            // The text stays in the editor: nothing typed is lost to a closed connection.
            self.error = Some(format!(
                "not connected ({reason}): the message was not sent"
            ));
            return;
        }
        self.input.reset();
        self.selected = None;
        self.error = None;
        self.requests.push(Request::Send {
            role,
            to,
            plaintext: Bytes::from(text),
        });
    }

    fn seal_compare(&mut self) {
        let typed = self.input.value();
        let text = if typed.is_empty() {
            DEFAULT_PLAINTEXT.to_owned()
        } else {
            typed.to_owned()
        };
        let nonce = self.fixed.then_some(crate::crypto::Nonce {
            iv: [7; 16],
            now: 1_700_000_000,
        });
        self.compare.seal(&text, nonce);
    }

    fn release(&mut self, tamper: Option<crate::crypto::Tamper>) {
        if let Some(held) = self.attacker.held.pop_front() {
            self.requests.push(Request::Mitm(MitmCommand::Release {
                peer: held.peer,
                hold: held.hold,
                tamper,
            }));
        } else {
            self.error = Some("no message is held: press x to intercept, then send one".to_owned());
        }
    }

    /// Switches intercept mode. Switching it off releases every held message untouched, so
    /// none of them is shown as held any longer. The seed wire cannot hold messages, so there
    /// the switch stays off and the man in the middle says why.
    fn toggle_intercept(&mut self) {
        if self.wire_label == crate::wire::seed::WireKind::Seed.label() {
            self.attacker.intercept = false;
            self.error = Some(crate::net::seed::NO_HOLD_ON_SEED_WIRE.to_owned());
            return;
        }
        let on = !self.attacker.intercept;
        self.attacker.intercept = on;
        if !on {
            for held in std::mem::take(&mut self.attacker.held) {
                let key = (
                    self.conn_of(Role::Wire, held.peer),
                    Direction::ToServer,
                    held.seq,
                );
                if let Some(journey) = self.journeys.find_mut(key) {
                    journey.held = None;
                }
            }
        }
        self.requests
            .push(Request::Mitm(MitmCommand::Intercept(on)));
    }

    fn on_tamper_key(&mut self, key: KeyEvent, event: &TermEvent) {
        use ratatui::crossterm::event::{KeyCode, KeyModifiers};
        let Some(Popup::Tamper(form)) = &mut self.popup else {
            return;
        };
        match (key.code, key.modifiers) {
            (KeyCode::Char('c'), KeyModifiers::CONTROL) => self.quit = true,
            (KeyCode::Esc, _) => self.popup = None,
            (KeyCode::Left, _) => form.nudge_byte(-1, self.scheme),
            (KeyCode::Right, _) => form.nudge_byte(1, self.scheme),
            (KeyCode::Up, _) => form.nudge_bit(1),
            (KeyCode::Down, _) => form.nudge_bit(-1),
            (KeyCode::Enter, _) => match form.check(self.scheme) {
                Ok(action) => {
                    let request = match &form.target {
                        Some(held) => {
                            let (peer, hold) = (held.peer, held.hold);
                            self.attacker.held.retain(|h| h.hold != hold);
                            MitmCommand::Release {
                                peer,
                                hold,
                                tamper: Some(action),
                            }
                        }
                        None => MitmCommand::Arm(action),
                    };
                    self.requests.push(Request::Mitm(request));
                    self.popup = None;
                }
                Err(message) => self.error = Some(message),
            },
            _ => {
                form.input.handle_event(event);
            }
        }
    }

    fn on_mouse(&mut self, mouse: MouseEvent) {
        let areas = Areas::compute(
            self,
            ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1),
        );
        let Some(pane) = areas.pane_at(mouse.column, mouse.row) else {
            return;
        };
        match mouse.kind {
            MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
                let delta = if mouse.kind == MouseEventKind::ScrollUp {
                    -1
                } else {
                    1
                };
                let before = self.focus;
                if let Some(focus) = pane.focus() {
                    self.focus = focus;
                }
                self.scroll_by(delta);
                self.focus = before;
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if let Some(focus) = pane.focus() {
                    self.focus = focus;
                }
                if pane == Pane::History
                    && let Some(id) = areas.history_row(self, mouse.row)
                {
                    self.selected = Some(id);
                }
            }
            _ => {}
        }
    }
}
