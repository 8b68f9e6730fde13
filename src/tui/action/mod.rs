//! Keys become actions. One table feeds the dispatcher, the footer and the help popup, so
//! what the screen says a key does is what it does.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::crypto::Scheme;

/// Something the user asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Leave, always (Ctrl-C).
    ForceQuit,
    /// Leave.
    Quit,
    /// Open the help popup.
    Help,
    /// Close the popup, leave the input, or go back to following the latest message.
    Back,
    /// Focus the next pane.
    FocusNext,
    /// Focus the previous pane.
    FocusPrev,
    /// The next tab.
    NextTab,
    /// The previous tab.
    PrevTab,
    /// Restart the demo (or the Compare tab) under this scheme.
    PickScheme(Scheme),
    /// Restart the demo with the next key exchange: send, psk, x25519.
    CycleExchange,
    /// Move up in the focused pane.
    Up,
    /// Move down in the focused pane.
    Down,
    /// A page up.
    PageUp,
    /// A page down.
    PageDown,
    /// To the oldest.
    Home,
    /// To the newest, following live updates again.
    End,
    /// Stop or resume following live updates.
    Freeze,
    /// Hide the key material on the screen, or show it again (the projector).
    HideKeys,
    /// Give the focused pane the whole screen, or put it back.
    Zoom,
    /// Focus the plaintext editor.
    Edit,
    /// Seal and send the typed message.
    Send,
    /// Compare: seal the plaintext again under every scheme.
    SealAgain,
    /// Wire: switch holding client messages on or off.
    ToggleIntercept,
    /// Wire: let the held message go unchanged.
    Forward,
    /// Wire: drop the held message.
    DropHeld,
    /// Wire: choose a tamper action for the held (or next) message.
    TamperMenu,
    /// Wire: read the held (or selected) client message with the padding oracle, through the
    /// victim's own connection, on the Oracle tab.
    Oracle,
    /// Oracle: ask the questions faster.
    Faster,
    /// Oracle: ask the questions slower, down to one a second, for a class.
    Slower,
    /// Matrix: play every attack against every scheme.
    RunAll,
    /// Matrix: show the schemes to the left.
    SchemesLeft,
    /// Matrix: show the schemes to the right.
    SchemesRight,
    /// Lesson: carry out the next step.
    NextStep,
    /// Lesson: show the previous step's narration again.
    PrevStep,
    /// Replay: stop the recording's clock, or start it again.
    PausePlayback,
    /// Replay: play the next recorded entry now, and stay paused.
    StepPlayback,
    /// Server: order the client list by the next key (name, last activity, verdict).
    SortClients,
    /// Client: stop trying to reconnect.
    StopReconnecting,
    /// Client: try the server again after the client stopped.
    Reconnect,
    /// Client with an exercise: open the answer prompt.
    Answer,
    /// Answer prompt: send the ANSWER.
    SendAnswer,
    /// Answer prompt: close it and forget the answer.
    CancelAnswer,
    /// Client with an exercise: the editor sends wire bytes typed in hex, or sealed text.
    ToggleWireHex,
    /// Server: type a NOTICE for every client.
    Notice,
}

/// Where a key binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere, even while typing or in a popup.
    Always,
    /// Whenever no text is being typed and no popup is open.
    Browsing,
    /// While typing in the plaintext editor.
    Typing,
    /// On the Lab tab, when no text is being typed.
    Lab,
    /// In the demo, or on the Compare tab.
    SchemeChoice,
    /// On the Compare tab.
    Compare,
    /// On the Matrix tab.
    Matrix,
    /// On the Oracle tab (and the screen of `cipherlab attack`).
    Oracle,
    /// Where a man in the middle runs (demo, mitm), Lab tab.
    Wire,
    /// Where a message can be typed and no text is being typed.
    CanEdit,
    /// During a lesson, when no text is being typed.
    Lesson,
    /// While a recording plays back.
    Replay,
    /// The server's client list, when no text is being typed.
    Roster,
    /// A client waiting to reconnect, even while typing.
    Retrying,
    /// A client that has stopped, even while typing.
    Offline,
    /// A client whose server set an exercise, when no text is being typed.
    Exercise,
    /// While typing an answer in the Exercise pane.
    Answering,
    /// While typing wire bytes in hex in the editor (`w`).
    TypingHex,
}

