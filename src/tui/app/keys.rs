//! Keys and the mouse into actions, and what each action does to the parts.

use bytes::Bytes;
use ratatui::crossterm::event::{
    Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent,
    MouseEventKind,
};
use tui_input::backend::crossterm::EventHandler;

use super::{App, REPLAY_REFUSAL};
use crate::crypto::{KeyExchange, Scheme, Tamper};
use crate::net::{Direction, MitmCommand, Role};
use crate::tui::action::{self, Action};
use crate::tui::attacker::TamperForm;
use crate::tui::compare::DEFAULT_PLAINTEXT;
use crate::tui::layout::Pane;
use crate::tui::state::{ConnState, Focus, Mode, Request, Tab, Zoom};
use crate::tui::ui::Popup;

impl App {
    /// Applies one terminal event.
    pub fn on_terminal(&mut self, event: &TermEvent) {
        match event {
            TermEvent::Key(key) if key.kind == KeyEventKind::Press => self.on_key(*key, event),
            TermEvent::Mouse(mouse) => self.on_mouse(*mouse),
            TermEvent::Resize(w, h) => self.ui.resize(*w, *h),
            TermEvent::Paste(text) => self.on_paste(text),
            _ => {}
        }
    }

    /// A paste goes whole into whatever takes text now, its line breaks made spaces: every
    /// editor is one line, and an Enter inside a paste must not send half of it.
    fn on_paste(&mut self, text: &str) {
        let ctx = self.context();
        let input = match self.ui.popup_mut() {
            Some(Popup::Tamper(form)) => &mut form.input,
            Some(Popup::Notice(input)) => input,
            Some(Popup::Help) => return,
            None if ctx.answering => self.exercise.answer_mut(),
            None if ctx.typing => &mut self.editor,
            None => return,
        };
        for c in text.chars() {
            let c = if c.is_control() { ' ' } else { c };
            input.handle(tui_input::InputRequest::InsertChar(c));
        }
    }

    fn on_key(&mut self, key: KeyEvent, event: &TermEvent) {
        match self.ui.popup() {
            Some(Popup::Tamper(_)) => return self.on_tamper_key(key, event),
            Some(Popup::Help) => return self.on_help_key(key),
            Some(Popup::Notice(_)) => return self.on_notice_key(key, event),
            None => {}
        }
        let ctx = self.context();
        match action::lookup(&key, &ctx) {
            Some(action) => self.apply(action),
            None if ctx.answering => {
                self.exercise.answer_mut().handle_event(event);
            }
            None if ctx.typing => {
                self.editor.handle_event(event);
            }
            None => {}
        }
    }

    /// The help popup takes every key until it closes: nothing reaches the editor or moves
    /// the focus behind it. Esc, q, ? and F1 close it; Ctrl-C still quits.
    fn on_help_key(&mut self, key: KeyEvent) {
        match (key.code, key.modifiers) {
            (KeyCode::Char('c'), KeyModifiers::CONTROL) => self.ui.quit(),
            (KeyCode::Esc | KeyCode::Char('q' | '?') | KeyCode::F(1), _) => {
                self.ui.close_popup();
            }
            _ => {}
        }
    }

