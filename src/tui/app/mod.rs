//! The screen's state and how it changes: network events in, keys and mouse in, requests out.
//! The state is in parts that own their data ([`SessionView`], [`Timeline`], [`ClientList`],
//! [`Attacker`], [`UiState`], ...); the runtime calls methods and never writes a field.
//! Drawing lives in `draw` and `view`; the app never touches a socket, it only asks (see
//! [`Request`]).

mod draw;
mod events;
mod exercise;
mod keys;
mod lesson;
mod wire;

use tui_input::Input;

use super::action::Context;
use super::attacker::Attacker;
use super::clients::ClientList;
use super::exercise::ExerciseView;
use super::journey::Journey;
use super::lesson::LessonState;
use super::session::{SessionView, Source};
use super::state::{ConnState, Focus, Mode, Request, Tab};
use super::tabs::TabStates;
use super::theme::Theme;
use super::timeline::Timeline;
use super::ui::UiState;
use crate::logging::LogRing;
use crate::net::Role;
use crate::net::matrix::Cell;

/// Shown when someone tries to send during a replay.
pub const REPLAY_REFUSAL: &str = "this is a replay of a recording: nothing can be sent or changed";

/// Everything the screen shows.
pub struct App {
    session: SessionView,
    timeline: Timeline,
    clients: ClientList,
    attacker: Attacker,
    editor: Input,
    exercise: ExerciseView,
    tabs: TabStates,
    lesson: Option<LessonState>,
    ui: UiState,
    log: LogRing,
    theme: Theme,
    requests: Vec<Request>,
}

impl App {
    /// A fresh screen for `session`.
    pub fn new(session: SessionView, log: LogRing, theme: Theme) -> App {
        // Seed clients connect once per message and give no name: one row per address.
        let fold = session.protocol() == crate::wire::seed::Protocol::Seed;
        App {
            ui: UiState::new(session.mode()),
            session,
            timeline: Timeline::default(),
            clients: ClientList::new(fold),
            attacker: Attacker::default(),
            editor: Input::default(),
            exercise: ExerciseView::default(),
            tabs: TabStates::new(false),
            lesson: None,
            log,
            theme,
            requests: Vec::new(),
        }
    }

    /// Makes the app deterministic (fixed Compare keys and nonces) for snapshots.
    pub fn fixed(mut self) -> App {
        self.tabs = TabStates::new(true);
        self
    }

    /// The same screen in other colours (NO_COLOR).
    pub fn with_theme(mut self, theme: Theme) -> App {
        self.theme = theme;
        self
    }

    /// Gives `focus` the keys, as a click on its pane does.
    pub fn focus_on(&mut self, focus: Focus) {
        self.ui.set_focus(focus);
    }

    /// Key material starts shown or hidden (`--hide-keys`: a projector in front of a class).
    pub fn showing_keys(mut self, keys: super::state::KeyDisplay) -> App {
        self.ui.show_keys(keys);
        self
    }

    /// The man in the middle starts with intercept `on` (`--intercept`).
    pub fn intercepting(mut self, on: bool) -> App {
        self.attacker.intercept = on;
        self
    }

    // ----- what the runtime and the tests read --------------------------------------------

    /// The session seen on screen.
    pub fn session(&self) -> &SessionView {
        &self.session
    }

    /// The journeys and the one followed.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// The server's clients.
    pub fn clients(&self) -> &ClientList {
        &self.clients
    }

    /// The attacker's seat.
    pub fn attacker(&self) -> &Attacker {
        &self.attacker
    }

    /// The Oracle tab's attack.
    pub fn oracle(&self) -> &super::tabs::OracleBoard {
        &self.tabs.oracle
    }

    /// The UI's own state (tab, focus, popup, error).
    pub fn ui(&self) -> &UiState {
        &self.ui
    }

    /// The text in the plaintext editor.
    pub fn typed(&self) -> &str {
        self.editor.value()
    }

    /// The student's exercise (a client's screen).
    pub fn exercise(&self) -> &ExerciseView {
        &self.exercise
    }

    /// The lesson being taught, if any.
    pub fn lesson(&self) -> Option<&LessonState> {
        self.lesson.as_ref()
    }

    /// The log lines the Log pane shows.
    pub fn log(&self) -> &LogRing {
        &self.log
    }

    /// The colours.
    pub fn theme(&self) -> Theme {
        self.theme
    }

    /// The generation whose events count.
    pub fn generation(&self) -> u64 {
        self.session.generation()
    }

    /// The journey the panes show: the selected one, or the latest.
    pub fn current(&self) -> Option<&Journey> {
        self.timeline.current()
    }