/// What decides which bindings apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// Text is being typed in the editor.
    pub typing: bool,
    /// A popup is open.
    pub popup: bool,
    /// The Lab tab is showing.
    pub lab: bool,
    /// The screen has a scheme to choose (demo, or the Compare tab).
    pub scheme_choice: bool,
    /// The Compare tab is showing.
    pub compare: bool,
    /// The Matrix tab is showing.
    pub matrix: bool,
    /// The Oracle tab is showing (or the screen of `cipherlab attack`).
    pub oracle: bool,
    /// A man in the middle runs and the Lab tab shows.
    pub wire: bool,
    /// The man in the middle holds a message (the footer then says how to let it go).
    pub held: bool,
    /// There is a plaintext editor.
    pub can_edit: bool,
    /// A lesson is running.
    pub lesson: bool,
    /// A recording is playing back.
    pub replay: bool,
    /// The server's client list is showing.
    pub roster: bool,
    /// The client is waiting to reconnect.
    pub retrying: bool,
    /// The client has stopped (it gave up, was told to stop, or the server closed for good).
    pub offline: bool,
    /// The client's server set an exercise (the Exercise pane shows it).
    pub exercise: bool,
    /// An answer is being typed in the Exercise pane.
    pub answering: bool,
    /// The editor takes wire bytes in hex (`w`).
    pub wire_hex: bool,
}

impl Scope {
    /// Whether a binding with this scope applies in `ctx`.
    pub fn applies(self, ctx: &Context) -> bool {
        let browsing = !ctx.typing && !ctx.answering && !ctx.popup;
        match self {
            Scope::Always => true,
            Scope::Browsing => browsing,
            Scope::Typing => ctx.typing && !ctx.popup,
            Scope::Answering => ctx.answering && !ctx.popup,
            Scope::TypingHex => ctx.typing && ctx.wire_hex && !ctx.popup,
            Scope::Exercise => browsing && ctx.exercise,
            Scope::Lab => browsing && ctx.lab,
            Scope::SchemeChoice => browsing && ctx.scheme_choice,
            Scope::Compare => browsing && ctx.compare,
            Scope::Matrix => browsing && ctx.matrix,
            Scope::Oracle => browsing && ctx.oracle,
            Scope::Wire => browsing && ctx.wire,
            Scope::CanEdit => browsing && ctx.can_edit,
            Scope::Lesson => browsing && ctx.lesson,
            Scope::Replay => browsing && ctx.replay,
            Scope::Roster => browsing && ctx.roster,
            Scope::Retrying => !ctx.popup && ctx.retrying,
            Scope::Offline => !ctx.popup && ctx.offline,
        }
    }

    /// The help popup's heading for the keys of this scope.
    pub fn heading(self) -> &'static str {
        match self {
            Scope::Typing => "While typing (other keys are text)",
            Scope::Answering => "While answering (other keys are text)",
            Scope::TypingHex => "While typing wire bytes in hex",
            Scope::Exercise => "The exercise",
            Scope::Always => "Anywhere",
            Scope::Browsing => "When not typing",
            Scope::Lab | Scope::CanEdit => "The Lab tab",
            Scope::SchemeChoice => "The demo",
            Scope::Wire => "The man in the middle (Wire)",
            Scope::Compare => "The Compare tab",
            Scope::Matrix => "The Matrix tab",
            Scope::Oracle => "The Oracle tab",
            Scope::Lesson => "The lesson",
            Scope::Replay => "The replay",
            Scope::Roster => "The server's client list",
            Scope::Retrying | Scope::Offline => "The connection",
        }
    }

    /// Where the footer puts this scope's hints: what belongs to this screen comes before
    /// what works everywhere, so that at 80 columns the keys of the moment are the ones seen.
    fn footer_rank(self) -> u8 {
        match self {
            Scope::Typing
            | Scope::TypingHex
            | Scope::Answering
            | Scope::Lesson
            | Scope::Replay
            | Scope::Retrying
            | Scope::Offline => 1,
            Scope::Exercise | Scope::CanEdit | Scope::SchemeChoice | Scope::Wire => 2,
            Scope::Compare | Scope::Matrix | Scope::Oracle | Scope::Lab | Scope::Roster => 3,
            Scope::Browsing => 4,
            Scope::Always => 5,
        }
    }
}

