//! The key table: every key cipherlab understands, one row each. The dispatcher, the footer
//! and the help popup all read it, so a key is added here once.

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use super::{Action, Binding, Scope};
use crate::crypto::Scheme;

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

macro_rules! binding {
    ($label:expr, $help:expr, $scope:ident, $footer:expr, [$($key:expr),+], $action:expr) => {
        Binding { label: $label, help: $help, scope: Scope::$scope, footer: $footer, keys: &[$($key),+], action: $action }
    };
}

/// Every key cipherlab understands, in the order the help popup lists them within each group.
/// Rows of one scope that are mutually exclusive (Enter while typing, Enter on the Wire) are
/// told apart by their scope, and the first row that applies wins.
pub const BINDINGS: &[Binding] = &[
    binding!(
        "Ctrl-C",
        "quit, always",
        Always,
        None,
        [(KeyCode::Char('c'), CTRL)],
        Action::ForceQuit
    ),
    binding!(
        "q",
        "quit",
        Browsing,
        Some("quit"),
        [(KeyCode::Char('q'), NONE)],
        Action::Quit
    ),
    binding!(
        "?/F1",
        "help",
        Browsing,
        Some("help"),
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
        Some("help"),
        [(KeyCode::F(1), NONE)],
        Action::Help
    ),
    binding!(
        "→ Space",
        "next step",
        Lesson,
        Some("next step"),
        [(KeyCode::Right, NONE), (KeyCode::Char(' '), NONE)],
        Action::NextStep
    ),
    binding!(
        "←",
        "previous step",
        Lesson,
        Some("previous step"),
        [(KeyCode::Left, NONE)],
        Action::PrevStep
    ),
    binding!(
        "Space",
        "pause/resume replay",
        Replay,
        Some("pause/resume"),
        [(KeyCode::Char(' '), NONE)],
        Action::PausePlayback
    ),
    binding!(
        ".",
        "step one event",
        Replay,
        Some("step"),
        [(KeyCode::Char('.'), NONE)],
        Action::StepPlayback
    ),
    // The answer prompt: Enter sends the ANSWER, Esc forgets it, F1 still helps.
    binding!(
        "F1",
        "help",
        Answering,
        Some("help"),
        [(KeyCode::F(1), NONE)],
        Action::Help
    ),
    binding!(
        "Enter",
        "send the answer",
        Answering,
        Some("send answer"),
        [(KeyCode::Enter, NONE)],
        Action::SendAnswer
    ),
    binding!(
        "Esc",
        "cancel the answer",
        Answering,
        Some("cancel"),
        [(KeyCode::Esc, NONE)],
        Action::CancelAnswer
    ),
    binding!(
        "Enter",
        "send the hex as wire bytes",
        TypingHex,
        Some("send wire bytes"),
        [(KeyCode::Enter, NONE)],
        Action::Send
    ),
    binding!(
        "Enter",
        "seal and send the text",
        Typing,
        Some("seal and send"),
        [(KeyCode::Enter, NONE)],
        Action::Send
    ),
    binding!(
        "Esc",
        "back to commands",
        Typing,
        Some("commands"),
        [(KeyCode::Esc, NONE)],
        Action::Back
    ),
    binding!(
        "Esc",
        "unzoom, or follow latest",
        Browsing,
        None,
        [(KeyCode::Esc, NONE)],
        Action::Back
    ),
    binding!(
        "Tab",
        "next pane",
        Always,
        Some("next pane"),
        [(KeyCode::Tab, NONE)],
        Action::FocusNext
    ),
    binding!(
        "Shift-Tab",
        "previous pane",
        Always,
        None,
        [(KeyCode::BackTab, NONE), (KeyCode::BackTab, SHIFT)],
        Action::FocusPrev
    ),
    binding!(
        "[ ]",
        "tabs",
        Browsing,
        Some("tabs"),
        [(KeyCode::Char(']'), NONE)],
        Action::NextTab
    ),
    binding!(
        "[",
        "previous tab",
        Browsing,
        None,
        [(KeyCode::Char('['), NONE)],
        Action::PrevTab
    ),
    binding!(
        "i",
        "type a message",
        CanEdit,
        Some("type"),
        [(KeyCode::Char('i'), NONE)],
        Action::Edit
    ),
    binding!(
        "1-7",
        "scheme: ecb cbc fernet hmac prefix-mac gcm chacha",
        SchemeChoice,
        Some("scheme"),
        [(KeyCode::Char('1'), NONE)],
        Action::PickScheme(Scheme::Ecb)
    ),
    binding!(
        "2",
        "cbc",
        SchemeChoice,
        None,
        [(KeyCode::Char('2'), NONE)],
        Action::PickScheme(Scheme::Cbc)
    ),
    binding!(
        "3",
        "fernet",
        SchemeChoice,
        None,
        [(KeyCode::Char('3'), NONE)],
        Action::PickScheme(Scheme::Fernet)
    ),
    binding!(
        "4",
        "hmac",
        SchemeChoice,
        None,
        [(KeyCode::Char('4'), NONE)],
        Action::PickScheme(Scheme::Hmac)
    ),
    binding!(
        "5",
        "prefix-mac",
        SchemeChoice,
        None,
        [(KeyCode::Char('5'), NONE)],
        Action::PickScheme(Scheme::PrefixMac)
    ),
    binding!(
        "6",
        "gcm",
        SchemeChoice,
        None,
        [(KeyCode::Char('6'), NONE)],
        Action::PickScheme(Scheme::Gcm)
    ),
    binding!(
        "7",
        "chacha",
        SchemeChoice,
        None,
        [(KeyCode::Char('7'), NONE)],
        Action::PickScheme(Scheme::Chacha)
    ),
    binding!(
        "Ctrl-R",
        "stop reconnecting",
        Retrying,
        Some("stop reconnecting"),
        [(KeyCode::Char('r'), CTRL)],
        Action::StopReconnecting
    ),
    binding!(
        "Ctrl-R",
        "reconnect",
        Offline,
        Some("reconnect"),
        [(KeyCode::Char('r'), CTRL)],
        Action::Reconnect
    ),
    binding!(
        "a",
        "answer the exercise",
        Exercise,
        Some("answer"),
        [(KeyCode::Char('a'), NONE)],
        Action::Answer
    ),
    binding!(
        "w",
        "the editor: wire bytes in hex, or sealed text",
        Exercise,
        Some("wire hex"),
        [(KeyCode::Char('w'), NONE)],
        Action::ToggleWireHex
    ),
    binding!(
        "n",
        "notice to every client",
        Roster,
        Some("notice"),
        [(KeyCode::Char('n'), NONE)],
        Action::Notice
    ),
    binding!(
        "o",
        "sort clients",
        Roster,
        Some("sort clients"),
        [(KeyCode::Char('o'), NONE)],
        Action::SortClients
    ),
    binding!(
        "e",
        "exchange: send, psk, x25519",
        SchemeChoice,
        Some("key exchange"),
        [(KeyCode::Char('e'), NONE)],
        Action::CycleExchange
    ),
    binding!(
        "s",
        "seal again",
        Compare,
        Some("seal again"),
        [(KeyCode::Char('s'), NONE)],
        Action::SealAgain
    ),
    binding!(
        "r",
        "run all attacks",
        Matrix,
        Some("run all attacks"),
        [(KeyCode::Char('r'), NONE)],
        Action::RunAll
    ),
    binding!(
        "← →",
        "more schemes",
        Matrix,
        None,
        [(KeyCode::Left, NONE)],
        Action::SchemesLeft
    ),
    binding!(
        "→",
        "schemes to the right",
        Matrix,
        None,
        [(KeyCode::Right, NONE)],
        Action::SchemesRight
    ),
    binding!(
        "x",
        "intercept on/off",
        Wire,
        Some("intercept"),
        [(KeyCode::Char('x'), NONE)],
        Action::ToggleIntercept
    ),
    binding!(
        "t",
        "tamper",
        Wire,
        Some("tamper"),
        [(KeyCode::Char('t'), NONE)],
        Action::TamperMenu
    ),
    binding!(
        "Enter",
        "forward the held message",
        Wire,
        Some("forward held"),
        [(KeyCode::Enter, NONE)],
        Action::Forward
    ),
    binding!(
        "d",
        "drop the held message",
        Wire,
        Some("drop held"),
        [(KeyCode::Char('d'), NONE)],
        Action::DropHeld
    ),
    binding!(
        "o",
        "padding oracle: read the held or selected message",
        Wire,
        Some("oracle"),
        [(KeyCode::Char('o'), NONE)],
        Action::Oracle
    ),
    binding!(
        "+ -",
        "pace: faster, slower (down to 1 query/s)",
        Oracle,
        Some("pace"),
        [
            (KeyCode::Char('+'), NONE),
            (KeyCode::Char('+'), SHIFT),
            (KeyCode::Char('='), NONE)
        ],
        Action::Faster
    ),
    binding!(
        "-",
        "slower",
        Oracle,
        None,
        [(KeyCode::Char('-'), NONE)],
        Action::Slower
    ),
    binding!(
        "\\",
        "zoom the pane, and back",
        Lab,
        Some("zoom"),
        [(KeyCode::Char('\\'), NONE)],
        Action::Zoom
    ),
    binding!(
        "h",
        "hide or show keys",
        Browsing,
        Some("hide keys"),
        [(KeyCode::Char('h'), NONE)],
        Action::HideKeys
    ),
    binding!(
        "↑↓ j k",
        "scroll or select",
        Browsing,
        Some("scroll"),
        [(KeyCode::Up, NONE), (KeyCode::Char('k'), NONE)],
        Action::Up
    ),
    binding!(
        "↓",
        "down",
        Browsing,
        None,
        [(KeyCode::Down, NONE), (KeyCode::Char('j'), NONE)],
        Action::Down
    ),
    binding!(
        "PgUp PgDn",
        "a page up, down",
        Browsing,
        None,
        [(KeyCode::PageUp, NONE)],
        Action::PageUp
    ),
    binding!(
        "PgDn",
        "page down",
        Browsing,
        None,
        [(KeyCode::PageDown, NONE)],
        Action::PageDown
    ),
    binding!(
        "Home g",
        "oldest",
        Browsing,
        None,
        [(KeyCode::Home, NONE), (KeyCode::Char('g'), NONE)],
        Action::Home
    ),
    binding!(
        "End G",
        "newest, follow live",
        Browsing,
        None,
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
        Some("freeze"),
        [(KeyCode::Char('f'), NONE)],
        Action::Freeze
    ),
];