    /// Carries out one action. An error in the status line speaks of what was done before:
    /// each action starts with a clean one, and shows its own if it fails.
    pub fn apply(&mut self, action: Action) {
        self.ui.clear_error();
        match action {
            Action::ForceQuit | Action::Quit => self.ui.quit(),
            Action::Help => self.ui.open(Popup::Help),
            Action::Back => self.back(),
            // Moving on leaves the answer prompt; what was typed waits for the next `a`.
            Action::FocusNext | Action::FocusPrev => {
                self.exercise.pause_answer();
                let step = if action == Action::FocusNext { 1 } else { -1 };
                self.ui.cycle_focus(&self.focus_cycle(), step);
            }
            Action::NextTab => self.switch_tab(1),
            Action::PrevTab => self.switch_tab(-1),
            Action::PickScheme(scheme) => {
                // The key exchange stays as chosen: x25519 is still x25519 under ecb.
                let exchange = self
                    .session
                    .exchange()
                    .unwrap_or(KeyExchange::default_for(scheme));
                self.restart_demo(scheme, exchange);
            }
            Action::CycleExchange => {
                let next = match self.session.exchange() {
                    Some(KeyExchange::Send) => KeyExchange::Psk,
                    Some(KeyExchange::Psk) => KeyExchange::X25519,
                    Some(KeyExchange::X25519) | None => KeyExchange::Send,
                };
                self.restart_demo(self.session.scheme(), next);
            }
            Action::HideKeys => self.ui.show_keys(self.ui.keys().toggled()),
            Action::Zoom => self.ui.set_zoom(match self.ui.zoom() {
                Zoom::Tiled => Zoom::Focused,
                Zoom::Focused => Zoom::Tiled,
            }),
            Action::SchemesLeft => self.ui.shift_schemes(-1, Scheme::ALL.len()),
            Action::SchemesRight => self.ui.shift_schemes(1, Scheme::ALL.len()),
            Action::Up => self.scroll_by(-1),
            Action::Down => self.scroll_by(1),
            Action::PageUp => self.scroll_by(-10),
            Action::PageDown => self.scroll_by(10),
            Action::Home => self.scroll_by(isize::MIN / 2),
            Action::End => {
                self.timeline.follow_latest();
                self.ui.reset_scroll();
            }
            Action::Freeze => self.timeline.toggle_freeze(),
            Action::Edit => self.ui.set_focus(Focus::Input),
            Action::Send => self.send_typed(),
            Action::SealAgain => self.seal_compare(),
            Action::ToggleIntercept
            | Action::Forward
            | Action::DropHeld
            | Action::TamperMenu
            | Action::Oracle
                if self.replaying() =>
            {
                self.ui.show_error(REPLAY_REFUSAL);
            }
            Action::ToggleIntercept => self.toggle_intercept(),
            Action::Forward => self.release(None),
            Action::DropHeld => self.release(Some(Tamper::Drop)),
            Action::PausePlayback => {
                let paused = matches!(
                    self.session.source(),
                    crate::tui::session::Source::Replay { paused: true, .. }
                );
                self.session.set_paused(!paused);
                self.requests
                    .push(Request::Playback(crate::record::Control::TogglePause));
            }
            Action::StepPlayback => {
                self.session.set_paused(true);
                self.requests
                    .push(Request::Playback(crate::record::Control::Step));
            }
            Action::TamperMenu => {
                let target = self.attacker.held.front().cloned();
                let replays = self.last_forwarded(target.as_ref().map(|held| held.peer));
                let form = TamperForm::new(target, self.session.scheme()).replaying(replays);
                self.ui.open(Popup::Tamper(form));
            }
            Action::Oracle => self.start_oracle(),
            Action::Faster => {
                self.tabs.oracle.live().step_pace(true);
            }
            Action::Slower => {
                self.tabs.oracle.live().step_pace(false);
            }
            Action::NextStep => self.next_step(),
            Action::PrevStep => self.previous_step(),
            Action::RunAll => {
                if self.tabs.matrix.start() {
                    self.requests.push(Request::RunMatrix);
                }
            }
            Action::SortClients => self.clients.cycle_sort(),
            Action::StopReconnecting => {
                self.ui.clear_error();
                let stopped = "stopped reconnecting: Ctrl-R tries again".to_owned();
                self.session
                    .set_status(Role::Client, ConnState::Closed(stopped));
                self.requests.push(Request::StopReconnecting);
            }
            Action::Reconnect => {
                self.ui.clear_error();
                self.session.set_status(Role::Client, ConnState::Starting);
                self.requests.push(Request::Reconnect);
            }
            Action::Answer => self.start_answer(),
            Action::SendAnswer => self.send_answer(),
            Action::CancelAnswer => self.cancel_answer(),
            Action::ToggleWireHex => self.toggle_wire_hex(),
            Action::Notice => self.open_notice(),
        }
    }

