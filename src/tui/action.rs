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
    /// Matrix: play every attack against every scheme.
    RunAll,
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
    /// In the demo, or on the Compare tab.
    SchemeChoice,
    /// On the Compare tab.
    Compare,
    /// On the Matrix tab.
    Matrix,
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
}

/// What decides which bindings apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// Text is being typed in the editor.
    pub typing: bool,
    /// A popup is open.
    pub popup: bool,
    /// The screen has a scheme to choose (demo, or the Compare tab).
    pub scheme_choice: bool,
    /// The Compare tab is showing.
    pub compare: bool,
    /// The Matrix tab is showing.
    pub matrix: bool,
    /// A man in the middle runs and the Lab tab shows.
    pub wire: bool,
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
}

impl Scope {
    /// Whether a binding with this scope applies in `ctx`.
    pub fn applies(self, ctx: &Context) -> bool {
        let browsing = !ctx.typing && !ctx.popup;
        match self {
            Scope::Always => true,
            Scope::Browsing => browsing,
            Scope::Typing => ctx.typing && !ctx.popup,
            Scope::SchemeChoice => browsing && ctx.scheme_choice,
            Scope::Compare => browsing && ctx.compare,
            Scope::Matrix => browsing && ctx.matrix,
            Scope::Wire => browsing && ctx.wire,
            Scope::CanEdit => browsing && ctx.can_edit,
            Scope::Lesson => browsing && ctx.lesson,
            Scope::Replay => browsing && ctx.replay,
            Scope::Roster => browsing && ctx.roster,
            Scope::Retrying => !ctx.popup && ctx.retrying,
            Scope::Offline => !ctx.popup && ctx.offline,
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
    /// Whether the footer shows them (the help popup shows all).
    pub in_footer: bool,
    keys: &'static [(KeyCode, KeyModifiers)],
    action: Action,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

macro_rules! binding {
    ($label:expr, $help:expr, $scope:ident, $footer:expr, [$($key:expr),+], $action:expr) => {
        Binding { label: $label, help: $help, scope: Scope::$scope, in_footer: $footer, keys: &[$($key),+], action: $action }
    };
}

/// Every key cipherlab understands, in the order the help popup lists them.
pub const BINDINGS: &[Binding] = &[
    binding!(
        "Ctrl-C",
        "quit, always",
        Always,
        false,
        [(KeyCode::Char('c'), CTRL)],
        Action::ForceQuit
    ),
    binding!(
        "q",
        "quit",
        Browsing,
        true,
        [(KeyCode::Char('q'), NONE)],
        Action::Quit
    ),
    binding!(
        "?/F1",
        "help",
        Browsing,
        true,
        [
            (KeyCode::Char('?'), NONE),
            (KeyCode::Char('?'), SHIFT),
            (KeyCode::F(1), NONE)
        ],
        Action::Help
    ),
    // While typing, `?` is a character; F1 still opens help, and the footer says so.
    binding!(
        "F1",
        "help",
        Typing,
        true,
        [(KeyCode::F(1), NONE)],
        Action::Help
    ),
    binding!(
        "→ Space",
        "next step",
        Lesson,
        true,
        [(KeyCode::Right, NONE), (KeyCode::Char(' '), NONE)],
        Action::NextStep
    ),
    binding!(
        "←",
        "previous step",
        Lesson,
        true,
        [(KeyCode::Left, NONE)],
        Action::PrevStep
    ),
    binding!(
        "Space",
        "pause/resume replay",
        Replay,
        true,
        [(KeyCode::Char(' '), NONE)],
        Action::PausePlayback
    ),
    binding!(
        ".",
        "step one event",
        Replay,
        true,
        [(KeyCode::Char('.'), NONE)],
        Action::StepPlayback
    ),
    binding!(
        "Enter",
        "seal and send",
        Typing,
        true,
        [(KeyCode::Enter, NONE)],
        Action::Send
    ),
    binding!(
        "Esc",
        "back",
        Always,
        true,
        [(KeyCode::Esc, NONE)],
        Action::Back
    ),
    binding!(
        "Tab",
        "next pane",
        Always,
        true,
        [(KeyCode::Tab, NONE)],
        Action::FocusNext
    ),
    binding!(
        "Shift-Tab",
        "previous pane",
        Always,
        false,
        [(KeyCode::BackTab, NONE), (KeyCode::BackTab, SHIFT)],
        Action::FocusPrev
    ),
    binding!(
        "[ ]",
        "tabs",
        Browsing,
        true,
        [(KeyCode::Char(']'), NONE)],
        Action::NextTab
    ),
    binding!(
        "[",
        "previous tab",
        Browsing,
        false,
        [(KeyCode::Char('['), NONE)],
        Action::PrevTab
    ),
    binding!(
        "1-7",
        "scheme",
        SchemeChoice,
        true,
        [(KeyCode::Char('1'), NONE)],
        Action::PickScheme(Scheme::Ecb)
    ),
    binding!(
        "2",
        "cbc",
        SchemeChoice,
        false,
        [(KeyCode::Char('2'), NONE)],
        Action::PickScheme(Scheme::Cbc)
    ),
    binding!(
        "3",
        "fernet",
        SchemeChoice,
        false,
        [(KeyCode::Char('3'), NONE)],
        Action::PickScheme(Scheme::Fernet)
    ),
    binding!(
        "4",
        "hmac",
        SchemeChoice,
        false,
        [(KeyCode::Char('4'), NONE)],
        Action::PickScheme(Scheme::Hmac)
    ),
    binding!(
        "5",
        "prefix-mac",
        SchemeChoice,
        false,
        [(KeyCode::Char('5'), NONE)],
        Action::PickScheme(Scheme::PrefixMac)
    ),
    binding!(
        "6",
        "gcm",
        SchemeChoice,
        false,
        [(KeyCode::Char('6'), NONE)],
        Action::PickScheme(Scheme::Gcm)
    ),
    binding!(
        "7",
        "chacha",
        SchemeChoice,
        false,
        [(KeyCode::Char('7'), NONE)],
        Action::PickScheme(Scheme::Chacha)
    ),
    binding!(
        "Ctrl-R",
        "stop reconnecting",
        Retrying,
        true,
        [(KeyCode::Char('r'), CTRL)],
        Action::StopReconnecting
    ),
    binding!(
        "Ctrl-R",
        "reconnect",
        Offline,
        true,
        [(KeyCode::Char('r'), CTRL)],
        Action::Reconnect
    ),
    binding!(
        "o",
        "sort clients",
        Roster,
        true,
        [(KeyCode::Char('o'), NONE)],
        Action::SortClients
    ),
    binding!(
        "i",
        "type a message",
        CanEdit,
        true,
        [(KeyCode::Char('i'), NONE)],
        Action::Edit
    ),
    binding!(
        "s",
        "seal again",
        Compare,
        true,
        [(KeyCode::Char('s'), NONE)],
        Action::SealAgain
    ),
    binding!(
        "r",
        "run all attacks",
        Matrix,
        true,
        [(KeyCode::Char('r'), NONE)],
        Action::RunAll
    ),
    binding!(
        "x",
        "intercept on/off",
        Wire,
        true,
        [(KeyCode::Char('x'), NONE)],
        Action::ToggleIntercept
    ),
    binding!(
        "t",
        "tamper",
        Wire,
        true,
        [(KeyCode::Char('t'), NONE)],
        Action::TamperMenu
    ),
    binding!(
        "Enter",
        "forward held",
        Wire,
        false,
        [(KeyCode::Enter, NONE)],
        Action::Forward
    ),
    binding!(
        "d",
        "drop held",
        Wire,
        false,
        [(KeyCode::Char('d'), NONE)],
        Action::DropHeld
    ),
    binding!(
        "↑↓ j k",
        "scroll or select",
        Browsing,
        true,
        [(KeyCode::Up, NONE), (KeyCode::Char('k'), NONE)],
        Action::Up
    ),
    binding!(
        "↓",
        "down",
        Browsing,
        false,
        [(KeyCode::Down, NONE), (KeyCode::Char('j'), NONE)],
        Action::Down
    ),
    binding!(
        "PgUp",
        "page up",
        Browsing,
        false,
        [(KeyCode::PageUp, NONE)],
        Action::PageUp
    ),
    binding!(
        "PgDn",
        "page down",
        Browsing,
        false,
        [(KeyCode::PageDown, NONE)],
        Action::PageDown
    ),
    binding!(
        "Home g",
        "oldest",
        Browsing,
        false,
        [(KeyCode::Home, NONE), (KeyCode::Char('g'), NONE)],
        Action::Home
    ),
    binding!(
        "End G",
        "newest, follow live",
        Browsing,
        false,
        [
            (KeyCode::End, NONE),
            (KeyCode::Char('G'), NONE),
            (KeyCode::Char('G'), SHIFT)
        ],
        Action::End
    ),
    binding!(
        "f",
        "freeze live updates",
        Browsing,
        true,
        [(KeyCode::Char('f'), NONE)],
        Action::Freeze
    ),
];

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
/// listed under a combined label (`1-4`, `[ ]`, `↑↓ j k`).
pub fn listed() -> impl Iterator<Item = &'static Binding> {
    const FOLDED: [&str; 6] = ["2", "3", "4", "[", "↓", "F1"];
    BINDINGS.iter().filter(|b| !FOLDED.contains(&b.label))
}

/// The footer's hints for `ctx`: (keys, what they do).
pub fn hints(ctx: &Context) -> Vec<(&'static str, &'static str)> {
    BINDINGS
        .iter()
        .filter(|b| b.in_footer && b.scope.applies(ctx))
        .map(|b| (b.label, b.help))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    const BROWSING: Context = Context {
        typing: false,
        popup: false,
        scheme_choice: true,
        compare: false,
        matrix: false,
        wire: true,
        can_edit: true,
        lesson: false,
        replay: false,
        roster: false,
        retrying: false,
        offline: false,
    };

    #[test]
    fn q_quits_when_browsing_but_types_when_typing() {
        assert_eq!(
            lookup(&key(KeyCode::Char('q')), &BROWSING),
            Some(Action::Quit)
        );
        let typing = Context {
            typing: true,
            ..BROWSING
        };
        assert_eq!(lookup(&key(KeyCode::Char('q')), &typing), None);
        assert_eq!(
            lookup(
                &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
                &typing
            ),
            Some(Action::ForceQuit)
        );
        assert_eq!(lookup(&key(KeyCode::Enter), &typing), Some(Action::Send));
    }

    #[test]
    fn f1_opens_help_while_typing_and_the_footer_says_so() {
        let typing = Context {
            typing: true,
            ..BROWSING
        };
        assert_eq!(lookup(&key(KeyCode::F(1)), &typing), Some(Action::Help));
        assert_eq!(lookup(&key(KeyCode::F(1)), &BROWSING), Some(Action::Help));
        let labels: Vec<&str> = hints(&typing).iter().map(|(k, _)| *k).collect();
        assert!(labels.contains(&"F1"), "{labels:?}");
        assert_eq!(listed().filter(|b| b.action == Action::Help).count(), 1);
    }

    #[test]
    fn scheme_keys_only_where_a_scheme_can_be_chosen() {
        assert_eq!(
            lookup(&key(KeyCode::Char('3')), &BROWSING),
            Some(Action::PickScheme(Scheme::Fernet))
        );
        let fixed = Context {
            scheme_choice: false,
            ..BROWSING
        };
        assert_eq!(lookup(&key(KeyCode::Char('3')), &fixed), None);
    }

    #[test]
    fn arrows_and_space_step_through_a_lesson_only_while_one_runs() {
        let lesson = Context {
            lesson: true,
            ..BROWSING
        };
        assert_eq!(
            lookup(&key(KeyCode::Right), &lesson),
            Some(Action::NextStep)
        );
        assert_eq!(
            lookup(&key(KeyCode::Char(' ')), &lesson),
            Some(Action::NextStep)
        );
        assert_eq!(lookup(&key(KeyCode::Left), &lesson), Some(Action::PrevStep));
        assert_eq!(lookup(&key(KeyCode::Right), &BROWSING), None);
        let typing = Context {
            typing: true,
            ..lesson
        };
        assert_eq!(
            lookup(&key(KeyCode::Char(' ')), &typing),
            None,
            "a space is typed"
        );
        let labels: Vec<&str> = hints(&lesson).iter().map(|(k, _)| *k).collect();
        assert!(labels.contains(&"→ Space"), "{labels:?}");
    }

    #[test]
    fn o_sorts_the_client_list_and_ctrl_r_stops_or_restarts_a_reconnecting_client() {
        let server = Context {
            roster: true,
            ..BROWSING
        };
        assert_eq!(
            lookup(&key(KeyCode::Char('o')), &server),
            Some(Action::SortClients)
        );
        assert_eq!(lookup(&key(KeyCode::Char('o')), &BROWSING), None);
        let ctrl_r = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
        let retrying = Context {
            typing: true,
            retrying: true,
            ..BROWSING
        };
        assert_eq!(lookup(&ctrl_r, &retrying), Some(Action::StopReconnecting));
        let offline = Context {
            typing: true,
            offline: true,
            ..BROWSING
        };
        assert_eq!(lookup(&ctrl_r, &offline), Some(Action::Reconnect));
        assert_eq!(lookup(&ctrl_r, &BROWSING), None);
        let hints = |ctx: &Context| hints(ctx).iter().map(|(_, h)| *h).collect::<Vec<_>>();
        assert!(hints(&server).contains(&"sort clients"));
        assert!(hints(&retrying).contains(&"stop reconnecting"));
        assert!(hints(&offline).contains(&"reconnect"));
    }

    #[test]
    fn the_footer_comes_from_the_same_table() {
        let labels: Vec<&str> = hints(&BROWSING).iter().map(|(k, _)| *k).collect();
        assert!(
            labels.contains(&"q") && labels.contains(&"1-7") && labels.contains(&"x"),
            "{labels:?}"
        );
        assert!(!labels.contains(&"s"), "seal again only on the Compare tab");
    }
}