    /// Whether the user asked to leave.
    pub fn wants_quit(&self) -> bool {
        self.ui.wants_quit()
    }

    /// What decides which keys apply now.
    pub fn context(&self) -> Context {
        let mode = self.session.mode();
        let lab = self.ui.tab() == Tab::Lab;
        let exercise = mode == Mode::Client && lab && self.exercise.task().is_some();
        let answering = exercise && self.exercise.answering() && !self.ui.too_small();
        Context {
            // A replay sends nothing, so its keys are never typed into the editor.
            typing: self.ui.focus() == Focus::Input
                && lab
                && mode.sender().is_some()
                && !answering
                && !self.ui.too_small()
                && !self.replaying(),
            exercise: exercise && !self.replaying(),
            wire_hex: exercise && self.exercise.wire_hex(),
            answering: answering && !self.replaying(),
            popup: self.ui.popup().is_some(),
            lab,
            // A lesson sets the scheme itself, and Compare shows all of them at once.
            scheme_choice: mode == Mode::Demo && lab && self.lesson.is_none(),
            compare: self.ui.tab() == Tab::Compare,
            matrix: self.ui.tab() == Tab::Matrix,
            oracle: self.ui.tab() == Tab::Oracle,
            wire: mode.has_wire() && lab,
            held: !self.attacker.held.is_empty(),
            can_edit: mode.sender().is_some() && lab,
            lesson: self.lesson.is_some(),
            replay: self.replaying(),
            roster: mode == Mode::Server && lab,
            retrying: mode == Mode::Client
                && !self.replaying()
                && matches!(
                    self.session.status(Role::Client),
                    Some(ConnState::Reconnecting { .. })
                ),
            offline: mode == Mode::Client
                && !self.replaying()
                && matches!(
                    self.session.status(Role::Client),
                    Some(ConnState::Closed(_))
                ),
        }
    }

    // ----- what the runtime tells the app -------------------------------------------------

    /// Shows `message` in the status line.
    pub fn show_error(&mut self, message: impl Into<String>) {
        self.ui.show_error(message);
    }

    /// One more event of the recording has played.
    pub fn played_one(&mut self) {
        self.session.played_one();
    }

    /// Whether the events come from a recording.
    pub fn replaying(&self) -> bool {
        matches!(self.session.source(), Source::Replay { .. })
    }

    /// Records one matrix cell.
    pub fn on_matrix(&mut self, cell: Cell) {
        self.tabs.matrix.record(cell);
    }

    /// A request that comes back after its pause (a lesson's `wait`).
    pub fn request(&mut self, request: Request) {
        self.requests.push(request);
    }

    /// Takes the requests made since the last call.
    pub fn take_requests(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.requests)
    }

    /// Applies a batch boundary: enforces the memory budget once per batch of events.
    pub fn settle(&mut self) {
        self.timeline.evict();
    }

    /// Plays one entry of a recording: its events belong to whatever is on screen, and its
    /// marks do to the screen what the session did.
    pub fn on_entry(&mut self, entry: crate::record::Entry) {
        self.played_one();
        match entry {
            crate::record::Entry::Event(role, event) => self.on_net(self.generation(), role, event),
            crate::record::Entry::Mark(mark) => self.on_mark(mark),
        }
    }

    /// Does what a recording's mark says the session did at this point: started again under
    /// another scheme, or switched intercept.
    fn on_mark(&mut self, mark: crate::record::Mark) {
        match mark {
            crate::record::Mark::Restart {
                scheme,
                exchange,
                nonce,
            } => {
                self.clean_slate(scheme, exchange, nonce);
            }
            crate::record::Mark::Intercept(on) => self.set_intercept(on),
        }
    }

    /// Starts the demo again with `options`: a new generation, and a clean slate.
    fn restart(&mut self, options: crate::net::DemoOptions) {
        let generation = self.clean_slate(options.scheme, options.exchange, options.nonce);
        self.ui.clear_error();
        self.requests.push(Request::Restart {
            options,
            generation,
        });
    }

    /// A new session under `scheme` and `exchange`, nothing of the old one kept; returns
    /// the generation its events carry.
    fn clean_slate(
        &mut self,
        scheme: crate::crypto::Scheme,
        exchange: crate::crypto::KeyExchange,
        nonce: crate::crypto::NoncePolicy,
    ) -> u64 {
        let generation = self.session.restart(scheme, exchange, nonce);
        self.timeline.clear();
        self.attacker = Attacker::default();
        self.tabs.oracle.reset();
        generation
    }
}
