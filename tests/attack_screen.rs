//! The attacker's seat and the receiver's side on the screen, drawn through TestBackend from
//! deterministic sessions: what the tamper form says a replay will send, how an accepted but
//! unauthenticated message is marked, and which plaintext characters changed in transit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipherlab::crypto::{Scheme, Tamper};
use cipherlab::tui::action::Action;
use cipherlab::tui::scenario::{Script, draw};
use cipherlab::tui::{App, Mode, Tab};
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};

fn press(app: &mut App, code: KeyCode) {
    app.on_terminal(&TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Opens the tamper form and types `action` into it.
fn tamper_form(app: &mut App, action: &str) {
    app.apply(Action::TamperMenu);
    for _ in 0..24 {
        press(app, KeyCode::Backspace);
    }
    for c in action.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn demo(scheme: Scheme) -> Script {
    Script::new(
        Mode::Demo,
        scheme,
        cipherlab::crypto::KeyExchange::default_for(scheme),
    )
}

#[test]
fn the_tamper_form_says_replay_sends_the_last_forwarded_message_not_a_dropped_one() {
    let mut app = demo(Scheme::Hmac)
        .message("pay bob 10", None)
        .message("pay eve 99", None)
        .message("never arrives", Some(Tamper::Drop))
        .finish(Tab::Lab);
    tamper_form(&mut app, "replay");
    let terminal = draw(&app, 140, 42);
    let text = terminal.backend().to_string();
    assert!(
        text.contains("ok: replay sends message #2 again, the last one forwarded"),
        "{text}"
    );
    insta::assert_snapshot!("tamper_form_replay", terminal.backend());
}

#[test]
fn the_tamper_form_says_when_there_is_nothing_to_replay() {
    let mut app = demo(Scheme::Hmac)
        .message("never arrives", Some(Tamper::Drop))
        .finish(Tab::Lab);
    tamper_form(&mut app, "replay");
    let text = draw(&app, 140, 42).backend().to_string();
    assert!(
        text.contains("replay: no client message forwarded yet, nothing to send again"),
        "{text}"
    );
}
