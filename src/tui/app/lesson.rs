//! A lesson on the screen: how a step becomes requests to the demo (restart, arm the
//! attacker, send) and a change of tab, and how going back shows a step's message again.

use bytes::Bytes;

use super::App;
use crate::crypto::KeyExchange;
use crate::lesson::{Lesson, Show};
use crate::net::oracle::Plan;
use crate::net::{AttackKind, DemoOptions, MitmCommand, Role};
use crate::tui::lesson::LessonState;
use crate::tui::state::{Focus, Request, Tab};

impl App {
    /// Starts teaching `lesson`: its first step runs at once.
    pub fn begin_lesson(&mut self, lesson: Lesson) {
        self.lesson = Some(LessonState::new(lesson, self.demo_options()));
        self.ui.set_focus(Focus::History);
        self.next_step();
    }

    /// Shows `lesson` at step `shown` as if its steps up to there had been played, over the
    /// messages already on screen (snapshots and screenshots of the Narration pane).
    #[cfg(feature = "test-support")]
    pub fn stage_lesson(&mut self, lesson: Lesson, shown: usize) {
        let mut state = LessonState::new(lesson, self.demo_options());
        state.shown = shown;
        state.played = shown + 1;
        self.lesson = Some(state);
        self.ui.set_focus(Focus::History);
    }

    /// The demo as it runs now, as a lesson's starting options.
    fn demo_options(&self) -> DemoOptions {
        let scheme = self.session.scheme();
        let exchange = self
            .session
            .exchange()
            .unwrap_or(KeyExchange::default_for(scheme));
        DemoOptions::new(scheme, exchange)
    }

    /// Shows the next narration; when it belongs to a step not yet carried out, carries it out.
    pub(super) fn next_step(&mut self) {
        let Some(state) = &mut self.lesson else {
            return;
        };
        if state.played > 0 && state.shown + 1 < state.played {
            state.shown += 1;
            self.show_step_message();
            return;
        }
        let Some(step) = state.lesson.steps.get(state.played).cloned() else {
            return;
        };
        state.shown = state.played;
        state.played += 1;
        // A new step: the panes follow the newest message again.
        self.timeline.follow_latest();
        if step.restarts() || state.played == 1 {
            let options = step.options(&state.options);
            state.options = options.clone();
            self.restart(options);
        }
        if let Some(show) = step.show {
            self.ui.show_tab(match show {
                Show::Lab => Tab::Lab,
                Show::Compare => Tab::Compare,
                Show::Matrix => Tab::Matrix,
                Show::Picture => Tab::Picture,
            });
        }
        let tamper = step.tamper;
        // A lesson's attack: the padding oracle is armed in the man in the middle for the
        // step's message (which then waits for it, as for a tamper); byte-at-a-time asks the
        // server from a connection of its own.
        // Either way it is watched on the Oracle tab, which the step opens unless it names a
        // tab of its own.
        let oracle = step.attack == Some(AttackKind::PaddingOracle);
        let aimed = match step.attack {
            Some(AttackKind::PaddingOracle) => Some((
                "the lesson's next client message, asked through the victim's connection",
                AttackKind::PaddingOracle,
            )),
            Some(AttackKind::ByteAtATime) => Some((
                "the server's appended secret, from a connection of the attacker's own",
                AttackKind::ByteAtATime,
            )),
            // A lesson file cannot name extend (it needs a captured message to extend).
            Some(AttackKind::Extend) | None => None,
        };
        if let Some((aim, kind)) = aimed {
            let live = self.tabs.oracle.aim_at(aim.to_owned());
            self.requests.push(if kind == AttackKind::PaddingOracle {
                Request::Mitm(MitmCommand::Oracle { live })
            } else {
                Request::Attack(Plan::ByteAtATime, live)
            });
            if step.show.is_none() {
                self.ui.show_tab(Tab::Oracle);
            }
        }
        if let Some(state) = &mut self.lesson
            && step.send.is_some()
        {
            state.sending = Some(state.shown);
        }
        if let Some(text) = step.send {
            let send = Request::Send {
                role: Role::Client,
                to: None,
                plaintext: Bytes::from(text),
            };
            let send = match step.wait {
                Some(wait) => {
                    Request::Later(std::time::Duration::from_secs_f64(wait), Box::new(send))
                }
                None => send,
            };
            match tamper {
                Some(action) => {
                    self.requests.push(Request::Mitm(MitmCommand::Arm(action)));
                    if let Some(state) = &mut self.lesson {
                        state.pending_send = Some(send);
                    }
                }
                None if oracle => {
                    if let Some(state) = &mut self.lesson {
                        state.pending_send = Some(send);
                    }
                }
                _ => self.requests.push(send),
            }
        }
    }

    /// The man in the middle armed an action: a step's message waiting for it goes now.
    pub(super) fn on_armed(&mut self) {
        if let Some(send) = self.lesson.as_mut().and_then(|s| s.pending_send.take()) {
            self.requests.push(send);
        }
    }

    /// Shows the previous narration again, and the panes show the message that step sent;
    /// nothing on the wire is undone.
    pub(super) fn previous_step(&mut self) {
        if let Some(state) = &mut self.lesson {
            state.shown = state.shown.saturating_sub(1);
        }
        self.show_step_message();
    }

    /// Selects the message of the step shown (or of the latest step before it that sent one),
    /// while it is still kept; on the newest step, the panes follow the newest message.
    fn show_step_message(&mut self) {
        let Some(state) = &self.lesson else { return };
        if state.shown + 1 >= state.played {
            self.timeline.follow_latest();
            return;
        }
        let message = state.step_messages[..=state.shown]
            .iter()
            .rev()
            .flatten()
            .copied()
            .next();
        let kept = message.filter(|id| self.timeline.journeys().get(*id).is_some());
        self.timeline.pin(kept);
    }

    /// The client reported a message sent: if a step sent it, remember which History entry
    /// it became.
    pub(super) fn on_step_message_sent(&mut self, journey: u64) {
        if let Some(state) = &mut self.lesson
            && let Some(step) = state.sending.take()
            && let Some(slot) = state.step_messages.get_mut(step)
        {
            *slot = Some(journey);
        }
    }
}