    /// Shows journey `id` in the panes (a click in History, a screenshot's choice).
    pub fn select_journey(&mut self, id: u64) {
        self.timeline.pin(Some(id));
    }

    fn back(&mut self) {
        if self.ui.close_popup() {
            return;
        }
        if self.ui.zoom() == Zoom::Focused && self.ui.focus() != Focus::Input {
            self.ui.set_zoom(Zoom::Tiled);
        } else if self.ui.focus() == Focus::Input {
            self.ui.set_focus(Focus::History);
        } else {
            self.timeline.follow_latest();
        }
    }

    /// Moves along the tabs. Arriving on Compare seals the text of the moment, unless that is
    /// what it shows already (then `s` seals it again).
    fn switch_tab(&mut self, step: isize) {
        if self.ui.switch_tab(self.session.mode(), step) == Tab::Compare
            && (self.tabs.compare.rows.is_empty()
                || self.tabs.compare.plaintext != self.compare_text())
        {
            self.seal_compare();
        }
    }

    /// Starts the demo again under `scheme` and `exchange`. The focus stays where it was, so
    /// keys stay commands: `1` then `3` picks ecb, then fernet.
    fn restart_demo(&mut self, scheme: Scheme, exchange: KeyExchange) {
        if self.session.mode() != Mode::Demo || self.ui.tab() != Tab::Lab || self.lesson.is_some() {
            return;
        }
        // A nonce policy carries over to the other scheme with a nonce; the rest have none.
        self.restart(crate::net::DemoOptions {
            nonce: if scheme.takes_nonce() {
                self.session.nonce()
            } else {
                crate::crypto::NoncePolicy::Random
            },
            ..crate::net::DemoOptions::new(scheme, exchange)
        });
    }

    fn scroll_by(&mut self, delta: isize) {
        match self.ui.focus() {
            Focus::History | Focus::Input => self.timeline.step(delta),
            Focus::Clients => self.clients.step(delta),
            other => self.ui.scroll_by(other, delta),
        }
    }

    fn send_typed(&mut self) {
        let text = self.editor.value().to_owned();
        if text.is_empty() {
            return;
        }
        let mode = self.session.mode();
        let Some(role) = mode.sender() else {
            return;
        };
        if self.replaying() {
            self.ui.show_error(REPLAY_REFUSAL);
            return;
        }
        let to = match mode {
            Mode::Server => match self.clients.reply_to() {
                Some(peer) => Some(peer),
                None => {
                    self.ui.show_error(
                        "no connected client to reply to: select one in the client list",
                    );
                    return;
                }
            },
            _ => None,
        };
        // The text stays in the editor: nothing typed is lost to a connection that is not up.
        if mode == Mode::Client
            && let Some(why) = self.not_connected()
        {
            let message = format!("not connected ({why}): the message was not sent; it stays here");
            self.ui.show_error(message);
            return;
        }
        if mode == Mode::Client && self.exercise.wire_hex() {
            return self.send_wire_typed(&text);
        }
        self.editor.reset();
        self.timeline.follow_latest();
        self.tabs.compare.sent(&text);
        self.requests.push(Request::Send {
            role,
            to,
            plaintext: Bytes::from(text),
        });
    }

    /// Why a client cannot send now, if it cannot: it has no connection, or is between two.
    pub(super) fn not_connected(&self) -> Option<String> {
        let lab = self.session.protocol() == crate::wire::seed::Protocol::Lab;
        match self.session.status(Role::Client) {
            Some(ConnState::Closed(reason)) => Some(reason.clone()),
            Some(ConnState::Reconnecting {
                attempt, attempts, ..
            }) => Some(format!("reconnecting, try {attempt} of {attempts}")),
            // A seed client connects per message; a lab client must finish its handshake.
            None | Some(ConnState::Starting) if lab => Some("no handshake yet".to_owned()),
            _ => None,
        }
    }

