//! The classroom's keys: the student's answer prompt and wire bytes typed in hex, and the
//! instructor's NOTICE to every client.

use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use tui_input::backend::crossterm::EventHandler;

use super::{App, REPLAY_REFUSAL};
use crate::tui::exercise::parse_wire_hex;
use crate::tui::state::{Focus, Request};
use crate::tui::ui::Popup;

impl App {
    /// The panes Tab moves through: the mode's, the Exercise pane only once it shows.
    pub(super) fn focus_cycle(&self) -> Vec<Focus> {
        Focus::cycle(self.session.mode())
            .iter()
            .copied()
            .filter(|f| *f != Focus::Exercise || self.exercise.shown())
            .collect()
    }

    /// `a`: the answer prompt takes the keys.
    pub(super) fn start_answer(&mut self) {
        self.exercise.start_answer();
        self.ui.set_focus(Focus::Exercise);
    }

    /// Enter in the answer prompt: the ANSWER goes, unless there is no connection to take it
    /// (then it stays, as typed text does).
    pub(super) fn send_answer(&mut self) {
        if self.exercise.answer().value().trim().is_empty() {
            self.ui.show_error("type an answer first (Esc cancels)");
            return;
        }
        if let Some(why) = self.not_connected() {
            self.ui.show_error(format!(
                "not connected ({why}): the answer was not sent; it stays here"
            ));
            return;
        }
        if !crate::net::exercise::answer_fits(self.exercise.answer().value().trim()) {
            let max = crate::wire::frame::MAX_ANSWER_FRAME;
            self.ui.show_error(format!(
                "the answer is over the {max}-byte ANSWER limit (an answer is a secret or a word): not sent; it stays here"
            ));
            return;
        }
        if let Some(answer) = self.exercise.take_answer() {
            self.requests.push(Request::Answer(answer));
        }
    }

    /// Esc in the answer prompt.
    pub(super) fn cancel_answer(&mut self) {
        self.exercise.cancel_answer();
    }

    /// `w`: the editor sends wire bytes typed in hex, or seals its text again.
    pub(super) fn toggle_wire_hex(&mut self) {
        self.exercise.toggle_wire_hex();
        self.ui.show_error(if self.exercise.wire_hex() {
            "the editor now takes wire bytes in hex and sends them as they are (w: sealed text)"
        } else {
            "the editor seals its text again (w: wire bytes in hex)"
        });
    }

    /// Enter in the editor while it takes hex: the bytes go as they are, or the text stays
    /// with what is wrong with it.
    pub(super) fn send_wire_typed(&mut self, text: &str) {
        match parse_wire_hex(text) {
            Ok(wire) => {
                self.editor.reset();
                self.timeline.follow_latest();
                self.requests.push(Request::SendWire(wire));
            }
            Err(why) => self
                .ui
                .show_error(format!("{why}: nothing was sent; the text stays here")),
        }
    }

    /// `n`: the instructor types a NOTICE. The seed wire has no frame to carry one.
    pub(super) fn open_notice(&mut self) {
        if self.replaying() {
            self.ui.show_error(REPLAY_REFUSAL);
        } else if self.session.protocol() == crate::wire::seed::Protocol::Seed {
            self.ui
                .show_error("a NOTICE needs the lab wire: the seed programs have no frame for it");
        } else {
            self.ui.open(Popup::Notice(tui_input::Input::default()));
        }
    }

    /// The NOTICE popup takes every key until it closes: Enter sends, Esc cancels, Ctrl-C
    /// still quits.
    pub(super) fn on_notice_key(&mut self, key: KeyEvent, event: &TermEvent) {
        let Some(Popup::Notice(input)) = self.ui.popup_mut() else {
            return;
        };
        match (key.code, key.modifiers) {
            (KeyCode::Char('c'), KeyModifiers::CONTROL) => self.ui.quit(),
            (KeyCode::Esc, _) => {
                self.ui.close_popup();
            }
            (KeyCode::Enter, _) => {
                let text = input.value().trim().to_owned();
                if text.is_empty() {
                    self.ui.show_error("type the notice first (Esc cancels)");
                    return;
                }
                self.ui.close_popup();
                let clients = self.clients.connected();
                let to = if clients == 1 { "client" } else { "clients" };
                self.ui
                    .show_error(format!("notice sent to {clients} {to}: {text}"));
                self.requests.push(Request::Notice(text));
            }
            _ => {
                input.handle_event(event);
            }
        }
    }
}