/// One row of the key table.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    /// The keys, as shown to the user.
    pub label: &'static str,
    /// What they do, in a few words.
    pub help: &'static str,
    /// Where they apply.
    pub scope: Scope,
    /// What the footer calls them, in a word or two, if it shows them at all (the help popup
    /// shows every row that applies, with `help`).
    pub footer: Option<&'static str>,
    keys: &'static [(KeyCode, KeyModifiers)],
    action: Action,
}

mod table;

impl Binding {
    /// What the binding does.
    pub fn action(&self) -> Action {
        self.action
    }
}

pub use table::BINDINGS;

/// The action bound to `key` in `ctx`, if any.
pub fn lookup(key: &KeyEvent, ctx: &Context) -> Option<Action> {
    BINDINGS
        .iter()
        .filter(|b| b.scope.applies(ctx))
        .find(|b| {
            b.keys
                .iter()
                .any(|&(code, mods)| code == key.code && mods == key.modifiers)
        })
        .map(|b| b.action)
}

/// Bindings the help popup lists: those that are not a second key for an action already
/// listed under a combined label (`1-7`, `[ ]`, `↑↓ j k`, `PgUp PgDn`, `← →`, `+ -`).
pub fn listed() -> impl Iterator<Item = &'static Binding> {
    const FOLDED: [&str; 11] = ["2", "3", "4", "5", "6", "7", "[", "↓", "PgDn", "→", "-"];
    BINDINGS.iter().filter(|b| !FOLDED.contains(&b.label))
}

/// The help popup's groups for the screen in `ctx`: the keys that apply here, whether typing
/// or not, each group under its heading, in the order of the table.
pub fn help_groups(ctx: &Context) -> Vec<(&'static str, Vec<&'static Binding>)> {
    let here = Context {
        typing: false,
        answering: false,
        popup: false,
        ..*ctx
    };
    let mut groups: Vec<(&'static str, Vec<&'static Binding>)> = Vec::new();
    let typing_here = ctx.can_edit && ctx.lab;
    let mut here: Vec<&Binding> = listed()
        .filter(|b| match b.scope {
            Scope::Typing => typing_here,
            Scope::Answering | Scope::TypingHex => ctx.exercise,
            scope => scope.applies(&here),
        })
        .collect();
    // What works everywhere, then typing, then the keys of this screen.
    here.sort_by_key(|b| match b.scope {
        Scope::Always => 0,
        Scope::Typing => 1,
        Scope::Browsing => 2,
        _ => 3,
    });
    for binding in here {
        let heading = binding.scope.heading();
        match groups.iter_mut().find(|(h, _)| *h == heading) {
            Some((_, rows)) => rows.push(binding),
            None => groups.push((heading, vec![binding])),
        }
    }
    groups
}

/// The footer's hints for `ctx`: (keys, what they do). Quit and help come first, then the
/// keys of this screen, then those that work everywhere; with a message held, how to let it
/// go.
pub fn hints(ctx: &Context) -> Vec<(&'static str, &'static str)> {
    let about_held = |b: &&Binding| matches!(b.action, Action::Forward | Action::DropHeld);
    // A key shows once, as the binding it triggers here (the first that applies).
    let triggered = |b: &&Binding| {
        b.keys.iter().all(|key| {
            BINDINGS
                .iter()
                .find(|other| other.scope.applies(ctx) && other.keys.contains(key))
                .is_some_and(|first| {
                    (first.label, first.scope, first.action) == (b.label, b.scope, b.action)
                })
        })
    };
    let mut shown: Vec<(&Binding, &str)> = BINDINGS
        .iter()
        .filter(|b| b.scope.applies(ctx) && (ctx.held || !about_held(b)))
        .filter(triggered)
        .filter_map(|b| b.footer.map(|words| (b, words)))
        .collect();
    shown.sort_by_key(|(b, _)| match b.action {
        Action::Quit | Action::Help => 0,
        Action::Forward | Action::DropHeld => 1,
        _ => b.scope.footer_rank(),
    });
    shown
        .into_iter()
        .map(|(b, words)| (b.label, words))
        .collect()
}

#[cfg(test)]
mod tests;