    /// What the Compare tab seals: the text being typed, else the text last sent from here,
    /// else the message on screen, else two equal blocks for ECB to give away.
    fn compare_text(&self) -> String {
        let typed = self.editor.value();
        if !typed.is_empty() {
            return typed.to_owned();
        }
        if let Some(sent) = self.tabs.compare.last_sent() {
            return sent.to_owned();
        }
        self.timeline
            .current()
            .and_then(|j| j.best_plaintext())
            .map(|p| String::from_utf8_lossy(&p.bytes).into_owned())
            .filter(|text| !text.is_empty())
            .unwrap_or_else(|| DEFAULT_PLAINTEXT.to_owned())
    }

    fn seal_compare(&mut self) {
        let text = self.compare_text();
        self.tabs.compare.seal(&text);
    }

    fn release(&mut self, tamper: Option<Tamper>) {
        if let Some(held) = self.attacker.held.pop_front() {
            self.requests.push(Request::Mitm(MitmCommand::Release {
                peer: held.peer,
                hold: held.hold,
                tamper,
            }));
        } else {
            self.ui
                .show_error("no message is held: press x to intercept, then send one");
        }
    }

    /// Switches intercept mode. Switching it off releases every held message untouched, so
    /// none of them is shown as held any longer. The seed protocol cannot hold messages, so
    /// there the switch stays off and the man in the middle says why.
    fn toggle_intercept(&mut self) {
        if self.session.protocol() == crate::wire::seed::Protocol::Seed {
            self.attacker.intercept = false;
            self.ui.show_error(crate::net::seed::NO_HOLD_ON_SEED_WIRE);
            return;
        }
        let on = !self.attacker.intercept;
        self.set_intercept(on);
        self.requests
            .push(Request::Mitm(MitmCommand::Intercept(on)));
    }

    /// Intercept on or off, as the screen shows it. Off releases every held message, so none
    /// of them is shown as held any longer.
    pub(super) fn set_intercept(&mut self, on: bool) {
        self.attacker.intercept = on;
        if !on {
            for held in std::mem::take(&mut self.attacker.held) {
                let key = (
                    self.conn(Role::Mitm, held.peer),
                    Direction::ToServer,
                    held.seq,
                );
                if let Some(journey) = self.timeline.journeys_mut().find_mut(key) {
                    journey.held = None;
                }
            }
        }
    }

    fn on_tamper_key(&mut self, key: KeyEvent, event: &TermEvent) {
        let scheme = self.session.scheme();
        let Some(Popup::Tamper(form)) = self.ui.popup_mut() else {
            return;
        };
        match (key.code, key.modifiers) {
            (KeyCode::Char('c'), KeyModifiers::CONTROL) => self.ui.quit(),
            (KeyCode::Esc, _) => {
                self.ui.close_popup();
            }
            (KeyCode::Left, _) => form.nudge_byte(-1, scheme),
            (KeyCode::Right, _) => form.nudge_byte(1, scheme),
            (KeyCode::Up, _) => form.nudge_bit(1),
            (KeyCode::Down, _) => form.nudge_bit(-1),
            (KeyCode::Enter, _) => match form.check(scheme) {
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
                    self.ui.close_popup();
                    self.ui.clear_error();
                }
                Err(message) => self.ui.show_error(message),
            },
            _ => {
                form.input.handle_event(event);
            }
        }
    }

    fn on_mouse(&mut self, mouse: MouseEvent) {
        let (width, height) = self.ui.size();
        let areas = self.areas(ratatui::layout::Rect::new(0, 0, width, height));
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
                let before = self.ui.focus();
                if let Some(focus) = pane.focus() {
                    self.ui.set_focus(focus);
                }
                self.scroll_by(delta);
                self.ui.set_focus(before);
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if let Some(focus) = pane.focus() {
                    self.ui.set_focus(focus);
                }
                if pane == Pane::History
                    && let Some(id) = areas.history_row(&self.timeline, mouse.row)
                {
                    self.select_journey(id);
                }
                if pane == Pane::Clients
                    && let Some(at) = areas.clients_row(&self.clients, mouse.row)
                {
                    self.clients.select_at(at);
                }
            }
            _ => {}
        }
    }
}
